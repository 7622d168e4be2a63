//! Tokens, nick quarantine and one-time codes in SQLite.

use attesta_proto::api::TokenInfo;
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::accounts::nick_unavailable;
use super::{Sqlite, Tx, kind_text, record_change, secs, time_of};
use crate::storage::tokens::{Code, CodeCheck, CodePurpose, NickOutcome, NickRules, TokenStore};
use crate::storage::{Change, Committed};
use crate::{Error, Result};

const THIRTY_DAYS_SECS: i64 = 30 * 24 * 3600;

fn purpose_text(purpose: CodePurpose) -> &'static str {
    match purpose {
        CodePurpose::Confirm => "confirm",
        CodePurpose::Recover => "recover",
    }
}

fn kind_of(text: &str) -> Result<TokenKind> {
    match text {
        "nick" => Ok(TokenKind::Nick),
        "email" => Ok(TokenKind::Email),
        "phone" => Ok(TokenKind::Phone),
        other => Err(Error::Internal(format!("stored token kind {other:?}"))),
    }
}

fn token_of(bytes: Vec<u8>) -> Result<Token> {
    let len = bytes.len();
    <[u8; 36]>::try_from(bytes)
        .map(Token)
        .map_err(|_| Error::Internal(format!("stored token of {len} bytes")))
}

/// Records a change of the party's own state, to be woken after commit.
fn party_changed(tx: &Tx<'_>, party_id: &str) -> Result<Vec<String>> {
    record_change(tx, party_id, &Change::Party)?;
    Ok(vec![party_id.to_owned()])
}

