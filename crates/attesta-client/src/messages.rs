//! Messages: what a conversation shows, stored in the cache as records and
//! read back in pages by the keyset (sent_at, id), which an index makes fast
//! however long the conversation is.

use rusqlite::{OptionalExtension, Row, Transaction, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use attesta_proto::api::ItemsDelete;
use attesta_proto::blocks::{Content, Delete, Edit, Header, MsgId as ProtoMsgId, Text};

use crate::cache::{from_ms, to_ms};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::MsgId;
use crate::outbox::{self, Delivery};
use crate::{Client, connectors};

/// Where a message is on its way out. Received messages are `Sent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Waiting in the outbox (offline, or the server is down).
    Queued,
    /// The server has it.
    Sent,
    /// The server refused it; it can be retried.
    Failed,
}

impl MessageState {
    fn as_str(self) -> &'static str {
        match self {
            MessageState::Queued => "queued",
            MessageState::Sent => "sent",
            MessageState::Failed => "failed",
        }
    }

    fn parse(text: &str) -> MessageState {
        match text {
            "queued" => MessageState::Queued,
            "failed" => MessageState::Failed,
            _ => MessageState::Sent,
        }
    }
}

/// What a message record holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// A text message.
    Text,
    /// A block of a kind this version does not know: shown as "unsupported message".
    Unsupported,
    /// A block that could not be opened at all: shown as "could not be verified".
    Unreadable,
}

impl MessageKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Unsupported => "unsupported",
            MessageKind::Unreadable => "unreadable",
        }
    }

    fn parse(text: &str) -> MessageKind {
        match text {
            "text" => MessageKind::Text,
            "unsupported" => MessageKind::Unsupported,
            _ => MessageKind::Unreadable,
        }
    }
}

/// A position in a conversation's order: (sent_at, local id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PageKey {
    pub sent_at_ms: i64,
    pub id: i64,
}

/// One message as a conversation shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub msg_id: MsgId,
    /// The conversation: its connector id.
    pub conversation: String,
    /// Sent by any device of the own party.
    pub from_me: bool,
    /// The author's party id.
    pub author: String,
    pub kind: MessageKind,
    /// The text; `None` once deleted, or when the block could not be read.
    pub body: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    pub state: MessageState,
    /// The author's signature verified with the pinned key; `false` is
    /// shown as "could not be verified", never as genuine.
    pub signed: bool,
    pub edited: bool,
    pub deleted: bool,
    pub reply_to: Option<MsgId>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    /// Where this message sits, for paging from it.
    pub key: PageKey,
}

/// Where a page of messages starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The newest messages.
    Latest,
    /// Messages older than the key.
    Before(PageKey),
    /// Messages newer than the key.
    After(PageKey),
    /// Messages around one message (a reply's original, a search hit), it included.
    Around(MsgId),
}

/// A page of messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    /// More messages exist before the first one.
    pub has_older: bool,
    /// More messages exist after the last one.
    pub has_newer: bool,
}

/// A message to store (sent here, or received and already verified).
#[derive(Debug, Clone)]
pub(crate) struct NewMessage {
    pub msg_id: MsgId,
    pub item_id: Option<String>,
    pub conversation: String,
    pub author: String,
    pub from_me: bool,
    pub kind: MessageKind,
    pub body: Option<String>,
    pub sent_at: OffsetDateTime,
    pub state: MessageState,
    pub signed: bool,
    pub reply_to: Option<MsgId>,
    pub expires_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, msg_id, conversation, from_me, author, kind, body, sent_at, state, \
                       signed, edited, deleted, reply_to, expires_at";

fn read_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let msg_id: Vec<u8> = row.get(1)?;
    let reply_to: Option<Vec<u8>> = row.get(12)?;
    let sent_at_ms: i64 = row.get(7)?;
    let id: i64 = row.get(0)?;
    Ok(Message {
        msg_id: MsgId::try_from(msg_id).unwrap_or(MsgId([0; 16])),
        conversation: row.get(2)?,
        from_me: row.get(3)?,
        author: row.get(4)?,
        kind: MessageKind::parse(&row.get::<_, String>(5)?),
        body: row.get(6)?,
        sent_at: from_ms(sent_at_ms),
        state: MessageState::parse(&row.get::<_, String>(8)?),
        signed: row.get(9)?,
        edited: row.get(10)?,
        deleted: row.get(11)?,
        reply_to: reply_to.and_then(|r| MsgId::try_from(r).ok()),
        expires_at: row.get::<_, Option<i64>>(13)?.map(from_ms),
        key: PageKey { sent_at_ms, id },
    })
}

