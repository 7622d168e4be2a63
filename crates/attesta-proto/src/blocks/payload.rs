//! The signed payload inside every block: who wrote what, when, for which
//! connector. The signature covers the canonical CBOR of every field but
//! `sig`, so the receiver recomputes its input from what it decoded and any
//! field a newer client adds is signed too.

use std::fmt;

use ciborium::Value;
use ed25519_dalek::VerifyingKey;
use rand::Rng;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::cbor::{self, bytes};
use super::content::Content;
use super::envelope::BlockKind;
use super::{Error, Result};
use crate::keys::{PartyKeys, os_rng};

/// The id of one message: edits, deletes, reactions, replies and receipts
/// refer to it, and a second block with a known id is a replay.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MsgId(#[serde(with = "bytes")] pub [u8; 16]);

impl MsgId {
    pub fn random() -> Self {
        let mut id = [0u8; 16];
        os_rng().fill_bytes(&mut id);
        MsgId(id)
    }
}

impl fmt::Debug for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MsgId({})", crate::encoding::to_b64(&self.0))
    }
}

/// What the author says about a message besides its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub msg_id: MsgId,
    /// Kept to the millisecond on the wire.
    pub sent_at: OffsetDateTime,
    pub expires_at: Option<OffsetDateTime>,
}

impl Header {
    /// A new message id, sent at `sent_at`, never expiring.
    pub fn new(sent_at: OffsetDateTime) -> Self {
        Header {
            msg_id: MsgId::random(),
            sent_at,
            expires_at: None,
        }
    }

    pub fn expiring_at(self, expires_at: OffsetDateTime) -> Self {
        Header {
            expires_at: Some(expires_at),
            ..self
        }
    }
}

/// A payload whose signature has been verified by [`super::open`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub msg_id: MsgId,
    /// The author's party id.
    pub author: String,
    pub author_key_version: u32,
    pub connector_id: String,
    pub kind: BlockKind,
    /// The group epoch, in `group` and `group_key` blocks only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<u64>,
    #[serde(with = "unix_ms")]
    pub sent_at: OffsetDateTime,
    #[serde(
        default,
        with = "unix_ms::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    pub content: Content,
}

const SIG: &str = "sig";

impl Payload {
    /// The payload's canonical CBOR with `sig` made by `author`.
    pub(crate) fn sign(&self, author: &PartyKeys) -> Result<Vec<u8>> {
        let Value::Map(mut entries) = canonical_value(self)? else {
            return Err(Error::Encoding("a payload is a map".into()));
        };
        let sig =
            author.sign(&cbor::to_vec(&Value::Map(entries.clone())).map_err(Error::Encoding)?);
        entries.push((SIG.into(), Value::Bytes(sig.to_vec())));
        let signed = cbor::canonical(Value::Map(entries)).map_err(Error::Encoding)?;
        cbor::to_vec(&signed).map_err(Error::Encoding)
    }

    /// Decodes a payload and checks its signature against `key_of(author, version)`.
    pub(crate) fn verify(
        plaintext: &[u8],
        key_of: impl FnOnce(&str, u32) -> Result<VerifyingKey>,
    ) -> Result<Payload> {
        let value: Value = cbor::from_slice(plaintext).map_err(Error::Malformed)?;
        let Value::Map(mut entries) = cbor::canonical(value).map_err(Error::Malformed)? else {
            return Err(Error::Malformed("the payload is not a map".into()));
        };
        let at = entries
            .iter()
            .position(|(k, _)| k.as_text() == Some(SIG))
            .ok_or_else(|| Error::Malformed("the payload has no sig".into()))?;
        let (_, sig) = entries.remove(at);
        let sig: [u8; 64] = sig
            .into_bytes()
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::Malformed("sig is not 64 bytes".into()))?;
        let unsigned = Value::Map(entries);
        let signed = cbor::to_vec(&unsigned).map_err(Error::Encoding)?;
        let payload: Payload = unsigned
            .deserialized()
            .map_err(|e| Error::Malformed(format!("payload: {e}")))?;
        key_of(&payload.author, payload.author_key_version)?
            .verify_strict(&signed, &ed25519_dalek::Signature::from_bytes(&sig))
            .map_err(|_| Error::BadSignature)?;
        Ok(payload)
    }
}

fn canonical_value(payload: &Payload) -> Result<Value> {
    let value = Value::serialized(payload).map_err(|e| Error::Encoding(e.to_string()))?;
    cbor::canonical(value).map_err(Error::Encoding)
}

/// Times as integer milliseconds since the Unix epoch (sub-millisecond parts are dropped).
mod unix_ms {
    use serde::de::Error as _;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;

    pub(super) fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        let ms = i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000))
            .map_err(|_| S::Error::custom("time out of range"))?;
        s.serialize_i64(ms)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let ms = i64::deserialize(d)?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .map_err(|_| D::Error::custom(format!("time {ms} ms out of range")))
    }

    pub(super) mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        pub(in super::super) fn serialize<S: Serializer>(
            t: &Option<OffsetDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub(in super::super) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<OffsetDateTime>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap(#[serde(with = "super")] OffsetDateTime);
            Ok(Option::<Wrap>::deserialize(d)?.map(|Wrap(t)| t))
        }
    }
}
