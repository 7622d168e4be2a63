//! From the password to two keys: Argon2id with the salt and parameters of
//! `auth_params` gives 64 bytes; the first 32 are `auth_key` (sent to the
//! server, which keeps only a slow hash of it), the last 32 encrypt the
//! keyring and never leave the device.
//!
//! Derivation is slow on purpose (about a second or more with the minimum
//! parameters, longer in debug builds). [`derive`] is synchronous; async
//! callers move a [`Derivation`] onto a blocking thread, e.g.
//! `tokio::task::spawn_blocking(move || derivation.run())`.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::api::{Kdf, KdfAlg};
use crate::keys::{SymmetricKey, os_rng};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("password parameters below the minimum of {MIN_M_KIB} KiB and {MIN_T} passes")]
    TooWeak,
    #[error(
        "password parameters above what a device is asked to spend ({MAX_M_KIB} KiB, {MAX_T} passes, {MAX_P} lanes)"
    )]
    TooCostly,
    #[error("the salt must be {MIN_SALT_BYTES} to {MAX_SALT_BYTES} bytes")]
    BadSalt,
    #[error("Argon2 refused the parameters: {0}")]
    Argon2(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// crypto.md's floor: 64 MiB and 3 passes.
pub const MIN_M_KIB: u32 = 64 * 1024;
pub const MIN_T: u32 = 3;
/// Ceilings, so that a server cannot make a device spend gigabytes or minutes.
pub const MAX_M_KIB: u32 = 2 * 1024 * 1024;
pub const MAX_T: u32 = 20;
pub const MAX_P: u32 = 16;
pub const MIN_SALT_BYTES: usize = 16;
pub const MAX_SALT_BYTES: usize = 64;

/// The parameters a client chooses at registration.
pub const DEFAULT_KDF: Kdf = Kdf {
    alg: KdfAlg::Argon2id,
    m_kib: MIN_M_KIB,
    t: MIN_T,
    p: 1,
};

/// A fresh random salt for registration or a password change.
pub fn new_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    os_rng().fill_bytes(&mut salt);
    salt
}

/// The two keys a password gives. Wiped on drop, never printed.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct PasswordKeys {
    pub auth_key: [u8; 32],
    pub keyring_key: SymmetricKey,
}

impl fmt::Debug for PasswordKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordKeys(<redacted>)")
    }
}

/// Derives the keys of `password` (its UTF-8 bytes as typed). Takes seconds.
pub fn derive(password: &str, salt: &[u8], kdf: &Kdf) -> Result<PasswordKeys> {
    let KdfAlg::Argon2id = kdf.alg;
    if kdf.m_kib < MIN_M_KIB || kdf.t < MIN_T {
        return Err(Error::TooWeak);
    }
    if kdf.m_kib > MAX_M_KIB || kdf.t > MAX_T || kdf.p > MAX_P {
        return Err(Error::TooCostly);
    }
    if !(MIN_SALT_BYTES..=MAX_SALT_BYTES).contains(&salt.len()) {
        return Err(Error::BadSalt);
    }
    let params =
        Params::new(kdf.m_kib, kdf.t, kdf.p, Some(64)).map_err(|e| Error::Argon2(e.to_string()))?;
    let mut out = Zeroizing::new([0u8; 64]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, out.as_mut_slice())
        .map_err(|e| Error::Argon2(e.to_string()))?;
    let (auth, keyring) = out.split_at(32);
    let mut keys = PasswordKeys {
        auth_key: [0; 32],
        keyring_key: SymmetricKey::from_bytes([0; 32]),
    };
    keys.auth_key.copy_from_slice(auth);
    let mut keyring_key = Zeroizing::new([0u8; 32]);
    keyring_key.copy_from_slice(keyring);
    keys.keyring_key = SymmetricKey::from_bytes(*keyring_key);
    Ok(keys)
}

/// An owned derivation (`Send + 'static`) to run off an async executor.
pub struct Derivation {
    password: Zeroizing<String>,
    salt: Vec<u8>,
    kdf: Kdf,
}

impl Derivation {
    pub fn new(password: &str, salt: &[u8], kdf: Kdf) -> Self {
        Derivation {
            password: Zeroizing::new(password.to_owned()),
            salt: salt.to_vec(),
            kdf,
        }
    }

    pub fn run(self) -> Result<PasswordKeys> {
        derive(&self.password, &self.salt, &self.kdf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_below_the_floor_are_refused_before_any_work() {
        let salt = [1u8; 16];
        let weak_memory = Kdf {
            m_kib: MIN_M_KIB - 1,
            ..DEFAULT_KDF
        };
        let weak_passes = Kdf {
            t: MIN_T - 1,
            ..DEFAULT_KDF
        };
        assert_eq!(
            derive("pw", &salt, &weak_memory).unwrap_err(),
            Error::TooWeak
        );
        assert_eq!(
            derive("pw", &salt, &weak_passes).unwrap_err(),
            Error::TooWeak
        );
    }

    #[test]
    fn parameters_a_server_could_use_to_exhaust_a_device_are_refused() {
        let salt = [1u8; 16];
        let huge = Kdf {
            m_kib: u32::MAX,
            ..DEFAULT_KDF
        };
        assert_eq!(derive("pw", &salt, &huge).unwrap_err(), Error::TooCostly);
        assert_eq!(
            derive("pw", &[1u8; 8], &DEFAULT_KDF).unwrap_err(),
            Error::BadSalt
        );
    }

    #[test]
    fn a_password_gives_the_same_keys_twice_and_different_keys_for_another_salt() {
        let salt = new_salt();
        let keys = Derivation::new("correct horse", &salt, DEFAULT_KDF)
            .run()
            .unwrap();
        let again = derive("correct horse", &salt, &DEFAULT_KDF).unwrap();
        let other = derive("correct horse", &new_salt(), &DEFAULT_KDF).unwrap();
        assert_eq!(keys.auth_key, again.auth_key);
        assert_eq!(keys.keyring_key, again.keyring_key);
        assert_ne!(keys.auth_key, other.auth_key);
        assert_ne!(
            keys.auth_key.as_slice(),
            keys.keyring_key.as_bytes().as_slice()
        );
        assert_eq!(format!("{keys:?}"), "PasswordKeys(<redacted>)");
    }
}
