//! Search tokens: the syntex hash of a normalized nick, e-mail or phone number.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::encoding::{b64, from_b64, to_b64};

pub mod email;
pub mod nick;
pub mod phone;
pub mod syntex;

pub use email::EmailError;
pub use nick::NickError;
pub use phone::PhoneError;

/// Why a value cannot be made into a token of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error(transparent)]
    Nick(#[from] NickError),
    #[error(transparent)]
    Email(#[from] EmailError),
    #[error(transparent)]
    Phone(#[from] PhoneError),
}

/// A search token: 36 bytes, base64url on the wire (48 characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Token(#[serde(with = "b64")] pub [u8; 36]);

impl Token {
    /// The syntex hash of bytes that are already in normal form. Callers with
    /// a typed value want [`Token::compute`] or the per-kind constructors.
    pub fn hash(normalized: &[u8]) -> Token {
        Token(syntex::syntex(normalized))
    }

    /// The token of a typed nick (tokens.md, "Nick").
    pub fn nick(typed: &str) -> Result<Token, NickError> {
        Ok(Token::hash(nick::normalize(typed)?.as_bytes()))
    }

    /// The token of a typed e-mail address (tokens.md, "E-mail").
    pub fn email(typed: &str) -> Result<Token, EmailError> {
        Ok(Token::hash(email::normalize(typed)?.as_bytes()))
    }

    /// The token of a typed mobile number (tokens.md, "Phone"); `region` reads
    /// a number typed without `+`.
    pub fn phone(typed: &str, region: Option<&str>) -> Result<Token, PhoneError> {
        Ok(Token::hash(phone::normalize(typed, region)?.as_bytes()))
    }

    /// The one entry point for any kind (the server's `token_compute`): the
    /// token and the normalized value it hashes. `region` matters only for
    /// phone numbers and is ignored for the other kinds.
    pub fn compute(
        kind: TokenKind,
        value: &str,
        region: Option<&str>,
    ) -> Result<(Token, String), TokenError> {
        let normalized = match kind {
            TokenKind::Nick => nick::normalize(value)?,
            TokenKind::Email => email::normalize(value)?,
            TokenKind::Phone => phone::normalize(value, region)?,
        };
        Ok((Token::hash(normalized.as_bytes()), normalized))
    }

    pub fn as_bytes(&self) -> &[u8; 36] {
        &self.0
    }
}

/// Base64url without padding, 48 characters: the wire form.
impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&to_b64(&self.0))
    }
}

/// Why a text is not a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenParseError {
    #[error("a token is base64url without padding: {0}")]
    NotBase64(#[from] base64::DecodeError),
    #[error("a token is 36 bytes (48 characters); this one is {0} bytes")]
    WrongLength(usize),
}

impl FromStr for Token {
    type Err = TokenParseError;

    fn from_str(text: &str) -> Result<Token, TokenParseError> {
        let bytes = from_b64(text)?;
        let len = bytes.len();
        let bytes: [u8; syntex::LEN] = bytes
            .try_into()
            .map_err(|_| TokenParseError::WrongLength(len))?;
        Ok(Token(bytes))
    }
}

/// What a token was made from. The normalized forms of the kinds are disjoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Nick,
    Email,
    Phone,
}

/// General categories Cc and Cf: controls, and the invisible format
/// characters (zero-width spaces and joiners, bidi overrides) used to spoof.
fn is_control_or_format(ch: char) -> bool {
    matches!(
        ch.general_category(),
        GeneralCategory::Control | GeneralCategory::Format
    )
}

/// tokens.md's phone shape: an optional `+`, then only decimal digits (of any
/// script), spaces, dashes, dots and parentheses.
fn is_phone_shaped(text: &str) -> bool {
    let rest = text.strip_prefix('+').unwrap_or(text);
    rest.chars().all(|c| {
        matches!(c, ' ' | '.' | '(' | ')')
            || matches!(
                c.general_category(),
                GeneralCategory::DecimalNumber | GeneralCategory::DashPunctuation
            )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_travels_as_48_base64url_characters_and_reads_back() {
        let token = Token::hash("+14155550123".as_bytes());
        let text = token.to_string();
        assert_eq!(text.len(), 48);
        assert_eq!(text, "-sp9AkxQXQjmedhl7B8mlUPIaoiAKPGKZeq7HX_cIH5EHc24");
        assert_eq!(text.parse::<Token>(), Ok(token));
        let json = serde_json::to_string(&token).expect("a token serializes");
        assert_eq!(json, format!("\"{text}\""));
    }

    #[test]
    fn compute_gives_each_kind_its_normalized_value_and_token() {
        let (token, nick) = Token::compute(TokenKind::Nick, " Alice ", Some("DE")).expect("a nick");
        assert_eq!((token, nick.as_str()), (Token::hash(b"alice"), "alice"));
        let (token, email) = Token::compute(TokenKind::Email, "A@B.C", None).expect("an address");
        assert_eq!((token, email.as_str()), (Token::hash(b"a@b.c"), "a@b.c"));
        let (token, phone) =
            Token::compute(TokenKind::Phone, "(415) 555-0123", Some("US")).expect("a number");
        assert_eq!(
            (token, phone.as_str()),
            (Token::hash(b"+14155550123"), "+14155550123")
        );
    }

    #[test]
    fn compute_refuses_a_value_of_the_wrong_kind_with_that_kinds_reason() {
        let err = Token::compute(TokenKind::Nick, "a@b.c", None).expect_err("@ in a nick");
        assert_eq!(err, TokenError::Nick(NickError::ContainsAt));
        let err = Token::compute(TokenKind::Email, "alice", None).expect_err("no @");
        assert_eq!(err.to_string(), "not an e-mail address: it has no @");
        let err = Token::compute(TokenKind::Phone, "alice", None).expect_err("letters");
        assert!(matches!(
            err,
            TokenError::Phone(PhoneError::ForbiddenCharacter { ch: 'a' })
        ));
    }

    #[test]
    fn a_truncated_or_padded_token_is_refused_with_a_reason() {
        let text = Token::hash(b"alice").to_string();
        let short = text.get(..44).expect("48 ASCII characters");
        assert_eq!(
            short.parse::<Token>(),
            Err(TokenParseError::WrongLength(33))
        );
        let err = format!("{text}==")
            .parse::<Token>()
            .expect_err("padding is refused");
        assert!(err.to_string().contains("base64url"), "{err}");
    }
}
