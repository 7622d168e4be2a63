//! The Attesta desktop app: thin Tauri commands and events over
//! `attesta-client` (docs/desktop-commands.md is the contract with the
//! webview), one instance per profile, `attesta://connect` links, and
//! system notifications.

pub mod commands;
pub mod error;
pub mod events;
pub mod launch;
pub mod links;
pub mod notifications;
pub mod refusals;
pub mod session;
pub mod settings;
pub mod window;

use tauri::Manager;
use tauri_plugin_deep_link::DeepLinkExt;

use crate::launch::{Launch, LaunchError};
use crate::session::Session;

/// The environment variable for log filters (`info` by default).
pub const LOG_ENV: &str = "ATTESTA_LOG";

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Launch(#[from] LaunchError),
    #[error("the app could not start: {0}")]
    Tauri(#[from] tauri::Error),
}

/// Starts the app and returns when its last window closed.
pub fn run() -> Result<(), RunError> {
    let filter = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();

    let launch = Launch::from_env()?;
    let mut context = tauri::generate_context!();
    let identifier = launch.identifier(&context.config().identifier);
    context.config_mut().identifier = identifier;

    tauri::Builder::default()
        // First: a second start of the same profile hands its arguments over
        // and exits before anything else is set up.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::bring_forward(app);
        }))
        .plugin(tauri_plugin_deep_link::init())
        .manage(Session::new(&launch))
        .invoke_handler(tauri::generate_handler![
            commands::session::app_state,
            commands::session::set_server,
            commands::session::normalize_nick,
            commands::session::register,
            commands::session::login,
            commands::session::recover_start,
            commands::session::recover_finish,
            commands::session::logout,
            commands::session::profile_set,
            commands::invitations::invitations_list,
            commands::invitations::invitation_accept,
            commands::invitations::invitation_leave_waiting,
            commands::invitations::invitation_block,
            commands::invitations::blocked_list,
            commands::invitations::unblock,
            commands::connect::describe_search,
            commands::connect::connect,
            commands::connect::contacts_list,
            commands::conversations::conversations_list,
            commands::conversations::messages_page,
            commands::conversations::send_message,
            commands::conversations::retry_message,
            commands::conversations::edit_message,
            commands::conversations::delete_message,
            commands::conversations::mark_read,
            commands::conversations::set_disappearing,
            commands::groups::group_create,
            commands::groups::group_invite,
            commands::groups::group_members,
            commands::groups::group_leave,
            commands::groups::group_remove,
            commands::safety::safety_number,
            commands::safety::mark_verified,
            commands::safety::accept_key_change,
            commands::identity::identity_list,
            commands::identity::nick_add,
            commands::identity::email_add,
            commands::identity::phone_add,
            commands::identity::confirm_code,
            commands::identity::set_searchable,
            commands::identity::identity_remove,
            commands::devices::devices_list,
            commands::devices::device_revoke,
            commands::devices::password_change,
            commands::devices::keys_rotate,
            commands::settings::settings_get,
            commands::settings::settings_set,
        ])
        .setup(move |app| {
            let handle = app.handle().clone();
            window::create(&handle, &launch)?;
            let links_to = handle.clone();
            app.deep_link().on_open_url(move |event| {
                for link in links::from_args(event.urls().iter().map(|u| u.as_str())) {
                    window::open_connect(&links_to, link);
                }
            });
            // A profile that is logged in syncs (and notifies) from the start.
            tauri::async_runtime::spawn(async move {
                let session = handle.state::<Session>();
                match session.client().await {
                    Ok(_) => session.go_online(&handle).await,
                    Err(e) => tracing::warn!(error = %e, "the profile could not be opened"),
                }
            });
            Ok(())
        })
        .run(context)?;
    Ok(())
}
