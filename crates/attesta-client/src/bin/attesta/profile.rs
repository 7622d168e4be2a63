//! Opening the profile a command acts on, and the catch-up sync that
//! commands run before they answer.

use std::path::PathBuf;

use anyhow::{Context, bail};
use attesta_client::{Client, Error};

use crate::cli::{DEFAULT_SERVER, Global};
use crate::output::Output;

/// The profile directory: `--profile`, or `~/.attesta`.
fn profile_dir(global: &Global) -> anyhow::Result<PathBuf> {
    if let Some(dir) = &global.profile {
        return Ok(dir.clone());
    }
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".attesta")),
        None => bail!("no home directory: give --profile DIR"),
    }
}

/// Opens the profile. Without `--server`, an existing profile keeps the
/// server it was made on; a new one uses the default.
pub async fn open(global: &Global) -> anyhow::Result<Client> {
    let dir = profile_dir(global)?;
    let server = global.server.as_deref().unwrap_or(DEFAULT_SERVER);
    let opened = match Client::open(&dir, server).await {
        Err(Error::ServerMismatch(own)) if global.server.is_none() => {
            Client::open(&dir, &own).await
        }
        other => other,
    };
    opened.with_context(|| format!("opening the profile {}", dir.display()))
}

/// Catches up with the server before a command answers from the cache.
/// Offline, it says so and the command answers with what this device has.
pub async fn catch_up(client: &Client, out: &Output) -> anyhow::Result<()> {
    match client.sync_now().await {
        Ok(()) => Ok(()),
        Err(Error::Unreachable(why)) => {
            out.note(&format!(
                "offline ({why}): showing what this device already has"
            ));
            Ok(())
        }
        Err(e) => Err(e).context("syncing with the server"),
    }
}

/// The password: `ATTESTA_PASSWORD`, or asked on the terminal.
pub fn password() -> anyhow::Result<String> {
    if let Some(password) = std::env::var_os("ATTESTA_PASSWORD") {
        return password
            .into_string()
            .map_err(|_| anyhow::anyhow!("ATTESTA_PASSWORD is not valid UTF-8"));
    }
    rpassword::prompt_password("Password: ").context("reading the password from the terminal")
}

/// How this device appears in the account's device list.
pub fn device_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "this computer".to_owned());
    format!("attesta CLI on {host}")
}

/// Sends what waits in the outbox. Offline, it stays queued: that is said
/// on stderr, and the command still succeeds (the next run sends it).
pub async fn send_outbox(client: &Client, out: &Output) -> anyhow::Result<()> {
    let report = client.flush_outbox().await.context("sending the outbox")?;
    if report.waiting > 0 {
        out.note(&format!(
            "queued: the server cannot be reached; {} waiting, sent by the next command that reaches it",
            report.waiting
        ));
    }
    if report.failed > 0 {
        out.note(&format!(
            "{} refused by the server (marked failed)",
            report.failed
        ));
    }
    Ok(())
}
