//! Parties, their devices and sessions, keys and account data.

use attesta_proto::api::{AccountData, Kdf, Unavailable};
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use time::OffsetDateTime;

use super::Committed;
use crate::Result;

/// A device being logged in, with the hash of its new session.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub device_id: String,
    pub name: String,
    pub session_hash: [u8; 32],
}

/// What the client chose for its password, kept so that `auth_params` can
/// hand salt and parameters back; `auth_hash` is the slow hash of `auth_key`.
#[derive(Debug, Clone)]
pub struct Password {
    pub salt: Vec<u8>,
    pub kdf: Kdf,
    pub auth_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewParty {
    pub party_id: String,
    pub nick: Token,
    pub searchable: bool,
    pub password: Password,
    pub keyring: Vec<u8>,
    pub public_keys: PublicKeys,
    pub device: NewDevice,
}

/// The keys a logged-in device needs.
#[derive(Debug, Clone)]
pub struct PartyKeys {
    pub keyring: Vec<u8>,
    pub public_keys: PublicKeys,
}

#[derive(Debug, Clone)]
pub struct DeviceRecord {
    pub device_id: String,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

/// Who was recovered, and the devices whose sessions ended.
#[derive(Debug, Clone)]
pub struct Recovered {
    pub party_id: String,
    pub ended_devices: Vec<String>,
}

pub trait AccountStore {
    /// The party and device of a live session, marking the device as seen.
    fn session_device(
        &self,
        session_hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<Option<(String, String)>>;

    /// Creates a party with its first nick and device, or says why the nick is not free.
    fn register_party(
        &self,
        party: &NewParty,
        now: OffsetDateTime,
    ) -> Result<Result<(), Unavailable>>;

    /// The party that holds a confirmed token, and its password record.
    fn password_by_token(&self, token: &Token) -> Result<Option<(String, Password)>>;

    fn password(&self, party_id: &str) -> Result<Password>;

    /// Logs a new device in: the device and its session, and the keys it needs.
    fn open_device(
        &self,
        party_id: &str,
        device: &NewDevice,
        now: OffsetDateTime,
    ) -> Result<Committed<PartyKeys>>;

    /// Ends a device's session; `None` when it is not a live device of the party.
    fn end_device(
        &self,
        party_id: &str,
        device_id: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Committed<()>>>;

    /// The party's live devices, oldest first.
    fn devices(&self, party_id: &str) -> Result<Vec<DeviceRecord>>;

    /// A new password and the keyring encrypted under it, recorded as a party
    /// change so that the party's other devices get the keyring in `sync`.
    fn set_password(
        &self,
        party_id: &str,
        password: &Password,
        keyring: &[u8],
    ) -> Result<Committed<()>>;

    /// The party's current keyring and public keys.
    fn party_keys(&self, party_id: &str) -> Result<PartyKeys>;

    /// New party keys; `bad_request` unless the version grows. Peers that share
    /// a connector with the party get a `connector` change.
    fn rotate_keys(&self, party_id: &str, keys: &PartyKeys) -> Result<Committed<()>>;

    /// Recovery by a code sent to a confirmed address the party still holds:
    /// new password and keys, every old session ended, one new device logged
    /// in. `None` when the code is refused (the try counts); an error (keys
    /// whose version does not grow) leaves the code unused.
    fn recover(
        &self,
        token: &Token,
        code_hash: &[u8; 32],
        password: &Password,
        keys: &PartyKeys,
        device: &NewDevice,
        now: OffsetDateTime,
    ) -> Result<Option<Committed<Recovered>>>;

    fn account_data(&self, party_id: &str) -> Result<AccountData>;

    /// Stores `data` if `version` is the current one (`conflict` if not); the new version.
    fn put_account_data(&self, party_id: &str, data: &AccountData) -> Result<Committed<u64>>;

    /// The party holding a confirmed, searchable token of this kind, with its keys.
    fn searchable_party(
        &self,
        kind: TokenKind,
        token: &Token,
    ) -> Result<Option<(String, PublicKeys)>>;
}
