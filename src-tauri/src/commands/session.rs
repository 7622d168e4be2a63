//! First run and the session: server, register, login, recovery, logout,
//! and the user's own profile.

use attesta_client::{Client, Login, RecoveryBy, Registration, SyncState, TokenKind};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use url::Url;

use super::{client, kdf_progress};
use crate::error::{CommandError, CommandResult};
use crate::refusals::{self, Normalized};
use crate::session::Session;
use crate::window;

/// Account settings (shared by the account's devices) holding the profile.
const DISPLAY_NAME: &str = "display_name";
const AVATAR: &str = "avatar";

/// The only avatars accepted, shown and shared: PNG, JPEG, GIF or WebP
/// images embedded as `data:` URLs, never addresses.
const AVATAR_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The image type the bytes start like, if it is one an avatar may be.
fn image_type(bytes: &[u8]) -> Option<&'static str> {
    let [png, jpeg, gif, webp] = AVATAR_TYPES;
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(gif)
    } else if bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(webp)
    } else {
        None
    }
}

/// The image in an avatar's `data:` URL, when it is one of [`AVATAR_TYPES`]
/// and its bytes are what the URL says.
pub(crate) fn avatar_bytes(data_url: &str) -> Option<Vec<u8>> {
    let (media_type, data) = data_url.strip_prefix("data:")?.split_once(";base64,")?;
    let bytes = STANDARD.decode(data).ok()?;
    (image_type(&bytes)? == media_type).then_some(bytes)
}

