//! A real SMTP server (Python's aiosmtpd, from the venv `scripts/setup.sh`
//! makes) that receives the server's confirmation mail, so a scenario reads
//! the code the way a person would: from the mail.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long a mail may take to arrive before a scenario fails.
const MAIL_TIMEOUT: Duration = Duration::from_secs(30);

/// One received mail.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// The SMTP sink process this test started, and what it received.
pub struct MailSink {
    child: Child,
    port: u16,
    received: Arc<Mutex<Vec<Mail>>>,
}

/// `ATTESTA_PYTHON`, or the venv that `scripts/setup.sh` creates.
fn python() -> PathBuf {
    let path = std::env::var_os("ATTESTA_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python"),
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "no Python with aiosmtpd at {}: run scripts/setup.sh or set ATTESTA_PYTHON",
        path.display()
    );
    path
}

impl MailSink {
    /// Starts the sink on a free loopback port.
    pub fn start() -> MailSink {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp_sink.py");
        let mut child = Command::new(python())
            .arg(script)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting the SMTP sink");
        let Some(stdout) = child.stdout.take() else {
            panic!("the SMTP sink has no stdout");
        };
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let Some(port) = first
            .strip_prefix("listening on ")
            .and_then(|p| p.trim().parse().ok())
        else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the SMTP sink did not say where it listens: {first:?}");
        };
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mail: Mail = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("the SMTP sink printed {line:?}: {e}"));
                sink.lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .push(mail);
            }
        });
        MailSink {
            child,
            port,
            received,
        }
    }

    /// The settings that point the server at this sink.
    pub fn server_env(&self) -> Vec<(String, String)> {
        vec![
            ("ATTESTA_SMTP_HOST".into(), "127.0.0.1".into()),
            ("ATTESTA_SMTP_PORT".into(), self.port.to_string()),
            ("ATTESTA_SMTP_TLS".into(), "none".into()),
        ]
    }

    /// Waits for the latest mail to `address` that carries a code, and
    /// returns the code (six digits).
    pub async fn code_for(&self, address: &str) -> String {
        let deadline = Instant::now() + MAIL_TIMEOUT;
        loop {
            if let Some(code) = self.latest_code(address) {
                return code;
            }
            assert!(
                Instant::now() < deadline,
                "no mail with a code reached {address}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn latest_code(&self, address: &str) -> Option<String> {
        let received = self
            .received
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        received
            .iter()
            .rev()
            .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
            .find_map(|mail| six_digits(&mail.body))
    }
}

/// The first run of exactly six digits in a text.
fn six_digits(text: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == 6)
        .map(str::to_owned)
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
