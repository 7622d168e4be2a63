//! Two real clients against the real server binary: register, connect by
//! nick with a HELLO, accept, and exchange messages. The server binary must
//! be built first (`cargo build -p attesta-server`).

#![allow(clippy::unwrap_used)]

use attesta_client::{
    Address, Anchor, Client, HelloDraft, Login, MemberState, MessageState, NickCheck, Profile,
    Registration, RequestOutcome,
};

mod common;
use common::{Server, start_server};

async fn registered(server: &Server, dir: &tempfile::TempDir, nick: &str) -> Client {
    let client = Client::open(dir.path(), &server.url).await.unwrap();
    let steps = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = steps.clone();
    client
        .register(
            Registration {
                nick: nick.into(),
                password: format!("{nick} has a long password"),
                searchable: true,
                device_name: "laptop".into(),
            },
            move |step| seen.lock().unwrap().push(step),
        )
        .await
        .unwrap();
    assert_eq!(
        steps.lock().unwrap().len(),
        2,
        "the UI hears when derivation starts and ends"
    );
    client
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_people_connect_by_nick_and_talk() {
    let server = start_server();
    let (alice_dir, bob_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = registered(&server, &alice_dir, "alice liddell").await;
    let bob = registered(&server, &bob_dir, "bob the builder").await;

    let outcome = bob
        .request_connector(
            &Address::Nick("Alice  Liddell".into()),
            HelloDraft {
                message: "Hi Alice, it's Bob from the workshop".into(),
                display_name: "Bob".into(),
                nick: Some("bob the builder".into()),
            },
        )
        .await
        .unwrap();
    let RequestOutcome::Requested {
        connector_id,
        state,
    } = outcome
    else {
        panic!("alice is searchable")
    };
    assert_eq!(state, MemberState::Waiting);
    bob.sync_now().await.unwrap();
    assert_eq!(bob.queued_count().await.unwrap(), 0, "the HELLO went out");

    alice.sync_now().await.unwrap();
    let invitations = alice.invitations().await.unwrap();
    assert_eq!(invitations.len(), 1);
    let invitation = &invitations[0];
    assert_eq!(invitation.connector_id, connector_id);
    assert_eq!(invitation.display_name.as_deref(), Some("Bob"));
    assert_eq!(
        invitation.message.as_deref(),
        Some("Hi Alice, it's Bob from the workshop")
    );
    assert_eq!(invitation.searched.as_deref(), Some("alice liddell"));
    assert!(invitation.signed);
    assert_eq!(invitation.nick_check, NickCheck::Checked);
    let safety = invitation.safety_number.clone().unwrap();
    assert_eq!(safety.len(), 60);

    let nobody = bob
        .request_connector(&Address::Nick("nobody here".into()), HelloDraft::default())
        .await
        .unwrap();
    assert_eq!(nobody, RequestOutcome::NotFound);

    alice
        .accept(
            &connector_id,
            Some(Profile {
                display_name: "Alice".into(),
                nick: None,
                avatar: None,
            }),
        )
        .await
        .unwrap();
    alice.sync_now().await.unwrap();
    assert!(alice.invitations().await.unwrap().is_empty());
    bob.sync_now().await.unwrap();
    assert_eq!(
        bob.connector(&connector_id).await.unwrap().state,
        MemberState::Accepted
    );
    assert_eq!(
        bob.safety_number(&connector_id).await.unwrap().digits,
        safety,
        "both sides see one number"
    );

    let sent = bob
        .send_text(&connector_id, "Tea at five?", None)
        .await
        .unwrap();
    assert_eq!(bob.message(sent).await.unwrap().state, MessageState::Queued);
    bob.sync_now().await.unwrap();
    assert_eq!(bob.message(sent).await.unwrap().state, MessageState::Sent);

    alice.sync_now().await.unwrap();
    let page = alice
        .messages(&connector_id, Anchor::Latest, 50)
        .await
        .unwrap();
    let last = page.messages.last().unwrap();
    assert_eq!(last.body.as_deref(), Some("Tea at five?"));
    assert!(last.signed && !last.from_me);
    let conversations = alice.conversations().await.unwrap();
    assert_eq!(
        conversations[0].unread, 2,
        "the HELLO and the text are unread"
    );

    let reply = alice
        .send_text(&connector_id, "Yes!", Some(sent))
        .await
        .unwrap();
    alice.sync_now().await.unwrap();
    alice.edit_message(reply, "Yes, gladly!").await.unwrap();
    alice.sync_now().await.unwrap();
    bob.sync_now().await.unwrap();
    let answer = bob.message(reply).await.unwrap();
    assert_eq!(answer.body.as_deref(), Some("Yes, gladly!"));
    assert!(answer.edited);
    assert_eq!(answer.reply_to, Some(sent));

    // A second device of Alice's reads the whole history as her own.
    let second_dir = tempfile::tempdir().unwrap();
    let second = Client::open(second_dir.path(), &server.url).await.unwrap();
    second
        .login(
            Login {
                login: "alice liddell".into(),
                password: "alice liddell has a long password".into(),
                device_name: "phone".into(),
                region: None,
            },
            |_| {},
        )
        .await
        .unwrap();
    second.sync_now().await.unwrap();
    let history = second
        .messages(&connector_id, Anchor::Latest, 50)
        .await
        .unwrap();
    let mine = history.messages.iter().find(|m| m.msg_id == reply).unwrap();
    assert!(mine.from_me);
    assert_eq!(mine.body.as_deref(), Some("Yes, gladly!"));
    let tokens = second.tokens().await.unwrap();
    assert_eq!(
        tokens[0].value.as_deref(),
        Some("alice liddell"),
        "the plain nick came through account_data"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_while_the_server_is_down_arrives_exactly_once_when_it_is_back() {
    let server = start_server();
    let (alice_dir, bob_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = registered(&server, &alice_dir, "alice offline").await;
    let bob = registered(&server, &bob_dir, "bob offline").await;
    let RequestOutcome::Requested { connector_id, .. } = bob
        .request_connector(
            &Address::Nick("alice offline".into()),
            HelloDraft::default(),
        )
        .await
        .unwrap()
    else {
        panic!("alice is searchable")
    };
    alice.sync_now().await.unwrap();
    alice.accept(&connector_id, None).await.unwrap();
    bob.sync_now().await.unwrap();

    let server = server
        .restart_after(|| async {
            let sent = bob
                .send_text(&connector_id, "while you were away", None)
                .await
                .unwrap();
            let report = bob.flush_outbox().await.unwrap();
            assert_eq!((report.sent, report.waiting), (0, 1));
            assert_eq!(bob.message(sent).await.unwrap().state, MessageState::Queued);
        })
        .await;

    bob.sync_now().await.unwrap();
    assert_eq!(bob.queued_count().await.unwrap(), 0);
    assert_eq!(
        bob.flush_outbox().await.unwrap().sent,
        0,
        "nothing goes out twice"
    );
    alice.sync_now().await.unwrap();
    let page = alice
        .messages(&connector_id, Anchor::Latest, 50)
        .await
        .unwrap();
    let arrived: Vec<_> = page
        .messages
        .iter()
        .filter(|m| m.body.as_deref() == Some("while you were away"))
        .collect();
    assert_eq!(arrived.len(), 1);
    drop(server);
}

/// Runs `while_down` with the server stopped, then starts it again.
/// On one thread, nothing notices the old connection close while the server
/// restarts, as when a laptop wakes up: the pool still offers it.
#[tokio::test]
async fn the_first_call_after_the_server_restarts_succeeds() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let alice = registered(&server, &dir, "alice restarted").await;
    assert_eq!(alice.devices().await.unwrap().len(), 1);

    let server = server.restart_after(|| async {}).await;

    let devices = alice
        .devices()
        .await
        .expect("the call goes through on the first try");
    assert_eq!(devices.len(), 1);
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picture_shared_in_a_hello_reaches_the_review_and_the_contact_keeps_the_presented_nick() {
    let server = start_server();
    let (alice_dir, bob_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let alice = registered(&server, &alice_dir, "alice pictured").await;
    let bob = registered(&server, &bob_dir, "bob pictured").await;
    let mut picture = b"\x89PNG\r\n\x1a\n".to_vec();
    picture.resize(attesta_client::MAX_AVATAR_BYTES, 7);
    let hello = HelloDraft {
        message: "Hi".into(),
        display_name: "Bob".into(),
        nick: Some("bob pictured".into()),
    };

    let too_large = vec![0; attesta_client::MAX_AVATAR_BYTES + 1];
    let refused = bob
        .request_connector_showing(
            &Address::Nick("alice pictured".into()),
            hello.clone(),
            Some(too_large),
        )
        .await;
    assert!(
        refused.is_err(),
        "a picture too large for a HELLO is refused"
    );

    bob.request_connector_showing(
        &Address::Nick("alice pictured".into()),
        hello,
        Some(picture.clone()),
    )
    .await
    .unwrap();
    bob.sync_now().await.unwrap();
    alice.sync_now().await.unwrap();
    let invitations = alice.invitations().await.unwrap();
    assert_eq!(invitations[0].avatar.as_deref(), Some(picture.as_slice()));

    alice
        .accept(&invitations[0].connector_id, None)
        .await
        .unwrap();
    let contact = alice.connector(&invitations[0].connector_id).await.unwrap();
    assert_eq!(contact.peer_nick.as_deref(), Some("bob pictured"));
}
