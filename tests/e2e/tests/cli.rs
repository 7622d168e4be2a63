//! The `attesta` CLI's contract for scripts: JSON objects one per line,
//! exit status 0 on success, 1 on an error said on stderr, 2 on wrong usage.

use attesta_client::{Address, RequestOutcome};
use attesta_e2e::{Cli, Setup, World};
use serde_json::Value;

fn text(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {value}"))
        .to_owned()
}

/// A CLI profile registered as `nick`.
async fn registered(world: &World, nick: &str) -> (Cli, Value) {
    let cli = world.cli(nick);
    let session = cli
        .run(&["register", nick, "--searchable"])
        .await
        .ok()
        .object();
    (cli, session)
}

#[tokio::test]
async fn register_and_login_print_the_party_and_the_device() {
    let world = World::start().await;
    let (_, registered) = registered(&world, "dave").await;
    let party = text(&registered, "party_id");
    assert!(!text(&registered, "device_id").is_empty());

    let second = world.cli("dave_laptop");
    let logged_in = second.run(&["login", "dave"]).await.ok().object();
    assert_eq!(text(&logged_in, "party_id"), party);
    assert_ne!(
        text(&logged_in, "device_id"),
        text(&registered, "device_id")
    );

    let devices = second.run(&["devices"]).await.ok().objects();
    assert_eq!(devices.len(), 2, "both devices are listed: {devices:?}");
    assert_eq!(
        devices.iter().filter(|d| d["current"] == true).count(),
        1,
        "exactly one is this device"
    );
}

#[tokio::test]
async fn connecting_to_nobody_exits_1_saying_not_found() {
    let world = World::start().await;
    let (dave, _) = registered(&world, "dave").await;
    let run = dave
        .run(&["connect", "--nick", "nobody here", "--message", "hi"])
        .await;
    assert_eq!(run.code, Some(1), "{run:?}");
    assert!(run.stderr.contains("not found"), "{run:?}");
    assert!(run.stdout.is_empty(), "nothing is printed as an answer");
}

#[tokio::test]
async fn wrong_usage_exits_2() {
    let world = World::start().await;
    let cli = world.cli("anyone");
    for args in [
        &["frobnicate"][..],
        &["connect", "--message", "to whom?"],
        &[
            "connect",
            "--nick",
            "alice",
            "--email",
            "a@example.org",
            "--message",
            "x",
        ],
        &["send", "only-an-id"],
        &["send", "id", "text", "--expires-in", "soon"],
    ] {
        let run = cli.run(args).await;
        assert_eq!(run.code, Some(2), "{args:?}: {run:?}");
        assert!(!run.stderr.is_empty(), "{args:?} says what is wrong");
    }
}

#[tokio::test]
async fn an_error_exits_1_and_is_said_on_stderr() {
    let world = World::start().await;
    let stranger = world.cli("stranger");
    for args in [
        &["login", "nobody by this nick"][..],
        &["messages", "no-such-conversation"],
    ] {
        let run = stranger.run(args).await;
        assert_eq!(run.code, Some(1), "{args:?}: {run:?}");
        assert!(
            run.stderr.lines().any(|line| line.starts_with("error: ")),
            "{args:?}: {run:?}"
        );
        assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
    }
}

#[tokio::test]
async fn a_script_reviews_an_invitation_accepts_it_and_converses() {
    let world = World::start().await;
    let (dave, _) = registered(&world, "dave").await;
    let alice = &world.alice;
    let conversation = {
        let outcome = alice
            .connect(Address::Nick("dave".into()), "Hi Dave, Alice here")
            .await;
        match outcome {
            RequestOutcome::Requested { connector_id, .. } => connector_id,
            RequestOutcome::NotFound => panic!("dave was not found"),
        }
    };

    let invitations = dave.run(&["invitations"]).await.ok().objects();
    assert_eq!(invitations.len(), 1, "{invitations:?}");
    let invitation = &invitations[0];
    assert_eq!(text(invitation, "id"), conversation);
    assert_eq!(text(invitation, "nick"), "alice");
    assert_eq!(text(invitation, "display_name"), "Alice");
    assert_eq!(text(invitation, "message"), "Hi Dave, Alice here");
    assert_eq!(invitation["signed"], true);
    assert_eq!(text(invitation, "nick_check"), "checked");
    assert!(invitation["received_at"].is_string());

    let waiting = dave.run(&["wait", &conversation]).await.ok().object();
    assert_eq!(text(&waiting, "state"), "waiting");
    assert_eq!(dave.run(&["invitations"]).await.ok().objects().len(), 1);

    let accepted = dave.run(&["accept", &conversation]).await.ok().object();
    assert_eq!(text(&accepted, "state"), "accepted");
    assert!(dave.run(&["invitations"]).await.ok().objects().is_empty());

    let sent = dave
        .run(&["send", &conversation, "Hello Alice"])
        .await
        .ok()
        .object();
    assert_eq!(sent["from_me"], true);
    assert_eq!(text(&sent, "body"), "Hello Alice");
    assert_eq!(text(&sent, "state"), "sent");
    assert_eq!(sent["signed"], true);
    assert!(!text(&sent, "id").is_empty());
    assert!(sent["sent_at"].is_string());

    alice.receives(&conversation, "Hello Alice").await;
    alice.say(&conversation, "Nice to meet you").await;

    let messages = dave.run(&["messages", &conversation]).await.ok().objects();
    let bodies: Vec<(bool, String)> = messages
        .iter()
        .map(|m| (m["from_me"] == true, text(m, "body")))
        .collect();
    assert_eq!(
        bodies,
        vec![
            (false, "Hi Dave, Alice here".to_owned()),
            (true, "Hello Alice".to_owned()),
            (false, "Nice to meet you".to_owned()),
        ]
    );
    assert!(messages.iter().all(|m| m["signed"] == true));
    assert!(messages.iter().all(|m| text(m, "state") == "sent"));
    assert_eq!(text(&messages[2], "author"), alice.party_id());

    let conversations = dave.run(&["conversations"]).await.ok().objects();
    let listed = conversations
        .iter()
        .find(|c| text(c, "id") == conversation)
        .unwrap_or_else(|| panic!("the conversation is listed: {conversations:?}"));
    assert_eq!(text(listed, "kind"), "p2p");
    assert!(listed["unread"].as_u64().is_some_and(|n| n >= 1));
    assert!(listed["last_message_at"].is_string());
    assert!(listed.get("title").is_some());
}

