mod common;

use attesta_proto::api::{
    AccountData, AccountDataGet, AuthLogin, AuthLogout, AuthParams, DevicesList, DevicesRevoke,
    ErrorCode, KeysRotate, PartiesLookup, PartiesLookupResponse, PasswordChange, SearchToken,
    TokenSetSearchable, Unavailable,
};
use attesta_proto::keys::PartyKeys;
use attesta_proto::password::{DEFAULT_KDF, new_salt};
use attesta_proto::tokens::{Token, TokenKind};
use common::{Party, Server, registration};
use reqwest::StatusCode;

fn login(party: &Party, auth_key: &[u8]) -> AuthLogin {
    AuthLogin {
        login_token: Token::nick(&party.nick).expect("a valid nick"),
        auth_key: auth_key.to_vec(),
        device_name: "phone".to_owned(),
    }
}

#[tokio::test]
async fn a_registered_party_logs_in_on_a_second_device_with_its_keys() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let second = server
        .call(None, &login(&alice, &alice.auth_key))
        .await
        .expect("login");
    assert_eq!(second.party_id, alice.party_id);
    assert_ne!(second.session, alice.session);
    assert_eq!(&second.public_keys, alice.keys.public());
    assert_eq!(second.keyring, b"sealed keyring");

    let devices = server
        .call(Some(&second.session), &DevicesList {})
        .await
        .expect("devices");
    assert_eq!(devices.devices.len(), 2);
    let current: Vec<_> = devices.devices.iter().filter(|d| d.current).collect();
    assert_eq!(current.len(), 1);
    assert_eq!(current[0].device_id, second.device_id);
    assert_eq!(current[0].name, "phone");
}

#[tokio::test]
async fn auth_params_give_the_chosen_salt_and_a_stable_fake_for_unknown_tokens() {
    let server = Server::start();
    let (request, _) = registration("alice");
    let salt = request.salt.clone();
    server.call(None, &request).await.expect("registered");
    let known = AuthParams {
        login_token: Token::nick("alice").expect("nick"),
    };
    let params = server.call(None, &known).await.expect("params");
    assert_eq!(params.salt, salt);
    assert_eq!(params.kdf, DEFAULT_KDF);

    let unknown = AuthParams {
        login_token: Token::nick("nobody here").expect("nick"),
    };
    let first = server.call(None, &unknown).await.expect("fake params");
    let again = server.call(None, &unknown).await.expect("fake params");
    assert_eq!(first, again, "a fake salt must not change between calls");
    assert_eq!(first.salt.len(), 16);
    assert_eq!(first.kdf, DEFAULT_KDF);
    let other = AuthParams {
        login_token: Token::nick("somebody else").expect("nick"),
    };
    assert_ne!(
        server.call(None, &other).await.expect("fake params").salt,
        first.salt
    );
}

#[tokio::test]
async fn unknown_and_wrong_password_logins_are_indistinguishable() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let wrong = server
        .call(None, &login(&alice, &[7; 32]))
        .await
        .expect_err("wrong key");
    let mut unknown_request = login(&alice, &alice.auth_key);
    unknown_request.login_token = Token::nick("nobody at all").expect("nick");
    let unknown = server
        .call(None, &unknown_request)
        .await
        .expect_err("unknown token");
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status, unknown.status);
    assert_eq!(wrong.body, unknown.body);
}

#[tokio::test]
async fn too_many_logins_for_one_token_are_limited_with_retry_after() {
    let server = Server::start_with(&["--login-per-token", "3"]);
    let alice = server.register("alice").await;
    for _ in 0..3 {
        let refused = server
            .call(None, &login(&alice, &[1; 32]))
            .await
            .expect_err("wrong key");
        assert_eq!(refused.code(), ErrorCode::Unauthorized);
    }
    let limited = server
        .call(None, &login(&alice, &alice.auth_key))
        .await
        .expect_err("limited");
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.code(), ErrorCode::Limit);
    let wait: u64 = limited
        .retry_after
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=15 * 60).contains(&wait), "{wait}");
}

#[tokio::test]
async fn logins_from_one_address_are_limited() {
    let server = Server::start_with(&["--login-per-address", "2"]);
    let alice = server.register("alice").await;
    let bob = server.register("bob1").await;
    server
        .call(None, &login(&alice, &alice.auth_key))
        .await
        .expect("first");
    server
        .call(None, &login(&bob, &bob.auth_key))
        .await
        .expect("second");
    let limited = server
        .call(None, &login(&bob, &bob.auth_key))
        .await
        .expect_err("third");
    assert_eq!(limited.code(), ErrorCode::Limit);
}

