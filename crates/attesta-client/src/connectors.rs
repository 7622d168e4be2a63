//! Connectors: requesting one by nick, e-mail or phone with a HELLO, the
//! invitations waiting for review, and accept / block / unblock. "Leave
//! waiting" needs no call: an invitation not acted on stays in the list.

use attesta_proto::api::Item;
use attesta_proto::api::{
    Connector, ConnectorKind, ConnectorsAccept, ConnectorsBlock, ConnectorsRequest,
    ConnectorsRequestResponse, ConnectorsUnblock, MemberState, PartiesLookup,
    PartiesLookupResponse, Role, SearchToken,
};
use attesta_proto::blocks::{self, Content, Header, Hello, Party, Payload, Profile, Sealer};
use attesta_proto::safety::SafetyNumber;
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::Client;
use crate::account::Session;
use crate::cache::{from_ms, now_ms, to_ms};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::MsgId;
use crate::messages::{self, MessageKind, MessageState, NewMessage};
use crate::outbox::{self, Delivery};
use crate::trust::{self, NickCheck};

/// Who to connect with, as the user typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Nick(String),
    Email(String),
    Phone {
        number: String,
        region: Option<String>,
    },
}

impl Address {
    /// The token searched for and the normalized value (what the dialog
    /// shows as "will be searched").
    pub fn token(&self) -> Result<(TokenKind, Token, String)> {
        let (kind, value, region) = match self {
            Address::Nick(n) => (TokenKind::Nick, n, None),
            Address::Email(e) => (TokenKind::Email, e, None),
            Address::Phone { number, region } => (TokenKind::Phone, number, region.as_deref()),
        };
        let (token, normalized) = Token::compute(kind, value, region)?;
        Ok((kind, token, normalized))
    }
}

/// The largest picture a HELLO carries (a HELLO must fit
/// `MAX_HELLO_BYTES`, keys and signature included); larger ones are refused
/// when sent and dropped when received.
pub const MAX_AVATAR_BYTES: usize = 8 * 1024;

/// What a HELLO carries besides the searched value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HelloDraft {
    /// The invitation message.
    pub message: String,
    pub display_name: String,
    /// The nick to present (the recipient checks it with `parties_lookup`).
    pub nick: Option<String>,
}

/// What a connection request came to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum RequestOutcome {
    /// Requested (the HELLO is queued), or opened at once when the other
    /// side had requested too.
    Requested {
        connector_id: String,
        state: MemberState,
    },
    /// Nobody can be found by that value (said without revealing more).
    NotFound,
}

/// A connector as this party sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorInfo {
    pub id: String,
    pub kind: ConnectorKind,
    pub state: MemberState,
    pub role: Role,
    pub peer_party_id: Option<String>,
    /// A group's name; a peer's display name for p2p when it told one.
    pub title: Option<String>,
    /// The nick the peer presented in its HELLO or acceptance (not checked).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer_nick: Option<String>,
    /// Seconds a message sent here lives (disappearing messages); `None`: for ever.
    pub expire_seconds: Option<i64>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A waiting HELLO, with what the review dialog shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    /// The connector to accept or block (for a group: the group).
    pub connector_id: String,
    pub kind: ConnectorKind,
    pub from_party_id: Option<String>,
    pub display_name: Option<String>,
    /// The nick as presented by the sender (not trusted: see `nick_check`).
    pub nick: Option<String>,
    /// The picture the sender shared: image bytes as sent, at most
    /// [`MAX_AVATAR_BYTES`]; the UI decides whether it is an image it shows.
    #[serde(skip)]
    pub avatar: Option<Vec<u8>>,
    pub message: Option<String>,
    /// The value the sender searched with.
    pub searched: Option<String>,
    pub group_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub received_at: Option<OffsetDateTime>,
    /// The HELLO verified with the sender's keys; `false`: "could not be
    /// verified" (or no HELLO came yet).
    pub signed: bool,
    pub nick_check: NickCheck,
    /// The 60-digit safety number with the sender, when its keys are known.
    pub safety_number: Option<String>,
}

fn kind_str(kind: ConnectorKind) -> &'static str {
    match kind {
        ConnectorKind::P2p => "p2p",
        ConnectorKind::Group => "group",
    }
}

fn state_str(state: MemberState) -> &'static str {
    match state {
        MemberState::Waiting => "waiting",
        MemberState::Accepted => "accepted",
        MemberState::Blocked => "blocked",
        MemberState::Left => "left",
        MemberState::Removed => "removed",
    }
}