#[tokio::test]
async fn a_send_while_the_server_is_down_is_queued_exits_0_and_goes_out_later() {
    let mut world = World::start().await;
    let (dave, session) = registered(&world, "dave").await;
    let connect = dave
        .run(&[
            "connect",
            "--nick",
            "bobby",
            "--message",
            "Hi Bob, Dave here",
        ])
        .await
        .ok()
        .object();
    assert_eq!(text(&connect, "state"), "waiting");
    let conversation = text(&connect, "id");
    let bob = &world.bob;
    let invitation = bob.invitation_from_party(&text(&session, "party_id")).await;
    assert_eq!(invitation.message.as_deref(), Some("Hi Bob, Dave here"));
    bob.accept(&conversation, None).await.expect("bob accepts");
    dave.run(&["sync"]).await.ok();

    world.server.stop();
    let queued = dave
        .run(&["send", &conversation, "Sent while offline"])
        .await;
    assert_eq!(queued.code, Some(0), "{queued:?}");
    assert_eq!(text(&queued.object(), "state"), "queued");
    assert!(queued.stderr.contains("queued"), "{queued:?}");

    world.server.restart();
    let synced = dave.run(&["sync"]).await.ok().object();
    assert_eq!(synced["queued"], 0);
    world
        .bob
        .receives(&conversation, "Sent while offline")
        .await;
}

#[tokio::test]
async fn a_script_adds_and_confirms_an_email_and_a_phone_with_the_codes_sent() {
    let world = World::start_with(Setup { mail: true }).await;
    let (dave, _) = registered(&world, "dave").await;

    let added = dave
        .run(&["email", "add", "Dave@Example.org", "--searchable"])
        .await
        .ok()
        .object();
    assert_eq!(text(&added, "kind"), "email");
    assert_eq!(text(&added, "value"), "dave@example.org");
    assert_eq!(added["confirmed"], false);
    let code = world.mail().code_for("dave@example.org").await;
    let confirmed = dave
        .run(&["email", "confirm", "dave@example.org", &code])
        .await
        .ok()
        .object();
    assert_eq!(confirmed["confirmed"], true);
    assert_eq!(confirmed["searchable"], true);

    dave.run(&["phone", "add", "07400 123456", "--region", "GB"])
        .await
        .ok();
    let code = world.phone_code("+447400123456").await;
    let wrong = dave
        .run(&["phone", "confirm", "+447400123456", "000000"])
        .await;
    if code != "000000" {
        assert_eq!(wrong.code, Some(1), "a wrong code is refused: {wrong:?}");
    }
    dave.run(&["phone", "confirm", "+447400123456", &code])
        .await
        .ok();

    let tokens = dave.run(&["tokens"]).await.ok().objects();
    let listed: Vec<(String, String, bool)> = tokens
        .iter()
        .map(|t| (text(t, "kind"), text(t, "value"), t["confirmed"] == true))
        .collect();
    assert_eq!(
        listed,
        [
            ("nick".to_owned(), "dave".to_owned(), true),
            ("email".to_owned(), "dave@example.org".to_owned(), true),
            ("phone".to_owned(), "+447400123456".to_owned(), true),
        ]
    );

    let found = world
        .alice
        .connect(Address::Email("dave@example.org".into()), "Found by mail")
        .await;
    assert!(matches!(found, RequestOutcome::Requested { .. }));
}

