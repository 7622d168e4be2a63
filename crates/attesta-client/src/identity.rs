//! The account's own nicks, e-mails and phone numbers. The server keeps only
//! their tokens; the plain values live here and, encrypted, in
//! `account_data`, so every device of the account can show them.

use attesta_proto::api::{
    TokenAddEmail, TokenAddNick, TokenAddPhone, TokenConfirm, TokenInfo, TokenRemove,
    TokenSetSearchable,
};
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{Transaction, params};
use serde::Serialize;
use time::OffsetDateTime;

use crate::Client;
use crate::cache::{from_ms, now_ms, to_ms};
use crate::error::{Error, Result};
use crate::events::Event;

/// One of the account's tokens with the value only the account knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnToken {
    pub token: Token,
    pub kind: TokenKind,
    /// The normalized nick, address or number; `None` when no device of the
    /// account has told this one (an older device added it before `account_data`).
    pub value: Option<String>,
    pub searchable: bool,
    pub confirmed: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

pub(crate) fn kind_str(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Nick => "nick",
        TokenKind::Email => "email",
        TokenKind::Phone => "phone",
    }
}

fn kind_parse(text: &str) -> TokenKind {
    match text {
        "email" => TokenKind::Email,
        "phone" => TokenKind::Phone,
        _ => TokenKind::Nick,
    }
}

/// Remembers a token and its plain value (keeping a known value when `value` is empty).
pub(crate) fn remember(
    tx: &Transaction<'_>,
    token: Token,
    kind: TokenKind,
    value: &str,
    searchable: bool,
    confirmed: bool,
) -> Result<()> {
    tx.execute(
        "INSERT INTO own_tokens (token, kind, value, searchable, confirmed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (token) DO UPDATE SET value = coalesce(excluded.value, value),
             searchable = excluded.searchable, confirmed = excluded.confirmed",
        params![
            token.to_string(),
            kind_str(kind),
            Some(value).filter(|v| !v.is_empty()),
            searchable,
            confirmed,
            now_ms()
        ],
    )?;
    Ok(())
}

/// Brings the token list in step with the server's (from `sync`), keeping
/// the plain values of tokens that remain.
pub(crate) fn replace_all(tx: &Transaction<'_>, tokens: &[TokenInfo]) -> Result<()> {
    let listed: Vec<String> = tokens.iter().map(|t| t.token.to_string()).collect();
    let mut keep = tx.prepare("SELECT token FROM own_tokens")?;
    let stored: Vec<String> = keep
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for gone in stored.iter().filter(|t| !listed.contains(t)) {
        tx.execute("DELETE FROM own_tokens WHERE token = ?1", [gone])?;
    }
    for t in tokens {
        tx.execute(
            "INSERT INTO own_tokens (token, kind, searchable, confirmed, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (token) DO UPDATE SET kind = excluded.kind,
                 searchable = excluded.searchable, confirmed = excluded.confirmed,
                 created_at = excluded.created_at",
            params![
                t.token.to_string(),
                kind_str(t.kind),
                t.searchable,
                t.confirmed,
                to_ms(t.created_at)
            ],
        )?;
    }
    Ok(())
}

/// Every own token, nicks first.
pub(crate) fn list(conn: &rusqlite::Connection) -> Result<Vec<OwnToken>> {
    let mut stmt = conn.prepare(
        "SELECT token, kind, value, searchable, confirmed, created_at FROM own_tokens
         ORDER BY CASE kind WHEN 'nick' THEN 0 WHEN 'email' THEN 1 ELSE 2 END, created_at",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, bool>(3)?,
            r.get::<_, bool>(4)?,
            r.get::<_, i64>(5)?,
        ))
    })?;
    let mut tokens = Vec::new();
    for row in rows {
        let (token, kind, value, searchable, confirmed, created_at) = row?;
        let Ok(token) = token.parse::<Token>() else {
            continue;
        };
        tokens.push(OwnToken {
            token,
            kind: kind_parse(&kind),
            value,
            searchable,
            confirmed,
            created_at: from_ms(created_at),
        });
    }
    Ok(tokens)
}

