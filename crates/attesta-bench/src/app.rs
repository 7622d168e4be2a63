//! The desktop app: idle memory with a 10 000-message conversation open,
//! beside an empty Tauri 2 window measured the same way, and the time from
//! start to the first painted conversation list. Both apps are started by
//! tauri-driver (WebDriver) under the X display and session bus this
//! process was given (scripts/bench.sh runs this part in xvfb-run and
//! dbus-run-session).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// How long the app sits after the last step before its memory is read:
/// start-up allocations settle, as they would for a window left open.
const SETTLE: Duration = Duration::from_secs(5);
/// The longest wait for any element.
const ELEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// tauri-driver on free loopback ports, killed (by its handle) when dropped.
struct Driver {
    child: Child,
    url: String,
    http: reqwest::Client,
}

impl Driver {
    fn start(profile: &Path, server_url: &str) -> anyhow::Result<Driver> {
        let (port, native_port) = (free_port()?, free_port()?);
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("ATTESTA_PROFILE", profile)
            .env("ATTESTA_SERVER", server_url)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting tauri-driver (cargo install tauri-driver --locked)")?;
        Ok(Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
        })
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await?;
        let status = response.status();
        let answer: Value = response.json().await?;
        if !status.is_success() {
            bail!("WebDriver {path} answered {status}: {answer}");
        }
        Ok(answer["value"].clone())
    }

    /// A session on `application`; retried while the driver is still starting.
    async fn session(&self, application: &Path) -> anyhow::Result<String> {
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application}
        }}});
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match self
                .send(
                    reqwest::Method::POST,
                    "/session",
                    Some(capabilities.clone()),
                )
                .await
            {
                Ok(value) => {
                    return value["sessionId"]
                        .as_str()
                        .map(str::to_owned)
                        .context("no sessionId");
                }
                Err(e) if Instant::now() > deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }

    /// Polls until an element matches `css`; its WebDriver id.
    async fn wait_for(&self, session: &str, css: &str) -> anyhow::Result<String> {
        let deadline = Instant::now() + ELEMENT_TIMEOUT;
        loop {
            let found = self
                .send(
                    reqwest::Method::POST,
                    &format!("/session/{session}/element"),
                    Some(json!({"using": "css selector", "value": css})),
                )
                .await;
            if let Ok(element) = found
                && let Some(id) = element.as_object().and_then(|o| o.values().next())
            {
                return id.as_str().map(str::to_owned).context("an element id");
            }
            if Instant::now() > deadline {
                bail!("no {css} within {ELEMENT_TIMEOUT:?}");
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn click(&self, session: &str, element: &str) -> anyhow::Result<()> {
        self.send(
            reqwest::Method::POST,
            &format!("/session/{session}/element/{element}/click"),
            Some(json!({})),
        )
        .await?;
        Ok(())
    }

    async fn end(&self, session: &str) {
        let _ = self
            .send(
                reqwest::Method::DELETE,
                &format!("/session/{session}"),
                None,
            )
            .await;
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// What one app measured.
pub struct AppFigures {
    /// Sum of PSS over the app and every process under it, in MiB.
    pub pss_mib: f64,
    /// The processes summed, by name.
    pub processes: Vec<String>,
    /// From asking for the session (which starts the app) to `ready` present.
    pub first_paint: Duration,
}

/// Starts `application` through WebDriver, waits for `ready`, clicks it when
/// `open` (the conversation row), waits for `then` if given, lets it settle,
/// and reads its memory.
pub async fn measure(
    application: &Path,
    profile: &Path,
    server_url: &str,
    ready: &str,
    open_then: Option<&str>,
) -> anyhow::Result<AppFigures> {
    let driver = Driver::start(profile, server_url)?;
    let began = Instant::now();
    let session = driver.session(application).await?;
    let result = async {
        let row = driver.wait_for(&session, ready).await?;
        let first_paint = began.elapsed();
        if let Some(then) = open_then {
            driver.click(&session, &row).await?;
            driver.wait_for(&session, then).await?;
        }
        tokio::time::sleep(SETTLE).await;
        let root = find_process(driver.child.id(), application)?;
        let (pss_kib, processes) = tree_pss(root)?;
        Ok(AppFigures {
            pss_mib: pss_kib as f64 / 1024.0,
            processes,
            first_paint,
        })
    }
    .await;
    driver.end(&session).await;
    result
}

/// Parent of every process, from /proc.
fn parents() -> HashMap<u32, u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // The name may hold spaces and parentheses: fields follow the last ')'.
            let ppid = stat
                .rsplit_once(')')?
                .1
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some((pid, ppid))
        })
        .collect()
}

fn descendants(root: u32, parents: &HashMap<u32, u32>) -> Vec<u32> {
    let mut found = vec![root];
    let mut at = 0;
    while at < found.len() {
        let parent = found[at];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| **p == parent)
                .map(|(pid, _)| *pid),
        );
        at += 1;
    }
    found
}

/// The app's process among the driver's descendants (the driver starts
/// WebKitWebDriver, which starts the app).
fn find_process(driver: u32, application: &Path) -> anyhow::Result<u32> {
    let wanted = std::fs::canonicalize(application)?;
    descendants(driver, &parents())
        .into_iter()
        .find(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe")).ok() == Some(PathBuf::from(&wanted))
        })
        .with_context(|| format!("{} is not running under the driver", application.display()))
}

/// Sum of `Pss:` (kB) from smaps_rollup over `root` and its descendants.
fn tree_pss(root: u32) -> anyhow::Result<(u64, Vec<String>)> {
    let mut total = 0;
    let mut names = Vec::new();
    for pid in descendants(root, &parents()) {
        let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) else {
            continue;
        };
        let field = |name: &str| -> Option<u64> {
            rollup
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        };
        let kib = field("Pss:").with_context(|| format!("no Pss in /proc/{pid}/smaps_rollup"))?;
        total += kib;
        let mib = |kib: Option<u64>| {
            kib.map_or_else(|| "?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0))
        };
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        // Where it is: the heap and stacks (anonymous), mapped libraries and
        // files, and memory shared with other processes.
        names.push(format!(
            "{} {:.0} MiB (anon {}, file {}, shmem {})",
            name.trim(),
            kib as f64 / 1024.0,
            mib(field("Pss_Anon:")),
            mib(field("Pss_File:")),
            mib(field("Pss_Shmem:"))
        ));
    }
    Ok((total, names))
}
