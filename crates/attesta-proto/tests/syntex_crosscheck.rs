//! Cross-check against an independent implementation: `tests/syntex.py`
//! (Python's hashlib, zlib and unicodedata) must compute the same syntex and
//! the same nick fold as this crate for a few thousand random inputs, so that
//! a client written in another language can rely on tokens.md alone.
//!
//! Python is required: set `ATTESTA_PYTHON` to choose the interpreter.

use std::io::Write;
use std::process::{Command, Stdio};

use attesta_proto::tokens::{Token, nick};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Deserialize;

const INPUTS: usize = 3000;

#[derive(Deserialize)]
struct PythonAnswer {
    syntex: String,
    fold: Option<String>,
    fold_syntex: Option<String>,
    unicode: String,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Characters from the places where implementations disagree if they are
/// wrong: ASCII, white space, accents (composed and combining), full-width
/// forms, Greek and Cyrillic (final sigma, look-alikes), ligatures, CJK, and
/// any scalar value at all.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => proptest::char::range(' ', '~'),
        2 => prop::sample::select(vec![
            '\t', '\n', '\r', '\u{a0}', '\u{85}', '\u{1680}', '\u{2002}', '\u{2028}', '\u{3000}',
            '\u{1c}', '\u{200b}', '\u{feff}',
        ]),
        2 => proptest::char::range('\u{c0}', '\u{24f}'),
        1 => proptest::char::range('\u{300}', '\u{36f}'),
        1 => proptest::char::range('\u{370}', '\u{4ff}'),
        1 => proptest::char::range('\u{ff01}', '\u{ff5e}'),
        1 => prop::sample::select(vec!['ﬁ', 'ﬀ', 'İ', 'ẞ', 'Ω', 'K', '㎏', '①', 'ǅ']),
        1 => proptest::char::range('\u{4e00}', '\u{4e2f}'),
        1 => any::<char>(),
    ]
}

/// A nick-like input: mostly Latin words in any case with accents and white
/// space, so that many pass the nick rules.
fn nick_like() -> impl Strategy<Value = String> {
    "[ \t\u{a0}]{0,2}[a-zA-ZäöüÄÖÜéÉßñ]{2,10}([ \t\u{3000}]{1,3}[a-zA-Z0-9äÖé.]{1,8}){0,2}[ \n]{0,2}"
}

fn inputs() -> Vec<String> {
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    let random = prop::collection::vec(character(), 0..300).prop_map(String::from_iter);
    let strategy = prop_oneof![3 => random, 1 => nick_like()];
    (0..INPUTS)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .map(|tree| tree.current())
                .unwrap_or_default()
        })
        .collect()
}

fn run_python(inputs: &[String]) -> Vec<PythonAnswer> {
    let python = std::env::var("ATTESTA_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/syntex.py");
    let mut child = Command::new(&python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "the syntex cross-check needs Python 3: could not run {python:?} ({e}); \
                 install python3 or set ATTESTA_PYTHON to an interpreter"
            )
        });
    let mut lines = String::new();
    for input in inputs {
        let line = serde_json::json!({ "input": input });
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Write from another thread so that a full stdout pipe cannot deadlock us.
    let writer = std::thread::spawn(move || stdin.write_all(lines.as_bytes()));
    let output = child.wait_with_output().expect("python ran");
    writer
        .join()
        .expect("writer thread")
        .expect("inputs written to python");
    assert!(
        output.status.success(),
        "{python} tests/syntex.py failed: {:?}",
        output.status
    );
    let stdout = String::from_utf8(output.stdout).expect("python writes UTF-8");
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON answer per line"))
        .collect()
}

#[test]
fn python_computes_the_same_syntex_and_nick_fold_for_thousands_of_random_inputs() {
    let inputs = inputs();
    let answers = run_python(&inputs);
    assert_eq!(answers.len(), inputs.len(), "one answer per input");

    let mut folds_compared = 0;
    let mut accepted_nicks_compared = 0;
    for (input, answer) in inputs.iter().zip(&answers) {
        assert_eq!(
            answer.syntex,
            hex(Token::hash(input.as_bytes()).as_bytes()),
            "syntex of {input:?}"
        );
        // None: the input has a character newer than Python's Unicode database.
        let (Some(py_fold), Some(py_fold_syntex)) = (&answer.fold, &answer.fold_syntex) else {
            continue;
        };
        let fold = nick::fold(input);
        assert_eq!(
            &fold, py_fold,
            "nick fold of {input:?} (Python's Unicode {})",
            answer.unicode
        );
        assert_eq!(
            py_fold_syntex,
            &hex(Token::hash(fold.as_bytes()).as_bytes())
        );
        folds_compared += 1;
        if let Ok(nick) = nick::normalize(input) {
            assert_eq!(
                Token::nick(input).map(|t| hex(t.as_bytes())).as_ref(),
                Ok(py_fold_syntex)
            );
            assert_eq!(&nick, py_fold);
            accepted_nicks_compared += 1;
        }
    }
    assert!(
        folds_compared > INPUTS / 3,
        "only {folds_compared} folds compared"
    );
    assert!(
        accepted_nicks_compared > INPUTS / 10,
        "only {accepted_nicks_compared} accepted nicks compared"
    );
}