impl Client {
    /// The account's nicks, e-mails and phones with their plain values.
    pub async fn tokens(&self) -> Result<Vec<OwnToken>> {
        self.inner.cache.run(|c| list(c)).await
    }

    /// Adds a nick (up to five). The server gets only its token. Taken or in
    /// quarantine: [`Error::NickUnavailable`].
    pub async fn add_nick(&self, nick: &str, searchable: bool) -> Result<Token> {
        let (token, normalized) = Token::compute(TokenKind::Nick, nick, None)?;
        let answer = self
            .inner
            .transport
            .call(&TokenAddNick {
                nick_token: Some(token),
                nick: None,
                searchable,
            })
            .await?;
        match (answer.token, answer.reason) {
            (Some(token), _) => {
                self.remember_token(token, TokenKind::Nick, normalized, searchable, true)
                    .await?;
                Ok(token)
            }
            (None, Some(reason)) => Err(Error::NickUnavailable(reason)),
            (None, None) => Err(Error::BadAnswer(
                "token_add_nick: neither token nor reason".into(),
            )),
        }
    }

    /// Adds an e-mail address; the server sends it a code for [`Client::confirm_token`].
    pub async fn add_email(&self, email: &str, searchable: bool) -> Result<Token> {
        let (_, normalized) = Token::compute(TokenKind::Email, email, None)?;
        let answer = self
            .inner
            .transport
            .call(&TokenAddEmail {
                email: normalized.clone(),
                searchable,
            })
            .await?;
        self.remember_token(
            answer.token,
            TokenKind::Email,
            normalized,
            searchable,
            false,
        )
        .await?;
        Ok(answer.token)
    }

    /// Adds a mobile number; the server sends it a code for [`Client::confirm_token`].
    pub async fn add_phone(
        &self,
        phone: &str,
        region: Option<&str>,
        searchable: bool,
    ) -> Result<Token> {
        let (_, normalized) = Token::compute(TokenKind::Phone, phone, region)?;
        let answer = self
            .inner
            .transport
            .call(&TokenAddPhone {
                phone: normalized.clone(),
                region: None,
                searchable,
            })
            .await?;
        self.remember_token(
            answer.token,
            TokenKind::Phone,
            normalized,
            searchable,
            false,
        )
        .await?;
        Ok(answer.token)
    }

    /// Confirms an e-mail or phone with the code it received.
    pub async fn confirm_token(&self, token: Token, code: &str) -> Result<()> {
        self.inner
            .transport
            .call(&TokenConfirm {
                token,
                code: code.trim().to_owned(),
            })
            .await?;
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "UPDATE own_tokens SET confirmed = 1 WHERE token = ?1",
                    [token.to_string()],
                )?;
                Ok(())
            })
            .await?;
        self.emit(Event::AccountChanged);
        Ok(())
    }

    /// Lets others find the account by this token, or stops it.
    pub async fn set_searchable(&self, token: Token, searchable: bool) -> Result<()> {
        self.inner
            .transport
            .call(&TokenSetSearchable { token, searchable })
            .await?;
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "UPDATE own_tokens SET searchable = ?2 WHERE token = ?1",
                    params![token.to_string(), searchable],
                )?;
                Ok(())
            })
            .await?;
        self.emit(Event::AccountChanged);
        Ok(())
    }

    /// Removes a token. A removed nick stays in quarantine (nobody else can
    /// take it for a while); the last login token cannot be removed (`conflict`).
    pub async fn remove_token(&self, token: Token) -> Result<()> {
        self.inner.transport.call(&TokenRemove { token }).await?;
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "DELETE FROM own_tokens WHERE token = ?1",
                    [token.to_string()],
                )?;
                Ok(())
            })
            .await?;
        self.emit(Event::AccountChanged);
        self.publish_account_data().await
    }

    async fn remember_token(
        &self,
        token: Token,
        kind: TokenKind,
        value: String,
        searchable: bool,
        confirmed: bool,
    ) -> Result<()> {
        self.inner
            .cache
            .transaction(move |tx| remember(tx, token, kind, &value, searchable, confirmed))
            .await?;
        self.emit(Event::AccountChanged);
        self.publish_account_data().await
    }
}
