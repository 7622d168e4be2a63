//! Items, the delivery log the limits count, and `sync` over the change log.
//!
//! Who may see an item is recorded once, as the `item` changes written when it
//! is delivered: `sync` reads them back, and deleting or expiring the item
//! tells exactly those parties.

use std::collections::HashSet;
use std::time::Duration;

use attesta_proto::api::{ConnectorKind, Item, MemberState, Role};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::connectors::{Membership, from_millis, millis, tell};
use super::{Sqlite, Tx};
use crate::credentials::new_item_id;
use crate::storage::Change;
use crate::storage::Committed;
use crate::storage::items::{Delivery, DeliveryLimits, ItemStore, Pending, SyncPage};
use crate::{Error, Result};

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Changes read per query while paging through a party's log.
const SYNC_BATCH: i64 = 1000;

/// Block bytes per `sync` answer at most (give or take one block): 500 items
/// of a megabyte each would make one answer half a gigabyte. A full page
/// says `more`, as one full by count does.
const SYNC_MAX_BYTES: u64 = 32 * 1024 * 1024;

/// Expired items removed per sweep transaction, so a sweep never holds the
/// writer long; the rest wait for the next sweep.
const SWEEP_BATCH: i64 = 500;

const ITEM_COLUMNS: &str =
    "id, connector_id, author_party_id, author_device_id, client_id, created_at, expires_at, data";

/// Reads an item with the query's parameters; `None` when there is none.
fn query_item(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<Option<Item>> {
    let sql = format!("SELECT {ITEM_COLUMNS} FROM items WHERE {condition}");
    let row = conn
        .prepare_cached(&sql)?
        .query_row(params, |r| {
            Ok((
                (
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ),
                (
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Vec<u8>>(7)?,
                ),
            ))
        })
        .optional()?;
    let Some((
        (id, connectors_id, author_party_id, author_device_id),
        (client_id, created_at, expires_at, data),
    )) = row
    else {
        return Ok(None);
    };
    Ok(Some(Item {
        client_id: client_id
            .try_into()
            .map_err(|_| Error::Internal(format!("item {id} has a malformed client_id")))?,
        id,
        connectors_id,
        author_party_id,
        author_device_id,
        created_at: from_millis(created_at)?,
        expires_at: expires_at.map(from_millis).transpose()?,
        size: data.len() as u64,
        data,
    }))
}

/// An item that is still there and not expired: anything else is never handed out.
fn live_item(conn: &Connection, id: &str, now: i64) -> Result<Option<Item>> {
    query_item(
        conn,
        "id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
        params![id, now],
    )
}

/// How long until a rolling window that holds a delivery at `oldest` frees it.
fn wait_for(oldest: Option<i64>, window: i64, now: i64) -> Option<Duration> {
    oldest.map(|at| Duration::from_millis(u64::try_from(at + window - now).unwrap_or(0)))
}

/// What a delivered block is, which decides the limits it is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BlockKind {
    /// Into a waiting p2p connector, from its originator.
    Hello,
    /// Into an accepted connector.
    Ordinary,
}

/// Whether the caller may deliver into the connector, and what its block is.
fn admit(m: &Membership) -> Result<BlockKind> {
    let forbidden = |why: &str| Err(Error::Forbidden(why.to_owned()));
    if m.me.blocked {
        return forbidden("the connector is blocked: unblock it to deliver");
    }
    match (m.kind, m.me.state, m.me.role) {
        (_, MemberState::Accepted, _) => Ok(BlockKind::Ordinary),
        (ConnectorKind::P2p, MemberState::Waiting, Role::Originator) => Ok(BlockKind::Hello),
        (ConnectorKind::P2p, MemberState::Waiting, _) => {
            forbidden("accept the connector before delivering")
        }
        (ConnectorKind::Group, MemberState::Waiting, _) => {
            forbidden("accept the invitation before delivering")
        }
        _ => forbidden("no longer a member of this connector"),
    }
}

