//! Blocking: what a blocked party sends never reaches the blocker, and the
//! blocked party is never told (its request still shows as waiting).

use attesta_client::{MemberState, MessageState};
use attesta_e2e::World;

#[tokio::test]
async fn a_blocked_sender_is_not_told_and_her_later_messages_never_arrive() {
    let world = World::start().await;
    let (bob, carol) = (&world.bob, &world.carol);

    let conversation = carol.connect_by_nick(bob, "Hi Bob, buy my course").await;
    bob.invitation_from(carol).await;
    bob.block(&conversation).await.expect("bob blocks carol");
    assert!(
        bob.invitations().await.expect("invitations").is_empty(),
        "a blocked invitation leaves the list"
    );

    let later = carol.say(&conversation, "Did you see my offer?").await;
    carol.sync_now().await.expect("carol syncs");
    assert_eq!(
        carol
            .connector(&conversation)
            .await
            .expect("her request")
            .state,
        MemberState::Waiting,
        "carol still sees her request waiting"
    );
    assert_eq!(
        carol.message(later).await.expect("her message").state,
        MessageState::Sent,
        "her delivery was answered as usual"
    );

    bob.sync_now().await.expect("bob syncs");
    let seen = bob.texts(&conversation).await;
    assert!(
        !seen.iter().any(|(_, body)| body == "Did you see my offer?"),
        "bob never gets what carol sent after the block: {seen:?}"
    );
    assert_eq!(
        bob.connector(&conversation)
            .await
            .expect("the connector")
            .state,
        MemberState::Blocked
    );

    // Even after an unblock, what came during the block stays discarded.
    bob.unblock(&conversation).await.expect("bob unblocks");
    bob.sync_now().await.expect("bob syncs");
    assert!(
        !bob.texts(&conversation)
            .await
            .iter()
            .any(|(_, body)| body == "Did you see my offer?")
    );
}

#[tokio::test]
async fn mutual_requests_open_without_an_accept() {
    let world = World::start().await;
    let (alice, bob) = (&world.alice, &world.bob);

    let conversation = alice.connect_by_nick(bob, "Hi Bob").await;
    let answer = bob
        .connect(
            attesta_client::Address::Nick(alice.nick.clone()),
            "Hi Alice",
        )
        .await;
    assert_eq!(
        answer,
        attesta_client::RequestOutcome::Requested {
            connector_id: conversation.clone(),
            state: MemberState::Accepted,
        },
        "bob's request finds alice's and opens it"
    );
    alice
        .state_becomes(&conversation, MemberState::Accepted)
        .await;
    assert!(bob.invitations().await.expect("invitations").is_empty());

    alice.say(&conversation, "No accept needed").await;
    bob.receives(&conversation, "No accept needed").await;
    bob.say(&conversation, "Indeed").await;
    alice.receives(&conversation, "Indeed").await;
}
