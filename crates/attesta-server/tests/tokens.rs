mod common;

use std::path::Path;

use attesta_proto::api::{
    AuthLogin, AuthRecoverFinish, AuthRecoverStart, DevicesList, ErrorCode, PartiesLookup,
    PartiesLookupResponse, RecoveryAddress, SearchToken, TokenAddNick, TokenAddPhone, TokenCompute,
    TokenConfirm, TokenRemove, TokenSetSearchable, TokensList, Unavailable,
};
use attesta_proto::keys::PartyKeys;
use attesta_proto::password::{DEFAULT_KDF, new_salt};
use attesta_proto::tokens::{Token, TokenKind};
use common::{Party, Server};
use reqwest::StatusCode;

fn nick(value: &str) -> Token {
    Token::nick(value).expect("a valid nick")
}

fn add_nick(value: &str) -> TokenAddNick {
    TokenAddNick {
        nick_token: None,
        nick: Some(value.to_owned()),
        searchable: false,
    }
}

fn remove(token: Token) -> TokenRemove {
    TokenRemove { token }
}

/// The codes the server appended to its outbox file, in order, for one address.
fn codes_for(outbox: &Path, to: &str) -> Vec<String> {
    let text = std::fs::read_to_string(outbox).unwrap_or_default();
    text.lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("outbox lines are JSON"))
        .filter(|line| line["to"] == to)
        .map(|line| line["code"].as_str().expect("a code").to_owned())
        .collect()
}

#[tokio::test]
async fn a_sixth_nick_is_limited() {
    let server = Server::start();
    let alice = server.register("alice").await;
    for n in 2..=5 {
        let added = server
            .as_party(&alice, &add_nick(&format!("alice {n}")))
            .await
            .expect("added");
        assert_eq!(added.token, Some(nick(&format!("alice {n}"))));
    }
    let sixth = server
        .as_party(&alice, &add_nick("alice six"))
        .await
        .expect_err("sixth");
    assert_eq!(sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(sixth.code(), ErrorCode::Limit);
    let list = server.as_party(&alice, &TokensList {}).await.expect("list");
    assert_eq!(list.tokens.len(), 5);
    assert!(
        list.tokens
            .iter()
            .all(|t| t.kind == TokenKind::Nick && t.confirmed)
    );
}

#[tokio::test]
async fn a_removed_nick_is_reserved_for_its_owner_during_quarantine() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let mallory = server.register("mallory").await;
    server
        .as_party(&alice, &add_nick("alice spare"))
        .await
        .expect("added");

    let taken = server
        .as_party(&mallory, &add_nick("alice spare"))
        .await
        .expect("answered");
    assert_eq!(
        (taken.token, taken.reason),
        (None, Some(Unavailable::Taken))
    );

    server
        .as_party(&alice, &remove(nick("alice spare")))
        .await
        .expect("removed");
    let refused = server
        .as_party(&mallory, &add_nick("alice spare"))
        .await
        .expect("answered");
    assert_eq!(
        (refused.token, refused.reason),
        (None, Some(Unavailable::Quarantine))
    );
    let (mut register, _) = common::registration("alice spare");
    register.nick = Some("Alice  Spare".to_owned());
    let refused = server.call(None, &register).await.expect_err("quarantined");
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.body.error.reason, Some(Unavailable::Quarantine));

    let back = server
        .as_party(&alice, &add_nick("alice spare"))
        .await
        .expect("taken back");
    assert_eq!(back.token, Some(nick("alice spare")));
}

#[tokio::test]
async fn adding_a_held_nick_again_only_switches_its_searchability() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bob1").await;
    let lookup = PartiesLookup {
        token: SearchToken::of(TokenKind::Nick, nick("alice")),
    };
    let found = server.as_party(&bob, &lookup).await.expect("lookup");
    assert!(matches!(found, PartiesLookupResponse::Found(_)));
    let again = TokenAddNick {
        nick_token: Some(nick("alice")),
        nick: None,
        searchable: false,
    };
    server.as_party(&alice, &again).await.expect("same nick");
    let hidden = server.as_party(&bob, &lookup).await.expect("lookup");
    assert!(matches!(hidden, PartiesLookupResponse::NotFound(_)));
    assert_eq!(
        server
            .as_party(&alice, &TokensList {})
            .await
            .expect("list")
            .tokens
            .len(),
        1
    );
}

