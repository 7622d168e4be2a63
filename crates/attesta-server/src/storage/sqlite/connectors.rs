//! Connectors and members in SQLite. Every operation loads the connector as
//! the caller is in it ([`Membership`]) first: a caller who is not a member
//! gets `not_found` before anything else is looked at.

use attesta_proto::api::{Connector, ConnectorKind, Member, MemberState, Peer, Role};
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use super::{Sqlite, Tx, from_json, kind_text, record_change};
use crate::credentials::new_id;
use crate::storage::Change;
use crate::storage::{Committed, ConnectorStore};
use crate::{Error, Result};

pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/0002_connectors.sql"),
    include_str!("../../../migrations/0003_delivery_minutes.sql"),
];

/// Unix milliseconds, the unit of every time in the connector tables.
pub(super) fn millis(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

pub(super) fn from_millis(ms: i64) -> Result<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|e| Error::Internal(format!("stored time out of range: {e}")))
}

fn role_text(role: Role) -> &'static str {
    match role {
        Role::Originator => "originator",
        Role::Recipient => "recipient",
        Role::Owner => "owner",
        Role::Member => "member",
    }
}

/// The stored state. `blocked` is a flag beside it: the table refuses it as a state.
fn state_text(state: MemberState) -> &'static str {
    match state {
        MemberState::Blocked => "blocked",
        MemberState::Waiting => "waiting",
        MemberState::Accepted => "accepted",
        MemberState::Left => "left",
        MemberState::Removed => "removed",
    }
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|e| Error::Internal(format!("stored value {text:?} unreadable: {e}")))
}

/// One member as stored.
#[derive(Debug, Clone)]
pub(super) struct MemberRow {
    pub party_id: String,
    pub role: Role,
    pub state: MemberState,
    pub blocked: bool,
    accepted_at: Option<i64>,
    own_updated_at: i64,
    created_at: i64,
}

impl MemberRow {
    /// Still in the connector: waiting or accepted (blocked or not).
    fn is_in(&self) -> bool {
        matches!(self.state, MemberState::Waiting | MemberState::Accepted)
    }
}

/// A connector with all its members, loaded for one of them (`me`).
#[derive(Debug)]
pub(super) struct Membership {
    pub id: String,
    pub kind: ConnectorKind,
    created_at: i64,
    updated_at: i64,
    pub members: Vec<MemberRow>,
    pub me: MemberRow,
}

