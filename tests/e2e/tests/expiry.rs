//! Disappearing messages: once expired, a message is gone from the server
//! and from every device's cache, and a device logging in later never sees it.

use std::time::{Duration, Instant};

use attesta_e2e::{PATIENCE, World};

/// Items of a connector with an expiry still stored in the server's database.
fn expiring_items_on_server(world: &World, conversation: &str) -> i64 {
    let db = rusqlite::Connection::open(world.server.database()).expect("the server's database");
    db.query_row(
        "SELECT count(*) FROM items WHERE connector_id = ?1 AND expires_at IS NOT NULL",
        [conversation],
        |r| r.get(0),
    )
    .expect("counting items")
}

#[tokio::test]
async fn a_disappearing_message_vanishes_from_the_server_and_every_cache() {
    let world = World::start().await;
    let (alice, bob, laptop) = (&world.alice, &world.bob, &world.alice_laptop);
    let conversation = alice.befriend(bob).await;

    alice
        .set_expiry(&conversation, Some(5))
        .await
        .expect("alice turns on disappearing messages");
    let gone = alice.say(&conversation, "This will self-destruct").await;
    alice.say(&conversation, "Also gone soon").await;
    alice
        .set_expiry(&conversation, None)
        .await
        .expect("and off again");
    alice.say(&conversation, "This one stays").await;

    for person in [bob, laptop] {
        let seen = person
            .receives(&conversation, "This will self-destruct")
            .await;
        assert!(seen.expires_at.is_some(), "it arrives with its expiry");
        person.receives(&conversation, "This one stays").await;
    }
    assert_eq!(expiring_items_on_server(&world, &conversation), 2);
    let expires_at = alice
        .message(gone)
        .await
        .expect("the message")
        .expires_at
        .expect("an expiry");

    for person in [alice, bob, laptop] {
        person
            .eventually("the disappearing messages gone", || async {
                let texts = person.texts(&conversation).await;
                let gone = !texts
                    .iter()
                    .any(|(_, b)| b == "This will self-destruct" || b == "Also gone soon");
                gone.then_some(())
            })
            .await;
        assert!(
            person
                .texts(&conversation)
                .await
                .iter()
                .any(|(_, b)| b == "This one stays"),
            "{} keeps the message without expiry",
            person.nick
        );
    }
    assert!(
        time::OffsetDateTime::now_utc() >= expires_at,
        "nothing vanished before its time"
    );

    let deadline = Instant::now() + PATIENCE;
    while expiring_items_on_server(&world, &conversation) > 0 {
        assert!(
            Instant::now() < deadline,
            "the server still stores expired items"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let phone = world.new_device_of(alice, "alice_phone").await;
    phone.receives(&conversation, "This one stays").await;
    assert!(
        !phone
            .texts(&conversation)
            .await
            .iter()
            .any(|(_, b)| b == "This will self-destruct"),
        "a device that logs in later never sees it"
    );
}