#[tokio::test]
async fn the_last_login_token_cannot_be_removed() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let refused = server
        .as_party(&alice, &remove(nick("alice")))
        .await
        .expect_err("last");
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let missing = server
        .as_party(&alice, &remove(nick("not hers")))
        .await
        .expect_err("missing");
    assert_eq!(missing.code(), ErrorCode::NotFound);

    server
        .as_party(&alice, &add_nick("alice two"))
        .await
        .expect("added");
    server
        .as_party(&alice, &remove(nick("alice")))
        .await
        .expect("removed");
    let again = server
        .as_party(&alice, &remove(nick("alice")))
        .await
        .expect_err("gone");
    assert_eq!(again.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn nick_removals_are_limited_per_thirty_days() {
    let server = Server::start_with(&["--nick-removals-per-30-days", "2"]);
    let alice = server.register("alice").await;
    for n in ["one", "two", "three"] {
        server
            .as_party(&alice, &add_nick(&format!("alice {n}")))
            .await
            .expect("added");
    }
    server
        .as_party(&alice, &remove(nick("alice one")))
        .await
        .expect("first removal");
    server
        .as_party(&alice, &remove(nick("alice two")))
        .await
        .expect("second removal");
    let limited = server
        .as_party(&alice, &remove(nick("alice three")))
        .await
        .expect_err("third");
    assert_eq!(limited.code(), ErrorCode::Limit);
    assert_eq!(
        server
            .as_party(&alice, &TokensList {})
            .await
            .expect("list")
            .tokens
            .len(),
        2
    );
}

#[tokio::test]
async fn token_compute_hashes_like_the_protocol_crate_and_refuses_bad_values() {
    let server = Server::start_with(&["--token-compute-per-hour", "3"]);
    let compute = |kind, value: &str| TokenCompute {
        kind,
        value: value.to_owned(),
        region: None,
    };
    let token = server
        .call(None, &compute(TokenKind::Nick, " Zoë  Q "))
        .await
        .expect("token")
        .token;
    assert_eq!(token, nick("zoë q"));
    let bad = server
        .call(None, &compute(TokenKind::Email, "no at sign"))
        .await
        .expect_err("bad");
    assert_eq!(bad.code(), ErrorCode::BadRequest);
    server
        .call(None, &compute(TokenKind::Phone, "+14155550123"))
        .await
        .expect("phone");
    let limited = server
        .call(None, &compute(TokenKind::Nick, "zoë q"))
        .await
        .expect_err("limit");
    assert_eq!(limited.code(), ErrorCode::Limit);
}

fn add_phone(number: &str, searchable: bool) -> TokenAddPhone {
    TokenAddPhone {
        phone: number.to_owned(),
        region: Some("US".to_owned()),
        searchable,
    }
}

async fn confirm_phone(server: &Server, outbox: &Path, party: &Party, number: &str) -> Token {
    let added = server
        .as_party(party, &add_phone(number, true))
        .await
        .expect("added");
    assert!(!added.confirmed);
    let code = codes_for(outbox, "+14155550123")
        .pop()
        .expect("a code in the outbox");
    let confirm = TokenConfirm {
        token: added.token,
        code,
    };
    let confirmed = server.as_party(party, &confirm).await.expect("confirmed");
    assert!(confirmed.confirmed);
    added.token
}

#[tokio::test]
async fn a_phone_number_is_confirmed_by_the_code_sent_to_it() {
    let server = Server::start_with_outbox(&[]);
    let outbox = server.outbox();
    let alice = server.register("alice").await;
    let bob = server.register("bob1").await;
    let added = server
        .as_party(&alice, &add_phone("(415) 555-0123", true))
        .await
        .expect("added");
    assert_eq!(
        added.token,
        Token::phone("+14155550123", None).expect("phone")
    );

    let waiting = server.as_party(&alice, &TokensList {}).await.expect("list");
    let phone = waiting
        .tokens
        .iter()
        .find(|t| t.token == added.token)
        .expect("listed");
    assert!(!phone.confirmed && !phone.searchable);
    let early = TokenSetSearchable {
        token: added.token,
        searchable: true,
    };
    assert_eq!(
        server
            .as_party(&alice, &early)
            .await
            .expect_err("unconfirmed")
            .code(),
        ErrorCode::Conflict
    );

    let code = codes_for(&outbox, "+14155550123")
        .pop()
        .expect("a code in the outbox");
    assert_eq!(code.len(), 6);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = TokenConfirm {
        token: added.token,
        code: wrong.to_owned(),
    };
    assert_eq!(
        server
            .as_party(&alice, &refused)
            .await
            .expect_err("wrong")
            .code(),
        ErrorCode::BadRequest
    );
    let confirm = TokenConfirm {
        token: added.token,
        code,
    };
    assert!(
        server
            .as_party(&alice, &confirm)
            .await
            .expect("confirmed")
            .confirmed
    );

    // The searchable wish given when adding applies on confirmation.
    let lookup = PartiesLookup {
        token: SearchToken::of(TokenKind::Phone, added.token),
    };
    match server.as_party(&bob, &lookup).await.expect("lookup") {
        PartiesLookupResponse::Found(found) => assert_eq!(found.party_id, alice.party_id),
        other => panic!("not found by phone: {other:?}"),
    }
    // And the number now logs in.
    let login = AuthLogin {
        login_token: added.token,
        auth_key: alice.auth_key.clone(),
        device_name: "tablet".into(),
    };
    server.call(None, &login).await.expect("login by phone");
}

#[tokio::test]
async fn a_code_is_used_up_after_five_wrong_tries() {
    let server = Server::start_with_outbox(&[]);
    let outbox = server.outbox();
    let alice = server.register("alice").await;
    let added = server
        .as_party(&alice, &add_phone("+14155550123", false))
        .await
        .expect("added");
    let code = codes_for(&outbox, "+14155550123").pop().expect("a code");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let refused = TokenConfirm {
            token: added.token,
            code: wrong.to_owned(),
        };
        server.as_party(&alice, &refused).await.expect_err("wrong");
    }
    let late = TokenConfirm {
        token: added.token,
        code,
    };
    assert_eq!(
        server
            .as_party(&alice, &late)
            .await
            .expect_err("used up")
            .code(),
        ErrorCode::BadRequest
    );
}

