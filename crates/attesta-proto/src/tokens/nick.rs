//! Nicks (tokens.md, "Nick"): NFKC, white space trimmed and folded, lower-cased,
//! then refused rather than altered when the result could be confused with
//! another kind or another person.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

use super::{is_control_or_format, is_phone_shaped};

/// Fewest Unicode scalar values a nick may have.
pub const MIN_CHARS: usize = 4;
/// Most Unicode scalar values a nick may have.
pub const MAX_CHARS: usize = 64;

/// Why a typed nick cannot be a nick. Positions count Unicode scalar values of
/// the normalized nick from 1, the way a person counts characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NickError {
    #[error("a nick needs at least {MIN_CHARS} characters; this one has {count}")]
    TooShort { count: usize },
    #[error("a nick has at most {MAX_CHARS} characters; this one has {count}")]
    TooLong { count: usize },
    #[error(
        "a nick cannot contain the invisible or control character U+{:04X} (character {position})",
        u32::from(*.ch)
    )]
    ForbiddenCharacter { ch: char, position: usize },
    #[error("a nick cannot contain @ (it would look like an e-mail address)")]
    ContainsAt,
    #[error("a nick cannot look like a phone number")]
    LooksLikePhoneNumber,
    #[error(
        "the character {ch:?} (U+{:04X}, character {position}) cannot be used in a nick",
        u32::from(*.ch)
    )]
    NotAnIdentifierCharacter { ch: char, position: usize },
    #[error(
        "a nick cannot mix scripts whose letters look alike (such as Latin with Cyrillic or Greek)"
    )]
    MixedScripts,
}

/// Steps 1 to 4 of tokens.md without any refusal: NFKC, trim Unicode
/// White_Space, fold inner runs of it to one U+0020, full lower-casing. Use
/// [`normalize`], which also refuses; this is public so that an independent
/// implementation can be compared step by step.
pub fn fold(typed: &str) -> String {
    let nfkc: String = typed.nfkc().collect();
    let words: Vec<&str> = nfkc
        .split(char::is_whitespace)
        .filter(|w| !w.is_empty())
        .collect();
    words.join(" ").to_lowercase()
}

/// The normalized nick, or the first rule of tokens.md it breaks.
pub fn normalize(typed: &str) -> Result<String, NickError> {
    let nick = fold(typed);
    let count = nick.chars().count();
    if count < MIN_CHARS {
        return Err(NickError::TooShort { count });
    }
    if count > MAX_CHARS {
        return Err(NickError::TooLong { count });
    }
    if let Some((ch, position)) = first_char_where(&nick, is_control_or_format) {
        return Err(NickError::ForbiddenCharacter { ch, position });
    }
    if nick.contains('@') {
        return Err(NickError::ContainsAt);
    }
    if is_phone_shaped(&nick) {
        return Err(NickError::LooksLikePhoneNumber);
    }
    check_scripts(&nick)?;
    Ok(nick)
}

/// UTS #39 restriction level of the nick without its spaces (U+0020 is not an
/// identifier character, so keeping it would refuse every nick with a space).
/// A character outside the identifier set makes the level "unrestricted"; it
/// is named in the error so that the person knows what to change.
fn check_scripts(nick: &str) -> Result<(), NickError> {
    let compact: String = nick.chars().filter(|&c| c != ' ').collect();
    if compact
        .as_str()
        .check_restriction_level(RestrictionLevel::ModeratelyRestrictive)
    {
        return Ok(());
    }
    match first_char_where(nick, |c| c != ' ' && !c.identifier_allowed()) {
        Some((ch, position)) => Err(NickError::NotAnIdentifierCharacter { ch, position }),
        None => Err(NickError::MixedScripts),
    }
}

