//! Settings: notifications, phone region, theme (kept per profile).

use tauri::State;

use crate::error::{CommandError, CommandResult};
use crate::session::Session;
use crate::settings::Settings;

#[tauri::command]
pub fn settings_get(session: State<'_, Session>) -> Settings {
    session.settings.settings()
}

/// Takes effect at once: notifications are checked when each would show.
#[tauri::command]
pub fn settings_set(session: State<'_, Session>, settings: Settings) -> CommandResult<()> {
    if !settings.region_is_well_formed() {
        return Err(CommandError::bad_request(
            "A region is two capital letters, such as US or DE.",
        ));
    }
    session
        .settings
        .set_settings(settings)
        .map_err(|e| CommandError::internal(&e))
}
