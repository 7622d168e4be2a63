//! No input makes the server fail: every method, fed malformed, mistyped,
//! oversize or random bodies, answers a 4xx in the API's error shape (or a
//! 200 for a body that happens to be valid), never a 5xx, and keeps serving.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use attesta_proto::api::*;
use attesta_proto::tokens::Token;
use common::{Party, Server};
use rand::rngs::SmallRng;
use rand::{RngExt, SeedableRng};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Whether a request type accepts `{}` (all its fields optional), one entry
/// per method; the test below checks this table against `METHOD_NAMES`.
macro_rules! method_table {
    ($($t:ty),* $(,)?) => {
        vec![$((<$t as Method>::NAME, <$t as Method>::NEEDS_SESSION, serde_json::from_str::<$t>("{}").is_ok())),*]
    };
}

fn methods() -> Vec<(&'static str, bool, bool)> {
    method_table![
        AuthParams,
        PartyRegister,
        AuthLogin,
        AuthLogout,
        DevicesList,
        DevicesRevoke,
        PasswordChange,
        KeysRotate,
        AuthRecoverStart,
        AuthRecoverFinish,
        AccountDataGet,
        AccountData,
        PartiesLookup,
        TokenCompute,
        TokenAddNick,
        TokenAddEmail,
        TokenAddPhone,
        TokenConfirm,
        TokenSetSearchable,
        TokenRemove,
        TokensList,
        ConnectorsRequest,
        ConnectorsAccept,
        ConnectorsBlock,
        ConnectorsUnblock,
        ConnectorsList,
        ConnectorsDeliver,
        GroupCreate,
        GroupInvite,
        GroupLeave,
        GroupRemove,
        ItemsDelete,
        Sync,
        EventsTicket,
    ]
}

/// A party whose session survives the test: if a random body logged it out,
/// it logs in again.
struct Caller {
    party: Party,
}

impl Caller {
    async fn session(&mut self, server: &Server) -> String {
        if server.as_party(&self.party, &TokensList {}).await.is_err() {
            let login = AuthLogin {
                login_token: Token::nick(&self.party.nick).expect("nick"),
                auth_key: self.party.auth_key.clone(),
                device_name: "again".to_owned(),
            };
            self.party.session = server
                .call(None, &login)
                .await
                .expect("login again")
                .session;
        }
        self.party.session.clone()
    }
}

/// Posts `body` and checks the answer: never a 5xx, always JSON, and an
/// error body whose code matches its status. Returns the status.
async fn post(
    server: &Server,
    method: &str,
    session: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> StatusCode {
    let path = format!("{PATH_PREFIX}{method}");
    let (status, answer) = server.post_raw(&path, content_type, session, body).await;
    assert!(
        !status.is_server_error(),
        "{method} answered {status}: {answer}"
    );
    if status != StatusCode::OK {
        assert!(status.is_client_error(), "{method} answered {status}");
        let error: ErrorBody = serde_json::from_value(answer.clone()).unwrap_or_else(|e| {
            panic!("{method}: {status} without an API error body {answer}: {e}")
        });
        assert_eq!(
            error.error.code.status(),
            status.as_u16(),
            "{method}: {answer}"
        );
    }
    status
}

async fn post_json(server: &Server, method: &str, session: Option<&str>, body: &str) -> StatusCode {
    post(
        server,
        method,
        session,
        Some("application/json"),
        body.as_bytes().to_vec(),
    )
    .await
}

#[tokio::test]
async fn the_method_table_of_this_test_is_the_api_method_table() {
    let names: Vec<_> = methods().into_iter().map(|(name, _, _)| name).collect();
    assert_eq!(names, METHOD_NAMES);
}

impl Caller {
    /// Posts to a method as this caller (with a live session if the method needs one).
    async fn post(
        &mut self,
        server: &Server,
        method: (&str, bool),
        content_type: Option<&str>,
        body: &[u8],
    ) -> StatusCode {
        let (name, needs_session) = method;
        let session = if needs_session {
            Some(self.session(server).await)
        } else {
            None
        };
        post(
            server,
            name,
            session.as_deref(),
            content_type,
            body.to_vec(),
        )
        .await
    }

    async fn post_json(&mut self, server: &Server, method: (&str, bool), body: &str) -> StatusCode {
        self.post(server, method, Some("application/json"), body.as_bytes())
            .await
    }
}

#[tokio::test]
async fn malformed_mistyped_and_incomplete_bodies_are_bad_requests_for_every_method() {
    let server = Server::start();
    let mut caller = Caller {
        party: server.register("fuzzy caller").await,
    };
    for (name, needs_session, empty_ok) in methods() {
        let method = (name, needs_session);
        for malformed in ["", "{", "{\"a\":", "nul", "{}}", "\u{feff}{}", "{'a':1}"] {
            let status = caller.post_json(&server, method, malformed).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name} with {malformed:?}");
        }
        for mistyped in ["[]", "\"text\"", "42", "null", "true"] {
            let status = caller.post_json(&server, method, mistyped).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name} with {mistyped}");
        }
        let status = caller.post_json(&server, method, "{}").await;
        if !empty_ok {
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{name} with a missing field"
            );
        }
        let wrong_types = r#"{"token": 7, "nick": [], "kind": "nope", "version": "one", "data": 5, "connectors_id": {}, "cursor": 1, "limit": -1, "login_token": true, "email": 1, "phone": null, "searchable": "yes"}"#;
        let status = caller.post_json(&server, method, wrong_types).await;
        if !empty_ok {
            assert_eq!(status, StatusCode::BAD_REQUEST, "{name} with wrong types");
        }
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let status = caller.post(&server, method, content_type, b"{}").await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{name} as {content_type:?}"
            );
        }
        if needs_session {
            let status = post_json(&server, name, None, "{}").await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "{name} without a session");
            let status = post_json(&server, name, Some("forged"), "{}").await;
            assert_eq!(
                status,
                StatusCode::UNAUTHORIZED,
                "{name} with a forged session"
            );
        }
    }
    assert!(server.healthy().await);
}