/// Stores a new message; `false` when its msg_id or item is already known
/// (a replay, or the echo of a message this device sent).
pub(crate) fn insert(tx: &Transaction<'_>, m: &NewMessage) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "INSERT INTO messages (msg_id, item_id, conversation, author, from_me, kind, body, sent_at,
                                   state, signed, reply_to, expires_at, unread)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            m.msg_id.0.as_slice(),
            m.item_id,
            m.conversation,
            m.author,
            m.from_me,
            m.kind.as_str(),
            m.body,
            to_ms(m.sent_at),
            m.state.as_str(),
            m.signed,
            m.reply_to.map(|r| r.0.to_vec()),
            m.expires_at.map(to_ms),
            !m.from_me,
        ])?;
    Ok(n == 1)
}

/// Records that the server stored a message: it is sent, under this item.
pub(crate) fn mark_sent(
    tx: &Transaction<'_>,
    msg_id: MsgId,
    item_id: &str,
) -> Result<Option<(String, MsgId)>> {
    tx.execute(
        "UPDATE messages SET state = 'sent', item_id = coalesce(item_id, ?2) WHERE msg_id = ?1",
        params![msg_id.0.as_slice(), item_id],
    )?;
    conversation_of(tx, msg_id)
}

/// Sets a message's outgoing state; answers its conversation when it exists.
pub(crate) fn set_state(
    tx: &Transaction<'_>,
    msg_id: MsgId,
    state: MessageState,
) -> Result<Option<(String, MsgId)>> {
    tx.execute(
        "UPDATE messages SET state = ?2 WHERE msg_id = ?1",
        params![msg_id.0.as_slice(), state.as_str()],
    )?;
    conversation_of(tx, msg_id)
}

fn conversation_of(tx: &Transaction<'_>, msg_id: MsgId) -> Result<Option<(String, MsgId)>> {
    Ok(tx
        .query_row(
            "SELECT conversation FROM messages WHERE msg_id = ?1",
            [msg_id.0.as_slice()],
            |r| r.get::<_, String>(0),
        )
        .optional()?
        .map(|c| (c, msg_id)))
}

/// Applies an edit by the message's author; `false` when there is no such
/// message of that author (an edit by anyone else is ignored).
pub(crate) fn edit_message_row(
    tx: &Transaction<'_>,
    msg_id: MsgId,
    author: &str,
    body: &str,
) -> Result<bool> {
    let n = tx.execute(
        "UPDATE messages SET body = ?3, edited = 1
         WHERE msg_id = ?1 AND author = ?2 AND deleted = 0 AND kind = 'text'",
        params![msg_id.0.as_slice(), author, body],
    )?;
    Ok(n == 1)
}

/// Marks a message deleted by its author: the text goes, a mark stays.
pub(crate) fn tombstone(tx: &Transaction<'_>, msg_id: MsgId, author: &str) -> Result<bool> {
    let n = tx.execute(
        "UPDATE messages SET body = NULL, deleted = 1 WHERE msg_id = ?1 AND author = ?2 AND deleted = 0",
        params![msg_id.0.as_slice(), author],
    )?;
    Ok(n == 1)
}

/// One message by its id, if stored.
pub(crate) fn by_id(conn: &rusqlite::Connection, msg_id: MsgId) -> Result<Option<Message>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} FROM messages WHERE msg_id = ?1"))?
        .query_row([msg_id.0.as_slice()], read_row)
        .optional()?)
}

