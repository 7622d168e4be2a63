//! What the server writes to its log, at debug level, while parties
//! register, log in, confirm addresses and recover: never a nick, an
//! address, a code, a session or a key.

mod common;

use attesta_proto::api::{
    AuthLogin, AuthRecoverStart, RecoveryAddress, TokenAddPhone, TokenConfirm,
};
use attesta_proto::encoding::to_b64;
use attesta_proto::tokens::Token;
use common::Server;

#[tokio::test]
async fn logs_never_contain_nicks_addresses_codes_sessions_or_keys() {
    let server = Server::start_logged();
    let alice = server.register("alice liddell").await;
    let add = TokenAddPhone {
        phone: "+14155550123".into(),
        region: None,
        searchable: true,
    };
    let added = server.as_party(&alice, &add).await.expect("added");
    let outbox = std::fs::read_to_string(server.outbox()).expect("outbox");
    let line: serde_json::Value = serde_json::from_str(outbox.trim()).expect("one line");
    let code = line["code"].as_str().expect("a code").to_owned();
    let wrong = TokenConfirm {
        token: added.token,
        code: "000000".into(),
    };
    let _ = server.as_party(&alice, &wrong).await;
    server
        .as_party(
            &alice,
            &TokenConfirm {
                token: added.token,
                code: code.clone(),
            },
        )
        .await
        .expect("ok");
    let login = AuthLogin {
        login_token: Token::nick("alice liddell").expect("nick"),
        auth_key: alice.auth_key.clone(),
        device_name: "second".into(),
    };
    let second = server.call(None, &login).await.expect("login");
    let address = RecoveryAddress {
        email: None,
        phone: Some("+14155550123".into()),
        region: None,
    };
    server
        .call(None, &AuthRecoverStart { address })
        .await
        .expect("recovery started");
    let _ = server
        .call(
            None,
            &AuthLogin {
                auth_key: vec![0; 32],
                ..login
            },
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let log = std::fs::read_to_string(server.log_path()).expect("the server log");
    assert!(!log.is_empty(), "the debug log was written");
    let secrets = [
        "alice liddell".to_owned(),
        "4155550123".to_owned(),
        code,
        alice.session.clone(),
        second.session.clone(),
        to_b64(&alice.auth_key),
        to_b64(&alice.keys.public().sign),
    ];
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "the log contains {secret:?}:\n{log}"
        );
    }
}
