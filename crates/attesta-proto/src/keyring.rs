//! The keyring: every version of the party's private keys, so that items
//! sealed under old keys stay readable. It travels to the server only sealed
//! under the password's keyring key, as an opaque blob.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::blocks::cbor::{self, bytes};
use crate::keys::{PartyKeys, SymmetricKey, os_rng};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the keyring blob is malformed: {0}")]
    Malformed(String),
    #[error("keyring format version {0} is not supported")]
    UnsupportedVersion(u64),
    #[error("the keyring cannot be decrypted: wrong password, or altered")]
    CannotDecrypt,
    #[error("the keyring names key version {0} twice")]
    DuplicateVersion(u32),
    #[error("no key version follows {0}")]
    VersionsExhausted(u32),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

const FORMAT_VERSION: u64 = 1;
const AD_LABEL: &[u8] = b"attesta keyring v1";

/// All versions of a party's keys; the current one is the highest.
pub struct Keyring {
    current: PartyKeys,
    previous: BTreeMap<u32, PartyKeys>,
}

/// The sealed blob: `{v: 1, nonce, ct}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    v: u64,
    #[serde(with = "bytes")]
    nonce: [u8; 24],
    #[serde(with = "bytes")]
    ct: Vec<u8>,
}

/// The plaintext: `{v: 1, keys: [{version, sign, dh}]}` with the secrets as bytes.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Plain {
    v: u64,
    keys: Vec<PlainKeys>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlainKeys {
    version: u32,
    /// The Ed25519 seed.
    #[serde(with = "bytes")]
    sign: Secret,
    /// The X25519 secret.
    #[serde(with = "bytes")]
    dh: Secret,
}

/// Secret bytes of the plaintext, wiped when dropped.
struct Secret(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for Secret {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Secret(Zeroizing::new(bytes))
    }
}

impl Keyring {
    /// A keyring holding `first` only.
    pub fn new(first: PartyKeys) -> Self {
        Keyring {
            current: first,
            previous: BTreeMap::new(),
        }
    }

    /// The keys new blocks are sealed with.
    pub fn current(&self) -> &PartyKeys {
        &self.current
    }

    pub fn get(&self, version: u32) -> Option<&PartyKeys> {
        if version == self.current.version() {
            Some(&self.current)
        } else {
            self.previous.get(&version)
        }
    }

    /// Every version held, oldest first.
    pub fn versions(&self) -> impl Iterator<Item = u32> + '_ {
        self.previous
            .keys()
            .copied()
            .chain([self.current.version()])
    }

    /// Makes the next version current (`keys_rotate`); older ones stay for reading.
    pub fn rotate(&mut self) -> Result<&PartyKeys> {
        let old = self.current.version();
        let next = old.checked_add(1).ok_or(Error::VersionsExhausted(old))?;
        let previous = std::mem::replace(&mut self.current, PartyKeys::generate(next));
        self.previous.insert(old, previous);
        Ok(&self.current)
    }

    /// XChaCha20-Poly1305 under `key`, associated data `"attesta keyring v1" || salt`.
    pub fn seal(&self, key: &SymmetricKey, salt: &[u8]) -> Vec<u8> {
        let keys = self
            .previous
            .values()
            .chain([&self.current])
            .map(|k| PlainKeys {
                version: k.version(),
                sign: Secret::from(k.sign_seed().to_vec()),
                dh: Secret::from(k.dh_secret().as_bytes().to_vec()),
            })
            .collect();
        let plain = Zeroizing::new(
            cbor::to_vec(&Plain {
                v: FORMAT_VERSION,
                keys,
            })
            .expect("a keyring always encodes to CBOR"),
        );
        let mut nonce = [0u8; 24];
        rand::Rng::fill_bytes(&mut os_rng(), &mut nonce);
        let ct = key.encrypt(&nonce, &associated_data(salt), &plain);
        cbor::to_vec(&Sealed {
            v: FORMAT_VERSION,
            nonce,
            ct,
        })
        .expect("a sealed keyring always encodes to CBOR")
    }

    /// Opens a blob made by [`Keyring::seal`] with the same key and salt.
    pub fn open(blob: &[u8], key: &SymmetricKey, salt: &[u8]) -> Result<Keyring> {
        let sealed: Sealed = cbor::from_slice(blob).map_err(Error::Malformed)?;
        if sealed.v != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion(sealed.v));
        }
        let plain = key
            .decrypt(&sealed.nonce, &associated_data(salt), &sealed.ct)
            .ok_or(Error::CannotDecrypt)?;
        let plain: Plain = cbor::from_slice(&plain).map_err(Error::Malformed)?;
        if plain.v != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion(plain.v));
        }
        let mut all = BTreeMap::new();
        for k in plain.keys {
            let sign: &[u8; 32] = k
                .sign
                .as_ref()
                .try_into()
                .map_err(|_| Error::Malformed("sign is not 32 bytes".into()))?;
            let dh = Zeroizing::new(
                <[u8; 32]>::try_from(k.dh.as_ref())
                    .map_err(|_| Error::Malformed("dh is not 32 bytes".into()))?,
            );
            if all
                .insert(k.version, PartyKeys::from_secrets(k.version, sign, *dh))
                .is_some()
            {
                return Err(Error::DuplicateVersion(k.version));
            }
        }
        let (_, current) = all
            .pop_last()
            .ok_or_else(|| Error::Malformed("the keyring holds no keys".into()))?;
        Ok(Keyring {
            current,
            previous: all,
        })
    }
}

