//! The embedded SQLite store: one file, WAL, one connection behind a mutex
//! (SQLite writes one transaction at a time anyway). Each domain keeps its
//! schema beside its queries (`accounts.rs`, ...) and is migrated on its own,
//! so domains can grow their schema independently.

mod accounts;
mod connectors;
mod items;
mod tokens;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use attesta_proto::tokens::TokenKind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

use super::Change;
use crate::{Error, Result};

/// Each domain's migrations (`migrations/*.sql`), in order; a domain's
/// version is the number of its migrations applied. A new migration is
/// appended, never edited. `accounts` comes first: it holds `changes`.
const MIGRATIONS: &[(&str, &[&str])] = &[
    ("accounts", accounts::MIGRATIONS),
    ("connectors", connectors::MIGRATIONS),
];

pub struct Sqlite {
    conn: Mutex<Connection>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&mut conn)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock rolled its transaction back (dropped
        // uncommitted), so the connection is still consistent.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `f` in one write transaction, committed only when it returns `Ok`.
    pub fn write<R>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<R>) -> Result<R> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` on the connection for reads that need no transaction.
    pub fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        f(&self.conn())
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "CREATE TABLE IF NOT EXISTS migrations (domain TEXT PRIMARY KEY, version INTEGER NOT NULL)",
        [],
    )?;
    for (domain, steps) in MIGRATIONS {
        let done: i64 = tx
            .query_row(
                "SELECT version FROM migrations WHERE domain = ?1",
                [domain],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        for step in steps.iter().skip(usize::try_from(done).unwrap_or(0)) {
            tx.execute_batch(step)?;
        }
        tx.execute(
            "INSERT INTO migrations (domain, version) VALUES (?1, ?2)
             ON CONFLICT (domain) DO UPDATE SET version = excluded.version",
            params![domain, steps.len() as i64],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Records, inside the transaction that made it, that something changed for
/// a party; `sync` hands changes out in `seq` order. Returns the new `seq`.
pub fn record_change(tx: &Transaction<'_>, party_id: &str, change: &Change) -> Result<i64> {
    let (kind, ref_id) = match change {
        Change::Party => ("party", None),
        Change::Connector(id) => ("connector", Some(id.as_str())),
        Change::Item(id) => ("item", Some(id.as_str())),
        Change::Removed(id) => ("removed", Some(id.as_str())),
    };
    tx.execute(
        "INSERT INTO changes (party_id, kind, ref_id) VALUES (?1, ?2, ?3)",
        params![party_id, kind, ref_id],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Unix seconds, the unit of the times in the account and token tables.
pub(crate) fn secs(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

pub(crate) fn time_of(secs: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|e| Error::Internal(format!("stored time out of range: {e}")))
}

/// Structured values (keys, KDF parameters) are stored as their API JSON.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Internal(format!("cannot store a value: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Internal(format!("stored value unreadable: {e}")))
}

/// The stored name of a token kind, the one of the API.
pub(crate) fn kind_text(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Nick => "nick",
        TokenKind::Email => "email",
        TokenKind::Phone => "phone",
    }
}
