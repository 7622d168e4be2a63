//! The real server binary for the client's integration tests (build it first:
//! `cargo build -p attesta-server`), started on a free loopback port with a
//! fresh data dir and stopped when the test ends.

#![allow(clippy::unwrap_used)]
// Each test file compiles this module on its own and uses only part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The server process, stopped when the test ends.
pub struct Server {
    child: Child,
    pub url: String,
    _data: tempfile::TempDir,
}

impl Server {
    /// Stops the server, runs `while_down`, and starts it again on the same
    /// address and data, as an operator restarting it would.
    pub async fn restart_after<F, Fut>(mut self, while_down: F) -> Server
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let _ = self.child.kill();
        let _ = self.child.wait();
        while_down().await;
        let address = self.url.trim_start_matches("http://").to_owned();
        let data = std::mem::replace(&mut self._data, tempfile::tempdir().unwrap());
        drop(self);
        start_server_on(data, &address)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn server_binary() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let binary = target.join("debug").join("attesta-server");
    assert!(
        binary.exists(),
        "build the server first: cargo build -p attesta-server ({})",
        binary.display()
    );
    binary
}

pub fn start_server() -> Server {
    start_server_on(tempfile::tempdir().unwrap(), "127.0.0.1:0")
}

fn start_server_on(data: tempfile::TempDir, listen: &str) -> Server {
    let mut child = Command::new(server_binary())
        .args(["--listen", listen, "--data-dir"])
        .arg(data.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .trim()
        .strip_prefix("listening on ")
        .expect("the server prints its address")
        .to_owned();
    Server {
        child,
        url: format!("http://{address}"),
        _data: data,
    }
}
