//! Search tokens: the syntex hash of a normalized nick, e-mail or phone number.

use serde::{Deserialize, Serialize};

use crate::encoding::b64;

/// A search token: 36 bytes, base64url on the wire (48 characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Token(#[serde(with = "b64")] pub [u8; 36]);

/// What a token was made from. The normalized forms of the kinds are disjoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Nick,
    Email,
    Phone,
}
