//! The account on this device: registration, login, logout, devices,
//! password change, key rotation and recovery. The password is stretched
//! with Argon2id on a blocking thread (it takes seconds) while a progress
//! callback lets a UI show it; only `auth_key` leaves the device.

use std::sync::Arc;

use attesta_proto::api::{
    AuthLogin, AuthLogout, AuthParams, AuthRecoverFinish, AuthRecoverStart, Device, DevicesList,
    DevicesRevoke, Kdf, KeysRotate, LoginResponse, PartyRegister, PartyState, PasswordChange,
    RecoveryAddress,
};
use attesta_proto::blocks::ConnectorKeys;
use attesta_proto::keyring::Keyring;
use attesta_proto::keys::{PartyKeys, PublicKeys, SymmetricKey};
use attesta_proto::password::{self, DEFAULT_KDF, Derivation, PasswordKeys};
use attesta_proto::tokens::{Token, TokenKind};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::events::Event;
use crate::{Client, identity};

/// The keys and ids this device acts with, in memory while logged in.
pub(crate) struct Session {
    pub party_id: String,
    pub device_id: String,
    pub keyring: Keyring,
    pub keyring_key: SymmetricKey,
    pub salt: Vec<u8>,
    pub kdf: Kdf,
    /// The connector keys derived with this keyring, kept while logged in.
    pub connector_keys: ConnectorKeys,
}

/// Where a password derivation is; a UI shows a busy indicator in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KdfProgress {
    Started,
    Finished,
}

/// What registration asks for.
#[derive(Debug, Clone)]
pub struct Registration {
    /// The first nick, as typed (it is normalized and hashed here).
    pub nick: String,
    pub password: String,
    /// "Let others find me by this nick".
    pub searchable: bool,
    /// How this device appears in the devices list.
    pub device_name: String,
}

/// What login asks for.
#[derive(Debug, Clone)]
pub struct Login {
    /// Any nick, e-mail or mobile number of the account, as typed.
    pub login: String,
    pub password: String,
    pub device_name: String,
    /// The region a phone number without `+` is read in (ISO 3166 alpha-2).
    pub region: Option<String>,
}

/// The account this profile is logged in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccountInfo {
    pub party_id: String,
    pub device_id: String,
    pub public_keys: PublicKeys,
}

/// A confirmed address to recover an account by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecoveryBy {
    Email(String),
    Phone {
        number: String,
        region: Option<String>,
    },
}

impl RecoveryBy {
    fn address(&self) -> RecoveryAddress {
        match self {
            RecoveryBy::Email(email) => RecoveryAddress {
                email: Some(email.clone()),
                ..Default::default()
            },
            RecoveryBy::Phone { number, region } => RecoveryAddress {
                phone: Some(number.clone()),
                region: region.clone(),
                ..Default::default()
            },
        }
    }
}

/// The token a typed login names: an e-mail has an `@`, a number starts
/// with `+` or a digit (nicks cannot look like either), anything else is a nick.
pub fn login_token(login: &str, region: Option<&str>) -> Result<Token> {
    let typed = login.trim();
    let kind = if typed.contains('@') {
        TokenKind::Email
    } else if typed.starts_with('+') || typed.starts_with(|c: char| c.is_ascii_digit()) {
        TokenKind::Phone
    } else {
        TokenKind::Nick
    };
    Ok(Token::compute(kind, typed, region)?.0)
}

/// Stretches a password on a blocking thread, reporting start and end.
async fn derive(
    password: &str,
    salt: &[u8],
    kdf: Kdf,
    progress: &(dyn Fn(KdfProgress) + Send + Sync),
) -> Result<PasswordKeys> {
    progress(KdfProgress::Started);
    let derivation = Derivation::new(password, salt, kdf);
    let keys = tokio::task::spawn_blocking(move || derivation.run()).await?;
    progress(KdfProgress::Finished);
    Ok(keys?)
}

