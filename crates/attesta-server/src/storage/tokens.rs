//! A party's search tokens, nick quarantine, and one-time codes.

use std::time::Duration;

use attesta_proto::api::{TokenInfo, Unavailable};
use attesta_proto::tokens::{Token, TokenKind};
use time::OffsetDateTime;

use super::Committed;
use crate::Result;

/// The nick rules of tokens.md, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct NickRules {
    pub max: u32,
    pub removals_per_30_days: u32,
    pub quarantine: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NickOutcome {
    /// The nick is the party's (new, taken back from quarantine, or already held).
    Held,
    Unavailable(Unavailable),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    Confirm,
    Recover,
}

/// A one-time code as stored: only its hash.
#[derive(Debug, Clone)]
pub struct Code {
    pub purpose: CodePurpose,
    pub party_id: String,
    pub token: Token,
    pub hash: [u8; 32],
    pub expires_at: OffsetDateTime,
    pub tries: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeCheck {
    /// Right and in time: the code is used up.
    Valid { party_id: String },
    /// Wrong, expired, used up, or no code at all: the caller learns no more.
    Refused,
}

pub trait TokenStore {
    /// All the party's tokens, confirmed or waiting, oldest first.
    fn tokens(&self, party_id: &str) -> Result<Vec<TokenInfo>>;

    /// Adds a nick, takes back the party's own quarantined one, or only sets
    /// `searchable` on one it holds. `limit` for one nick too many.
    fn add_nick(
        &self,
        party_id: &str,
        token: &Token,
        searchable: bool,
        rules: NickRules,
        now: OffsetDateTime,
    ) -> Result<Committed<NickOutcome>>;

    /// Removes a token: `not_found`, `conflict` (the last login token) or
    /// `limit` (too many nick removals). A removed nick goes into quarantine.
    fn remove_token(
        &self,
        party_id: &str,
        token: &Token,
        rules: NickRules,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;

    /// `not_found` if not held, `conflict` if not confirmed.
    fn set_searchable(
        &self,
        party_id: &str,
        token: &Token,
        searchable: bool,
    ) -> Result<Committed<()>>;

    /// Records an address waiting for its code (replacing an earlier code).
    /// `true` when the party already holds it confirmed: then only
    /// `searchable` is set and nothing is to be sent.
    fn add_address(
        &self,
        kind: TokenKind,
        searchable: bool,
        code: &Code,
        now: OffsetDateTime,
    ) -> Result<Committed<bool>>;

    /// The party that holds a confirmed token.
    fn holder(&self, token: &Token) -> Result<Option<String>>;

    /// Stores a code, replacing an earlier one for the same purpose, party and token.
    fn put_code(&self, code: &Code) -> Result<()>;

    /// Checks the party's confirmation code for an address, counting the try.
    fn check_code(
        &self,
        party_id: &str,
        token: &Token,
        hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<CodeCheck>;

    /// Makes an address the party's confirmed token, taking it from its former holder.
    fn confirm_address(&self, party_id: &str, token: &Token) -> Result<Committed<()>>;
}
