//! Registering, logging in, devices and sync.

use anyhow::Context;
use attesta_client::{AccountInfo, Client, Device, Login, Registration};
use serde::Serialize;

use crate::output::{self, Output};
use crate::profile;

/// What `register` and `login` print.
#[derive(Serialize)]
struct Session {
    party_id: String,
    device_id: String,
}

impl From<AccountInfo> for Session {
    fn from(info: AccountInfo) -> Session {
        Session {
            party_id: info.party_id,
            device_id: info.device_id,
        }
    }
}

fn print_session(out: &Output, info: AccountInfo, verb: &str) -> anyhow::Result<()> {
    let session = Session::from(info);
    out.print(&session, || {
        format!(
            "{verb}: account {} on device {}",
            session.party_id, session.device_id
        )
    })
}

pub async fn register(
    client: &Client,
    out: &Output,
    nick: &str,
    searchable: bool,
) -> anyhow::Result<()> {
    let password = profile::password()?;
    out.note("deriving keys from the password (this takes a moment)...");
    let info = client
        .register(
            Registration {
                nick: nick.to_owned(),
                password,
                searchable,
                device_name: profile::device_name(),
            },
            |_| {},
        )
        .await
        .context("registering")?;
    print_session(out, info, "registered")
}

pub async fn login(
    client: &Client,
    out: &Output,
    value: &str,
    region: Option<String>,
) -> anyhow::Result<()> {
    let password = profile::password()?;
    out.note("deriving keys from the password (this takes a moment)...");
    let info = client
        .login(
            Login {
                login: value.to_owned(),
                password,
                device_name: profile::device_name(),
                region,
            },
            |_| {},
        )
        .await
        .context("logging in")?;
    client
        .sync_now()
        .await
        .context("reading the account's history")?;
    print_session(out, info, "logged in")
}

pub async fn devices(client: &Client, out: &Output) -> anyhow::Result<()> {
    let devices: Vec<Device> = client.devices().await.context("listing devices")?;
    out.list(&devices, "no devices", |d| {
        let current = if d.current { " (this device)" } else { "" };
        format!(
            "{}  {}{current}  last seen {}",
            d.device_id,
            d.name,
            output::when(d.last_seen_at)
        )
    })
}

pub async fn revoke(client: &Client, out: &Output, id: &str) -> anyhow::Result<()> {
    client
        .revoke_device(id)
        .await
        .context("revoking the device")?;
    out.print(
        &serde_json::json!({ "device_id": id, "revoked": true }),
        || format!("revoked device {id}: consider changing the password and the keys"),
    )
}

pub async fn sync(client: &Client, out: &Output) -> anyhow::Result<()> {
    client.sync_now().await.context("syncing with the server")?;
    let queued = client.queued_count().await.context("reading the outbox")?;
    out.print(
        &serde_json::json!({ "synced": true, "queued": queued }),
        || format!("in step with the server; {queued} waiting to be sent"),
    )
}
