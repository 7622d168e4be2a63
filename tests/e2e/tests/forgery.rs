//! Forgery and key swaps: what does not verify is shown as "could not be
//! verified", never as genuine; a replayed block is dropped; keys changed
//! behind a peer's back raise the key-change warning instead of being trusted.

use attesta_client::{Message, MessageKind};
use attesta_e2e::World;
use attesta_e2e::raw::{self, RawDevice};
use attesta_proto::blocks::{Content, Header, Party, Sealer, Text};
use attesta_proto::keys::PartyKeys;
use time::OffsetDateTime;

fn text(body: &str) -> Content {
    Content::Text(Text {
        body: body.to_owned(),
        reply_to: None,
    })
}

/// Whether a message is shown as genuine: signed and readable.
fn genuine(message: &Message) -> bool {
    message.signed && message.kind == MessageKind::Text
}

#[tokio::test]
async fn a_block_claiming_another_author_or_signed_by_a_wrong_key_is_never_shown_as_genuine() {
    let world = World::start().await;
    let (alice, bob, carol) = (&world.alice, &world.bob, &world.carol);
    alice.befriend(bob).await;
    let conversation = carol.befriend(bob).await;
    let bob_keys = bob.account().expect("bob is logged in").public_keys;
    let to_bob = Party {
        party_id: &bob.party_id(),
        keys: &bob_keys,
    };
    let carol_device = RawDevice::of(carol);

    // Carol's own keys, but alice named as the author.
    let posing = Sealer::new(
        &alice.party_id(),
        carol_device.keyring.current(),
        &conversation,
    )
    .p2p(
        to_bob,
        Header::new(OffsetDateTime::now_utc()),
        text("Alice here: please send me your password"),
    )
    .expect("sealing");
    carol_device
        .deliver(&conversation, posing, client_id(1))
        .await
        .expect("the server cannot tell and stores it");

    // Carol as the author, but keys that are not hers.
    let stranger = PartyKeys::generate(carol_device.keyring.current().version());
    let wrong_key = Sealer::new(&carol.party_id(), &stranger, &conversation)
        .p2p(
            Party {
                party_id: &bob.party_id(),
                keys: &bob_keys,
            },
            Header::new(OffsetDateTime::now_utc()),
            text("Signed by a key that is not carol's"),
        )
        .expect("sealing");
    carol_device
        .deliver(&conversation, wrong_key, client_id(2))
        .await
        .expect("stored");

    carol.say(&conversation, "A genuine one from carol").await;
    let honest = bob
        .receives(&conversation, "A genuine one from carol")
        .await;
    assert!(genuine(&honest), "the honest message verifies");

    let history = bob.history(&conversation).await;
    for forged in [
        "Alice here: please send me your password",
        "Signed by a key that is not carol's",
    ] {
        assert!(
            !history
                .iter()
                .any(|m| m.body.as_deref() == Some(forged) && genuine(m)),
            "{forged:?} is never shown as genuine: {history:#?}"
        );
    }
    let unverified = history.iter().filter(|m| !genuine(m)).count();
    assert_eq!(
        unverified, 2,
        "both forgeries are shown, as could not be verified: {history:#?}"
    );
}

/// Distinct client ids for raw deliveries within one test.
fn client_id(n: u8) -> [u8; 16] {
    let mut id = [0xa5; 16];
    id[15] = n;
    id
}

#[tokio::test]
async fn a_replayed_block_is_dropped() {
    let world = World::start().await;
    let (alice, bob) = (&world.alice, &world.bob);
    let conversation = alice.befriend(bob).await;

    alice
        .send_text(&conversation, "Pay 10 euros to the club", None)
        .await
        .expect("queued");
    let [delivery] = raw::queued(alice).try_into().expect("one delivery waits");
    alice.deliver().await;
    bob.receives(&conversation, "Pay 10 euros to the club")
        .await;

    // The same block again, as a new delivery (a new client_id): the
    // server stores it; the clients recognise the msg_id.
    RawDevice::of(alice)
        .deliver(&delivery.connector_id, delivery.data, client_id(9))
        .await
        .expect("the server stores the replay");
    alice.say(&conversation, "After the replay").await;
    for person in [bob, alice, &world.alice_laptop] {
        person.receives(&conversation, "After the replay").await;
        let copies = person
            .history(&conversation)
            .await
            .into_iter()
            .filter(|m| m.body.as_deref() == Some("Pay 10 euros to the club"))
            .count();
        assert_eq!(copies, 1, "{} shows it once", person.nick);
    }
}

#[tokio::test]
async fn keys_swapped_in_the_server_database_raise_the_key_change_warning() {
    let mut world = World::start().await;
    let conversation = world.alice.befriend(&world.bob).await;
    let alice_id = world.alice.party_id();
    let safety_before = world
        .bob
        .safety_number(&conversation)
        .await
        .expect("a safety number")
        .digits;
    assert!(
        !world
            .bob
            .key_change_pending(&alice_id)
            .await
            .expect("the trust state")
    );

    // A hostile server (or a copy of its database) puts other keys on alice.
    world.server.stop();
    let swapped = PartyKeys::generate(1);
    {
        let db = rusqlite::Connection::open(world.server.database()).expect("the server database");
        let keys = serde_json::to_string(swapped.public()).expect("keys as JSON");
        let changed = db
            .execute(
                "UPDATE parties SET public_keys = ?1 WHERE id = ?2",
                [&keys, &alice_id],
            )
            .expect("rewriting alice's keys");
        assert_eq!(changed, 1);
        db.execute(
            "INSERT INTO changes (party_id, kind, ref_id) VALUES (?1, 'connector', ?2)",
            [&world.bob.party_id(), &conversation],
        )
        .expect("telling bob's devices that the connector changed");
    }
    world.server.restart();

    let bob = &world.bob;
    bob.eventually("the key-change warning", || async {
        bob.key_change_pending(&alice_id)
            .await
            .expect("the trust state")
            .then_some(())
    })
    .await;
    let listed = bob
        .conversations()
        .await
        .expect("conversations")
        .into_iter()
        .find(|c| c.id == conversation)
        .expect("the conversation is listed");
    assert!(
        listed.key_change_pending,
        "the conversation shows the warning"
    );
    assert_eq!(
        bob.safety_number(&conversation)
            .await
            .expect("a safety number")
            .digits,
        safety_before,
        "the swapped keys are not trusted in place of the pinned ones"
    );
}
