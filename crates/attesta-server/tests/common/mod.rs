//! What every integration test needs: the real server binary on a loopback
//! port with its own data directory, and a small typed client for the API.
#![allow(dead_code)] // each test binary uses its own part of this module

pub mod peers;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use attesta_proto::api::{ErrorBody, ErrorCode, Method, PATH_PREFIX, PartyRegister};
use attesta_proto::keys::PartyKeys;
use attesta_proto::password::{DEFAULT_KDF, new_salt};
use reqwest::StatusCode;

pub struct Server {
    child: Child,
    pub url: String,
    pub data_dir: tempfile::TempDir,
    args: Vec<String>,
    /// Whether the server's debug log goes to `log_path()` (else to the terminal at `warn`).
    logged: bool,
    pub http: reqwest::Client,
}

/// An answer that was not 200.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    pub retry_after: Option<String>,
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        self.body.error.code
    }
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the server with extra command-line arguments.
    pub fn start_with(args: &[&str]) -> Server {
        Server::start_in(tempfile::tempdir().expect("temporary data directory"), args)
    }

    /// Starts the server with codes going to an outbox file in its data directory.
    pub fn start_with_outbox(args: &[&str]) -> Server {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let outbox = data_dir.path().join("outbox.jsonl");
        let outbox = outbox.to_str().expect("a UTF-8 temporary path").to_owned();
        let args: Vec<&str> = ["--outbox", outbox.as_str()]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        Server::start_in(data_dir, &args)
    }

    /// Where `start_with_outbox` has the codes written.
    pub fn outbox(&self) -> std::path::PathBuf {
        self.data_dir.path().join("outbox.jsonl")
    }

    fn start_in(data_dir: tempfile::TempDir, args: &[&str]) -> Server {
        Server::launch_in(data_dir, args, false)
    }

    /// Starts the server with codes in an outbox and its debug log in `log_path()`.
    pub fn start_logged() -> Server {
        let data_dir = tempfile::tempdir().expect("temporary data directory");
        let outbox = data_dir.path().join("outbox.jsonl");
        let outbox = outbox.to_str().expect("a UTF-8 temporary path").to_owned();
        Server::launch_in(data_dir, &["--outbox", &outbox], true)
    }

    pub fn log_path(&self) -> std::path::PathBuf {
        self.data_dir.path().join("server.log")
    }

    fn launch_in(data_dir: tempfile::TempDir, args: &[&str], logged: bool) -> Server {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let (child, url) = launch(data_dir.path(), &args, logged);
        Server {
            child,
            url,
            data_dir,
            args,
            logged,
            http: reqwest::Client::new(),
        }
    }

    /// Kills the server at once (SIGKILL): no shutdown, no flushing.
    pub fn kill(&mut self) {
        self.child.kill().expect("killing the server");
        self.child.wait().expect("reaping the server");
    }

    /// Starts the server again on the same data directory (on a new port).
    pub fn restart(&mut self) {
        let (child, url) = launch(self.data_dir.path(), &self.args, self.logged);
        self.child = child;
        self.url = url;
    }

    pub fn method_url(&self, name: &str) -> String {
        format!("{}{PATH_PREFIX}{name}", self.url)
    }

    /// Calls a method with an optional session, decoding the answer or the error body.
    pub async fn call<M: Method>(
        &self,
        session: Option<&str>,
        body: &M,
    ) -> Result<M::Response, ApiError> {
        let mut request = self.http.post(self.method_url(M::NAME)).json(body);
        if let Some(session) = session {
            request = request.bearer_auth(session);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .map(|v| v.to_str().expect("ascii Retry-After").to_owned());
        let text = response.text().await.expect("a body");
        if status == StatusCode::OK {
            Ok(serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} answered an unexpected body {text}: {e}", M::NAME)))
        } else {
            let body = serde_json::from_str(&text).unwrap_or_else(|e| {
                panic!(
                    "{} answered {status} with a non-API body {text}: {e}",
                    M::NAME
                )
            });
            Err(ApiError {
                status,
                body,
                retry_after,
            })
        }
    }

    /// Sends raw bytes, for bodies no typed client would produce.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: Option<&str>,
        session: Option<&str>,
        body: Vec<u8>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = self.http.post(format!("{}{path}", self.url)).body(body);
        if let Some(content_type) = content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        if let Some(session) = session {
            request = request.bearer_auth(session);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!("{path} answered {status} with a non-JSON body {text:?}: {e}")
        });
        (status, json)
    }

    /// Sends SIGTERM to this test's server and waits for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        assert!(sent.success(), "SIGTERM could not be sent");
        self.child.wait().expect("the server exits")
    }

    /// Whether `/health` still answers ok.
    pub async fn healthy(&self) -> bool {
        match self.http.get(format!("{}/health", self.url)).send().await {
            Ok(response) if response.status() == StatusCode::OK => response
                .json::<serde_json::Value>()
                .await
                .is_ok_and(|v| v == serde_json::json!({"status": "ok"})),
            _ => false,
        }
    }
}

/// A registered party with its first device's session.
pub struct Party {
    pub party_id: String,
    pub session: String,
    pub device_id: String,
    pub nick: String,
    /// What the client derived from the password (random here: the server
    /// only ever sees this key, never the password).
    pub auth_key: Vec<u8>,
    pub keys: PartyKeys,
}

/// A registration body with fresh keys and a random `auth_key`.
pub fn registration(nick: &str) -> (PartyRegister, PartyKeys) {
    let keys = PartyKeys::generate(1);
    let request = PartyRegister {
        nick: Some(nick.to_owned()),
        nick_token: None,
        searchable: true,
        salt: new_salt().to_vec(),
        kdf: DEFAULT_KDF,
        auth_key: rand::random::<[u8; 32]>().to_vec(),
        keyring: b"sealed keyring".to_vec(),
        public_keys: keys.public().clone(),
        device_name: "laptop".to_owned(),
    };
    (request, keys)
}

impl Server {
    /// Registers a party with a searchable nick.
    pub async fn register(&self, nick: &str) -> Party {
        let (request, keys) = registration(nick);
        let auth_key = request.auth_key.clone();
        let session = self
            .call(None, &request)
            .await
            .expect("registration succeeds");
        Party {
            party_id: session.party_id,
            session: session.session,
            device_id: session.device_id,
            nick: nick.to_owned(),
            auth_key,
            keys,
        }
    }

    /// Calls a method with a party's session.
    pub async fn as_party<M: Method>(
        &self,
        party: &Party,
        body: &M,
    ) -> Result<M::Response, ApiError> {
        self.call(Some(&party.session), body).await
    }
}

/// Runs the server binary on a free loopback port; the child and its URL.
fn launch(data_dir: &Path, args: &[String], logged: bool) -> (Child, String) {
    let (filter, stderr) = if logged {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("server.log"))
            .expect("the server log file");
        ("debug", Stdio::from(log))
    } else {
        ("warn", Stdio::inherit())
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_attesta-server"))
        .arg("--listen")
        .arg("127.0.0.1:0")
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env("RUST_LOG", filter)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("starting the server binary");
    let stdout = child.stdout.take().expect("server stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reading the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line from the server: {line:?}"))
        .to_owned();
    (child, format!("http://{addr}"))
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only the child this test started.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
