//! Storage behind traits, one per domain, so that another backend (PostgreSQL,
//! for several stateless server instances) is a new implementation and not a
//! rewrite. Each trait method is one whole operation of the API and runs in
//! one transaction: no input leaves half-written state.
//!
//! SQLite (`sqlite`) is the embedded default.

pub mod accounts;
pub mod sqlite;

pub use accounts::AccountStore;

/// Everything the service needs from its storage.
pub trait Store: AccountStore + Send + Sync {}

impl<T: AccountStore + Send + Sync> Store for T {}

/// What changed for a party, in the order `sync` hands it out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The party's own state: tokens, devices, keys, `account_data` version.
    Party,
    /// A connector the party is in (its block as this party sees it).
    Connector(String),
    /// An item the party may see.
    Item(String),
    /// An item that expired or was deleted.
    Removed(String),
}
