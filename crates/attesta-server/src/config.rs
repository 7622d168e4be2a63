//! The server's settings: command-line flags, each also readable from an
//! `ATTESTA_*` environment variable and from a TOML file (`--config FILE`,
//! keys named like the fields below). Flags win over the environment, the
//! environment over the file, the file over the defaults (those of api.md).

use std::any::TypeId;
use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Arg, CommandFactory, FromArgMatches, Parser, ValueEnum};

#[derive(Debug, Clone, Parser)]
#[command(
    name = "attesta-server",
    version,
    about = "The Attesta messenger service"
)]
pub struct Config {
    /// A TOML file of settings (`hello_max_per_day = 3`, ...); flags and
    /// environment variables win over it. Unknown keys are refused.
    #[arg(long, env = "ATTESTA_CONFIG")]
    pub config: Option<PathBuf>,

    /// Address and port to listen on; port 0 picks a free one (the chosen
    /// address is printed on stdout as `listening on ADDR`).
    #[arg(long, env = "ATTESTA_LISTEN", default_value = "127.0.0.1:8470")]
    pub listen: SocketAddr,

    /// Directory of the SQLite database and the server secret.
    #[arg(long, env = "ATTESTA_DATA_DIR", default_value = "attesta-data")]
    pub data_dir: PathBuf,

    /// Largest request body in bytes; larger ones are refused before they are read.
    #[arg(long, env = "ATTESTA_REQUEST_MAX_BYTES", default_value_t = 2 * 1024 * 1024)]
    pub request_max_bytes: usize,

    /// Where confirmation and recovery codes are appended as JSON lines
    /// (`{"to", "kind", "code"}`) when no SMTP server or SMS gateway is
    /// configured for their kind: for development and tests.
    #[arg(long, env = "ATTESTA_OUTBOX")]
    pub outbox: Option<PathBuf>,

    /// SMTP server for e-mail codes; without it e-mail goes to the outbox.
    #[arg(long, env = "ATTESTA_SMTP_HOST")]
    pub smtp_host: Option<String>,

    /// SMTP port (default: 25, 587 with STARTTLS, 465 with TLS).
    #[arg(long, env = "ATTESTA_SMTP_PORT")]
    pub smtp_port: Option<u16>,

    /// How the SMTP connection is protected.
    #[arg(long, env = "ATTESTA_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,

    /// The From address of code mail.
    #[arg(
        long,
        env = "ATTESTA_SMTP_FROM",
        default_value = "Attesta <no-reply@localhost>"
    )]
    pub smtp_from: String,

    #[arg(long, env = "ATTESTA_SMTP_USERNAME")]
    pub smtp_username: Option<String>,

    #[arg(long, env = "ATTESTA_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,

    /// SMS gateway for phone codes: `{"to", "text"}` is POSTed here as JSON;
    /// without it phone codes go to the outbox.
    #[arg(long, env = "ATTESTA_SMS_GATEWAY_URL")]
    pub sms_gateway_url: Option<String>,

    /// Bearer token sent to the SMS gateway, if it wants one.
    #[arg(long, env = "ATTESTA_SMS_GATEWAY_TOKEN", hide_env_values = true)]
    pub sms_gateway_token: Option<String>,

    /// Nicks a party may hold at once.
    #[arg(long, env = "ATTESTA_NICK_MAX", default_value_t = 5)]
    pub nick_max: u32,

    /// Nick removals a party may make in any 30 days.
    #[arg(long, env = "ATTESTA_NICK_REMOVALS_PER_30_DAYS", default_value_t = 5)]
    pub nick_removals_per_30_days: u32,

    /// Days a removed nick stays reserved for its former owner.
    #[arg(long, env = "ATTESTA_NICK_QUARANTINE_DAYS", default_value_t = 90, value_parser = clap::value_parser!(u32).range(0..=36_500))]
    pub nick_quarantine_days: u32,

    /// Minutes a confirmation or recovery code is valid.
    #[arg(long, env = "ATTESTA_CODE_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(u32).range(1..=24 * 60))]
    pub code_minutes: u32,

    /// Tries a code allows before it is used up.
    #[arg(long, env = "ATTESTA_CODE_TRIES", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub code_tries: u32,

    /// Codes sent to one address or number per hour.
    #[arg(
        long,
        env = "ATTESTA_CODES_PER_DESTINATION_PER_HOUR",
        default_value_t = 5
    )]
    pub codes_per_destination_per_hour: u32,

    /// Codes one party may have sent per hour.
    #[arg(long, env = "ATTESTA_CODES_PER_PARTY_PER_HOUR", default_value_t = 10)]
    pub codes_per_party_per_hour: u32,

    /// Login tries per token per 15 minutes.
    #[arg(long, env = "ATTESTA_LOGIN_PER_TOKEN", default_value_t = 10)]
    pub login_per_token: u32,

    /// Login (and recovery) tries per client address per 15 minutes.
    #[arg(long, env = "ATTESTA_LOGIN_PER_ADDRESS", default_value_t = 100)]
    pub login_per_address: u32,

    /// `parties_lookup` calls per party per hour.
    #[arg(long, env = "ATTESTA_LOOKUPS_PER_HOUR", default_value_t = 60)]
    pub lookups_per_hour: u32,

    /// `token_compute` calls per client address per hour.
    #[arg(long, env = "ATTESTA_TOKEN_COMPUTE_PER_HOUR", default_value_t = 600)]
    pub token_compute_per_hour: u32,

    /// Largest HELLO (a block into a waiting connector), in bytes.
    #[arg(long, env = "ATTESTA_HELLO_MAX_BYTES", default_value_t = 16 * 1024)]
    pub hello_max_bytes: u64,

    /// HELLOs per waiting connector in any rolling 24 hours.
    #[arg(long, env = "ATTESTA_HELLO_MAX_PER_DAY", default_value_t = 3)]
    pub hello_max_per_day: u64,

    /// Largest block into an accepted connector, in bytes.
    #[arg(long, env = "ATTESTA_BLOCK_MAX_BYTES", default_value_t = 1024 * 1024)]
    pub block_max_bytes: u64,

    /// Bytes a party may deliver in any rolling hour.
    #[arg(long, env = "ATTESTA_QUOTA_BYTES_PER_HOUR", default_value_t = 256 * 1024 * 1024)]
    pub quota_bytes_per_hour: u64,

    /// Blocks a party may deliver in any rolling hour.
    #[arg(long, env = "ATTESTA_QUOTA_BLOCKS_PER_HOUR", default_value_t = 20_000)]
    pub quota_blocks_per_hour: u64,

    /// Seconds between two sweeps for expired items (they are never synced
    /// after `expires_at` anyway; the sweep deletes them and tells clients).
    #[arg(long, env = "ATTESTA_EXPIRY_SWEEP_SECS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=60))]
    pub expiry_sweep_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP: only for a server on the same host or in tests.
    None,
    /// Plain connection upgraded with STARTTLS (required).
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Bad flags or environment variables, `--help` or `--version`: clap
    /// prints it and picks the exit code.
    #[error(transparent)]
    Args(#[from] clap::Error),
    #[error("cannot read the config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the config file {path} is not valid TOML: {message}")]
    Toml { path: PathBuf, message: String },
    #[error(
        "the config file {path} has an unknown setting `{key}` (settings are the flags' names with `_`, such as `hello_max_per_day`)"
    )]
    UnknownKey { path: PathBuf, key: String },
    #[error("the config file {path} has a bad value for `{key}`: {found}, expected {expected}")]
    BadValue {
        path: PathBuf,
        key: String,
        found: String,
        expected: String,
    },
}

