//! Key rotation: a party's new keys reach its other devices, its peers are
//! warned instead of silently trusting them, and history stays readable.

use attesta_e2e::World;

#[tokio::test]
async fn rotated_keys_warn_the_peer_and_reach_the_other_device() {
    let world = World::start().await;
    let (alice, bob, laptop) = (&world.alice, &world.bob, &world.alice_laptop);
    let conversation = alice.befriend(bob).await;
    alice.say(&conversation, "Before the rotation").await;
    bob.receives(&conversation, "Before the rotation").await;
    let alice_id = alice.party_id();
    let before = bob
        .safety_number(&conversation)
        .await
        .expect("a safety number")
        .digits;

    alice.rotate_keys().await.expect("alice makes new keys");

    bob.eventually("the key-change warning", || async {
        bob.key_change_pending(&alice_id)
            .await
            .expect("the trust state")
            .then_some(())
    })
    .await;
    bob.accept_key_change(&alice_id)
        .await
        .expect("bob accepts alice's new keys");
    assert!(
        !bob.key_change_pending(&alice_id)
            .await
            .expect("the trust state")
    );
    assert_ne!(
        bob.safety_number(&conversation)
            .await
            .expect("a safety number")
            .digits,
        before,
        "new keys, a new safety number"
    );

    laptop
        .eventually("alice's new keys", || async {
            let keys = laptop.account()?.public_keys;
            (keys == alice.account()?.public_keys).then_some(())
        })
        .await;
    laptop.say(&conversation, "From the laptop, new keys").await;
    let received = bob
        .receives(&conversation, "From the laptop, new keys")
        .await;
    assert!(received.signed, "signed with the accepted new keys");
    let old = laptop.receives(&conversation, "Before the rotation").await;
    assert!(old.signed, "history under the old keys stays readable");
}
