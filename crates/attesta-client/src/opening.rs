//! Opening the blocks of a sync page on every core. Verifying signatures is
//! most of what a catch-up costs, and the cache's connection serves one
//! thread, so the keys the page names (pinned peer keys, group keys) are
//! read from the cache once and the blocks are opened against that copy on
//! helper threads while the connection's thread stores them. The copy only
//! lacks keys the page itself brings (a group key block before the blocks
//! of its epoch): what failed for want of a key is opened again, in item
//! order, against the cache.

use std::collections::BTreeSet;
use std::num::NonZero;
use std::sync::mpsc;

use attesta_proto::api::Item;
use attesta_proto::blocks::{self, GroupKey, KeyDirectory, KnownKeys, OpenContext, Opened};
use attesta_proto::keys::{PublicKeys, SymmetricKey};
use rusqlite::{Connection, OptionalExtension};

use crate::account::Session;
use crate::error::Result;
use crate::trust;

/// Items a helper opens before handing them over, so that the storing
/// thread is woken once per chunk rather than once per item.
const CHUNK: usize = 16;

/// Opens every item of a page on helper threads and hands each result to
/// `store` on this thread, in item order, as soon as it is ready: storing
/// (one thread, the connection's) runs beside opening instead of after it.
pub(crate) fn open_page(
    conn: &Connection,
    session: &Session,
    items: &[Item],
    mut store: impl FnMut(&Item, blocks::Result<Opened>) -> Result<()>,
) -> Result<()> {
    let known = known_keys(conn, items)?;
    let open = |item: &Item| open_with(session, &known, item);
    let helpers = std::thread::available_parallelism().map_or(1, NonZero::get);
    std::thread::scope(|scope| {
        let open = &open;
        // Helper `h` opens chunks h, h + helpers, h + 2 × helpers…, so each
        // channel answers in item order.
        let answers: Vec<_> = (0..helpers)
            .map(|first| {
                let (answer, answers) = mpsc::channel();
                scope.spawn(move || {
                    for chunk in items.chunks(CHUNK).skip(first).step_by(helpers) {
                        let opened: Vec<_> = chunk.iter().map(open).collect();
                        // The receiver is gone once storing failed: stop.
                        if answer.send(opened).is_err() {
                            return;
                        }
                    }
                });
                answers
            })
            .collect();
        for (at, chunk) in items.chunks(CHUNK).enumerate() {
            // A helper stops answering early only when it panicked; the
            // scope then panics here too, once every helper ended.
            let Ok(opened) = answers[at % helpers].recv() else {
                break;
            };
            for (item, opened) in chunk.iter().zip(opened) {
                store(item, opened)?;
            }
        }
        Ok(())
    })
}

/// Opens one item against the cache itself.
pub(crate) fn open_item(
    conn: &Connection,
    session: &Session,
    item: &Item,
) -> blocks::Result<Opened> {
    open_with(session, &trust::Directory(conn), item)
}

/// Opens an item as the session's party, with the peer keys `directory` holds.
fn open_with(
    session: &Session,
    directory: &dyn KeyDirectory,
    item: &Item,
) -> blocks::Result<Opened> {
    blocks::open(
        &item.data,
        &item.connectors_id,
        &OpenContext {
            party_id: &session.party_id,
            keyring: &session.keyring,
            directory,
            connector_keys: &session.connector_keys,
        },
    )
}

/// Whether opening failed for want of a key that may still come.
pub(crate) fn may_open_later(e: &blocks::Error) -> bool {
    matches!(
        e,
        blocks::Error::UnknownKeyVersion { .. } | blocks::Error::UnknownEpoch(_)
    )
}

/// The keys that `trust::Directory` would answer for the page's items: the
/// pinned keys of their authors and of their connectors' peers, and the
/// group keys of their connectors.
fn known_keys(conn: &Connection, items: &[Item]) -> Result<KnownKeys> {
    let mut known = KnownKeys::new();
    let connectors: BTreeSet<&str> = items.iter().map(|i| i.connectors_id.as_str()).collect();
    let mut parties: BTreeSet<String> = items.iter().map(|i| i.author_party_id.clone()).collect();
    for connector in connectors {
        let peer: Option<String> = conn
            .prepare_cached("SELECT peer_party_id FROM connectors WHERE id = ?1")?
            .query_row([connector], |r| r.get(0))
            .optional()?
            .flatten();
        parties.extend(peer);
        let mut keys =
            conn.prepare_cached("SELECT epoch, key FROM group_keys WHERE connector_id = ?1")?;
        let rows = keys.query_map([connector], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        for row in rows {
            let (epoch, key) = row?;
            if let (Ok(epoch), Ok(key)) = (u64::try_from(epoch), <[u8; 32]>::try_from(key)) {
                known.add_group_key(
                    connector,
                    GroupKey {
                        epoch,
                        key: SymmetricKey::from_bytes(key),
                    },
                );
            }
        }
    }
    for party in &parties {
        let mut pinned = conn.prepare_cached(
            "SELECT version, public_keys FROM peer_keys WHERE party_id = ?1 AND status = 'pinned'",
        )?;
        let rows = pinned.query_map([party], |r| {
            Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (version, json) = row?;
            // Keys stored under another version than their own are never answered.
            match serde_json::from_str::<PublicKeys>(&json) {
                Ok(keys) if keys.version == version => known.add_party(party, keys),
                _ => {}
            }
        }
    }
    Ok(known)
}
