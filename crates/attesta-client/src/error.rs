//! The client's errors. Server refusals keep their API code so callers (the
//! UI, the CLI) can say precisely what went wrong; "unreachable" is separate
//! because the outbox and the sync engine treat it as "try again later".

use attesta_proto::api::{ErrorCode, Unavailable};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with an API error.
    #[error("the server refused the request ({code:?}): {message}")]
    Api {
        code: ErrorCode,
        message: String,
        /// Why a nick is not free, beside `conflict`.
        reason: Option<Unavailable>,
        /// Seconds to wait, beside `limit`, when the server says.
        retry_after: Option<u64>,
    },
    /// The server could not be reached (offline, down, timed out): worth retrying.
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    /// The server answered something that is not the API (a bug or a stranger).
    #[error("the server's answer is not understood: {0}")]
    BadAnswer(String),
    /// The nick is someone else's, or in quarantine.
    #[error("the nick is not available ({0:?})")]
    NickUnavailable(Unavailable),
    /// The call needs a logged-in profile.
    #[error("this profile is not logged in")]
    NotLoggedIn,
    /// The profile already holds an account.
    #[error("this profile already holds an account")]
    AlreadyLoggedIn,
    /// The profile belongs to another server than the one asked for.
    #[error("this profile belongs to the server {0}")]
    ServerMismatch(String),
    /// The caller asked for something the local state does not allow.
    #[error("{0}")]
    Invalid(String),
    /// An id that the local cache does not know.
    #[error("unknown {0}")]
    NotFound(&'static str),
    /// A nick, e-mail or phone number that cannot be a token (and why).
    #[error(transparent)]
    Token(#[from] attesta_proto::tokens::TokenError),
    #[error("password: {0}")]
    Password(#[from] attesta_proto::password::Error),
    /// The keyring did not open: a wrong password, or a damaged keyring.
    #[error("keyring: {0}")]
    Keyring(#[from] attesta_proto::keyring::Error),
    #[error("block: {0}")]
    Block(#[from] attesta_proto::blocks::Error),
    #[error("account data: {0}")]
    AccountData(#[from] attesta_proto::account_data::Error),
    #[error("the local cache failed: {0}")]
    Cache(#[from] rusqlite::Error),
    #[error("the profile directory cannot be used: {0}")]
    Io(#[from] std::io::Error),
    /// A background task ended abnormally (a bug).
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl Error {
    /// Whether retrying later may succeed without anything changing on our side.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable(_) => true,
            Error::Api { code, .. } => matches!(code, ErrorCode::Limit | ErrorCode::Internal),
            _ => false,
        }
    }

    /// The API error code, when the server refused.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}
