//! The outer CBOR of a block, the only part the server could read:
//! `{v: 1, kind, key_ref, nonce, ct, seals?}`. Parsing it checks shapes and
//! sizes so that everything after works on well-formed values.

use ciborium::Value;
use serde::{Deserialize, Serialize};

use super::cbor::{self, bytes};
use super::{Error, MAX_BLOCK_BYTES, MAX_ID_BYTES, Result};

/// The block format version this code writes and reads.
pub const BLOCK_VERSION: u64 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockKind {
    Hello,
    P2p,
    Group,
    GroupKey,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Hello => "hello",
            BlockKind::P2p => "p2p",
            BlockKind::Group => "group",
            BlockKind::GroupKey => "group_key",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            BlockKind::Hello,
            BlockKind::P2p,
            BlockKind::Group,
            BlockKind::GroupKey,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == name)
    }
}

/// One party's keys of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyName {
    pub party: String,
    pub version: u32,
}

/// Which key opens the block. Each kind names exactly what its opener needs
/// before decrypting; the connector is named too, so a block moved to another
/// connector is told apart from a damaged one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    /// The content key is in the seals; HPKE `info` binds both parties' keys.
    Hello { author: KeyName, recipient: KeyName },
    /// The connector key of these two key versions.
    P2p { author: KeyName, peer: KeyName },
    /// The group key of this epoch.
    Group { epoch: u64 },
    /// The new group key of `epoch`, in the seals, sent by `author`.
    GroupKey { author: KeyName, epoch: u64 },
}

/// A key sealed with HPKE to one party's exchange key of `version`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    pub to: String,
    pub version: u32,
    #[serde(with = "bytes")]
    pub enc: [u8; 32],
    /// A 32-byte key and the 16-byte tag.
    #[serde(with = "bytes")]
    pub key_ct: [u8; 48],
}

/// A parsed block, not yet opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub(super) connector_id: String,
    pub(super) key_ref: KeyRef,
    pub(super) nonce: [u8; 24],
    pub(super) ct: Vec<u8>,
    pub(super) seals: Vec<Seal>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    v: u64,
    kind: String,
    key_ref: KeyRefWire,
    #[serde(with = "bytes")]
    nonce: [u8; 24],
    #[serde(with = "bytes")]
    ct: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seals: Option<Vec<Seal>>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyRefWire {
    connector: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author: Option<KeyName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    peer: Option<KeyName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    epoch: Option<u64>,
}

/// Read first, so that a newer format is reported as such rather than as garbage.
#[derive(Deserialize)]
struct VersionOnly {
    v: u64,
}

impl Block {
    /// Parses and shape-checks a block. Never panics; refuses more than
    /// [`MAX_BLOCK_BYTES`], deep nesting, trailing bytes, unknown fields and
    /// any encoding but the deterministic one, so the outer form is not malleable.
    pub fn parse(data: &[u8]) -> Result<Block> {
        if data.len() > MAX_BLOCK_BYTES {
            return Err(Error::TooLarge);
        }
        let VersionOnly { v } = cbor::from_slice(data).map_err(Error::Malformed)?;
        if v != BLOCK_VERSION {
            return Err(Error::UnsupportedVersion(v));
        }
        let wire: Wire = cbor::from_slice(data).map_err(Error::Malformed)?;
        let kind = BlockKind::from_name(&wire.kind).ok_or(Error::UnsupportedKind(wire.kind))?;
        let KeyRefWire {
            connector,
            author,
            peer,
            epoch,
        } = wire.key_ref;
        let key_ref = match (kind, author, peer, epoch) {
            (BlockKind::Hello, Some(author), Some(recipient), None) => {
                KeyRef::Hello { author, recipient }
            }
            (BlockKind::P2p, Some(author), Some(peer), None) => KeyRef::P2p { author, peer },
            (BlockKind::Group, None, None, Some(epoch)) => KeyRef::Group { epoch },
            (BlockKind::GroupKey, Some(author), None, Some(epoch)) => {
                KeyRef::GroupKey { author, epoch }
            }
            _ => {
                return Err(Error::Malformed(format!(
                    "key_ref does not fit a {} block",
                    kind.as_str()
                )));
            }
        };
        let seals = match (kind, wire.seals) {
            (BlockKind::Hello | BlockKind::GroupKey, Some(seals)) if !seals.is_empty() => seals,
            (BlockKind::P2p | BlockKind::Group, None) => Vec::new(),
            _ => {
                return Err(Error::Malformed(format!(
                    "seals do not fit a {} block",
                    kind.as_str()
                )));
            }
        };
        let block = Block {
            connector_id: connector,
            key_ref,
            nonce: wire.nonce,
            ct: wire.ct,
            seals,
        };
        block.check_ids()?;
        // Serde reads a byte string where a text string stands (and the like), so
        // only a byte-for-byte match with the deterministic encoding proves that
        // nobody changed a bit of the envelope.
        if block.to_bytes()? != data {
            return Err(Error::Malformed(
                "not in deterministic CBOR encoding".to_owned(),
            ));
        }
        Ok(block)
    }

