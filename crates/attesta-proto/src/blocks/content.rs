//! What a signed payload carries. Each content is a CBOR map whose `type`
//! names its kind; kinds this version does not know are kept whole as
//! [`Content::Unknown`] so the client can show "unsupported message".

use ciborium::Value;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::cbor::bytes;
use super::payload::MsgId;
use crate::keys::SymmetricKey;

#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Hello(Hello),
    Profile(Profile),
    Text(Text),
    Edit(Edit),
    Delete(Delete),
    Reaction(Reaction),
    Receipt(Receipt),
    GroupKey(NewEpoch),
    /// A kind from a newer client: its `type` and the whole map, as signed.
    Unknown {
        kind: String,
        raw: Value,
    },
}

/// The invitation: who is writing, why, and (for a group) everything needed to join.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub message: String,
    pub profile: Profile,
    /// The value the sender searched with (a nick, an address, a number), so
    /// the recipient knows which of its identities was used.
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<GroupInvitation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInvitation {
    /// The group connector's id.
    pub id: String,
    pub name: String,
    /// Party ids of the members at the time of the invitation.
    pub members: Vec<String>,
    pub epoch: u64,
    /// The group key of `epoch`; it travels only inside the encrypted payload.
    pub key: SymmetricKey,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// A small image (the client scales it down: a HELLO must fit 16 KiB).
    #[serde(
        default,
        with = "bytes::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<MsgId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub msg_id: MsgId,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delete {
    pub msg_id: MsgId,
}

/// A reaction; an empty `emoji` withdraws the author's reaction to `msg_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reaction {
    pub msg_id: MsgId,
    pub emoji: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Delivered,
    Read,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub status: ReceiptStatus,
    pub msg_ids: Vec<MsgId>,
}

/// Announces a group epoch; the key itself is in the block's seals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewEpoch {
    pub epoch: u64,
}

impl Content {
    /// The `type` of this content on the wire.
    pub fn kind(&self) -> &str {
        match self {
            Content::Hello(_) => "hello",
            Content::Profile(_) => "profile",
            Content::Text(_) => "text",
            Content::Edit(_) => "edit",
            Content::Delete(_) => "delete",
            Content::Reaction(_) => "reaction",
            Content::Receipt(_) => "receipt",
            Content::GroupKey(_) => "group_key",
            Content::Unknown { kind, .. } => kind,
        }
    }
}

/// A known content with its `type` beside its fields.
#[derive(Serialize)]
struct Tagged<'a, T> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(flatten)]
    fields: &'a T,
}

impl Serialize for Content {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let kind = self.kind();
        match self {
            Content::Hello(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Profile(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Text(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Edit(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Delete(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Reaction(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Receipt(c) => Tagged { kind, fields: c }.serialize(s),
            Content::GroupKey(c) => Tagged { kind, fields: c }.serialize(s),
            Content::Unknown { raw, .. } => raw.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(d)?;
        let kind = raw
            .as_map()
            .and_then(|entries| entries.iter().find(|(k, _)| k.as_text() == Some("type")))
            .and_then(|(_, v)| v.as_text())
            .ok_or_else(|| D::Error::custom("content is not a map with a text `type`"))?
            .to_owned();
        let known = match kind.as_str() {
            "hello" => raw.deserialized().map(Content::Hello),
            "profile" => raw.deserialized().map(Content::Profile),
            "text" => raw.deserialized().map(Content::Text),
            "edit" => raw.deserialized().map(Content::Edit),
            "delete" => raw.deserialized().map(Content::Delete),
            "reaction" => raw.deserialized().map(Content::Reaction),
            "receipt" => raw.deserialized().map(Content::Receipt),
            "group_key" => raw.deserialized().map(Content::GroupKey),
            _ => return Ok(Content::Unknown { kind, raw }),
        };
        known.map_err(|e| D::Error::custom(format!("{kind} content: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::cbor;

    fn round_trip(content: &Content) -> Content {
        let value = Value::serialized(content).unwrap();
        let bytes = cbor::to_vec(&cbor::canonical(value).unwrap()).unwrap();
        cbor::from_slice(&bytes).unwrap()
    }

    #[test]
    fn every_known_kind_survives_cbor() {
        let id = MsgId([7; 16]);
        let profile = Profile {
            display_name: "Ada".into(),
            nick: Some("ada".into()),
            avatar: Some(vec![1, 2, 3]),
        };
        let contents = [
            Content::Hello(Hello {
                message: "hi".into(),
                profile: profile.clone(),
                to: "ada".into(),
                group: Some(GroupInvitation {
                    id: "g1".into(),
                    name: "Friends".into(),
                    members: vec!["p1".into(), "p2".into()],
                    epoch: 3,
                    key: SymmetricKey::from_bytes([9; 32]),
                }),
            }),
            Content::Profile(profile),
            Content::Text(Text {
                body: "hello".into(),
                reply_to: Some(id),
            }),
            Content::Edit(Edit {
                msg_id: id,
                body: "hello!".into(),
            }),
            Content::Delete(Delete { msg_id: id }),
            Content::Reaction(Reaction {
                msg_id: id,
                emoji: "👍".into(),
            }),
            Content::Receipt(Receipt {
                status: ReceiptStatus::Read,
                msg_ids: vec![id, MsgId([8; 16])],
            }),
            Content::GroupKey(NewEpoch { epoch: 4 }),
        ];
        for content in contents {
            assert_eq!(round_trip(&content), content);
        }
    }

    #[test]
    fn an_unknown_kind_is_kept_whole() {
        let raw = Value::Map(vec![
            ("type".into(), "poll".into()),
            ("question".into(), "tea?".into()),
        ]);
        let content: Content = raw.deserialized().unwrap();
        assert_eq!(
            content,
            Content::Unknown {
                kind: "poll".into(),
                raw: raw.clone()
            }
        );
        assert_eq!(Value::serialized(&content).unwrap(), raw);
    }

    #[test]
    fn a_known_kind_missing_a_field_is_an_error_not_unknown() {
        let raw = Value::Map(vec![("type".into(), "text".into())]);
        let err = raw.deserialized::<Content>().unwrap_err();
        assert!(err.to_string().contains("text content"), "{err}");
    }
}
