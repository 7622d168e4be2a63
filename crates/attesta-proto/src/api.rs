//! The request, response and error bodies of the service API (v1), as
//! `shared/design/api.md` defines them. Each request type names its method and
//! its response type through [`Method`], so the server routes and the client
//! calls from one table and neither can drift from the other.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::encoding::b64;
use crate::keys::PublicKeys;
use crate::tokens::{Token, TokenKind};

pub type PartyId = String;
pub type DeviceId = String;
pub type ConnectorId = String;
pub type ItemId = String;

/// The path prefix of every method: `POST /api/v1/<method>`.
pub const PATH_PREFIX: &str = "/api/v1/";

/// One API method: its request body (this type), its name in the path, its
/// response body, and whether it needs a session.
pub trait Method: Serialize + DeserializeOwned + Send + 'static {
    const NAME: &'static str;
    const NEEDS_SESSION: bool;
    type Response: Serialize + DeserializeOwned + Send + 'static;
}

// ---------------------------------------------------------------- errors

/// The error codes of the API, each with one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    Limit,
    Internal,
}

impl ErrorCode {
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::TooLarge => 413,
            ErrorCode::Limit => 429,
            ErrorCode::Internal => 500,
        }
    }
}

/// Why a nick could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unavailable {
    Taken,
    Quarantine,
}

/// `{"error": {...}}`: the body of every non-200 answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
    /// Beside `conflict` at registration: why the nick is not free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Unavailable>,
}

// ---------------------------------------------------------------- shared shapes

/// The empty object, the answer of many methods and the body of some.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KdfAlg {
    Argon2id,
}

/// Password key derivation parameters, chosen by the client at registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kdf {
    pub alg: KdfAlg,
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

/// A result that is not an error: `{"result": "not_found"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotFound {
    pub result: Outcome,
}

impl NotFound {
    pub const VALUE: NotFound = NotFound {
        result: Outcome::NotFound,
    };
}

/// Exactly one of three token kinds names the party searched for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchToken {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_token: Option<Token>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_token: Option<Token>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_token: Option<Token>,
}

impl SearchToken {
    /// The one token given with its kind, or `None` when none or several are given.
    pub fn single(&self) -> Option<(TokenKind, Token)> {
        match (self.nick_token, self.email_token, self.phone_token) {
            (Some(t), None, None) => Some((TokenKind::Nick, t)),
            (None, Some(t), None) => Some((TokenKind::Email, t)),
            (None, None, Some(t)) => Some((TokenKind::Phone, t)),
            _ => None,
        }
    }

    pub fn of(kind: TokenKind, token: Token) -> Self {
        let mut s = SearchToken::default();
        match kind {
            TokenKind::Nick => s.nick_token = Some(token),
            TokenKind::Email => s.email_token = Some(token),
            TokenKind::Phone => s.phone_token = Some(token),
        }
        s
    }
}