/// Refuses a delivery over its size or count limits; refused blocks count for nothing.
fn check_limits(
    tx: &Tx<'_>,
    d: &Delivery,
    kind: BlockKind,
    limits: &DeliveryLimits,
    now: i64,
) -> Result<()> {
    let size = d.data.len() as u64;
    if kind == BlockKind::Hello {
        if size > limits.hello_max_bytes {
            return Err(Error::TooLarge(format!(
                "a HELLO holds at most {} bytes before the connector is accepted",
                limits.hello_max_bytes
            )));
        }
        let (count, oldest): (i64, Option<i64>) = tx.query_row(
            "SELECT count(*), min(at) FROM deliveries WHERE connector_id = ?1 AND hello = 1 AND at > ?2",
            params![d.connector_id, now - DAY_MS],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        if count.unsigned_abs() >= limits.hello_max_per_day {
            return Err(Error::limit(
                format!(
                    "at most {} HELLOs a day on a waiting connector",
                    limits.hello_max_per_day
                ),
                wait_for(oldest, DAY_MS, now),
            ));
        }
        return Ok(());
    }
    if size > limits.block_max_bytes {
        return Err(Error::TooLarge(format!(
            "a block holds at most {} bytes",
            limits.block_max_bytes
        )));
    }
    let (count, bytes, oldest_minute): (i64, i64, Option<i64>) = tx
        .prepare_cached(
            "SELECT coalesce(sum(blocks), 0), coalesce(sum(bytes), 0), min(minute)
             FROM delivery_minutes WHERE party_id = ?1 AND minute > ?2",
        )?
        .query_row(params![d.party_id, (now - HOUR_MS) / MINUTE_MS], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    let oldest = oldest_minute.map(|m| (m + 1) * MINUTE_MS);
    if count.unsigned_abs() >= limits.quota_blocks_per_hour
        || bytes.unsigned_abs() + size > limits.quota_bytes_per_hour
    {
        return Err(Error::limit(
            format!(
                "at most {} blocks and {} bytes an hour",
                limits.quota_blocks_per_hour, limits.quota_bytes_per_hour
            ),
            wait_for(oldest, HOUR_MS, now),
        ));
    }
    Ok(())
}

/// Deletes an item and tells everyone who could see it.
fn remove_item(tx: &Tx<'_>, item_id: &str) -> Result<Vec<String>> {
    let parties = tx
        .prepare_cached(
            "SELECT DISTINCT party_id FROM changes WHERE kind = 'item' AND ref_id = ?1",
        )?
        .query_map([item_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    tx.execute("DELETE FROM items WHERE id = ?1", [item_id])?;
    tell(tx, parties, &Change::Removed(item_id.to_owned()))
}

impl ItemStore for Sqlite {
    fn deliver(
        &self,
        d: Delivery,
        limits: DeliveryLimits,
        now: OffsetDateTime,
    ) -> Pending<Committed<Item>> {
        let now = millis(now);
        Box::pin(self.queue(move |tx| {
            let d = &d;
            let m = Membership::of_caller(tx, &d.connector_id, &d.party_id)?;
            if let Some(item) = query_item(
                tx,
                "connector_id = ?1 AND author_party_id = ?2 AND client_id = ?3",
                params![d.connector_id, d.party_id, &d.client_id[..]],
            )? {
                return Ok(Committed::unchanged(item));
            }
            let kind = admit(&m)?;
            check_limits(tx, d, kind, &limits, now)?;
            let id = new_item_id(now);
            let expires_at = d.expires_at.map(millis);
            tx.prepare_cached(
                "INSERT INTO items (id, connector_id, author_party_id, author_device_id, client_id, created_at, expires_at, data)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                id,
                d.connector_id,
                d.party_id,
                d.device_id,
                &d.client_id[..],
                now,
                expires_at,
                d.data
            ])?;
            if kind == BlockKind::Hello {
                tx.execute(
                    "INSERT INTO deliveries (party_id, connector_id, hello, size, at) VALUES (?1, ?2, 1, ?3, ?4)",
                    params![d.party_id, d.connector_id, d.data.len() as i64, now],
                )?;
            }
            tx.prepare_cached(
                "INSERT INTO delivery_minutes (party_id, minute, blocks, bytes) VALUES (?1, ?2, 1, ?3)
                 ON CONFLICT (party_id, minute) DO UPDATE
                 SET blocks = blocks + 1, bytes = bytes + excluded.bytes",
            )?
            .execute(params![d.party_id, now / MINUTE_MS, d.data.len() as i64])?;
            // The author's devices, and each other member who may see it: in a
            // p2p connector the peer (the recipient of a HELLO included), in a
            // group the accepted members. A member who blocked it gets nothing.
            let mut audience = vec![d.party_id.to_owned()];
            audience.extend(
                m.members
                    .iter()
                    .filter(|x| x.party_id != d.party_id && !x.blocked)
                    .filter(|x| m.kind == ConnectorKind::P2p || x.state == MemberState::Accepted)
                    .map(|x| x.party_id.clone()),
            );
            let notify = tell(tx, audience, &Change::Item(id.clone()))?;
            let item = Item {
                id,
                connectors_id: d.connector_id.to_owned(),
                author_party_id: d.party_id.to_owned(),
                author_device_id: d.device_id.to_owned(),
                client_id: d.client_id,
                created_at: from_millis(now)?,
                expires_at: expires_at.map(from_millis).transpose()?,
                size: d.data.len() as u64,
                data: d.data.to_vec(),
            };
            Ok(Committed { value: item, notify })
        }))
    }

    fn items_delete(&self, caller: &str, item_id: &str) -> Result<Committed<()>> {
        self.write(|tx| {
            let author: Option<String> = tx
                .query_row(
                    "SELECT i.author_party_id FROM items i
                     WHERE i.id = ?1 AND EXISTS (SELECT 1 FROM changes c
                         WHERE c.kind = 'item' AND c.ref_id = i.id AND c.party_id = ?2)",
                    params![item_id, caller],
                    |r| r.get(0),
                )
                .optional()?;
            match author {
                None => Err(Error::not_found("no such item")),
                Some(author) if author != caller => Err(Error::Forbidden(
                    "only its author deletes an item".to_owned(),
                )),
                Some(_) => Ok(Committed {
                    value: (),
                    notify: remove_item(tx, item_id)?,
                }),
            }
        })
    }

    fn sync(
        &self,
        party_id: &str,
        after: i64,
        limit: usize,
        now: OffsetDateTime,
    ) -> Result<SyncPage> {
        let now = millis(now);
        self.read(|conn| {
            let mut page = SyncPage {
                party_changed: false,
                connectors: Vec::new(),
                items: Vec::new(),
                removed: Vec::new(),
                cursor: after,
                more: false,
            };
            let mut connector_ids = Vec::new();
            let mut bytes = 0;
            let mut seen_connectors = HashSet::new();
            let mut seen_removed = HashSet::new();
            let mut stmt = conn.prepare_cached(
                "SELECT seq, kind, ref_id FROM changes
                 WHERE party_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
            )?;
            'log: loop {
                let batch = stmt
                    .query_map(params![party_id, page.cursor, SYNC_BATCH], |r| {
                        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?))
                    })?
                    .collect::<Result<Vec<(i64, String, Option<String>)>, _>>()?;
                let exhausted = (batch.len() as i64) < SYNC_BATCH;
                for (seq, kind, ref_id) in batch {
                    match (kind.as_str(), ref_id) {
                        ("party", _) => page.party_changed = true,
                        ("item", Some(_))
                            if page.items.len() >= limit || bytes >= SYNC_MAX_BYTES =>
                        {
                            page.more = true;
                            break 'log;
                        }
                        ("item", Some(id)) => {
                            if let Some(item) = live_item(conn, &id, now)? {
                                bytes += item.size;
                                page.items.push(item);
                            }
                        }
                        ("connector", Some(id)) if seen_connectors.insert(id.clone()) => {
                            connector_ids.push(id)
                        }
                        ("removed", Some(id)) if seen_removed.insert(id.clone()) => {
                            page.removed.push(id)
                        }
                        _ => {}
                    }
                    page.cursor = seq;
                }
                if exhausted {
                    break;
                }
            }
            for id in connector_ids {
                if let Some(m) = Membership::load(conn, &id, party_id)? {
                    page.connectors.push(m.view(conn)?);
                }
            }
            Ok(page)
        })
    }

    fn sweep_expired(&self, now: OffsetDateTime) -> Result<Committed<usize>> {
        let now = millis(now);
        self.write(|tx| {
            let expired = tx
                .prepare_cached(
                    "SELECT id FROM items WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2",
                )?
                .query_map(params![now, SWEEP_BATCH], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut notify = HashSet::new();
            for id in &expired {
                notify.extend(remove_item(tx, id)?);
            }
            tx.execute("DELETE FROM deliveries WHERE at <= ?1", [now - DAY_MS])?;
            tx.execute(
                "DELETE FROM delivery_minutes WHERE minute <= ?1",
                [(now - HOUR_MS) / MINUTE_MS],
            )?;
            Ok(Committed {
                value: expired.len(),
                notify: notify.into_iter().collect(),
            })
        })
    }

    fn latest_change(&self, party_id: &str) -> Result<i64> {
        self.read(|conn| {
            Ok(conn.query_row(
                "SELECT coalesce(max(seq), 0) FROM changes WHERE party_id = ?1",
                [party_id],
                |r| r.get(0),
            )?)
        })
    }
}
