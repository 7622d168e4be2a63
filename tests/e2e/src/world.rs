//! The cast of every scenario: a real server and real clients, each on its
//! own profile directory, registered and logged in over HTTP. Tests read as
//! stories: `world.alice.connect_by_nick(&world.bob, "hi")`.

use std::future::Future;
use std::ops::Deref;
use std::path::Path;
use std::time::{Duration, Instant};

use attesta_client::{
    Address, Anchor, Client, HelloDraft, Invitation, Login, MemberState, Message, Profile,
    Registration, RequestOutcome,
};

use crate::cli::Cli;
use crate::mail::MailSink;
use crate::server::Server;

/// Everyone's password: scenarios are about messages, not passwords.
pub const PASSWORD: &str = "correct horse battery staple";

/// The server's outbox file for codes that have no real delivery here.
const OUTBOX: &str = "outbox.jsonl";

/// How long a scenario waits for something to arrive before it fails.
/// Generous: tests assert what happens, never how fast.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The people and the server of one scenario. Fields drop in order: the
/// clients first, then the server and the mail sink, then their files.
pub struct World {
    pub alice: Person,
    /// Alice's second computer, logged in to her account.
    pub alice_laptop: Person,
    pub bob: Person,
    pub carol: Person,
    pub server: Server,
    pub mail: Option<MailSink>,
    files: tempfile::TempDir,
}

/// What a scenario needs besides the cast.
#[derive(Debug, Default, Clone, Copy)]
pub struct Setup {
    /// Start an SMTP sink and send confirmation mail to it.
    pub mail: bool,
}

impl World {
    /// A server and alice (two devices), bob and carol, each registered
    /// with a searchable nick.
    pub async fn start() -> World {
        World::start_with(Setup::default()).await
    }

    pub async fn start_with(setup: Setup) -> World {
        let files = tempfile::tempdir().expect("a temporary directory");
        let mail = setup.mail.then(MailSink::start);
        let mut env = vec![(
            "ATTESTA_OUTBOX".to_owned(),
            files.path().join(OUTBOX).display().to_string(),
        )];
        env.extend(mail.iter().flat_map(MailSink::server_env));
        let server = Server::start(&files.path().join("server"), env);
        let url = server.url();
        let (alice, bob, carol) = tokio::join!(
            Person::register(files.path(), &url, "alice"),
            Person::register(files.path(), &url, "bobby"),
            Person::register(files.path(), &url, "carol"),
        );
        let alice_laptop = Person::log_in(files.path(), &url, "alice_laptop", &alice.nick).await;
        World {
            alice,
            alice_laptop,
            bob,
            carol,
            server,
            mail,
            files,
        }
    }

    /// A new device of `person`'s account that logs in now.
    pub async fn new_device_of(&self, person: &Person, device: &str) -> Person {
        Person::log_in(self.files.path(), &self.server.url(), device, &person.nick).await
    }

