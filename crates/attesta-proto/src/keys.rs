//! Party keys: an Ed25519 signing key and an X25519 exchange key, versioned.
//! The version grows on rotation; every device keeps all versions (in the
//! keyring) so that items sealed under old keys stay readable.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::CryptoRng;
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use x25519_dalek::StaticSecret;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encoding::b64;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("the signing key is not a valid Ed25519 public key")]
    InvalidSigningKey,
    #[error("dh_sig does not verify: the exchange key is not bound to the signing key")]
    BadDhSignature,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub(crate) const PUBLIC_KEYS_BYTES: usize = 4 + 32 + 32 + 64;

/// Public keys whose `dh_sig` verified (see [`PublicKeys::verify`]), with
/// their signing key decoded; cleared when it holds this many, so it never
/// grows without bound.
const VERIFIED_MAX: usize = 4096;

static VERIFIED: LazyLock<Mutex<HashMap<[u8; PUBLIC_KEYS_BYTES], VerifyingKey>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The prefix of the `dh_sig` input, so that the signature cannot be mistaken for any other.
const DH_SIG_LABEL: &[u8] = b"attesta dh v1";

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

impl PublicKeys {
    /// Checks `dh_sig` (strictly: no malleable or small-order encodings). The
    /// server refuses keys that fail this, and so does every client before it
    /// uses a peer's exchange key.
    ///
    /// Keys that verified once are remembered by their exact bytes: a client
    /// checks the same peer keys for every block of a conversation, and this
    /// signature was a third of the cost of opening a block
    /// (docs/performance.md). Only successes are remembered.
    pub fn verify(&self) -> Result<()> {
        self.verified_key().map(|_| ())
    }

    /// The Ed25519 key that verifies this party's signatures, once `dh_sig`
    /// verified. It is remembered with the keys: decoding it (a square root
    /// on the curve) took about 4 of the 60 µs that opening a block cost.
    pub(crate) fn verified_key(&self) -> Result<VerifyingKey> {
        let bytes = self.to_bytes();
        let verified = || {
            VERIFIED
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
        if let Some(key) = verified().get(&bytes) {
            return Ok(*key);
        }
        let key = VerifyingKey::from_bytes(&self.sign).map_err(|_| Error::InvalidSigningKey)?;
        key.verify_strict(
            &dh_sig_input(self.version, &self.sign, &self.dh),
            &Signature::from_bytes(&self.dh_sig),
        )
        .map_err(|_| Error::BadDhSignature)?;
        let mut verified = verified();
        if verified.len() >= VERIFIED_MAX {
            verified.clear();
        }
        verified.insert(bytes, key);
        Ok(key)
    }

    /// Every field, as the memos of verified keys and derived connector keys hold them.
    pub(crate) fn to_bytes(&self) -> [u8; PUBLIC_KEYS_BYTES] {
        let mut bytes = [0u8; PUBLIC_KEYS_BYTES];
        let parts: [&[u8]; 4] = [
            &self.version.to_be_bytes(),
            &self.sign,
            &self.dh,
            &self.dh_sig,
        ];
        let mut at = 0;
        for part in parts {
            bytes[at..at + part.len()].copy_from_slice(part);
            at += part.len();
        }
        bytes
    }
}

/// `"attesta dh v1" || u32 BE version || sign || dh`.
fn dh_sig_input(version: u32, sign: &[u8; 32], dh: &[u8; 32]) -> Vec<u8> {
    [DH_SIG_LABEL, &version.to_be_bytes(), sign, dh].concat()
}

/// A party's private keys of one version, with their public form made once
/// (it costs a signature). Both secrets are wiped on drop.
pub struct PartyKeys {
    signing: SigningKey,
    dh: StaticSecret,
    public: PublicKeys,
}

impl PartyKeys {
    /// Fresh keys from the operating system's random source.
    pub fn generate(version: u32) -> Self {
        Self::generate_with(version, &mut os_rng())
    }

    pub(crate) fn generate_with(version: u32, rng: &mut impl CryptoRng) -> Self {
        Self::assemble(
            version,
            SigningKey::generate(rng),
            StaticSecret::random_from_rng(rng),
        )
    }

    /// Rebuilds keys from their stored secrets (the keyring's plaintext).
    pub(crate) fn from_secrets(version: u32, sign_seed: &[u8; 32], dh: [u8; 32]) -> Self {
        Self::assemble(
            version,
            SigningKey::from_bytes(sign_seed),
            StaticSecret::from(dh),
        )
    }

    fn assemble(version: u32, signing: SigningKey, dh: StaticSecret) -> Self {
        let sign = signing.verifying_key().to_bytes();
        let dh_public = x25519_dalek::PublicKey::from(&dh).to_bytes();
        let dh_sig = signing
            .sign(&dh_sig_input(version, &sign, &dh_public))
            .to_bytes();
        let public = PublicKeys {
            version,
            sign,
            dh: dh_public,
            dh_sig,
        };
        PartyKeys {
            signing,
            dh,
            public,
        }
    }

    pub fn version(&self) -> u32 {
        self.public.version
    }

