//! An Attesta device without a UI. A [`Client`] owns one profile directory
//! (its SQLite cache), talks to one server, keeps the cache in step with it
//! (the sync engine), sends through a persistent outbox, and tells a UI what
//! changed through a broadcast of [`Event`]s. The desktop app, the `attesta`
//! CLI and the end-to-end tests all drive the same type.
//!
//! The methods of [`Client`] live beside their domain: `account` (register,
//! login, devices, password, keys, recovery), `identity` (nicks, e-mails,
//! phones), `connectors` (requests, invitations, accept/block), `messages`,
//! `groups`, `trust` (pinned keys, safety numbers) and `conversations`
//! (the paged queries a UI shows).

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::{broadcast, watch};

pub mod account;
mod account_data;
pub mod cache;
pub mod connectors;
pub mod conversations;
pub mod error;
pub mod events;
pub mod groups;
pub mod identity;
pub mod ids;
pub mod messages;
mod opening;
pub mod outbox;
pub mod sync;
pub mod transport;
pub mod trust;

pub use account::{AccountInfo, KdfProgress, Login, RecoveryBy, Registration};
pub use attesta_proto::api::{ConnectorKind, Device, MemberState, Role};
pub use attesta_proto::blocks::Profile;
pub use attesta_proto::tokens::{Token, TokenKind};
pub use connectors::{
    Address, ConnectorInfo, HelloDraft, Invitation, MAX_AVATAR_BYTES, RequestOutcome,
};
pub use conversations::Conversation;
pub use error::{Error, Result};
pub use events::{Event, SyncState};
pub use groups::GroupMember;
pub use identity::OwnToken;
pub use ids::MsgId;
pub use messages::{Anchor, Message, MessageKind, MessagePage, MessageState, PageKey};
pub use outbox::FlushReport;
pub use sync::Engine;
pub use trust::{NickCheck, Safety};

use cache::Cache;
use transport::Transport;

/// The cache file inside a profile directory.
pub const CACHE_FILE: &str = "attesta.db";

/// How many events a slow listener may fall behind before it misses some
/// (it then gets `RecvError::Lagged` and should re-query what it shows).
const EVENT_BUFFER: usize = 1024;

/// One device: a profile directory, its cache, its server. Cheap to clone;
/// clones share everything.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    profile_dir: PathBuf,
    cache: Cache,
    transport: Transport,
    events: broadcast::Sender<Event>,
    state: watch::Sender<SyncState>,
    /// One outbox pass at a time, so a delivery is never in flight twice.
    outbox_lock: tokio::sync::Mutex<()>,
    /// Wakes the sync engine when something was queued.
    outbox_wake: tokio::sync::Notify,
    /// Wakes the engine after a login (or to reconnect at once).
    engine_wake: tokio::sync::Notify,
    /// Wakes the expiry task when a message with an earlier `expires_at` arrives.
    expiry_wake: tokio::sync::Notify,
    /// One catch-up at a time, so pages and the cursor stay in order.
    sync_lock: tokio::sync::Mutex<()>,
    /// The logged-in account's keys, in memory.
    session: std::sync::RwLock<Option<Arc<account::Session>>>,
}

impl Client {
    /// Opens (creating if needed) the profile in `profile_dir` for the server
    /// at `server` (`http(s)://host:port`). A profile that holds an account
    /// on another server is refused with [`Error::ServerMismatch`].
    pub async fn open(profile_dir: impl AsRef<Path>, server: &str) -> Result<Client> {
        let profile_dir = profile_dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&profile_dir)?;
        let transport = Transport::new(server)?;
        let cache = Cache::open(&profile_dir.join(CACHE_FILE))?;
        let stored = cache.run(|c| account::load_session(c)).await?;
        let mut session = None;
        if let Some((account_server, token, keys)) = stored {
            if account_server != transport.server().as_str() {
                return Err(Error::ServerMismatch(account_server));
            }
            transport.set_session(Some(token));
            session = Some(Arc::new(keys));
        }
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let (state, _) = watch::channel(SyncState::Offline);
        Ok(Client {
            inner: Arc::new(Inner {
                profile_dir,
                cache,
                transport,
                events,
                state,
                outbox_lock: tokio::sync::Mutex::new(()),
                outbox_wake: tokio::sync::Notify::new(),
                engine_wake: tokio::sync::Notify::new(),
                expiry_wake: tokio::sync::Notify::new(),
                sync_lock: tokio::sync::Mutex::new(()),
                session: std::sync::RwLock::new(session),
            }),
        })
    }

    /// The profile directory this client owns.
    pub fn profile_dir(&self) -> &Path {
        &self.inner.profile_dir
    }

    /// The server this profile talks to.
    pub fn server(&self) -> &str {
        self.inner.transport.server().as_str()
    }

    /// Listens to what changes from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// The current connection state.
    pub fn sync_state(&self) -> SyncState {
        *self.inner.state.borrow()
    }

    /// Sends an event to every listener (none listening is fine).
    fn emit(&self, event: Event) {
        let _ = self.inner.events.send(event);
    }

    /// Records and announces a new connection state (only when it changes).
    fn set_sync_state(&self, state: SyncState) {
        let changed = self.inner.state.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
        if changed {
            self.emit(Event::Sync { state });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_profile_is_created_in_the_given_directory() {
        let dir = tempfile::tempdir().unwrap();
        let profile = dir.path().join("alice");
        let client = Client::open(&profile, "http://127.0.0.1:9").await.unwrap();
        assert!(profile.join(CACHE_FILE).exists());
        assert_eq!(client.sync_state(), SyncState::Offline);
    }

    #[tokio::test]
    async fn a_server_address_that_is_not_http_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Client::open(dir.path(), "ftp://example.org")
            .await
            .err()
            .unwrap();
        assert!(matches!(err, Error::Invalid(_)), "{err}");
    }

    #[tokio::test]
    async fn listeners_hear_a_connection_state_change_once() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9")
            .await
            .unwrap();
        let mut events = client.subscribe();
        client.set_sync_state(SyncState::Syncing);
        client.set_sync_state(SyncState::Syncing);
        client.set_sync_state(SyncState::Online);
        assert_eq!(
            events.try_recv().unwrap(),
            Event::Sync {
                state: SyncState::Syncing
            }
        );
        assert_eq!(
            events.try_recv().unwrap(),
            Event::Sync {
                state: SyncState::Online
            }
        );
        assert!(events.try_recv().is_err());
    }
}
