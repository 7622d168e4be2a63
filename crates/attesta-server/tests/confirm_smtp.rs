//! E-mail confirmation through a real SMTP server: Python's aiosmtpd, storing
//! every message it receives in a maildir the test reads the code from.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use attesta_proto::api::{TokenAddEmail, TokenConfirm, TokensList};
use attesta_proto::tokens::Token;
use common::Server;

/// aiosmtpd listening on a loopback port, killed when dropped.
struct SmtpSink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
}

fn python() -> PathBuf {
    std::env::var_os("ATTESTA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/pyenv/bin/python")
        })
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let maildir = tempfile::tempdir().expect("maildir");
        let child = Command::new(python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            // A path that does not exist yet: the handler creates the maildir.
            .arg(maildir.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect(
                "aiosmtpd (run scripts/setup.sh to create target/pyenv, or set ATTESTA_PYTHON)",
            );
        let sink = SmtpSink {
            child,
            port,
            maildir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sink
    }

    /// Every message received so far, as text.
    fn messages(&self) -> Vec<String> {
        let new = self.maildir.path().join("mail").join("new");
        let Ok(entries) = std::fs::read_dir(new) else {
            return Vec::new();
        };
        entries
            .map(|e| std::fs::read_to_string(e.expect("maildir entry").path()).expect("a message"))
            .collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The six digits after "code: " in a message.
fn code_in(message: &str) -> String {
    let (_, after) = message
        .split_once("code: ")
        .expect("the message names a code");
    after.chars().take_while(char::is_ascii_digit).collect()
}

#[tokio::test]
async fn an_email_address_is_confirmed_with_the_code_mailed_to_it() {
    let sink = SmtpSink::start();
    let port = sink.port.to_string();
    let server = Server::start_with(&[
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port,
        "--smtp-tls",
        "none",
        "--smtp-from",
        "Attesta <codes@attesta.test>",
    ]);
    let alice = server.register("alice").await;
    let add = TokenAddEmail {
        email: " Alice@Example.ORG ".to_owned(),
        searchable: true,
    };
    let added = server.as_party(&alice, &add).await.expect("added");
    assert_eq!(
        added.token,
        Token::email("alice@example.org").expect("email")
    );
    assert!(!added.confirmed);

    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "one mail sent");
    let mail = &messages[0];
    assert!(mail.contains("To: alice@example.org"), "{mail}");
    assert!(mail.contains("codes@attesta.test"), "{mail}");
    let code = code_in(mail);
    assert_eq!(code.len(), 6, "{mail}");

    let confirmed = server
        .as_party(
            &alice,
            &TokenConfirm {
                token: added.token,
                code,
            },
        )
        .await
        .expect("confirmed");
    assert!(confirmed.confirmed);
    let tokens = server
        .as_party(&alice, &TokensList {})
        .await
        .expect("list")
        .tokens;
    let email = tokens
        .iter()
        .find(|t| t.token == added.token)
        .expect("listed");
    assert!(email.confirmed && email.searchable);
}
