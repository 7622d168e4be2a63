//! Delivery of one-time codes: e-mail through SMTP, phone numbers through an
//! SMS gateway, and, for development and tests, an outbox file. E-mail goes to
//! SMTP when configured, else to the outbox; phone codes to the gateway when
//! configured, else to the outbox. The plain address lives only as long as
//! the send; it is never logged.

use std::path::PathBuf;

use attesta_proto::tokens::TokenKind;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::Serialize;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use crate::config::{Config, SmtpTls};
use crate::{Error, Result};

/// Why a code is sent; it decides the wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Confirm,
    Recover,
}

/// One code to one address.
pub struct CodeMessage {
    /// The normalized address or E.164 number.
    pub to: String,
    pub kind: TokenKind,
    pub code: String,
    pub purpose: Purpose,
    pub valid_minutes: u32,
}

impl CodeMessage {
    fn text(&self) -> String {
        let (what, why) = match self.purpose {
            Purpose::Confirm => ("code", "It confirms this address for your Attesta account"),
            Purpose::Recover => ("recovery code", "It lets you reset your Attesta password"),
        };
        format!(
            "Your Attesta {what}: {}\n\n{why} and is valid for {} minutes. \
             If you did not ask for it, ignore this message.\n",
            self.code, self.valid_minutes
        )
    }
}

/// The configured ways out, one per token kind.
pub struct Senders {
    email: Channel,
    phone: Channel,
}

enum Channel {
    Smtp(Smtp),
    Sms(SmsGateway),
    Outbox(Outbox),
    /// Nothing configured: sending is an error the operator must fix.
    Missing,
}

impl Senders {
    pub fn new(config: &Config) -> Result<Self> {
        let outbox = || {
            config.outbox.clone().map_or(Channel::Missing, |path| {
                Channel::Outbox(Outbox {
                    path,
                    lock: Mutex::new(()),
                })
            })
        };
        let email = match &config.smtp_host {
            Some(host) => Channel::Smtp(Smtp::new(config, host)?),
            None => outbox(),
        };
        let phone = match &config.sms_gateway_url {
            Some(url) => Channel::Sms(SmsGateway {
                url: url.clone(),
                token: config.sms_gateway_token.clone(),
                http: reqwest::Client::new(),
            }),
            None => outbox(),
        };
        Ok(Senders { email, phone })
    }

    /// Refuses, before anything is stored, an address this server could not send to.
    pub fn check_address(&self, kind: TokenKind, to: &str) -> Result<()> {
        match (kind, &self.email) {
            (TokenKind::Email, Channel::Smtp(_)) => to
                .parse::<Mailbox>()
                .map(drop)
                .map_err(|_| Error::bad_request("mail cannot be sent to this address")),
            _ => Ok(()),
        }
    }

    pub async fn send(&self, message: CodeMessage) -> Result<()> {
        let channel = match message.kind {
            TokenKind::Email => &self.email,
            TokenKind::Phone => &self.phone,
            TokenKind::Nick => return Err(Error::Internal("a code for a nick".to_owned())),
        };
        match channel {
            Channel::Smtp(smtp) => smtp.send(&message).await,
            Channel::Sms(gateway) => gateway.send(&message).await,
            Channel::Outbox(outbox) => outbox.send(&message).await,
            Channel::Missing => Err(Error::Internal(format!(
                "no delivery configured for {:?} codes (set SMTP, the SMS gateway or --outbox)",
                message.kind
            ))),
        }
    }
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    fn new(config: &Config, host: &str) -> Result<Self> {
        let setup = |e: lettre::transport::smtp::Error| Error::Internal(format!("SMTP setup: {e}"));
        let mut builder = match config.smtp_tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host).port(25),
            SmtpTls::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host).map_err(setup)?
            }
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(setup)?,
        };
        if let Some(port) = config.smtp_port {
            builder = builder.port(port);
        }
        if let (Some(user), Some(password)) = (&config.smtp_username, &config.smtp_password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let from = config
            .smtp_from
            .parse()
            .map_err(|e| Error::Internal(format!("--smtp-from is not an address: {e}")))?;
        Ok(Smtp {
            transport: builder.build(),
            from,
        })
    }

    async fn send(&self, message: &CodeMessage) -> Result<()> {
        let to: Mailbox = message
            .to
            .parse()
            .map_err(|_| Error::bad_request("mail cannot be sent to this address"))?;
        let subject = match message.purpose {
            Purpose::Confirm => "Your Attesta code",
            Purpose::Recover => "Your Attesta recovery code",
        };
        let mail = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.text())
            .map_err(|e| Error::Internal(format!("building mail: {e}")))?;
        self.transport
            .send(mail)
            .await
            .map(drop)
            // Not the error text: a server's refusal may quote the address.
            .map_err(|e| {
                Error::Internal(format!(
                    "SMTP delivery failed (permanent: {})",
                    e.is_permanent()
                ))
            })
    }
}

struct SmsGateway {
    url: String,
    token: Option<String>,
    http: reqwest::Client,
}

#[derive(Serialize)]
struct SmsRequest<'a> {
    to: &'a str,
    text: &'a str,
}

impl SmsGateway {
    async fn send(&self, message: &CodeMessage) -> Result<()> {
        let text = message.text();
        let mut request = self.http.post(&self.url).json(&SmsRequest {
            to: &message.to,
            text: &text,
        });
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        request
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map(drop)
            // Without the URL: reqwest's errors name it, and it may carry a key.
            .map_err(|e| Error::Internal(format!("SMS gateway failed: {}", e.without_url())))
    }
}

struct Outbox {
    path: PathBuf,
    /// One writer at a time, so lines never interleave.
    lock: Mutex<()>,
}

#[derive(Serialize)]
struct OutboxLine<'a> {
    to: &'a str,
    kind: TokenKind,
    code: &'a str,
}

impl Outbox {
    async fn send(&self, message: &CodeMessage) -> Result<()> {
        let line = OutboxLine {
            to: &message.to,
            kind: message.kind,
            code: &message.code,
        };
        let mut text = serde_json::to_string(&line)
            .map_err(|e| Error::Internal(format!("outbox line: {e}")))?;
        text.push('\n');
        let io =
            |e: std::io::Error| Error::Internal(format!("outbox {}: {e}", self.path.display()));
        let _writing = self.lock.lock().await;
        let mut file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .await
            .map_err(io)?;
        file.write_all(text.as_bytes()).await.map_err(io)?;
        file.flush().await.map_err(io)
    }
}
