//! The real desktop app, driven as a person would drive it: it registers,
//! reviews and accepts an invitation, chats both ways, blocks and leaves
//! invitations waiting, manages its nicks, and takes screenshots of every
//! main screen in the light and the dark theme (target/screenshots/).
//! Needs `target/debug/attesta-desktop` built with the `custom-protocol`
//! feature (scripts/test.sh builds it), tauri-driver, Xvfb and D-Bus.

#[path = "gui/desktop.rs"]
mod desktop;
#[path = "gui/processes.rs"]
mod processes;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use attesta_client::{Address, Client, MemberState, Registration, RequestOutcome};
use attesta_e2e::Person;
use attesta_e2e::server::Server;
use desktop::Desktop;

const PASSWORD: &str = "correct horse battery staple";

/// Someone on another computer, played by the client library.
async fn person(files: &Path, server: &str, nick: &str) -> Person {
    let client = Client::open(files.join(nick), server)
        .await
        .expect("a profile for the other party");
    client
        .register(
            Registration {
                nick: nick.to_owned(),
                password: PASSWORD.to_owned(),
                searchable: true,
                device_name: format!("{nick}'s laptop"),
            },
            |_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("registering {nick}: {e}"));
    Person {
        nick: nick.to_owned(),
        client,
    }
}

/// `person` asks to connect with the app's user by nick.
async fn invite(person: &Person, nick: &str, message: &str) -> String {
    match person
        .connect(Address::Nick(nick.to_owned()), message)
        .await
    {
        RequestOutcome::Requested { connector_id, .. } => connector_id,
        RequestOutcome::NotFound => panic!("{} did not find {nick}", person.nick),
    }
}

async fn register_in_the_app(app: &Desktop, nick: &str) {
    app.type_into("register-nick", nick).await;
    app.type_into("register-password", PASSWORD).await;
    app.type_into("register-password2", PASSWORD).await;
    app.click("register-submit").await;
    app.find("nav-invitations").await;
}

/// Opens the invitation from `name` in the review dialog.
async fn review(app: &Desktop, name: &str) {
    app.click("nav-invitations").await;
    app.wait_for_text("invitation-row", name)
        .await
        .click()
        .await
        .expect("opening the invitation");
    app.find("invitation-review").await;
}