impl Membership {
    /// The connector as `party_id` is in it; `None` when it does not exist or
    /// the party is not (and never was) a member.
    pub fn load(conn: &Connection, id: &str, party_id: &str) -> Result<Option<Membership>> {
        let Some((kind, created_at, updated_at)) = conn
            .prepare_cached("SELECT kind, created_at, updated_at FROM connectors WHERE id = ?1")?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .optional()?
        else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(
            "SELECT party_id, role, state, blocked, accepted_at, own_updated_at, created_at
             FROM members WHERE connector_id = ?1 ORDER BY created_at, party_id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, i64>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut members = Vec::new();
        for row in rows {
            let (party_id, role, state, blocked, accepted_at, own_updated_at, created_at) = row?;
            members.push(MemberRow {
                party_id,
                role: parse(&role)?,
                state: parse(&state)?,
                blocked,
                accepted_at,
                own_updated_at,
                created_at,
            });
        }
        let Some(me) = members.iter().find(|m| m.party_id == party_id).cloned() else {
            return Ok(None);
        };
        Ok(Some(Membership {
            id: id.to_owned(),
            kind: parse(&kind)?,
            created_at,
            updated_at,
            members,
            me,
        }))
    }

    /// As [`Membership::load`], with `not_found` for a connector the caller is not in.
    pub fn of_caller(conn: &Connection, id: &str, caller: &str) -> Result<Membership> {
        Membership::load(conn, id, caller)?.ok_or_else(|| Error::not_found("no such connector"))
    }

    /// The parties whose view of the connector changes when its membership
    /// does: everyone still in it (a member who just left or was removed is
    /// added by the caller).
    fn audience(&self) -> Vec<String> {
        self.members
            .iter()
            .filter(|m| m.is_in())
            .map(|m| m.party_id.clone())
            .collect()
    }

    fn other_members(&self) -> impl Iterator<Item = &MemberRow> {
        self.members
            .iter()
            .filter(|m| m.party_id != self.me.party_id)
    }

    /// The connector block as `me` sees it: its own block is visible to it
    /// alone, and the others' blocks never.
    pub fn view(&self, conn: &Connection) -> Result<Connector> {
        let seen_state = |m: &MemberRow| {
            if m.blocked && m.party_id == self.me.party_id {
                MemberState::Blocked
            } else {
                m.state
            }
        };
        let (peer, members) = match self.kind {
            ConnectorKind::P2p => {
                let other = self.other_members().next().ok_or_else(|| {
                    Error::Internal(format!("p2p connector {} has one member", self.id))
                })?;
                let public_keys = public_keys(conn, &other.party_id)?;
                (
                    Some(Peer {
                        party_id: other.party_id.clone(),
                        public_keys,
                    }),
                    None,
                )
            }
            ConnectorKind::Group => {
                let mut members = Vec::with_capacity(self.members.len());
                for m in &self.members {
                    members.push(Member {
                        party_id: m.party_id.clone(),
                        public_keys: public_keys(conn, &m.party_id)?,
                        role: m.role,
                        state: seen_state(m),
                    });
                }
                (None, Some(members))
            }
        };
        Ok(Connector {
            id: self.id.clone(),
            kind: self.kind,
            state: seen_state(&self.me),
            role: self.me.role,
            peer,
            members,
            created_at: from_millis(self.created_at)?,
            updated_at: from_millis(self.updated_at.max(self.me.own_updated_at))?,
        })
    }
}

fn public_keys(conn: &Connection, party_id: &str) -> Result<PublicKeys> {
    let text: String = conn.query_row(
        "SELECT public_keys FROM parties WHERE id = ?1",
        [party_id],
        |r| r.get(0),
    )?;
    from_json(&text)
}

/// Records a `connector` change for everyone who shares a connector with a
/// party whose keys just changed: every connector block showing them did.
pub(super) fn tell_peers_of(tx: &Tx<'_>, party_id: &str) -> Result<Vec<String>> {
    let shown = tx
        .prepare(
            "SELECT DISTINCT other.party_id, other.connector_id
             FROM members own JOIN members other ON other.connector_id = own.connector_id
             WHERE own.party_id = ?1 AND other.state IN ('waiting', 'accepted')",
        )?
        .query_map([party_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut told = Vec::new();
    for (party, connector) in shown {
        record_change(tx, &party, &Change::Connector(connector))?;
        if !told.contains(&party) {
            told.push(party);
        }
    }
    Ok(told)
}

/// Records a change for each party and returns them, to be notified after commit.
pub(super) fn tell(tx: &Tx<'_>, parties: Vec<String>, change: &Change) -> Result<Vec<String>> {
    for party in &parties {
        record_change(tx, party, change)?;
    }
    Ok(parties)
}

fn touch(tx: &Tx<'_>, id: &str, now: i64) -> Result<()> {
    tx.execute(
        "UPDATE connectors SET updated_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

fn insert_member(
    tx: &Tx<'_>,
    connector_id: &str,
    party_id: &str,
    role: Role,
    state: MemberState,
    now: i64,
) -> Result<()> {
    let accepted_at = (state == MemberState::Accepted).then_some(now);
    tx.execute(
        "INSERT INTO members (connector_id, party_id, role, state, blocked, accepted_at, own_updated_at, created_at)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?6)",
        params![connector_id, party_id, role_text(role), state_text(state), accepted_at, now],
    )?;
    Ok(())
}

/// Sets a member's state; leaving the connector also ends its block, which
/// only means something while one is in. Acceptance times are kept strictly
/// increasing within a connector, so two members accepting in the same
/// millisecond still have a longest-standing one for an ownership hand-over.
fn set_state(
    tx: &Tx<'_>,
    connector_id: &str,
    party_id: &str,
    state: MemberState,
    now: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE members SET state = ?3,
             accepted_at = CASE WHEN ?3 = 'accepted' THEN max(?4, coalesce(
                 (SELECT max(accepted_at) + 1 FROM members WHERE connector_id = ?1), ?4))
                 ELSE accepted_at END,
             blocked = CASE WHEN ?3 IN ('left', 'removed') THEN 0 ELSE blocked END
         WHERE connector_id = ?1 AND party_id = ?2",
        params![connector_id, party_id, state_text(state), now],
    )?;
    Ok(())
}

fn set_blocked(
    tx: &Tx<'_>,
    connector_id: &str,
    party_id: &str,
    blocked: bool,
    now: i64,
) -> Result<()> {
    tx.execute(
        "UPDATE members SET blocked = ?3, own_updated_at = ?4 WHERE connector_id = ?1 AND party_id = ?2",
        params![connector_id, party_id, blocked, now],
    )?;
    Ok(())
}

/// The party holding a confirmed token searchable, if any.
fn searchable_holder(conn: &Connection, kind: TokenKind, token: &Token) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT party_id FROM tokens
             WHERE token = ?1 AND kind = ?2 AND searchable = 1 AND confirmed = 1",
            params![&token.as_bytes()[..], kind_text(kind)],
            |r| r.get(0),
        )
        .optional()?)
}

fn group_of_caller(conn: &Connection, id: &str, caller: &str) -> Result<Membership> {
    let m = Membership::of_caller(conn, id, caller)?;
    if m.kind != ConnectorKind::Group {
        return Err(Error::bad_request("not a group connector"));
    }
    Ok(m)
}

fn owner_of(conn: &Connection, id: &str, caller: &str) -> Result<Membership> {
    let m = group_of_caller(conn, id, caller)?;
    if m.me.role != Role::Owner {
        return Err(Error::Forbidden(
            "only the group's owner may do this".to_owned(),
        ));
    }
    Ok(m)
}

impl ConnectorStore for Sqlite {
    fn connectors_request(
        &self,
        caller: &str,
        kind: TokenKind,
        token: &Token,
        now: OffsetDateTime,
    ) -> Result<Option<Committed<Connector>>> {
        let now = millis(now);
        self.write(|tx| {
            let Some(target) = searchable_holder(tx, kind, token)? else {
                return Ok(None);
            };
            if target == caller {
                return Err(Error::bad_request(
                    "one cannot request a connector to oneself",
                ));
            }
            let (low, high) = if caller < target.as_str() {
                (caller, target.as_str())
            } else {
                (target.as_str(), caller)
            };
            let existing: Option<String> = tx
                .query_row(
                    "SELECT id FROM connectors WHERE pair_low = ?1 AND pair_high = ?2",
                    params![low, high],
                    |r| r.get(0),
                )
                .optional()?;
            let Some(id) = existing else {
                let id = new_id();
                tx.execute(
                    "INSERT INTO connectors (id, kind, pair_low, pair_high, created_at, updated_at)
                     VALUES (?1, 'p2p', ?2, ?3, ?4, ?4)",
                    params![id, low, high, now],
                )?;
                insert_member(tx, &id, caller, Role::Originator, MemberState::Waiting, now)?;
                insert_member(tx, &id, &target, Role::Recipient, MemberState::Waiting, now)?;
                let notify = tell(
                    tx,
                    vec![caller.to_owned(), target],
                    &Change::Connector(id.clone()),
                )?;
                let value = Membership::of_caller(tx, &id, caller)?.view(tx)?;
                return Ok(Some(Committed { value, notify }));
            };
            let m = Membership::of_caller(tx, &id, caller)?;
            // The other party asked first: asking back is saying yes. A
            // recipient who blocked it keeps it blocked.
            if m.me.role == Role::Recipient && m.me.state == MemberState::Waiting && !m.me.blocked {
                let notify = accept_p2p(tx, &m, now)?;
                let value = Membership::of_caller(tx, &id, caller)?.view(tx)?;
                return Ok(Some(Committed { value, notify }));
            }
            Ok(Some(Committed::unchanged(m.view(tx)?)))
        })
    }

