//! Invitations (waiting HELLOs) and their review: accept, leave waiting,
//! block; the blocked list and unblock.

use attesta_client::{Client, ConnectorKind, MemberState, NickCheck};
use serde::Serialize;
use tauri::State;
use time::OffsetDateTime;

use super::client;
use super::conversations::{self, ConversationView};
use super::session::{avatar_data_url, own_profile};
use crate::error::CommandResult;
use crate::session::Session;

#[derive(Debug, Clone, Serialize)]
pub struct InvitationView {
    pub connector_id: String,
    pub kind: ConnectorKind,
    pub group_name: Option<String>,
    pub display_name: String,
    pub nick: Option<String>,
    pub avatar: Option<String>,
    pub message: String,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub signed: bool,
    pub nick_check: NickCheck,
    pub safety_number: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockedView {
    pub connector_id: String,
    pub display_name: String,
    pub nick: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub blocked_at: OffsetDateTime,
}

impl From<attesta_client::Invitation> for InvitationView {
    fn from(i: attesta_client::Invitation) -> InvitationView {
        InvitationView {
            connector_id: i.connector_id,
            kind: i.kind,
            group_name: i.group_name,
            display_name: i
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "Someone".into()),
            nick: i.nick,
            avatar: i.avatar.as_deref().and_then(avatar_data_url),
            message: i.message.unwrap_or_default(),
            received_at: i.received_at.unwrap_or_else(OffsetDateTime::now_utc),
            signed: i.signed,
            nick_check: i.nick_check,
            safety_number: i.safety_number.unwrap_or_default(),
        }
    }
}

/// Every waiting invitation, newest first.
pub(crate) async fn list(client: &Client) -> CommandResult<Vec<InvitationView>> {
    Ok(client
        .invitations()
        .await?
        .into_iter()
        .map(InvitationView::from)
        .collect())
}

#[tauri::command]
pub async fn invitations_list(session: State<'_, Session>) -> CommandResult<Vec<InvitationView>> {
    list(&client(&session).await?).await
}

/// Accepts, answering with the user's profile so the other side sees who accepted.
#[tauri::command]
pub async fn invitation_accept(
    session: State<'_, Session>,
    connector_id: String,
) -> CommandResult<ConversationView> {
    let client = client(&session).await?;
    let profile = own_profile(&client).await?;
    let profile = attesta_client::Profile {
        display_name: profile.display_name,
        nick: None,
        avatar: None,
    };
    client.accept(&connector_id, Some(profile)).await?;
    conversations::get(&client, &connector_id).await
}

/// Leaving an invitation waiting changes nothing anywhere: it stays listed.
#[tauri::command]
pub async fn invitation_leave_waiting(
    session: State<'_, Session>,
    connector_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    client.connector(&connector_id).await?;
    Ok(())
}

#[tauri::command]
pub async fn invitation_block(
    session: State<'_, Session>,
    connector_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.block(&connector_id).await?)
}

#[tauri::command]
pub async fn blocked_list(session: State<'_, Session>) -> CommandResult<Vec<BlockedView>> {
    let client = client(&session).await?;
    Ok(client
        .connectors()
        .await?
        .into_iter()
        .filter(|c| c.state == MemberState::Blocked)
        .map(|c| BlockedView {
            display_name: c.title.unwrap_or_else(|| "Someone".into()),
            connector_id: c.id,
            nick: c.peer_nick,
            blocked_at: c.updated_at,
        })
        .collect())
}

#[tauri::command]
pub async fn unblock(session: State<'_, Session>, connector_id: String) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.unblock(&connector_id).await?)
}