fn role_str(role: Role) -> &'static str {
    match role {
        Role::Originator => "originator",
        Role::Recipient => "recipient",
        Role::Owner => "owner",
        Role::Member => "member",
    }
}

fn parse_state(text: &str) -> MemberState {
    match text {
        "accepted" => MemberState::Accepted,
        "blocked" => MemberState::Blocked,
        "left" => MemberState::Left,
        "removed" => MemberState::Removed,
        _ => MemberState::Waiting,
    }
}

fn parse_role(text: &str) -> Role {
    match text {
        "originator" => Role::Originator,
        "recipient" => Role::Recipient,
        "owner" => Role::Owner,
        _ => Role::Member,
    }
}

/// Stores a connector block as synced (or as a call answered it).
pub(crate) fn store(tx: &Transaction<'_>, c: &Connector) -> Result<()> {
    let block = serde_json::to_string(c).map_err(|e| Error::Invalid(e.to_string()))?;
    tx.execute(
        "INSERT INTO connectors (id, kind, state, role, peer_party_id, block, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET state = excluded.state, role = excluded.role,
             peer_party_id = excluded.peer_party_id, block = excluded.block,
             updated_at = excluded.updated_at",
        params![
            c.id,
            kind_str(c.kind),
            state_str(c.state),
            role_str(c.role),
            c.peer.as_ref().map(|p| p.party_id.clone()),
            block,
            to_ms(c.created_at),
            to_ms(c.updated_at),
        ],
    )?;
    Ok(())
}

/// The stored connector block.
pub(crate) fn block(conn: &Connection, id: &str) -> Result<Connector> {
    let json: String = conn
        .query_row("SELECT block FROM connectors WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .ok_or(Error::NotFound("connector"))?;
    serde_json::from_str(&json)
        .map_err(|e| Error::Invalid(format!("a stored connector is damaged: {e}")))
}

pub(crate) fn remember_profile(
    tx: &Transaction<'_>,
    party_id: &str,
    profile: &Profile,
) -> Result<()> {
    tx.execute(
        "INSERT INTO profiles (party_id, display_name, nick, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (party_id) DO UPDATE SET display_name = excluded.display_name,
             nick = excluded.nick, updated_at = excluded.updated_at",
        params![party_id, profile.display_name, profile.nick, now_ms()],
    )?;
    Ok(())
}

/// Takes in a HELLO: a request to connect (shown as an invitation and as
/// the conversation's first message) or a group invitation (its key kept).
#[allow(clippy::too_many_arguments)]
pub(crate) fn receive_hello(
    tx: &Transaction<'_>,
    session: &Session,
    item: &Item,
    payload: &Payload,
    hello: &Hello,
    from_me: bool,
    events: &mut Vec<Event>,
    nick_checks: &mut Vec<(String, String, String)>,
) -> Result<()> {
    if !from_me {
        remember_profile(tx, &payload.author, &hello.profile)?;
    }
    let invited_to = match &hello.group {
        Some(group) => {
            let key = blocks::GroupKey {
                epoch: group.epoch,
                key: group.key.clone(),
            };
            trust::keep_group_key(tx, &group.id, &key)?;
            tx.execute(
                "UPDATE connectors SET name = ?2 WHERE id = ?1",
                params![group.id, group.name],
            )?;
            group.id.clone()
        }
        None => {
            let msg_id = MsgId(payload.msg_id.0);
            let stored = !hello.message.is_empty()
                && messages::insert(
                    tx,
                    &NewMessage {
                        msg_id,
                        item_id: Some(item.id.clone()),
                        conversation: item.connectors_id.clone(),
                        author: payload.author.clone(),
                        from_me,
                        kind: MessageKind::Text,
                        body: Some(hello.message.clone()),
                        sent_at: payload.sent_at,
                        state: MessageState::Sent,
                        signed: true,
                        reply_to: None,
                        expires_at: None,
                    },
                )?;
            if stored {
                events.push(Event::MessageArrived {
                    conversation: item.connectors_id.clone(),
                    msg_id,
                });
            }
            item.connectors_id.clone()
        }
    };
    if from_me || payload.author == session.party_id {
        return Ok(());
    }
    tx.execute(
        "INSERT INTO invitations (connector_id, via_connector_id, from_party_id, item_id, display_name,
             nick, message, searched, group_name, received_at, signed, nick_check, avatar)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, 'not_checked', ?11)
         ON CONFLICT (connector_id) DO UPDATE SET via_connector_id = excluded.via_connector_id,
             from_party_id = excluded.from_party_id, item_id = excluded.item_id,
             display_name = excluded.display_name, nick = excluded.nick, message = excluded.message,
             searched = excluded.searched, group_name = excluded.group_name,
             received_at = excluded.received_at, signed = 1, nick_check = 'not_checked',
             avatar = excluded.avatar",
        params![
            invited_to,
            item.connectors_id,
            payload.author,
            item.id,
            hello.profile.display_name,
            hello.profile.nick,
            hello.message,
            hello.to,
            hello.group.as_ref().map(|g| g.name.clone()),
            to_ms(item.created_at),
            hello
                .profile
                .avatar
                .as_ref()
                .filter(|a| a.len() <= MAX_AVATAR_BYTES),
        ],
    )?;
    match &hello.profile.nick {
        Some(nick) => nick_checks.push((invited_to, nick.clone(), payload.author.clone())),
        None => events.push(Event::InvitationArrived {
            connector_id: invited_to,
        }),
    }
    Ok(())
}

