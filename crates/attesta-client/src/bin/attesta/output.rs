//! What a command prints: JSON objects one per line for scripts (`--json`),
//! or short plain lines for people. Errors go to stderr (see `main`).

use anyhow::Context;
use serde::Serialize;

#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    pub fn new(json: bool) -> Output {
        Output { json }
    }

    /// Prints one object: as a JSON line, or as the human text.
    pub fn print<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce() -> String,
    ) -> anyhow::Result<()> {
        if self.json {
            let line = serde_json::to_string(value).context("encoding the answer as JSON")?;
            println!("{line}");
        } else {
            println!("{}", human());
        }
        Ok(())
    }

    /// Prints a list: one JSON line per element, or one human line each
    /// (and `empty` when there is none, for people only).
    pub fn list<T: Serialize>(
        &self,
        values: &[T],
        empty: &str,
        human: impl Fn(&T) -> String,
    ) -> anyhow::Result<()> {
        if values.is_empty() && !self.json {
            println!("{empty}");
        }
        for value in values {
            self.print(value, || human(value))?;
        }
        Ok(())
    }

    /// A remark for people about how a command went (on stderr, so that
    /// stdout stays the answer).
    pub fn note(&self, text: &str) {
        eprintln!("{text}");
    }
}

/// A time as people read it in a terminal (UTC, to the minute).
pub fn when(t: time::OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| t.to_string())
}
