//! CBOR plumbing shared by blocks, the keyring and account data: byte strings
//! for serde, bounded decoding that refuses trailing bytes, and the canonical
//! form (RFC 8949 §4.2.1) that signatures are computed over.

use ciborium::Value;
use ciborium::value::CanonicalValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// How deep any CBOR we read may nest. Blocks need four levels; unknown
/// content kinds from newer clients get some room, an attacker gets no stack.
pub(crate) const MAX_DEPTH: usize = 24;

/// Encodes a value. Only serializer bugs can fail here, so the message is for logs.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Decodes exactly one CBOR item filling all of `bytes`, nested at most [`MAX_DEPTH`].
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let mut rest = bytes;
    let value = ciborium::de::from_reader_with_recursion_limit(&mut rest, MAX_DEPTH)
        .map_err(|e| e.to_string())?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(format!("{} bytes after the CBOR item", rest.len()))
    }
}

/// Sorts every map of `value` into canonical key order, refusing duplicate
/// keys (a map with two `sig` or two `author` entries has no single meaning).
pub(crate) fn canonical(value: Value) -> Result<Value, String> {
    Ok(match value {
        Value::Map(entries) => {
            let mut sorted = entries
                .into_iter()
                .map(|(k, v)| Ok((CanonicalValue::from(canonical(k)?), canonical(v)?)))
                .collect::<Result<Vec<_>, String>>()?;
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            if sorted
                .windows(2)
                .any(|pair| matches!(pair, [a, b] if a.0 == b.0))
            {
                return Err("a map has a key twice".into());
            }
            Value::Map(
                sorted
                    .into_iter()
                    .map(|(k, v)| (Value::from(k), v))
                    .collect(),
            )
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(canonical).collect::<Result<_, _>>()?)
        }
        Value::Tag(tag, inner) => Value::Tag(tag, Box::new(canonical(*inner)?)),
        other => other,
    })
}

/// `#[serde(with = "bytes")]`: a CBOR byte string for `Vec<u8>` or `[u8; N]`
/// (serde's default would be an array of integers).
pub(crate) mod bytes {
    use std::fmt;
    use std::marker::PhantomData;

    use serde::de::{Error as _, Visitor};
    use serde::{Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer, T: AsRef<[u8]>>(
        value: &T,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(value.as_ref())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<Vec<u8>>>(
        d: D,
    ) -> Result<T, D::Error> {
        struct BytesVisitor<T>(PhantomData<T>);

        impl<T: TryFrom<Vec<u8>>> Visitor<'_> for BytesVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a byte string")
            }

            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<T, E> {
                self.visit_byte_buf(v.to_vec())
            }

            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<T, E> {
                let len = v.len();
                T::try_from(v).map_err(|_| E::custom(format!("unexpected length {len} bytes")))
            }
        }

        d.deserialize_byte_buf(BytesVisitor(PhantomData))
            .map_err(D::Error::custom)
    }

    /// The same for `Option<…>` fields, absent when `None`.
    pub(crate) mod option {
        use serde::{Deserialize, Deserializer, Serializer};

        pub(crate) fn serialize<S: Serializer, T: AsRef<[u8]>>(
            value: &Option<T>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match value {
                Some(v) => super::serialize(v, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: TryFrom<Vec<u8>>>(
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

    #[test]
    fn canonical_order_puts_shorter_keys_first_then_bytewise() {
        let value = Value::Map(vec![
            ("kind".into(), 1.into()),
            ("v".into(), 2.into()),
            ("ct".into(), 3.into()),
            ("author".into(), 4.into()),
        ]);
        let keys: Vec<_> = canonical(value)
            .unwrap()
            .into_map()
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            vec![
                Value::from("v"),
                "ct".into(),
                "kind".into(),
                "author".into()
            ]
        );
    }

    #[test]
    fn a_map_with_a_repeated_key_is_refused() {
        let value = Value::Array(vec![Value::Map(vec![
            ("a".into(), 1.into()),
            ("a".into(), 2.into()),
        ])]);
        assert!(canonical(value).is_err());
    }

    #[test]
    fn trailing_bytes_after_the_item_are_refused() {
        let mut bytes = to_vec(&Value::from(5)).unwrap();
        assert_eq!(from_slice::<Value>(&bytes), Ok(Value::from(5)));
        bytes.push(0);
        assert!(from_slice::<Value>(&bytes).is_err());
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let deep = [vec![0x81; MAX_DEPTH + 1], vec![0x00]].concat();
        assert!(from_slice::<Value>(&deep).is_err());
        let shallow = [vec![0x81; MAX_DEPTH - 1], vec![0x00]].concat();
        assert!(from_slice::<Value>(&shallow).is_ok());
    }
}