impl Client {
    /// Registers a new account with its first nick and logs this profile in.
    /// A nick that is taken or in quarantine is [`Error::Api`] `conflict`
    /// with its `reason`; an invalid one is [`Error::Token`] saying why.
    pub async fn register(
        &self,
        registration: Registration,
        progress: impl Fn(KdfProgress) + Send + Sync,
    ) -> Result<AccountInfo> {
        self.ensure_logged_out()?;
        let (nick_token, nick) = Token::compute(TokenKind::Nick, &registration.nick, None)?;
        let salt = password::new_salt().to_vec();
        let kdf = DEFAULT_KDF;
        let keys = derive(&registration.password, &salt, kdf, &progress).await?;
        let keyring = Keyring::new(PartyKeys::generate(1));
        let public_keys = keyring.current().public().clone();
        let answer = self
            .inner
            .transport
            .call(&PartyRegister {
                nick: None,
                nick_token: Some(nick_token),
                searchable: registration.searchable,
                salt: salt.clone(),
                kdf,
                auth_key: keys.auth_key.to_vec(),
                keyring: keyring.seal(&keys.keyring_key, &salt),
                public_keys,
                device_name: registration.device_name,
            })
            .await?;
        let login = LoginResponse {
            party_id: answer.party_id,
            session: answer.session,
            device_id: answer.device_id,
            keyring: keyring.seal(&keys.keyring_key, &salt),
            public_keys: keyring.current().public().clone(),
        };
        let info = self.begin_session(login, keyring, &keys, salt, kdf).await?;
        self.inner
            .cache
            .transaction(move |tx| {
                identity::remember(
                    tx,
                    nick_token,
                    TokenKind::Nick,
                    &nick,
                    registration.searchable,
                    true,
                )
            })
            .await?;
        self.publish_account_data().await?;
        Ok(info)
    }

    /// Logs this profile in to an existing account (any confirmed nick,
    /// e-mail or number of it). A wrong password and an unknown login are
    /// the same `unauthorized`, as the server answers.
    pub async fn login(
        &self,
        login: Login,
        progress: impl Fn(KdfProgress) + Send + Sync,
    ) -> Result<AccountInfo> {
        self.ensure_logged_out()?;
        let login_token = login_token(&login.login, login.region.as_deref())?;
        let params = self
            .inner
            .transport
            .call(&AuthParams { login_token })
            .await?;
        let keys = derive(&login.password, &params.salt, params.kdf, &progress).await?;
        let answer = self
            .inner
            .transport
            .call(&AuthLogin {
                login_token,
                auth_key: keys.auth_key.to_vec(),
                device_name: login.device_name,
            })
            .await?;
        let keyring = Keyring::open(&answer.keyring, &keys.keyring_key, &params.salt)?;
        let info = self
            .begin_session(answer, keyring, &keys, params.salt, params.kdf)
            .await?;
        self.restore_account_data().await?;
        Ok(info)
    }

    /// Logs out: ends the session on the server (when it can be reached) and
    /// empties this profile's cache, outbox included.
    pub async fn logout(&self) -> Result<()> {
        self.session()?;
        if let Err(e) = self.inner.transport.call(&AuthLogout {}).await {
            tracing::info!(error = %e, "logging out without reaching the server");
        }
        self.end_session().await
    }

    /// The account this profile is logged in to, if any.
    pub fn account(&self) -> Option<AccountInfo> {
        let session = self.session().ok()?;
        Some(AccountInfo {
            party_id: session.party_id.clone(),
            device_id: session.device_id.clone(),
            public_keys: session.keyring.current().public().clone(),
        })
    }

    /// The account's devices, with last seen times; `current` marks this one.
    pub async fn devices(&self) -> Result<Vec<Device>> {
        Ok(self.inner.transport.call(&DevicesList {}).await?.devices)
    }

    /// Ends another device's sessions at once. The device still knows the
    /// keys: a UI offers [`Client::change_password`] and [`Client::rotate_keys`] next.
    pub async fn revoke_device(&self, device_id: &str) -> Result<()> {
        self.inner
            .transport
            .call(&DevicesRevoke {
                device_id: device_id.to_owned(),
            })
            .await?;
        self.emit(Event::AccountChanged);
        Ok(())
    }