impl Config {
    /// Reads the settings from `args` (the program name first), the
    /// environment and the config file they name.
    pub fn load<I, T>(args: I) -> Result<Config, ConfigError>
    where
        I: IntoIterator<Item = T>,
        T: Into<OsString> + Clone,
    {
        let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
        let first = Config::from_arg_matches(&Config::command().try_get_matches_from(&args)?)?;
        let Some(path) = first.config else {
            return Ok(first);
        };
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        let mut command = Config::command();
        for (key, value) in file_settings(&path, &text)? {
            let arg = command
                .get_arguments()
                .find(|arg| arg.get_id() == key.as_str() && !is_file_exempt(arg))
                .ok_or_else(|| ConfigError::UnknownKey {
                    path: path.clone(),
                    key: key.clone(),
                })?;
            let bad = |found: String| ConfigError::BadValue {
                path: path.clone(),
                key: key.clone(),
                found,
                expected: expected(arg),
            };
            let text = match value {
                toml::Value::String(text) => text,
                toml::Value::Integer(number) => number.to_string(),
                other => return Err(bad(format!("a {}", other.type_str()))),
            };
            // The value is checked as the flag would be, ranges included.
            let flag = format!("--{}={text}", arg.get_long().unwrap_or(key.as_str()));
            if let Err(error) = Config::command().try_get_matches_from(["attesta-server", &flag]) {
                let reason = std::error::Error::source(&error)
                    .map(|source| format!(" ({source})"))
                    .unwrap_or_default();
                return Err(bad(format!("{text:?}{reason}")));
            }
            // The file's value becomes the default: flags and the environment
            // still win over it.
            command = command.mut_arg(key, |arg| arg.default_value(text));
        }
        let mut config = Config::from_arg_matches(&command.try_get_matches_from(&args)?)?;
        config.config = Some(path);
        Ok(config)
    }
}

fn file_settings(path: &Path, text: &str) -> Result<toml::Table, ConfigError> {
    text.parse::<toml::Table>()
        .map_err(|error| ConfigError::Toml {
            path: path.to_owned(),
            message: error.to_string(),
        })
}

/// Arguments that are no settings: the file itself, `--help`, `--version`.
fn is_file_exempt(arg: &Arg) -> bool {
    ["config", "help", "version"].contains(&arg.get_id().as_str())
}

/// What a setting takes, in words.
fn expected(arg: &Arg) -> String {
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .map(|value| format!("`{}`", value.get_name()))
        .collect();
    if !choices.is_empty() {
        return format!("one of {}", choices.join(", "));
    }
    let kind = arg.get_value_parser().type_id();
    if [
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
    ]
    .into_iter()
    .any(|number| kind == number)
    {
        "a whole number (0 or more)".to_owned()
    } else if kind == TypeId::of::<SocketAddr>() {
        "an address and port such as \"127.0.0.1:8470\"".to_owned()
    } else {
        "a string".to_owned()
    }
}
