//! Groups: the owner creates, invites over p2p connectors (the invitation
//! carries the current group key), and starts a new epoch with a fresh key
//! whenever a member leaves or is removed, so a former member cannot read on.

use attesta_proto::api::{
    ConnectorResponse, GroupCreate, GroupInvite, GroupLeave, GroupRemove, MemberState, Role,
};
use attesta_proto::blocks::{GroupInvitation, GroupKey, Header, Hello, Party, Profile, Sealer};
use attesta_proto::keys::{PublicKeys, SymmetricKey};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

use crate::Client;
use crate::account::Session;
use crate::connectors;
use crate::error::{Error, Result};
use crate::events::Event;
use crate::outbox::{self, Delivery};
use crate::trust;

/// The newest group key held for a group.
pub(crate) fn current_key(conn: &Connection, connector_id: &str) -> Result<GroupKey> {
    let (epoch, bytes): (i64, Vec<u8>) = conn
        .query_row(
            "SELECT epoch, key FROM group_keys WHERE connector_id = ?1 ORDER BY epoch DESC LIMIT 1",
            [connector_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(Error::NotFound("group key"))?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| Error::Invalid("a stored group key is damaged".into()))?;
    Ok(GroupKey {
        epoch: u64::try_from(epoch).unwrap_or(0),
        key: SymmetricKey::from_bytes(key),
    })
}

/// A member of a group as this device knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupMember {
    pub party_id: String,
    pub role: Role,
    pub state: MemberState,
    pub display_name: Option<String>,
}

/// Members who are (or are about to be) in the group, with their pinned keys, but not `me`.
fn remaining_members(
    conn: &Connection,
    connector_id: &str,
    me: &str,
) -> Result<Vec<(String, PublicKeys)>> {
    let connector = connectors::block(conn, connector_id)?;
    let mut out = Vec::new();
    for m in connector.members.unwrap_or_default() {
        if m.party_id == me || !matches!(m.state, MemberState::Accepted | MemberState::Waiting) {
            continue;
        }
        if let Some(keys) = trust::pinned_keys(conn, &m.party_id)? {
            out.push((m.party_id, keys));
        }
    }
    Ok(out)
}

/// Seals and queues a new epoch's key into the group; stores it here.
fn queue_new_epoch(
    tx: &rusqlite::Transaction<'_>,
    session: &Session,
    connector_id: &str,
) -> Result<()> {
    let next = current_key(tx, connector_id).map_or(1, |k| k.epoch + 1);
    let key = GroupKey::generate(next);
    let members = remaining_members(tx, connector_id, &session.party_id)?;
    let parties: Vec<Party<'_>> = members
        .iter()
        .map(|(id, keys)| Party { party_id: id, keys })
        .collect();
    let data = Sealer::new(&session.party_id, session.keyring.current(), connector_id).group_key(
        &key,
        &parties,
        Header::new(OffsetDateTime::now_utc()),
    )?;
    trust::keep_group_key(tx, connector_id, &key)?;
    outbox::enqueue(
        tx,
        &Delivery {
            connector_id: connector_id.to_owned(),
            data,
            expires_at: None,
            msg_id: None,
        },
    )?;
    Ok(())
}

/// After a sync: an owner starts a new epoch for departures it has not yet
/// answered (a member left, or the previous owner left and this party took over).
pub(crate) fn answer_departures(tx: &rusqlite::Transaction<'_>, session: &Session) -> Result<bool> {
    let groups: Vec<(String, Option<String>)> = tx
        .prepare("SELECT id, departures FROM connectors WHERE kind = 'group' AND role = 'owner' AND state = 'accepted'")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut queued = false;
    for (id, answered) in groups {
        let connector = connectors::block(tx, &id)?;
        let mut departed: Vec<String> = connector
            .members
            .unwrap_or_default()
            .into_iter()
            .filter(|m| matches!(m.state, MemberState::Left | MemberState::Removed))
            .map(|m| m.party_id)
            .collect();
        departed.sort();
        let departed = departed.join(",");
        if answered.as_deref().unwrap_or("") == departed {
            continue;
        }
        queue_new_epoch(tx, session, &id)?;
        tx.execute(
            "UPDATE connectors SET departures = ?2 WHERE id = ?1",
            params![id, departed],
        )?;
        queued = true;
    }
    Ok(queued)
}

