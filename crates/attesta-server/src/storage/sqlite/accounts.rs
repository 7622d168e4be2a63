//! Parties, devices and sessions in SQLite.

use rusqlite::{OptionalExtension, params};

use super::Sqlite;
use crate::Result;
use crate::storage::AccountStore;

pub(super) const MIGRATIONS: &[&str] = &[include_str!("../../../migrations/0001_accounts.sql")];

/// `last_seen_at` is written at most this often per device, so that a busy
/// device does not turn every read into a write.
const SEEN_GRANULARITY_SECS: i64 = 60;

impl AccountStore for Sqlite {
    fn session_device(&self, session_hash: &[u8; 32]) -> Result<Option<(String, String)>> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let conn = self.conn();
        let found = conn
            .query_row(
                "SELECT party_id, id FROM devices WHERE session_hash = ?1 AND ended_at IS NULL",
                [&session_hash[..]],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        if let Some((_, device_id)) = &found {
            conn.execute(
                "UPDATE devices SET last_seen_at = ?1 WHERE id = ?2 AND last_seen_at < ?3",
                params![now, device_id, now - SEEN_GRANULARITY_SECS],
            )?;
        }
        Ok(found)
    }
}