const INFO_COLUMNS: &str = "c.id, c.kind, c.state, c.role, c.peer_party_id,
     coalesce(c.name, p.display_name), c.expire_seconds, c.updated_at, p.nick";

fn read_info(r: &Row<'_>) -> rusqlite::Result<ConnectorInfo> {
    let kind: String = r.get(1)?;
    Ok(ConnectorInfo {
        id: r.get(0)?,
        kind: if kind == "group" {
            ConnectorKind::Group
        } else {
            ConnectorKind::P2p
        },
        state: parse_state(&r.get::<_, String>(2)?),
        role: parse_role(&r.get::<_, String>(3)?),
        peer_party_id: r.get(4)?,
        title: r.get(5)?,
        expire_seconds: r.get(6)?,
        updated_at: from_ms(r.get(7)?),
        peer_nick: r.get(8)?,
    })
}

/// Seals a block for a connector with this party's current keys and queues
/// it; when `message` is given, the message is stored with it (queued).
pub(crate) fn seal_for(
    conn: &Connection,
    session: &Session,
    connector_id: &str,
    header: Header,
    content: Content,
) -> Result<Vec<u8>> {
    let connector = block(conn, connector_id)?;
    let keys = session.keyring.current();
    let mut sealer = Sealer::new(&session.party_id, keys, connector_id);
    match connector.kind {
        ConnectorKind::P2p => {
            let peer = connector
                .peer
                .ok_or(Error::Invalid("a p2p connector without a peer".into()))?;
            let peer_keys =
                trust::pinned_keys(conn, &peer.party_id)?.ok_or(Error::NotFound("peer keys"))?;
            Ok(sealer.p2p(
                Party {
                    party_id: &peer.party_id,
                    keys: &peer_keys,
                },
                header,
                content,
            )?)
        }
        ConnectorKind::Group => {
            let key = crate::groups::current_key(conn, connector_id)?;
            Ok(sealer.group(&key, header, content)?)
        }
    }
}

impl Client {
    /// The party that holds a searchable nick, e-mail or number, without
    /// asking to connect (a group invitation names a contact this way);
    /// `None`: nobody. Rate limited by the server like a request.
    pub async fn find_party(&self, who: &Address) -> Result<Option<String>> {
        let (kind, token, _) = who.token()?;
        let request = PartiesLookup {
            token: SearchToken::of(kind, token),
        };
        Ok(match self.inner.transport.call(&request).await? {
            PartiesLookupResponse::Found(found) => Some(found.party_id),
            PartiesLookupResponse::NotFound(_) => None,
        })
    }

    /// Asks to connect with whoever holds the searchable nick, e-mail or
    /// number, and queues the HELLO. Mutual requests open at once.
    pub async fn request_connector(
        &self,
        to: &Address,
        hello: HelloDraft,
    ) -> Result<RequestOutcome> {
        self.request_connector_showing(to, hello, None).await
    }