    /// The latest code the server sent to a phone number (phone codes go
    /// to the server's outbox file: no SMS gateway in tests).
    pub async fn phone_code(&self, number: &str) -> String {
        let outbox = self.files.path().join(OUTBOX);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let lines = std::fs::read_to_string(&outbox).unwrap_or_default();
            let code = lines
                .lines()
                .rev()
                .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
                .filter(|sent| sent["to"] == number)
                .find_map(|sent| sent["code"].as_str().map(str::to_owned));
            if let Some(code) = code {
                return code;
            }
            assert!(Instant::now() < deadline, "no code was sent to {number}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The mail sink (the scenario must have asked for it).
    pub fn mail(&self) -> &MailSink {
        self.mail
            .as_ref()
            .expect("this scenario did not start the mail sink")
    }

    /// The `attesta` CLI on the profile `name` against this world's server.
    pub fn cli(&self, name: &str) -> Cli {
        Cli::new(&self.profile_of(name), &self.server.url())
    }

    /// The directory of the profile `name`.
    pub fn profile_of(&self, name: &str) -> std::path::PathBuf {
        self.files.path().join(name)
    }
}

/// One device of one person: a real client with its own profile.
pub struct Person {
    /// The person's first nick (searchable), also their display name's source.
    pub nick: String,
    pub client: Client,
}

impl Deref for Person {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Person {
    async fn open(files: &Path, server: &str, device: &str, nick: &str) -> Person {
        let client = Client::open(files.join(device), server)
            .await
            .expect("opening a profile");
        Person {
            nick: nick.to_owned(),
            client,
        }
    }

    async fn register(files: &Path, server: &str, nick: &str) -> Person {
        let person = Person::open(files, server, nick, nick).await;
        person
            .client
            .register(
                Registration {
                    nick: nick.to_owned(),
                    password: PASSWORD.to_owned(),
                    searchable: true,
                    device_name: format!("{nick}'s desktop"),
                },
                |_| {},
            )
            .await
            .unwrap_or_else(|e| panic!("registering {nick}: {e}"));
        person
    }

    async fn log_in(files: &Path, server: &str, device: &str, nick: &str) -> Person {
        let person = Person::open(files, server, device, nick).await;
        person
            .client
            .login(
                Login {
                    login: nick.to_owned(),
                    password: PASSWORD.to_owned(),
                    device_name: device.to_owned(),
                    region: None,
                },
                |_| {},
            )
            .await
            .unwrap_or_else(|e| panic!("logging {device} in as {nick}: {e}"));
        person
    }

    /// The party id of the account.
    pub fn party_id(&self) -> String {
        self.client
            .account()
            .map(|account| account.party_id)
            .expect("a logged-in person")
    }

    /// The HELLO a person writes: their nick as display name and presented nick.
    pub fn hello(&self, message: &str) -> HelloDraft {
        HelloDraft {
            message: message.to_owned(),
            display_name: display_name(&self.nick),
            nick: Some(self.nick.clone()),
        }
    }

    /// Asks to connect with whoever `to` names and sends the HELLO.
    pub async fn connect(&self, to: Address, message: &str) -> RequestOutcome {
        let outcome = self
            .client
            .request_connector(&to, self.hello(message))
            .await
            .expect("requesting a connector");
        self.deliver().await;
        outcome
    }

    /// Connects with `peer` by their nick; answers the connector id.
    pub async fn connect_by_nick(&self, peer: &Person, message: &str) -> String {
        match self
            .connect(Address::Nick(peer.nick.clone()), message)
            .await
        {
            RequestOutcome::Requested { connector_id, .. } => connector_id,
            RequestOutcome::NotFound => panic!("{} was not found by nick", peer.nick),
        }
    }

    /// Connects with `peer` by nick and has `peer` accept: answers the
    /// conversation, open on both sides.
    pub async fn befriend(&self, peer: &Person) -> String {
        let conversation = self
            .connect_by_nick(peer, &format!("Hi, {} here", display_name(&self.nick)))
            .await;
        peer.invitation_from(self).await;
        peer.client
            .accept(&conversation, None)
            .await
            .expect("accepting the invitation");
        self.state_becomes(&conversation, MemberState::Accepted)
            .await;
        conversation
    }

    /// Syncs until this party's view of a connector is `state`.
    pub async fn state_becomes(&self, connector: &str, state: MemberState) {
        self.eventually(&format!("{connector} {state:?}"), || async {
            let seen = self.client.connector(connector).await.ok()?.state;
            (seen == state).then_some(())
        })
        .await;
    }

    /// Sends a text and waits until the server has it.
    pub async fn say(&self, conversation: &str, body: &str) -> attesta_client::MsgId {
        let msg_id = self
            .client
            .send_text(conversation, body, None)
            .await
            .expect("sending a text");
        self.deliver().await;
        msg_id
    }

    /// Sends what waits in the outbox and insists that all of it went.
    pub async fn deliver(&self) {
        let report = self
            .client
            .flush_outbox()
            .await
            .expect("flushing the outbox");
        assert_eq!(
            (report.failed, report.waiting),
            (0, 0),
            "the server did not take everything: {report:?}"
        );
    }

    /// Syncs until `found` finds something, and answers it. A sync that
    /// fails for a passing reason (rate limited, a server error, the server
    /// out of reach) is tried again, as a real device would; any other
    /// failure ends the scenario.
    pub async fn eventually<T, F, Fut>(&self, what: &str, mut found: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + PATIENCE;
        let mut last_error = None;
        loop {
            match self.client.sync_now().await {
                Ok(()) => {
                    if let Some(value) = found().await {
                        return value;
                    }
                }
                Err(e) if e.is_transient() => last_error = Some(e),
                Err(e) => panic!("{} could not sync: {e}", self.nick),
            }
            assert!(
                Instant::now() < deadline,
                "{} never saw {what} (last sync error: {last_error:?})",
                self.nick
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a waiting invitation from `sender`.
    pub async fn invitation_from(&self, sender: &Person) -> Invitation {
        self.invitation_from_party(&sender.party_id()).await
    }

    /// Waits for a waiting invitation from the party `from`.
    pub async fn invitation_from_party(&self, from: &str) -> Invitation {
        self.eventually(&format!("an invitation from {from}"), || async {
            self.client
                .invitations()
                .await
                .expect("listing invitations")
                .into_iter()
                .find(|i| i.from_party_id.as_deref() == Some(from))
        })
        .await
    }

    /// Waits for the invitation into `connector` (a group invitation, or a request).
    pub async fn invitation_to(&self, connector: &str) -> Invitation {
        self.eventually(&format!("an invitation to {connector}"), || async {
            self.client
                .invitations()
                .await
                .expect("listing invitations")
                .into_iter()
                .find(|i| i.connector_id == connector)
        })
        .await
    }

    /// What this person tells others about themselves.
    pub fn profile(&self) -> Profile {
        Profile {
            display_name: display_name(&self.nick),
            nick: Some(self.nick.clone()),
            avatar: None,
        }
    }

    /// Every message of a conversation in this device's cache, oldest first.
    pub async fn history(&self, conversation: &str) -> Vec<Message> {
        self.client
            .messages(conversation, Anchor::Latest, 1000)
            .await
            .expect("reading messages")
            .messages
    }

    /// The texts of a conversation as (sent by me, body), oldest first.
    pub async fn texts(&self, conversation: &str) -> Vec<(bool, String)> {
        self.history(conversation)
            .await
            .into_iter()
            .filter_map(|m| m.body.map(|body| (m.from_me, body)))
            .collect()
    }

    /// Syncs until the conversation holds a message with this body.
    pub async fn receives(&self, conversation: &str, body: &str) -> Message {
        self.eventually(&format!("the message {body:?}"), || async {
            self.history(conversation)
                .await
                .into_iter()
                .find(|m| m.body.as_deref() == Some(body))
        })
        .await
    }
}

/// "alice" → "Alice".
fn display_name(nick: &str) -> String {
    let mut chars = nick.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
