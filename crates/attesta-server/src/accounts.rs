//! Accounts: registration, login and logout, devices, password and key
//! changes, recovery by a confirmed address, account data, and lookups.

use attesta_proto::api::{
    AccountData, AccountDataGet, AccountDataVersion, AuthLogin, AuthLogout, AuthParams,
    AuthParamsResponse, AuthRecoverFinish, AuthRecoverStart, Device, DevicesList,
    DevicesListResponse, DevicesRevoke, Empty, KeysRotate, LoginResponse, NotFound, PartiesLookup,
    PartiesLookupResponse, PartyFound, PartyRegister, PasswordChange, RecoveryAddress, Session,
    Unavailable,
};
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use time::OffsetDateTime;

use crate::confirm::{CodeMessage, Purpose};
use crate::credentials::{self, check_auth_key, check_password_params, new_id, new_session};
use crate::http::{Api, Caller, Client};
use crate::storage::accounts::{NewDevice, NewParty, PartyKeys};
use crate::storage::tokens::{Code, CodePurpose};
use crate::tokens::{address_token, code_hash, new_code, nick_token};
use crate::{AppState, Error, Result};

pub fn routes(api: Api) -> Api {
    api.public(auth_params)
        .public(party_register)
        .public(auth_login)
        .session(auth_logout)
        .session(devices_list)
        .session(devices_revoke)
        .session(password_change)
        .session(keys_rotate)
        .public(auth_recover_start)
        .public(auth_recover_finish)
        .session(account_data_get)
        .session(account_data_put)
        .session(parties_lookup)
}

/// Longest device name, in characters.
const DEVICE_NAME_MAX: usize = 64;