async fn open_conversation(app: &Desktop, title: &str) {
    app.click("nav-conversations").await;
    app.wait_for_text("conversation-row", title)
        .await
        .click()
        .await
        .expect("opening the conversation");
    app.find("composer").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_registers_reviews_invitations_chats_and_manages_nicks_in_the_app() {
    let files = tempfile::tempdir().expect("a scratch directory");
    let server = Server::start(
        &files.path().join("server"),
        vec![(
            "ATTESTA_OUTBOX".to_owned(),
            files.path().join("outbox.jsonl").display().to_string(),
        )],
    );
    let url = server.url();
    let (bob, carol, dave, erin) = tokio::join!(
        person(files.path(), &url, "bobby"),
        person(files.path(), &url, "carol"),
        person(files.path(), &url, "david"),
        person(files.path(), &url, "erin"),
    );
    let profile = files.path().join("alice-desktop");
    let app = Desktop::start(&profile, &url, files.path()).await;

    // First run: register.
    app.find("register-nick").await;
    app.screenshot("first-run-light").await;
    register_in_the_app(&app, "alice").await;

    // Bob's invitation arrives, is announced, reviewed with its three facts, accepted.
    let with_bob = invite(&bob, "alice", "Hi Alice, it's Bob from the climbing club").await;
    app.wait_for_text("nav-invitations-badge", "1").await;
    app.wait_for_notification().await;
    review(&app, "Bobby").await;
    app.wait_for_text("invitation-name", "Bobby").await;
    app.wait_for_text("invitation-message", "climbing club")
        .await;
    app.wait_for_text("fact-signed", "Signed").await;
    app.wait_for_text("fact-nick", "Nick checked").await;
    let digits: String = app
        .find("safety-number")
        .await
        .text()
        .await
        .expect("the safety number")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(digits.len(), 60, "the safety number shows 60 digits");
    app.screenshot("invitation-review-light").await;
    app.click("invitation-accept").await;
    app.wait_until_gone("nav-invitations-badge", "1").await;
    bob.eventually("alice's acceptance", || async {
        let state = bob.connector(&with_bob).await.ok()?.state;
        (state == MemberState::Accepted).then_some(())
    })
    .await;

    // Messages both ways.
    bob.say(&with_bob, "Hello Alice! Sunday suits me.").await;
    open_conversation(&app, "Bobby").await;
    app.wait_for_text("message-row", "Sunday suits me").await;
    app.type_into("composer", "Great, see you at ten.").await;
    app.click("composer-send").await;
    app.wait_for_text("message-row", "see you at ten").await;
    bob.receives(&with_bob, "Great, see you at ten.").await;
    app.screenshot("conversation-light").await;

    // Carol's invitation is blocked from the dialog and disappears.
    // The badge counts only what still waits.
    invite(&carol, "alice", "Remember me? Buy my course!").await;
    app.wait_for_text("nav-invitations-badge", "1").await;
    review(&app, "Carol").await;
    app.click("invitation-block").await;
    app.wait_until_gone("invitation-row", "Carol").await;
    app.wait_until_gone("nav-invitations-badge", "1").await;

    // David's is left waiting: it stays in the list.
    invite(&dave, "alice", "Hi, we met at the conference.").await;
    review(&app, "David").await;
    app.click("invitation-leave-waiting").await;
    app.wait_for_text("invitation-row", "David").await;
    app.wait_for_text("nav-invitations-badge", "1").await;

    // Nicks: a too-short one is refused with its reason, a good one is added.
    app.click("nav-identity").await;
    app.type_into("nick-add-input", "al").await;
    app.wait_for_text("check-refusal", "Too short").await;
    app.click("nick-add-submit").await;
    assert_eq!(
        app.texts("identity-row").await.len(),
        1,
        "a refused nick is not added: only the first nick is listed"
    );
    app.type_into("nick-add-input", "alice_climbs").await;
    app.click("nick-add-submit").await;
    app.wait_for_text("identity-row", "alice_climbs").await;
    app.screenshot("identity-light").await;

    app.click("nav-settings").await;
    app.find("settings-theme-dark").await;
    app.screenshot("settings-light").await;

    // Notifications off: nothing reaches the session bus, neither for a new
    // invitation (announced even while the window has focus) nor for a message.
    let notified_before = app.notify_calls();
    app.click("settings-notifications").await;
    let checked = app
        .find("settings-notifications")
        .await
        .prop("checked")
        .await
        .expect("the switch's state");
    assert_eq!(checked.as_deref(), Some("false"), "the switch shows off");
    invite(&erin, "alice", "Hello from Erin").await;
    bob.say(&with_bob, "Are you still coming?").await;
    app.wait_for_text("nav-invitations-badge", "2").await;
    open_conversation(&app, "Bobby").await;
    app.wait_for_text("message-row", "still coming").await;
    // The bus monitor writes a call down a moment after it passed.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        app.notify_calls(),
        notified_before,
        "no notification while they are turned off"
    );
    app.click("nav-settings").await;

    // The same screens in the dark theme.
    app.click("settings-theme-dark").await;
    app.screenshot("settings-dark").await;
    app.click("nav-identity").await;
    app.wait_for_text("identity-row", "alice_climbs").await;
    app.screenshot("identity-dark").await;
    open_conversation(&app, "Bobby").await;
    app.wait_for_text("message-row", "see you at ten").await;
    app.screenshot("conversation-dark").await;
    review(&app, "David").await;
    app.screenshot("invitation-review-dark").await;
    app.click("invitation-leave-waiting").await;

    // Opening the app again for the same profile with a connect link: the
    // second start hands the link to the running app and exits, and the
    // running app opens the Connect dialog prefilled.
    let second = Command::new(desktop::app_binary())
        .arg("attesta://connect?nick=bobby")
        .env("DISPLAY", &app.display)
        .env("DBUS_SESSION_BUS_ADDRESS", app.bus())
        .env("ATTESTA_PROFILE", &profile)
        .env("NO_AT_BRIDGE", "1")
        .status()
        .expect("starting the app a second time");
    assert!(second.success(), "the second start exits cleanly");
    app.find("connect-dialog").await;
    let prefilled = app
        .find("connect-value")
        .await
        .prop("value")
        .await
        .expect("the searched value");
    assert_eq!(prefilled.as_deref(), Some("bobby"));
    app.find_css("[data-testid=\"connect-dialog\"] button[aria-label]")
        .await
        .click()
        .await
        .expect("closing the Connect dialog");

    app.click("nav-settings").await;
    app.click("logout").await;
    app.find("register-nick").await;
    app.screenshot("first-run-dark").await;

    app.close().await;
    drop(server);
}
