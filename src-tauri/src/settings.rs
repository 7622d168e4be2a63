//! This device's settings: what Settings shows (notifications, phone region,
//! theme) and the server, kept as JSON in the profile directory so they hold
//! before login and for each profile separately.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// The file inside the profile directory.
pub const SETTINGS_FILE: &str = "settings.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    System,
    Light,
    Dark,
}

/// The `Settings` of the webview contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub notifications: bool,
    /// ISO 3166 alpha-2, to read phone numbers typed without `+`.
    pub phone_region: String,
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            notifications: true,
            phone_region: "US".into(),
            theme: Theme::System,
        }
    }
}

impl Settings {
    /// Whether the region is two capital letters (phonenumber checks it exists).
    pub fn region_is_well_formed(&self) -> bool {
        self.phone_region.len() == 2 && self.phone_region.chars().all(|c| c.is_ascii_uppercase())
    }
}

/// Everything the file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    #[serde(default)]
    server_url: Option<String>,
    #[serde(flatten, default)]
    settings: Settings,
}

#[derive(Debug, thiserror::Error)]
#[error("the settings could not be saved: {0}")]
pub struct SaveError(#[from] std::io::Error);

/// The settings file, read once and written through on every change.
pub struct SettingsStore {
    path: PathBuf,
    stored: Mutex<Stored>,
}

impl SettingsStore {
    /// Reads the profile's settings; a missing or unreadable file gives the
    /// defaults (and is replaced on the next change).
    pub fn open(profile_dir: &Path) -> SettingsStore {
        let path = profile_dir.join(SETTINGS_FILE);
        let stored = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the settings file is not readable; using the defaults");
                Stored::default()
            }),
            Err(_) => Stored::default(),
        };
        SettingsStore {
            path,
            stored: Mutex::new(stored),
        }
    }

    pub fn settings(&self) -> Settings {
        self.lock().settings.clone()
    }

    pub fn server_url(&self) -> Option<String> {
        self.lock().server_url.clone()
    }

    pub fn set_settings(&self, settings: Settings) -> Result<(), SaveError> {
        self.update(|s| s.settings = settings)
    }

    pub fn set_server_url(&self, url: &str) -> Result<(), SaveError> {
        self.update(|s| s.server_url = Some(url.to_owned()))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Stored> {
        // A panic while holding the lock cannot leave `Stored` half-written.
        self.stored.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes and saves; the file is replaced whole, so a crash leaves the
    /// old or the new settings, never a mix.
    fn update(&self, change: impl FnOnce(&mut Stored)) -> Result<(), SaveError> {
        let mut stored = self.lock();
        let mut next = stored.clone();
        change(&mut next);
        let json = serde_json::to_vec_pretty(&next).map_err(std::io::Error::other)?;
        let tmp = self.path.with_extension("json.tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, &self.path)?;
        *stored = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_profile_has_notifications_on_and_the_system_theme() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::open(dir.path());
        assert_eq!(store.settings(), Settings::default());
        assert!(store.settings().notifications);
        assert_eq!(store.server_url(), None);
    }

    #[test]
    fn changed_settings_and_server_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = SettingsStore::open(dir.path());
        let quiet = Settings {
            notifications: false,
            phone_region: "DE".into(),
            theme: Theme::Dark,
        };
        store.set_settings(quiet.clone()).unwrap();
        store.set_server_url("http://127.0.0.1:9000").unwrap();
        let again = SettingsStore::open(dir.path());
        assert_eq!(again.settings(), quiet);
        assert_eq!(again.server_url().as_deref(), Some("http://127.0.0.1:9000"));
    }

    #[test]
    fn a_damaged_settings_file_gives_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), b"{not json").unwrap();
        assert_eq!(
            SettingsStore::open(dir.path()).settings(),
            Settings::default()
        );
    }

    #[test]
    fn only_two_capital_letters_make_a_region() {
        let with = |r: &str| Settings {
            phone_region: r.into(),
            ..Settings::default()
        };
        assert!(with("DE").region_is_well_formed());
        assert!(!with("de").region_is_well_formed());
        assert!(!with("DEU").region_is_well_formed());
    }
}
