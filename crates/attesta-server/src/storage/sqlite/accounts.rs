//! Parties, devices and sessions in SQLite.

use attesta_proto::api::{AccountData, Kdf, Unavailable};
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::tokens::take_code;
use super::{Sqlite, Tx, from_json, kind_text, record_change, secs, time_of, to_json};
use crate::storage::accounts::{
    AccountStore, DeviceRecord, NewDevice, NewParty, PartyKeys, Password, Recovered,
};
use crate::storage::tokens::{CodeCheck, CodePurpose};
use crate::storage::{Change, Committed};
use crate::{Error, Result};

pub(super) const MIGRATIONS: &[&str] = &[include_str!("../../../migrations/0001_accounts.sql")];

/// `last_seen_at` is written at most this often per device, so that a busy
/// device does not turn every call into a write.
const SEEN_GRANULARITY_SECS: i64 = 60;

impl AccountStore for Sqlite {
    fn session_device(
        &self,
        session_hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<Option<(String, String)>> {
        let now = secs(now);
        let found = self.read(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT party_id, id, last_seen_at FROM devices
                     WHERE session_hash = ?1 AND ended_at IS NULL",
                )?
                .query_row([&session_hash[..]], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .optional()?)
        })?;
        let Some((party_id, device_id, last_seen_at)) = found else {
            return Ok(None);
        };
        if last_seen_at < now - SEEN_GRANULARITY_SECS {
            self.write(|tx| {
                tx.execute(
                    "UPDATE devices SET last_seen_at = ?1 WHERE id = ?2 AND last_seen_at < ?3",
                    params![now, device_id, now - SEEN_GRANULARITY_SECS],
                )?;
                Ok(())
            })?;
        }
        Ok(Some((party_id, device_id)))
    }

    fn register_party(
        &self,
        party: &NewParty,
        now: OffsetDateTime,
    ) -> Result<Result<(), Unavailable>> {
        self.write(|tx| {
            if let Some(reason) = nick_unavailable(tx, &party.nick, None, now)? {
                return Ok(Err(reason));
            }
            tx.execute(
                "INSERT INTO parties (id, salt, kdf, auth_hash, keyring, public_keys, keys_version, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    party.party_id,
                    party.password.salt,
                    to_json(&party.password.kdf)?,
                    party.password.auth_hash,
                    party.keyring,
                    to_json(&party.public_keys)?,
                    party.public_keys.version,
                    secs(now),
                ],
            )?;
            tx.execute(
                "INSERT INTO tokens (party_id, token, kind, searchable, confirmed, created_at)
                 VALUES (?1, ?2, 'nick', ?3, 1, ?4)",
                params![party.party_id, &party.nick.as_bytes()[..], party.searchable, secs(now)],
            )?;
            insert_device(tx, &party.party_id, &party.device, now)?;
            record_change(tx, &party.party_id, &Change::Party)?;
            Ok(Ok(()))
        })
    }

    fn password_by_token(&self, token: &Token) -> Result<Option<(String, Password)>> {
        self.read(|conn| {
            let party_id: Option<String> = conn
                .query_row(
                    "SELECT party_id FROM tokens WHERE token = ?1 AND confirmed = 1",
                    [&token.as_bytes()[..]],
                    |r| r.get(0),
                )
                .optional()?;
            party_id
                .map(|id| Ok((password_of(conn, &id)?, id)))
                .transpose()
        })
        .map(|found| found.map(|(password, id)| (id, password)))
    }

    fn password(&self, party_id: &str) -> Result<Password> {
        self.read(|conn| password_of(conn, party_id))
    }

    fn open_device(
        &self,
        party_id: &str,
        device: &NewDevice,
        now: OffsetDateTime,
    ) -> Result<Committed<PartyKeys>> {
        self.write(|tx| {
            insert_device(tx, party_id, device, now)?;
            record_change(tx, party_id, &Change::Party)?;
            Ok(Committed {
                value: keys_of(tx, party_id)?,
                notify: vec![party_id.to_owned()],
            })
        })
    }

    fn end_device(
        &self,
        party_id: &str,
        device_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Committed<()>>> {
        self.write(|tx| {
            let ended = tx.execute(
                "UPDATE devices SET ended_at = ?1, session_hash = NULL
                 WHERE id = ?2 AND party_id = ?3 AND ended_at IS NULL",
                params![secs(now), device_id, party_id],
            )?;
            if ended == 0 {
                return Ok(None);
            }
            record_change(tx, party_id, &Change::Party)?;
            Ok(Some(Committed {
                value: (),
                notify: vec![party_id.to_owned()],
            }))
        })
    }

    fn devices(&self, party_id: &str) -> Result<Vec<DeviceRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, created_at, last_seen_at FROM devices
                 WHERE party_id = ?1 AND ended_at IS NULL ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([party_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?;
            rows.map(|row| {
                let (device_id, name, created, seen) = row?;
                Ok(DeviceRecord {
                    device_id,
                    name,
                    created_at: time_of(created)?,
                    last_seen_at: time_of(seen)?,
                })
            })
            .collect()
        })
    }

    fn set_password(
        &self,
        party_id: &str,
        password: &Password,
        keyring: &[u8],
    ) -> Result<Committed<()>> {
        self.write(|tx| {
            tx.execute(
                "UPDATE parties SET salt = ?1, kdf = ?2, auth_hash = ?3, keyring = ?4 WHERE id = ?5",
                params![
                    password.salt,
                    to_json(&password.kdf)?,
                    password.auth_hash,
                    keyring,
                    party_id
                ],
            )?;
            record_change(tx, party_id, &Change::Party)?;
            Ok(Committed {
                value: (),
                notify: vec![party_id.to_owned()],
            })
        })
    }

    fn party_keys(&self, party_id: &str) -> Result<PartyKeys> {
        self.read(|conn| keys_of(conn, party_id))
    }

    fn rotate_keys(&self, party_id: &str, keys: &PartyKeys) -> Result<Committed<()>> {
        self.write(|tx| {
            let notify = replace_keys(tx, party_id, keys)?;
            Ok(Committed { value: (), notify })
        })
    }

    fn recover(
        &self,
        token: &Token,
        code_hash: &[u8; 32],
        password: &Password,
        keys: &PartyKeys,
        device: &NewDevice,
        now: OffsetDateTime,
    ) -> Result<Option<Committed<Recovered>>> {
        self.write(|tx| {
            let CodeCheck::Valid { party_id } =
                take_code(tx, CodePurpose::Recover, None, token, code_hash, now)?
            else {
                return Ok(None);
            };
            let holder: Option<String> = tx
                .query_row(
                    "SELECT party_id FROM tokens WHERE token = ?1 AND confirmed = 1",
                    [&token.as_bytes()[..]],
                    |r| r.get(0),
                )
                .optional()?;
            if holder.as_deref() != Some(party_id.as_str()) {
                // The address moved to another party since the code was sent.
                return Ok(None);
            }
            let notify = replace_keys(tx, &party_id, keys)?;
            tx.execute(
                "UPDATE parties SET salt = ?1, kdf = ?2, auth_hash = ?3 WHERE id = ?4",
                params![
                    password.salt,
                    to_json(&password.kdf)?,
                    password.auth_hash,
                    party_id
                ],
            )?;
            let ended_devices = {
                let mut stmt = tx.prepare(
                    "UPDATE devices SET ended_at = ?1, session_hash = NULL
                     WHERE party_id = ?2 AND ended_at IS NULL RETURNING id",
                )?;
                stmt.query_map(params![secs(now), party_id], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            insert_device(tx, &party_id, device, now)?;
            Ok(Some(Committed {
                value: Recovered {
                    party_id,
                    ended_devices,
                },
                notify,
            }))
        })
    }

    fn account_data(&self, party_id: &str) -> Result<AccountData> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT account_data, account_data_version FROM parties WHERE id = ?1",
                [party_id],
                |r| {
                    let version: i64 = r.get(1)?;
                    Ok(AccountData {
                        data: r.get(0)?,
                        version: version.unsigned_abs(),
                    })
                },
            )?)
        })
    }

    fn put_account_data(&self, party_id: &str, data: &AccountData) -> Result<Committed<u64>> {
        // A version beyond what is stored can never be the current one.
        let version = i64::try_from(data.version).unwrap_or(-1);
        self.write(|tx| {
            let stored = tx.execute(
                "UPDATE parties SET account_data = ?1, account_data_version = account_data_version + 1
                 WHERE id = ?2 AND account_data_version = ?3",
                params![data.data, party_id, version],
            )?;
            if stored == 0 {
                return Err(Error::conflict(
                    "account data changed since this version: get it again and merge",
                ));
            }
            record_change(tx, party_id, &Change::Party)?;
            Ok(Committed { value: data.version + 1, notify: vec![party_id.to_owned()] })
        })
    }

    fn searchable_party(
        &self,
        kind: TokenKind,
        token: &Token,
    ) -> Result<Option<(String, PublicKeys)>> {
        self.read(|conn| {
            let found: Option<(String, String)> = conn
                .query_row(
                    "SELECT p.id, p.public_keys FROM tokens t JOIN parties p ON p.id = t.party_id
                     WHERE t.token = ?1 AND t.kind = ?2 AND t.confirmed = 1 AND t.searchable = 1",
                    params![&token.as_bytes()[..], kind_text(kind)],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            found
                .map(|(id, keys)| Ok((id, from_json(&keys)?)))
                .transpose()
        })
    }
}