    /// Changes the password: the keyring is sealed again under the new one
    /// (with a fresh salt); the keys stay, so nothing changes for peers.
    pub async fn change_password(
        &self,
        old_password: &str,
        new_password: &str,
        progress: impl Fn(KdfProgress) + Send + Sync,
    ) -> Result<()> {
        let session = self.session()?;
        let old = derive(old_password, &session.salt, session.kdf, &progress).await?;
        let salt = password::new_salt().to_vec();
        let kdf = DEFAULT_KDF;
        let new = derive(new_password, &salt, kdf, &progress).await?;
        let keyring = session.keyring.seal(&new.keyring_key, &salt);
        self.inner
            .transport
            .call(&PasswordChange {
                old_auth_key: old.auth_key.to_vec(),
                salt: salt.clone(),
                kdf,
                auth_key: new.auth_key.to_vec(),
                keyring: keyring.clone(),
            })
            .await?;
        let keyring = Keyring::open(&keyring, &new.keyring_key, &salt)?;
        self.replace_keys(keyring, new.keyring_key.clone(), salt, kdf)
            .await
    }

    /// Makes new party keys (the next version). Peers see the change and are
    /// warned; items under the old keys stay readable here.
    pub async fn rotate_keys(&self) -> Result<()> {
        let session = self.session()?;
        let sealed = session.keyring.seal(&session.keyring_key, &session.salt);
        let mut keyring = Keyring::open(&sealed, &session.keyring_key, &session.salt)?;
        keyring.rotate()?;
        let public_keys = keyring.current().public().clone();
        self.inner
            .transport
            .call(&KeysRotate {
                public_keys,
                keyring: keyring.seal(&session.keyring_key, &session.salt),
            })
            .await?;
        self.replace_keys(
            keyring,
            session.keyring_key.clone(),
            session.salt.clone(),
            session.kdf,
        )
        .await?;
        self.publish_account_data().await
    }

    /// Asks the server to send a recovery code to a confirmed address.
    /// It answers alike whether or not the address belongs to an account.
    pub async fn start_recovery(&self, by: &RecoveryBy) -> Result<()> {
        self.inner
            .transport
            .call(&AuthRecoverStart {
                address: by.address(),
            })
            .await?;
        Ok(())
    }

    /// Recovers the account with the code and a new password. Recovery makes
    /// new keys: old history stays unreadable and contacts see a key change.
    pub async fn finish_recovery(
        &self,
        by: &RecoveryBy,
        code: &str,
        new_password: &str,
        device_name: &str,
        progress: impl Fn(KdfProgress) + Send + Sync,
    ) -> Result<AccountInfo> {
        self.ensure_logged_out()?;
        let salt = password::new_salt().to_vec();
        let kdf = DEFAULT_KDF;
        let keys = derive(new_password, &salt, kdf, &progress).await?;
        let keyring = Keyring::new(PartyKeys::generate(1));
        let answer = self
            .inner
            .transport
            .call(&AuthRecoverFinish {
                address: by.address(),
                code: code.to_owned(),
                salt: salt.clone(),
                kdf,
                auth_key: keys.auth_key.to_vec(),
                keyring: keyring.seal(&keys.keyring_key, &salt),
                public_keys: keyring.current().public().clone(),
                device_name: device_name.to_owned(),
            })
            .await?;
        // The server may number the new keys after the old ones: take its keyring.
        let keyring = Keyring::open(&answer.keyring, &keys.keyring_key, &salt)?;
        self.begin_session(answer, keyring, &keys, salt, kdf).await
    }

    /// The session, or [`Error::NotLoggedIn`].
    pub(crate) fn session(&self) -> Result<Arc<Session>> {
        self.inner
            .session
            .read()
            .ok()
            .and_then(|s| s.clone())
            .ok_or(Error::NotLoggedIn)
    }

