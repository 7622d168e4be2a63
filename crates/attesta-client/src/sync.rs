//! The sync engine. `sync` is the truth and the push WebSocket only a hint:
//! the engine catches up on connect and on every hint, reconnects with
//! backoff, and reports the connection state. Each page of items is opened
//! and verified first, then stored with the new cursor in one transaction.
//! Expired messages leave the cache at their `expires_at`, online or not.

use std::time::Duration;

use attesta_proto::api::{Connector, ErrorCode, Item, PartyState, Sync, SyncResponse};
use attesta_proto::blocks::{self, Content, Opened};
use rusqlite::{OptionalExtension, Transaction, params};
use time::OffsetDateTime;
use tokio::task::JoinHandle;

use crate::account::Session;
use crate::cache::{now_ms, to_ms};
use crate::error::{Error, Result};
use crate::events::{Event, SyncState};
use crate::ids::MsgId;
use crate::messages::{self, MessageKind, MessageState, NewMessage};
use crate::{Client, connectors, groups, identity, opening, trust};

/// The first wait after a failed connection; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Expiry runs at least this often, whatever the next known `expires_at`.
const EXPIRY_CHECK: Duration = Duration::from_secs(30);

/// The running engine. Dropping it stops it.
pub struct Engine {
    tasks: Vec<JoinHandle<()>>,
}

