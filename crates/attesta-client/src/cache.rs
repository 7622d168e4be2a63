//! The local cache: one SQLite file per profile (WAL, foreign keys on),
//! shaped by the SQL migrations in `migrations/`, applied in order and
//! counted in `PRAGMA user_version`. SQLite calls block, so async callers go
//! through [`Cache::run`], which runs them on a blocking thread.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;
use time::OffsetDateTime;

use crate::error::{Error, Result};

/// The migrations, in order; the n-th brings the schema to version n.
const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_cache.sql"),
    include_str!("../migrations/0002_hello_avatar.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: usize = MIGRATIONS.len();

/// A handle to the profile's database; clones share one connection.
#[derive(Debug, Clone)]
pub struct Cache {
    conn: Arc<Mutex<Connection>>,
}

impl Cache {
    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Cache> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        migrate(&mut conn)?;
        Ok(Cache {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| Error::Invalid("the cache was poisoned by a failed task".into()))?;
            f(&mut guard)
        })
        .await?
    }

    /// Runs `f` inside one transaction: all of it is stored, or none.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.run(move |conn| {
            let tx = conn.transaction()?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        })
        .await
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let current = usize::try_from(current).unwrap_or(usize::MAX);
    if current > MIGRATIONS.len() {
        return Err(Error::Invalid(format!(
            "the profile was written by a newer Attesta (schema {current}); update this one"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(
            None,
            "user_version",
            i64::try_from(index + 1).unwrap_or(i64::MAX),
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// Now, in the cache's unit: Unix milliseconds.
pub fn now_ms() -> i64 {
    to_ms(OffsetDateTime::now_utc())
}

/// A time in the cache's unit.
pub fn to_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// A cache time back as a date; out-of-range values clamp to the epoch.
pub fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_profile_gets_the_whole_schema_in_wal_mode_with_foreign_keys() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db")).unwrap();
        let (version, mode, fk) = cache
            .run(|c| {
                let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
                let m: String = c.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
                let f: bool = c.pragma_query_value(None, "foreign_keys", |r| r.get(0))?;
                Ok((v, m, f))
            })
            .await
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION as i64);
        assert_eq!(mode, "wal");
        assert!(fk);
    }

    #[tokio::test]
    async fn reopening_a_profile_keeps_its_data_and_does_not_migrate_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let cache = Cache::open(&path).unwrap();
        cache
            .run(|c| {
                c.execute(
                    "INSERT INTO settings (key, value) VALUES ('theme', 'dark')",
                    [],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        drop(cache);
        let cache = Cache::open(&path).unwrap();
        let theme: String = cache
            .run(|c| {
                Ok(
                    c.query_row("SELECT value FROM settings WHERE key = 'theme'", [], |r| {
                        r.get(0)
                    })?,
                )
            })
            .await
            .unwrap();
        assert_eq!(theme, "dark");
    }

    #[tokio::test]
    async fn a_profile_from_a_newer_version_is_refused_rather_than_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION as i64 + 1)
            .unwrap();
        drop(conn);
        let err = Cache::open(&path).unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[tokio::test]
    async fn a_failed_transaction_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db")).unwrap();
        let result = cache
            .transaction(|tx| {
                tx.execute("INSERT INTO settings (key, value) VALUES ('a', '1')", [])?;
                tx.execute("INSERT INTO settings (key, value) VALUES ('a', '2')", [])?;
                Ok(())
            })
            .await;
        assert!(result.is_err());
        let count: i64 = cache
            .run(|c| Ok(c.query_row("SELECT count(*) FROM settings", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(count, 0);
    }
}
