//! Faults: a server that stops and comes back, an answer lost after the
//! server committed, a client killed in the middle of a sync. Nothing is
//! lost, nothing arrives twice, the order holds.

use std::time::{Duration, Instant};

use attesta_client::{Address, MessageState, RequestOutcome};
use attesta_e2e::raw::{self, RawDevice};
use attesta_e2e::{PATIENCE, World};

#[tokio::test]
async fn messages_sent_while_the_server_is_down_arrive_once_each_in_order() {
    let mut world = World::start().await;
    let (alice, bob) = (&world.alice, &world.bob);
    let conversation = alice.befriend(bob).await;

    world.server.stop();
    let mut sent = Vec::new();
    for text in ["first", "second", "third"] {
        sent.push(
            alice
                .send_text(&conversation, text, None)
                .await
                .expect("a send is queued offline"),
        );
    }
    let report = alice.flush_outbox().await.expect("the outbox keeps them");
    assert_eq!(report.sent, 0, "nothing can go while the server is down");
    for msg_id in &sent {
        assert_eq!(
            alice.message(*msg_id).await.expect("the message").state,
            MessageState::Queued
        );
    }

    world.server.restart();
    let (alice, bob) = (&world.alice, &world.bob);
    alice.deliver().await;
    bob.receives(&conversation, "third").await;
    let received: Vec<String> = bob
        .texts(&conversation)
        .await
        .into_iter()
        .filter(|(mine, _)| !mine)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(received, ["Hi, Alice here", "first", "second", "third"]);
    for msg_id in &sent {
        assert_eq!(
            alice.message(*msg_id).await.expect("the message").state,
            MessageState::Sent
        );
    }
}

#[tokio::test]
async fn a_delivery_retried_after_its_answer_was_lost_is_stored_once() {
    let world = World::start().await;
    let (alice, bob) = (&world.alice, &world.bob);
    let conversation = alice.befriend(bob).await;

    alice
        .send_text(&conversation, "only once, please", None)
        .await
        .expect("queued");
    let queued = raw::queued(alice);
    let [delivery] = queued.as_slice() else {
        panic!("one delivery waits in the outbox: {queued:?}");
    };
    // The server commits it, but alice's client never hears the answer.
    let committed = RawDevice::of(alice)
        .deliver(
            &delivery.connector_id,
            delivery.data.clone(),
            delivery.client_id,
        )
        .await
        .expect("the server stores the delivery");
    // The outbox retries the same delivery, with the same client_id.
    alice.deliver().await;
    let retried = RawDevice::of(alice)
        .deliver(
            &delivery.connector_id,
            delivery.data.clone(),
            delivery.client_id,
        )
        .await
        .expect("a repeat answers the stored item");
    assert_eq!(retried.id, committed.id, "the retry found the stored item");

    bob.receives(&conversation, "only once, please").await;
    world
        .alice_laptop
        .receives(&conversation, "only once, please")
        .await;
    for person in [alice, bob, &world.alice_laptop] {
        person.sync_now().await.expect("syncing");
        let copies = person
            .texts(&conversation)
            .await
            .into_iter()
            .filter(|(_, body)| body == "only once, please")
            .count();
        assert_eq!(copies, 1, "{} shows it exactly once", person.nick);
    }
}

/// Long enough that a sync takes several pages (500 items each).
const BACKLOG: usize = 1500;

#[tokio::test]
async fn a_client_killed_in_the_middle_of_a_sync_resumes_without_duplicates_or_gaps() {
    let world = World::start().await;
    let dave = world.cli("dave");
    dave.run(&["register", "dave", "--searchable"]).await.ok();
    let bob = &world.bob;
    let RequestOutcome::Requested {
        connector_id: conversation,
        ..
    } = bob
        .connect(Address::Nick("dave".into()), "Hi Dave, Bob here")
        .await
    else {
        panic!("dave is searchable");
    };
    dave.run(&["accept", &conversation]).await.ok();
    let expected: Vec<String> = std::iter::once("Hi Dave, Bob here".to_owned())
        .chain((0..BACKLOG).map(|n| format!("backlog {n:04}")))
        .collect();
    for text in &expected[1..] {
        bob.send_text(&conversation, text, None)
            .await
            .expect("queued");
    }
    bob.deliver().await;

    let profile = world.profile_of("dave");
    let before = raw::stored_bodies(&profile, &conversation).len();
    let mut sync = dave.spawn(&["sync"]);
    let deadline = Instant::now() + PATIENCE;
    let at_kill = loop {
        let stored = raw::stored_bodies(&profile, &conversation).len();
        if stored > before {
            break stored;
        }
        assert!(
            sync.try_wait().expect("watching the sync").is_none(),
            "the sync ended before anything was seen arriving"
        );
        assert!(Instant::now() < deadline, "the sync stored nothing");
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    sync.start_kill().expect("SIGKILL to the sync's pid");
    let status = sync.wait().await.expect("the killed sync ends");
    assert!(!status.success(), "the sync was killed, not finished");
    assert!(
        at_kill < expected.len(),
        "the kill landed in the middle of the sync ({at_kill} of {} stored)",
        expected.len()
    );

    dave.run(&["sync"]).await.ok();
    let stored = raw::stored_bodies(&profile, &conversation);
    assert_eq!(stored.len(), expected.len(), "no duplicates, no gaps");
    assert_eq!(stored, expected, "everything, once, in order");

    let shown = dave
        .run(&["messages", &conversation, "--limit", "1000"])
        .await
        .ok()
        .objects();
    let bodies: Vec<&str> = shown.iter().filter_map(|m| m["body"].as_str()).collect();
    let newest: Vec<&str> = expected[expected.len() - 1000..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(bodies, newest, "the CLI shows the newest thousand in order");
}
