//! Trust (crypto.md): peer keys pinned on first sight, a warning when they
//! change, the nick a HELLO claims checked with `parties_lookup`, and the
//! safety number with its "verified" mark. "Signed", "nick checked" and
//! "verified" are separate facts and stay separate here.

use attesta_proto::api::{PartiesLookup, PartiesLookupResponse, SearchToken};
use attesta_proto::blocks::{GroupKey, KeyDirectory};
use attesta_proto::keys::{PublicKeys, SymmetricKey};
use attesta_proto::safety::SafetyNumber;
use attesta_proto::tokens::Token;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::Client;
use crate::cache::now_ms;
use crate::error::{Error, Result};
use crate::events::Event;

/// What the nick a HELLO claims turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NickCheck {
    /// The nick is searchable and belongs to the sender.
    Checked,
    /// The nick is not searchable (or none was claimed, or the check could not run).
    NotChecked,
    /// The nick belongs to someone else.
    Mismatch,
}

impl NickCheck {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            NickCheck::Checked => "checked",
            NickCheck::NotChecked => "not_checked",
            NickCheck::Mismatch => "mismatch",
        }
    }

    pub(crate) fn parse(text: &str) -> NickCheck {
        match text {
            "checked" => NickCheck::Checked,
            "mismatch" => NickCheck::Mismatch,
            _ => NickCheck::NotChecked,
        }
    }
}

/// The safety number of a conversation with one peer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Safety {
    pub peer_party_id: String,
    /// 60 digits, the content of the QR code.
    pub digits: String,
    /// Twelve groups of five digits, for reading aloud.
    pub grouped: String,
    /// The user marked it verified for the peer's current keys.
    pub verified: bool,
    /// The peer's keys changed and the user has not accepted the new ones yet.
    pub key_change_pending: bool,
}