#[tokio::test]
async fn a_taken_nick_cannot_be_registered_again() {
    let server = Server::start();
    server.register("alice").await;
    let (again, _) = registration("  ALICE ");
    let refused = server.call(None, &again).await.expect_err("taken");
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body.error.reason, Some(Unavailable::Taken));
}

#[tokio::test]
async fn registration_refuses_forged_keys_a_wrong_version_and_weak_parameters() {
    let server = Server::start();
    let (mut forged, _) = registration("alice");
    forged.public_keys.dh = PartyKeys::generate(1).public().dh;
    assert_eq!(
        server.call(None, &forged).await.expect_err("forged").code(),
        ErrorCode::BadRequest
    );

    let (mut later, _) = registration("alice");
    later.public_keys = PartyKeys::generate(2).public().clone();
    assert_eq!(
        server.call(None, &later).await.expect_err("version").code(),
        ErrorCode::BadRequest
    );

    let (mut weak, _) = registration("alice");
    weak.kdf.m_kib = 1024;
    assert_eq!(
        server.call(None, &weak).await.expect_err("weak").code(),
        ErrorCode::BadRequest
    );

    let (mut both, _) = registration("alice");
    both.nick_token = Some(Token::nick("alice").expect("nick"));
    assert_eq!(
        server.call(None, &both).await.expect_err("both").code(),
        ErrorCode::BadRequest
    );

    let (mut invalid, _) = registration("alice");
    invalid.nick = Some("a@b".to_owned());
    assert_eq!(
        server.call(None, &invalid).await.expect_err("nick").code(),
        ErrorCode::BadRequest
    );

    let (mut nameless, _) = registration("alice");
    nameless.device_name = "  ".to_owned();
    assert_eq!(
        server.call(None, &nameless).await.expect_err("name").code(),
        ErrorCode::BadRequest
    );

    // None of the refusals took the nick.
    server.register("alice").await;
}

#[tokio::test]
async fn a_logged_out_session_no_longer_works() {
    let server = Server::start();
    let alice = server.register("alice").await;
    server
        .as_party(&alice, &AuthLogout {})
        .await
        .expect("logout");
    let refused = server
        .as_party(&alice, &DevicesList {})
        .await
        .expect_err("ended");
    assert_eq!(refused.code(), ErrorCode::Unauthorized);
    let none = server
        .call(None, &DevicesList {})
        .await
        .expect_err("no session");
    assert_eq!(none.code(), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn a_revoked_device_loses_its_session_at_once() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let phone = server
        .call(None, &login(&alice, &alice.auth_key))
        .await
        .expect("login");
    let revoke = DevicesRevoke {
        device_id: phone.device_id.clone(),
    };
    server.as_party(&alice, &revoke).await.expect("revoked");
    let refused = server
        .call(Some(&phone.session), &DevicesList {})
        .await
        .expect_err("revoked");
    assert_eq!(refused.code(), ErrorCode::Unauthorized);
    let devices = server
        .as_party(&alice, &DevicesList {})
        .await
        .expect("devices");
    assert_eq!(devices.devices.len(), 1);

    let again = server
        .as_party(&alice, &revoke)
        .await
        .expect_err("already revoked");
    assert_eq!(again.code(), ErrorCode::NotFound);
    let bob = server.register("bob1").await;
    let foreign = DevicesRevoke {
        device_id: bob.device_id.clone(),
    };
    let refused = server
        .as_party(&alice, &foreign)
        .await
        .expect_err("not alice's");
    assert_eq!(refused.code(), ErrorCode::NotFound);
    server
        .as_party(&bob, &DevicesList {})
        .await
        .expect("bob still logged in");
}

#[tokio::test]
async fn a_password_change_needs_the_old_password_and_replaces_it() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let new_key = vec![9; 32];
    let mut change = PasswordChange {
        old_auth_key: vec![1; 32],
        salt: new_salt().to_vec(),
        kdf: DEFAULT_KDF,
        auth_key: new_key.clone(),
        keyring: b"resealed".to_vec(),
    };
    let refused = server
        .as_party(&alice, &change)
        .await
        .expect_err("wrong old key");
    assert_eq!(refused.code(), ErrorCode::Forbidden);
    change.old_auth_key = alice.auth_key.clone();
    server.as_party(&alice, &change).await.expect("changed");

    let old = server
        .call(None, &login(&alice, &alice.auth_key))
        .await
        .expect_err("old key");
    assert_eq!(old.code(), ErrorCode::Unauthorized);
    let new = server
        .call(None, &login(&alice, &new_key))
        .await
        .expect("new key");
    assert_eq!(new.keyring, b"resealed");
    let params = AuthParams {
        login_token: Token::nick("alice").expect("nick"),
    };
    assert_eq!(
        server.call(None, &params).await.expect("params").salt,
        change.salt
    );
}

