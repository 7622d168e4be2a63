//! Identifiers the client makes itself: message ids and the `client_id` of a
//! delivery, both 16 random bytes, shown as base64url like every binary value.

use std::fmt;
use std::str::FromStr;

use attesta_proto::encoding::{from_b64, to_b64};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A message id: names a message across all devices and peers, so edits,
/// deletes and replies can refer to it, and replays can be recognized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MsgId(pub [u8; 16]);

impl MsgId {
    /// A fresh random id.
    pub fn random() -> MsgId {
        MsgId(rand::random())
    }
}

impl fmt::Display for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_b64(&self.0))
    }
}

/// Why a text is not a message id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a message id is 16 bytes in base64url without padding")]
pub struct BadMsgId;

impl FromStr for MsgId {
    type Err = BadMsgId;
    fn from_str(text: &str) -> Result<MsgId, BadMsgId> {
        let bytes = from_b64(text).map_err(|_| BadMsgId)?;
        Ok(MsgId(bytes.try_into().map_err(|_| BadMsgId)?))
    }
}

impl Serialize for MsgId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MsgId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<MsgId, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl TryFrom<Vec<u8>> for MsgId {
    type Error = BadMsgId;
    fn try_from(bytes: Vec<u8>) -> Result<MsgId, BadMsgId> {
        Ok(MsgId(bytes.try_into().map_err(|_| BadMsgId)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_id_reads_back_from_its_text() {
        let id = MsgId::random();
        assert_eq!(id.to_string().parse::<MsgId>(), Ok(id));
        assert_eq!("short".parse::<MsgId>(), Err(BadMsgId));
    }
}
