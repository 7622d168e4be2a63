//! Running devices (the background engine a desktop app runs): news is
//! pushed to them without asking, and what they queued while the server
//! was away goes out by itself when it is back.

use std::time::{Duration, Instant};

use attesta_client::{Event, MessageState, SyncState};
use attesta_e2e::{PATIENCE, Person, World};
use tokio::sync::broadcast;

/// Waits for the first event that `wanted` picks.
async fn hears<T>(
    events: &mut broadcast::Receiver<Event>,
    what: &str,
    mut wanted: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) => {
                if let Some(found) = wanted(&event) {
                    return found;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(broadcast::error::RecvError::Closed)) => {
                panic!("the events ended before {what}")
            }
            Err(_) => panic!("{what} never came"),
        }
    }
}

/// Waits until a running device is online.
async fn online(person: &Person, events: &mut broadcast::Receiver<Event>) {
    if person.sync_state() == SyncState::Online {
        return;
    }
    hears(events, "going online", |e| {
        (*e == Event::Sync {
            state: SyncState::Online,
        })
        .then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_running_device_hears_a_new_message_without_asking() {
    let world = World::start().await;
    let (alice, bob) = (&world.alice, &world.bob);
    let conversation = alice.befriend(bob).await;

    let mut events = bob.subscribe();
    let engine = bob.start();
    online(bob, &mut events).await;

    alice.say(&conversation, "Pushed to you").await;
    let msg_id = hears(&mut events, "the new message", |e| match e {
        Event::MessageArrived {
            conversation: c,
            msg_id,
        } if *c == conversation => Some(*msg_id),
        _ => None,
    })
    .await;
    let message = bob.message(msg_id).await.expect("it is in the cache");
    assert_eq!(message.body.as_deref(), Some("Pushed to you"));
    assert!(message.signed && !message.from_me);
    engine.stop().await;
}

#[tokio::test]
async fn what_a_running_device_queued_offline_goes_out_when_the_server_is_back() {
    let mut world = World::start().await;
    let conversation = world.alice.befriend(&world.bob).await;

    let mut events = world.alice.subscribe();
    let engine = world.alice.start();
    online(&world.alice, &mut events).await;

    world.server.stop();
    hears(&mut events, "going offline", |e| {
        (*e == Event::Sync {
            state: SyncState::Offline,
        })
        .then_some(())
    })
    .await;
    let mut queued = Vec::new();
    for text in ["Written on the train", "Still no signal"] {
        queued.push(
            world
                .alice
                .send_text(&conversation, text, None)
                .await
                .expect("queued offline"),
        );
    }
    for msg_id in &queued {
        assert_eq!(
            world.alice.message(*msg_id).await.expect("queued").state,
            MessageState::Queued,
            "shown as queued while offline"
        );
    }

    world.server.restart();
    let deadline = Instant::now() + PATIENCE * 2;
    for msg_id in &queued {
        while world
            .alice
            .message(*msg_id)
            .await
            .expect("the message")
            .state
            != MessageState::Sent
        {
            assert!(
                Instant::now() < deadline,
                "the engine never sent the queue after the server came back"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let bob = &world.bob;
    bob.receives(&conversation, "Still no signal").await;
    let received: Vec<String> = bob
        .texts(&conversation)
        .await
        .into_iter()
        .filter(|(mine, _)| !mine)
        .map(|(_, body)| body)
        .collect();
    assert_eq!(
        received,
        ["Hi, Alice here", "Written on the train", "Still no signal"]
    );
    engine.stop().await;
}
