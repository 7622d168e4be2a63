//! Why a typed nick, e-mail or phone number cannot be used, in the words of
//! the contract's `Refusal`, for the live checks of the forms.

use attesta_proto::tokens::{EmailError, NickError, PhoneError, Token, TokenError, TokenKind};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    Empty,
    TooShort,
    TooLong,
    Invisible,
    AtSign,
    PhoneShape,
    Confusable,
    Character,
    NotAnEmail,
    NotAPhone,
    NotMobile,
}

/// The contract's `Normalized`: what will be used, or why nothing can be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Normalized {
    pub normalized: Option<String>,
    pub refusal: Option<Refusal>,
}

/// Normalizes locally, as tokens.md says (nothing is sent anywhere).
pub fn normalize(kind: TokenKind, value: &str, region: &str) -> Normalized {
    if value.trim().is_empty() {
        return refused(Refusal::Empty);
    }
    match Token::compute(kind, value, Some(region)) {
        Ok((_, normalized)) => Normalized {
            normalized: Some(normalized),
            refusal: None,
        },
        Err(e) => refused(refusal(&e)),
    }
}

fn refused(refusal: Refusal) -> Normalized {
    Normalized {
        normalized: None,
        refusal: Some(refusal),
    }
}

fn refusal(error: &TokenError) -> Refusal {
    match error {
        TokenError::Nick(e) => match e {
            NickError::TooShort { count: 0 } => Refusal::Empty,
            NickError::TooShort { .. } => Refusal::TooShort,
            NickError::TooLong { .. } => Refusal::TooLong,
            NickError::ForbiddenCharacter { .. } => Refusal::Invisible,
            NickError::ContainsAt => Refusal::AtSign,
            NickError::LooksLikePhoneNumber => Refusal::PhoneShape,
            NickError::NotAnIdentifierCharacter { .. } => Refusal::Character,
            NickError::MixedScripts => Refusal::Confusable,
        },
        TokenError::Email(
            EmailError::MissingAt
            | EmailError::SeveralAts
            | EmailError::EmptyLocalPart
            | EmailError::EmptyDomain
            | EmailError::WhiteSpace { .. }
            | EmailError::ForbiddenCharacter { .. },
        ) => Refusal::NotAnEmail,
        TokenError::Phone(PhoneError::NotMobile(_)) => Refusal::NotMobile,
        TokenError::Phone(_) => Refusal::NotAPhone,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nick(value: &str) -> Normalized {
        normalize(TokenKind::Nick, value, "US")
    }

    #[test]
    fn a_nick_is_shown_in_its_normalized_form() {
        assert_eq!(
            nick("  Alice   Smith ").normalized.as_deref(),
            Some("alice smith")
        );
    }

    #[test]
    fn each_broken_nick_rule_has_its_own_refusal() {
        assert_eq!(nick("").refusal, Some(Refusal::Empty));
        assert_eq!(nick("ab").refusal, Some(Refusal::TooShort));
        assert_eq!(nick(&"a".repeat(65)).refusal, Some(Refusal::TooLong));
        assert_eq!(nick("ali\u{200B}ce").refusal, Some(Refusal::Invisible));
        assert_eq!(nick("alice@home").refusal, Some(Refusal::AtSign));
        assert_eq!(nick("+1 555 0100").refusal, Some(Refusal::PhoneShape));
        assert_eq!(nick("p\u{0430}ypal").refusal, Some(Refusal::Confusable));
        assert_eq!(nick("alice!!").refusal, Some(Refusal::Character));
    }

    #[test]
    fn an_address_without_at_is_not_an_email_and_a_landline_is_not_mobile() {
        let email = normalize(TokenKind::Email, "alice.example.org", "US");
        assert_eq!(email.refusal, Some(Refusal::NotAnEmail));
        let phone = normalize(TokenKind::Phone, "hello", "US");
        assert_eq!(phone.refusal, Some(Refusal::NotAPhone));
    }
}
