//! Groups: creating one, inviting contacts.

use anyhow::{Context, bail};
use attesta_client::{Address, Client, Profile};

use crate::connectors;
use crate::output::Output;
use crate::profile;

pub async fn create(client: &Client, out: &Output, name: &str) -> anyhow::Result<()> {
    let id = client
        .create_group(name)
        .await
        .context("creating the group")?;
    profile::send_outbox(client, out).await?;
    out.print(
        &serde_json::json!({ "id": id, "kind": "group", "title": name }),
        || format!("{id}: group {name:?} created"),
    )
}

/// Invites a contact by nick: the nick names a party (it must be
/// searchable), who must be an accepted connection.
pub async fn invite(client: &Client, out: &Output, id: &str, nick: &str) -> anyhow::Result<()> {
    let Some(party_id) = client
        .find_party(&Address::Nick(nick.to_owned()))
        .await
        .context("looking the nick up")?
    else {
        bail!("not found: nobody can be found by the nick {nick}");
    };
    let profile = connectors::own_profile(client).await?.unwrap_or(Profile {
        display_name: String::new(),
        nick: None,
        avatar: None,
    });
    client
        .invite(id, &party_id, profile)
        .await
        .context("inviting to the group")?;
    profile::send_outbox(client, out).await?;
    out.print(
        &serde_json::json!({ "id": id, "invited": party_id }),
        || format!("{id}: invited {nick}"),
    )
}