fn device_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > DEVICE_NAME_MAX {
        return Err(Error::bad_request(format!(
            "device_name must be 1 to {DEVICE_NAME_MAX} characters"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::bad_request(
            "device_name must not contain control characters",
        ));
    }
    Ok(name.to_owned())
}

fn check_keys(keys: &PublicKeys) -> Result<()> {
    keys.verify()
        .map_err(|e| Error::bad_request(format!("public_keys cannot be verified: {e}")))
}

/// A new device with its session: the session goes to the client, its hash to storage.
fn new_device(name: String) -> (NewDevice, String) {
    let (session, session_hash) = new_session();
    (
        NewDevice {
            device_id: new_id(),
            name,
            session_hash,
        },
        session,
    )
}

async fn auth_params(state: AppState, _: Client, req: AuthParams) -> Result<AuthParamsResponse> {
    match state.store.password_by_token(&req.login_token)? {
        Some((_, password)) => Ok(AuthParamsResponse {
            salt: password.salt,
            kdf: password.kdf,
        }),
        None => state.secret.fake_params(&req.login_token),
    }
}

async fn party_register(state: AppState, client: Client, req: PartyRegister) -> Result<Session> {
    let nick = nick_token(req.nick.as_deref(), req.nick_token)?;
    check_password_params(&req.salt, &req.kdf, &req.auth_key)?;
    check_keys(&req.public_keys)?;
    if req.public_keys.version != 1 {
        return Err(Error::bad_request("a new party's public_keys.version is 1"));
    }
    let (device, session) = new_device(device_name(&req.device_name)?);
    let password = credentials::password_record(req.salt, req.kdf, req.auth_key).await?;
    let party = NewParty {
        party_id: new_id(),
        nick,
        searchable: req.searchable,
        password,
        keyring: req.keyring,
        public_keys: req.public_keys,
        device,
    };
    match state
        .store
        .register_party(&party, OffsetDateTime::now_utc())?
    {
        Ok(()) => Ok(Session {
            party_id: party.party_id,
            session,
            device_id: party.device.device_id,
        }),
        Err(reason) => {
            // Each refusal tells whether a token is held: a lookup, limited like one.
            state.limits.nick_probes_per_address.check(&client.addr)?;
            Err(Error::Conflict {
                message: match reason {
                    Unavailable::Taken => "this nick is taken".to_owned(),
                    Unavailable::Quarantine => {
                        "this nick was recently given up and is reserved".to_owned()
                    }
                },
                reason: Some(reason),
            })
        }
    }
}

async fn auth_login(state: AppState, client: Client, req: AuthLogin) -> Result<LoginResponse> {
    let name = device_name(&req.device_name)?;
    state.limits.login_per_address.check(&client.addr)?;
    state.limits.login_per_token.check(&req.login_token)?;
    let (party_id, auth_hash) = match state.store.password_by_token(&req.login_token)? {
        Some((party_id, password)) => (Some(party_id), Some(password.auth_hash)),
        None => (None, None),
    };
    let matches = credentials::verify(req.auth_key, auth_hash).await?;
    let Some(party_id) = party_id.filter(|_| matches) else {
        return Err(Error::Unauthorized);
    };
    let (device, session) = new_device(name);
    let keys = state
        .store
        .open_device(&party_id, &device, OffsetDateTime::now_utc())?
        .announce(&state.hub);
    Ok(LoginResponse {
        party_id,
        session,
        device_id: device.device_id,
        keyring: keys.keyring,
        public_keys: keys.public_keys,
    })
}

/// Ends a device's session and closes its sockets.
fn end_device(state: &AppState, party_id: &str, device_id: &str) -> Result<()> {
    let ended = state
        .store
        .end_device(party_id, device_id, OffsetDateTime::now_utc())?
        .ok_or_else(|| Error::not_found("no such device"))?;
    ended.announce(&state.hub);
    state.hub.revoke_device(party_id, device_id);
    Ok(())
}

async fn auth_logout(state: AppState, caller: Caller, _: AuthLogout) -> Result<Empty> {
    end_device(&state, &caller.party_id, &caller.device_id)?;
    Ok(Empty {})
}

async fn devices_list(
    state: AppState,
    caller: Caller,
    _: DevicesList,
) -> Result<DevicesListResponse> {
    Ok(DevicesListResponse {
        devices: devices_seen_by(&state, &caller)?,
    })
}

/// The party's live devices, the caller's marked `current` (also for `sync`).
pub(crate) fn devices_seen_by(state: &AppState, caller: &Caller) -> Result<Vec<Device>> {
    Ok(state
        .store
        .devices(&caller.party_id)?
        .into_iter()
        .map(|d| Device {
            current: d.device_id == caller.device_id,
            device_id: d.device_id,
            name: d.name,
            created_at: d.created_at,
            last_seen_at: d.last_seen_at,
        })
        .collect())
}

async fn devices_revoke(state: AppState, caller: Caller, req: DevicesRevoke) -> Result<Empty> {
    end_device(&state, &caller.party_id, &req.device_id)?;
    Ok(Empty {})
}

async fn password_change(state: AppState, caller: Caller, req: PasswordChange) -> Result<Empty> {
    check_password_params(&req.salt, &req.kdf, &req.auth_key)?;
    check_auth_key(&req.old_auth_key)?;
    state.limits.password_per_party.check(&caller.party_id)?;
    let current = state.store.password(&caller.party_id)?;
    if !credentials::verify(req.old_auth_key, Some(current.auth_hash)).await? {
        // Not `unauthorized`: the session is fine, and a client must not log out over a typo.
        return Err(Error::Forbidden("the old password is wrong".to_owned()));
    }
    let password = credentials::password_record(req.salt, req.kdf, req.auth_key).await?;
    state
        .store
        .set_password(&caller.party_id, &password, &req.keyring)?
        .announce(&state.hub);
    Ok(Empty {})
}

async fn keys_rotate(state: AppState, caller: Caller, req: KeysRotate) -> Result<Empty> {
    check_keys(&req.public_keys)?;
    let keys = PartyKeys {
        keyring: req.keyring,
        public_keys: req.public_keys,
    };
    state
        .store
        .rotate_keys(&caller.party_id, &keys)?
        .announce(&state.hub);
    Ok(Empty {})
}

/// The token and plain value of a recovery address.
fn recovery_address(address: &RecoveryAddress) -> Result<(TokenKind, Token, String)> {
    let (kind, value) = match (&address.email, &address.phone) {
        (Some(email), None) => (TokenKind::Email, email),
        (None, Some(phone)) => (TokenKind::Phone, phone),
        _ => return Err(Error::bad_request("give exactly one of email and phone")),
    };
    let (token, normalized) = address_token(kind, value, address.region.as_deref())?;
    Ok((kind, token, normalized))
}

async fn auth_recover_start(
    state: AppState,
    client: Client,
    req: AuthRecoverStart,
) -> Result<Empty> {
    let (kind, token, to) = recovery_address(&req.address)?;
    state.limits.recovery_per_address.check(&client.addr)?;
    state.limits.codes_per_destination.check(&token)?;
    let Some(party_id) = state.store.holder(&token)? else {
        return Ok(Empty {});
    };
    let code = new_code();
    let minutes = state.config.code_minutes;
    state.store.put_code(&Code {
        purpose: CodePurpose::Recover,
        party_id,
        token,
        hash: code_hash(&token, &code),
        expires_at: OffsetDateTime::now_utc() + time::Duration::minutes(minutes.into()),
        tries: state.config.code_tries,
    })?;
    // Sent in the background: how long the answer takes must not tell
    // whether the address belongs to anybody.
    let senders = state.senders.clone();
    tokio::spawn(async move {
        let message = CodeMessage {
            to,
            kind,
            code,
            purpose: Purpose::Recover,
            valid_minutes: minutes,
        };
        if let Err(e) = senders.send(message).await {
            tracing::error!(error = %e, "a recovery code could not be sent");
        }
    });
    Ok(Empty {})
}

async fn auth_recover_finish(
    state: AppState,
    client: Client,
    req: AuthRecoverFinish,
) -> Result<LoginResponse> {
    let (_, token, _) = recovery_address(&req.address)?;
    check_password_params(&req.salt, &req.kdf, &req.auth_key)?;
    check_keys(&req.public_keys)?;
    let (device, session) = new_device(device_name(&req.device_name)?);
    state.limits.recovery_per_address.check(&client.addr)?;
    let password = credentials::password_record(req.salt, req.kdf, req.auth_key).await?;
    let keys = PartyKeys {
        keyring: req.keyring,
        public_keys: req.public_keys,
    };
    let recovered = state
        .store
        .recover(
            &token,
            &code_hash(&token, &req.code),
            &password,
            &keys,
            &device,
            OffsetDateTime::now_utc(),
        )?
        .ok_or_else(|| Error::bad_request("wrong or expired code"))?
        .announce(&state.hub);
    for ended in &recovered.ended_devices {
        state.hub.revoke_device(&recovered.party_id, ended);
    }
    Ok(LoginResponse {
        party_id: recovered.party_id,
        session,
        device_id: device.device_id,
        keyring: keys.keyring,
        public_keys: keys.public_keys,
    })
}

async fn account_data_get(
    state: AppState,
    caller: Caller,
    _: AccountDataGet,
) -> Result<AccountData> {
    state.store.account_data(&caller.party_id)
}

async fn account_data_put(
    state: AppState,
    caller: Caller,
    req: AccountData,
) -> Result<AccountDataVersion> {
    let version = state
        .store
        .put_account_data(&caller.party_id, &req)?
        .announce(&state.hub);
    Ok(AccountDataVersion { version })
}

async fn parties_lookup(
    state: AppState,
    caller: Caller,
    req: PartiesLookup,
) -> Result<PartiesLookupResponse> {
    let (kind, token) = req.token.single().ok_or_else(|| {
        Error::bad_request("give exactly one of nick_token, email_token, phone_token")
    })?;
    state.limits.lookups_per_party.check(&caller.party_id)?;
    Ok(match state.store.searchable_party(kind, &token)? {
        Some((party_id, public_keys)) => PartiesLookupResponse::Found(PartyFound {
            party_id,
            public_keys,
        }),
        None => PartiesLookupResponse::NotFound(NotFound::VALUE),
    })
}
