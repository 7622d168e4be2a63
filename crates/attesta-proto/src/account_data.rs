//! `account_data` (api.md): the party's own settings, synced through the
//! server encrypted under a key only the party's devices can derive:
//! HKDF-SHA256 of the private exchange key, info `"attesta account v1"`.
//! The blob names the key version, so data written before a rotation still opens.

use hkdf::Hkdf;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::blocks::cbor::{self, bytes};
use crate::keyring::Keyring;
use crate::keys::{PartyKeys, SymmetricKey, os_rng};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the account data blob is malformed: {0}")]
    Malformed(String),
    #[error("account data format version {0} is not supported")]
    UnsupportedVersion(u64),
    #[error("the account data is sealed under key version {0}, which the keyring lacks")]
    UnknownKeyVersion(u32),
    #[error("the account data cannot be decrypted: altered, or another party's")]
    CannotDecrypt,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

const FORMAT_VERSION: u64 = 1;
const LABEL: &[u8] = b"attesta account v1";

/// The blob: `{v: 1, key_version, nonce, ct}`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sealed {
    v: u64,
    key_version: u32,
    #[serde(with = "bytes")]
    nonce: [u8; 24],
    #[serde(with = "bytes")]
    ct: Vec<u8>,
}

/// Seals `data` with the current keys; AD = `"attesta account v1" || party id`.
pub fn seal(keyring: &Keyring, party_id: &str, data: &[u8]) -> Vec<u8> {
    let keys = keyring.current();
    let mut nonce = [0u8; 24];
    rand::Rng::fill_bytes(&mut os_rng(), &mut nonce);
    let ct = account_key(keys).encrypt(&nonce, &associated_data(party_id), data);
    let sealed = Sealed {
        v: FORMAT_VERSION,
        key_version: keys.version(),
        nonce,
        ct,
    };
    cbor::to_vec(&sealed).expect("account data always encodes to CBOR")
}

/// Opens a blob made by [`seal`] for the same party.
pub fn open(keyring: &Keyring, party_id: &str, blob: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let sealed: Sealed = cbor::from_slice(blob).map_err(Error::Malformed)?;
    if sealed.v != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion(sealed.v));
    }
    let keys = keyring
        .get(sealed.key_version)
        .ok_or(Error::UnknownKeyVersion(sealed.key_version))?;
    account_key(keys)
        .decrypt(&sealed.nonce, &associated_data(party_id), &sealed.ct)
        .ok_or(Error::CannotDecrypt)
}

fn account_key(keys: &PartyKeys) -> SymmetricKey {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(None, keys.dh_secret().as_bytes())
        .expand(LABEL, &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    SymmetricKey::from_bytes(key)
}

fn associated_data(party_id: &str) -> Vec<u8> {
    [LABEL, party_id.as_bytes()].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_data_round_trips_across_a_key_rotation() {
        let mut keyring = Keyring::new(PartyKeys::generate(1));
        let blob = seal(&keyring, "p1", b"settings");
        keyring.rotate().unwrap();
        assert_eq!(open(&keyring, "p1", &blob).unwrap().as_slice(), b"settings");
        let newer = seal(&keyring, "p1", b"newer");
        assert_eq!(open(&keyring, "p1", &newer).unwrap().as_slice(), b"newer");
    }

    #[test]
    fn account_data_of_another_party_id_does_not_open() {
        let keyring = Keyring::new(PartyKeys::generate(1));
        let blob = seal(&keyring, "p1", b"settings");
        assert_eq!(
            open(&keyring, "p2", &blob).unwrap_err(),
            Error::CannotDecrypt
        );
    }

    #[test]
    fn account_data_needs_the_keys_it_was_sealed_with() {
        let blob = seal(&Keyring::new(PartyKeys::generate(2)), "p1", b"x");
        let other = Keyring::new(PartyKeys::generate(2));
        assert_eq!(open(&other, "p1", &blob).unwrap_err(), Error::CannotDecrypt);
        let older = Keyring::new(PartyKeys::generate(1));
        assert_eq!(
            open(&older, "p1", &blob).unwrap_err(),
            Error::UnknownKeyVersion(2)
        );
    }
}
