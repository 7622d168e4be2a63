//! The account's nicks, e-mails and mobile numbers.

use anyhow::Context;
use attesta_client::{Client, OwnToken, Token, TokenKind};
use serde::Serialize;

use crate::output::Output;

/// What adding or confirming a token prints.
#[derive(Serialize)]
struct Added {
    token: Token,
    kind: TokenKind,
    value: String,
    searchable: bool,
    confirmed: bool,
}

/// The token of a value as typed, and its normalized form.
fn token_of(kind: TokenKind, value: &str, region: Option<&str>) -> anyhow::Result<(Token, String)> {
    Token::compute(kind, value, region).with_context(|| format!("{value:?} cannot be used"))
}

pub async fn add(
    client: &Client,
    out: &Output,
    kind: TokenKind,
    value: &str,
    region: Option<&str>,
    searchable: bool,
) -> anyhow::Result<()> {
    let (_, normalized) = token_of(kind, value, region)?;
    let (token, confirmed) = match kind {
        TokenKind::Nick => (client.add_nick(value, searchable).await, true),
        TokenKind::Email => (client.add_email(value, searchable).await, false),
        TokenKind::Phone => (client.add_phone(value, region, searchable).await, false),
    };
    let token = token.with_context(|| format!("adding {normalized}"))?;
    let added = Added {
        token,
        kind,
        value: normalized,
        searchable,
        confirmed,
    };
    out.print(&added, || {
        if confirmed {
            format!("added {}", added.value)
        } else {
            format!(
                "a code was sent to {}: confirm it with the code",
                added.value
            )
        }
    })
}

pub async fn confirm(
    client: &Client,
    out: &Output,
    kind: TokenKind,
    value: &str,
    region: Option<&str>,
    code: &str,
) -> anyhow::Result<()> {
    let (token, normalized) = token_of(kind, value, region)?;
    client
        .confirm_token(token, code)
        .await
        .with_context(|| format!("confirming {normalized}"))?;
    let searchable = client
        .tokens()
        .await
        .context("reading the account's tokens")?
        .iter()
        .any(|t| t.token == token && t.searchable);
    let confirmed = Added {
        token,
        kind,
        value: normalized,
        searchable,
        confirmed: true,
    };
    out.print(&confirmed, || format!("confirmed {}", confirmed.value))
}

pub async fn remove_nick(client: &Client, out: &Output, nick: &str) -> anyhow::Result<()> {
    let (token, normalized) = token_of(TokenKind::Nick, nick, None)?;
    client
        .remove_token(token)
        .await
        .with_context(|| format!("removing {normalized}"))?;
    out.print(
        &serde_json::json!({ "token": token, "removed": true }),
        || format!("removed {normalized}; it stays in quarantine for a while"),
    )
}

pub async fn list(client: &Client, out: &Output) -> anyhow::Result<()> {
    let tokens: Vec<OwnToken> = client
        .tokens()
        .await
        .context("reading the account's tokens")?;
    out.list(&tokens, "no nicks, e-mails or numbers", |t| {
        let value = t
            .value
            .as_deref()
            .unwrap_or("(value not known on this device)");
        let kind = match t.kind {
            TokenKind::Nick => "nick",
            TokenKind::Email => "email",
            TokenKind::Phone => "phone",
        };
        let searchable = if t.searchable {
            "searchable"
        } else {
            "not searchable"
        };
        let confirmed = if t.confirmed { "" } else { ", not confirmed" };
        format!("{kind:5}  {value}  ({searchable}{confirmed})")
    })
}
