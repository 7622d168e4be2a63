//! The real server binary on a loopback port, with its own data directory.
//! It can be stopped and started again on the same port and data, as a
//! crashed or restarted service would be.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::binaries;

/// A running (or stopped) server process that this test started.
pub struct Server {
    child: Option<Child>,
    data_dir: PathBuf,
    env: Vec<(String, String)>,
    port: u16,
}

impl Server {
    /// Starts the server on a free loopback port with `data_dir` and the
    /// given `ATTESTA_*` settings.
    pub fn start(data_dir: &Path, env: Vec<(String, String)>) -> Server {
        let mut server = Server {
            child: None,
            data_dir: data_dir.to_path_buf(),
            env,
            port: 0,
        };
        server.spawn();
        server
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's own database file, for tests that play a hostile server.
    pub fn database(&self) -> PathBuf {
        self.data_dir.join("attesta.sqlite3")
    }

    /// Kills the process (as a crash or a power cut would) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data directory.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    fn spawn(&mut self) {
        let mut child = Command::new(binaries::server())
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--data-dir")
            .arg(&self.data_dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the attesta-server binary");
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = BufReader::new(stdout).read_line(&mut line);
        }
        let port = line
            .trim()
            .strip_prefix("listening on ")
            .and_then(|addr| addr.rsplit(':').next())
            .and_then(|port| port.parse().ok());
        match port {
            Some(port) => self.port = port,
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the server did not say where it listens: {line:?}");
            }
        }
        self.child = Some(child);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}
