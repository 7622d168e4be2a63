//! The Tauri commands of docs/desktop-commands.md, one module per area.
//! Each converts its arguments, calls `attesta-client`, and maps the answer
//! to the contract's shapes and errors; none holds logic of its own.

pub mod connect;
pub mod conversations;
pub mod devices;
pub mod groups;
pub mod identity;
pub mod invitations;
pub mod safety;
pub mod session;
pub mod settings;

use attesta_client::{Client, MsgId, Token};
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::error::{CommandError, CommandResult};
use crate::session::Session;
use crate::window;

/// The logged-in client, or `unauthorized` for a logged-out profile.
async fn client(session: &State<'_, Session>) -> CommandResult<Client> {
    let client = session.client().await?;
    if client.account().is_none() {
        return Err(attesta_client::Error::NotLoggedIn.into());
    }
    Ok(client)
}

fn msg_id(text: &str) -> CommandResult<MsgId> {
    text.parse()
        .map_err(|_| CommandError::bad_request("This message id is not valid."))
}

/// A token id is the token's wire form (base64url), as `IdentityEntry` gives it.
fn token(text: &str) -> CommandResult<Token> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| CommandError::bad_request("This token id is not valid."))
}

#[derive(Clone, Serialize)]
struct KdfFraction {
    fraction: f32,
}

/// Reports a password derivation to the window as `kdf-progress`.
fn kdf_progress(app: &AppHandle) -> impl Fn(attesta_client::KdfProgress) + Send + Sync + use<> {
    let app = app.clone();
    move |progress| {
        let fraction = match progress {
            attesta_client::KdfProgress::Started => 0.0,
            attesta_client::KdfProgress::Finished => 1.0,
        };
        window::emit(&app, "kdf-progress", KdfFraction { fraction });
    }
}
