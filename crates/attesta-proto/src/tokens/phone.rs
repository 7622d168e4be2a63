//! Phone numbers (tokens.md, "Phone"): mobile numbers only, in E.164, read the
//! way libphonenumber reads them (the `phonenumber` crate).

use std::str::FromStr;

use phonenumber::country::Id;
use phonenumber::{Mode, Type};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a typed value is not a mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("a number without a leading + needs a region (such as DE or US) to be read")]
    RegionNeeded,
    #[error("unknown region {0:?}: give an ISO 3166 two-letter code such as DE or US")]
    UnknownRegion(String),
    #[error("a phone number cannot contain {ch:?} (U+{:04X})", u32::from(*.ch))]
    ForbiddenCharacter { ch: char },
    #[error("not a valid number: {0}")]
    NotANumber(String),
    #[error("not a valid number in its country")]
    Invalid,
    #[error("not a mobile number (this one is {0})")]
    NotMobile(&'static str),
}

/// The number in E.164 (`+` and digits), or why it is not a mobile number.
/// `region` (ISO 3166 alpha-2, any case) reads numbers typed without `+`.
pub fn normalize(typed: &str, region: Option<&str>) -> Result<String, PhoneError> {
    let text: String = typed.nfkc().collect();
    let text = text.trim();
    if let Some(ch) = text.chars().find(|&c| !is_number_character(c)) {
        return Err(PhoneError::ForbiddenCharacter { ch });
    }
    let country = region.map(parse_region).transpose()?;
    if country.is_none() && !text.starts_with('+') {
        return Err(PhoneError::RegionNeeded);
    }
    let number =
        phonenumber::parse(country, text).map_err(|e| PhoneError::NotANumber(e.to_string()))?;
    if !number.is_valid() {
        return Err(PhoneError::Invalid);
    }
    match number.number_type(&phonenumber::metadata::DATABASE) {
        Type::Mobile | Type::FixedLineOrMobile => Ok(number.format().mode(Mode::E164).to_string()),
        other => Err(PhoneError::NotMobile(describe(other))),
    }
}

/// Digits, `+`, white space, dashes, dots, slashes and parentheses. Letters
/// are refused: the parser would otherwise read vanity letters as digits or
/// drop trailing text, silently changing what was typed.
fn is_number_character(c: char) -> bool {
    matches!(c, '+' | '.' | '/' | '(' | ')')
        || c.is_whitespace()
        || matches!(
            c.general_category(),
            GeneralCategory::DecimalNumber | GeneralCategory::DashPunctuation
        )
}

fn parse_region(region: &str) -> Result<Id, PhoneError> {
    let code = region.trim().to_ascii_uppercase();
    let known = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
    known
        .then(|| Id::from_str(&code).ok())
        .flatten()
        .ok_or_else(|| PhoneError::UnknownRegion(region.chars().take(16).collect()))
}

/// The kind of a number a person is told theirs is.
fn describe(kind: Type) -> &'static str {
    match kind {
        Type::FixedLine => "a fixed-line number",
        Type::TollFree => "a toll-free number",
        Type::PremiumRate => "a premium-rate number",
        Type::SharedCost => "a shared-cost number",
        Type::PersonalNumber => "a personal number",
        Type::Voip => "a VoIP number",
        Type::Pager => "a pager number",
        Type::Uan => "a company number",
        Type::Emergency => "an emergency number",
        Type::Voicemail => "a voicemail number",
        Type::ShortCode => "a short code",
        Type::StandardRate => "a standard-rate service number",
        Type::Carrier => "a carrier service number",
        Type::NoInternational => "a number not reachable from abroad",
        Type::Mobile | Type::FixedLineOrMobile | Type::Unknown => "of an unknown type",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Token;

    #[test]
    fn a_us_number_typed_in_any_usual_format_gives_one_e164_form() {
        for typed in [
            "+1 415 555 0123",
            "+1 (415) 555-0123",
            "+1.415.555.0123",
            "+14155550123",
        ] {
            assert_eq!(
                normalize(typed, None).as_deref(),
                Ok("+14155550123"),
                "{typed:?}"
            );
        }
        assert_eq!(
            normalize("(415) 555-0123", Some("US")).as_deref(),
            Ok("+14155550123")
        );
        assert_eq!(
            Token::phone("+1 415 555 0123", None),
            Ok(Token::hash(b"+14155550123"))
        );
    }

    #[test]
    fn a_number_without_plus_is_read_in_the_given_region() {
        assert_eq!(
            normalize("0151 23456789", Some("DE")).as_deref(),
            Ok("+4915123456789")
        );
        assert_eq!(
            normalize("07400 123456", Some("gb")).as_deref(),
            Ok("+447400123456")
        );
    }

    #[test]
    fn a_number_without_plus_or_region_asks_for_a_region() {
        let err = normalize("0151 23456789", None).expect_err("no region");
        assert_eq!(err, PhoneError::RegionNeeded);
        assert!(err.to_string().contains("region"), "{err}");
    }

    #[test]
    fn an_unknown_region_is_refused_and_named() {
        assert_eq!(
            normalize("0151 23456789", Some("XX")),
            Err(PhoneError::UnknownRegion("XX".into()))
        );
        assert_eq!(
            normalize("0151 23456789", Some("Germany")),
            Err(PhoneError::UnknownRegion("Germany".into()))
        );
    }

    #[test]
    fn a_fixed_line_number_is_refused_as_not_mobile() {
        let err = normalize("+49 30 123456", None).expect_err("Berlin fixed line");
        assert_eq!(err, PhoneError::NotMobile("a fixed-line number"));
        assert!(err.to_string().contains("not a mobile number"), "{err}");
        assert_eq!(
            normalize("020 7946 0018", Some("GB")),
            Err(PhoneError::NotMobile("a fixed-line number"))
        );
    }

    #[test]
    fn letters_and_invalid_numbers_are_refused() {
        assert_eq!(
            normalize("+1 800 FLOWERS", None),
            Err(PhoneError::ForbiddenCharacter { ch: 'F' })
        );
        assert_eq!(
            normalize("+1 415 555 0123 ext. 5", None),
            Err(PhoneError::ForbiddenCharacter { ch: 'e' })
        );
        assert!(matches!(
            normalize("+", None),
            Err(PhoneError::NotANumber(_))
        ));
        assert_eq!(normalize("+1 099 555 0123", None), Err(PhoneError::Invalid));
    }
}
