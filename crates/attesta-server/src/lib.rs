//! The Attesta service. The modules follow the domain:
//!
//! - `http`: the router, the JSON extractor and the session extractor that
//!   every method goes through, so that every error has the API's shape.
//! - `storage`: the storage traits and their SQLite implementation; every
//!   method that changes state does it in one transaction and records a change
//!   for `sync` with `storage::sqlite::record_change`.
//! - `events`: the push hub that wakes a party's WebSockets.
//! - `accounts`, `tokens`: parties, devices, sessions, keys and search tokens.
//! - `connectors`, `groups`, `items`, `sync`, `expiry`: connectors, what is
//!   delivered through them, how parties read it back, and when it goes.
//! - `confirm`: delivery of confirmation codes (SMTP, SMS gateway, outbox).
//! - `limits`: rate limits.
//! - `openapi`: the machine-readable description of the API.

pub mod accounts;
pub mod config;
pub mod confirm;
pub mod connectors;
pub mod credentials;
pub mod error;
pub mod events;
pub mod expiry;
pub mod groups;
pub mod http;
pub mod items;
pub mod limits;
pub mod openapi;
pub mod storage;
pub mod sync;
pub mod tokens;

pub use error::{Error, Result};

use std::sync::Arc;

use config::Config;
use confirm::Senders;
use credentials::ServerSecret;
use events::Hub;
use limits::Limits;
use storage::Store;
use storage::sqlite::Sqlite;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: Arc<dyn Store>,
    pub hub: Arc<Hub>,
    pub limits: Arc<Limits>,
    pub senders: Arc<Senders>,
    pub secret: Arc<ServerSecret>,
}

impl AppState {
    /// Opens (and migrates) the store in the data directory.
    pub fn open(config: Config) -> Result<Self> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            Error::Internal(format!("cannot create {}: {e}", config.data_dir.display()))
        })?;
        let store = Sqlite::open(&config.data_dir.join("attesta.sqlite3"))?;
        let secret = ServerSecret::load_or_create(&config.data_dir.join("server-secret"))?;
        credentials::decoy_hash()?;
        let limits = Limits::new(&config);
        let senders = Senders::new(&config)?;
        Ok(AppState {
            config: Arc::new(config),
            store: Arc::new(store),
            hub: Arc::new(Hub::default()),
            limits: Arc::new(limits),
            senders: Arc::new(senders),
            secret: Arc::new(secret),
        })
    }
}
