//! A party's search tokens: nicks (confirmed when added), e-mail addresses
//! and phone numbers (confirmed by a code), searchability, removal with nick
//! quarantine; and `token_compute` for clients that cannot hash.

use std::time::Duration;

use attesta_proto::api::TokenAddPhone;
use attesta_proto::api::{
    Empty, TokenAddEmail, TokenAddNick, TokenAddNickResponse, TokenCompute, TokenConfirm,
    TokenConfirmation, TokenRemove, TokenResponse, TokenSetSearchable, TokensList,
    TokensListResponse,
};
use attesta_proto::tokens::{Token, TokenKind};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::confirm::{CodeMessage, Purpose};
use crate::http::{Api, Caller, Client};
use crate::storage::tokens::{Code, CodeCheck, CodePurpose, NickOutcome, NickRules};
use crate::{AppState, Error, Result};

pub fn routes(api: Api) -> Api {
    api.public(token_compute)
        .session(token_add_nick)
        .session(token_add_email)
        .session(token_add_phone)
        .session(token_confirm)
        .session(token_set_searchable)
        .session(token_remove)
        .session(tokens_list)
}

/// The nick token of a request that gives exactly one of a plain nick and its token.
pub(crate) fn nick_token(nick: Option<&str>, token: Option<Token>) -> Result<Token> {
    match (nick, token) {
        (Some(nick), None) => {
            Token::nick(nick).map_err(|e| Error::bad_request(format!("invalid nick: {e}")))
        }
        (None, Some(token)) => Ok(token),
        _ => Err(Error::bad_request(
            "give exactly one of nick and nick_token",
        )),
    }
}

/// The token and normalized value of an e-mail address or phone number.
pub(crate) fn address_token(
    kind: TokenKind,
    value: &str,
    region: Option<&str>,
) -> Result<(Token, String)> {
    Token::compute(kind, value, region).map_err(|e| Error::bad_request(e.to_string()))
}

/// A fresh six-digit code.
pub(crate) fn new_code() -> String {
    format!("{:06}", rand::random_range(0..1_000_000u32))
}

/// What is stored of a code: bound to its token, so that a hash is no use for another address.
pub(crate) fn code_hash(token: &Token, code: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"attesta code v1");
    hash.update(token.as_bytes());
    hash.update(code.trim().as_bytes());
    hash.finalize().into()
}

fn nick_rules(state: &AppState) -> NickRules {
    let config = &state.config;
    NickRules {
        max: config.nick_max,
        removals_per_30_days: config.nick_removals_per_30_days,
        quarantine: Duration::from_secs(u64::from(config.nick_quarantine_days) * 24 * 3600),
    }
}

async fn token_compute(
    state: AppState,
    client: Client,
    req: TokenCompute,
) -> Result<TokenResponse> {
    state.limits.token_compute_per_address.check(&client.addr)?;
    let (token, _) = Token::compute(req.kind, &req.value, req.region.as_deref())
        .map_err(|e| Error::bad_request(e.to_string()))?;
    Ok(TokenResponse { token })
}

async fn token_add_nick(
    state: AppState,
    caller: Caller,
    req: TokenAddNick,
) -> Result<TokenAddNickResponse> {
    let token = nick_token(req.nick.as_deref(), req.nick_token)?;
    let outcome = state
        .store
        .add_nick(
            &caller.party_id,
            &token,
            req.searchable,
            nick_rules(&state),
            OffsetDateTime::now_utc(),
        )?
        .announce(&state.hub);
    if let NickOutcome::Unavailable(_) = outcome {
        // Whether a token is held is what a lookup tells: limited like one.
        state.limits.lookups_per_party.check(&caller.party_id)?;
    }
    Ok(match outcome {
        NickOutcome::Held => TokenAddNickResponse {
            token: Some(token),
            reason: None,
        },
        NickOutcome::Unavailable(reason) => TokenAddNickResponse {
            token: None,
            reason: Some(reason),
        },
    })
}

async fn token_add_email(
    state: AppState,
    caller: Caller,
    req: TokenAddEmail,
) -> Result<TokenConfirmation> {
    add_address(
        &state,
        &caller,
        TokenKind::Email,
        &req.email,
        None,
        req.searchable,
    )
    .await
}

async fn token_add_phone(
    state: AppState,
    caller: Caller,
    req: TokenAddPhone,
) -> Result<TokenConfirmation> {
    add_address(
        &state,
        &caller,
        TokenKind::Phone,
        &req.phone,
        req.region.as_deref(),
        req.searchable,
    )
    .await
}

/// Adds an address waiting for its code and sends the code; an address the
/// party already holds confirmed only has its `searchable` set.
async fn add_address(
    state: &AppState,
    caller: &Caller,
    kind: TokenKind,
    value: &str,
    region: Option<&str>,
    searchable: bool,
) -> Result<TokenConfirmation> {
    let (token, to) = address_token(kind, value, region)?;
    state.senders.check_address(kind, &to)?;
    state.limits.codes_per_party.check(&caller.party_id)?;
    state.limits.codes_per_destination.check(&token)?;
    let code = new_code();
    let minutes = state.config.code_minutes;
    let now = OffsetDateTime::now_utc();
    let stored = Code {
        purpose: CodePurpose::Confirm,
        party_id: caller.party_id.clone(),
        token,
        hash: code_hash(&token, &code),
        expires_at: now + time::Duration::minutes(minutes.into()),
        tries: state.config.code_tries,
    };
    let confirmed = state
        .store
        .add_address(kind, searchable, &stored, now)?
        .announce(&state.hub);
    if !confirmed {
        let message = CodeMessage {
            to,
            kind,
            code,
            purpose: Purpose::Confirm,
            valid_minutes: minutes,
        };
        state.senders.send(message).await?;
    }
    Ok(TokenConfirmation { token, confirmed })
}

async fn token_confirm(
    state: AppState,
    caller: Caller,
    req: TokenConfirm,
) -> Result<TokenConfirmation> {
    let hash = code_hash(&req.token, &req.code);
    let now = OffsetDateTime::now_utc();
    match state
        .store
        .check_code(&caller.party_id, &req.token, &hash, now)?
    {
        CodeCheck::Valid { .. } => {
            state
                .store
                .confirm_address(&caller.party_id, &req.token)?
                .announce(&state.hub);
        }
        // Confirming twice is not an error: the address is the party's.
        CodeCheck::Refused
            if state.store.holder(&req.token)?.as_deref() == Some(&caller.party_id) => {}
        CodeCheck::Refused => return Err(Error::bad_request("wrong or expired code")),
    }
    Ok(TokenConfirmation {
        token: req.token,
        confirmed: true,
    })
}

async fn token_set_searchable(
    state: AppState,
    caller: Caller,
    req: TokenSetSearchable,
) -> Result<Empty> {
    state
        .store
        .set_searchable(&caller.party_id, &req.token, req.searchable)?
        .announce(&state.hub);
    Ok(Empty {})
}

async fn token_remove(state: AppState, caller: Caller, req: TokenRemove) -> Result<Empty> {
    state
        .store
        .remove_token(
            &caller.party_id,
            &req.token,
            nick_rules(&state),
            OffsetDateTime::now_utc(),
        )?
        .announce(&state.hub);
    Ok(Empty {})
}

async fn tokens_list(state: AppState, caller: Caller, _: TokensList) -> Result<TokensListResponse> {
    Ok(TokensListResponse {
        tokens: state.store.tokens(&caller.party_id)?,
    })
}