/// Reads one page of a conversation.
pub(crate) fn page(
    conn: &rusqlite::Connection,
    conversation: &str,
    anchor: Anchor,
    limit: usize,
) -> Result<MessagePage> {
    let limit = limit.clamp(1, 1000);
    let fetch = i64::try_from(limit + 1).unwrap_or(i64::MAX);
    let older = |key: PageKey, inclusive: bool| -> Result<Vec<Message>> {
        let cmp = if inclusive { "<=" } else { "<" };
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE conversation = ?1 AND (sent_at, id) {cmp} (?2, ?3)
             ORDER BY sent_at DESC, id DESC LIMIT ?4"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![conversation, key.sent_at_ms, key.id, fetch],
            read_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    };
    let newer = |key: PageKey| -> Result<Vec<Message>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM messages WHERE conversation = ?1 AND (sent_at, id) > (?2, ?3)
             ORDER BY sent_at, id LIMIT ?4"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(
            params![conversation, key.sent_at_ms, key.id, fetch],
            read_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    };
    let top = PageKey {
        sent_at_ms: i64::MAX,
        id: i64::MAX,
    };
    let exists_after = |key: PageKey| -> Result<bool> {
        Ok(conn
            .prepare_cached(
                "SELECT 1 FROM messages WHERE conversation = ?1 AND (sent_at, id) > (?2, ?3) LIMIT 1",
            )?
            .exists(params![conversation, key.sent_at_ms, key.id])?)
    };
    let exists_before = |key: PageKey| -> Result<bool> {
        Ok(conn
            .prepare_cached(
                "SELECT 1 FROM messages WHERE conversation = ?1 AND (sent_at, id) < (?2, ?3) LIMIT 1",
            )?
            .exists(params![conversation, key.sent_at_ms, key.id])?)
    };
    let (messages, has_older, has_newer) = match anchor {
        Anchor::Latest | Anchor::Before(_) => {
            let key = match anchor {
                Anchor::Before(key) => key,
                _ => top,
            };
            let mut rows = older(key, false)?;
            let has_older = rows.len() > limit;
            rows.truncate(limit);
            rows.reverse();
            let has_newer = key != top && exists_after(rows.last().map_or(key, |m| m.key))?;
            (rows, has_older, has_newer)
        }
        Anchor::After(key) => {
            let mut rows = newer(key)?;
            let has_newer = rows.len() > limit;
            rows.truncate(limit);
            let has_older = exists_before(rows.first().map_or(key, |m| m.key))?;
            (rows, has_older, has_newer)
        }
        Anchor::Around(msg_id) => {
            let center = conn
                .query_row(
                    "SELECT sent_at, id FROM messages WHERE msg_id = ?1 AND conversation = ?2",
                    params![msg_id.0.as_slice(), conversation],
                    |r| {
                        Ok(PageKey {
                            sent_at_ms: r.get(0)?,
                            id: r.get(1)?,
                        })
                    },
                )
                .optional()?
                .ok_or(Error::NotFound("message"))?;
            // The center, up to half a page older than it, and the rest newer.
            let half = limit / 2;
            let mut before = older(center, true)?;
            let has_older = before.len() > half + 1;
            before.truncate(half + 1);
            before.reverse();
            let mut after = newer(center)?;
            let room = limit.saturating_sub(before.len());
            let has_newer = after.len() > room;
            after.truncate(room);
            before.extend(after);
            (before, has_older, has_newer)
        }
    };
    Ok(MessagePage {
        messages,
        has_older,
        has_newer,
    })
}

impl Client {
    /// Seals `content` for a conversation and queues it; a text is stored
    /// as a queued message at once. Texts follow the conversation's
    /// disappearing-message timer unless `expires_at` is given.
    pub(crate) async fn send_content(
        &self,
        conversation: &str,
        content: Content,
        expires_at: Option<OffsetDateTime>,
    ) -> Result<MsgId> {
        let session = self.session()?;
        let conversation = conversation.to_owned();
        let (msg_id, conversation, expiring) = self
            .inner
            .cache
            .transaction(move |tx| {
                let timer: Option<i64> = tx
                    .query_row(
                        "SELECT expire_seconds FROM connectors WHERE id = ?1",
                        [&conversation],
                        |r| r.get(0),
                    )
                    .optional()?
                    .ok_or(Error::NotFound("conversation"))?;
                let now = OffsetDateTime::now_utc();
                let is_text = matches!(content, Content::Text(_));
                let expires_at = expires_at.or_else(|| {
                    timer
                        .filter(|_| is_text)
                        .map(|s| now + time::Duration::seconds(s))
                });
                let mut header = Header::new(now);
                if let Some(at) = expires_at {
                    header = header.expiring_at(at);
                }
                let msg_id = MsgId(header.msg_id.0);
                let sent_at = header.sent_at;
                let stored = match &content {
                    Content::Text(text) => Some(NewMessage {
                        msg_id,
                        item_id: None,
                        conversation: conversation.clone(),
                        author: session.party_id.clone(),
                        from_me: true,
                        kind: MessageKind::Text,
                        body: Some(text.body.clone()),
                        sent_at,
                        state: MessageState::Queued,
                        signed: true,
                        reply_to: text.reply_to.map(|r| MsgId(r.0)),
                        expires_at,
                    }),
                    _ => None,
                };
                let data = connectors::seal_for(tx, &session, &conversation, header, content)?;
                if let Some(message) = &stored {
                    insert(tx, message)?;
                }
                outbox::enqueue(
                    tx,
                    &Delivery {
                        connector_id: conversation.clone(),
                        data,
                        expires_at,
                        msg_id: stored.as_ref().map(|m| m.msg_id),
                    },
                )?;
                Ok((
                    msg_id,
                    conversation,
                    stored.is_some() && expires_at.is_some(),
                ))
            })
            .await?;
        self.emit(Event::MessageArrived {
            conversation,
            msg_id,
        });
        if expiring {
            self.inner.expiry_wake.notify_one();
        }
        self.inner.outbox_wake.notify_one();
        Ok(msg_id)
    }

