//! Groups: create, invite an accepted contact, members, leave, remove.

use attesta_client::{MemberState, Role};
use serde::Serialize;
use tauri::State;

use super::conversations::{self, ConversationView};
use super::{client, session::own_profile};
use crate::error::{CommandError, CommandResult};
use crate::session::Session;

#[derive(Debug, Clone, Serialize)]
pub struct GroupMemberView {
    pub contact_id: String,
    pub display_name: String,
    pub role: &'static str,
    pub state: &'static str,
    pub is_me: bool,
}

#[tauri::command]
pub async fn group_create(
    session: State<'_, Session>,
    name: String,
) -> CommandResult<ConversationView> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CommandError::bad_request("A group needs a name."));
    }
    let client = client(&session).await?;
    let id = client.create_group(name).await?;
    conversations::get(&client, &id).await
}

#[tauri::command]
pub async fn group_invite(
    session: State<'_, Session>,
    conversation_id: String,
    contact_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    let profile = own_profile(&client).await?;
    let profile = attesta_client::Profile {
        display_name: profile.display_name,
        nick: None,
        avatar: None,
    };
    Ok(client
        .invite(&conversation_id, &contact_id, profile)
        .await?)
}

#[tauri::command]
pub async fn group_members(
    session: State<'_, Session>,
    conversation_id: String,
) -> CommandResult<Vec<GroupMemberView>> {
    let client = client(&session).await?;
    let me = client.account().map(|a| a.party_id).unwrap_or_default();
    Ok(client
        .group_members(&conversation_id)
        .await?
        .into_iter()
        .map(|m| GroupMemberView {
            is_me: m.party_id == me,
            display_name: m.display_name.unwrap_or_else(|| "Unnamed member".into()),
            role: match m.role {
                Role::Owner => "owner",
                _ => "member",
            },
            state: match m.state {
                MemberState::Waiting => "waiting",
                MemberState::Accepted => "accepted",
                MemberState::Left => "left",
                MemberState::Removed | MemberState::Blocked => "removed",
            },
            contact_id: m.party_id,
        })
        .collect())
}

#[tauri::command]
pub async fn group_leave(
    session: State<'_, Session>,
    conversation_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.leave_group(&conversation_id).await?)
}

#[tauri::command]
pub async fn group_remove(
    session: State<'_, Session>,
    conversation_id: String,
    contact_id: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.remove_member(&conversation_id, &contact_id).await?)
}
