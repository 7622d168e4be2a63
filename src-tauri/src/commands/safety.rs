//! Safety numbers, the verified mark, and accepting a peer's new keys.

use serde::Serialize;
use tauri::State;

use super::client;
use crate::error::CommandResult;
use crate::session::Session;

#[derive(Debug, Clone, Serialize)]
pub struct SafetyView {
    pub digits: String,
    pub verified: bool,
    pub key_changed: bool,
}

#[tauri::command]
pub async fn safety_number(
    session: State<'_, Session>,
    conversation_id: String,
) -> CommandResult<SafetyView> {
    let client = client(&session).await?;
    let safety = client.safety_number(&conversation_id).await?;
    Ok(SafetyView {
        digits: safety.digits,
        verified: safety.verified,
        key_changed: safety.key_change_pending,
    })
}

#[tauri::command]
pub async fn mark_verified(
    session: State<'_, Session>,
    conversation_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    let peer = client.safety_number(&conversation_id).await?.peer_party_id;
    Ok(client.set_verified(&peer, true).await?)
}

#[tauri::command]
pub async fn accept_key_change(
    session: State<'_, Session>,
    conversation_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    let peer = client.safety_number(&conversation_id).await?.peer_party_id;
    Ok(client.accept_key_change(&peer).await?)
}