#[tokio::test]
async fn confirming_a_recycled_number_moves_it_from_its_former_holder() {
    let server = Server::start_with_outbox(&[]);
    let outbox = server.outbox();
    let alice = server.register("alice").await;
    let bob = server.register("bob1").await;
    let token = confirm_phone(&server, &outbox, &alice, "+14155550123").await;
    confirm_phone(&server, &outbox, &bob, "+14155550123").await;
    let alices = server.as_party(&alice, &TokensList {}).await.expect("list");
    assert!(
        alices.tokens.iter().all(|t| t.token != token),
        "alice lost the number"
    );
    let bobs = server.as_party(&bob, &TokensList {}).await.expect("list");
    assert!(bobs.tokens.iter().any(|t| t.token == token && t.confirmed));
}

#[tokio::test]
async fn sending_codes_to_one_number_is_rate_limited() {
    let server = Server::start_with_outbox(&["--codes-per-destination-per-hour", "2"]);
    let alice = server.register("alice").await;
    server
        .as_party(&alice, &add_phone("+14155550123", false))
        .await
        .expect("first");
    server
        .as_party(&alice, &add_phone("+14155550123", false))
        .await
        .expect("second");
    let limited = server
        .as_party(&alice, &add_phone("+14155550123", false))
        .await
        .expect_err("third");
    assert_eq!(limited.code(), ErrorCode::Limit);
    assert!(limited.retry_after.is_some());
}

#[tokio::test]
async fn recovery_by_a_confirmed_number_sets_new_keys_and_ends_old_sessions() {
    let server = Server::start_with_outbox(&[]);
    let outbox = server.outbox();
    let alice = server.register("alice").await;
    confirm_phone(&server, &outbox, &alice, "+14155550123").await;
    let address = RecoveryAddress {
        email: None,
        phone: Some("+1 415 555 0123".into()),
        region: None,
    };

    // An unknown number gets the same empty answer, and no code.
    let unknown = RecoveryAddress {
        email: None,
        phone: Some("+14155550188".into()),
        region: None,
    };
    server
        .call(None, &AuthRecoverStart { address: unknown })
        .await
        .expect("silently nothing");
    server
        .call(
            None,
            &AuthRecoverStart {
                address: address.clone(),
            },
        )
        .await
        .expect("started");
    let code = wait_for_code(&outbox, 2).await;

    let keys = PartyKeys::generate(2);
    let mut finish = AuthRecoverFinish {
        address,
        code: "not it".into(),
        salt: new_salt().to_vec(),
        kdf: DEFAULT_KDF,
        auth_key: vec![5; 32],
        keyring: b"new keyring".to_vec(),
        public_keys: keys.public().clone(),
        device_name: "new laptop".into(),
    };
    assert_eq!(
        server.call(None, &finish).await.expect_err("wrong").code(),
        ErrorCode::BadRequest
    );
    finish.public_keys = PartyKeys::generate(1).public().clone();
    finish.code = code.clone();
    let stale = server
        .call(None, &finish)
        .await
        .expect_err("keys must grow");
    assert_eq!(stale.code(), ErrorCode::BadRequest);
    finish.public_keys = keys.public().clone();
    let recovered = server
        .call(None, &finish)
        .await
        .expect("recovered with the same code");
    assert_eq!(recovered.party_id, alice.party_id);
    assert_eq!(&recovered.public_keys, keys.public());

    let old = server
        .as_party(&alice, &DevicesList {})
        .await
        .expect_err("old session ended");
    assert_eq!(old.code(), ErrorCode::Unauthorized);
    let devices = server
        .call(Some(&recovered.session), &DevicesList {})
        .await
        .expect("devices");
    assert_eq!(devices.devices.len(), 1);
    let login = AuthLogin {
        login_token: nick("alice"),
        auth_key: vec![5; 32],
        device_name: "x".into(),
    };
    server
        .call(None, &login)
        .await
        .expect("the new password logs in");
}