    /// [`Client::request_connector`] with the user's picture in the HELLO
    /// (image bytes, at most [`MAX_AVATAR_BYTES`]).
    pub async fn request_connector_showing(
        &self,
        to: &Address,
        hello: HelloDraft,
        avatar: Option<Vec<u8>>,
    ) -> Result<RequestOutcome> {
        if avatar.as_ref().is_some_and(|a| a.len() > MAX_AVATAR_BYTES) {
            return Err(Error::Invalid(format!(
                "The picture is too large to share in an invitation: at most {} KB.",
                MAX_AVATAR_BYTES / 1024
            )));
        }
        let session = self.session()?;
        let (kind, token, searched) = to.token()?;
        let answer = self
            .inner
            .transport
            .call(&ConnectorsRequest {
                token: SearchToken::of(kind, token),
            })
            .await?;
        let connector = match answer {
            ConnectorsRequestResponse::Found(found) => found.connector,
            ConnectorsRequestResponse::NotFound(_) => return Ok(RequestOutcome::NotFound),
        };
        let peer = connector
            .peer
            .clone()
            .ok_or(Error::BadAnswer("a p2p connector without a peer".into()))?;
        let (connector_id, state) = (connector.id.clone(), connector.state);
        let send_hello = state == MemberState::Waiting && connector.role == Role::Originator;
        let events = self
            .inner
            .cache
            .transaction(move |tx| {
                store(tx, &connector)?;
                let mut events: Vec<Event> = trust::pin(tx, &peer.party_id, &peer.public_keys)?
                    .into_iter()
                    .collect();
                events.push(Event::ConnectorChanged {
                    connector_id: connector.id.clone(),
                });
                if !send_hello {
                    return Ok(events);
                }
                let peer_keys =
                    trust::pinned_keys(tx, &peer.party_id)?.ok_or(Error::NotFound("peer keys"))?;
                let header = Header::new(OffsetDateTime::now_utc());
                let msg_id = MsgId(header.msg_id.0);
                let sent_at = header.sent_at;
                let content = Hello {
                    message: hello.message.clone(),
                    profile: Profile {
                        display_name: hello.display_name,
                        nick: hello.nick,
                        avatar,
                    },
                    to: searched,
                    group: None,
                };
                let data = Sealer::new(&session.party_id, session.keyring.current(), &connector.id)
                    .hello(
                        Party {
                            party_id: &peer.party_id,
                            keys: &peer_keys,
                        },
                        header,
                        content,
                    )?;
                if !hello.message.is_empty() {
                    messages::insert(
                        tx,
                        &NewMessage {
                            msg_id,
                            item_id: None,
                            conversation: connector.id.clone(),
                            author: session.party_id.clone(),
                            from_me: true,
                            kind: MessageKind::Text,
                            body: Some(hello.message),
                            sent_at,
                            state: MessageState::Queued,
                            signed: true,
                            reply_to: None,
                            expires_at: None,
                        },
                    )?;
                    events.push(Event::MessageArrived {
                        conversation: connector.id.clone(),
                        msg_id,
                    });
                }
                outbox::enqueue(
                    tx,
                    &Delivery {
                        connector_id: connector.id.clone(),
                        data,
                        expires_at: None,
                        msg_id: Some(msg_id),
                    },
                )?;
                Ok(events)
            })
            .await?;
        for event in events {
            self.emit(event);
        }
        self.inner.outbox_wake.notify_one();
        Ok(RequestOutcome::Requested {
            connector_id,
            state,
        })
    }

