//! The real `attesta` binary, run as a child process on its own profile,
//! as a script would run it.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;
use tokio::process::{Child, Command};

use crate::binaries;
use crate::world::PASSWORD;

/// One profile of the CLI against one server.
pub struct Cli {
    profile: PathBuf,
    server: String,
}

/// How a run ended and what it printed.
#[derive(Debug)]
pub struct Run {
    /// The exit status; `None` when a signal ended it.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Every JSON object printed, one per line.
    pub fn objects(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| {
                serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("not a JSON line: {line:?} ({e}); {self:?}"))
            })
            .collect()
    }

    /// The one JSON object printed.
    pub fn object(&self) -> Value {
        let mut objects = self.objects();
        assert_eq!(objects.len(), 1, "expected exactly one object: {self:?}");
        objects.remove(0)
    }

    /// Insists on exit status 0.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "the command failed: {self:?}");
        self
    }
}

impl Cli {
    pub fn new(profile: &Path, server: &str) -> Cli {
        Cli {
            profile: profile.to_path_buf(),
            server: server.to_owned(),
        }
    }

    /// The command with the global options (`--json`) and the password.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binaries::cli());
        command
            .arg("--profile")
            .arg(&self.profile)
            .arg("--server")
            .arg(&self.server)
            .arg("--json")
            .args(args)
            .env("ATTESTA_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    }

    /// Runs one command to its end.
    pub async fn run(&self, args: &[&str]) -> Run {
        let output = self
            .command(args)
            .output()
            .await
            .expect("running the attesta binary");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts a command and leaves it running (it is killed if dropped).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .spawn()
            .expect("starting the attesta binary")
    }
}