    /// Sends a text (a reply when `reply_to` names a message). It shows at
    /// once as queued and goes out through the outbox, and follows the
    /// conversation's disappearing-message timer.
    pub async fn send_text(
        &self,
        conversation: &str,
        body: &str,
        reply_to: Option<MsgId>,
    ) -> Result<MsgId> {
        self.send_text_expiring(conversation, body, reply_to, None)
            .await
    }

    /// Sends a text like `send_text`; with `expires_in`, this one message
    /// disappears after that long, whatever the conversation's timer is
    /// (which stays as it was).
    pub async fn send_text_expiring(
        &self,
        conversation: &str,
        body: &str,
        reply_to: Option<MsgId>,
        expires_in: Option<std::time::Duration>,
    ) -> Result<MsgId> {
        if body.trim().is_empty() {
            return Err(Error::Invalid("an empty message is not sent".into()));
        }
        let expires_at = match expires_in {
            None => None,
            Some(after) => Some(
                time::Duration::try_from(after)
                    .ok()
                    .and_then(|after| OffsetDateTime::now_utc().checked_add(after))
                    .ok_or_else(|| Error::Invalid("the expiry is too far away".into()))?,
            ),
        };
        let text = Text {
            body: body.to_owned(),
            reply_to: reply_to.map(|r| ProtoMsgId(r.0)),
        };
        self.send_content(conversation, Content::Text(text), expires_at)
            .await
    }

    /// Edits one of this party's own texts, for everyone.
    pub async fn edit_message(&self, msg_id: MsgId, body: &str) -> Result<()> {
        let message = self.own_message(msg_id).await?;
        let edit = Edit {
            msg_id: ProtoMsgId(msg_id.0),
            body: body.to_owned(),
        };
        self.send_content(&message.conversation, Content::Edit(edit), None)
            .await?;
        let (author, body) = (message.author.clone(), body.to_owned());
        self.inner
            .cache
            .transaction(move |tx| edit_message_row(tx, msg_id, &author, &body))
            .await?;
        self.emit(Event::MessageChanged {
            conversation: message.conversation,
            msg_id,
        });
        Ok(())
    }

    /// Deletes one of this party's own messages for everyone: peers keep a
    /// "deleted" mark, and the server drops the item.
    pub async fn delete_message(&self, msg_id: MsgId) -> Result<()> {
        let message = self.own_message(msg_id).await?;
        let delete = Delete {
            msg_id: ProtoMsgId(msg_id.0),
        };
        self.send_content(&message.conversation, Content::Delete(delete), None)
            .await?;
        let author = message.author.clone();
        let item_id = self
            .inner
            .cache
            .transaction(move |tx| {
                tombstone(tx, msg_id, &author)?;
                Ok(tx.query_row(
                    "SELECT item_id FROM messages WHERE msg_id = ?1",
                    [msg_id.0.as_slice()],
                    |r| r.get::<_, Option<String>>(0),
                )?)
            })
            .await?;
        self.emit(Event::MessageChanged {
            conversation: message.conversation,
            msg_id,
        });
        if let Some(item_id) = item_id
            && let Err(e) = self.inner.transport.call(&ItemsDelete { item_id }).await
        {
            tracing::info!(error = %e, "the server keeps the deleted item until it expires");
        }
        Ok(())
    }

