//! The encrypted `account_data`: what the account's devices share and the
//! server must not read: the plain nicks, addresses and numbers, the
//! profile, pinned peer keys, verified marks and settings. Every device
//! writes the whole document; a version conflict means another device wrote
//! first, so its document is merged in and the write tried again.

use std::collections::BTreeMap;

use attesta_proto::account_data;
use attesta_proto::api::{AccountData, AccountDataGet, ErrorCode};
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{Connection, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::Client;
use crate::cache::now_ms;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::identity;

/// How often a write is retried after losing a race with another device.
const PUT_ATTEMPTS: usize = 4;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct Document {
    #[serde(default)]
    tokens: Vec<DocToken>,
    #[serde(default)]
    pinned: Vec<DocKeys>,
    /// Party id → the signing key whose safety number the user verified.
    #[serde(default)]
    verified: BTreeMap<String, String>,
    #[serde(default)]
    settings: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DocToken {
    token: Token,
    kind: TokenKind,
    value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct DocKeys {
    party_id: String,
    keys: PublicKeys,
}

fn read_document(conn: &Connection) -> Result<Document> {
    let tokens = identity::list(conn)?
        .into_iter()
        .filter_map(|t| {
            Some(DocToken {
                token: t.token,
                kind: t.kind,
                value: t.value?,
            })
        })
        .collect();
    let mut stmt =
        conn.prepare("SELECT party_id, public_keys FROM peer_keys WHERE status = 'pinned'")?;
    let pinned = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|row| {
            let (party_id, keys) = row.ok()?;
            Some(DocKeys {
                party_id,
                keys: serde_json::from_str(&keys).ok()?,
            })
        })
        .collect();
    let mut stmt = conn.prepare("SELECT party_id, sign FROM verified_keys")?;
    let verified = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .filter_map(|row| row.ok())
        .map(|(party, sign)| (party, attesta_proto::encoding::to_b64(&sign)))
        .collect();
    let mut stmt = conn.prepare("SELECT key, value FROM settings")?;
    let settings = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Document {
        tokens,
        pinned,
        verified,
        settings,
    })
}

/// Takes in what another device wrote: values of tokens, pins of parties
/// not pinned here, verified marks and settings (the other device's are newer).
fn merge(tx: &Transaction<'_>, doc: &Document) -> Result<()> {
    for t in &doc.tokens {
        tx.execute(
            "UPDATE own_tokens SET value = ?2 WHERE token = ?1",
            params![t.token.to_string(), t.value],
        )?;
        tx.execute(
            "INSERT INTO own_tokens (token, kind, value, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            params![
                t.token.to_string(),
                identity::kind_str(t.kind),
                t.value,
                now_ms()
            ],
        )?;
    }
    for p in &doc.pinned {
        if p.keys.verify().is_err() {
            continue;
        }
        let Ok(json) = serde_json::to_string(&p.keys) else {
            continue;
        };
        tx.execute(
            "INSERT INTO peer_keys (party_id, version, public_keys, status, seen_at)
             SELECT ?1, ?2, ?3, 'pinned', ?4
             WHERE NOT EXISTS (SELECT 1 FROM peer_keys WHERE party_id = ?1 AND version = ?2)",
            params![p.party_id, p.keys.version, json, now_ms()],
        )?;
    }
    for (party, sign) in &doc.verified {
        let Ok(sign) = attesta_proto::encoding::from_b64(sign) else {
            continue;
        };
        tx.execute(
            "INSERT INTO verified_keys (party_id, sign) VALUES (?1, ?2)
             ON CONFLICT (party_id) DO UPDATE SET sign = excluded.sign",
            params![party, sign],
        )?;
    }
    for (key, value) in &doc.settings {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
    }
    Ok(())
}

impl Client {
    /// Writes this device's view of the account data to the server.
    pub(crate) async fn publish_account_data(&self) -> Result<()> {
        let session = self.session()?;
        for _ in 0..PUT_ATTEMPTS {
            let (doc, version) = self
                .inner
                .cache
                .run(|c| {
                    let version: i64 =
                        c.query_row("SELECT account_data_version FROM account", [], |r| r.get(0))?;
                    Ok((read_document(c)?, u64::try_from(version).unwrap_or(0)))
                })
                .await?;
            let plain = serde_json::to_vec(&doc)
                .map_err(|e| Error::Invalid(format!("account data does not encode: {e}")))?;
            let data = account_data::seal(&session.keyring, &session.party_id, &plain);
            match self
                .inner
                .transport
                .call(&AccountData { data, version })
                .await
            {
                Ok(answer) => {
                    self.store_account_data_version(answer.version).await?;
                    return Ok(());
                }
                Err(e) if e.code() == Some(ErrorCode::Conflict) => {
                    self.restore_account_data().await?;
                }
                Err(e) => return Err(e),
            }
        }
        Err(Error::Invalid(
            "the account data keeps changing on other devices; try again".into(),
        ))
    }

    /// Reads the account data from the server and merges it into the cache.
    pub(crate) async fn restore_account_data(&self) -> Result<()> {
        let session = self.session()?;
        let answer = self.inner.transport.call(&AccountDataGet {}).await?;
        if answer.version == 0 || answer.data.is_empty() {
            return Ok(());
        }
        let plain = account_data::open(&session.keyring, &session.party_id, &answer.data)?;
        let doc: Document = serde_json::from_slice(&plain)
            .map_err(|e| Error::BadAnswer(format!("account data: {e}")))?;
        let version = i64::try_from(answer.version).unwrap_or(i64::MAX);
        self.inner
            .cache
            .transaction(move |tx| {
                merge(tx, &doc)?;
                tx.execute("UPDATE account SET account_data_version = ?1", [version])?;
                Ok(())
            })
            .await?;
        self.emit(Event::AccountChanged);
        Ok(())
    }

    async fn store_account_data_version(&self, version: u64) -> Result<()> {
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        self.inner
            .cache
            .run(move |c| {
                c.execute("UPDATE account SET account_data_version = ?1", [version])?;
                Ok(())
            })
            .await
    }

    /// An account-wide setting (display name, region, theme, notifications…).
    pub async fn setting(&self, key: &str) -> Result<Option<String>> {
        let key = key.to_owned();
        self.inner
            .cache
            .run(move |c| {
                use rusqlite::OptionalExtension;
                Ok(
                    c.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                        r.get(0)
                    })
                    .optional()?,
                )
            })
            .await
    }

    /// Sets an account-wide setting and shares it with the account's other devices.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        let (key, value) = (key.to_owned(), value.to_owned());
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "INSERT INTO settings (key, value) VALUES (?1, ?2)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    params![key, value],
                )?;
                Ok(())
            })
            .await?;
        self.publish_account_data().await
    }
}