impl Engine {
    /// Stops the engine and waits for it to end.
    pub async fn stop(mut self) {
        for task in self.tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// What applying one page changed, for the events sent after it is stored.
struct Applied {
    events: Vec<Event>,
    account_data_version: Option<u64>,
    /// Invitations whose claimed nick is still to be checked: (connector, nick, sender).
    nick_checks: Vec<(String, String, String)>,
}

impl Client {
    /// Starts the background engine: push, catch-up, reconnects, outbox, expiry.
    pub fn start(&self) -> Engine {
        let online = self.clone();
        let expiry = self.clone();
        Engine {
            tasks: vec![
                tokio::spawn(async move { online.run_connection().await }),
                tokio::spawn(async move { expiry.run_expiry().await }),
            ],
        }
    }

    /// Catches up with the server (every page until `more` is false), then
    /// sends what waits in the outbox and drops what has expired.
    pub async fn sync_now(&self) -> Result<()> {
        {
            let _one_at_a_time = self.inner.sync_lock.lock().await;
            // Logged out: nothing to ask for.
            self.session()?;
            let cursor = self
                .inner
                .cache
                .run(|c| Ok(c.query_row("SELECT sync_cursor FROM account", [], |r| r.get(0))?))
                .await?;
            let mut page = self.fetch_page(cursor).await?;
            loop {
                let session = self.session()?;
                // Keys rotated on another device open the items of this very page.
                let adopted = match &page.party {
                    Some(party) => self.adopt_synced_keyring(party).await?,
                    None => false,
                };
                let session = if adopted { self.session()? } else { session };
                let next_cursor = page.more.then(|| page.cursor.clone());
                let stored = self
                    .inner
                    .cache
                    .transaction(move |tx| apply(tx, &session, page));
                // The next page travels while this one is opened and stored
                // (`sync` only reads, so asking early changes nothing).
                let (applied, next) = match next_cursor {
                    Some(cursor) => {
                        let (applied, next) = tokio::join!(stored, self.fetch_page(Some(cursor)));
                        (applied?, Some(next))
                    }
                    None => (stored.await?, None),
                };
                self.after_page(applied).await?;
                if adopted {
                    self.reopen_held().await?;
                }
                match next {
                    Some(next) => page = next?,
                    None => break,
                }
            }
        }
        self.flush_outbox().await?;
        self.purge_expired().await?;
        Ok(())
    }

    async fn fetch_page(&self, cursor: Option<String>) -> Result<SyncResponse> {
        self.inner
            .transport
            .call(&Sync {
                cursor,
                limit: None,
            })
            .await
    }

    async fn after_page(&self, applied: Applied) -> Result<()> {
        for event in applied.events {
            self.emit(event);
        }
        for (connector_id, nick, sender) in applied.nick_checks {
            let check = self.check_nick(Some(&nick), &sender).await;
            let id = connector_id.clone();
            self.inner
                .cache
                .run(move |c| {
                    c.execute(
                        "UPDATE invitations SET nick_check = ?2 WHERE connector_id = ?1",
                        params![id, check.as_str()],
                    )?;
                    Ok(())
                })
                .await?;
            self.emit(Event::InvitationArrived { connector_id });
        }
        if let Some(version) = applied.account_data_version {
            let ours = self
                .inner
                .cache
                .run(|c| {
                    Ok(
                        c.query_row("SELECT account_data_version FROM account", [], |r| {
                            r.get::<_, i64>(0)
                        })?,
                    )
                })
                .await?;
            if u64::try_from(ours).unwrap_or(0) < version {
                match self.restore_account_data().await {
                    // Sealed under keys this device cannot open yet (they
                    // came with a password it does not know): it keeps what
                    // it has and syncs on.
                    Err(Error::AccountData(
                        attesta_proto::account_data::Error::UnknownKeyVersion(version),
                    )) => tracing::info!(version, "account data under keys not held here"),
                    other => other?,
                }
            }
        }
        Ok(())
    }

    /// Drops messages whose time is up; answers how many.
    pub async fn purge_expired(&self) -> Result<usize> {
        let gone = self
            .inner
            .cache
            .transaction(|tx| {
                let now = now_ms();
                let gone: Vec<(String, Vec<u8>)> = tx
                    .prepare("SELECT conversation, msg_id FROM messages WHERE expires_at <= ?1")?
                    .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<rusqlite::Result<_>>()?;
                tx.execute("DELETE FROM messages WHERE expires_at <= ?1", [now])?;
                tx.execute("DELETE FROM outbox WHERE expires_at <= ?1", [now])?;
                Ok(gone)
            })
            .await?;
        let count = gone.len();
        for (conversation, msg_id) in gone {
            if let Ok(msg_id) = MsgId::try_from(msg_id) {
                self.emit(Event::MessageRemoved {
                    conversation,
                    msg_id,
                });
            }
        }
        Ok(count)
    }

    async fn run_expiry(&self) {
        loop {
            if let Err(e) = self.purge_expired().await {
                tracing::warn!(error = %e, "expiry failed");
            }
            let next = self
                .inner
                .cache
                .run(|c| {
                    Ok(
                        c.query_row("SELECT min(expires_at) FROM messages", [], |r| {
                            r.get::<_, Option<i64>>(0)
                        })?,
                    )
                })
                .await
                .ok()
                .flatten();
            let wait = next
                .map(|at| Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0)))
                .map_or(EXPIRY_CHECK, |d| d.min(EXPIRY_CHECK));
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.inner.expiry_wake.notified() => {}
            }
        }
    }

    async fn run_connection(&self) {
        let mut backoff = FIRST_BACKOFF;
        loop {
            if self.session().is_err() {
                self.set_sync_state(SyncState::Offline);
                self.inner.engine_wake.notified().await;
                continue;
            }
            match self.inner.transport.events().await {
                Ok(mut push) => {
                    self.set_sync_state(SyncState::Syncing);
                    match self.sync_now().await {
                        Ok(()) => {
                            backoff = FIRST_BACKOFF;
                            self.set_sync_state(SyncState::Online);
                            self.stay_online(&mut push).await;
                        }
                        Err(e) => tracing::info!(error = %e, "catch-up failed"),
                    }
                    self.set_sync_state(SyncState::Offline);
                }
                Err(e) if e.code() == Some(ErrorCode::Unauthorized) => {
                    tracing::warn!("the server ended this device's session");
                    self.emit(Event::SessionEnded);
                    self.set_sync_state(SyncState::Offline);
                    self.inner.engine_wake.notified().await;
                    continue;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "cannot connect");
                    self.set_sync_state(SyncState::Offline);
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = self.inner.engine_wake.notified() => {}
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Follows push hints until the socket closes or a sync fails.
    async fn stay_online(&self, push: &mut crate::transport::PushStream) {
        loop {
            tokio::select! {
                hint = push.next() => {
                    if hint.is_none() {
                        return;
                    }
                    if let Err(e) = self.sync_now().await {
                        tracing::info!(error = %e, "sync failed");
                        return;
                    }
                }
                () = self.inner.outbox_wake.notified() => {
                    match self.flush_outbox().await {
                        Ok(report) if report.waiting > 0 => return,
                        Ok(_) => {}
                        Err(e) => {
                            tracing::info!(error = %e, "outbox failed");
                            return;
                        }
                    }
                }
            }
        }
    }

    /// Opens again the items that waited for a key, now that one arrived.
    pub(crate) async fn reopen_held(&self) -> Result<()> {
        let session = self.session()?;
        let events = self
            .inner
            .cache
            .transaction(move |tx| {
                let held: Vec<String> = tx
                    .prepare("SELECT item FROM held_items")?
                    .query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<_>>()?;
                let mut events = Vec::new();
                for json in held {
                    let Ok(item) = serde_json::from_str::<Item>(&json) else {
                        continue;
                    };
                    let opened = opening::open_item(tx, &session, &item);
                    store(tx, &session, &item, opened, &mut events, &mut Vec::new())?;
                }
                Ok(events)
            })
            .await?;
        for event in events {
            self.emit(event);
        }
        Ok(())
    }
}

/// Stores one sync page and its cursor. Runs inside one transaction.
fn apply(tx: &Transaction<'_>, session: &Session, page: SyncResponse) -> Result<Applied> {
    let mut applied = Applied {
        events: Vec::new(),
        account_data_version: None,
        nick_checks: Vec::new(),
    };
    if let Some(party) = &page.party {
        apply_party(tx, party)?;
        applied.account_data_version = Some(party.account_data_version);
        applied.events.push(Event::AccountChanged);
    }
    for connector in &page.connectors {
        apply_connector(tx, session, connector, &mut applied.events)?;
    }
    opening::open_page(tx, session, &page.items, |item, opened| {
        let opened = match opened {
            // A key an earlier item of this page brought is in the cache only.
            Err(e) if opening::may_open_later(&e) => opening::open_item(tx, session, item),
            opened => opened,
        };
        store(
            tx,
            session,
            item,
            opened,
            &mut applied.events,
            &mut applied.nick_checks,
        )
    })?;
    for item_id in &page.removed {
        remove_item(tx, item_id, &mut applied.events)?;
    }
    if !page.connectors.is_empty() {
        groups::answer_departures(tx, session)?;
    }
    tx.execute("UPDATE account SET sync_cursor = ?1", [&page.cursor])?;
    Ok(applied)
}

fn apply_party(tx: &Transaction<'_>, party: &PartyState) -> Result<()> {
    identity::replace_all(tx, &party.tokens)?;
    let keys =
        serde_json::to_string(&party.public_keys).map_err(|e| Error::Invalid(e.to_string()))?;
    tx.execute("UPDATE account SET public_keys = ?1", [keys])?;
    Ok(())
}

fn apply_connector(
    tx: &Transaction<'_>,
    session: &Session,
    connector: &Connector,
    events: &mut Vec<Event>,
) -> Result<()> {
    connectors::store(tx, connector)?;
    if let Some(peer) = &connector.peer {
        events.extend(trust::pin(tx, &peer.party_id, &peer.public_keys)?);
    }
    for member in connector.members.iter().flatten() {
        if member.party_id != session.party_id {
            events.extend(trust::pin(tx, &member.party_id, &member.public_keys)?);
        }
    }
    events.push(Event::ConnectorChanged {
        connector_id: connector.id.clone(),
    });
    Ok(())
}

/// An item the server removed (expired, or deleted by its author). A message
/// deleted by its author stays as a "deleted" mark; others leave the cache.
fn remove_item(tx: &Transaction<'_>, item_id: &str, events: &mut Vec<Event>) -> Result<()> {
    tx.execute("DELETE FROM held_items WHERE item_id = ?1", [item_id])?;
    let found: Option<(String, Vec<u8>, bool)> = tx
        .query_row(
            "SELECT conversation, msg_id, deleted FROM messages WHERE item_id = ?1",
            [item_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((conversation, msg_id, deleted)) = found else {
        return Ok(());
    };
    if deleted {
        return Ok(());
    }
    tx.execute("DELETE FROM messages WHERE item_id = ?1", [item_id])?;
    if let Ok(msg_id) = MsgId::try_from(msg_id) {
        events.push(Event::MessageRemoved {
            conversation,
            msg_id,
        });
    }
    Ok(())
}

/// Stores one opened (or not) item. A block that does not open is kept as
/// a message that "could not be verified", never as genuine.
fn store(
    tx: &Transaction<'_>,
    session: &Session,
    item: &Item,
    opened: blocks::Result<Opened>,
    events: &mut Vec<Event>,
    nick_checks: &mut Vec<(String, String, String)>,
) -> Result<()> {
    let known_connector = tx
        .prepare_cached("SELECT 1 FROM connectors WHERE id = ?1")?
        .exists([&item.connectors_id])?;
    if !known_connector {
        tracing::warn!("an item for a connector this device does not know; skipped");
        return Ok(());
    }
    let from_me = item.author_party_id == session.party_id;
    let opened = match opened {
        Ok(opened) if opened.payload.author == item.author_party_id => opened,
        Ok(_) => return store_unreadable(tx, item, from_me, false, events),
        Err(e) => {
            tracing::info!(error = %e, "a block could not be verified");
            return store_unreadable(tx, item, from_me, opening::may_open_later(&e), events);
        }
    };
    let payload_id = MsgId(opened.payload.msg_id.0);
    let first_sight = tx
        .prepare_cached(
            "INSERT INTO seen_blocks (msg_id, item_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![payload_id.0.as_slice(), item.id])?
        == 1;
    tx.prepare_cached("DELETE FROM held_items WHERE item_id = ?1")?
        .execute([&item.id])?;
    if !first_sight {
        // Our own message coming back is not a replay: it only confirms the send.
        let seen_item: Option<String> = tx
            .query_row(
                "SELECT item_id FROM seen_blocks WHERE msg_id = ?1",
                [payload_id.0.as_slice()],
                |r| r.get(0),
            )
            .optional()?;
        if seen_item.as_deref() != Some(item.id.as_str()) {
            tracing::info!("a replayed block was dropped");
        }
        return Ok(());
    }
    let replaced = tx
        .prepare_cached("SELECT 1 FROM messages WHERE item_id = ?1")?
        .exists([&item.id])?;
    if replaced {
        // It was stored as "could not be verified" while a key was missing.
        tx.execute("DELETE FROM messages WHERE item_id = ?1", [&item.id])?;
    }
    let expires_at = earlier(opened.payload.expires_at, item.expires_at);
    if expires_at.is_some_and(|at| to_ms(at) <= now_ms()) {
        return Ok(());
    }
    apply_content(
        tx,
        session,
        item,
        &opened,
        from_me,
        expires_at,
        events,
        nick_checks,
    )
}

fn earlier(a: Option<OffsetDateTime>, b: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[allow(clippy::too_many_arguments)]
fn apply_content(
    tx: &Transaction<'_>,
    session: &Session,
    item: &Item,
    opened: &Opened,
    from_me: bool,
    expires_at: Option<OffsetDateTime>,
    events: &mut Vec<Event>,
    nick_checks: &mut Vec<(String, String, String)>,
) -> Result<()> {
    let payload = &opened.payload;
    let msg_id = MsgId(payload.msg_id.0);
    let conversation = item.connectors_id.clone();
    let message = |kind: MessageKind, body: Option<String>, reply_to: Option<MsgId>| NewMessage {
        msg_id,
        item_id: Some(item.id.clone()),
        conversation: conversation.clone(),
        author: payload.author.clone(),
        from_me,
        kind,
        body,
        sent_at: payload.sent_at,
        state: MessageState::Sent,
        signed: true,
        reply_to,
        expires_at,
    };
    match &payload.content {
        Content::Text(text) => {
            let reply_to = text.reply_to.map(|r| MsgId(r.0));
            if messages::insert(
                tx,
                &message(MessageKind::Text, Some(text.body.clone()), reply_to),
            )? {
                events.push(Event::MessageArrived {
                    conversation,
                    msg_id,
                });
            } else if let Some(changed) = messages::mark_sent(tx, msg_id, &item.id)? {
                events.push(Event::MessageChanged {
                    conversation: changed.0,
                    msg_id,
                });
            }
        }
        Content::Edit(edit) => {
            let target = MsgId(edit.msg_id.0);
            if messages::edit_message_row(tx, target, &payload.author, &edit.body)? {
                events.push(Event::MessageChanged {
                    conversation,
                    msg_id: target,
                });
            }
        }
        Content::Delete(delete) => {
            let target = MsgId(delete.msg_id.0);
            if messages::tombstone(tx, target, &payload.author)? {
                events.push(Event::MessageChanged {
                    conversation,
                    msg_id: target,
                });
            }
        }
        Content::Hello(hello) => {
            connectors::receive_hello(
                tx,
                session,
                item,
                payload,
                hello,
                from_me,
                events,
                nick_checks,
            )?;
        }
        Content::Profile(profile) => {
            connectors::remember_profile(tx, &payload.author, profile)?;
            events.push(Event::ConnectorChanged {
                connector_id: conversation,
            });
        }
        Content::GroupKey(_) => {
            if let Some(key) = &opened.group_key {
                trust::keep_group_key(tx, &conversation, key)?;
                events.push(Event::ConnectorChanged {
                    connector_id: conversation,
                });
            }
        }
        Content::Reaction(_) | Content::Receipt(_) => {}
        Content::Unknown { .. } => {
            if messages::insert(tx, &message(MessageKind::Unsupported, None, None))? {
                events.push(Event::MessageArrived {
                    conversation,
                    msg_id,
                });
            }
        }
    }
    Ok(())
}

/// Keeps a block that did not open as a visible "could not be verified"
/// message; when a key may still come, the item is held to be opened again.
fn store_unreadable(
    tx: &Transaction<'_>,
    item: &Item,
    from_me: bool,
    hold: bool,
    events: &mut Vec<Event>,
) -> Result<()> {
    if hold {
        let json = serde_json::to_string(item).map_err(|e| Error::Invalid(e.to_string()))?;
        tx.execute(
            "INSERT INTO held_items (item_id, connector_id, item) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![item.id, item.connectors_id, json],
        )?;
    }
    let msg_id = MsgId::random();
    let stored = messages::insert(
        tx,
        &NewMessage {
            msg_id,
            item_id: Some(item.id.clone()),
            conversation: item.connectors_id.clone(),
            author: item.author_party_id.clone(),
            from_me,
            kind: MessageKind::Unreadable,
            body: None,
            sent_at: item.created_at,
            state: MessageState::Sent,
            signed: false,
            reply_to: None,
            expires_at: item.expires_at,
        },
    )?;
    if stored {
        events.push(Event::MessageArrived {
            conversation: item.connectors_id.clone(),
            msg_id,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use crate::messages::{Anchor, page};
    use attesta_proto::api::{ConnectorKind, Member, MemberState, Peer, Role, SyncResponse};
    use attesta_proto::blocks::{ConnectorKeys, GroupKey, Header, Party, Sealer, Text};
    use attesta_proto::keyring::Keyring;
    use attesta_proto::keys::{PartyKeys, PublicKeys, SymmetricKey};

    fn session(party_id: &str) -> Session {
        Session {
            party_id: party_id.into(),
            device_id: "d1".into(),
            keyring: Keyring::new(PartyKeys::generate(1)),
            keyring_key: SymmetricKey::generate(),
            salt: vec![0; 16],
            kdf: attesta_proto::password::DEFAULT_KDF,
            connector_keys: ConnectorKeys::new(),
        }
    }

    fn connector(peer: &str, keys: &PartyKeys) -> Connector {
        let now = OffsetDateTime::now_utc();
        Connector {
            id: "c1".into(),
            kind: ConnectorKind::P2p,
            state: MemberState::Accepted,
            role: Role::Recipient,
            peer: Some(Peer {
                party_id: peer.into(),
                public_keys: keys.public().clone(),
            }),
            members: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn item(id: &str, author: &str, data: Vec<u8>) -> Item {
        Item {
            id: id.into(),
            connectors_id: "c1".into(),
            author_party_id: author.into(),
            author_device_id: "d9".into(),
            client_id: rand::random(),
            created_at: OffsetDateTime::now_utc(),
            expires_at: None,
            size: 0,
            data,
        }
    }

    fn page_of(connectors: Vec<Connector>, items: Vec<Item>, cursor: &str) -> SyncResponse {
        SyncResponse {
            party: None,
            connectors,
            items,
            removed: Vec::new(),
            cursor: cursor.into(),
            more: false,
        }
    }

    async fn cache_with_account() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db")).unwrap();
        cache
            .run(|c| {
                c.execute(
                    "INSERT INTO account (id, server, party_id, device_id, session, keyring, keyring_key,
                         keyring_salt, kdf, public_keys) VALUES (1, 's', 'me', 'd1', 't', x'', x'', x'', '{}', '{}')",
                    [],
                )?;
                Ok(())
            })
            .await
            .unwrap();
        (dir, cache)
    }

    fn text_from(peer_keys: &PartyKeys, me: &Session, body: &str) -> Vec<u8> {
        let own = me.keyring.current().public().clone();
        Sealer::new("peer", peer_keys, "c1")
            .p2p(
                Party {
                    party_id: "me",
                    keys: &own,
                },
                Header::new(OffsetDateTime::now_utc()),
                Content::Text(Text {
                    body: body.into(),
                    reply_to: None,
                }),
            )
            .unwrap()
    }

    #[tokio::test]
    async fn a_genuine_block_is_stored_once_and_its_replay_is_dropped() {
        let (_dir, cache) = cache_with_account().await;
        let me = std::sync::Arc::new(session("me"));
        let peer = PartyKeys::generate(1);
        let data = text_from(&peer, &me, "hello");
        let first = page_of(
            vec![connector("peer", &peer)],
            vec![item("i1", "peer", data.clone())],
            "1",
        );
        let replay = page_of(Vec::new(), vec![item("i2", "peer", data)], "2");
        let s = me.clone();
        let applied = cache
            .transaction(move |tx| apply(tx, &s, first))
            .await
            .unwrap();
        assert!(
            applied
                .events
                .iter()
                .any(|e| matches!(e, Event::MessageArrived { .. }))
        );
        let s = me.clone();
        let applied = cache
            .transaction(move |tx| apply(tx, &s, replay))
            .await
            .unwrap();
        assert!(
            !applied
                .events
                .iter()
                .any(|e| matches!(e, Event::MessageArrived { .. }))
        );
        let shown = cache
            .run(|c| page(c, "c1", Anchor::Latest, 10))
            .await
            .unwrap();
        assert_eq!(shown.messages.len(), 1);
        assert_eq!(shown.messages[0].body.as_deref(), Some("hello"));
        assert!(shown.messages[0].signed);
        let cursor: String = cache
            .run(|c| Ok(c.query_row("SELECT sync_cursor FROM account", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(cursor, "2");
    }

    #[tokio::test]
    async fn the_items_of_a_page_are_stored_in_their_order_whichever_thread_opened_them() {
        let (_dir, cache) = cache_with_account().await;
        let me = std::sync::Arc::new(session("me"));
        let peer = PartyKeys::generate(1);
        let own = me.keyring.current().public().clone();
        let mut sealer = Sealer::new("peer", &peer, "c1");
        let mut blocks: Vec<Vec<u8>> = (0..40u8)
            .map(|n| {
                let header = Header {
                    msg_id: attesta_proto::blocks::MsgId([n; 16]),
                    sent_at: OffsetDateTime::now_utc(),
                    expires_at: None,
                };
                let text = Content::Text(Text {
                    body: format!("message {n}"),
                    reply_to: None,
                });
                let me = Party {
                    party_id: "me",
                    keys: &own,
                };
                sealer.p2p(me, header, text).unwrap()
            })
            .collect();
        // A replay late in the page, of a block stored earlier in it.
        blocks.push(blocks[3].clone());
        let items = blocks
            .into_iter()
            .enumerate()
            .map(|(n, data)| item(&format!("i{n}"), "peer", data))
            .collect();
        let p = page_of(vec![connector("peer", &peer)], items, "1");
        let s = me.clone();
        let applied = cache.transaction(move |tx| apply(tx, &s, p)).await.unwrap();
        let arrived: Vec<MsgId> = applied
            .events
            .iter()
            .filter_map(|e| match e {
                Event::MessageArrived { msg_id, .. } => Some(*msg_id),
                _ => None,
            })
            .collect();
        assert_eq!(
            arrived,
            (0..40u8).map(|n| MsgId([n; 16])).collect::<Vec<_>>()
        );
        let replay_stored: bool = cache
            .run(|c| {
                Ok(c.prepare("SELECT 1 FROM messages WHERE item_id = 'i40'")?
                    .exists([])?)
            })
            .await
            .unwrap();
        assert!(!replay_stored, "the replay is dropped, the first copy kept");
    }

    #[tokio::test]
    async fn a_group_key_block_opens_the_blocks_of_its_epoch_later_in_the_same_page() {
        let (_dir, cache) = cache_with_account().await;
        let me = std::sync::Arc::new(session("me"));
        let peer = PartyKeys::generate(1);
        let own = me.keyring.current().public().clone();
        let member = |party_id: &str, public_keys: &PublicKeys| Member {
            party_id: party_id.into(),
            public_keys: public_keys.clone(),
            role: Role::Member,
            state: MemberState::Accepted,
        };
        let group = Connector {
            id: "g1".into(),
            kind: ConnectorKind::Group,
            role: Role::Member,
            peer: None,
            members: Some(vec![member("me", &own), member("peer", peer.public())]),
            ..connector("peer", &peer)
        };
        let key = GroupKey::generate(2);
        let mut sealer = Sealer::new("peer", &peer, "g1");
        let new_epoch = sealer
            .group_key(
                &key,
                &[Party {
                    party_id: "me",
                    keys: &own,
                }],
                Header::new(OffsetDateTime::now_utc()),
            )
            .unwrap();
        let said = sealer
            .group(
                &key,
                Header::new(OffsetDateTime::now_utc()),
                Content::Text(Text {
                    body: "in epoch 2".into(),
                    reply_to: None,
                }),
            )
            .unwrap();
        let in_group = |id: &str, data| Item {
            connectors_id: "g1".into(),
            ..item(id, "peer", data)
        };
        let p = page_of(
            vec![group],
            vec![in_group("i1", new_epoch), in_group("i2", said)],
            "1",
        );
        let s = me.clone();
        cache.transaction(move |tx| apply(tx, &s, p)).await.unwrap();
        let shown = cache
            .run(|c| page(c, "g1", Anchor::Latest, 10))
            .await
            .unwrap();
        assert_eq!(shown.messages.len(), 1);
        assert_eq!(shown.messages[0].body.as_deref(), Some("in epoch 2"));
        assert!(shown.messages[0].signed);
    }

    #[tokio::test]
    async fn a_forged_block_is_shown_as_could_not_be_verified_never_as_genuine() {
        let (_dir, cache) = cache_with_account().await;
        let me = std::sync::Arc::new(session("me"));
        let peer = PartyKeys::generate(1);
        let impostor = PartyKeys::generate(1);
        let forged = text_from(&impostor, &me, "send me your password");
        let mut flipped = text_from(&peer, &me, "hello");
        if let Some(byte) = flipped.last_mut() {
            *byte ^= 1;
        }
        let items = vec![
            item("i1", "peer", forged),
            item("i2", "peer", flipped),
            item("i3", "peer", b"junk".to_vec()),
        ];
        let p = page_of(vec![connector("peer", &peer)], items, "1");
        let s = me.clone();
        cache.transaction(move |tx| apply(tx, &s, p)).await.unwrap();
        let shown = cache
            .run(|c| page(c, "c1", Anchor::Latest, 10))
            .await
            .unwrap();
        assert_eq!(shown.messages.len(), 3, "nothing is dropped silently");
        for m in &shown.messages {
            assert!(!m.signed);
            assert_eq!(m.kind, MessageKind::Unreadable);
            assert_eq!(m.body, None, "no unverified text is shown as a message");
        }
    }

    #[tokio::test]
    async fn an_expired_message_leaves_the_cache_while_offline_and_listeners_hear_it() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), "http://127.0.0.1:9")
            .await
            .unwrap();
        let mut gone = crate::messages::tests::text("c1", 1, false);
        gone.expires_at = Some(OffsetDateTime::now_utc() - time::Duration::seconds(1));
        let stays = crate::messages::tests::text("c1", 2, false);
        let gone_id = gone.msg_id;
        client
            .inner
            .cache
            .transaction(move |tx| {
                crate::messages::tests::connector(tx, "c1");
                messages::insert(tx, &gone)?;
                messages::insert(tx, &stays)?;
                Ok(())
            })
            .await
            .unwrap();
        let mut events = client.subscribe();
        assert_eq!(client.purge_expired().await.unwrap(), 1);
        assert_eq!(
            events.try_recv().unwrap(),
            Event::MessageRemoved {
                conversation: "c1".into(),
                msg_id: gone_id
            }
        );
        let left = client.messages("c1", Anchor::Latest, 10).await.unwrap();
        assert_eq!(left.messages.len(), 1);
        assert_eq!(left.messages[0].body.as_deref(), Some("message 2"));
    }
}