    fn ensure_logged_out(&self) -> Result<()> {
        match self.session() {
            Ok(_) => Err(Error::AlreadyLoggedIn),
            Err(_) => Ok(()),
        }
    }

    fn set_session(&self, session: Option<Arc<Session>>) {
        if let Ok(mut s) = self.inner.session.write() {
            *s = session;
        }
    }

    /// Stores a fresh session and its keys, and starts using them.
    async fn begin_session(
        &self,
        login: LoginResponse,
        keyring: Keyring,
        keys: &PasswordKeys,
        salt: Vec<u8>,
        kdf: Kdf,
    ) -> Result<AccountInfo> {
        let server = self.server().to_owned();
        let sealed = keyring.seal(&keys.keyring_key, &salt);
        let key = keys.keyring_key.as_bytes().to_vec();
        let public_keys = keyring.current().public().clone();
        let public_json = serde_json::to_string(&public_keys)
            .map_err(|e| Error::Invalid(format!("keys do not encode: {e}")))?;
        let kdf_json = serde_json::to_string(&kdf)
            .map_err(|e| Error::Invalid(format!("parameters do not encode: {e}")))?;
        let (party_id, device_id, session_token) = (
            login.party_id.clone(),
            login.device_id.clone(),
            login.session.clone(),
        );
        let stored_salt = salt.clone();
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "INSERT INTO account (id, server, party_id, device_id, session, keyring,
                         keyring_key, keyring_salt, kdf, public_keys)
                     VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                    params![
                        server,
                        party_id,
                        device_id,
                        session_token,
                        sealed,
                        key,
                        stored_salt,
                        kdf_json,
                        public_json
                    ],
                )?;
                Ok(())
            })
            .await?;
        self.inner.transport.set_session(Some(login.session));
        self.set_session(Some(Arc::new(Session {
            party_id: login.party_id.clone(),
            device_id: login.device_id.clone(),
            keyring,
            keyring_key: keys.keyring_key.clone(),
            salt,
            kdf,
            connector_keys: ConnectorKeys::new(),
        })));
        self.emit(Event::AccountChanged);
        self.inner.engine_wake.notify_one();
        Ok(AccountInfo {
            party_id: login.party_id,
            device_id: login.device_id,
            public_keys,
        })
    }

    /// Takes the keyring a `sync` brought when it holds keys newer than this
    /// device's (a rotation or a recovery on another device); answers whether
    /// it did. A keyring this device's key does not open (the password was
    /// changed elsewhere) leaves the old keys in place and tells the UI.
    pub(crate) async fn adopt_synced_keyring(&self, party: &PartyState) -> Result<bool> {
        let session = self.session()?;
        if party.public_keys.version <= session.keyring.current().public().version {
            return Ok(false);
        }
        let opened = Keyring::open(&party.keyring, &session.keyring_key, &session.salt)
            .ok()
            .filter(|keyring| keyring.current().public() == &party.public_keys);
        let Some(keyring) = opened else {
            tracing::warn!(
                version = party.public_keys.version,
                "new party keys under a password this device does not know"
            );
            self.emit(Event::NewPasswordNeeded);
            return Ok(false);
        };
        self.replace_keys(
            keyring,
            session.keyring_key.clone(),
            session.salt.clone(),
            session.kdf,
        )
        .await?;
        Ok(true)
    }

    /// Whether the party's keys moved on elsewhere under a password this
    /// device does not know (see `Event::NewPasswordNeeded`): the UI asks to
    /// log in again with the new password.
    pub async fn needs_new_password(&self) -> Result<bool> {
        let session = self.session()?;
        let stored: String = self
            .inner
            .cache
            .run(|c| Ok(c.query_row("SELECT public_keys FROM account", [], |r| r.get(0))?))
            .await?;
        let party: PublicKeys = serde_json::from_str(&stored)
            .map_err(|e| Error::Invalid(format!("the stored keys are damaged: {e}")))?;
        Ok(party.version > session.keyring.current().public().version)
    }

    /// Replaces the keyring (after a password change or a rotation).
    async fn replace_keys(
        &self,
        keyring: Keyring,
        keyring_key: SymmetricKey,
        salt: Vec<u8>,
        kdf: Kdf,
    ) -> Result<()> {
        let session = self.session()?;
        let sealed = keyring.seal(&keyring_key, &salt);
        let key = keyring_key.as_bytes().to_vec();
        let public_json = serde_json::to_string(keyring.current().public())
            .map_err(|e| Error::Invalid(format!("keys do not encode: {e}")))?;
        let kdf_json = serde_json::to_string(&kdf)
            .map_err(|e| Error::Invalid(format!("parameters do not encode: {e}")))?;
        let stored_salt = salt.clone();
        self.inner
            .cache
            .run(move |c| {
                c.execute(
                    "UPDATE account SET keyring = ?1, keyring_key = ?2, keyring_salt = ?3, kdf = ?4,
                         public_keys = ?5",
                    params![sealed, key, stored_salt, kdf_json, public_json],
                )?;
                Ok(())
            })
            .await?;
        self.set_session(Some(Arc::new(Session {
            party_id: session.party_id.clone(),
            device_id: session.device_id.clone(),
            keyring,
            keyring_key,
            salt,
            kdf,
            connector_keys: ConnectorKeys::new(),
        })));
        self.emit(Event::AccountChanged);
        Ok(())
    }

    /// Forgets the session and everything cached for it.
    pub(crate) async fn end_session(&self) -> Result<()> {
        self.inner.transport.set_session(None);
        self.set_session(None);
        self.inner
            .cache
            .run(|c| {
                c.execute_batch(
                    "DELETE FROM outbox; DELETE FROM held_items; DELETE FROM seen_blocks;
                     DELETE FROM messages; DELETE FROM group_keys; DELETE FROM invitations;
                     DELETE FROM verified_keys; DELETE FROM peer_keys; DELETE FROM profiles;
                     DELETE FROM connectors; DELETE FROM own_tokens; DELETE FROM account;",
                )?;
                Ok(())
            })
            .await?;
        self.emit(Event::AccountChanged);
        Ok(())
    }
}

