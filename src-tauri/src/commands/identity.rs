//! The account's nicks, e-mails and phone numbers.

use attesta_client::{Client, OwnToken, Token, TokenKind};
use serde::Serialize;
use tauri::State;

use super::{client, token};
use crate::error::{Code, CommandError, CommandResult};
use crate::session::Session;

#[derive(Debug, Clone, Serialize)]
pub struct IdentityEntry {
    /// The token's wire form: the id the other identity commands take.
    pub token_id: Token,
    pub kind: TokenKind,
    pub value: String,
    pub searchable: bool,
    pub confirmed: bool,
}

impl From<OwnToken> for IdentityEntry {
    fn from(t: OwnToken) -> IdentityEntry {
        IdentityEntry {
            token_id: t.token,
            kind: t.kind,
            value: t.value.unwrap_or_default(),
            searchable: t.searchable,
            confirmed: t.confirmed,
        }
    }
}

async fn entry(client: &Client, token: Token) -> CommandResult<IdentityEntry> {
    client
        .tokens()
        .await?
        .into_iter()
        .find(|t| t.token == token)
        .map(IdentityEntry::from)
        .ok_or_else(|| CommandError::new(Code::NotFound, "This entry is not known here."))
}

#[tauri::command]
pub async fn identity_list(session: State<'_, Session>) -> CommandResult<Vec<IdentityEntry>> {
    let client = client(&session).await?;
    Ok(client
        .tokens()
        .await?
        .into_iter()
        .map(IdentityEntry::from)
        .collect())
}

#[tauri::command]
pub async fn nick_add(
    session: State<'_, Session>,
    nick: String,
    searchable: bool,
) -> CommandResult<IdentityEntry> {
    let client = client(&session).await?;
    let token = client.add_nick(&nick, searchable).await?;
    entry(&client, token).await
}

#[tauri::command]
pub async fn email_add(
    session: State<'_, Session>,
    email: String,
    searchable: bool,
) -> CommandResult<IdentityEntry> {
    let client = client(&session).await?;
    let token = client.add_email(&email, searchable).await?;
    entry(&client, token).await
}

#[tauri::command]
pub async fn phone_add(
    session: State<'_, Session>,
    phone: String,
    region: String,
    searchable: bool,
) -> CommandResult<IdentityEntry> {
    let client = client(&session).await?;
    let token = client.add_phone(&phone, Some(&region), searchable).await?;
    entry(&client, token).await
}

#[tauri::command]
pub async fn confirm_code(
    session: State<'_, Session>,
    token_id: String,
    code: String,
) -> CommandResult<IdentityEntry> {
    let client = client(&session).await?;
    let token = token(&token_id)?;
    client.confirm_token(token, code.trim()).await?;
    entry(&client, token).await
}

#[tauri::command]
pub async fn set_searchable(
    session: State<'_, Session>,
    token_id: String,
    searchable: bool,
) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.set_searchable(token(&token_id)?, searchable).await?)
}

#[tauri::command]
pub async fn identity_remove(session: State<'_, Session>, token_id: String) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.remove_token(token(&token_id)?).await?)
}
