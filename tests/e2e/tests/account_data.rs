//! The account's own data travels encrypted in `account_data`: a device
//! that logs in later shows the account's nicks, e-mails and phones in
//! plain form, and the same pinned keys (and verified marks) as the others.

use attesta_client::TokenKind;
use attesta_e2e::{Setup, World};

#[tokio::test]
async fn a_device_that_logs_in_later_shows_the_accounts_identity_and_pinned_keys() {
    let world = World::start_with(Setup { mail: true }).await;
    let (alice, bob) = (&world.alice, &world.bob);

    alice
        .add_nick("Alice Cooper", false)
        .await
        .expect("a second nick");
    let email = alice
        .add_email("Alice@Example.org", true)
        .await
        .expect("an e-mail");
    let code = world.mail().code_for("alice@example.org").await;
    alice.confirm_token(email, &code).await.expect("confirmed");
    let phone = alice
        .add_phone("+44 7400 123456", None, false)
        .await
        .expect("a mobile number");
    let code = world.phone_code("+447400123456").await;
    alice.confirm_token(phone, &code).await.expect("confirmed");

    let conversation = alice.befriend(bob).await;
    let safety = alice
        .safety_number(&conversation)
        .await
        .expect("a safety number");
    alice
        .set_verified(&bob.party_id(), true)
        .await
        .expect("alice marks bob's number verified");

    let tablet = world.new_device_of(alice, "alice_tablet").await;
    tablet.sync_now().await.expect("the tablet syncs");
    let mut values: Vec<(TokenKind, String, bool, bool)> = tablet
        .tokens()
        .await
        .expect("the account's tokens")
        .into_iter()
        .map(|t| {
            (
                t.kind,
                t.value.unwrap_or_else(|| "(unknown)".into()),
                t.searchable,
                t.confirmed,
            )
        })
        .collect();
    values.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        values,
        vec![
            (TokenKind::Phone, "+447400123456".to_owned(), false, true),
            (TokenKind::Nick, "alice".to_owned(), true, true),
            (TokenKind::Nick, "alice cooper".to_owned(), false, true),
            (TokenKind::Email, "alice@example.org".to_owned(), true, true),
        ],
        "the plain values, as only the account's devices know them"
    );

    let on_tablet = tablet
        .safety_number(&conversation)
        .await
        .expect("a safety number on the tablet");
    assert_eq!(on_tablet.digits, safety.digits, "the same pinned keys");
    assert!(on_tablet.verified, "the verified mark came along");
    assert!(!on_tablet.key_change_pending);
}
