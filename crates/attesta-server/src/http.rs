//! The HTTP face of the service: one `POST /api/v1/<method>` route per API
//! method, each registered through [`Api`] so that the session check, the JSON
//! parsing and the error shape are the same for all of them.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};

use attesta_proto::api::{Health, Method, PATH_PREFIX};
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use tower_http::catch_panic::CatchPanicLayer;

use crate::{AppState, Error, Result};

/// The whole router: every method, `/health`, and API-shaped answers for
/// unknown paths, wrong HTTP methods and panics.
pub fn router(state: AppState) -> Router {
    let domains = [
        crate::accounts::routes,
        crate::tokens::routes,
        crate::connectors::routes,
        crate::groups::routes,
        crate::items::routes,
        crate::sync::routes,
        crate::events::routes,
    ];
    let api = domains
        .into_iter()
        .fold(Api::default(), |api, routes| routes(api));
    let openapi = Json(crate::openapi::document(&api.methods));
    api.router
        .route(
            &format!("{PATH_PREFIX}openapi.json"),
            get(move || async move { openapi }),
        )
        .merge(crate::events::socket_route())
        .route("/health", get(health))
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_http_method)
        .layer(CatchPanicLayer::custom(|_| {
            Error::Internal("a handler panicked".to_owned()).into_response()
        }))
        .with_state(state)
}

async fn health() -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
    })
}

async fn unknown_path() -> Error {
    Error::not_found("no such method")
}

async fn wrong_http_method() -> Error {
    Error::bad_request("every method is POST /api/v1/<method> with a JSON body")
}

/// The table of API routes being built.
#[derive(Default)]
pub struct Api {
    router: Router<AppState>,
    methods: Vec<MethodInfo>,
}

/// What the OpenAPI document says of a registered method.
#[derive(Debug, Clone)]
pub struct MethodInfo {
    pub name: &'static str,
    pub needs_session: bool,
    pub request: &'static str,
    pub response: &'static str,
}

impl MethodInfo {
    fn of<M: Method>() -> Self {
        MethodInfo {
            name: M::NAME,
            needs_session: M::NEEDS_SESSION,
            request: short_type_name::<M>(),
            response: short_type_name::<M::Response>(),
        }
    }
}

/// `attesta_proto::api::AuthLogin` → `AuthLogin`.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

impl Api {
    /// A method that needs no session; the handler learns the client's address for rate limits.
    pub fn public<M, F, Fut>(self, handler: F) -> Self
    where
        M: Method,
        F: Fn(AppState, Client, M) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<M::Response>> + Send + 'static,
    {
        const { assert!(!M::NEEDS_SESSION, "a session method registered as public") };
        let route = post(
            move |State(state): State<AppState>, client: Client, ApiJson(body): ApiJson<M>| {
                let response = handler(state, client, body);
                async move { response.await.map(Json) }
            },
        );
        self.add::<M>(route)
    }

    /// A method that needs a session; the session is checked before the body is read.
    pub fn session<M, F, Fut>(self, handler: F) -> Self
    where
        M: Method,
        F: Fn(AppState, Caller, M) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<M::Response>> + Send + 'static,
    {
        const {
            assert!(
                M::NEEDS_SESSION,
                "a public method registered as needing a session"
            )
        };
        let route = post(
            move |State(state): State<AppState>, caller: Caller, ApiJson(body): ApiJson<M>| {
                let response = handler(state, caller, body);
                async move { response.await.map(Json) }
            },
        );
        self.add::<M>(route)
    }

    fn add<M: Method>(mut self, route: axum::routing::MethodRouter<AppState>) -> Self {
        self.methods.push(MethodInfo::of::<M>());
        Api {
            router: self
                .router
                .route(&format!("{PATH_PREFIX}{}", M::NAME), route),
            methods: self.methods,
        }
    }
}

/// The client's network address, the key of per-address rate limits.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    pub addr: IpAddr,
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| Client { addr: addr.ip() })
            .ok_or_else(|| Error::Internal("served without connection info".to_owned()))
    }
}

/// The device behind a valid session.
#[derive(Debug, Clone)]
pub struct Caller {
    pub party_id: String,
    pub device_id: String,
    pub addr: IpAddr,
}

/// What the database keeps of a session: its SHA-256, so that a copy of the
/// database does not hand out working sessions.
pub fn session_hash(session: &str) -> [u8; 32] {
    Sha256::digest(session.as_bytes()).into()
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self> {
        let Client { addr } = Client::from_request_parts(parts, state).await?;
        let session = bearer(&parts.headers).ok_or(Error::Unauthorized)?;
        let (party_id, device_id) = state
            .store
            .session_device(&session_hash(session), time::OffsetDateTime::now_utc())?
            .ok_or(Error::Unauthorized)?;
        Ok(Caller {
            party_id,
            device_id,
            addr,
        })
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, session) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| session.trim())
}

/// How long a body may take to arrive: a client trickling bytes must not
/// hold a connection and its buffer for ever.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// A JSON body parsed into a request type, with every failure (content type,
/// size, syntax, types) answered as an API error rather than axum's plain text.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(request: Request<Body>, state: &AppState) -> Result<Self> {
        let max = state.config.request_max_bytes;
        let headers = request.headers();
        if !is_json(headers) {
            return Err(Error::bad_request(
                "the body must be Content-Type: application/json",
            ));
        }
        // A declared length over the maximum is refused before a byte of the body is read.
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > max as u64) {
            return Err(too_large(max));
        }
        let reading = axum::body::to_bytes(request.into_body(), max);
        let bytes = tokio::time::timeout(BODY_TIMEOUT, reading)
            .await
            .map_err(|_| Error::bad_request("the body took too long to arrive"))?
            .map_err(|e| {
                let cause = e.into_inner();
                if cause
                    .downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    too_large(max)
                } else {
                    Error::bad_request(format!("could not read the body: {cause}"))
                }
            })?;
        // serde would read an empty struct from `[]`: the API takes objects only.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(Error::bad_request("the body must be a JSON object"));
        }
        serde_json::from_slice(&bytes)
            .map(ApiJson)
            .map_err(|e| Error::bad_request(format!("invalid request body: {e}")))
    }
}

fn too_large(max: usize) -> Error {
    Error::TooLarge(format!("the body is over the maximum of {max} bytes"))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}
