//! Phone confirmation through an SMS gateway: a small HTTP service started by
//! the test records what the server POSTs to it.

mod common;

use std::sync::{Arc, Mutex};

use attesta_proto::api::{ErrorCode, TokenAddPhone, TokenConfirm};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use common::Server;
use serde_json::Value;

/// What the gateway received: the Authorization header and the JSON body.
type Received = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// Serves `POST /send` on a loopback port, answering `status`.
async fn gateway(status: StatusCode) -> (String, Received) {
    let received: Received = Arc::default();
    let app = axum::Router::new()
        .route(
            "/send",
            post(
                move |State(received): State<Received>,
                      headers: HeaderMap,
                      Json(body): Json<Value>| async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    received.lock().expect("lock").push((auth, body));
                    status
                },
            ),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/send", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, received)
}

fn add_phone() -> TokenAddPhone {
    TokenAddPhone {
        phone: "415 555 0123".into(),
        region: Some("US".into()),
        searchable: false,
    }
}

#[tokio::test]
async fn a_phone_number_is_confirmed_with_the_code_the_gateway_was_given() {
    let (url, received) = gateway(StatusCode::OK).await;
    let server = Server::start_with(&["--sms-gateway-url", &url, "--sms-gateway-token", "gw-key"]);
    let alice = server.register("alice").await;
    let added = server.as_party(&alice, &add_phone()).await.expect("added");
    assert!(!added.confirmed);

    let (auth, body) = received
        .lock()
        .expect("lock")
        .pop()
        .expect("one message sent");
    assert_eq!(auth.as_deref(), Some("Bearer gw-key"));
    assert_eq!(body["to"], "+14155550123");
    let text = body["text"].as_str().expect("text");
    let (_, after) = text.split_once("code: ").expect("the text names the code");
    let code: String = after.chars().take_while(char::is_ascii_digit).collect();
    assert_eq!(code.len(), 6, "{text}");

    let confirmed = server
        .as_party(
            &alice,
            &TokenConfirm {
                token: added.token,
                code,
            },
        )
        .await
        .expect("confirmed");
    assert!(confirmed.confirmed);
}

#[tokio::test]
async fn a_gateway_that_refuses_gives_an_internal_error() {
    let (url, received) = gateway(StatusCode::SERVICE_UNAVAILABLE).await;
    let server = Server::start_with(&["--sms-gateway-url", &url]);
    let alice = server.register("alice").await;
    let failed = server
        .as_party(&alice, &add_phone())
        .await
        .expect_err("gateway down");
    assert_eq!(failed.code(), ErrorCode::Internal);
    assert_eq!(
        received.lock().expect("lock").len(),
        1,
        "the gateway was asked once"
    );
    assert!(server.healthy().await);
}
