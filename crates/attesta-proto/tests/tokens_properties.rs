//! Properties of token normalization that hold for every input, not only the
//! vectors: a person who retypes their nick differently still finds the same
//! party, and nothing typed can crash the code that hashes it.

use attesta_proto::tokens::{Token, TokenKind, email, nick, phone};
use proptest::prelude::*;
use unicode_normalization::UnicodeNormalization;

/// White space of Unicode's White_Space property, which nicks fold away.
const WHITE_SPACE: &[char] = &[
    ' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{85}', '\u{a0}', '\u{1680}', '\u{2000}',
    '\u{2003}', '\u{200a}', '\u{2028}', '\u{2029}', '\u{202f}', '\u{205f}', '\u{3000}',
];

/// One spelling of a nick: words of Latin letters, some accented.
fn words() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-zA-Z0-9äöüéèñçÅß]{1,8}", 1..4)
}

/// Another spelling of the same word: mixed case, full-width ASCII letters and
/// digits, decomposed or composed accents.
fn respell(word: &str, choices: &[u8]) -> String {
    let spelled: String = word
        .chars()
        .zip(choices.iter().cycle())
        .map(|(c, &choice)| {
            // ß's upper case is "SS", a different nick: it stays as typed.
            let upper = choice & 1 != 0 && c != 'ß';
            let c = if upper {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c
            };
            match c {
                c if c.is_ascii_alphanumeric() && choice & 2 != 0 => {
                    char::from_u32(u32::from(c) - 0x21 + 0xff01).unwrap_or(c)
                }
                c => c,
            }
        })
        .collect();
    if choices.first().is_some_and(|c| c & 4 != 0) {
        spelled.nfd().collect()
    } else {
        spelled
    }
}

fn white_run() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WHITE_SPACE), 1..4)
        .prop_map(|run| run.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn normalizing_a_normalized_nick_changes_nothing(typed in any::<String>()) {
        if let Ok(normalized) = nick::normalize(&typed) {
            prop_assert_eq!(nick::normalize(&normalized), Ok(normalized.clone()));
        }
        let folded = nick::fold(&typed);
        prop_assert_eq!(nick::fold(&folded), folded);
    }

    #[test]
    fn normalizing_a_normalized_address_changes_nothing(typed in "\\PC{0,40}@?\\PC{0,40}") {
        if let Ok(normalized) = email::normalize(&typed) {
            prop_assert_eq!(email::normalize(&normalized), Ok(normalized.clone()));
        }
    }

    #[test]
    fn any_spelling_of_one_nick_gives_one_token(
        words in words(),
        choices in prop::collection::vec(any::<u8>(), 1..16),
        runs in prop::collection::vec(white_run(), 5),
    ) {
        let plain = words.join(" ");
        prop_assume!(nick::normalize(&plain).is_ok(), "only nicks that are accepted");
        let mut typed = runs[0].clone();
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                typed.push_str(&runs[i]);
            }
            typed.push_str(&respell(word, &choices[i % choices.len()..]));
        }
        typed.push_str(&runs[4]);
        prop_assert_eq!(Token::nick(&typed), Token::nick(&plain), "typed {:?}", typed);
    }

    #[test]
    fn no_nick_input_panics(typed in any::<String>()) {
        let _ = Token::compute(TokenKind::Nick, &typed, None);
    }

    #[test]
    fn no_email_input_panics(typed in any::<String>()) {
        let _ = Token::compute(TokenKind::Email, &typed, None);
    }

    #[test]
    fn no_phone_input_panics(
        typed in prop_oneof!["\\PC*", "[+(]?[0-9０-９٠-٩ ()./+-]{0,40}"],
        region in prop::option::of(prop_oneof!["[A-Za-z]{2}", "\\PC{0,5}"]),
    ) {
        let _ = phone::normalize(&typed, region.as_deref());
    }
}
