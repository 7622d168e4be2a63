//! The one shape every failed command rejects with, `{code, message,
//! reason?}` (docs/desktop-commands.md): `message` is a complete sentence
//! the UI shows as is, so it never carries internals, and the details of
//! an internal failure go to the log instead (without any user content).

use attesta_client::Error as ClientError;
use attesta_proto::api::{ErrorCode, Unavailable};
use attesta_proto::tokens::TokenError;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    TooLarge,
    Limit,
    Offline,
    InvalidNick,
    Internal,
}

/// Why a nick is not free, beside `conflict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Taken,
    Quarantine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CommandError {
    pub code: Code,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

pub type CommandResult<T> = Result<T, CommandError>;

const INTERNAL: &str = "Something went wrong in the app. Please try again.";

impl CommandError {
    pub fn new(code: Code, message: impl Into<String>) -> CommandError {
        CommandError {
            code,
            message: sentence(&message.into()),
            reason: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> CommandError {
        CommandError::new(Code::BadRequest, message)
    }

    /// An internal failure: logged here, shown as a plain apology.
    pub fn internal(detail: &dyn std::fmt::Display) -> CommandError {
        tracing::error!(error = %detail, "a command failed");
        CommandError::new(Code::Internal, INTERNAL)
    }

    fn unavailable(why: Unavailable) -> CommandError {
        let (reason, message) = match why {
            Unavailable::Taken => (Reason::Taken, "This nick is taken."),
            Unavailable::Quarantine => (
                Reason::Quarantine,
                "This nick was recently released and is in quarantine.",
            ),
        };
        CommandError {
            code: Code::Conflict,
            message: message.into(),
            reason: Some(reason),
        }
    }
}

/// Makes a clause into a sentence: a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return INTERNAL.into(),
    };
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

fn api_code(code: ErrorCode) -> Code {
    match code {
        ErrorCode::BadRequest => Code::BadRequest,
        ErrorCode::Unauthorized => Code::Unauthorized,
        ErrorCode::Forbidden => Code::Forbidden,
        ErrorCode::NotFound => Code::NotFound,
        ErrorCode::Conflict => Code::Conflict,
        ErrorCode::TooLarge => Code::TooLarge,
        ErrorCode::Limit => Code::Limit,
        ErrorCode::Internal => Code::Internal,
    }
}

impl From<ClientError> for CommandError {
    fn from(error: ClientError) -> CommandError {
        match error {
            ClientError::Api {
                reason: Some(why), ..
            }
            | ClientError::NickUnavailable(why) => CommandError::unavailable(why),
            ClientError::Api {
                code: ErrorCode::Unauthorized,
                ..
            } => CommandError::new(
                Code::Unauthorized,
                "The login or the password is not right, or this session has ended.",
            ),
            ClientError::Api {
                code: ErrorCode::Limit,
                retry_after,
                ..
            } => CommandError::new(
                Code::Limit,
                match retry_after {
                    Some(s) => format!("Too many attempts: try again in {s} seconds."),
                    None => "Too many attempts: try again in a moment.".into(),
                },
            ),
            ClientError::Api {
                code: ErrorCode::Internal,
                message,
                ..
            } => {
                tracing::warn!(%message, "the server failed");
                CommandError::new(
                    Code::Internal,
                    "The server ran into a problem. Please try again.",
                )
            }
            ClientError::Api { code, message, .. } => CommandError::new(api_code(code), message),
            ClientError::Unreachable(detail) => {
                tracing::info!(%detail, "the server cannot be reached");
                CommandError::new(
                    Code::Offline,
                    "The server cannot be reached. Check the connection and try again.",
                )
            }
            ClientError::NotLoggedIn => {
                CommandError::new(Code::Unauthorized, "You are not logged in.")
            }
            ClientError::AlreadyLoggedIn => {
                CommandError::new(Code::Conflict, "This profile is already logged in.")
            }
            ClientError::ServerMismatch(_) => CommandError::new(
                Code::BadRequest,
                "This profile belongs to another server. Log out first to change servers.",
            ),
            ClientError::Invalid(what) => CommandError::bad_request(what),
            ClientError::NotFound(what) => {
                CommandError::new(Code::NotFound, format!("This {what} is not known here."))
            }
            ClientError::Token(TokenError::Nick(e)) => {
                CommandError::new(Code::InvalidNick, e.to_string())
            }
            ClientError::Token(e) => CommandError::bad_request(e.to_string()),
            ClientError::Keyring(attesta_proto::keyring::Error::CannotDecrypt) => {
                CommandError::new(Code::Unauthorized, "The password is not right.")
            }
            e @ (ClientError::BadAnswer(_)
            | ClientError::Password(_)
            | ClientError::Keyring(_)
            | ClientError::Block(_)
            | ClientError::AccountData(_)
            | ClientError::Cache(_)
            | ClientError::Io(_)
            | ClientError::Task(_)) => CommandError::internal(&e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(error: CommandError) -> serde_json::Value {
        serde_json::to_value(error).unwrap()
    }

    #[test]
    fn a_taken_nick_rejects_with_conflict_and_its_reason() {
        let error = CommandError::from(ClientError::NickUnavailable(Unavailable::Taken));
        assert_eq!(
            json(error),
            serde_json::json!({"code": "conflict", "message": "This nick is taken.", "reason": "taken"})
        );
    }

    #[test]
    fn an_unreachable_server_is_offline_without_the_transport_detail() {
        let error = CommandError::from(ClientError::Unreachable("tcp connect refused".into()));
        assert_eq!(error.code, Code::Offline);
        assert!(!error.message.contains("tcp"), "{}", error.message);
        assert!(json(error).get("reason").is_none());
    }

    #[test]
    fn an_invalid_nick_explains_itself_in_a_sentence() {
        let nick_error = attesta_proto::tokens::nick::normalize("ab").unwrap_err();
        let error = CommandError::from(ClientError::Token(nick_error.into()));
        assert_eq!(error.code, Code::InvalidNick);
        assert!(error.message.starts_with('A'), "{}", error.message);
        assert!(error.message.ends_with('.'), "{}", error.message);
    }

    #[test]
    fn a_local_failure_is_internal_and_says_nothing_of_its_cause() {
        let io = std::io::Error::other("/home/alice/secret path");
        let error = CommandError::from(ClientError::Io(io));
        assert_eq!(error.code, Code::Internal);
        assert!(!error.message.contains("alice"));
    }
}
