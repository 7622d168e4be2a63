//! The state every command shares, managed once: the profile, its settings,
//! and the `attesta-client` device, opened when first needed for the server
//! the user chose and running its sync engine while logged in.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use attesta_client::Client;
use attesta_client::sync::Engine;
use tauri::AppHandle;
use tokio::task::JoinHandle;

use crate::error::{CommandError, CommandResult};
use crate::events;
use crate::launch::{DEFAULT_SERVER, Launch};
use crate::links::OpenConnect;
use crate::settings::SettingsStore;

/// The client and what runs beside it while logged in.
struct Device {
    client: Client,
    /// The sync engine and the event forwarder; `None` while logged out.
    running: Option<(Engine, JoinHandle<()>)>,
}

pub struct Session {
    profile_dir: PathBuf,
    pub settings: SettingsStore,
    server_url: Mutex<String>,
    device: tokio::sync::Mutex<Option<Device>>,
    /// Links that arrived before the window listened; `app_state` hands them over.
    pending_links: Mutex<Vec<OpenConnect>>,
    /// Set once the window asked for the app state: it listens to events since.
    ui_listens: AtomicBool,
}

impl Session {
    pub fn new(launch: &Launch) -> Session {
        let settings = SettingsStore::open(&launch.profile_dir);
        let server_url = launch
            .server_override
            .clone()
            .or_else(|| settings.server_url())
            .unwrap_or_else(|| DEFAULT_SERVER.to_owned());
        Session {
            profile_dir: launch.profile_dir.clone(),
            settings,
            server_url: Mutex::new(server_url),
            device: tokio::sync::Mutex::new(None),
            pending_links: Mutex::new(launch.links.clone()),
            ui_listens: AtomicBool::new(false),
        }
    }

    pub fn server_url(&self) -> String {
        lock(&self.server_url).clone()
    }

    /// The device, opened on first use. A profile that holds an account on
    /// another server than the chosen one follows its account's server.
    pub async fn client(&self) -> CommandResult<Client> {
        let mut device = self.device.lock().await;
        if let Some(d) = device.as_ref() {
            return Ok(d.client.clone());
        }
        let url = self.server_url();
        let client = match Client::open(&self.profile_dir, &url).await {
            Err(attesta_client::Error::ServerMismatch(account_server)) => {
                let client = Client::open(&self.profile_dir, &account_server).await?;
                *lock(&self.server_url) = account_server;
                client
            }
            opened => opened?,
        };
        *device = Some(Device {
            client: client.clone(),
            running: None,
        });
        Ok(client)
    }

    /// Points a logged-out profile at another server.
    pub async fn set_server(&self, url: &str) -> CommandResult<()> {
        let mut device = self.device.lock().await;
        if device
            .as_ref()
            .is_some_and(|d| d.client.account().is_some())
        {
            return Err(CommandError::bad_request(
                "Log out before choosing another server.",
            ));
        }
        self.settings
            .set_server_url(url)
            .map_err(|e| CommandError::internal(&e))?;
        *lock(&self.server_url) = url.to_owned();
        *device = None;
        Ok(())
    }

    /// Starts syncing and forwarding events, once logged in (idempotent).
    pub async fn go_online(&self, app: &AppHandle) {
        let mut device = self.device.lock().await;
        let Some(d) = device.as_mut() else { return };
        if d.running.is_some() || d.client.account().is_none() {
            return;
        }
        let forwarder = events::forward(app.clone(), d.client.clone());
        d.running = Some((d.client.start(), forwarder));
    }

    /// Stops syncing and forwarding (at logout).
    pub async fn go_offline(&self) {
        let running = match self.device.lock().await.as_mut() {
            Some(d) => d.running.take(),
            None => None,
        };
        if let Some((engine, forwarder)) = running {
            engine.stop().await;
            forwarder.abort();
        }
    }

    /// Keeps a link for the window if it does not listen yet; else hands it back to send now.
    pub fn hold_link(&self, link: OpenConnect) -> Option<OpenConnect> {
        let mut pending = lock(&self.pending_links);
        if self.ui_listens.load(Ordering::SeqCst) {
            return Some(link);
        }
        pending.push(link);
        None
    }

    /// The links that waited for the window, which listens from now on
    /// (it subscribes to every event before it asks for the app state).
    pub fn take_links(&self) -> Vec<OpenConnect> {
        let mut pending = lock(&self.pending_links);
        self.ui_listens.store(true, Ordering::SeqCst);
        std::mem::take(&mut *pending)
    }
}

/// A poisoned lock still holds a whole value here (plain assignments only).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
