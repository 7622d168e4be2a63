//! `attesta`: an Attesta device on the command line, for power users,
//! scripts and tests. Each run opens one profile, syncs what the command
//! needs, does one thing and prints the answer (JSON lines with `--json`).
//! Exit status: 0 success, 1 an error (said on stderr), 2 wrong usage.

mod account;
mod cli;
mod connectors;
mod conversations;
mod groups;
mod identity;
mod output;
mod profile;

use std::process::ExitCode;

use attesta_client::TokenKind;
use clap::Parser;

use crate::cli::{
    Args, Command, DevicesCommand, EmailCommand, GroupCommand, NickCommand, PhoneCommand,
};
use crate::output::Output;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    let out = Output::new(args.global.json);
    let client = profile::open(&args.global).await?;
    let client = &client;
    let out = &out;
    match args.command {
        Command::Register { nick, searchable } => {
            account::register(client, out, &nick, searchable).await
        }
        Command::Login { value, region } => account::login(client, out, &value, region).await,
        Command::Nick(NickCommand::Add { nick, searchable }) => {
            identity::add(client, out, TokenKind::Nick, &nick, None, searchable).await
        }
        Command::Nick(NickCommand::Remove { nick }) => {
            identity::remove_nick(client, out, &nick).await
        }
        Command::Email(EmailCommand::Add {
            address,
            searchable,
        }) => identity::add(client, out, TokenKind::Email, &address, None, searchable).await,
        Command::Email(EmailCommand::Confirm { address, code }) => {
            identity::confirm(client, out, TokenKind::Email, &address, None, &code).await
        }
        Command::Phone(PhoneCommand::Add {
            number,
            region,
            searchable,
        }) => {
            identity::add(
                client,
                out,
                TokenKind::Phone,
                &number,
                region.as_deref(),
                searchable,
            )
            .await
        }
        Command::Phone(PhoneCommand::Confirm {
            number,
            code,
            region,
        }) => {
            identity::confirm(
                client,
                out,
                TokenKind::Phone,
                &number,
                region.as_deref(),
                &code,
            )
            .await
        }
        Command::Tokens => {
            profile::catch_up(client, out).await?;
            identity::list(client, out).await
        }
        Command::Connect { to, message, name } => {
            connectors::connect(client, out, to, message, name).await
        }
        Command::Invitations => {
            profile::catch_up(client, out).await?;
            connectors::invitations(client, out).await
        }
        Command::Accept { id } => {
            profile::catch_up(client, out).await?;
            connectors::accept(client, out, &id).await
        }
        Command::Wait { id } => {
            profile::catch_up(client, out).await?;
            connectors::wait(client, out, &id).await
        }
        Command::Block { id } => {
            profile::catch_up(client, out).await?;
            connectors::block(client, out, &id).await
        }
        Command::Unblock { id } => connectors::unblock(client, out, &id).await,
        Command::Conversations => {
            profile::catch_up(client, out).await?;
            conversations::list(client, out).await
        }
        Command::Send {
            id,
            text,
            expires_in,
        } => {
            profile::catch_up(client, out).await?;
            conversations::send(client, out, &id, &text, expires_in).await
        }
        Command::Messages { id, limit } => {
            profile::catch_up(client, out).await?;
            conversations::messages(client, out, &id, limit).await
        }
        Command::Group(GroupCommand::Create { name }) => groups::create(client, out, &name).await,
        Command::Group(GroupCommand::Invite { id, nick }) => {
            profile::catch_up(client, out).await?;
            groups::invite(client, out, &id, &nick).await
        }
        Command::Devices { action: None } => account::devices(client, out).await,
        Command::Devices {
            action: Some(DevicesCommand::Revoke { id }),
        } => account::revoke(client, out, &id).await,
        Command::Sync => account::sync(client, out).await,
    }
}
