//! The account's devices, password change and key rotation.

use attesta_client::Device;
use tauri::{AppHandle, State};

use super::{client, kdf_progress};
use crate::error::CommandResult;
use crate::session::Session;

/// `Device` crosses as the API has it (device_id, name, times, current).
#[tauri::command]
pub async fn devices_list(session: State<'_, Session>) -> CommandResult<Vec<Device>> {
    Ok(client(&session).await?.devices().await?)
}

#[tauri::command]
pub async fn device_revoke(session: State<'_, Session>, device_id: String) -> CommandResult<()> {
    Ok(client(&session).await?.revoke_device(&device_id).await?)
}

#[tauri::command]
pub async fn password_change(
    app: AppHandle,
    session: State<'_, Session>,
    old_password: String,
    new_password: String,
) -> CommandResult<()> {
    let client = client(&session).await?;
    Ok(client
        .change_password(&old_password, &new_password, kdf_progress(&app))
        .await?)
}

#[tauri::command]
pub async fn keys_rotate(session: State<'_, Session>) -> CommandResult<()> {
    Ok(client(&session).await?.rotate_keys().await?)
}