#[tokio::test]
async fn bad_base64_and_invalid_nicks_are_bad_requests() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let session = Some(alice.session.as_str());
    let nick = Token::nick("alice").expect("nick").to_string();
    let cases: Vec<(&str, Option<&str>, Value)> = vec![
        ("auth_params", None, json!({"login_token": "not base64!"})),
        (
            "auth_params",
            None,
            json!({"login_token": format!("{nick}==")}),
        ),
        ("auth_params", None, json!({"login_token": "AAAA"})),
        (
            "auth_login",
            None,
            json!({"login_token": nick, "auth_key": "*", "device_name": "x"}),
        ),
        ("token_remove", session, json!({"token": "+/+/"})),
        (
            "account_data_put",
            session,
            json!({"data": "a b", "version": 0}),
        ),
        (
            "connectors_deliver",
            session,
            json!({"connectors_id": "x", "data": "%%", "client_id": "AAAAAAAAAAAAAAAAAAAAAA"}),
        ),
        ("token_add_nick", session, json!({"nick": "abc"})),
        ("token_add_nick", session, json!({"nick": "al@ice"})),
        ("token_add_nick", session, json!({"nick": "+1 (415) 555"})),
        ("token_add_nick", session, json!({"nick": "ali\u{200b}ce"})),
        ("token_add_nick", session, json!({"nick": "\u{430}lice"})),
        ("token_add_nick", session, json!({"nick": "x".repeat(65)})),
        (
            "token_compute",
            None,
            json!({"kind": "nick", "value": "ab"}),
        ),
        ("token_add_email", session, json!({"email": "two@at@signs"})),
        (
            "token_add_phone",
            session,
            json!({"phone": "12", "region": "US"}),
        ),
    ];
    for (method, session, body) in cases {
        let status = post_json(&server, method, session, &body.to_string()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{method} with {body}");
    }
    let (mut register, _) = common::registration("alice");
    for nick in ["abc", "a@bcd", "bad\u{202e}nick"] {
        register.nick = Some(nick.to_owned());
        let refused = server
            .call(None, &register)
            .await
            .expect_err("invalid nick");
        assert_eq!(refused.code(), ErrorCode::BadRequest, "{nick:?}");
    }
    assert!(server.healthy().await);
}

