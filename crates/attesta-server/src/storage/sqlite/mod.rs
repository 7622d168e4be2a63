//! The embedded SQLite store: one file in WAL mode, one write connection
//! whose transactions concurrent callers share (`commit`: group commit), and
//! a pool of read connections, which WAL lets read committed data while the
//! writer writes. Each domain keeps its schema beside its queries
//! (`accounts.rs`, ...) and is migrated on its own, so domains can grow
//! their schema independently.

mod accounts;
mod commit;
mod connectors;
mod items;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{RecvTimeoutError, Sender, channel};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use attesta_proto::tokens::TokenKind;
use serde::Serialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

pub use commit::Tx;
use commit::Writer;

use super::Change;
use crate::{Error, Result};

/// Each domain's migrations (`migrations/*.sql`), in order; a domain's
/// version is the number of its migrations applied. A new migration is
/// appended, never edited. `accounts` comes first: it holds `changes`.
const MIGRATIONS: &[(&str, &[&str])] = &[
    ("accounts", accounts::MIGRATIONS),
    ("connectors", connectors::MIGRATIONS),
];

/// WAL pages (4 KiB each) after which the writer checkpoints itself, 256 MiB.
const WAL_WRITER_CHECKPOINT_PAGES: i64 = 65_536;

/// The size a WAL is cut back to when it starts over, 64 MiB.
const WAL_KEPT_BYTES: i64 = 64 << 20;

/// How often the checkpointer thread copies the WAL into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// How much of the database file each connection maps, 1 GiB.
const MMAP_BYTES: i64 = 1 << 30;

/// Idle read connections kept for reuse; more are opened when needed.
const IDLE_READERS: usize = 8;

pub struct Sqlite {
    path: PathBuf,
    writer: Writer,
    readers: Mutex<Vec<Connection>>,
    /// Dropped with the store, which stops the checkpointer thread.
    _checkpointer: Sender<()>,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Self> {
        let mut conn = connect(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // The checkpointer thread copies the WAL into the database beside the
        // writer. Under steady writes it never finds the WAL wholly copied
        // between two commits, and only then can the WAL start over; so the
        // writer still checkpoints now and then, and finds the copying
        // mostly done: a short pause instead of a long one.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_WRITER_CHECKPOINT_PAGES)?;
        // A WAL that grew under a burst is cut back when it starts over.
        conn.pragma_update(None, "journal_size_limit", WAL_KEPT_BYTES)?;
        migrate(&mut conn)?;
        Ok(Sqlite {
            path: path.to_owned(),
            writer: Writer::new(conn)?,
            readers: Mutex::new(Vec::new()),
            _checkpointer: checkpointer(path)?,
        })
    }

    /// Runs `f` now in a write transaction of its own, committed only when
    /// it returns `Ok`.
    pub fn write<R>(&self, f: impl FnOnce(&Tx<'_>) -> Result<R>) -> Result<R> {
        self.writer.write(f)
    }

    /// Queues `f` for the next group commit: for operations that come in
    /// floods. The answer comes once it is committed.
    pub fn queue<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<R> + Send + 'static,
    ) -> impl Future<Output = Result<R>> + Send + 'static {
        self.writer.queue(f)
    }

    /// Runs `f` on a read connection, which sees what is committed.
    pub fn read<R>(&self, f: impl FnOnce(&Connection) -> Result<R>) -> Result<R> {
        let idle = self
            .readers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = connect(&self.path)?;
                conn.pragma_update(None, "query_only", "ON")?;
                conn
            }
        };
        let value = f(&conn);
        // A read left unfinished by an error must not pin an old snapshot.
        if conn.is_autocommit() {
            let mut idle = self
                .readers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if idle.len() < IDLE_READERS {
                idle.push(conn);
            }
        }
        value
    }
}

/// Starts the thread that copies the WAL into the database beside the
/// writer (a passive checkpoint waits for nobody and holds nobody up); it
/// stops when the returned sender is dropped.
fn checkpointer(path: &Path) -> Result<Sender<()>> {
    let conn = connect(path)?;
    let (stop, stopped) = channel::<()>();
    std::thread::Builder::new()
        .name("sqlite-checkpoint".to_owned())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(CHECKPOINT_EVERY) {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "a WAL checkpoint failed; the next one retries");
                }
            }
        })
        .map_err(|e| Error::Internal(format!("cannot start the checkpointer: {e}")))?;
    Ok(stop)
}

/// A connection with the settings every connection of the store has.
fn connect(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Every commit empties the page cache of the other connections: with the
    // file mapped, reading a page again is a memory read, not a system call.
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
    // Every statement the server runs stays prepared (rusqlite keeps 16).
    conn.set_prepared_statement_cache_capacity(128);
    Ok(conn)
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
pub fn record_change(tx: &Tx<'_>, party_id: &str, change: &Change) -> Result<i64> {
    let (kind, ref_id) = match change {
        Change::Party => ("party", None),
        Change::Connector(id) => ("connector", Some(id.as_str())),
        Change::Item(id) => ("item", Some(id.as_str())),
        Change::Removed(id) => ("removed", Some(id.as_str())),
    };
    tx.prepare_cached("INSERT INTO changes (party_id, kind, ref_id) VALUES (?1, ?2, ?3)")?
        .execute(params![party_id, kind, ref_id])?;
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
