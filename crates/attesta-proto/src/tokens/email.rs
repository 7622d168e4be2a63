//! E-mail addresses (tokens.md, "E-mail"): trimmed, NFC, lower-cased, and
//! otherwise left as typed: folding dots or plus tags would merge different
//! people's addresses.

use unicode_normalization::UnicodeNormalization;

use super::is_control_or_format;

/// Why a typed value is not an e-mail address. Positions count Unicode scalar
/// values of the normalized address from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("not an e-mail address: it has no @")]
    MissingAt,
    #[error("not an e-mail address: it has more than one @")]
    SeveralAts,
    #[error("not an e-mail address: nothing before the @")]
    EmptyLocalPart,
    #[error("not an e-mail address: nothing after the @")]
    EmptyDomain,
    #[error("not an e-mail address: white space inside (character {position})")]
    WhiteSpace { position: usize },
    #[error(
        "not an e-mail address: the invisible or control character U+{:04X} (character {position})",
        u32::from(*.ch)
    )]
    ForbiddenCharacter { ch: char, position: usize },
}

/// The normalized address, or why the value is not one.
pub fn normalize(typed: &str) -> Result<String, EmailError> {
    let address: String = typed.trim().nfc().collect::<String>().to_lowercase();
    for (ch, position) in address.chars().zip(1..) {
        if ch.is_whitespace() {
            return Err(EmailError::WhiteSpace { position });
        }
        if is_control_or_format(ch) {
            return Err(EmailError::ForbiddenCharacter { ch, position });
        }
    }
    let (local, domain) = address.split_once('@').ok_or(EmailError::MissingAt)?;
    if domain.contains('@') {
        return Err(EmailError::SeveralAts);
    }
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain);
    }
    Ok(address)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::Token;

    #[test]
    fn an_address_is_trimmed_and_lower_cased_but_dots_and_tags_are_kept() {
        assert_eq!(
            normalize("  First.Last+News@Example.ORG\n").as_deref(),
            Ok("first.last+news@example.org")
        );
        assert_ne!(
            Token::email("first.last@example.org"),
            Token::email("firstlast@example.org")
        );
        assert_ne!(
            Token::email("me+a@example.org"),
            Token::email("me@example.org")
        );
    }

    #[test]
    fn the_person_vector_hashes_to_its_raw_syntex() {
        assert_eq!(
            Token::email(" Person@Example.org"),
            Ok(Token::hash(b"person@example.org"))
        );
    }

    #[test]
    fn composed_and_decomposed_accents_give_one_address() {
        assert_eq!(
            normalize("J\u{fc}rgen@b\u{fc}cher.de"),
            normalize("Ju\u{308}rgen@bu\u{308}cher.de")
        );
    }

    #[test]
    fn what_is_not_an_address_is_refused_with_the_reason() {
        assert_eq!(normalize("person.example.org"), Err(EmailError::MissingAt));
        assert_eq!(normalize(""), Err(EmailError::MissingAt));
        assert_eq!(normalize("a@b@example.org"), Err(EmailError::SeveralAts));
        assert_eq!(normalize("@example.org"), Err(EmailError::EmptyLocalPart));
        assert_eq!(normalize("person@"), Err(EmailError::EmptyDomain));
        assert_eq!(
            normalize("per son@example.org"),
            Err(EmailError::WhiteSpace { position: 4 })
        );
        let err = normalize("person@exa\u{200b}mple.org").expect_err("zero-width space");
        assert_eq!(
            err,
            EmailError::ForbiddenCharacter {
                ch: '\u{200b}',
                position: 11
            }
        );
        assert!(err.to_string().contains("U+200B"), "{err}");
    }
}