    /// Every waiting invitation (p2p requests and group invitations), newest first.
    pub async fn invitations(&self) -> Result<Vec<Invitation>> {
        let session = self.session()?;
        let rows = self
            .inner
            .cache
            .run(|c| {
                let mut stmt = c.prepare(
                    "SELECT c.id, c.kind, coalesce(i.from_party_id, c.peer_party_id), i.display_name, i.nick,
                            i.message, i.searched, coalesce(i.group_name, c.name), i.received_at,
                            coalesce(i.signed, 0), coalesce(i.nick_check, 'not_checked'), i.avatar
                     FROM connectors c LEFT JOIN invitations i ON i.connector_id = c.id
                     WHERE c.state = 'waiting' AND c.role IN ('recipient', 'member')
                     ORDER BY coalesce(i.received_at, c.updated_at) DESC",
                )?;
                let rows = stmt
                    .query_map([], |r| {
                        let kind: String = r.get(1)?;
                        Ok(Invitation {
                            connector_id: r.get(0)?,
                            kind: if kind == "group" { ConnectorKind::Group } else { ConnectorKind::P2p },
                            from_party_id: r.get(2)?,
                            display_name: r.get(3)?,
                            nick: r.get(4)?,
                            avatar: r.get(11)?,
                            message: r.get(5)?,
                            searched: r.get(6)?,
                            group_name: r.get(7)?,
                            received_at: r.get::<_, Option<i64>>(8)?.map(from_ms),
                            signed: r.get(9)?,
                            nick_check: NickCheck::parse(&r.get::<_, String>(10)?),
                            safety_number: None,
                        })
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                let mut with_keys = Vec::new();
                for invitation in rows {
                    let keys = match &invitation.from_party_id {
                        Some(p) => trust::pinned_keys(c, p)?,
                        None => None,
                    };
                    with_keys.push((invitation, keys));
                }
                Ok(with_keys)
            })
            .await?;
        let own = session.keyring.current().public();
        Ok(rows
            .into_iter()
            .map(|(mut invitation, keys)| {
                if let (Some(party), Some(keys)) = (&invitation.from_party_id, keys) {
                    let number = SafetyNumber::of((&session.party_id, own), (party, &keys));
                    invitation.safety_number = Some(number.digits().to_owned());
                }
                invitation
            })
            .collect())
    }

    /// Accepts an invitation (p2p or group), and answers with this party's profile.
    pub async fn accept(&self, connector_id: &str, profile: Option<Profile>) -> Result<()> {
        self.inner
            .transport
            .call(&ConnectorsAccept {
                connectors_id: connector_id.to_owned(),
            })
            .await?;
        self.set_local_state(connector_id, MemberState::Accepted)
            .await?;
        if let Some(profile) = profile {
            self.send_content(connector_id, Content::Profile(profile), None)
                .await?;
        }
        Ok(())
    }

    /// Blocks a connector: the other side is never told, and nothing it
    /// sends reaches this party until unblocked.
    pub async fn block(&self, connector_id: &str) -> Result<()> {
        self.inner
            .transport
            .call(&ConnectorsBlock {
                connectors_id: connector_id.to_owned(),
            })
            .await?;
        self.set_local_state(connector_id, MemberState::Blocked)
            .await
    }

    /// Unblocks a connector (it returns to its state before the block; the
    /// next sync tells which).
    pub async fn unblock(&self, connector_id: &str) -> Result<()> {
        self.inner
            .transport
            .call(&ConnectorsUnblock {
                connectors_id: connector_id.to_owned(),
            })
            .await?;
        self.sync_now().await
    }

    /// Every connector this party has, newest change first.
    pub async fn connectors(&self) -> Result<Vec<ConnectorInfo>> {
        self.inner
            .cache
            .run(|c| {
                let mut stmt = c.prepare(&format!(
                    "SELECT {INFO_COLUMNS} FROM connectors c LEFT JOIN profiles p ON p.party_id = c.peer_party_id
                     ORDER BY c.updated_at DESC"
                ))?;
                Ok(stmt.query_map([], read_info)?.collect::<rusqlite::Result<Vec<_>>>()?)
            })
            .await
    }

    /// One connector.
    pub async fn connector(&self, connector_id: &str) -> Result<ConnectorInfo> {
        let id = connector_id.to_owned();
        self.inner
            .cache
            .run(move |c| {
                c.query_row(
                    &format!(
                        "SELECT {INFO_COLUMNS} FROM connectors c LEFT JOIN profiles p ON p.party_id = c.peer_party_id
                         WHERE c.id = ?1"
                    ),
                    [id],
                    read_info,
                )
                .optional()?
                .ok_or(Error::NotFound("connector"))
            })
            .await
    }

    /// Sets the disappearing-messages timer of a conversation (`None`: off).
    pub async fn set_expiry(&self, connector_id: &str, seconds: Option<i64>) -> Result<()> {
        if seconds.is_some_and(|s| s <= 0) {
            return Err(Error::Invalid(
                "a disappearing-message timer is a positive number of seconds".into(),
            ));
        }
        let id = connector_id.to_owned();
        self.inner
            .cache
            .run(move |c| {
                let n = c.execute(
                    "UPDATE connectors SET expire_seconds = ?2 WHERE id = ?1",
                    params![id, seconds],
                )?;
                if n == 0 {
                    return Err(Error::NotFound("connector"));
                }
                Ok(())
            })
            .await?;
        self.emit(Event::ConnectorChanged {
            connector_id: connector_id.to_owned(),
        });
        Ok(())
    }

    async fn set_local_state(&self, connector_id: &str, state: MemberState) -> Result<()> {
        let id = connector_id.to_owned();
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "UPDATE connectors SET state = ?2 WHERE id = ?1",
                    params![id, state_str(state)],
                )?;
                Ok(())
            })
            .await?;
        self.emit(Event::ConnectorChanged {
            connector_id: connector_id.to_owned(),
        });
        Ok(())
    }
}
