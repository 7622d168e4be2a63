//! Forwards what `attesta-client` reports to the window as the contract's
//! events, with the full objects the window shows (read from the cache
//! after the change), and raises notifications for what arrived.

use attesta_client::{Client, Event};
use serde::Serialize;
use tauri::{AppHandle, Manager};
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use crate::commands::{conversations, invitations};
use crate::error::CommandResult;
use crate::notifications::{self, Notice};
use crate::session::Session;
use crate::window::emit;

#[derive(Clone, Serialize)]
struct SyncStatePayload {
    state: attesta_client::SyncState,
}

#[derive(Clone, Serialize)]
struct ItemRemoved {
    conversation_id: String,
    message_id: String,
}

/// Runs until aborted (at logout) or until the client is gone.
pub fn forward(app: AppHandle, client: Client) -> JoinHandle<()> {
    let mut events = client.subscribe();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                Ok(event) => {
                    if let Err(e) = deliver(&app, &client, event).await {
                        tracing::warn!(error = %e, "an event could not be forwarded");
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(
                        missed,
                        "the window missed events; it refreshes on the next ones"
                    );
                }
                Err(RecvError::Closed) => return,
            }
        }
    })
}

async fn deliver(app: &AppHandle, client: &Client, event: Event) -> CommandResult<()> {
    match event {
        Event::Sync { state } => emit(app, "sync-state", SyncStatePayload { state }),
        Event::InvitationArrived { connector_id } => {
            let all = invitations::list(client).await?;
            if let Some(invitation) = all.into_iter().find(|i| i.connector_id == connector_id) {
                notifications::notify(
                    app,
                    Notice::Invitation {
                        from: &invitation.display_name,
                    },
                );
                emit(app, "invitation-arrived", invitation);
            }
        }
        Event::MessageArrived {
            conversation,
            msg_id,
        } => {
            let message = client.message(msg_id).await?;
            let view = conversations::message_view(client, message).await?;
            if !view.from_me {
                notifications::notify(
                    app,
                    Notice::Message {
                        from: &view.author_name,
                        conversation_id: &view.conversation_id,
                    },
                );
            }
            emit(app, "message-arrived", view);
            conversation_changed(app, client, &conversation).await?;
        }
        Event::MessageChanged {
            conversation,
            msg_id,
        } => {
            let message = client.message(msg_id).await?;
            emit(
                app,
                "message-changed",
                conversations::message_view(client, message).await?,
            );
            conversation_changed(app, client, &conversation).await?;
        }
        Event::MessageRemoved {
            conversation,
            msg_id,
        } => {
            emit(
                app,
                "item-removed",
                ItemRemoved {
                    conversation_id: conversation.clone(),
                    message_id: msg_id.to_string(),
                },
            );
            conversation_changed(app, client, &conversation).await?;
        }
        Event::ConnectorChanged { connector_id } => {
            conversation_changed(app, client, &connector_id).await?;
        }
        Event::KeysChanged { party_id } => {
            for conversation in conversations::list(client).await? {
                let peer = client.connector(&conversation.id).await?.peer_party_id;
                if peer.as_deref() == Some(party_id.as_str()) {
                    emit(app, "conversation-changed", conversation);
                }
            }
        }
        Event::SessionEnded => {
            tracing::info!("the server ended this device's session");
            // The account's data leaves this device as at a logout (the
            // server refuses the logout call of an ended session: expected).
            if let Err(e) = client.logout().await {
                tracing::warn!(error = %e, "the ended session could not be cleared");
            }
            emit(app, "session-ended", ());
            // Last: this stops the forwarder that runs this very code.
            if let Some(session) = app.try_state::<Session>() {
                session.go_offline().await;
            }
        }
        Event::NewPasswordNeeded => {
            // The window does not ask for the new password yet: messages
            // under the new keys wait in the cache until the next login.
            tracing::info!("the account's password was changed on another device");
        }
        Event::AccountChanged => {}
    }
    Ok(())
}

/// Sends the conversation as the list shows it, when the list shows it.
async fn conversation_changed(app: &AppHandle, client: &Client, id: &str) -> CommandResult<()> {
    if let Some(conversation) = conversations::find(client, id).await? {
        emit(app, "conversation-changed", conversation);
    }
    Ok(())
}
