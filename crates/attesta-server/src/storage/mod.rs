//! Storage behind traits, one per domain, so that another backend (PostgreSQL,
//! for several stateless server instances) is a new implementation and not a
//! rewrite. Each trait method is one whole operation of the API and runs in
//! one transaction: no input leaves half-written state.
//!
//! SQLite (`sqlite`) is the embedded default.

pub mod accounts;
pub mod connectors;
pub mod items;
pub mod sqlite;
pub mod tokens;

pub use accounts::AccountStore;
pub use connectors::ConnectorStore;
pub use items::ItemStore;
pub use tokens::TokenStore;

/// Everything the service needs from its storage.
pub trait Store: AccountStore + TokenStore + ConnectorStore + ItemStore + Send + Sync {}

impl<T: AccountStore + TokenStore + ConnectorStore + ItemStore + Send + Sync> Store for T {}

/// The answer of an operation that changed what some parties sync, with
/// those parties, to be woken once the transaction is committed.
#[derive(Debug)]
pub struct Committed<T> {
    pub value: T,
    pub notify: Vec<String>,
}

impl<T> Committed<T> {
    /// An answer that changed nothing.
    pub fn unchanged(value: T) -> Self {
        Committed {
            value,
            notify: Vec::new(),
        }
    }

    /// Wakes the changed parties' sockets and gives the value.
    pub fn announce(self, hub: &crate::events::Hub) -> T {
        for party in &self.notify {
            hub.notify(party);
        }
        self.value
    }
}

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