    /// The public form, with `dh_sig` made by this party's signing key.
    pub fn public(&self) -> &PublicKeys {
        &self.public
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    pub(crate) fn dh_secret(&self) -> &StaticSecret {
        &self.dh
    }

    pub(crate) fn dh_public(&self) -> [u8; 32] {
        self.public.dh
    }

    /// The Ed25519 seed, for the keyring's plaintext only.
    pub(crate) fn sign_seed(&self) -> &[u8; 32] {
        self.signing.as_bytes()
    }
}

impl fmt::Debug for PartyKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PartyKeys")
            .field("version", &self.public.version)
            .field("secrets", &"<redacted>")
            .finish()
    }
}

/// A 32-byte symmetric key (a group key, a keyring key, a content key),
/// wiped on drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SymmetricKey([u8; 32]);

impl SymmetricKey {
    pub fn generate() -> Self {
        Self::generate_with(&mut os_rng())
    }

    pub(crate) fn generate_with(rng: &mut impl CryptoRng) -> Self {
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        SymmetricKey(key)
    }

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SymmetricKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// XChaCha20-Poly1305 with a random 24-byte nonce chosen by the caller.
    pub(crate) fn encrypt(&self, nonce: &[u8; 24], ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        XChaCha20Poly1305::new(&self.0.into())
            .encrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: plaintext,
                    aad: ad,
                },
            )
            .expect("XChaCha20-Poly1305 refuses only plaintexts of 256 GiB and more")
    }

    /// The plaintext, or `None` when the ciphertext, nonce or `ad` was altered
    /// or another key sealed it.
    pub(crate) fn decrypt(
        &self,
        nonce: &[u8; 24],
        ad: &[u8],
        ciphertext: &[u8],
    ) -> Option<Zeroizing<Vec<u8>>> {
        XChaCha20Poly1305::new(&self.0.into())
            .decrypt(
                &XNonce::from(*nonce),
                Payload {
                    msg: ciphertext,
                    aad: ad,
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

/// In constant time, so comparing keys tells nothing about where they differ.
impl PartialEq for SymmetricKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SymmetricKey {}

impl fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SymmetricKey(<redacted>)")
    }
}

/// Keys travel inside encrypted CBOR only, as a byte string.
impl Serialize for SymmetricKey {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for SymmetricKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        crate::blocks::cbor::bytes::deserialize::<D, [u8; 32]>(d).map(SymmetricKey)
    }
}

/// The operating system's random source. It fails only on a broken system,
/// where going on without randomness would be worse than stopping.
pub(crate) fn os_rng() -> UnwrapErr<SysRng> {
    UnwrapErr(SysRng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_public_keys_verify() {
        let keys = PartyKeys::generate(3);
        let public = keys.public();
        assert_eq!(public.version, 3);
        assert_eq!(public.verify(), Ok(()));
    }

    #[test]
    fn public_keys_with_a_swapped_dh_key_are_refused() {
        let mut public = PartyKeys::generate(1).public().clone();
        public.dh = PartyKeys::generate(1).public().dh;
        assert_eq!(public.verify(), Err(Error::BadDhSignature));
    }

    #[test]
    fn keys_that_verified_once_are_still_checked_when_changed() {
        let keys = PartyKeys::generate(1);
        assert_eq!(keys.public().verify(), Ok(()));
        assert_eq!(keys.public().verify(), Ok(()), "remembered");
        let mut swapped = keys.public().clone();
        swapped.dh = PartyKeys::generate(1).public().dh;
        assert_eq!(swapped.verify(), Err(Error::BadDhSignature));
        let mut forged = keys.public().clone();
        forged.dh_sig[0] ^= 1;
        assert_eq!(forged.verify(), Err(Error::BadDhSignature));
    }

    #[test]
    fn the_remembered_signing_key_is_that_of_the_keys_asked_about() {
        let (a, b) = (PartyKeys::generate(1), PartyKeys::generate(1));
        for _ in 0..2 {
            assert_eq!(
                a.public().verified_key().unwrap().to_bytes(),
                a.public().sign
            );
            assert_eq!(
                b.public().verified_key().unwrap().to_bytes(),
                b.public().sign
            );
        }
    }

    #[test]
    fn public_keys_with_a_changed_version_are_refused() {
        let mut public = PartyKeys::generate(1).public().clone();
        public.version = 2;
        assert_eq!(public.verify(), Err(Error::BadDhSignature));
    }

    #[test]
    fn a_signing_key_that_is_no_curve_point_is_refused() {
        let mut public = PartyKeys::generate(1).public().clone();
        // y = 2 has no x on edwards25519, so this encoding decodes to no point.
        public.sign = [0; 32];
        public.sign[0] = 2;
        assert_eq!(public.verify(), Err(Error::InvalidSigningKey));
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let keys = PartyKeys::generate(7);
        let shown = format!("{keys:?} {:?}", SymmetricKey::from_bytes([0xab; 32]));
        assert!(shown.contains("version: 7"), "{shown}");
        assert!(!shown.to_lowercase().contains("ab, "), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }
}