    async fn own_message(&self, msg_id: MsgId) -> Result<Message> {
        let message = self.message(msg_id).await?;
        if !message.from_me || message.deleted || message.kind != MessageKind::Text {
            return Err(Error::Invalid(
                "only own, undeleted texts can be changed".into(),
            ));
        }
        Ok(message)
    }

    /// A page of a conversation's messages, oldest first, at most `limit` (1 to 1000).
    pub async fn messages(
        &self,
        conversation: &str,
        anchor: Anchor,
        limit: usize,
    ) -> Result<MessagePage> {
        let conversation = conversation.to_owned();
        self.inner
            .cache
            .run(move |c| page(c, &conversation, anchor, limit))
            .await
    }

    /// One message by its id.
    pub async fn message(&self, msg_id: MsgId) -> Result<Message> {
        self.inner
            .cache
            .run(move |c| by_id(c, msg_id)?.ok_or(Error::NotFound("message")))
            .await
    }

    /// Marks every message of a conversation as read (its unread count drops to 0).
    pub async fn mark_read(&self, conversation: &str) -> Result<()> {
        let conversation = conversation.to_owned();
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "UPDATE messages SET unread = 0 WHERE conversation = ?1 AND unread = 1",
                    [conversation],
                )?;
                Ok(())
            })
            .await
    }

    /// Marks a conversation's messages read up to and including `up_to`;
    /// newer ones stay unread.
    pub async fn mark_read_up_to(&self, conversation: &str, up_to: MsgId) -> Result<()> {
        let conversation = conversation.to_owned();
        self.inner
            .cache
            .run(move |c| read_up_to(c, &conversation, up_to))
            .await
    }
}

