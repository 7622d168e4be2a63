//! Starting a connection by nick, e-mail or phone, and the contacts list.

use attesta_client::{Address, ConnectorKind, HelloDraft, MemberState, RequestOutcome, TokenKind};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::client;
use super::conversations::{self, ConversationView};
use super::session::{avatar_bytes, own_profile};
use crate::error::CommandResult;
use crate::refusals::{self, Normalized};
use crate::session::Session;

/// Which parts of the profile the HELLO carries.
#[derive(Debug, Clone, Deserialize)]
pub struct Share {
    pub display_name: bool,
    /// One of the user's own nicks to present, or none.
    pub nick: Option<String>,
    pub avatar: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum ConnectResult {
    Requested { conversation: ConversationView },
    NotFound,
}

#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub contact_id: String,
    pub display_name: String,
    pub nick: Option<String>,
    pub conversation_id: String,
}

#[tauri::command]
pub fn describe_search(session: State<'_, Session>, kind: TokenKind, value: String) -> Normalized {
    let region = session.settings.settings().phone_region;
    refusals::normalize(kind, &value, &region)
}

#[tauri::command]
pub async fn connect(
    session: State<'_, Session>,
    kind: TokenKind,
    value: String,
    message: String,
    share: Share,
) -> CommandResult<ConnectResult> {
    let client = client(&session).await?;
    let address = match kind {
        TokenKind::Nick => Address::Nick(value),
        TokenKind::Email => Address::Email(value),
        TokenKind::Phone => Address::Phone {
            number: value,
            region: Some(session.settings.settings().phone_region),
        },
    };
    let profile = own_profile(&client).await?;
    let display_name = if share.display_name {
        profile.display_name
    } else {
        String::new()
    };
    let avatar = match profile.avatar {
        Some(avatar) if share.avatar => avatar_bytes(&avatar),
        _ => None,
    };
    let hello = HelloDraft {
        message: message.trim().to_owned(),
        display_name,
        nick: share.nick,
    };
    match client
        .request_connector_showing(&address, hello, avatar)
        .await?
    {
        RequestOutcome::Requested { connector_id, .. } => Ok(ConnectResult::Requested {
            conversation: conversations::get(&client, &connector_id).await?,
        }),
        RequestOutcome::NotFound => Ok(ConnectResult::NotFound),
    }
}

#[tauri::command]
pub async fn contacts_list(session: State<'_, Session>) -> CommandResult<Vec<Contact>> {
    let client = client(&session).await?;
    Ok(client
        .connectors()
        .await?
        .into_iter()
        .filter(|c| c.kind == ConnectorKind::P2p && c.state == MemberState::Accepted)
        .filter_map(|c| {
            Some(Contact {
                contact_id: c.peer_party_id?,
                display_name: c.title.unwrap_or_else(|| "Unnamed contact".into()),
                nick: c.peer_nick,
                conversation_id: c.id,
            })
        })
        .collect())
}
