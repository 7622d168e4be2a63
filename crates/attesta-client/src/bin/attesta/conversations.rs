//! Conversations and their messages.

use std::time::Duration;

use anyhow::Context;
use attesta_client::{
    Anchor, Client, ConnectorKind, Conversation, MemberState, Message, MessageKind, MessageState,
    MsgId,
};
use serde::Serialize;
use time::OffsetDateTime;

use crate::output::{self, Output};
use crate::profile;

/// A conversation as `conversations` prints it.
#[derive(Serialize)]
struct ShownConversation {
    id: String,
    kind: ConnectorKind,
    state: MemberState,
    title: Option<String>,
    unread: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    last_message_at: Option<OffsetDateTime>,
}

impl From<Conversation> for ShownConversation {
    fn from(c: Conversation) -> ShownConversation {
        ShownConversation {
            id: c.id,
            kind: c.kind,
            state: c.state,
            title: c.title,
            unread: c.unread,
            last_message_at: c.last_message.map(|m| m.sent_at),
        }
    }
}

/// A message as `messages` and `send` print it; `id` is its msg_id.
#[derive(Serialize)]
struct ShownMessage {
    id: MsgId,
    conversation: String,
    from_me: bool,
    author: String,
    kind: MessageKind,
    body: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    sent_at: OffsetDateTime,
    state: MessageState,
    signed: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    expires_at: Option<OffsetDateTime>,
}

impl From<Message> for ShownMessage {
    fn from(m: Message) -> ShownMessage {
        ShownMessage {
            id: m.msg_id,
            conversation: m.conversation,
            from_me: m.from_me,
            author: m.author,
            kind: m.kind,
            body: m.body,
            sent_at: m.sent_at,
            state: m.state,
            signed: m.signed,
            expires_at: m.expires_at,
        }
    }
}

impl ShownMessage {
    fn human(&self) -> String {
        let who = if self.from_me {
            "me"
        } else {
            self.author.as_str()
        };
        let text = match (self.kind, &self.body) {
            (MessageKind::Unsupported, _) => "(unsupported message)".to_owned(),
            (MessageKind::Unreadable, _) => "(could not be verified)".to_owned(),
            (MessageKind::Text, Some(body)) => body.clone(),
            (MessageKind::Text, None) => "(deleted)".to_owned(),
        };
        let unverified = if self.signed || self.kind == MessageKind::Unreadable {
            ""
        } else {
            "  [could not be verified]"
        };
        let state = match self.state {
            MessageState::Sent => "",
            MessageState::Queued => "  [queued]",
            MessageState::Failed => "  [failed]",
        };
        format!(
            "{}  {who}: {text}{unverified}{state}",
            output::when(self.sent_at)
        )
    }
}

pub async fn list(client: &Client, out: &Output) -> anyhow::Result<()> {
    let shown: Vec<ShownConversation> = client
        .conversations()
        .await
        .context("reading conversations")?
        .into_iter()
        .map(ShownConversation::from)
        .collect();
    out.list(&shown, "no conversations", |c| {
        let title = c.title.as_deref().unwrap_or("(no name)");
        let waiting = if c.state == MemberState::Waiting {
            "  [waiting for acceptance]"
        } else {
            ""
        };
        format!("{}  {title}  {} unread{waiting}", c.id, c.unread)
    })
}

pub async fn messages(client: &Client, out: &Output, id: &str, limit: u16) -> anyhow::Result<()> {
    let page = client
        .messages(id, Anchor::Latest, usize::from(limit))
        .await
        .context("reading messages")?;
    let shown: Vec<ShownMessage> = page.messages.into_iter().map(ShownMessage::from).collect();
    out.list(&shown, "no messages", ShownMessage::human)
}

/// Sends a text. With `expires_in`, this message disappears after that many
/// seconds; the conversation's timer is left as it is.
pub async fn send(
    client: &Client,
    out: &Output,
    id: &str,
    text: &str,
    expires_in: Option<u64>,
) -> anyhow::Result<()> {
    let msg_id = client
        .send_text_expiring(id, text, None, expires_in.map(Duration::from_secs))
        .await
        .context("sending")?;
    profile::send_outbox(client, out).await?;
    let shown = ShownMessage::from(
        client
            .message(msg_id)
            .await
            .context("reading the message")?,
    );
    out.print(&shown, || shown.human())
}