/// Pins a peer's keys on first sight; keys that differ from the pinned ones
/// are kept `pending` and announced. Keys whose `dh_sig` fails are ignored.
pub(crate) fn pin(
    tx: &Transaction<'_>,
    party_id: &str,
    keys: &PublicKeys,
) -> Result<Option<Event>> {
    if keys.verify().is_err() {
        tracing::warn!("a peer's keys do not verify; not pinned");
        return Ok(None);
    }
    let json = serde_json::to_string(keys).map_err(|e| Error::Invalid(e.to_string()))?;
    let pinned: Vec<(u32, String)> = tx
        .prepare_cached(
            "SELECT version, public_keys FROM peer_keys WHERE party_id = ?1 AND status = 'pinned'",
        )?
        .query_map([party_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let same = pinned.iter().any(|(v, k)| *v == keys.version && *k == json);
    if same {
        return Ok(None);
    }
    if pinned.is_empty() {
        tx.execute(
            "INSERT INTO peer_keys (party_id, version, public_keys, status, seen_at)
             VALUES (?1, ?2, ?3, 'pinned', ?4)",
            params![party_id, keys.version, json, now_ms()],
        )?;
        return Ok(None);
    }
    let newly = tx.execute(
        "INSERT INTO peer_keys (party_id, version, public_keys, status, seen_at)
         VALUES (?1, ?2, ?3, 'pending', ?4)
         ON CONFLICT DO UPDATE SET public_keys = excluded.public_keys
         WHERE public_keys != excluded.public_keys",
        params![party_id, keys.version, json, now_ms()],
    )?;
    Ok((newly > 0).then(|| Event::KeysChanged {
        party_id: party_id.to_owned(),
    }))
}

/// The current pinned keys of a party (its highest pinned version).
pub(crate) fn pinned_keys(conn: &Connection, party_id: &str) -> Result<Option<PublicKeys>> {
    let json: Option<String> = conn
        .query_row(
            "SELECT public_keys FROM peer_keys WHERE party_id = ?1 AND status = 'pinned'
             ORDER BY version DESC LIMIT 1",
            [party_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
}

fn has_pending(conn: &Connection, party_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM peer_keys WHERE party_id = ?1 AND status = 'pending'")?
        .exists([party_id])?)
}

/// Stores a group key of one epoch.
pub(crate) fn keep_group_key(
    tx: &Transaction<'_>,
    connector_id: &str,
    key: &GroupKey,
) -> Result<()> {
    tx.execute(
        "INSERT INTO group_keys (connector_id, epoch, key) VALUES (?1, ?2, ?3)
         ON CONFLICT DO NOTHING",
        params![
            connector_id,
            i64::try_from(key.epoch).unwrap_or(i64::MAX),
            key.key.as_bytes().as_slice()
        ],
    )?;
    Ok(())
}

/// The keys blocks are opened with: pinned peer keys only, and the group
/// keys this device holds.
pub(crate) struct Directory<'a>(pub &'a Connection);

impl KeyDirectory for Directory<'_> {
    fn public_keys(&self, _connector_id: &str, party_id: &str, version: u32) -> Option<PublicKeys> {
        let json: String = self
            .0
            .query_row(
                "SELECT public_keys FROM peer_keys WHERE party_id = ?1 AND version = ?2 AND status = 'pinned'",
                params![party_id, version],
                |r| r.get(0),
            )
            .ok()?;
        serde_json::from_str(&json).ok()
    }

    fn group_key(&self, connector_id: &str, epoch: u64) -> Option<GroupKey> {
        let bytes: Vec<u8> = self
            .0
            .query_row(
                "SELECT key FROM group_keys WHERE connector_id = ?1 AND epoch = ?2",
                params![connector_id, i64::try_from(epoch).ok()?],
                |r| r.get(0),
            )
            .ok()?;
        Some(GroupKey {
            epoch,
            key: SymmetricKey::from_bytes(bytes.try_into().ok()?),
        })
    }
}

impl Client {
    /// The safety number of a p2p conversation.
    pub async fn safety_number(&self, conversation: &str) -> Result<Safety> {
        let session = self.session()?;
        let conversation = conversation.to_owned();
        let (peer, keys, verified, pending) = self
            .inner
            .cache
            .run(move |c| {
                let peer: String = c
                    .query_row(
                        "SELECT peer_party_id FROM connectors WHERE id = ?1 AND kind = 'p2p'",
                        [&conversation],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or(Error::NotFound("conversation"))?;
                let keys = pinned_keys(c, &peer)?.ok_or(Error::NotFound("peer keys"))?;
                let verified_sign: Option<Vec<u8>> = c
                    .query_row(
                        "SELECT sign FROM verified_keys WHERE party_id = ?1",
                        [&peer],
                        |r| r.get(0),
                    )
                    .optional()?;
                let pending = has_pending(c, &peer)?;
                let verified = verified_sign.as_deref() == Some(keys.sign.as_slice());
                Ok((peer, keys, verified, pending))
            })
            .await?;
        let own = session.keyring.current().public();
        let number = SafetyNumber::of((&session.party_id, own), (&peer, &keys));
        Ok(Safety {
            peer_party_id: peer,
            digits: number.digits().to_owned(),
            grouped: number.to_string(),
            verified,
            key_change_pending: pending,
        })
    }

    /// Marks (or unmarks) a peer's current keys as verified by safety number.
    /// The mark holds for these keys only: a key change clears it.
    pub async fn set_verified(&self, peer_party_id: &str, verified: bool) -> Result<()> {
        let peer = peer_party_id.to_owned();
        self.inner
            .cache
            .run(move |c| {
                if verified {
                    let keys = pinned_keys(c, &peer)?.ok_or(Error::NotFound("peer keys"))?;
                    c.execute(
                        "INSERT INTO verified_keys (party_id, sign) VALUES (?1, ?2)
                         ON CONFLICT (party_id) DO UPDATE SET sign = excluded.sign",
                        params![peer, keys.sign.as_slice()],
                    )?;
                } else {
                    c.execute("DELETE FROM verified_keys WHERE party_id = ?1", [&peer])?;
                }
                Ok(())
            })
            .await?;
        self.publish_account_data().await
    }

    /// Accepts a peer's changed keys: they become pinned, the warning goes,
    /// and blocks that waited for them are opened.
    pub async fn accept_key_change(&self, peer_party_id: &str) -> Result<()> {
        let peer = peer_party_id.to_owned();
        self.inner
            .cache
            .transaction(move |tx| {
                tx.execute(
                    "DELETE FROM peer_keys WHERE party_id = ?1 AND status = 'pinned'
                     AND version IN (SELECT version FROM peer_keys WHERE party_id = ?1 AND status = 'pending')",
                    [&peer],
                )?;
                let n = tx.execute(
                    "UPDATE peer_keys SET status = 'pinned' WHERE party_id = ?1 AND status = 'pending'",
                    [&peer],
                )?;
                if n == 0 {
                    return Err(Error::Invalid("no key change waits for a decision".into()));
                }
                Ok(())
            })
            .await?;
        self.reopen_held().await?;
        self.emit(Event::KeysChanged {
            party_id: peer_party_id.to_owned(),
        });
        self.publish_account_data().await
    }

    /// Whether a peer's keys changed and wait for the user's decision.
    pub async fn key_change_pending(&self, peer_party_id: &str) -> Result<bool> {
        let peer = peer_party_id.to_owned();
        self.inner.cache.run(move |c| has_pending(c, &peer)).await
    }

    /// Checks that `nick` resolves to `party_id` (crypto.md's "nick check").
    pub(crate) async fn check_nick(&self, nick: Option<&str>, party_id: &str) -> NickCheck {
        let Some(token) = nick.and_then(|n| Token::nick(n).ok()) else {
            return NickCheck::NotChecked;
        };
        let request = PartiesLookup {
            token: SearchToken {
                nick_token: Some(token),
                ..Default::default()
            },
        };
        match self.inner.transport.call(&request).await {
            Ok(PartiesLookupResponse::Found(found)) if found.party_id == party_id => {
                NickCheck::Checked
            }
            Ok(PartiesLookupResponse::Found(_)) => NickCheck::Mismatch,
            Ok(PartiesLookupResponse::NotFound(_)) => NickCheck::NotChecked,
            Err(e) => {
                tracing::info!(error = %e, "the nick check could not run");
                NickCheck::NotChecked
            }
        }
    }
}
