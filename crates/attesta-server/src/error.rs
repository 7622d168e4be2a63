//! The one error type of the service. Each variant is one API error code;
//! turning it into a response is the only place an error meets HTTP, so every
//! answer that is not 200 has the shape api.md gives.

use std::time::Duration;

use attesta_proto::api::{ErrorBody, ErrorCode, ErrorDetail, Unavailable};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    /// Deliberately without detail: a wrong login and an unknown one must look alike.
    #[error("not authorized")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Conflict {
        message: String,
        reason: Option<Unavailable>,
    },
    #[error("{0}")]
    TooLarge(String),
    #[error("{message}")]
    Limit {
        message: String,
        retry_after: Option<Duration>,
    },
    /// A bug or a broken dependency: logged, never shown to the client.
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Error::BadRequest(message.into())
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Error::NotFound(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Error::Conflict {
            message: message.into(),
            reason: None,
        }
    }

    pub fn limit(message: impl Into<String>, retry_after: Option<Duration>) -> Self {
        Error::Limit {
            message: message.into(),
            retry_after,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::BadRequest(_) => ErrorCode::BadRequest,
            Error::Unauthorized => ErrorCode::Unauthorized,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict { .. } => ErrorCode::Conflict,
            Error::TooLarge(_) => ErrorCode::TooLarge,
            Error::Limit { .. } => ErrorCode::Limit,
            Error::Internal(_) => ErrorCode::Internal,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Internal(format!("storage: {e}"))
    }
}

impl From<tokio::task::JoinError> for Error {
    fn from(e: tokio::task::JoinError) -> Self {
        Error::Internal(format!("background task: {e}"))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let code = self.code();
        let message = match &self {
            Error::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let reason = match &self {
            Error::Conflict { reason, .. } => *reason,
            _ => None,
        };
        let retry_after = match &self {
            Error::Limit { retry_after, .. } => *retry_after,
            _ => None,
        };
        let status =
            StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                reason,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if let Error::TooLarge(_) = self {
            // The unread rest of the body makes the connection useless: say so,
            // so that clients do not send their next request into it.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let Some(wait) = retry_after {
            // Rounded up: a client that waits exactly this long must succeed.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}
