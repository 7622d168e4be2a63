//! The command line: global options before the subcommand, one subcommand
//! per thing a person does. Wrong usage exits 2 (clap's convention).

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};

/// The server a new profile uses when none is given.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8470";

#[derive(Debug, Parser)]
#[command(
    name = "attesta",
    version,
    about = "Attesta on the command line: one device, one profile directory",
    after_help = "The password comes from ATTESTA_PASSWORD or a prompt. \
                  Exit status: 0 success, 1 error, 2 wrong usage."
)]
pub struct Args {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, ClapArgs)]
pub struct Global {
    /// The profile directory (default: ~/.attesta).
    #[arg(long, env = "ATTESTA_PROFILE", global = true)]
    pub profile: Option<PathBuf>,
    /// The server of a new profile [default: http://127.0.0.1:8470]; an
    /// existing profile remembers its own.
    #[arg(long, env = "ATTESTA_SERVER", global = true)]
    pub server: Option<String>,
    /// Print JSON objects, one per line.
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account with its first nick and log this profile in.
    Register {
        nick: String,
        /// Let others find the account by this nick.
        #[arg(long)]
        searchable: bool,
    },
    /// Log this profile in with any nick, e-mail or mobile number of the account.
    Login {
        /// A nick, an e-mail (has `@`) or a mobile number.
        value: String,
        /// The region a number without `+` is read in (e.g. DE).
        #[arg(long)]
        region: Option<String>,
    },
    /// The account's nicks.
    #[command(subcommand)]
    Nick(NickCommand),
    /// The account's e-mail addresses.
    #[command(subcommand)]
    Email(EmailCommand),
    /// The account's mobile numbers.
    #[command(subcommand)]
    Phone(PhoneCommand),
    /// The account's nicks, e-mails and numbers.
    Tokens,
    /// Ask someone to connect, with an invitation message.
    Connect {
        #[command(flatten)]
        to: Target,
        /// The invitation message.
        #[arg(long)]
        message: String,
        /// The name shown to them (default: the account's first nick).
        #[arg(long)]
        name: Option<String>,
    },
    /// The invitations waiting for a decision.
    Invitations,
    /// Accept an invitation.
    Accept { id: String },
    /// Leave an invitation waiting (decide later).
    Wait { id: String },
    /// Block a connector; the other side is never told.
    Block { id: String },
    /// Unblock a connector.
    Unblock { id: String },
    /// The conversations, newest first.
    Conversations,
    /// Send a text.
    Send {
        id: String,
        text: String,
        /// Let the message disappear after this many seconds.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        expires_in: Option<u64>,
    },
    /// The messages of a conversation, oldest first.
    Messages {
        id: String,
        /// At most this many, the newest.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=1000))]
        limit: u16,
    },
    /// Groups.
    #[command(subcommand)]
    Group(GroupCommand),
    /// The account's devices, or revoke one.
    Devices {
        #[command(subcommand)]
        action: Option<DevicesCommand>,
    },
    /// Catch up with the server and send what waits in the outbox.
    Sync,
}

#[derive(Debug, ClapArgs)]
#[group(required = true, multiple = false)]
pub struct Target {
    #[arg(long)]
    pub nick: Option<String>,
    #[arg(long)]
    pub email: Option<String>,
    #[arg(long)]
    pub phone: Option<String>,
    /// The region a number without `+` is read in.
    #[arg(long, requires = "phone")]
    pub region: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum NickCommand {
    /// Add a nick (up to five).
    Add {
        nick: String,
        #[arg(long)]
        searchable: bool,
    },
    /// Remove a nick (it stays in quarantine for a while).
    Remove { nick: String },
}

#[derive(Debug, Subcommand)]
pub enum EmailCommand {
    /// Add an address; a code is mailed to it.
    Add {
        address: String,
        #[arg(long)]
        searchable: bool,
    },
    /// Confirm an address with the code it received.
    Confirm { address: String, code: String },
}

#[derive(Debug, Subcommand)]
pub enum PhoneCommand {
    /// Add a mobile number; a code is sent to it.
    Add {
        number: String,
        #[arg(long)]
        region: Option<String>,
        #[arg(long)]
        searchable: bool,
    },
    /// Confirm a number with the code it received.
    Confirm {
        number: String,
        code: String,
        #[arg(long)]
        region: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Create a group with this account as owner.
    Create { name: String },
    /// Invite a contact (an accepted connection) by nick.
    Invite {
        id: String,
        #[arg(long)]
        nick: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// End a device's sessions at once.
    Revoke { id: String },
}