fn read_up_to(c: &rusqlite::Connection, conversation: &str, up_to: MsgId) -> Result<()> {
    let (sent_at, id): (i64, i64) = c
        .query_row(
            "SELECT sent_at, id FROM messages WHERE msg_id = ?1 AND conversation = ?2",
            params![up_to.0.as_slice(), conversation],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(Error::NotFound("message"))?;
    c.execute(
        "UPDATE messages SET unread = 0
         WHERE conversation = ?1 AND unread = 1 AND (sent_at, id) <= (?2, ?3)",
        params![conversation, sent_at, id],
    )?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cache::{Cache, now_ms};

    /// Stores a bare accepted p2p connector, the parent every message needs.
    pub(crate) fn connector(tx: &Transaction<'_>, id: &str) {
        tx.execute(
            "INSERT INTO connectors (id, kind, state, role, peer_party_id, block, created_at, updated_at)
             VALUES (?1, 'p2p', 'accepted', 'originator', 'peer', '{}', ?2, ?2)",
            params![id, now_ms()],
        )
        .unwrap();
    }

    pub(crate) fn text(conversation: &str, n: i64, from_me: bool) -> NewMessage {
        NewMessage {
            msg_id: MsgId::random(),
            item_id: None,
            conversation: conversation.into(),
            author: if from_me { "me" } else { "peer" }.into(),
            from_me,
            kind: MessageKind::Text,
            body: Some(format!("message {n}")),
            sent_at: from_ms(1_700_000_000_000 + n * 1000),
            state: MessageState::Sent,
            signed: true,
            reply_to: None,
            expires_at: None,
        }
    }

    async fn conversation_of(count: i64) -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db")).unwrap();
        cache
            .transaction(move |tx| {
                connector(tx, "c1");
                connector(tx, "c2");
                for n in 0..count {
                    insert(tx, &text("c1", n, n % 3 == 0))?;
                    insert(tx, &text("c2", n, false))?;
                }
                Ok(())
            })
            .await
            .unwrap();
        (dir, cache)
    }

    fn unread_bodies(c: &rusqlite::Connection, conversation: &str) -> Vec<String> {
        let mut stmt = c
            .prepare("SELECT body FROM messages WHERE conversation = ?1 AND unread = 1 ORDER BY sent_at, id")
            .unwrap();
        stmt.query_map([conversation], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    }

    #[tokio::test]
    async fn reading_up_to_a_message_leaves_the_newer_ones_unread() {
        let (_dir, cache) = conversation_of(6).await;
        let unread = cache.run(|c| Ok(unread_bodies(c, "c1"))).await.unwrap();
        assert_eq!(unread, ["message 1", "message 2", "message 4", "message 5"]);
        let page = cache
            .run(|c| page(c, "c1", Anchor::Latest, 10))
            .await
            .unwrap();
        let third = page.messages[2].msg_id;
        cache
            .run(move |c| read_up_to(c, "c1", third))
            .await
            .unwrap();
        let unread = cache.run(|c| Ok(unread_bodies(c, "c1"))).await.unwrap();
        assert_eq!(unread, ["message 4", "message 5"]);
        assert_eq!(
            cache
                .run(|c| Ok(unread_bodies(c, "c2")))
                .await
                .unwrap()
                .len(),
            6
        );
    }

    fn bodies(page: &MessagePage) -> Vec<String> {
        page.messages
            .iter()
            .filter_map(|m| m.body.clone())
            .collect()
    }

    #[tokio::test]
    async fn the_latest_page_shows_the_newest_messages_oldest_first() {
        let (_dir, cache) = conversation_of(10).await;
        let page = cache
            .run(|c| page(c, "c1", Anchor::Latest, 3))
            .await
            .unwrap();
        assert_eq!(bodies(&page), ["message 7", "message 8", "message 9"]);
        assert!(page.has_older);
        assert!(!page.has_newer);
    }

    #[tokio::test]
    async fn paging_back_and_forth_visits_every_message_once_in_order() {
        let (_dir, cache) = conversation_of(25).await;
        let mut seen = Vec::new();
        let mut anchor = Anchor::Latest;
        loop {
            let p = cache.run(move |c| page(c, "c1", anchor, 4)).await.unwrap();
            let mut b = bodies(&p);
            b.extend(seen);
            seen = b;
            match p.messages.first() {
                Some(first) if p.has_older => anchor = Anchor::Before(first.key),
                _ => break,
            }
        }
        let expected: Vec<String> = (0..25).map(|n| format!("message {n}")).collect();
        assert_eq!(seen, expected);

        let first = cache
            .run(|c| {
                page(
                    c,
                    "c1",
                    Anchor::After(PageKey {
                        sent_at_ms: 0,
                        id: 0,
                    }),
                    5,
                )
            })
            .await
            .unwrap();
        assert_eq!(
            bodies(&first).first().map(String::as_str),
            Some("message 0")
        );
        assert!(first.has_newer);
        assert!(!first.has_older);
    }

    #[tokio::test]
    async fn a_page_around_a_message_contains_it_and_its_neighbours() {
        let (_dir, cache) = conversation_of(50).await;
        let target = cache
            .run(|c| page(c, "c1", Anchor::Latest, 1000))
            .await
            .unwrap()
            .messages[20]
            .msg_id;
        let p = cache
            .run(move |c| page(c, "c1", Anchor::Around(target), 6))
            .await
            .unwrap();
        assert_eq!(
            bodies(&p),
            [
                "message 17",
                "message 18",
                "message 19",
                "message 20",
                "message 21",
                "message 22"
            ]
        );
        assert!(p.has_older && p.has_newer);
    }

    #[tokio::test]
    async fn paging_a_long_conversation_uses_the_keyset_index() {
        let (_dir, cache) = conversation_of(1).await;
        let plan: Vec<String> = cache
            .run(|c| {
                let mut stmt = c.prepare(
                    "EXPLAIN QUERY PLAN SELECT id FROM messages WHERE conversation = 'c1'
                     AND (sent_at, id) < (1, 1) ORDER BY sent_at DESC, id DESC LIMIT 50",
                )?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("messages_by_conversation"), "{plan}");
        assert!(
            !plan.contains("TEMP B-TREE"),
            "sorting instead of walking the index: {plan}"
        );
    }

    #[tokio::test]
    async fn a_second_block_with_a_known_msg_id_is_not_stored_again() {
        let (_dir, cache) = conversation_of(0).await;
        let m = text("c1", 1, false);
        let again = NewMessage {
            body: Some("replayed".into()),
            ..m.clone()
        };
        let (first, second) = cache
            .transaction(move |tx| Ok((insert(tx, &m)?, insert(tx, &again)?)))
            .await
            .unwrap();
        assert!(first);
        assert!(!second);
        let p = cache
            .run(|c| page(c, "c1", Anchor::Latest, 10))
            .await
            .unwrap();
        assert_eq!(bodies(&p), ["message 1"]);
    }
}