#[tokio::test]
async fn a_revoked_device_can_no_longer_act() {
    let world = World::start().await;
    let (desktop, _) = registered(&world, "dave").await;
    let laptop = world.cli("dave_laptop");
    laptop.run(&["login", "dave"]).await.ok();
    let devices = laptop.run(&["devices"]).await.ok().objects();
    let other = devices
        .iter()
        .find(|d| d["current"] == false)
        .expect("the desktop is listed");

    laptop
        .run(&["devices", "revoke", &text(other, "device_id")])
        .await
        .ok();
    let refused = desktop.run(&["sync"]).await;
    assert_eq!(refused.code, Some(1), "{refused:?}");
    assert!(refused.stderr.contains("error: "), "{refused:?}");
    assert_eq!(laptop.run(&["devices"]).await.ok().objects().len(), 1);
}

#[tokio::test]
async fn a_script_creates_a_group_and_invites_a_contact_by_nick() {
    let world = World::start().await;
    let (dave, _) = registered(&world, "dave").await;
    let bob = &world.bob;
    let connect = dave
        .run(&["connect", "--nick", "bobby", "--message", "Hi Bob"])
        .await
        .ok()
        .object();
    bob.accept(&text(&connect, "id"), None)
        .await
        .expect("bob accepts");

    let group = dave
        .run(&["group", "create", "Book club"])
        .await
        .ok()
        .object();
    let group_id = text(&group, "id");
    dave.run(&["group", "invite", &group_id, "--nick", "bobby"])
        .await
        .ok();
    let invitation = bob.invitation_to(&group_id).await;
    assert_eq!(invitation.group_name.as_deref(), Some("Book club"));
    assert!(invitation.signed);

    let stranger = dave
        .run(&["group", "invite", &group_id, "--nick", "nobody here"])
        .await;
    assert_eq!(stranger.code, Some(1), "{stranger:?}");
    assert!(stranger.stderr.contains("not found"), "{stranger:?}");
}

#[tokio::test]
async fn a_script_blocks_an_invitation_and_unblocks_it() {
    let world = World::start().await;
    let (dave, _) = registered(&world, "dave").await;
    let RequestOutcome::Requested { connector_id, .. } = world
        .alice
        .connect(Address::Nick("dave".into()), "Hi Dave")
        .await
    else {
        panic!("dave is searchable");
    };

    let blocked = dave.run(&["block", &connector_id]).await.ok().object();
    assert_eq!(text(&blocked, "id"), connector_id);
    assert_eq!(text(&blocked, "state"), "blocked");
    assert!(dave.run(&["invitations"]).await.ok().objects().is_empty());

    let unblocked = dave.run(&["unblock", &connector_id]).await.ok().object();
    assert_eq!(text(&unblocked, "state"), "waiting");
    let invitations = dave.run(&["invitations"]).await.ok().objects();
    assert_eq!(invitations.len(), 1, "it waits for a decision again");

    let unknown = dave.run(&["accept", "no-such-connector"]).await;
    assert_eq!(unknown.code, Some(1), "{unknown:?}");
}

#[tokio::test]
async fn a_message_sent_with_its_own_expiry_disappears_and_leaves_the_conversation_timer_alone() {
    let world = World::start().await;
    let (dave, session) = registered(&world, "dave").await;
    let connect = dave
        .run(&["connect", "--nick", "bobby", "--message", "Hi Bob"])
        .await
        .ok()
        .object();
    let conversation = text(&connect, "id");
    let bob = &world.bob;
    bob.invitation_from_party(&text(&session, "party_id")).await;
    bob.accept(&conversation, None).await.expect("bob accepts");
    let day = 24 * 60 * 60;
    bob.set_expiry(&conversation, Some(day))
        .await
        .expect("bob sets a one-day timer");
    dave.run(&["sync"]).await.ok();

    let sent = dave
        .run(&["send", &conversation, "Gone soon", "--expires-in", "2"])
        .await
        .ok()
        .object();
    assert!(sent["expires_at"].is_string(), "{sent}");
    let received = bob.receives(&conversation, "Gone soon").await;
    let lifetime = received.expires_at.expect("it arrives with its expiry") - received.sent_at;
    assert!(lifetime <= time::Duration::seconds(2), "{lifetime}");
    dave.run(&["sync"]).await.ok();
    bob.sync_now().await.expect("bob syncs");
    assert_eq!(
        bob.connector(&conversation)
            .await
            .expect("the conversation")
            .expire_seconds,
        Some(day),
        "the conversation keeps its one-day timer"
    );

    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    dave.run(&["sync"]).await.ok();
    let left = dave.run(&["messages", &conversation]).await.ok().objects();
    assert!(
        left.iter().all(|m| m["body"] != "Gone soon"),
        "the message is gone from dave's device: {left:?}"
    );
    bob.sync_now().await.expect("bob syncs");
    assert!(
        bob.texts(&conversation)
            .await
            .iter()
            .all(|(_, body)| body != "Gone soon"),
        "the message is gone from bob's device"
    );
}
