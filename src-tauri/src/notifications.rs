//! System notifications for new invitations, and for messages while the
//! window is not focused, unless the user turned them off in Settings.
//! A notification names who wrote, never what was written, so nothing
//! private shows on a locked or shared screen. Clicking a message's
//! notification opens its conversation where the platform reports clicks
//! (the freedesktop notification service does).

use notify_rust::Notification;
use tauri::{AppHandle, Manager};

use crate::session::Session;

/// The action id the freedesktop spec reserves for a click on the body.
const CLICK: &str = "default";

/// What a notification is about.
pub enum Notice<'a> {
    Invitation {
        from: &'a str,
    },
    Message {
        from: &'a str,
        conversation_id: &'a str,
    },
}

/// Shows a notification when the user wants one now.
pub fn notify(app: &AppHandle, notice: Notice<'_>) {
    let wanted = app
        .try_state::<Session>()
        .is_some_and(|s| s.settings.settings().notifications);
    if !wanted {
        return;
    }
    let (summary, body, open) = match notice {
        Notice::Invitation { from } => (
            "New invitation".to_owned(),
            format!("{} wants to connect.", escape(from)),
            None,
        ),
        Notice::Message {
            from,
            conversation_id,
        } => {
            if crate::window::is_focused(app) {
                return;
            }
            (
                escape(from),
                "New message".to_owned(),
                Some(conversation_id.to_owned()),
            )
        }
    };
    let mut notification = Notification::new();
    notification
        .appname("Attesta")
        .icon("attesta-desktop")
        .summary(&summary)
        .body(&body);
    if open.is_some() {
        notification.action(CLICK, "Open");
    }
    show(app.clone(), notification, open);
}

/// Sends the notification off the calling task: the D-Bus call blocks, and
/// waiting for a click blocks until the notification closes.
#[cfg(all(unix, not(target_os = "macos")))]
fn show(app: AppHandle, notification: Notification, open: Option<String>) {
    std::thread::spawn(move || match notification.show() {
        Ok(handle) => {
            if let Some(conversation_id) = open {
                handle.wait_for_action(|action| {
                    if action == CLICK {
                        crate::window::open_conversation(&app, &conversation_id);
                    }
                });
            }
        }
        Err(e) => tracing::info!(error = %e, "no notification could be shown"),
    });
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
fn show(_app: AppHandle, notification: Notification, _open: Option<String>) {
    std::thread::spawn(move || {
        if let Err(e) = notification.show() {
            tracing::info!(error = %e, "no notification could be shown");
        }
    });
}

/// Notification services may read simple markup in the body: a peer's
/// display name is shown as text, never as a tag or a link.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_display_name_cannot_inject_markup_into_a_notification() {
        assert_eq!(
            escape("<a href=\"x\">Bob & co</a>"),
            "&lt;a href=\"x\"&gt;Bob &amp; co&lt;/a&gt;"
        );
    }
}
