//! The HTTP side of the API: one generic call per method of
//! `attesta_proto::api`, so a request can only be sent with its own response
//! type, and the push WebSocket, opened with a single-use ticket so the
//! session never appears in a URL.

use std::sync::RwLock;
use std::time::Duration;

use attesta_proto::api::{ErrorBody, EventsTicket, Method, PATH_PREFIX, PushEvent};
use futures_util::StreamExt;
use reqwest::{StatusCode, Url};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::error::{Error, Result};

/// How long one call may take before the server counts as unreachable.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection to one Attesta server, with the session of this device once
/// it has one.
#[derive(Debug)]
pub struct Transport {
    http: reqwest::Client,
    base: Url,
    session: RwLock<Option<String>>,
}

impl Transport {
    /// A transport to `server` (`http://host:port` or `https://…`).
    pub fn new(server: &str) -> Result<Transport> {
        let base = Url::parse(server)
            .map_err(|e| Error::Invalid(format!("the server address is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(Error::Invalid(
                "the server address must be http:// or https:// with a host".into(),
            ));
        }
        let http = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| Error::Unreachable(e.to_string()))?;
        Ok(Transport {
            http,
            base,
            session: RwLock::new(None),
        })
    }

    /// The server's address as given.
    pub fn server(&self) -> &Url {
        &self.base
    }

    /// Sets (or clears) the session that authenticates calls.
    pub fn set_session(&self, session: Option<String>) {
        if let Ok(mut s) = self.session.write() {
            *s = session;
        }
    }

    fn session(&self) -> Option<String> {
        self.session.read().ok().and_then(|s| s.clone())
    }

    fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path)
            .map_err(|e| Error::Invalid(format!("bad server path: {e}")))
    }

    /// Calls one API method. A session is attached when the method needs one.
    ///
    /// A request that fails because its connection was reset or closed before
    /// any answer came (typically a pooled keep-alive connection that a
    /// restarted server no longer has) is sent once more, at once, on a new
    /// connection. That is safe for every method: deliveries carry a
    /// `client_id` the server stores once, and the other methods are
    /// idempotent or harmless to repeat.
    pub async fn call<M: Method>(&self, request: &M) -> Result<M::Response> {
        let url = self.url(&format!("{PATH_PREFIX}{}", M::NAME))?;
        let response = match self.request(url.clone(), request)?.send().await {
            Err(e) if closed_before_answer(&e) => {
                tracing::debug!(
                    "{}: connection closed before an answer, sent again",
                    M::NAME
                );
                self.request(url, request)?.send().await
            }
            sent => sent,
        }
        .map_err(|e| Error::Unreachable(without_url(e)))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let body = response
            .bytes()
            .await
            .map_err(|e| Error::Unreachable(without_url(e)))?;
        if status == StatusCode::OK {
            return serde_json::from_slice(&body)
                .map_err(|e| Error::BadAnswer(format!("{}: {e}", M::NAME)));
        }
        match serde_json::from_slice::<ErrorBody>(&body) {
            Ok(ErrorBody { error }) => Err(Error::Api {
                code: error.code,
                message: error.message,
                reason: error.reason,
                retry_after,
            }),
            // A proxy or a server that is starting answers without our error body.
            Err(_) if status.is_server_error() => {
                Err(Error::Unreachable(format!("status {status}")))
            }
            Err(_) => Err(Error::BadAnswer(format!("{}: status {status}", M::NAME))),
        }
    }

    fn request<M: Method>(&self, url: Url, request: &M) -> Result<reqwest::RequestBuilder> {
        let builder = self.http.post(url).json(request);
        if M::NEEDS_SESSION {
            let session = self.session().ok_or(Error::NotLoggedIn)?;
            return Ok(builder.bearer_auth(session));
        }
        Ok(builder)
    }

    /// Opens the push channel. Each item of the stream is one hint that
    /// `sync` has news; the stream ends when the socket closes.
    pub async fn events(&self) -> Result<PushStream> {
        let ticket = self.call(&EventsTicket {}).await?.ticket;
        let mut url = self.url(&format!("{PATH_PREFIX}events"))?;
        let scheme = if self.base.scheme() == "https" {
            "wss"
        } else {
            "ws"
        };
        url.set_scheme(scheme)
            .map_err(|()| Error::Invalid("cannot make a WebSocket address".into()))?;
        url.query_pairs_mut().append_pair("ticket", &ticket);
        let (socket, _) = tokio_tungstenite::connect_async(url.as_str())
            .await
            .map_err(|e| Error::Unreachable(format!("push channel: {e}")))?;
        Ok(PushStream { socket })
    }
}

/// reqwest errors print the URL; ours carry no secrets, but the message is
/// clearer without it.
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

/// Whether the connection was reset or closed before any answer arrived,
/// rather than refused, timed out or answered.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    if e.is_connect() || e.is_timeout() {
        return false;
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(h) = c.downcast_ref::<hyper::Error>()
            && (h.is_incomplete_message() || h.is_canceled())
        {
            return true;
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
            )
        {
            return true;
        }
        cause = c.source();
    }
    false
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The open push WebSocket.
pub struct PushStream {
    socket: Socket,
}

impl PushStream {
    /// Waits for the next hint. `None` when the socket has closed (the server
    /// went away or revoked this device). Frames that are not a hint are skipped.
    pub async fn next(&mut self) -> Option<PushEvent> {
        while let Some(frame) = self.socket.next().await {
            match frame {
                Ok(WsMessage::Text(text)) => {
                    if let Ok(event) = serde_json::from_str::<PushEvent>(text.as_str()) {
                        return Some(event);
                    }
                }
                Ok(WsMessage::Close(_)) | Err(_) => return None,
                Ok(_) => {}
            }
        }
        None
    }
}