    fn connectors_accept(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        let now = millis(now);
        self.write(|tx| {
            let m = Membership::of_caller(tx, connector_id, caller)?;
            let notify = match (m.me.state, m.me.role) {
                (MemberState::Accepted, _) if m.me.blocked => {
                    set_blocked(tx, connector_id, caller, false, now)?;
                    tell(
                        tx,
                        vec![caller.to_owned()],
                        &Change::Connector(m.id.clone()),
                    )?
                }
                (MemberState::Accepted, _) => Vec::new(),
                (MemberState::Waiting, Role::Recipient) => accept_p2p(tx, &m, now)?,
                (MemberState::Waiting, Role::Member) => {
                    set_state(tx, connector_id, caller, MemberState::Accepted, now)?;
                    set_blocked(tx, connector_id, caller, false, now)?;
                    touch(tx, connector_id, now)?;
                    tell(tx, m.audience(), &Change::Connector(m.id.clone()))?
                }
                (MemberState::Waiting, _) => {
                    return Err(Error::Forbidden(
                        "only the party asked may accept".to_owned(),
                    ));
                }
                _ => {
                    return Err(Error::Forbidden(
                        "no longer a member of this connector".to_owned(),
                    ));
                }
            };
            Ok(Committed { value: (), notify })
        })
    }