/// Why a nick cannot be had by `taker` (`None`: a new party), if it cannot.
pub(super) fn nick_unavailable(
    conn: &Connection,
    token: &Token,
    taker: Option<&str>,
    now: OffsetDateTime,
) -> Result<Option<Unavailable>> {
    let holder: Option<String> = conn
        .query_row(
            "SELECT party_id FROM tokens WHERE token = ?1 AND confirmed = 1",
            [&token.as_bytes()[..]],
            |r| r.get(0),
        )
        .optional()?;
    if holder.is_some_and(|holder| Some(holder.as_str()) != taker) {
        return Ok(Some(Unavailable::Taken));
    }
    let quarantined_by: Option<String> = conn
        .query_row(
            "SELECT party_id FROM quarantine WHERE token = ?1 AND until > ?2",
            params![&token.as_bytes()[..], secs(now)],
            |r| r.get(0),
        )
        .optional()?;
    Ok(quarantined_by
        .is_some_and(|owner| Some(owner.as_str()) != taker)
        .then_some(Unavailable::Quarantine))
}

fn insert_device(
    tx: &Tx<'_>,
    party_id: &str,
    device: &NewDevice,
    now: OffsetDateTime,
) -> Result<()> {
    tx.execute(
        "INSERT INTO devices (id, party_id, name, created_at, last_seen_at, session_hash)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
        params![
            device.device_id,
            party_id,
            device.name,
            secs(now),
            &device.session_hash[..]
        ],
    )?;
    Ok(())
}

