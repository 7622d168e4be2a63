//! Keys rotated on one device reach the party's other devices through
//! `sync`, against the real server binary (`cargo build -p attesta-server`
//! first).

#![allow(clippy::unwrap_used)]

use attesta_client::{
    Address, Anchor, Client, Event, HelloDraft, Login, Registration, RequestOutcome,
};

mod common;
use common::{Server, start_server};

fn password(nick: &str) -> String {
    format!("{nick} has a long password")
}

async fn registered(server: &Server, dir: &tempfile::TempDir, nick: &str) -> Client {
    let client = Client::open(dir.path(), &server.url).await.unwrap();
    let registration = Registration {
        nick: nick.into(),
        password: password(nick),
        searchable: true,
        device_name: "laptop".into(),
    };
    client.register(registration, |_| {}).await.unwrap();
    client
}

async fn logged_in(server: &Server, dir: &tempfile::TempDir, nick: &str) -> Client {
    let client = Client::open(dir.path(), &server.url).await.unwrap();
    let login = Login {
        login: nick.into(),
        password: password(nick),
        device_name: "phone".into(),
        region: None,
    };
    client.login(login, |_| {}).await.unwrap();
    client
}

/// Alice (laptop and phone) and Bob, connected; answers the connector id.
async fn connected(alice: &Client, phone: &Client, bob: &Client) -> String {
    let draft = HelloDraft {
        message: "Hi Alice".into(),
        display_name: "Bob".into(),
        nick: None,
    };
    let outcome = bob
        .request_connector(&Address::Nick("alice".into()), draft)
        .await
        .unwrap();
    let RequestOutcome::Requested { connector_id, .. } = outcome else {
        panic!("alice is searchable")
    };
    bob.sync_now().await.unwrap();
    alice.sync_now().await.unwrap();
    alice.accept(&connector_id, None).await.unwrap();
    alice.sync_now().await.unwrap();
    bob.sync_now().await.unwrap();
    phone.sync_now().await.unwrap();
    connector_id
}

/// Bob writes `text` (to Alice's newest keys, once he accepted them); answers
/// once it left his device.
async fn bob_writes(bob: &Client, connector_id: &str, text: &str) {
    bob.sync_now().await.unwrap();
    let alice = bob
        .connector(connector_id)
        .await
        .unwrap()
        .peer_party_id
        .unwrap();
    // Only when there is a change to accept: the first message has none.
    let _ = bob.accept_key_change(&alice).await;
    bob.send_text(connector_id, text, None).await.unwrap();
    bob.sync_now().await.unwrap();
    assert_eq!(
        bob.queued_count().await.unwrap(),
        0,
        "bob's message went out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_device_reads_a_message_to_keys_rotated_on_the_first_as_genuine() {
    let server = start_server();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let alice = registered(&server, &dirs[0], "alice").await;
    let bob = registered(&server, &dirs[1], "bobby").await;
    let phone = logged_in(&server, &dirs[2], "alice").await;
    let connector_id = connected(&alice, &phone, &bob).await;

    alice.rotate_keys().await.unwrap();
    bob_writes(&bob, &connector_id, "Written after your new keys").await;

    phone.sync_now().await.unwrap();
    let page = phone
        .messages(&connector_id, Anchor::Latest, 50)
        .await
        .unwrap();
    let last = page.messages.last().unwrap();
    assert_eq!(last.body.as_deref(), Some("Written after your new keys"));
    assert!(last.signed && !last.from_me, "genuine, from Bob");
    assert!(!phone.needs_new_password().await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_misses_a_new_password_keeps_its_history_and_asks_for_it() {
    let server = start_server();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let alice = registered(&server, &dirs[0], "alice").await;
    let bob = registered(&server, &dirs[1], "bobby").await;
    let phone = logged_in(&server, &dirs[2], "alice").await;
    let connector_id = connected(&alice, &phone, &bob).await;
    bob_writes(&bob, &connector_id, "Before anything changed").await;
    phone.sync_now().await.unwrap();

    alice
        .change_password(&password("alice"), "a new and long password", |_| {})
        .await
        .unwrap();
    alice.rotate_keys().await.unwrap();
    bob_writes(&bob, &connector_id, "Written after your new keys").await;

    let mut events = phone.subscribe();
    phone.sync_now().await.unwrap();
    let mut asked = false;
    while let Ok(event) = events.try_recv() {
        asked |= event == Event::NewPasswordNeeded;
    }
    assert!(asked, "the UI hears that the new password is needed");
    assert!(phone.needs_new_password().await.unwrap());
    let page = phone
        .messages(&connector_id, Anchor::Latest, 50)
        .await
        .unwrap();
    let bodies: Vec<_> = page
        .messages
        .iter()
        .filter_map(|m| m.body.as_deref())
        .collect();
    assert!(
        bodies.contains(&"Before anything changed"),
        "history kept: {bodies:?}"
    );
    assert!(
        !bodies.contains(&"Written after your new keys"),
        "not readable without the new password: {bodies:?}"
    );
}
