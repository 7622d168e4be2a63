//! Connecting: asking someone to connect, and deciding on invitations
//! (accept, leave waiting, block, unblock).

use anyhow::{Context, bail};
use attesta_client::{
    Address, Client, HelloDraft, Invitation, MemberState, NickCheck, Profile, RequestOutcome,
    TokenKind,
};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::Target;
use crate::output::Output;
use crate::profile;

/// A connector as commands print it.
#[derive(Serialize)]
struct State {
    id: String,
    state: MemberState,
}

/// An invitation as `invitations` prints it; `id` is the connector id
/// that `accept`, `wait` and `block` take.
#[derive(Serialize)]
struct Shown {
    id: String,
    kind: attesta_client::ConnectorKind,
    from: Option<String>,
    nick: Option<String>,
    display_name: Option<String>,
    message: Option<String>,
    group_name: Option<String>,
    signed: bool,
    nick_check: NickCheck,
    safety_number: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    received_at: Option<OffsetDateTime>,
}

impl From<Invitation> for Shown {
    fn from(i: Invitation) -> Shown {
        Shown {
            id: i.connector_id,
            kind: i.kind,
            from: i.from_party_id,
            nick: i.nick,
            display_name: i.display_name,
            message: i.message,
            group_name: i.group_name,
            signed: i.signed,
            nick_check: i.nick_check,
            safety_number: i.safety_number,
            received_at: i.received_at,
        }
    }
}

impl Shown {
    /// The three facts in plain words, never merged into one "trusted".
    fn human(&self) -> String {
        let who = self
            .display_name
            .as_deref()
            .or(self.nick.as_deref())
            .unwrap_or("someone");
        let nick = self.nick.as_deref().unwrap_or("-");
        let signed = if self.signed {
            "signed"
        } else {
            "could not be verified"
        };
        let checked = match self.nick_check {
            NickCheck::Checked => "nick checked",
            NickCheck::NotChecked => "nick not checked",
            NickCheck::Mismatch => "nick does not match",
        };
        let message = self.message.as_deref().unwrap_or("");
        let group = self
            .group_name
            .as_deref()
            .map(|g| format!(" to the group {g:?}"))
            .unwrap_or_default();
        format!(
            "{}  {who} ({nick}){group}: {message:?}  [{signed}; {checked}]",
            self.id
        )
    }
}

/// The account's first nick: the name and nick a HELLO presents by default.
async fn first_nick(client: &Client) -> anyhow::Result<Option<String>> {
    let tokens = client
        .tokens()
        .await
        .context("reading the account's nicks")?;
    Ok(tokens
        .into_iter()
        .find(|t| t.kind == TokenKind::Nick)
        .and_then(|t| t.value))
}

/// This account's profile as it answers an accepted invitation.
pub async fn own_profile(client: &Client) -> anyhow::Result<Option<Profile>> {
    Ok(first_nick(client).await?.map(|nick| Profile {
        display_name: nick.clone(),
        nick: Some(nick),
        avatar: None,
    }))
}

pub async fn connect(
    client: &Client,
    out: &Output,
    to: Target,
    message: String,
    name: Option<String>,
) -> anyhow::Result<()> {
    let address = match (to.nick, to.email, to.phone) {
        (Some(nick), _, _) => Address::Nick(nick),
        (_, Some(email), _) => Address::Email(email),
        (_, _, Some(number)) => Address::Phone {
            number,
            region: to.region,
        },
        _ => bail!("say whom to connect with: --nick, --email or --phone"),
    };
    let (_, _, searched) = address
        .token()
        .context("what to search for cannot be used")?;
    let nick = first_nick(client).await?;
    let hello = HelloDraft {
        message,
        display_name: name.or_else(|| nick.clone()).unwrap_or_default(),
        nick,
    };
    let outcome = client
        .request_connector(&address, hello)
        .await
        .context("asking to connect")?;
    let RequestOutcome::Requested {
        connector_id,
        state,
    } = outcome
    else {
        bail!("not found: nobody can be found by {searched}");
    };
    profile::send_outbox(client, out).await?;
    let shown = State {
        id: connector_id,
        state,
    };
    out.print(&shown, || match shown.state {
        MemberState::Accepted => format!("{}: connected (they had asked too)", shown.id),
        _ => format!("{}: requested, waiting for acceptance", shown.id),
    })
}

pub async fn invitations(client: &Client, out: &Output) -> anyhow::Result<()> {
    let shown: Vec<Shown> = client
        .invitations()
        .await
        .context("reading invitations")?
        .into_iter()
        .map(Shown::from)
        .collect();
    out.list(&shown, "no invitations", Shown::human)
}

pub async fn accept(client: &Client, out: &Output, id: &str) -> anyhow::Result<()> {
    let profile = own_profile(client).await?;
    client.accept(id, profile).await.context("accepting")?;
    profile::send_outbox(client, out).await?;
    print_state(client, out, id, "accepted").await
}

/// Leaves an invitation waiting: nothing is sent, it stays in the list.
pub async fn wait(client: &Client, out: &Output, id: &str) -> anyhow::Result<()> {
    let waiting = client
        .invitations()
        .await
        .context("reading invitations")?
        .iter()
        .any(|i| i.connector_id == id);
    if !waiting {
        bail!("not found: no invitation {id} is waiting");
    }
    print_state(client, out, id, "left waiting: decide later").await
}

pub async fn block(client: &Client, out: &Output, id: &str) -> anyhow::Result<()> {
    client.block(id).await.context("blocking")?;
    print_state(client, out, id, "blocked (they are not told)").await
}

pub async fn unblock(client: &Client, out: &Output, id: &str) -> anyhow::Result<()> {
    client.unblock(id).await.context("unblocking")?;
    print_state(client, out, id, "unblocked").await
}

async fn print_state(client: &Client, out: &Output, id: &str, said: &str) -> anyhow::Result<()> {
    let connector = client
        .connector(id)
        .await
        .context("reading the connector")?;
    let shown = State {
        id: connector.id,
        state: connector.state,
    };
    out.print(&shown, || format!("{}: {said}", shown.id))
}
