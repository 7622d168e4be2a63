//! The conversation list a UI shows: p2p and group conversations, newest
//! activity first, with unread counts and the last message.

use attesta_proto::api::{ConnectorKind, MemberState};
use rusqlite::{Connection, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::Client;
use crate::cache::from_ms;
use crate::error::Result;
use crate::messages::{self, Message};

/// One entry of the conversation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conversation {
    /// The connector id, which names the conversation everywhere.
    pub id: String,
    pub kind: ConnectorKind,
    /// `waiting` on an outgoing request shows as "waiting for acceptance".
    pub state: MemberState,
    /// The group's name or the peer's display name, when known.
    pub title: Option<String>,
    pub peer_party_id: Option<String>,
    /// Unread messages, counted up to [`UNREAD_COUNT_LIMIT`]: a UI shows
    /// that as "999+", and the list costs the same at a million unread.
    pub unread: u32,
    pub last_message: Option<Message>,
    /// The peer's keys changed and wait for the user's decision.
    pub key_change_pending: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub last_activity: OffsetDateTime,
}

/// Where unread counting stops.
pub const UNREAD_COUNT_LIMIT: u32 = 1000;

impl Client {
    /// Every conversation but invitations still to review and blocked ones,
    /// newest activity first.
    pub async fn conversations(&self) -> Result<Vec<Conversation>> {
        self.inner.cache.run(|c| list(c)).await
    }
}

fn list(c: &Connection) -> Result<Vec<Conversation>> {
    let mut stmt = c.prepare_cached(
        "SELECT c.id, c.kind, c.state, coalesce(c.name, p.display_name), c.peer_party_id,
            (SELECT count(*) FROM (SELECT 1 FROM messages m
                WHERE m.conversation = c.id AND m.unread = 1 LIMIT ?1)),
            (SELECT m.msg_id FROM messages m WHERE m.conversation = c.id
                ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),
            max(c.updated_at, coalesce((SELECT max(m.sent_at) FROM messages m
                WHERE m.conversation = c.id), 0)) AS activity,
            EXISTS (SELECT 1 FROM peer_keys k WHERE k.party_id = c.peer_party_id
                AND k.status = 'pending')
         FROM connectors c LEFT JOIN profiles p ON p.party_id = c.peer_party_id
         WHERE c.state IN ('accepted', 'left', 'removed')
            OR (c.state = 'waiting' AND c.role = 'originator')
         ORDER BY activity DESC",
    )?;
    let rows = stmt
        .query_map(params![UNREAD_COUNT_LIMIT], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, Option<Vec<u8>>>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, bool>(8)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, kind, state, title, peer, unread, last, activity, pending) in rows {
        let last_message = match last.and_then(|m| crate::MsgId::try_from(m).ok()) {
            Some(msg_id) => messages::by_id(c, msg_id)?,
            None => None,
        };
        out.push(Conversation {
            id,
            kind: if kind == "group" {
                ConnectorKind::Group
            } else {
                ConnectorKind::P2p
            },
            state: match state.as_str() {
                "accepted" => MemberState::Accepted,
                "left" => MemberState::Left,
                "removed" => MemberState::Removed,
                _ => MemberState::Waiting,
            },
            title,
            peer_party_id: peer,
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
            last_message,
            key_change_pending: pending,
            last_activity: from_ms(activity),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use crate::messages::insert;
    use crate::messages::tests::{connector, text};

    #[tokio::test]
    async fn unread_counting_stops_at_its_limit_and_small_counts_are_exact() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache.db")).unwrap();
        cache
            .transaction(|tx| {
                connector(tx, "busy");
                connector(tx, "quiet");
                for n in 0..i64::from(UNREAD_COUNT_LIMIT) + 5 {
                    insert(tx, &text("busy", n, false))?;
                }
                for n in 0..3 {
                    insert(tx, &text("quiet", n, false))?;
                }
                Ok(())
            })
            .await
            .unwrap();
        let listed = cache.run(|c| list(c)).await.unwrap();
        let unread = |id: &str| listed.iter().find(|c| c.id == id).unwrap().unread;
        assert_eq!(unread("busy"), UNREAD_COUNT_LIMIT);
        assert_eq!(unread("quiet"), 3);
    }
}