    fn connectors_block(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        self.write(|tx| {
            let m = Membership::of_caller(tx, connector_id, caller)?;
            if !m.me.is_in() {
                return Err(Error::Forbidden(
                    "no longer a member of this connector".to_owned(),
                ));
            }
            if m.me.blocked {
                return Ok(Committed::unchanged(()));
            }
            set_blocked(tx, connector_id, caller, true, millis(now))?;
            let notify = tell(tx, vec![caller.to_owned()], &Change::Connector(m.id))?;
            Ok(Committed { value: (), notify })
        })
    }

    fn connectors_unblock(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        self.write(|tx| {
            let m = Membership::of_caller(tx, connector_id, caller)?;
            if !m.me.blocked {
                return Ok(Committed::unchanged(()));
            }
            set_blocked(tx, connector_id, caller, false, millis(now))?;
            let notify = tell(tx, vec![caller.to_owned()], &Change::Connector(m.id))?;
            Ok(Committed { value: (), notify })
        })
    }

    fn connectors_list(&self, caller: &str) -> Result<Vec<Connector>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT m.connector_id FROM members m JOIN connectors c ON c.id = m.connector_id
                 WHERE m.party_id = ?1 ORDER BY c.created_at, c.id",
            )?;
            let ids = stmt
                .query_map([caller], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            let mut connectors = Vec::with_capacity(ids.len());
            for id in ids {
                connectors.push(Membership::of_caller(conn, &id, caller)?.view(conn)?);
            }
            Ok(connectors)
        })
    }

    fn public_keys(&self, party_id: &str) -> Result<PublicKeys> {
        self.read(|conn| public_keys(conn, party_id))
    }

    fn group_create(&self, caller: &str, now: OffsetDateTime) -> Result<Committed<Connector>> {
        let now = millis(now);
        self.write(|tx| {
            let id = new_id();
            tx.execute(
                "INSERT INTO connectors (id, kind, created_at, updated_at) VALUES (?1, 'group', ?2, ?2)",
                params![id, now],
            )?;
            insert_member(tx, &id, caller, Role::Owner, MemberState::Accepted, now)?;
            let notify = tell(tx, vec![caller.to_owned()], &Change::Connector(id.clone()))?;
            let value = Membership::of_caller(tx, &id, caller)?.view(tx)?;
            Ok(Committed { value, notify })
        })
    }

    fn group_invite(
        &self,
        caller: &str,
        connector_id: &str,
        party_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        let now = millis(now);
        self.write(|tx| {
            let m = owner_of(tx, connector_id, caller)?;
            if party_id == caller {
                return Err(Error::bad_request("the owner is already in the group"));
            }
            // Only parties the owner is connected with: the invitation itself
            // travels over that p2p connector.
            let (low, high) = if caller < party_id { (caller, party_id) } else { (party_id, caller) };
            let connected: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM connectors c JOIN members m ON m.connector_id = c.id
                     WHERE c.pair_low = ?1 AND c.pair_high = ?2 AND m.party_id = ?3 AND m.state = 'accepted')",
                params![low, high, caller],
                |r| r.get(0),
            )?;
            if !connected {
                return Err(Error::not_found("no accepted connector with that party"));
            }
            match m.members.iter().find(|x| x.party_id == party_id) {
                Some(invitee) if invitee.is_in() => return Ok(Committed::unchanged(())),
                Some(_) => set_state(tx, connector_id, party_id, MemberState::Waiting, now)?,
                None => insert_member(tx, connector_id, party_id, Role::Member, MemberState::Waiting, now)?,
            }
            touch(tx, connector_id, now)?;
            let mut audience = m.audience();
            audience.push(party_id.to_owned());
            let notify = tell(tx, audience, &Change::Connector(m.id))?;
            Ok(Committed { value: (), notify })
        })
    }

    fn group_leave(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        let now = millis(now);
        self.write(|tx| {
            let m = group_of_caller(tx, connector_id, caller)?;
            if !m.me.is_in() {
                return Ok(Committed::unchanged(()));
            }
            set_state(tx, connector_id, caller, MemberState::Left, now)?;
            if m.me.role == Role::Owner {
                tx.execute(
                    "UPDATE members SET role = 'member' WHERE connector_id = ?1 AND party_id = ?2",
                    params![connector_id, caller],
                )?;
                let heir = m
                    .other_members()
                    .filter(|x| x.state == MemberState::Accepted)
                    .min_by_key(|x| (x.accepted_at, x.created_at, x.party_id.clone()));
                if let Some(heir) = heir {
                    tx.execute(
                        "UPDATE members SET role = 'owner' WHERE connector_id = ?1 AND party_id = ?2",
                        params![connector_id, heir.party_id],
                    )?;
                }
            }
            touch(tx, connector_id, now)?;
            let notify = tell(tx, m.audience(), &Change::Connector(m.id))?;
            Ok(Committed { value: (), notify })
        })
    }

    fn group_remove(
        &self,
        caller: &str,
        connector_id: &str,
        party_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        let now = millis(now);
        self.write(|tx| {
            let m = owner_of(tx, connector_id, caller)?;
            if party_id == caller {
                return Err(Error::bad_request("the owner leaves with group_leave"));
            }
            let Some(target) = m.members.iter().find(|x| x.party_id == party_id) else {
                return Err(Error::not_found("no such member"));
            };
            if !target.is_in() {
                return Ok(Committed::unchanged(()));
            }
            set_state(tx, connector_id, party_id, MemberState::Removed, now)?;
            touch(tx, connector_id, now)?;
            let notify = tell(tx, m.audience(), &Change::Connector(m.id))?;
            Ok(Committed { value: (), notify })
        })
    }
}

/// The recipient says yes: a p2p connector's one state becomes accepted for
/// both, and a block the recipient had on it ends.
fn accept_p2p(tx: &Tx<'_>, m: &Membership, now: i64) -> Result<Vec<String>> {
    tx.execute(
        "UPDATE members SET state = 'accepted', accepted_at = ?2 WHERE connector_id = ?1",
        params![m.id, now],
    )?;
    if m.me.blocked {
        set_blocked(tx, &m.id, &m.me.party_id, false, now)?;
    }
    touch(tx, &m.id, now)?;
    tell(tx, m.audience(), &Change::Connector(m.id.clone()))
}