    /// The block's CBOR in deterministic encoding (RFC 8949 §4.2.1), the only
    /// form [`Block::parse`] accepts: one block, one byte string.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let (author, peer, epoch) = match &self.key_ref {
            KeyRef::Hello { author, recipient } => (Some(author), Some(recipient), None),
            KeyRef::P2p { author, peer } => (Some(author), Some(peer), None),
            KeyRef::Group { epoch } => (None, None, Some(*epoch)),
            KeyRef::GroupKey { author, epoch } => (Some(author), None, Some(*epoch)),
        };
        let wire = Wire {
            v: BLOCK_VERSION,
            kind: self.kind().as_str().to_owned(),
            key_ref: KeyRefWire {
                connector: self.connector_id.clone(),
                author: author.cloned(),
                peer: peer.cloned(),
                epoch,
            },
            nonce: self.nonce,
            ct: self.ct.clone(),
            seals: (!self.seals.is_empty()).then(|| self.seals.clone()),
        };
        let value = Value::serialized(&wire).map_err(|e| Error::Encoding(e.to_string()))?;
        cbor::to_vec(&cbor::canonical(value).map_err(Error::Encoding)?).map_err(Error::Encoding)
    }

    pub fn kind(&self) -> BlockKind {
        match self.key_ref {
            KeyRef::Hello { .. } => BlockKind::Hello,
            KeyRef::P2p { .. } => BlockKind::P2p,
            KeyRef::Group { .. } => BlockKind::Group,
            KeyRef::GroupKey { .. } => BlockKind::GroupKey,
        }
    }

    /// The connector the block says it was sealed for (checked again, under
    /// the signature, when it is opened).
    pub fn connector_id(&self) -> &str {
        &self.connector_id
    }

    pub fn key_ref(&self) -> &KeyRef {
        &self.key_ref
    }

    /// Ids enter HPKE `info` and KDF inputs, which have length limits of their own.
    fn check_ids(&self) -> Result<()> {
        let names = match &self.key_ref {
            KeyRef::Hello {
                author,
                recipient: other,
            }
            | KeyRef::P2p {
                author,
                peer: other,
            } => {
                vec![&author.party, &other.party]
            }
            KeyRef::GroupKey { author, .. } => vec![&author.party],
            KeyRef::Group { .. } => Vec::new(),
        };
        let too_long = std::iter::once(&self.connector_id)
            .chain(names)
            .chain(self.seals.iter().map(|seal| &seal.to))
            .any(|id| id.len() > MAX_ID_BYTES);
        if too_long {
            Err(Error::IdTooLong)
        } else {
            Ok(())
        }
    }
}

/// The associated data of a block's AEAD: the CBOR array `[connector id, v, kind]`.
pub(super) fn associated_data(connector_id: &str, kind: BlockKind) -> Result<Vec<u8>> {
    cbor::to_vec(&(connector_id, BLOCK_VERSION, kind.as_str())).map_err(Error::Encoding)
}
