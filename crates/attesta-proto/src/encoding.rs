//! Wire encodings shared by every type: base64url without padding for binary
//! values, RFC 3339 for times (via `time::serde::rfc3339`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Encodes bytes as base64url without padding, the form of every binary value on the wire.
pub fn to_b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; anything else (padding, `+`, `/`, stray characters) is refused.
pub fn from_b64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    URL_SAFE_NO_PAD.decode(text)
}

/// `#[serde(with = "b64")]` for any field that is bytes: `Vec<u8>` or `[u8; N]`.
/// A fixed-size field refuses a value of the wrong length with a message saying so.
pub mod b64 {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer, T: AsRef<[u8]>>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_b64(value.as_ref()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<Vec<u8>>>(
        d: D,
    ) -> Result<T, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = super::from_b64(&text)
            .map_err(|e| D::Error::custom(format!("not base64url without padding: {e}")))?;
        let len = bytes.len();
        T::try_from(bytes).map_err(|_| D::Error::custom(format!("unexpected length {len} bytes")))
    }

    /// The same for `Option<…>` fields (absent or `null` is `None`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer, T: AsRef<[u8]>>(
            value: &Option<T>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<Vec<u8>>>(
            d: D,
        ) -> Result<Option<T>, D::Error> {
            #[derive(Deserialize)]
            struct Wrap<T: TryFrom<Vec<u8>>>(#[serde(with = "super")] T);
            Ok(Option::<Wrap<T>>::deserialize(d)?.map(|Wrap(v)| v))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Fixed {
        #[serde(with = "b64")]
        key: [u8; 4],
        #[serde(with = "b64::option", default)]
        extra: Option<Vec<u8>>,
    }

    #[test]
    fn bytes_travel_as_unpadded_base64url() {
        let v = Fixed {
            key: [0xfb, 0xff, 0x01, 0x02],
            extra: None,
        };
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"key":"-_8BAg","extra":null}"#);
        assert_eq!(serde_json::from_str::<Fixed>(&json).unwrap(), v);
    }

    #[test]
    fn padded_or_wrong_length_values_are_refused_with_a_reason() {
        let err = serde_json::from_str::<Fixed>(r#"{"key":"-_8BAg=="}"#).unwrap_err();
        assert!(err.to_string().contains("base64url"), "{err}");
        let err = serde_json::from_str::<Fixed>(r#"{"key":"AQID"}"#).unwrap_err();
        assert!(err.to_string().contains("length 3"), "{err}");
    }
}