impl Client {
    /// Creates a group with this party as owner; answers its connector id.
    pub async fn create_group(&self, name: &str) -> Result<String> {
        self.session()?;
        let ConnectorResponse { connector } = self.inner.transport.call(&GroupCreate {}).await?;
        let id = connector.id.clone();
        let name = name.to_owned();
        self.inner
            .cache
            .transaction(move |tx| {
                connectors::store(tx, &connector)?;
                tx.execute(
                    "UPDATE connectors SET name = ?2, departures = '' WHERE id = ?1",
                    params![connector.id, name],
                )?;
                trust::keep_group_key(tx, &connector.id, &GroupKey::generate(1))?;
                Ok(())
            })
            .await?;
        self.emit(Event::ConnectorChanged {
            connector_id: id.clone(),
        });
        Ok(id)
    }

    /// Invites a party with whom this party has an accepted p2p connector.
    /// The invitation (name, members, current key) goes over that connector.
    pub async fn invite(&self, group_id: &str, party_id: &str, profile: Profile) -> Result<()> {
        let session = self.session()?;
        let (group, peer) = (group_id.to_owned(), party_id.to_owned());
        let p2p: String = self
            .inner
            .cache
            .run(move |c| {
                c.query_row(
                    "SELECT id FROM connectors WHERE kind = 'p2p' AND state = 'accepted' AND peer_party_id = ?1",
                    [peer],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or(Error::Invalid("invite only parties with an accepted connector".into()))
            })
            .await?;
        self.inner
            .transport
            .call(&GroupInvite {
                connectors_id: group.clone(),
                party_id: party_id.to_owned(),
            })
            .await?;
        let peer = party_id.to_owned();
        self.inner
            .cache
            .transaction(move |tx| {
                let key = current_key(tx, &group)?;
                let connector = connectors::block(tx, &group)?;
                let name: Option<String> =
                    tx.query_row("SELECT name FROM connectors WHERE id = ?1", [&group], |r| {
                        r.get(0)
                    })?;
                let mut members: Vec<String> = connector
                    .members
                    .unwrap_or_default()
                    .into_iter()
                    .map(|m| m.party_id)
                    .collect();
                if !members.contains(&peer) {
                    members.push(peer.clone());
                }
                let peer_keys =
                    trust::pinned_keys(tx, &peer)?.ok_or(Error::NotFound("peer keys"))?;
                let hello = Hello {
                    message: String::new(),
                    profile,
                    to: String::new(),
                    group: Some(GroupInvitation {
                        id: group.clone(),
                        name: name.unwrap_or_default(),
                        members,
                        epoch: key.epoch,
                        key: key.key.clone(),
                    }),
                };
                let data = Sealer::new(&session.party_id, session.keyring.current(), &p2p).hello(
                    Party {
                        party_id: &peer,
                        keys: &peer_keys,
                    },
                    Header::new(OffsetDateTime::now_utc()),
                    hello,
                )?;
                outbox::enqueue(
                    tx,
                    &Delivery {
                        connector_id: p2p,
                        data,
                        expires_at: None,
                        msg_id: None,
                    },
                )?;
                Ok(())
            })
            .await?;
        self.inner.outbox_wake.notify_one();
        self.sync_now().await
    }

    /// Leaves a group. An owner who leaves hands the group to the
    /// longest-standing member, who then starts a new epoch.
    pub async fn leave_group(&self, group_id: &str) -> Result<()> {
        self.inner
            .transport
            .call(&GroupLeave {
                connectors_id: group_id.to_owned(),
            })
            .await?;
        self.sync_now().await
    }

    /// Removes a member (owner only) and starts a new epoch without it.
    pub async fn remove_member(&self, group_id: &str, party_id: &str) -> Result<()> {
        self.inner
            .transport
            .call(&GroupRemove {
                connectors_id: group_id.to_owned(),
                party_id: party_id.to_owned(),
            })
            .await?;
        self.sync_now().await
    }

    /// The members of a group with the names they told.
    pub async fn group_members(&self, group_id: &str) -> Result<Vec<GroupMember>> {
        let id = group_id.to_owned();
        self.inner
            .cache
            .run(move |c| {
                let connector = connectors::block(c, &id)?;
                let mut out = Vec::new();
                for m in connector.members.unwrap_or_default() {
                    let display_name: Option<String> = c
                        .query_row(
                            "SELECT display_name FROM profiles WHERE party_id = ?1",
                            [&m.party_id],
                            |r| r.get(0),
                        )
                        .optional()?
                        .flatten();
                    out.push(GroupMember {
                        party_id: m.party_id,
                        role: m.role,
                        state: m.state,
                        display_name,
                    });
                }
                Ok(out)
            })
            .await
    }
}