// ---------------------------------------------------------------- accounts

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthParams {
    pub login_token: Token,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthParamsResponse {
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    pub kdf: Kdf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyRegister {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_token: Option<Token>,
    #[serde(default)]
    pub searchable: bool,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    pub kdf: Kdf,
    #[serde(with = "b64")]
    pub auth_key: Vec<u8>,
    #[serde(with = "b64")]
    pub keyring: Vec<u8>,
    pub public_keys: PublicKeys,
    pub device_name: String,
}

/// The answer to registration: a party with one device and its session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub party_id: PartyId,
    pub session: String,
    pub device_id: DeviceId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthLogin {
    pub login_token: Token,
    #[serde(with = "b64")]
    pub auth_key: Vec<u8>,
    pub device_name: String,
}

/// The answer to a login or a recovery: a session and what the device needs to read history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub party_id: PartyId,
    pub session: String,
    pub device_id: DeviceId,
    #[serde(with = "b64")]
    pub keyring: Vec<u8>,
    pub public_keys: PublicKeys,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthLogout {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesList {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub device_id: DeviceId,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub last_seen_at: OffsetDateTime,
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesListResponse {
    pub devices: Vec<Device>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevicesRevoke {
    pub device_id: DeviceId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordChange {
    #[serde(with = "b64")]
    pub old_auth_key: Vec<u8>,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    pub kdf: Kdf,
    #[serde(with = "b64")]
    pub auth_key: Vec<u8>,
    #[serde(with = "b64")]
    pub keyring: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysRotate {
    pub public_keys: PublicKeys,
    #[serde(with = "b64")]
    pub keyring: Vec<u8>,
}

/// A confirmed address to recover by: exactly one of `email` and `phone`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryAddress {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The region a phone number without `+` is read in (ISO 3166 alpha-2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRecoverStart {
    #[serde(flatten)]
    pub address: RecoveryAddress,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRecoverFinish {
    #[serde(flatten)]
    pub address: RecoveryAddress,
    pub code: String,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    pub kdf: Kdf,
    #[serde(with = "b64")]
    pub auth_key: Vec<u8>,
    #[serde(with = "b64")]
    pub keyring: Vec<u8>,
    pub public_keys: PublicKeys,
    pub device_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDataGet {}

/// The encrypted account data; `version` 0 with empty `data` before the first write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountData {
    #[serde(with = "b64")]
    pub data: Vec<u8>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDataVersion {
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartiesLookup {
    #[serde(flatten)]
    pub token: SearchToken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyFound {
    pub party_id: PartyId,
    pub public_keys: PublicKeys,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PartiesLookupResponse {
    Found(PartyFound),
    NotFound(NotFound),
}

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCompute {
    pub kind: TokenKind,
    pub value: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub token: Token,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAddNick {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_token: Option<Token>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    #[serde(default)]
    pub searchable: bool,
}

/// `{token}` when the nick is the party's, `{token: null, reason}` when it is not free.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAddNickResponse {
    pub token: Option<Token>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Unavailable>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAddEmail {
    pub email: String,
    #[serde(default)]
    pub searchable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenAddPhone {
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default)]
    pub searchable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenConfirmation {
    pub token: Token,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenConfirm {
    pub token: Token,
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenSetSearchable {
    pub token: Token,
    pub searchable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRemove {
    pub token: Token,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensList {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenInfo {
    pub token: Token,
    pub kind: TokenKind,
    pub searchable: bool,
    pub confirmed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensListResponse {
    pub tokens: Vec<TokenInfo>,
}

// ---------------------------------------------------------------- connectors

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    P2p,
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MemberState {
    Waiting,
    Accepted,
    Blocked,
    Left,
    Removed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Originator,
    Recipient,
    Owner,
    Member,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    pub party_id: PartyId,
    pub public_keys: PublicKeys,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub party_id: PartyId,
    pub public_keys: PublicKeys,
    pub role: Role,
    pub state: MemberState,
}

/// A connector as the caller sees it: `state` and `role` are the caller's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connector {
    pub id: ConnectorId,
    pub kind: ConnectorKind,
    pub state: MemberState,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<Peer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorsRequest {
    #[serde(flatten)]
    pub token: SearchToken,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorResponse {
    pub connector: Connector,
}

/// A short-lived wire value, so the size difference of its variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ConnectorsRequestResponse {
    Found(ConnectorResponse),
    NotFound(NotFound),
}

/// Methods whose whole body is one connector id.
macro_rules! connector_id_body {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            pub connectors_id: ConnectorId,
        }
    )*};
}
connector_id_body!(
    ConnectorsAccept,
    ConnectorsBlock,
    ConnectorsUnblock,
    GroupLeave
);

/// Methods whose body is a connector and a party in it.
macro_rules! connector_party_body {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            pub connectors_id: ConnectorId,
            pub party_id: PartyId,
        }
    )*};
}
connector_party_body!(GroupInvite, GroupRemove);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorsList {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorsListResponse {
    pub connectors: Vec<Connector>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCreate {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorsDeliver {
    pub connectors_id: ConnectorId,
    #[serde(with = "b64")]
    pub data: Vec<u8>,
    #[serde(with = "b64")]
    pub client_id: [u8; 16],
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
}

// ---------------------------------------------------------------- items and sync

/// One delivered block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub connectors_id: ConnectorId,
    pub author_party_id: PartyId,
    pub author_device_id: DeviceId,
    #[serde(with = "b64")]
    pub client_id: [u8; 16],
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub size: u64,
    #[serde(with = "b64")]
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemResponse {
    pub item: Item,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemsDelete {
    pub item_id: ItemId,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sync {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

/// The party's own state, sent in `sync` whenever any of it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyState {
    pub party_id: PartyId,
    pub public_keys: PublicKeys,
    /// The current keyring (crypto.md), opaque to the server: how the
    /// party's other devices get the private keys of a rotation or a
    /// recovery, and the keyring of a new password. Empty from a server that
    /// predates it.
    #[serde(default, with = "b64")]
    pub keyring: Vec<u8>,
    pub tokens: Vec<TokenInfo>,
    pub devices: Vec<Device>,
    pub account_data_version: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party: Option<PartyState>,
    pub connectors: Vec<Connector>,
    pub items: Vec<Item>,
    pub removed: Vec<ItemId>,
    pub cursor: String,
    pub more: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsTicket {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsTicketResponse {
    pub ticket: String,
}

/// What the `/api/v1/events` WebSocket sends: a hint that `sync` has news.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    pub cursor: String,
}

/// `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
}

// ---------------------------------------------------------------- the method table

macro_rules! methods {
    ($($req:ident => $name:literal, $resp:ty, $session:literal;)*) => {
        $(impl Method for $req {
            const NAME: &'static str = $name;
            const NEEDS_SESSION: bool = $session;
            type Response = $resp;
        })*

        /// Every method name, in the order of api.md.
        pub const METHOD_NAMES: &[&str] = &[$($name),*];
    };
}

methods! {
    AuthParams => "auth_params", AuthParamsResponse, false;
    PartyRegister => "party_register", Session, false;
    AuthLogin => "auth_login", LoginResponse, false;
    AuthLogout => "auth_logout", Empty, true;
    DevicesList => "devices_list", DevicesListResponse, true;
    DevicesRevoke => "devices_revoke", Empty, true;
    PasswordChange => "password_change", Empty, true;
    KeysRotate => "keys_rotate", Empty, true;
    AuthRecoverStart => "auth_recover_start", Empty, false;
    AuthRecoverFinish => "auth_recover_finish", LoginResponse, false;
    AccountDataGet => "account_data_get", AccountData, true;
    AccountData => "account_data_put", AccountDataVersion, true;
    PartiesLookup => "parties_lookup", PartiesLookupResponse, true;
    TokenCompute => "token_compute", TokenResponse, false;
    TokenAddNick => "token_add_nick", TokenAddNickResponse, true;
    TokenAddEmail => "token_add_email", TokenConfirmation, true;
    TokenAddPhone => "token_add_phone", TokenConfirmation, true;
    TokenConfirm => "token_confirm", TokenConfirmation, true;
    TokenSetSearchable => "token_set_searchable", Empty, true;
    TokenRemove => "token_remove", Empty, true;
    TokensList => "tokens_list", TokensListResponse, true;
    ConnectorsRequest => "connectors_request", ConnectorsRequestResponse, true;
    ConnectorsAccept => "connectors_accept", Empty, true;
    ConnectorsBlock => "connectors_block", Empty, true;
    ConnectorsUnblock => "connectors_unblock", Empty, true;
    ConnectorsList => "connectors_list", ConnectorsListResponse, true;
    ConnectorsDeliver => "connectors_deliver", ItemResponse, true;
    GroupCreate => "group_create", ConnectorResponse, true;
    GroupInvite => "group_invite", Empty, true;
    GroupLeave => "group_leave", Empty, true;
    GroupRemove => "group_remove", Empty, true;
    ItemsDelete => "items_delete", Empty, true;
    Sync => "sync", SyncResponse, true;
    EventsTicket => "events_ticket", EventsTicketResponse, true;
}