impl TokenStore for Sqlite {
    fn tokens(&self, party_id: &str) -> Result<Vec<TokenInfo>> {
        self.read(|conn| {
            let mut stmt = conn.prepare(
                "SELECT token, kind, searchable, confirmed, created_at FROM tokens
                 WHERE party_id = ?1 ORDER BY created_at, kind, token",
            )?;
            let rows = stmt.query_map([party_id], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                ))
            })?;
            rows.map(|row| {
                let (token, kind, searchable, confirmed, created) = row?;
                Ok(TokenInfo {
                    token: token_of(token)?,
                    kind: kind_of(&kind)?,
                    searchable,
                    confirmed,
                    created_at: time_of(created)?,
                })
            })
            .collect()
        })
    }

    fn add_nick(
        &self,
        party_id: &str,
        token: &Token,
        searchable: bool,
        rules: NickRules,
        now: OffsetDateTime,
    ) -> Result<Committed<NickOutcome>> {
        self.write(|tx| {
            let held: Option<String> = tx
                .query_row(
                    "SELECT kind FROM tokens WHERE party_id = ?1 AND token = ?2",
                    params![party_id, &token.as_bytes()[..]],
                    |r| r.get(0),
                )
                .optional()?;
            match held.as_deref() {
                Some("nick") => {
                    tx.execute(
                        "UPDATE tokens SET searchable = ?1 WHERE party_id = ?2 AND token = ?3",
                        params![searchable, party_id, &token.as_bytes()[..]],
                    )?;
                    let notify = party_changed(tx, party_id)?;
                    return Ok(Committed {
                        value: NickOutcome::Held,
                        notify,
                    });
                }
                Some(_) => return Err(Error::bad_request("this token is not a nick")),
                None => {}
            }
            if let Some(reason) = nick_unavailable(tx, token, Some(party_id), now)? {
                return Ok(Committed::unchanged(NickOutcome::Unavailable(reason)));
            }
            let nicks: u32 = tx.query_row(
                "SELECT count(*) FROM tokens WHERE party_id = ?1 AND kind = 'nick'",
                [party_id],
                |r| r.get(0),
            )?;
            if nicks >= rules.max {
                return Err(Error::limit(
                    format!("a party holds at most {} nicks", rules.max),
                    None,
                ));
            }
            tx.execute(
                "DELETE FROM quarantine WHERE token = ?1",
                [&token.as_bytes()[..]],
            )?;
            tx.execute(
                "INSERT INTO tokens (party_id, token, kind, searchable, confirmed, created_at)
                 VALUES (?1, ?2, 'nick', ?3, 1, ?4)",
                params![party_id, &token.as_bytes()[..], searchable, secs(now)],
            )?;
            let notify = party_changed(tx, party_id)?;
            Ok(Committed {
                value: NickOutcome::Held,
                notify,
            })
        })
    }

    fn remove_token(
        &self,
        party_id: &str,
        token: &Token,
        rules: NickRules,
        now: OffsetDateTime,
    ) -> Result<Committed<()>> {
        self.write(|tx| {
            let held: Option<(String, bool)> = tx
                .query_row(
                    "SELECT kind, confirmed FROM tokens WHERE party_id = ?1 AND token = ?2",
                    params![party_id, &token.as_bytes()[..]],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((kind, confirmed)) = held else {
                return Err(Error::not_found("the party holds no such token"));
            };
            if confirmed {
                let logins: u32 = tx.query_row(
                    "SELECT count(*) FROM tokens WHERE party_id = ?1 AND confirmed = 1",
                    [party_id],
                    |r| r.get(0),
                )?;
                if logins <= 1 {
                    return Err(Error::conflict(
                        "this is the party's last login token: add another one first",
                    ));
                }
            }
            if kind_of(&kind)? == TokenKind::Nick {
                let removed: u32 = tx.query_row(
                    "SELECT count(*) FROM nick_removals WHERE party_id = ?1 AND at > ?2",
                    params![party_id, secs(now) - THIRTY_DAYS_SECS],
                    |r| r.get(0),
                )?;
                if removed >= rules.removals_per_30_days {
                    return Err(Error::limit(
                        format!(
                            "at most {} nick removals in 30 days",
                            rules.removals_per_30_days
                        ),
                        None,
                    ));
                }
                tx.execute(
                    "INSERT INTO nick_removals (party_id, at) VALUES (?1, ?2)",
                    params![party_id, secs(now)],
                )?;
                let until = secs(now)
                    .saturating_add(i64::try_from(rules.quarantine.as_secs()).unwrap_or(i64::MAX));
                tx.execute(
                    "INSERT INTO quarantine (token, party_id, until) VALUES (?1, ?2, ?3)
                     ON CONFLICT (token) DO UPDATE SET party_id = excluded.party_id, until = excluded.until",
                    params![&token.as_bytes()[..], party_id, until],
                )?;
            }
            tx.execute(
                "DELETE FROM tokens WHERE party_id = ?1 AND token = ?2",
                params![party_id, &token.as_bytes()[..]],
            )?;
            tx.execute(
                "DELETE FROM codes WHERE purpose = 'confirm' AND party_id = ?1 AND token = ?2",
                params![party_id, &token.as_bytes()[..]],
            )?;
            let notify = party_changed(tx, party_id)?;
            Ok(Committed { value: (), notify })
        })
    }

    fn set_searchable(
        &self,
        party_id: &str,
        token: &Token,
        searchable: bool,
    ) -> Result<Committed<()>> {
        self.write(|tx| {
            let confirmed: Option<bool> = tx
                .query_row(
                    "SELECT confirmed FROM tokens WHERE party_id = ?1 AND token = ?2",
                    params![party_id, &token.as_bytes()[..]],
                    |r| r.get(0),
                )
                .optional()?;
            match confirmed {
                None => Err(Error::not_found("the party holds no such token")),
                Some(false) => Err(Error::conflict(
                    "an unconfirmed token cannot be searchable: confirm it first",
                )),
                Some(true) => {
                    tx.execute(
                        "UPDATE tokens SET searchable = ?1 WHERE party_id = ?2 AND token = ?3",
                        params![searchable, party_id, &token.as_bytes()[..]],
                    )?;
                    let notify = party_changed(tx, party_id)?;
                    Ok(Committed { value: (), notify })
                }
            }
        })
    }

    fn add_address(
        &self,
        kind: TokenKind,
        searchable: bool,
        code: &Code,
        now: OffsetDateTime,
    ) -> Result<Committed<bool>> {
        self.write(|tx| {
            let token = &code.token.as_bytes()[..];
            let held: Option<bool> = tx
                .query_row(
                    "SELECT confirmed FROM tokens WHERE party_id = ?1 AND token = ?2",
                    params![code.party_id, token],
                    |r| r.get(0),
                )
                .optional()?;
            if held == Some(true) {
                tx.execute(
                    "UPDATE tokens SET searchable = ?1 WHERE party_id = ?2 AND token = ?3",
                    params![searchable, code.party_id, token],
                )?;
                let notify = party_changed(tx, &code.party_id)?;
                return Ok(Committed { value: true, notify });
            }
            tx.execute(
                "INSERT INTO tokens (party_id, token, kind, searchable_on_confirm, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (party_id, token) DO UPDATE SET searchable_on_confirm = excluded.searchable_on_confirm",
                params![code.party_id, token, kind_text(kind), searchable, secs(now)],
            )?;
            insert_code(tx, code)?;
            let notify = party_changed(tx, &code.party_id)?;
            Ok(Committed { value: false, notify })
        })
    }

    fn holder(&self, token: &Token) -> Result<Option<String>> {
        self.read(|conn| {
            Ok(conn
                .query_row(
                    "SELECT party_id FROM tokens WHERE token = ?1 AND confirmed = 1",
                    [&token.as_bytes()[..]],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    fn put_code(&self, code: &Code) -> Result<()> {
        self.write(|tx| insert_code(tx, code))
    }

    fn check_code(
        &self,
        party_id: &str,
        token: &Token,
        hash: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<CodeCheck> {
        self.write(|tx| take_code(tx, CodePurpose::Confirm, Some(party_id), token, hash, now))
    }

    fn confirm_address(&self, party_id: &str, token: &Token) -> Result<Committed<()>> {
        self.write(|tx| {
            let token = &token.as_bytes()[..];
            let former: Option<String> = tx
                .query_row(
                    "SELECT party_id FROM tokens WHERE token = ?1 AND confirmed = 1 AND party_id <> ?2",
                    params![token, party_id],
                    |r| r.get(0),
                )
                .optional()?;
            let mut notify = Vec::new();
            if let Some(former) = former {
                tx.execute(
                    "DELETE FROM tokens WHERE token = ?1 AND party_id = ?2",
                    params![token, former],
                )?;
                notify.extend(party_changed(tx, &former)?);
            }
            let confirmed = tx.execute(
                "UPDATE tokens SET confirmed = 1, searchable = searchable_on_confirm
                 WHERE party_id = ?1 AND token = ?2",
                params![party_id, token],
            )?;
            if confirmed == 0 {
                return Err(Error::not_found("the party holds no such token"));
            }
            notify.extend(party_changed(tx, party_id)?);
            Ok(Committed { value: (), notify })
        })
    }
}

fn insert_code(tx: &Tx<'_>, code: &Code) -> Result<()> {
    tx.execute(
        "INSERT INTO codes (purpose, party_id, token, code_hash, expires_at, tries_left)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (purpose, party_id, token) DO UPDATE SET
             code_hash = excluded.code_hash, expires_at = excluded.expires_at, tries_left = excluded.tries_left",
        params![
            purpose_text(code.purpose),
            code.party_id,
            &code.token.as_bytes()[..],
            &code.hash[..],
            secs(code.expires_at),
            code.tries
        ],
    )?;
    Ok(())
}

/// Checks a code inside a transaction, counting the try; a right code is
/// used up. With `party_id` only that party's code counts; without, any
/// party's (recovery names no party).
pub(super) fn take_code(
    tx: &Tx<'_>,
    purpose: CodePurpose,
    party_id: Option<&str>,
    token: &Token,
    hash: &[u8; 32],
    now: OffsetDateTime,
) -> Result<CodeCheck> {
    let token = &token.as_bytes()[..];
    let purpose = purpose_text(purpose);
    let codes = {
        let mut stmt = tx.prepare(
            "SELECT party_id, code_hash, expires_at, tries_left FROM codes
             WHERE purpose = ?1 AND token = ?2 AND (?3 IS NULL OR party_id = ?3)",
        )?;
        stmt.query_map(params![purpose, token, party_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?
    };
    let mut valid = None;
    for (party, stored, expires_at, tries_left) in codes {
        let usable = expires_at > secs(now) && tries_left > 0;
        if usable && stored == hash[..] {
            valid = Some(party);
        } else if usable {
            tx.execute(
                "UPDATE codes SET tries_left = tries_left - 1
                 WHERE purpose = ?1 AND party_id = ?2 AND token = ?3",
                params![purpose, party, token],
            )?;
        } else {
            tx.execute(
                "DELETE FROM codes WHERE purpose = ?1 AND party_id = ?2 AND token = ?3",
                params![purpose, party, token],
            )?;
        }
    }
    let Some(party_id) = valid else {
        return Ok(CodeCheck::Refused);
    };
    tx.execute(
        "DELETE FROM codes WHERE purpose = ?1 AND party_id = ?2 AND token = ?3",
        params![purpose, party_id, token],
    )?;
    Ok(CodeCheck::Valid { party_id })
}
