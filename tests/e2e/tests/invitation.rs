//! The heart of the paradigm: a HELLO reaches the person searched for, who
//! reviews it, leaves it waiting, accepts it later; then both converse, and
//! every device of each party shows the same conversation.

use attesta_client::{Address, MemberState, NickCheck, RequestOutcome};
use attesta_e2e::{Setup, World};

#[tokio::test]
async fn a_hello_found_by_nick_is_reviewed_accepted_and_the_conversation_reaches_every_device() {
    let world = World::start().await;
    let (alice, bob) = (&world.alice, &world.bob);

    let conversation = alice
        .connect_by_nick(bob, "Hi Bob, it's Alice from the climbing club")
        .await;

    let invitation = bob.invitation_from(alice).await;
    assert_eq!(invitation.connector_id, conversation);
    assert_eq!(
        invitation.message.as_deref(),
        Some("Hi Bob, it's Alice from the climbing club")
    );
    assert_eq!(invitation.display_name.as_deref(), Some("Alice"));
    assert_eq!(invitation.nick.as_deref(), Some("alice"));
    assert!(invitation.signed, "a genuine HELLO shows as signed");
    assert_eq!(invitation.nick_check, NickCheck::Checked);
    assert!(invitation.received_at.is_some());
    assert!(invitation.safety_number.is_some());

    // Left waiting: it stays in the list, and alice still waits.
    bob.sync_now().await.expect("bob syncs");
    assert_eq!(bob.invitations().await.expect("invitations").len(), 1);
    alice.sync_now().await.expect("alice syncs");
    assert_eq!(
        alice
            .connector(&conversation)
            .await
            .expect("her request")
            .state,
        MemberState::Waiting
    );

    bob.accept(&conversation, None).await.expect("bob accepts");
    assert!(bob.invitations().await.expect("invitations").is_empty());
    alice
        .state_becomes(&conversation, MemberState::Accepted)
        .await;

    bob.say(&conversation, "Hello Alice! Sunday suits me.")
        .await;
    alice
        .receives(&conversation, "Hello Alice! Sunday suits me.")
        .await;
    alice.say(&conversation, "Great, see you at ten.").await;
    bob.receives(&conversation, "Great, see you at ten.").await;

    let expected = vec![
        (true, "Hi Bob, it's Alice from the climbing club".to_owned()),
        (false, "Hello Alice! Sunday suits me.".to_owned()),
        (true, "Great, see you at ten.".to_owned()),
    ];
    assert_eq!(alice.texts(&conversation).await, expected);

    // Her laptop shows the same, including what she sent from the desktop.
    let laptop = &world.alice_laptop;
    laptop
        .receives(&conversation, "Great, see you at ten.")
        .await;
    assert_eq!(laptop.texts(&conversation).await, expected);
    let mirrored: Vec<(bool, String)> = bob
        .texts(&conversation)
        .await
        .into_iter()
        .map(|(mine, body)| (!mine, body))
        .collect();
    assert_eq!(mirrored, expected, "bob sees the same conversation");

    // A device that logs in later reads the whole history.
    let phone = world.new_device_of(alice, "alice_phone").await;
    phone
        .receives(&conversation, "Great, see you at ten.")
        .await;
    assert_eq!(phone.texts(&conversation).await, expected);
    assert!(
        phone.history(&conversation).await.iter().all(|m| m.signed),
        "every message of the history verifies on the new device"
    );
}

#[tokio::test]
async fn a_hello_finds_its_recipient_by_a_confirmed_email_read_from_the_mail() {
    let world = World::start_with(Setup { mail: true }).await;
    let (alice, bob) = (&world.alice, &world.bob);

    let token = bob
        .add_email("Bob@Example.org", true)
        .await
        .expect("bob adds his e-mail");
    let code = world.mail().code_for("bob@example.org").await;
    bob.confirm_token(token, &code)
        .await
        .expect("bob confirms with the code from the mail");

    let outcome = alice
        .connect(
            Address::Email("bob@example.org".into()),
            "Found you by mail",
        )
        .await;
    let RequestOutcome::Requested { connector_id, .. } = outcome else {
        panic!("bob's confirmed, searchable e-mail was not found");
    };
    let invitation = bob.invitation_from(alice).await;
    assert_eq!(invitation.connector_id, connector_id);
    assert_eq!(invitation.message.as_deref(), Some("Found you by mail"));
    assert_eq!(invitation.searched.as_deref(), Some("bob@example.org"));
    assert!(invitation.signed);
}

#[tokio::test]
async fn nobody_is_found_by_an_email_that_is_not_confirmed() {
    let world = World::start_with(Setup { mail: true }).await;
    world
        .bob
        .add_email("bob@example.org", true)
        .await
        .expect("bob adds his e-mail");
    let outcome = world
        .alice
        .connect(Address::Email("bob@example.org".into()), "hello?")
        .await;
    assert_eq!(outcome, RequestOutcome::NotFound);
}
