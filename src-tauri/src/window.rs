//! The main window: created with its web data inside the profile (two
//! profiles never share a WebKit store), brought forward when the app is
//! opened again, and told what to open.

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::launch::Launch;
use crate::links::OpenConnect;
use crate::session::Session;

pub const MAIN: &str = "main";

/// Creates the main window from its configuration (tauri.conf.json has
/// `create: false` so that the data directory can be set here).
pub fn create(app: &AppHandle, launch: &Launch) -> tauri::Result<WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .unwrap_or_default();
    WebviewWindowBuilder::from_config(app, &config)?
        .data_directory(launch.profile_dir.join("webview"))
        .build()
}

pub fn is_focused(app: &AppHandle) -> bool {
    app.get_webview_window(MAIN)
        .and_then(|w| w.is_focused().ok())
        .unwrap_or(false)
}

/// Shows, unminimizes and focuses the main window.
pub fn bring_forward(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

#[derive(Clone, Serialize)]
struct OpenConversation<'a> {
    conversation_id: &'a str,
}

/// A notification was clicked: the conversation opens in front.
pub fn open_conversation(app: &AppHandle, conversation_id: &str) {
    bring_forward(app);
    emit(
        app,
        "open-conversation",
        OpenConversation { conversation_id },
    );
}

/// A connect link arrived: the Connect dialog opens prefilled, now if the
/// window listens already, else when it first asks for the app state.
pub fn open_connect(app: &AppHandle, link: OpenConnect) {
    bring_forward(app);
    let now = match app.try_state::<Session>() {
        Some(session) => session.hold_link(link),
        None => Some(link),
    };
    if let Some(link) = now {
        emit(app, "open-connect", link);
    }
}

/// Sends an event to the main window (a closed window just misses it).
pub fn emit<T: Serialize + Clone>(app: &AppHandle, event: &str, payload: T) {
    if let Err(e) = app.emit_to(MAIN, event, payload) {
        tracing::warn!(error = %e, event, "an event could not be sent to the window");
    }
}
