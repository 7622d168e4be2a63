//! Push over a real WebSocket: cursors after deliveries, tickets, and
//! sockets that close when their session ends.

mod common;

use std::time::Duration;

use attesta_proto::api::{AuthLogout, DevicesRevoke, EventsTicket, PushEvent, Sync};
use common::Server;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

fn events_url(server: &Server) -> String {
    format!("{}/api/v1/events", server.url.replacen("http", "ws", 1))
}

/// Opens a push socket with a session in the header.
async fn open(server: &Server, session: &str) -> Result<Socket, WsError> {
    let mut request = events_url(server).into_client_request()?;
    let bearer = format!("Bearer {session}").parse().expect("a header value");
    request.headers_mut().insert("authorization", bearer);
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, _)| socket)
}

/// The next push, or `None` if none comes within a few seconds.
async fn next_push(socket: &mut Socket) -> Option<PushEvent> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .ok()??
        {
            Ok(Message::Text(text)) => {
                return Some(serde_json::from_str(&text).expect("a push is {cursor}"));
            }
            Ok(Message::Ping(_) | Message::Pong(_)) => {}
            _ => return None,
        }
    }
}

/// Whether the server closes the socket within a few seconds (`SESSION_CHECK` is 5 s).
async fn closes(socket: &mut Socket) -> bool {
    loop {
        match tokio::time::timeout(Duration::from_secs(8), socket.next()).await {
            Err(_) => return false,
            Ok(None | Some(Ok(Message::Close(_))) | Some(Err(_))) => return true,
            Ok(Some(Ok(_))) => {}
        }
    }
}

fn status_of(error: WsError) -> u16 {
    match error {
        WsError::Http(response) => response.status().as_u16(),
        other => panic!("expected an HTTP refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_delivery_pushes_a_cursor_that_syncs_it() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let start = server.sync_from(&bob, None, None).await.cursor;
    let mut socket = open(&server, &bob.session)
        .await
        .expect("opening bob's socket");

    let item = server
        .deliver(&alice, &id, b"ping")
        .await
        .expect("delivering");
    let push = next_push(&mut socket)
        .await
        .expect("a push after the delivery");
    let page = server.sync_from(&bob, Some(&start), None).await;
    assert_eq!(page.items, vec![item]);
    assert_eq!(
        push.cursor, page.cursor,
        "the pushed cursor is where sync ends"
    );
}

#[tokio::test]
async fn a_ticket_opens_a_socket_once() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let ticket = server
        .call(Some(&bob.session), &EventsTicket {})
        .await
        .expect("a ticket")
        .ticket;
    let url = format!("{}?ticket={ticket}", events_url(&server));

    let (mut socket, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect("the ticket opens a socket");
    let again = tokio_tungstenite::connect_async(url.as_str())
        .await
        .expect_err("a ticket is single-use");
    assert_eq!(status_of(again), 401);
    server.connect(&alice, &bob).await;
    assert!(
        next_push(&mut socket).await.is_some(),
        "the ticket's socket is bob's"
    );
}

#[tokio::test]
async fn a_socket_without_a_live_session_is_refused() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let url = events_url(&server);
    assert_eq!(
        status_of(
            tokio_tungstenite::connect_async(url.as_str())
                .await
                .expect_err("refused")
        ),
        401
    );
    let forged = format!("{url}?ticket=not-a-ticket");
    assert_eq!(
        status_of(
            tokio_tungstenite::connect_async(forged.as_str())
                .await
                .expect_err("refused")
        ),
        401
    );
    server
        .call(Some(&alice.session), &AuthLogout {})
        .await
        .expect("logging out");
    assert_eq!(
        status_of(open(&server, &alice.session).await.expect_err("refused")),
        401
    );
}

#[tokio::test]
async fn a_revoked_devices_session_fails_at_once_and_its_socket_closes() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let laptop = server.second_device(&alice).await;
    let mut socket = open(&server, &laptop.session)
        .await
        .expect("opening the laptop's socket");
    let mut own = open(&server, &alice.session)
        .await
        .expect("opening the first device's socket");

    server
        .call(
            Some(&alice.session),
            &DevicesRevoke {
                device_id: laptop.device_id.clone(),
            },
        )
        .await
        .expect("revoking the laptop");
    let error = server
        .call(Some(&laptop.session), &Sync::default())
        .await
        .unwrap_err();
    assert_eq!(error.status, 401);
    assert!(
        closes(&mut socket).await,
        "the revoked device's socket closes"
    );
    // The other device's socket stays, and hears of the change.
    assert!(next_push(&mut own).await.is_some());
}

#[tokio::test]
async fn logging_out_closes_the_devices_socket() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let mut socket = open(&server, &alice.session)
        .await
        .expect("opening the socket");
    server
        .call(Some(&alice.session), &AuthLogout {})
        .await
        .expect("logging out");
    assert!(closes(&mut socket).await);
}

#[tokio::test]
async fn a_plain_request_to_the_events_path_is_a_bad_request() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let response = server
        .http
        .get(events_url(&server).replacen("ws", "http", 1))
        .bearer_auth(&alice.session)
        .send()
        .await;
    let response = response.expect("the server answers");
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.expect("an API error body");
    assert_eq!(body["error"]["code"], "bad_request");
}

#[tokio::test]
async fn the_openapi_document_lists_the_push_socket_and_every_connector_method() {
    let server = Server::start();
    let url = format!("{}/api/v1/openapi.json", server.url);
    let document: serde_json::Value = server
        .http
        .get(url)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("JSON");
    let paths = &document["paths"];
    assert!(paths["/api/v1/events"]["get"].is_object());
    for method in [
        "connectors_request",
        "connectors_accept",
        "connectors_block",
        "connectors_unblock",
        "connectors_list",
        "connectors_deliver",
        "group_create",
        "group_invite",
        "group_leave",
        "group_remove",
        "items_delete",
        "sync",
        "events_ticket",
    ] {
        assert!(
            paths[format!("/api/v1/{method}")]["post"].is_object(),
            "{method}"
        );
    }
}

#[tokio::test]
async fn a_client_that_sends_more_than_control_frames_is_cut_off() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let mut socket = open(&server, &alice.session).await.expect("opening");
    socket
        .send(Message::text("x".repeat(64 * 1024)))
        .await
        .expect("sending");
    assert!(closes(&mut socket).await);
    assert!(server.healthy().await);
}
