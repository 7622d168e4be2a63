//! The real server binary on loopback with a fresh data directory, a small
//! typed caller of its API, and parties registered straight through it (no
//! `Client`, no password derivation): the senders of the load.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use attesta_proto::api::{
    Connector, ConnectorsAccept, ConnectorsDeliver, ConnectorsRequest, ConnectorsRequestResponse,
    Method, PATH_PREFIX, PartyRegister, SearchToken, Session,
};
use attesta_proto::blocks::{Content, Header, Party, Sealer, Text};
use attesta_proto::keys::{PartyKeys, PublicKeys};
use attesta_proto::password::{DEFAULT_KDF, new_salt};
use attesta_proto::tokens::{Token, TokenKind};
use axum::body::Bytes;
use time::OffsetDateTime;

/// Settings raised for the bench, with why: each would otherwise cap or
/// refuse the load rather than measure it. Everything else keeps its default.
pub const RAISED_SETTINGS: &[(&str, &str, &str)] = &[
    (
        "ATTESTA_QUOTA_BLOCKS_PER_HOUR",
        "1000000000",
        "default 20 000 blocks per party per hour; one bench party delivers up to 1 000 000",
    ),
    (
        "ATTESTA_QUOTA_BYTES_PER_HOUR",
        "1000000000000",
        "default 256 MiB per party per hour",
    ),
    (
        "ATTESTA_LOGIN_PER_TOKEN",
        "100000",
        "default 10 per 15 minutes; every catch-up run logs a new device in",
    ),
    (
        "ATTESTA_LOGIN_PER_ADDRESS",
        "100000",
        "default 100 per 15 minutes; every party of the bench comes from 127.0.0.1",
    ),
    (
        "ATTESTA_LOOKUPS_PER_HOUR",
        "100000",
        "default 60 per party per hour (connectors_request)",
    ),
];

/// A server process, killed (only this one, by its handle) when dropped.
pub struct ServerProcess {
    child: Child,
    pub url: String,
    data_dir: tempfile::TempDir,
}

impl ServerProcess {
    pub fn start(binary: &Path) -> anyhow::Result<ServerProcess> {
        let data_dir = tempfile::tempdir().context("a temporary data directory")?;
        let mut child = Command::new(binary)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .arg("--data-dir")
            .arg(data_dir.path())
            .envs(RAISED_SETTINGS.iter().map(|(name, value, _)| (name, value)))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        // From here on the child is stopped on every path, errors included.
        let stdout = child.stdout.take();
        let mut server = ServerProcess {
            child,
            url: String::new(),
            data_dir,
        };
        let mut line = String::new();
        BufReader::new(stdout.context("the server's stdout")?)
            .read_line(&mut line)
            .context("reading the listening line")?;
        let Some(addr) = line.trim().strip_prefix("listening on ") else {
            bail!("unexpected first line from the server: {line:?}");
        };
        server.url = format!("http://{addr}");
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time the server has used so far, user and system, all threads.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time_of(&self.pid().to_string())
    }

    /// The server's resident memory (VmRSS), in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let kib: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))?
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024.0)
    }
}

impl ServerProcess {
    /// The size of the data directory (database, WAL, secret), in MiB.
    pub fn disk_mib(&self) -> f64 {
        disk_bytes(self.data_dir.path()) as f64 / f64::from(1 << 20)
    }
}

