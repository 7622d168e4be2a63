//! The real desktop app under Xvfb, driven through tauri-driver and
//! WebKitWebDriver: a private X display, a private session bus watched by
//! dbus-monitor (to see notifications), free ports found at run time.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::processes::Processes;

/// How long the test waits for anything to show: generous, for a 2-core CI
/// machine that builds while it tests. Tests assert what happens, not how fast.
pub const PATIENCE: Duration = Duration::from_secs(30);
/// The app's window size (tauri.conf.json), the X screen's too, so that
/// screenshots show the window and nothing else.
const SCREEN: &str = "1100x720x24";

/// The built app; scripts/test.sh builds it before `cargo test`.
pub fn app_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let app = target.join("debug/attesta-desktop");
    assert!(
        app.exists(),
        "{} is missing: build the app first with \
         `cargo build -p attesta-desktop --features custom-protocol` (scripts/test.sh does)",
        app.display()
    );
    app
}

fn tauri_driver() -> PathBuf {
    let in_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo/bin")))
        .map(|dir| dir.join("tauri-driver"))
        .find(|p| p.exists());
    in_path.unwrap_or_else(|| {
        panic!(
            "tauri-driver is missing: `cargo install tauri-driver --locked` (scripts/setup.sh does)"
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

fn wait_until(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < PATIENCE, "{what} did not happen in time");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One running app with its display, bus and driver.
pub struct Desktop {
    pub display: String,
    bus: String,
    notifications: PathBuf,
    screenshots: PathBuf,
    pub driver: Client,
    /// Held for its `Drop`: every process stops with the desktop.
    _processes: Processes,
}

impl Desktop {
    /// Starts the app for `profile`, talking to `server`.
    pub async fn start(profile: &Path, server: &str, scratch: &Path) -> Desktop {
        let app = app_binary();
        let driver_bin = tauri_driver();
        let mut processes = Processes::default();
        let display = start_xvfb(&mut processes);
        let bus = start_session_bus(&mut processes);

        let notifications = scratch.join("dbus-monitor.log");
        let log = std::fs::File::create(&notifications).expect("the monitor's log file");
        let monitor = Command::new("dbus-monitor")
            .arg("--address")
            .arg(&bus)
            .arg("interface='org.freedesktop.Notifications'")
            .stdout(log)
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor (apt: dbus-bin)");
        processes.keep("dbus-monitor", monitor);

        let (port, native_port) = (free_port(), free_port());
        let driver_log =
            std::fs::File::create(scratch.join("tauri-driver.log")).expect("the driver's log file");
        let driver = Command::new(driver_bin)
            .arg("--port")
            .arg(port.to_string())
            .arg("--native-port")
            .arg(native_port.to_string())
            .env("DISPLAY", &display)
            .env("DBUS_SESSION_BUS_ADDRESS", &bus)
            .env("NO_AT_BRIDGE", "1")
            .env("WEBKIT_DISABLE_DMABUF_RENDERER", "1")
            .env("ATTESTA_PROFILE", profile)
            .env("ATTESTA_SERVER", server)
            .env("ATTESTA_LOG", "info")
            .stdout(driver_log.try_clone().expect("a second log handle"))
            .stderr(driver_log)
            .spawn()
            .expect("starting tauri-driver");
        processes.keep("tauri-driver", driver);
        // tauri-driver proxies to WebKitWebDriver, which it starts: both listen first.
        wait_until("tauri-driver and WebKitWebDriver listening", || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
                && TcpStream::connect(("127.0.0.1", native_port)).is_ok()
        });

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            json!({ "application": app.display().to_string() }),
        );
        let driver = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("a WebDriver session with the app: {e}"));

        let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
        std::fs::create_dir_all(&screenshots).expect("target/screenshots");
        Desktop {
            display,
            bus,
            notifications,
            screenshots,
            driver,
            _processes: processes,
        }
    }

    /// The session bus the app uses (to start a second instance on it).
    pub fn bus(&self) -> &str {
        &self.bus
    }

    /// Ends the WebDriver session; every process stops when `self` drops.
    pub async fn close(self) {
        let _ = self.driver.clone().close().await;
    }

    /// The element with this `data-testid`, once it shows.
    pub async fn find(&self, id: &str) -> Element {
        self.find_css(&format!("[data-testid=\"{id}\"]")).await
    }

    pub async fn find_css(&self, css: &str) -> Element {
        let start = Instant::now();
        loop {
            if let Ok(element) = self.driver.find(Locator::Css(css)).await
                && element.is_displayed().await.unwrap_or(false)
            {
                return element;
            }
            assert!(start.elapsed() < PATIENCE, "{css} did not show in time");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn click(&self, id: &str) {
        self.find(id)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("clicking {id}: {e}"));
    }

    pub async fn type_into(&self, id: &str, text: &str) {
        let field = self.find(id).await;
        field
            .clear()
            .await
            .unwrap_or_else(|e| panic!("clearing {id}: {e}"));
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("typing into {id}: {e}"));
    }

    /// The texts of every element with this `data-testid`.
    pub async fn texts(&self, id: &str) -> Vec<String> {
        let css = format!("[data-testid=\"{id}\"]");
        let mut out = Vec::new();
        for element in self
            .driver
            .find_all(Locator::Css(&css))
            .await
            .unwrap_or_default()
        {
            out.extend(text_of(&element).await);
        }
        out
    }

    /// Waits until some element with this `data-testid` shows `text`.
    pub async fn wait_for_text(&self, id: &str, text: &str) -> Element {
        let css = format!("[data-testid=\"{id}\"]");
        let start = Instant::now();
        loop {
            for element in self
                .driver
                .find_all(Locator::Css(&css))
                .await
                .unwrap_or_default()
            {
                if text_of(&element).await.is_some_and(|t| t.contains(text)) {
                    return element;
                }
            }
            if start.elapsed() > PATIENCE {
                self.screenshot(&format!("failed-waiting-for-{id}")).await;
                panic!(
                    "no {id} showed {text:?} in time; it shows {:?} (screenshot in target/screenshots)",
                    self.texts(id).await
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Waits until no element with this `data-testid` shows `text`.
    pub async fn wait_until_gone(&self, id: &str, text: &str) {
        let start = Instant::now();
        while self.texts(id).await.iter().any(|t| t.contains(text)) {
            assert!(
                start.elapsed() < PATIENCE,
                "{id} {text:?} did not go away in time"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// How many times the app asked the session bus to show a notification.
    pub fn notify_calls(&self) -> usize {
        std::fs::read_to_string(&self.notifications)
            .map(|log| log.matches("member=Notify").count())
            .unwrap_or(0)
    }

    pub async fn wait_for_notification(&self) {
        let start = Instant::now();
        while self.notify_calls() == 0 {
            assert!(
                start.elapsed() < PATIENCE,
                "no Notify call reached the session bus in time"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Takes a PNG of the whole (window-sized) screen into target/screenshots.
    /// WebDriver's own screenshot command hangs with WebKitGTK, so this asks X.
    pub async fn screenshot(&self, name: &str) {
        // Let transitions and fonts settle; a screenshot is for people to read.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let path = self.screenshots.join(format!("{name}.png"));
        let status = Command::new("import")
            .arg("-window")
            .arg("root")
            .arg(&path)
            .env("DISPLAY", &self.display)
            .status()
            .expect("ImageMagick's import (apt: imagemagick)");
        assert!(status.success(), "the screenshot {name} failed");
    }
}

/// An element's text content. WebDriver's "element text" of WebKitGTK
/// leaves out parts of nested flex layouts (a row's title), which the DOM has.
async fn text_of(element: &Element) -> Option<String> {
    element.prop("textContent").await.ok().flatten()
}

/// Starts Xvfb on the first free display number from 90 on.
fn start_xvfb(processes: &mut Processes) -> String {
    for n in 90..200 {
        let socket = format!("/tmp/.X11-unix/X{n}");
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() || Path::new(&socket).exists() {
            continue;
        }
        let mut xvfb = Command::new("Xvfb")
            .arg(format!(":{n}"))
            .args(["-screen", "0", SCREEN, "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (apt: xvfb)");
        let start = Instant::now();
        while start.elapsed() < PATIENCE {
            if Path::new(&socket).exists() {
                processes.keep("Xvfb", xvfb);
                return format!(":{n}");
            }
            if xvfb.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = xvfb.kill();
        let _ = xvfb.wait();
    }
    panic!("no free X display between :90 and :199");
}

/// Starts a private session bus and answers its address.
fn start_session_bus(processes: &mut Processes) -> String {
    let mut daemon = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon (apt: dbus)");
    let mut address = String::new();
    if let Some(out) = daemon.stdout.take() {
        let _ = BufReader::new(out).read_line(&mut address);
    }
    processes.keep("dbus-daemon", daemon);
    let address = address.trim().to_owned();
    assert!(!address.is_empty(), "dbus-daemon did not print its address");
    address
}
