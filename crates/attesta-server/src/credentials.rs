//! Passwords as the server sees them: a slow Argon2id hash of the client's
//! `auth_key` (never the key), the fake but stable `auth_params` answer for
//! tokens nobody holds, and sessions.

use std::path::Path;
use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use attesta_proto::api::{AuthParamsResponse, Kdf, KdfAlg};
use attesta_proto::password::{
    DEFAULT_KDF, MAX_M_KIB, MAX_P, MAX_SALT_BYTES, MAX_T, MIN_M_KIB, MIN_SALT_BYTES, MIN_T,
};
use attesta_proto::tokens::Token;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::storage::accounts::Password;
use crate::{Error, Result};

/// Argon2id runs this many at a time (each takes 19 MiB and tens of
/// milliseconds): a burst of logins waits instead of exhausting memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Runs a hash or a check on a blocking thread, within the [`HASHING`] bound.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|e| Error::Internal(format!("hashing semaphore: {e}")))?;
    tokio::task::spawn_blocking(work).await?
}

/// The length of `auth_key`: the first half of the client's Argon2id output.
const AUTH_KEY_BYTES: usize = 32;

/// A random key kept in the data directory; it makes the fake salts of
/// `auth_params` unpredictable yet stable across calls and restarts.
pub struct ServerSecret([u8; 32]);

impl ServerSecret {
    /// Reads the secret file, creating it (owner-only) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self> {
        let io =
            |e: std::io::Error| Error::Internal(format!("server secret {}: {e}", path.display()));
        match std::fs::read(path) {
            Ok(bytes) => <[u8; 32]>::try_from(bytes).map(ServerSecret).map_err(|_| {
                Error::Internal(format!("server secret {} is not 32 bytes", path.display()))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let secret: [u8; 32] = rand::random();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(io)?;
                std::io::Write::write_all(&mut file, &secret).map_err(io)?;
                file.sync_all().map_err(io)?;
                Ok(ServerSecret(secret))
            }
            Err(e) => Err(io(e)),
        }
    }

    /// What `auth_params` answers for a token nobody holds: a salt derived
    /// from the token, and the parameters a new client would choose.
    pub fn fake_params(&self, token: &Token) -> Result<AuthParamsResponse> {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0)
            .map_err(|e| Error::Internal(format!("hmac key: {e}")))?;
        mac.update(b"attesta fake salt v1");
        mac.update(token.as_bytes());
        let salt = mac
            .finalize()
            .into_bytes()
            .get(..16)
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        Ok(AuthParamsResponse {
            salt,
            kdf: DEFAULT_KDF,
        })
    }
}

/// Refuses password parameters that no client would derive with.
pub fn check_password_params(salt: &[u8], kdf: &Kdf, auth_key: &[u8]) -> Result<()> {
    let KdfAlg::Argon2id = kdf.alg;
    if !(MIN_SALT_BYTES..=MAX_SALT_BYTES).contains(&salt.len()) {
        return Err(Error::bad_request(format!(
            "salt must be {MIN_SALT_BYTES} to {MAX_SALT_BYTES} bytes"
        )));
    }
    if kdf.m_kib < MIN_M_KIB || kdf.t < MIN_T || kdf.p == 0 {
        return Err(Error::bad_request(format!(
            "kdf below the minimum of {MIN_M_KIB} KiB and {MIN_T} passes"
        )));
    }
    if kdf.m_kib > MAX_M_KIB || kdf.t > MAX_T || kdf.p > MAX_P {
        return Err(Error::bad_request(format!(
            "kdf above {MAX_M_KIB} KiB, {MAX_T} passes or {MAX_P} lanes"
        )));
    }
    check_auth_key(auth_key)
}

pub fn check_auth_key(auth_key: &[u8]) -> Result<()> {
    if auth_key.len() != AUTH_KEY_BYTES {
        return Err(Error::bad_request(format!(
            "auth_key must be {AUTH_KEY_BYTES} bytes"
        )));
    }
    Ok(())
}

/// A password record for a new `auth_key`, hashed on a blocking thread.
pub async fn password_record(salt: Vec<u8>, kdf: Kdf, auth_key: Vec<u8>) -> Result<Password> {
    let auth_hash = hashing(move || hash(&auth_key)).await?;
    Ok(Password {
        salt,
        kdf,
        auth_hash,
    })
}

fn hash(auth_key: &[u8]) -> Result<String> {
    Argon2::default()
        .hash_password(auth_key)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2: {e}")))
}

/// Whether `auth_key` matches `auth_hash`. Without a hash (an unknown
/// token) a throwaway hash is checked instead, so that the answer takes
/// as long as a real check and unknown and wrong logins look alike.
pub async fn verify(auth_key: Vec<u8>, auth_hash: Option<String>) -> Result<bool> {
    hashing(move || {
        let stored = match &auth_hash {
            Some(stored) => stored.as_str(),
            None => decoy_hash()?,
        };
        let matches = Argon2::default().verify_password(&auth_key, stored).is_ok();
        Ok(matches && auth_hash.is_some())
    })
    .await
}

/// The throwaway hash unknown logins are checked against; made at start so
/// that the first unknown login takes no longer than the others.
pub fn decoy_hash() -> Result<&'static str> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(decoy) = DECOY.get() {
        return Ok(decoy);
    }
    let decoy = hash(&rand::random::<[u8; AUTH_KEY_BYTES]>())?;
    Ok(DECOY.get_or_init(|| decoy))
}

/// A new session: the secret the device keeps, and what the server keeps of it.
pub fn new_session() -> (String, [u8; 32]) {
    let session = attesta_proto::encoding::to_b64(&rand::random::<[u8; 32]>());
    let hash = crate::http::session_hash(&session);
    (session, hash)
}

/// A new random id (party, device): 16 bytes, base64url.
pub fn new_id() -> String {
    attesta_proto::encoding::to_b64(&rand::random::<[u8; 16]>())
}

/// A new item id: the delivery time in milliseconds (6 bytes, big-endian)
/// and 10 random bytes, base64url. Ids made close in time share a prefix,
/// so they sit beside each other in the indexes that hold them: a delivery
/// writes the same few pages as the ones before it instead of a random page
/// of each index. An item's time is no secret: everyone who sees the item
/// sees its `created_at`.
pub fn new_item_id(created_at_ms: i64) -> String {
    let mut id = [0u8; 16];
    id[..6].copy_from_slice(&created_at_ms.to_be_bytes()[2..]);
    id[6..].copy_from_slice(&rand::random::<[u8; 10]>());
    attesta_proto::encoding::to_b64(&id)
}