#[tokio::test]
async fn rotated_keys_must_grow_in_version_and_verify() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let same = KeysRotate {
        public_keys: PartyKeys::generate(1).public().clone(),
        keyring: vec![1],
    };
    let refused = server
        .as_party(&alice, &same)
        .await
        .expect_err("same version");
    assert_eq!(refused.code(), ErrorCode::BadRequest);
    let mut forged = KeysRotate {
        public_keys: PartyKeys::generate(2).public().clone(),
        keyring: vec![1],
    };
    forged.public_keys.dh_sig[0] ^= 1;
    let refused = server.as_party(&alice, &forged).await.expect_err("forged");
    assert_eq!(refused.code(), ErrorCode::BadRequest);

    let next = PartyKeys::generate(2);
    let rotate = KeysRotate {
        public_keys: next.public().clone(),
        keyring: b"v2 keyring".to_vec(),
    };
    server.as_party(&alice, &rotate).await.expect("rotated");
    let logged_in = server
        .call(None, &login(&alice, &alice.auth_key))
        .await
        .expect("login");
    assert_eq!(&logged_in.public_keys, next.public());
    assert_eq!(logged_in.keyring, b"v2 keyring");
}

#[tokio::test]
async fn account_data_refuses_a_stale_version() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let empty = server
        .as_party(&alice, &AccountDataGet {})
        .await
        .expect("get");
    assert_eq!(
        empty,
        AccountData {
            data: vec![],
            version: 0
        }
    );
    let put = AccountData {
        data: b"sealed profile".to_vec(),
        version: 0,
    };
    assert_eq!(server.as_party(&alice, &put).await.expect("put").version, 1);
    let stale = server.as_party(&alice, &put).await.expect_err("stale");
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let stored = server
        .as_party(&alice, &AccountDataGet {})
        .await
        .expect("get");
    assert_eq!(
        stored,
        AccountData {
            data: b"sealed profile".to_vec(),
            version: 1
        }
    );
}

#[tokio::test]
async fn lookups_find_searchable_tokens_only_and_are_limited() {
    let server = Server::start_with(&["--lookups-per-hour", "3"]);
    let alice = server.register("alice").await;
    let bob = server.register("bob1").await;
    let by_nick = PartiesLookup {
        token: SearchToken::of(TokenKind::Nick, Token::nick("alice").expect("nick")),
    };
    match server.as_party(&bob, &by_nick).await.expect("lookup") {
        PartiesLookupResponse::Found(found) => {
            assert_eq!(found.party_id, alice.party_id);
            assert_eq!(&found.public_keys, alice.keys.public());
        }
        other => panic!("alice not found: {other:?}"),
    }
    let hide = TokenSetSearchable {
        token: Token::nick("alice").expect("nick"),
        searchable: false,
    };
    server.as_party(&alice, &hide).await.expect("hidden");
    let hidden = server.as_party(&bob, &by_nick).await.expect("lookup");
    assert!(
        matches!(hidden, PartiesLookupResponse::NotFound(_)),
        "{hidden:?}"
    );

    let none = PartiesLookup {
        token: SearchToken::default(),
    };
    assert_eq!(
        server
            .as_party(&bob, &none)
            .await
            .expect_err("no token")
            .code(),
        ErrorCode::BadRequest
    );

    server.as_party(&bob, &by_nick).await.expect("third lookup");
    let limited = server
        .as_party(&bob, &by_nick)
        .await
        .expect_err("fourth lookup");
    assert_eq!(limited.code(), ErrorCode::Limit);
}

#[tokio::test]
async fn guessing_the_old_password_is_limited() {
    let server = Server::start_with(&["--login-per-token", "2"]);
    let alice = server.register("alice").await;
    let change = PasswordChange {
        old_auth_key: vec![1; 32],
        salt: new_salt().to_vec(),
        kdf: DEFAULT_KDF,
        auth_key: vec![2; 32],
        keyring: vec![3],
    };
    for _ in 0..2 {
        let refused = server
            .as_party(&alice, &change)
            .await
            .expect_err("wrong old key");
        assert_eq!(refused.code(), ErrorCode::Forbidden);
    }
    let limited = server.as_party(&alice, &change).await.expect_err("limited");
    assert_eq!(limited.code(), ErrorCode::Limit);
}
