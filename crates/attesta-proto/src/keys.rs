//! Party keys: an Ed25519 signing key and an X25519 exchange key, versioned.

use serde::{Deserialize, Serialize};

use crate::encoding::b64;

/// The public half of a party's keys, as the server stores and serves it.
/// `dh_sig` binds the exchange key to the signing key so that nobody (the
/// server included) can swap the exchange key alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeys {
    pub version: u32,
    #[serde(with = "b64")]
    pub sign: [u8; 32],
    #[serde(with = "b64")]
    pub dh: [u8; 32],
    #[serde(with = "b64")]
    pub dh_sig: [u8; 64],
}
