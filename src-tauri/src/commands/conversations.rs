//! Conversations and their messages, and the shapes the window shows them
//! in (`Conversation`, `Message`), which the event forwarder sends too.

use std::collections::HashMap;

use attesta_client::{
    Anchor, Client, ConnectorInfo, ConnectorKind, MemberState, Message, MessageKind, MessageState,
    Role,
};
use serde::Serialize;
use tauri::State;
use time::OffsetDateTime;

use super::{client, msg_id};
use crate::error::{CommandError, CommandResult};
use crate::session::Session;

/// The most messages one page may ask for.
const MAX_PAGE: usize = 1000;

#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    pub from_me: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConversationView {
    pub id: String,
    pub kind: ConnectorKind,
    pub title: String,
    /// `waiting` or `accepted` (a group the user left keeps its history, shown as accepted).
    pub state: &'static str,
    pub unread: u32,
    pub last_message: Option<Preview>,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    pub disappearing_seconds: Option<i64>,
    pub key_changed: bool,
    pub is_owner: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Quote {
    pub id: String,
    pub author_name: String,
    pub body: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub id: String,
    pub conversation_id: String,
    pub from_me: bool,
    pub author_name: String,
    pub body: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sent_at: OffsetDateTime,
    pub state: MessageState,
    pub signed: bool,
    pub edited: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
    pub reply_to: Option<Quote>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessagePageView {
    pub messages: Vec<MessageView>,
    pub has_more: bool,
}

/// What a message shows when there is no text to show.
fn body(message: &Message) -> String {
    match (&message.body, message.kind) {
        _ if message.deleted => "This message was deleted.".into(),
        (Some(body), MessageKind::Text) => body.clone(),
        (_, MessageKind::Unsupported) => "This message needs a newer version of Attesta.".into(),
        _ => "This message could not be read.".into(),
    }
}

fn title(info: &ConnectorInfo, title: Option<String>) -> String {
    title.unwrap_or_else(|| match info.kind {
        ConnectorKind::P2p => "Unnamed contact".into(),
        ConnectorKind::Group => "Unnamed group".into(),
    })
}

fn conversation_view(
    conversation: attesta_client::Conversation,
    info: &ConnectorInfo,
) -> ConversationView {
    ConversationView {
        state: match conversation.state {
            MemberState::Waiting => "waiting",
            _ => "accepted",
        },
        title: title(info, conversation.title),
        unread: conversation.unread,
        last_message: conversation.last_message.map(|m| Preview {
            body: body(&m),
            sent_at: m.sent_at,
            from_me: m.from_me,
        }),
        updated_at: conversation.last_activity,
        disappearing_seconds: info.expire_seconds,
        key_changed: conversation.key_change_pending,
        is_owner: info.role == Role::Owner,
        kind: conversation.kind,
        id: conversation.id,
    }
}

/// Every conversation as the list shows it.
pub(crate) async fn list(client: &Client) -> CommandResult<Vec<ConversationView>> {
    let infos: HashMap<String, ConnectorInfo> = client
        .connectors()
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    Ok(client
        .conversations()
        .await?
        .into_iter()
        .filter_map(|c| {
            let info = infos.get(&c.id)?;
            Some(conversation_view(c, info))
        })
        .collect())
}

/// One conversation, if it is one the list shows.
pub(crate) async fn find(client: &Client, id: &str) -> CommandResult<Option<ConversationView>> {
    let Some(conversation) = client
        .conversations()
        .await?
        .into_iter()
        .find(|c| c.id == id)
    else {
        return Ok(None);
    };
    let info = client.connector(id).await?;
    Ok(Some(conversation_view(conversation, &info)))
}

pub(crate) async fn get(client: &Client, id: &str) -> CommandResult<ConversationView> {
    find(client, id).await?.ok_or_else(|| {
        CommandError::new(
            crate::error::Code::NotFound,
            "This conversation is not known here.",
        )
    })
}

/// The names of a conversation's authors: the peer's for p2p, the
/// members' for a group, "You" for the user's own devices.
pub(crate) struct Names {
    peer: String,
    members: HashMap<String, String>,
}

impl Names {
    pub(crate) async fn of(client: &Client, conversation: &str) -> CommandResult<Names> {
        let info = client.connector(conversation).await?;
        let members = match info.kind {
            ConnectorKind::Group => client
                .group_members(conversation)
                .await?
                .into_iter()
                .filter_map(|m| Some((m.party_id, m.display_name?)))
                .collect(),
            ConnectorKind::P2p => HashMap::new(),
        };
        let peer = title(&info, info.title.clone());
        Ok(Names { peer, members })
    }

    fn of_author(&self, message: &Message) -> String {
        if message.from_me {
            return "You".into();
        }
        self.members
            .get(&message.author)
            .cloned()
            .unwrap_or_else(|| self.peer.clone())
    }

    /// A message as the window shows it, with the message it replies to.
    pub(crate) async fn view(&self, client: &Client, message: Message) -> MessageView {
        let reply_to = match message.reply_to {
            Some(id) => match client.message(id).await {
                Ok(original) => Some(Quote {
                    id: original.msg_id.to_string(),
                    author_name: self.of_author(&original),
                    body: body(&original),
                }),
                Err(_) => None,
            },
            None => None,
        };
        MessageView {
            id: message.msg_id.to_string(),
            conversation_id: message.conversation.clone(),
            from_me: message.from_me,
            author_name: self.of_author(&message),
            body: body(&message),
            sent_at: message.sent_at,
            state: message.state,
            signed: message.signed,
            edited: message.edited,
            expires_at: message.expires_at,
            reply_to,
        }
    }
}

/// One message as the window shows it.
pub(crate) async fn message_view(client: &Client, message: Message) -> CommandResult<MessageView> {
    let names = Names::of(client, &message.conversation).await?;
    Ok(names.view(client, message).await)
}

async fn message_by_id(client: &Client, id: &str) -> CommandResult<MessageView> {
    let message = client.message(msg_id(id)?).await?;
    message_view(client, message).await
}

#[tauri::command]
pub async fn conversations_list(
    session: State<'_, Session>,
) -> CommandResult<Vec<ConversationView>> {
    list(&client(&session).await?).await
}

#[tauri::command]
pub async fn messages_page(
    session: State<'_, Session>,
    conversation_id: String,
    before: Option<String>,
    after: Option<String>,
    limit: usize,
) -> CommandResult<MessagePageView> {
    let client = client(&session).await?;
    let anchor = match (before, after) {
        (Some(id), _) => Anchor::Before(client.message(msg_id(&id)?).await?.key),
        (None, Some(id)) => Anchor::After(client.message(msg_id(&id)?).await?.key),
        (None, None) => Anchor::Latest,
    };
    let page = client
        .messages(&conversation_id, anchor, limit.clamp(1, MAX_PAGE))
        .await?;
    let has_more = match anchor {
        Anchor::After(_) => page.has_newer,
        _ => page.has_older,
    };
    let names = Names::of(&client, &conversation_id).await?;
    let mut messages = Vec::with_capacity(page.messages.len());
    for message in page.messages {
        messages.push(names.view(&client, message).await);
    }
    Ok(MessagePageView { messages, has_more })
}

#[tauri::command]
pub async fn send_message(
    session: State<'_, Session>,
    conversation_id: String,
    body: String,
    reply_to: Option<String>,
) -> CommandResult<MessageView> {
    let client = client(&session).await?;
    let reply_to = reply_to.as_deref().map(msg_id).transpose()?;
    let id = client.send_text(&conversation_id, &body, reply_to).await?;
    message_view(&client, client.message(id).await?).await
}

#[tauri::command]
pub async fn retry_message(
    session: State<'_, Session>,
    message_id: String,
) -> CommandResult<MessageView> {
    let client = client(&session).await?;
    client.retry_message(msg_id(&message_id)?).await?;
    message_by_id(&client, &message_id).await
}

#[tauri::command]
pub async fn edit_message(
    session: State<'_, Session>,
    message_id: String,
    body: String,
) -> CommandResult<MessageView> {
    let client = client(&session).await?;
    client.edit_message(msg_id(&message_id)?, &body).await?;
    message_by_id(&client, &message_id).await
}

#[tauri::command]
pub async fn delete_message(session: State<'_, Session>, message_id: String) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client.delete_message(msg_id(&message_id)?).await?)
}

/// Marks the conversation read; `upTo` is accepted for the contract, and
/// everything shown is read once the newest message was seen.
#[tauri::command]
pub async fn mark_read(
    session: State<'_, Session>,
    conversation_id: String,
    up_to: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client
        .mark_read_up_to(&conversation_id, msg_id(&up_to)?)
        .await?)
}

#[tauri::command]
pub async fn set_disappearing(
    session: State<'_, Session>,
    conversation_id: String,
    seconds: Option<i64>,
) -> CommandResult<()> {
    if seconds.is_some_and(|s| s <= 0) {
        return Err(CommandError::bad_request(
            "A disappearing-message timer must be a positive number of seconds.",
        ));
    }
    let client = client(&session).await?;
    Ok(client.set_expiry(&conversation_id, seconds).await?)
}