/// The first character matching `pred`, with its 1-based position.
fn first_char_where(text: &str, pred: impl Fn(char) -> bool) -> Option<(char, usize)> {
    text.chars().zip(1..).find(|&(c, _)| pred(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Token;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn every_nick_vector_of_tokens_md_is_reproduced() {
        let vectors = [
            (
                "  Zoë\u{a0} Q.\tPublic ",
                "zoë q. public",
                "50066a289251c557543c540599a91073333a01eca349e697e2baa797dd55da87103adf9c",
            ),
            (
                "MAßSTAB  Ünïcode",
                "maßstab ünïcode",
                "9c5b03b5409e007bfdc34d762c600e3c5a4781e3075afb0729489710b8f17a13fd95b3ab",
            ),
        ];
        for (typed, normalized, token) in vectors {
            assert_eq!(normalize(typed).as_deref(), Ok(normalized), "{typed:?}");
            let computed = Token::nick(typed).expect("a vector nick is accepted");
            assert_eq!(hex(computed.as_bytes()), token, "{typed:?}");
        }
    }

    #[test]
    fn national_characters_and_final_sigma_are_lower_cased_fully() {
        assert_eq!(normalize("ÄRGER").as_deref(), Ok("ärger"));
        assert_eq!(normalize("İSTANBUL").as_deref(), Ok("i\u{307}stanbul"));
        assert_eq!(normalize("ΟΔΥΣΣΕΥΣ").as_deref(), Ok("οδυσσευς"));
    }

    #[test]
    fn a_nick_of_three_characters_is_refused_with_its_count() {
        let err = normalize("  Bob  ").expect_err("three characters");
        assert_eq!(err, NickError::TooShort { count: 3 });
        assert!(err.to_string().contains("has 3"), "{err}");
        assert_eq!(normalize("bobb").as_deref(), Ok("bobb"));
    }

    #[test]
    fn a_nick_of_sixty_five_characters_is_refused() {
        assert_eq!(
            normalize(&"a".repeat(65)),
            Err(NickError::TooLong { count: 65 })
        );
        assert!(normalize(&"a".repeat(64)).is_ok());
    }

    #[test]
    fn invisible_characters_are_named_with_their_position() {
        let err = normalize("ali\u{200b}ce").expect_err("zero-width space");
        assert_eq!(
            err,
            NickError::ForbiddenCharacter {
                ch: '\u{200b}',
                position: 4
            }
        );
        assert!(err.to_string().contains("U+200B"), "{err}");
        assert!(err.to_string().contains("character 4"), "{err}");
        let bidi = normalize("alice\u{202e}gpj").expect_err("bidi override");
        assert_eq!(
            bidi,
            NickError::ForbiddenCharacter {
                ch: '\u{202e}',
                position: 6
            }
        );
        let nul = normalize("ali\0ce").expect_err("control character");
        assert_eq!(
            nul,
            NickError::ForbiddenCharacter {
                ch: '\0',
                position: 4
            }
        );
    }

    #[test]
    fn tabs_and_newlines_are_folded_not_refused() {
        assert_eq!(normalize("alice\t\n\r smith").as_deref(), Ok("alice smith"));
    }

    #[test]
    fn a_nick_with_an_at_sign_is_refused_even_in_full_width() {
        assert_eq!(normalize("alice@home"), Err(NickError::ContainsAt));
        assert_eq!(normalize("alice\u{ff20}home"), Err(NickError::ContainsAt));
    }

    #[test]
    fn a_nick_shaped_like_a_phone_number_is_refused() {
        for typed in ["+1 (415) 555-0123", "0171.234.5678", "１２３４５", "12 34"] {
            assert_eq!(
                normalize(typed),
                Err(NickError::LooksLikePhoneNumber),
                "{typed:?}"
            );
        }
        assert_eq!(normalize("agent 007").as_deref(), Ok("agent 007"));
    }

    #[test]
    fn a_latin_nick_with_a_cyrillic_look_alike_is_refused() {
        assert_eq!(normalize("\u{430}lice"), Err(NickError::MixedScripts));
        assert_eq!(
            normalize("p\u{430}ypal support"),
            Err(NickError::MixedScripts)
        );
        assert_eq!(normalize("алиса").as_deref(), Ok("алиса"));
        assert_eq!(normalize("東京 tokyo").as_deref(), Ok("東京 tokyo"));
    }

    #[test]
    fn a_symbol_outside_identifiers_is_named_when_the_nick_is_not_ascii() {
        let err = normalize("zoë ★ star").expect_err("a star is no identifier character");
        assert_eq!(
            err,
            NickError::NotAnIdentifierCharacter {
                ch: '★',
                position: 5
            }
        );
        assert!(err.to_string().contains("U+2605"), "{err}");
    }
}