/// Loads the stored session of a profile, if it has one.
pub(crate) fn load_session(
    conn: &rusqlite::Connection,
) -> Result<Option<(String, String, Session)>> {
    let row = conn
        .query_row(
            "SELECT server, session, party_id, device_id, keyring, keyring_key, keyring_salt, kdf
             FROM account",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                    r.get::<_, Vec<u8>>(5)?,
                    r.get::<_, Vec<u8>>(6)?,
                    r.get::<_, String>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((server, token, party_id, device_id, sealed, key, salt, kdf)) = row else {
        return Ok(None);
    };
    let key: [u8; 32] = key
        .try_into()
        .map_err(|_| Error::Invalid("the stored keyring key is damaged".into()))?;
    let keyring_key = SymmetricKey::from_bytes(key);
    let keyring = Keyring::open(&sealed, &keyring_key, &salt)?;
    let kdf: Kdf = serde_json::from_str(&kdf)
        .map_err(|e| Error::Invalid(format!("the stored parameters are damaged: {e}")))?;
    Ok(Some((
        server,
        token,
        Session {
            party_id,
            device_id,
            keyring,
            keyring_key,
            salt,
            kdf,
            connector_keys: ConnectorKeys::new(),
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_is_read_as_the_kind_it_looks_like() {
        let by_nick = login_token("  Alice Example ", None).unwrap();
        assert_eq!(by_nick, Token::nick("alice example").unwrap());
        let by_email = login_token("Alice@Example.org", None).unwrap();
        assert_eq!(by_email, Token::email("alice@example.org").unwrap());
        let by_phone = login_token("+1 415 555 0123", None).unwrap();
        assert_eq!(by_phone, Token::phone("+14155550123", None).unwrap());
    }

    #[test]
    fn an_invalid_login_says_why() {
        let err = login_token("ab", None).unwrap_err();
        assert!(matches!(err, Error::Token(_)), "{err}");
    }
}
