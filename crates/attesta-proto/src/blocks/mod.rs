//! Protected blocks (crypto.md): what passes through a connector, readable
//! only by its parties. [`Sealer`] makes blocks; [`open`] checks and opens
//! them; [`Block::parse`] reads the outer form alone (what a server may check).

pub(crate) mod cbor;
mod content;
mod envelope;
mod group;
mod opening;
mod p2p;
mod payload;
mod sealing;
mod seals;

pub use content::{
    Content, Delete, Edit, GroupInvitation, Hello, NewEpoch, Profile, Reaction, Receipt,
    ReceiptStatus, Text,
};
pub use envelope::{BLOCK_VERSION, Block, BlockKind, KeyName, KeyRef, Seal};
pub use group::GroupKey;
pub use opening::{KeyDirectory, KnownKeys, OpenContext, Opened, open};
pub use p2p::ConnectorKeys;
pub use payload::{Header, MsgId, Payload};
pub use sealing::{Party, Sealer};

use crate::keys;

/// The largest block (the server's default `block_max_bytes`); larger input is refused unread.
pub const MAX_BLOCK_BYTES: usize = 1 << 20;
/// The largest HELLO (the server's default `hello_max_bytes`); the sealer refuses to make larger.
pub const MAX_HELLO_BYTES: usize = 16 << 10;
/// The longest party or connector id a block may name.
pub const MAX_ID_BYTES: usize = 128;

/// Why a block could not be made or opened. Each variant is a different
/// thing to tell the user, so they are kept apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the block is larger than allowed")]
    TooLarge,
    #[error("the block is malformed or truncated: {0}")]
    Malformed(String),
    #[error("block format version {0} is not supported")]
    UnsupportedVersion(u64),
    #[error("block kind {0:?} is not supported")]
    UnsupportedKind(String),
    #[error("the block belongs to another connector")]
    WrongConnector,
    #[error("the block is not sealed for this party")]
    NotForUs,
    #[error("the block cannot be decrypted: it was altered")]
    CannotDecrypt,
    #[error("the signature does not verify with the author's key")]
    BadSignature,
    #[error("key version {version} of party {party} is not known here")]
    UnknownKeyVersion { party: String, version: u32 },
    #[error("the group key of epoch {0} is not known here")]
    UnknownEpoch(u64),
    #[error("the signed payload contradicts its block: {0}")]
    Inconsistent(&'static str),
    #[error("an exchange key gives no shared secret (a low-order point)")]
    NonContributory,
    #[error("an id is longer than {MAX_ID_BYTES} bytes")]
    IdTooLong,
    #[error("public keys refused: {0}")]
    Keys(#[from] keys::Error),
    #[error("encoding failed: {0}")]
    Encoding(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests;