fn associated_data(salt: &[u8]) -> Vec<u8> {
    [AD_LABEL, salt].concat()
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("versions", &self.versions().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::password::{DEFAULT_KDF, derive, new_salt};

    #[test]
    fn a_sealed_keyring_opens_with_every_version_intact() {
        let mut keyring = Keyring::new(PartyKeys::generate(1));
        keyring.rotate().unwrap();
        keyring.rotate().unwrap();
        let key = SymmetricKey::generate();
        let salt = new_salt();
        let opened = Keyring::open(&keyring.seal(&key, &salt), &key, &salt).unwrap();
        assert_eq!(opened.versions().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert_eq!(opened.current().version(), 3);
        for v in 1..=3 {
            assert_eq!(
                opened.get(v).unwrap().public(),
                keyring.get(v).unwrap().public()
            );
        }
    }

    #[test]
    fn a_keyring_does_not_open_with_a_wrong_password() {
        let salt = new_salt();
        let right = derive("the right one", &salt, &DEFAULT_KDF).unwrap();
        let wrong = derive("the wrong one", &salt, &DEFAULT_KDF).unwrap();
        let blob = Keyring::new(PartyKeys::generate(1)).seal(&right.keyring_key, &salt);
        assert_eq!(
            Keyring::open(&blob, &wrong.keyring_key, &salt).unwrap_err(),
            Error::CannotDecrypt
        );
        assert!(Keyring::open(&blob, &right.keyring_key, &salt).is_ok());
    }

    #[test]
    fn a_keyring_does_not_open_under_another_salt() {
        let key = SymmetricKey::generate();
        let blob = Keyring::new(PartyKeys::generate(1)).seal(&key, b"salt one 16 byte");
        assert_eq!(
            Keyring::open(&blob, &key, b"salt two 16 byte").unwrap_err(),
            Error::CannotDecrypt
        );
    }

    #[test]
    fn a_truncated_blob_is_malformed() {
        let key = SymmetricKey::generate();
        let blob = Keyring::new(PartyKeys::generate(1)).seal(&key, b"s");
        assert!(matches!(
            Keyring::open(&blob[..blob.len() - 1], &key, b"s"),
            Err(Error::Malformed(_))
        ));
    }

    #[test]
    fn debug_output_lists_versions_only() {
        let keyring = Keyring::new(PartyKeys::generate(5));
        assert_eq!(format!("{keyring:?}"), "Keyring { versions: [5] }");
    }
}