#[tokio::test]
async fn oversize_bodies_are_refused_for_every_method() {
    let server = Server::start();
    let mut caller = Caller {
        party: server.register("big sender").await,
    };
    let oversize = vec![b' '; 2 * 1024 * 1024 + 1];
    for (name, needs_session, _) in methods() {
        let status = caller
            .post(
                &server,
                (name, needs_session),
                Some("application/json"),
                &oversize,
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{name}");
    }
    assert!(server.healthy().await);
}

#[tokio::test]
async fn a_declared_oversize_body_is_refused_before_it_is_sent() {
    let server = Server::start();
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    // Headers promise 100 MiB; only a few bytes follow. A server that read
    // the body first would wait here until the timeout.
    let head = format!(
        "POST {PATH_PREFIX}auth_params HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{{\"login",
        100 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).expect("send");
    let mut answer = vec![0; 4096];
    let read = stream
        .read(&mut answer)
        .expect("an answer before the body is sent");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");
    assert!(server.healthy().await);
}

#[tokio::test]
async fn a_chunked_body_that_grows_too_large_is_refused() {
    let server = Server::start();
    let addr = server.url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let head = format!(
        "POST {PATH_PREFIX}auth_params HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).expect("send");
    // No length announced: the limit is found while reading, just past 2 MiB.
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..33 {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .expect("chunk size");
        stream.write_all(&chunk).expect("chunk");
        stream.write_all(b"\r\n").expect("chunk end");
    }
    let mut answer = vec![0; 4096];
    let read = stream.read(&mut answer).expect("an answer");
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("too_large"), "{answer}");
    assert!(server.healthy().await);
}

/// A random JSON value made of the API's own field names, so that many
/// bodies get past the first field and into deeper checks.
fn random_value(rng: &mut SmallRng, depth: u32) -> Value {
    const FIELDS: &[&str] = &[
        "login_token",
        "nick",
        "nick_token",
        "email_token",
        "phone_token",
        "searchable",
        "salt",
        "kdf",
        "alg",
        "m_kib",
        "t",
        "p",
        "auth_key",
        "old_auth_key",
        "keyring",
        "public_keys",
        "version",
        "sign",
        "dh",
        "dh_sig",
        "device_name",
        "device_id",
        "email",
        "phone",
        "region",
        "code",
        "data",
        "kind",
        "value",
        "token",
        "connectors_id",
        "party_id",
        "client_id",
        "expires_at",
        "item_id",
        "cursor",
        "limit",
    ];
    match rng.random_range(0..if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => json!(rng.random_bool(0.5)),
        2 => json!(rng.random_range(-3i64..70_000)),
        3 => [json!(u64::MAX), json!(-1e300), json!(0.5)][rng.random_range(0..3)].clone(),
        4 => {
            let choices = [
                "",
                "argon2id",
                "nick",
                "email",
                "phone",
                "US",
                "2030-01-01T00:00:00Z",
                "1999-01-01T00:00:00Z",
                "AAAAAAAAAAAAAAAAAAAAAA",
                "alice",
                "a@b.c",
                "+14155550123",
                "\u{0}",
                "\u{202e}x",
                "====",
                "-_-_",
            ];
            json!(choices[rng.random_range(0..choices.len())])
        }
        5 => {
            let len = rng.random_range(0..64);
            json!(
                (0..len)
                    .map(|_| char::from(rng.random_range(32u8..127)))
                    .collect::<String>()
            )
        }
        6 => Value::Array(
            (0..rng.random_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let mut object = serde_json::Map::new();
            for _ in 0..rng.random_range(0..8) {
                let key = FIELDS[rng.random_range(0..FIELDS.len())];
                object.insert(key.to_owned(), random_value(rng, depth + 1));
            }
            Value::Object(object)
        }
    }
}

/// A serialized body with a few bytes flipped, cut or doubled.
fn mutate(rng: &mut SmallRng, body: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..4) {
        if body.is_empty() {
            body.push(b'{');
        }
        let at = rng.random_range(0..body.len());
        match rng.random_range(0..3) {
            0 => body[at] = rng.random(),
            1 => body.truncate(at),
            _ => {
                let copy = body[at..].to_vec();
                body.extend_from_slice(&copy);
            }
        }
    }
}

#[tokio::test]
async fn thousands_of_random_and_mutated_bodies_never_break_the_server() {
    let server = Server::start();
    let mut caller = Caller {
        party: server.register("random caller").await,
    };
    let mut rng = SmallRng::seed_from_u64(0x00a7_7e57);
    let mut sent = 0;
    for round in 0..80 {
        for (name, needs_session, _) in methods() {
            let mut body = serde_json::to_vec(&random_value(&mut rng, 0)).expect("json");
            if round % 2 == 1 {
                mutate(&mut rng, &mut body);
            }
            caller
                .post(
                    &server,
                    (name, needs_session),
                    Some("application/json"),
                    &body,
                )
                .await;
            sent += 1;
        }
    }
    assert!(sent >= 2000, "{sent}");
    assert!(server.healthy().await);
}
