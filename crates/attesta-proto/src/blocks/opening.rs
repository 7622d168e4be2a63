//! Opening blocks: find the key the block names, decrypt, verify the
//! signature with the author's key as this device trusts it, and check that
//! the signed payload agrees with the block around it.

use std::collections::HashMap;

use super::content::{Content, NewEpoch};
use super::envelope::{Block, BlockKind, KeyName, KeyRef, Seal, associated_data};
use super::group::GroupKey;
use super::p2p::ConnectorKeys;
use super::payload::Payload;
use super::seals::{self, GROUP_KEY_INFO, HELLO_INFO};
use super::{Error, Result};
use crate::keyring::Keyring;
use crate::keys::{PartyKeys, PublicKeys};

/// Where the opener finds other parties' keys and the group keys it holds.
/// The client answers with keys as pinned for that connector.
pub trait KeyDirectory {
    /// The public keys of `party_id` at `version`, as trusted for `connector_id`.
    fn public_keys(&self, connector_id: &str, party_id: &str, version: u32) -> Option<PublicKeys>;

    /// The group key of `epoch` in the group `connector_id`.
    fn group_key(&self, connector_id: &str, epoch: u64) -> Option<GroupKey>;
}

/// A [`KeyDirectory`] in memory, the same for every connector.
#[derive(Debug, Default)]
pub struct KnownKeys {
    parties: HashMap<(String, u32), PublicKeys>,
    groups: HashMap<(String, u64), GroupKey>,
}

impl KnownKeys {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add_party(&mut self, party_id: &str, keys: PublicKeys) {
        self.parties
            .insert((party_id.to_owned(), keys.version), keys);
    }

    pub fn add_group_key(&mut self, connector_id: &str, key: GroupKey) {
        self.groups
            .insert((connector_id.to_owned(), key.epoch), key);
    }
}

impl KeyDirectory for KnownKeys {
    fn public_keys(&self, _connector_id: &str, party_id: &str, version: u32) -> Option<PublicKeys> {
        self.parties.get(&(party_id.to_owned(), version)).cloned()
    }

    fn group_key(&self, connector_id: &str, epoch: u64) -> Option<GroupKey> {
        self.groups.get(&(connector_id.to_owned(), epoch)).cloned()
    }
}

/// Who is opening: the party, its keyring, what it knows of others, and
/// the connector keys it derived already.
#[derive(Clone, Copy)]
pub struct OpenContext<'a> {
    pub party_id: &'a str,
    pub keyring: &'a Keyring,
    pub directory: &'a dyn KeyDirectory,
    pub connector_keys: &'a ConnectorKeys,
}

/// An opened block: the verified payload and, from a `group_key` block, the
/// new group key to keep.
#[derive(Debug, Clone, PartialEq)]
pub struct Opened {
    pub payload: Payload,
    pub group_key: Option<GroupKey>,
}

/// Opens the block `data` delivered into `connector_id`. Never panics on any input.
pub fn open(data: &[u8], connector_id: &str, ctx: &OpenContext<'_>) -> Result<Opened> {
    let block = Block::parse(data)?;
    if block.connector_id != connector_id {
        return Err(Error::WrongConnector);
    }
    let aad = associated_data(connector_id, block.kind())?;
    let (key, group_key) = match &block.key_ref {
        KeyRef::Hello { author, recipient } => {
            let seal = ctx.own_seal(&block)?;
            let ends = [
                ctx.public_keys(connector_id, author)?,
                ctx.public_keys(connector_id, recipient)?,
            ];
            let info = seals::info(HELLO_INFO, connector_id, None, [&ends[0], &ends[1]])?;
            (
                seals::open(seal, ctx.own(seal.version)?, &info, &aad)?,
                None,
            )
        }
        KeyRef::P2p { author, peer } => {
            let (own, other) = match (author.party == ctx.party_id, peer.party == ctx.party_id) {
                (true, _) => (author, peer),
                (false, true) => (peer, author),
                (false, false) => return Err(Error::NotForUs),
            };
            let other = ctx.public_keys(connector_id, other)?;
            (
                ctx.connector_keys
                    .get(ctx.own(own.version)?, &other, connector_id)?,
                None,
            )
        }
        KeyRef::Group { epoch } => {
            let group_key = ctx
                .directory
                .group_key(connector_id, *epoch)
                .ok_or(Error::UnknownEpoch(*epoch))?;
            (group_key.key, None)
        }
        KeyRef::GroupKey { author, epoch } => {
            let seal = ctx.own_seal(&block)?;
            let own = ctx.own(seal.version)?;
            let author = ctx.public_keys(connector_id, author)?;
            let info = seals::info(
                GROUP_KEY_INFO,
                connector_id,
                Some(*epoch),
                [&author, own.public()],
            )?;
            let key = seals::open(seal, own, &info, &aad)?;
            (key.clone(), Some(GroupKey { epoch: *epoch, key }))
        }
    };
    let plaintext = key
        .decrypt(&block.nonce, &aad, &block.ct)
        .ok_or(Error::CannotDecrypt)?;
    let payload = Payload::verify(&plaintext, |party, version| {
        Ok(ctx
            .public_keys(
                connector_id,
                &KeyName {
                    party: party.to_owned(),
                    version,
                },
            )?
            .verified_key()?)
    })?;
    check(&payload, &block)?;
    Ok(Opened { payload, group_key })
}