/// CPU time (user and system, all threads) of a process: `self` or a pid.
/// `/proc/PID/stat` counts it in ticks of `USER_HZ`, 100 per second on Linux.
pub fn cpu_time_of(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces: count from its closing ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// Bytes of the files under `dir` (a data directory or a profile).
pub fn disk_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| match entry.metadata() {
            Ok(meta) if meta.is_dir() => disk_bytes(&entry.path()),
            Ok(meta) => meta.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the release server binary is: beside this binary, as
/// `cargo build --release -p attesta-bench -p attesta-server` leaves it.
pub fn default_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("locating attesta-bench")?;
    Ok(me.with_file_name("attesta-server"))
}

/// One keep-alive HTTP connection's worth of API caller: each concurrent
/// sender gets its own, as separate devices would.
#[derive(Clone)]
pub struct Api {
    server: String,
    base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(server_url: &str) -> anyhow::Result<Api> {
        Ok(Api {
            server: server_url.to_owned(),
            base: format!("{server_url}{PATH_PREFIX}"),
            http: reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .tcp_nodelay(true)
                .build()?,
        })
    }

    /// Opens the connection (`GET /health`), so that connecting is not timed.
    pub async fn warm(&self) -> anyhow::Result<()> {
        let health = self
            .http
            .get(format!("{}/health", self.server))
            .send()
            .await?;
        if !health.status().is_success() {
            bail!("/health answered {}", health.status());
        }
        health.bytes().await?;
        Ok(())
    }

    pub fn url(&self, method: &str) -> String {
        format!("{}{method}", self.base)
    }

    pub async fn call<M: Method>(
        &self,
        session: Option<&str>,
        body: &M,
    ) -> anyhow::Result<M::Response> {
        let bytes = self
            .post(M::NAME, session, serde_json::to_vec(body)?)
            .await?;
        serde_json::from_slice(&bytes).with_context(|| format!("the answer of {}", M::NAME))
    }

    /// Posts a body already encoded (the load is encoded before timing starts);
    /// an answer that is not 200 is an error.
    pub async fn post(
        &self,
        method: &str,
        session: Option<&str>,
        body: Vec<u8>,
    ) -> anyhow::Result<Bytes> {
        let mut request = self
            .http
            .post(self.url(method))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(session) = session {
            request = request.bearer_auth(session);
        }
        let response = request.send().await.with_context(|| method.to_owned())?;
        let status = response.status();
        let bytes = response.bytes().await?;
        if !status.is_success() {
            bail!(
                "{method} answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Ok(bytes)
    }
}

/// A party registered through the API, with its keys in hand to seal blocks.
pub struct Peer {
    pub party_id: String,
    pub session: String,
    pub nick: String,
    pub keys: PartyKeys,
}

impl Peer {
    /// Registers a party with a searchable nick. The `auth_key` is random:
    /// the server only ever sees that key, and no bench party logs in again.
    pub async fn register(api: &Api, nick: &str) -> anyhow::Result<Peer> {
        let keys = PartyKeys::generate(1);
        let request = PartyRegister {
            nick: Some(nick.to_owned()),
            nick_token: None,
            searchable: true,
            salt: new_salt().to_vec(),
            kdf: DEFAULT_KDF,
            auth_key: rand::random::<[u8; 32]>().to_vec(),
            keyring: b"bench party: no keyring".to_vec(),
            public_keys: keys.public().clone(),
            device_name: "bench".to_owned(),
        };
        let Session {
            party_id, session, ..
        } = api
            .call(None, &request)
            .await
            .with_context(|| format!("registering {nick}"))?;
        Ok(Peer {
            party_id,
            session,
            nick: nick.to_owned(),
            keys,
        })
    }

    /// Asks for a p2p connector to the party holding `nick`.
    pub async fn request(&self, api: &Api, nick: &str) -> anyhow::Result<Connector> {
        let token = SearchToken::of(TokenKind::Nick, Token::nick(nick)?);
        match api
            .call(Some(&self.session), &ConnectorsRequest { token })
            .await?
        {
            ConnectorsRequestResponse::Found(found) => Ok(found.connector),
            ConnectorsRequestResponse::NotFound(_) => bail!("no searchable party has {nick:?}"),
        }
    }

    pub async fn accept(&self, api: &Api, connector_id: &str) -> anyhow::Result<()> {
        api.call(
            Some(&self.session),
            &ConnectorsAccept {
                connectors_id: connector_id.to_owned(),
            },
        )
        .await?;
        Ok(())
    }

    /// An accepted p2p connector from `self` to `other`, ready for blocks.
    pub async fn connect(&self, api: &Api, other: &Peer) -> anyhow::Result<Link> {
        let connector = self.request(api, &other.nick).await?;
        other.accept(api, &connector.id).await?;
        Ok(Link {
            connector_id: connector.id,
            peer_id: other.party_id.clone(),
            peer_keys: other.keys.public().clone(),
        })
    }

    /// `count` text blocks into `link`, each as the complete body of a
    /// `connectors_deliver` request, sealed on every core: the costs of
    /// sealing and encoding stay out of what is timed.
    pub fn sealed_deliveries(&self, link: &Link, count: usize) -> anyhow::Result<Vec<Vec<u8>>> {
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let share = count.div_ceil(threads);
        std::thread::scope(|scope| {
            let parts: Vec<_> = (0..threads)
                .map(|t| {
                    let range = (t * share).min(count)..((t + 1) * share).min(count);
                    scope.spawn(move || self.seal_range(link, range))
                })
                .collect();
            let mut all = Vec::with_capacity(count);
            for part in parts {
                match part.join() {
                    Ok(bodies) => all.extend(bodies?),
                    Err(_) => bail!("a sealing thread panicked"),
                }
            }
            Ok(all)
        })
    }

    fn seal_range(
        &self,
        link: &Link,
        range: std::ops::Range<usize>,
    ) -> anyhow::Result<Vec<Vec<u8>>> {
        let mut sealer = Sealer::new(&self.party_id, &self.keys, &link.connector_id);
        let peer = Party {
            party_id: &link.peer_id,
            keys: &link.peer_keys,
        };
        range
            .map(|n| {
                let text = Text {
                    body: format!(
                        "bench message {n}: a line about as long as a chat message usually is"
                    ),
                    reply_to: None,
                };
                let header = Header::new(OffsetDateTime::now_utc());
                let data = sealer.p2p(peer, header, Content::Text(text))?;
                Ok(serde_json::to_vec(&ConnectorsDeliver {
                    connectors_id: link.connector_id.clone(),
                    data,
                    client_id: rand::random(),
                    expires_at: None,
                })?)
            })
            .collect()
    }
}

/// An accepted p2p connector as its sender sees it.
#[derive(Clone)]
pub struct Link {
    pub connector_id: String,
    pub peer_id: String,
    pub peer_keys: PublicKeys,
}

/// A valid nick for the n-th bench party (digits alone could look like a
/// phone number, so the number is spelled in letters).
pub fn nick(prefix: &str, n: usize) -> String {
    let mut letters = String::new();
    let mut rest = n;
    loop {
        letters.insert(0, char::from(b'a' + (rest % 26) as u8));
        rest /= 26;
        if rest == 0 {
            break;
        }
    }
    format!("{prefix} {letters}")
}