/// Recovery codes are sent in the background: waits for the `nth` code to the number.
async fn wait_for_code(outbox: &Path, nth: usize) -> String {
    for _ in 0..100 {
        if let Some(code) = codes_for(outbox, "+14155550123").get(nth - 1) {
            return code.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no recovery code arrived in the outbox");
}

#[tokio::test]
async fn a_party_sending_codes_to_many_numbers_is_rate_limited() {
    let server = Server::start_with_outbox(&["--codes-per-party-per-hour", "2"]);
    let alice = server.register("alice").await;
    server
        .as_party(&alice, &add_phone("+14155550123", false))
        .await
        .expect("first");
    server
        .as_party(&alice, &add_phone("+14155550124", false))
        .await
        .expect("second");
    let limited = server
        .as_party(&alice, &add_phone("+14155550125", false))
        .await
        .expect_err("third");
    assert_eq!(limited.code(), ErrorCode::Limit);
}

#[tokio::test]
async fn searchability_of_a_token_the_party_does_not_hold_is_not_found() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let foreign = TokenSetSearchable {
        token: nick("someone else"),
        searchable: true,
    };
    let refused = server
        .as_party(&alice, &foreign)
        .await
        .expect_err("not held");
    assert_eq!(refused.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn a_failed_delivery_is_an_internal_error_without_details() {
    // An SMTP port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
        .to_string();
    let args = [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port,
        "--smtp-tls",
        "none",
    ];
    let server = Server::start_with(&args);
    let alice = server.register("alice").await;
    let add = attesta_proto::api::TokenAddEmail {
        email: "alice@example.org".into(),
        searchable: false,
    };
    let failed = server
        .as_party(&alice, &add)
        .await
        .expect_err("no SMTP server");
    assert_eq!(failed.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(failed.body.error.message, "internal error");
    assert!(server.healthy().await);
}

#[tokio::test]
async fn recovery_tries_from_one_address_are_limited() {
    let server = Server::start_with_outbox(&["--login-per-address", "2"]);
    let start = |n: u32| AuthRecoverStart {
        address: RecoveryAddress {
            email: Some(format!("user{n}@example.org")),
            phone: None,
            region: None,
        },
    };
    server.call(None, &start(1)).await.expect("first");
    server.call(None, &start(2)).await.expect("second");
    let limited = server.call(None, &start(3)).await.expect_err("third");
    assert_eq!(limited.code(), ErrorCode::Limit);
}

#[tokio::test]
async fn refusals_that_reveal_a_held_token_are_limited_like_lookups() {
    let server = Server::start_with(&["--lookups-per-hour", "2"]);
    let alice = server.register("alice").await;
    let mallory = server.register("mallory").await;
    for _ in 0..2 {
        let taken = server
            .as_party(&mallory, &add_nick("alice"))
            .await
            .expect("answered");
        assert_eq!(taken.reason, Some(Unavailable::Taken));
    }
    let limited = server
        .as_party(&mallory, &add_nick("alice"))
        .await
        .expect_err("probing");
    assert_eq!(limited.code(), ErrorCode::Limit);
    // Adding free nicks is not a probe.
    server
        .as_party(&alice, &add_nick("alice two"))
        .await
        .expect("added");
    server
        .as_party(&alice, &add_nick("alice three"))
        .await
        .expect("added");
    server
        .as_party(&alice, &add_nick("alice four"))
        .await
        .expect("added");

    for _ in 0..2 {
        let refused = server
            .call(None, &common::registration("alice").0)
            .await
            .expect_err("taken");
        assert_eq!(refused.code(), ErrorCode::Conflict);
    }
    let limited = server
        .call(None, &common::registration("alice").0)
        .await
        .expect_err("probing");
    assert_eq!(limited.code(), ErrorCode::Limit);
}