impl OpenContext<'_> {
    fn own(&self, version: u32) -> Result<&PartyKeys> {
        self.keyring
            .get(version)
            .ok_or_else(|| Error::UnknownKeyVersion {
                party: self.party_id.to_owned(),
                version,
            })
    }

    fn own_seal<'b>(&self, block: &'b Block) -> Result<&'b Seal> {
        block
            .seals
            .iter()
            .find(|seal| seal.to == self.party_id)
            .ok_or(Error::NotForUs)
    }

    /// A party's keys: the opener's own from its keyring, others' from the
    /// directory, checked (`dh_sig`) before any use.
    fn public_keys(&self, connector_id: &str, name: &KeyName) -> Result<PublicKeys> {
        if name.party == self.party_id {
            return Ok(self.own(name.version)?.public().clone());
        }
        let unknown = || Error::UnknownKeyVersion {
            party: name.party.clone(),
            version: name.version,
        };
        let keys = self
            .directory
            .public_keys(connector_id, &name.party, name.version)
            .ok_or_else(unknown)?;
        if keys.version != name.version {
            return Err(unknown());
        }
        keys.verify()?;
        Ok(keys)
    }
}

/// The rules binding a signed payload to its block, applied when sealing and when opening.
pub(super) fn check(payload: &Payload, block: &Block) -> Result<()> {
    if payload.connector_id != block.connector_id {
        return Err(Error::WrongConnector);
    }
    let kind = block.kind();
    if payload.kind != kind {
        return Err(Error::Inconsistent(
            "the payload's kind differs from the block's",
        ));
    }
    let (author, epoch) = match &block.key_ref {
        KeyRef::Hello { author, .. } | KeyRef::P2p { author, .. } => (Some(author), None),
        KeyRef::Group { epoch } => (None, Some(*epoch)),
        KeyRef::GroupKey { author, epoch } => (Some(author), Some(*epoch)),
    };
    if author.is_some_and(|a| a.party != payload.author || a.version != payload.author_key_version)
    {
        return Err(Error::Inconsistent(
            "the payload's author differs from the key_ref's",
        ));
    }
    if payload.epoch != epoch {
        return Err(Error::Inconsistent(
            "the payload's epoch differs from the key_ref's",
        ));
    }
    match (kind, &payload.content) {
        (BlockKind::Hello, Content::Hello(_)) => Ok(()),
        (BlockKind::Hello, _) => Err(Error::Inconsistent("a hello block carries a hello")),
        (BlockKind::GroupKey, Content::GroupKey(NewEpoch { epoch: announced }))
            if Some(*announced) == epoch && payload.expires_at.is_none() =>
        {
            Ok(())
        }
        (BlockKind::GroupKey, _) => Err(Error::Inconsistent(
            "a group_key block announces its epoch and never expires",
        )),
        (_, Content::Hello(_) | Content::GroupKey(_)) => Err(Error::Inconsistent(
            "hello and group_key contents travel in their own blocks",
        )),
        _ => Ok(()),
    }
}
