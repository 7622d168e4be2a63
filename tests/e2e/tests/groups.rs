//! Groups: three members talk; a removed member reads nothing sent after
//! the removal.

use attesta_client::{ConnectorKind, MemberState};
use attesta_e2e::World;

#[tokio::test]
async fn three_members_talk_and_a_removed_member_cannot_read_what_follows() {
    let world = World::start().await;
    let (alice, bob, carol) = (&world.alice, &world.bob, &world.carol);
    alice.befriend(bob).await;
    alice.befriend(carol).await;

    let group = alice
        .create_group("Climbers")
        .await
        .expect("alice creates a group");
    for member in [bob, carol] {
        alice
            .invite(&group, &member.party_id(), alice.profile())
            .await
            .expect("alice invites a contact");
    }
    alice.deliver().await;
    for member in [bob, carol] {
        let invitation = member.invitation_to(&group).await;
        assert_eq!(invitation.kind, ConnectorKind::Group);
        assert_eq!(invitation.group_name.as_deref(), Some("Climbers"));
        member
            .accept(&group, Some(member.profile()))
            .await
            .expect("accepting the group");
        member.deliver().await;
    }

    alice.say(&group, "Welcome, both of you").await;
    bob.say(&group, "Thanks Alice").await;
    carol.say(&group, "Hello everyone").await;
    for member in [alice, bob, carol] {
        member.receives(&group, "Hello everyone").await;
        member.receives(&group, "Thanks Alice").await;
        member.receives(&group, "Welcome, both of you").await;
        assert!(
            member.history(&group).await.iter().all(|m| m.signed),
            "{} sees every group message as signed",
            member.nick
        );
    }

    alice
        .remove_member(&group, &carol.party_id())
        .await
        .expect("the owner removes carol");
    alice.deliver().await;
    carol.state_becomes(&group, MemberState::Removed).await;

    alice.say(&group, "Now that carol is gone").await;
    bob.receives(&group, "Now that carol is gone").await;
    bob.say(&group, "Bob after the removal").await;
    alice.receives(&group, "Bob after the removal").await;

    carol.sync_now().await.expect("carol syncs");
    let carol_sees = carol.texts(&group).await;
    assert!(
        carol_sees
            .iter()
            .all(|(_, body)| body != "Now that carol is gone" && body != "Bob after the removal"),
        "carol reads nothing sent after her removal: {carol_sees:?}"
    );
    assert!(
        carol_sees.iter().any(|(_, body)| body == "Hello everyone"),
        "what she saw before stays"
    );
}