fn password_of(conn: &Connection, party_id: &str) -> Result<Password> {
    let (salt, kdf, auth_hash): (Vec<u8>, String, String) = conn.query_row(
        "SELECT salt, kdf, auth_hash FROM parties WHERE id = ?1",
        [party_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(Password {
        salt,
        kdf: from_json::<Kdf>(&kdf)?,
        auth_hash,
    })
}

fn keys_of(conn: &Connection, party_id: &str) -> Result<PartyKeys> {
    let (keyring, keys): (Vec<u8>, String) = conn.query_row(
        "SELECT keyring, public_keys FROM parties WHERE id = ?1",
        [party_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(PartyKeys {
        keyring,
        public_keys: from_json(&keys)?,
    })
}

/// Replaces the party's keys if the version grows, recording the change for
/// the party; the parties to wake.
fn replace_keys(tx: &Tx<'_>, party_id: &str, keys: &PartyKeys) -> Result<Vec<String>> {
    let current: u32 = tx.query_row(
        "SELECT keys_version FROM parties WHERE id = ?1",
        [party_id],
        |r| r.get(0),
    )?;
    if keys.public_keys.version <= current {
        return Err(Error::bad_request(format!(
            "new keys must have a version above the current {current}"
        )));
    }
    tx.execute(
        "UPDATE parties SET keyring = ?1, public_keys = ?2, keys_version = ?3 WHERE id = ?4",
        params![
            keys.keyring,
            to_json(&keys.public_keys)?,
            keys.public_keys.version,
            party_id
        ],
    )?;
    record_change(tx, party_id, &Change::Party)?;
    let mut notify = super::connectors::tell_peers_of(tx, party_id)?;
    if !notify.iter().any(|p| p == party_id) {
        notify.push(party_id.to_owned());
    }
    Ok(notify)
}