/// A picture a peer sent, as a `data:` URL, when it is an image an avatar may be.
pub(crate) fn avatar_data_url(bytes: &[u8]) -> Option<String> {
    let media_type = image_type(bytes)?;
    Some(format!(
        "data:{media_type};base64,{}",
        STANDARD.encode(bytes)
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    pub display_name: String,
    pub avatar: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub party_id: String,
    pub nick: Option<String>,
    pub profile: Profile,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppState {
    pub server_url: String,
    pub account: Option<Account>,
    pub sync: SyncState,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryKind {
    Email,
    Phone,
}

/// How this device is named in the account's devices list.
fn device_name() -> String {
    format!("Attesta desktop ({})", std::env::consts::OS)
}

/// The user's own profile: the shared display name (the first nick until
/// one is set) and avatar.
pub(crate) async fn own_profile(client: &Client) -> CommandResult<Profile> {
    let display_name = match client.setting(DISPLAY_NAME).await? {
        Some(name) if !name.trim().is_empty() => name,
        _ => first_nick(client).await?.unwrap_or_default(),
    };
    let avatar = client.setting(AVATAR).await?.filter(|a| !a.is_empty());
    Ok(Profile {
        display_name,
        avatar,
    })
}

async fn first_nick(client: &Client) -> CommandResult<Option<String>> {
    Ok(client
        .tokens()
        .await?
        .into_iter()
        .find(|t| t.kind == TokenKind::Nick)
        .and_then(|t| t.value))
}

pub(crate) async fn account(client: &Client) -> CommandResult<Option<Account>> {
    let Some(info) = client.account() else {
        return Ok(None);
    };
    Ok(Some(Account {
        party_id: info.party_id,
        nick: first_nick(client).await?,
        profile: own_profile(client).await?,
    }))
}

/// Starts syncing after a login, and answers the account.
async fn logged_in(app: &AppHandle, session: &Session, client: &Client) -> CommandResult<Account> {
    session.go_online(app).await;
    account(client)
        .await?
        .ok_or_else(|| attesta_client::Error::NotLoggedIn.into())
}

#[tauri::command]
pub async fn app_state(app: AppHandle, session: State<'_, Session>) -> CommandResult<AppState> {
    for link in session.take_links() {
        window::emit(&app, "open-connect", link);
    }
    let client = session.client().await?;
    session.go_online(&app).await;
    Ok(AppState {
        server_url: session.server_url(),
        account: account(&client).await?,
        sync: client.sync_state(),
    })
}

#[tauri::command]
pub async fn set_server(session: State<'_, Session>, url: String) -> CommandResult<()> {
    let url = url.trim();
    let usable = Url::parse(url)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !usable {
        return Err(CommandError::bad_request(
            "This is not a server address: write it as http://host:port or https://host.",
        ));
    }
    session.set_server(url.trim_end_matches('/')).await
}

#[tauri::command]
pub fn normalize_nick(session: State<'_, Session>, nick: String) -> Normalized {
    let region = session.settings.settings().phone_region;
    refusals::normalize(TokenKind::Nick, &nick, &region)
}

#[tauri::command]
pub async fn register(
    app: AppHandle,
    session: State<'_, Session>,
    nick: String,
    password: String,
    searchable: bool,
) -> CommandResult<Account> {
    let client = session.client().await?;
    let registration = Registration {
        nick,
        password,
        searchable,
        device_name: device_name(),
    };
    client.register(registration, kdf_progress(&app)).await?;
    logged_in(&app, &session, &client).await
}

#[tauri::command]
pub async fn login(
    app: AppHandle,
    session: State<'_, Session>,
    value: String,
    password: String,
) -> CommandResult<Account> {
    let client = session.client().await?;
    let login = Login {
        login: value,
        password,
        device_name: device_name(),
        region: Some(session.settings.settings().phone_region),
    };
    client.login(login, kdf_progress(&app)).await?;
    logged_in(&app, &session, &client).await
}

fn recovery_by(session: &Session, kind: RecoveryKind, value: String) -> RecoveryBy {
    match kind {
        RecoveryKind::Email => RecoveryBy::Email(value),
        RecoveryKind::Phone => RecoveryBy::Phone {
            number: value,
            region: Some(session.settings.settings().phone_region),
        },
    }
}

#[tauri::command]
pub async fn recover_start(
    session: State<'_, Session>,
    kind: RecoveryKind,
    value: String,
) -> CommandResult<()> {
    let client = session.client().await?;
    Ok(client
        .start_recovery(&recovery_by(&session, kind, value))
        .await?)
}

#[tauri::command]
pub async fn recover_finish(
    app: AppHandle,
    session: State<'_, Session>,
    kind: RecoveryKind,
    value: String,
    code: String,
    password: String,
) -> CommandResult<Account> {
    let client = session.client().await?;
    let by = recovery_by(&session, kind, value);
    client
        .finish_recovery(
            &by,
            code.trim(),
            &password,
            &device_name(),
            kdf_progress(&app),
        )
        .await?;
    logged_in(&app, &session, &client).await
}

#[tauri::command]
pub async fn logout(session: State<'_, Session>) -> CommandResult<()> {
    let client = client(&session).await?;
    session.go_offline().await;
    Ok(client.logout().await?)
}

#[tauri::command]
pub async fn profile_set(session: State<'_, Session>, profile: Profile) -> CommandResult<()> {
    let client = client(&session).await?;
    let avatar = profile.avatar.unwrap_or_default();
    if !avatar.is_empty() && avatar_bytes(&avatar).is_none() {
        return Err(CommandError::bad_request(
            "An avatar must be a PNG, JPEG, GIF or WebP image.",
        ));
    }
    client
        .set_setting(DISPLAY_NAME, profile.display_name.trim())
        .await?;
    Ok(client.set_setting(AVATAR, &avatar).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn a_shared_picture_comes_back_as_the_same_data_url() {
        let url = avatar_data_url(PNG).expect("a PNG is shown");
        assert!(url.starts_with("data:image/png;base64,"));
        assert_eq!(avatar_bytes(&url).as_deref(), Some(PNG));
    }

    #[test]
    fn a_picture_that_is_not_what_it_says_is_neither_shown_nor_shared() {
        let disguised = format!("data:image/jpeg;base64,{}", STANDARD.encode(PNG));
        assert_eq!(avatar_bytes(&disguised), None);
        assert_eq!(avatar_bytes("https://example.org/me.png"), None);
        assert_eq!(avatar_data_url(b"<svg onload=alert(1)>"), None);
    }
}
