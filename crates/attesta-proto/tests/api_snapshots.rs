//! The JSON of every API request and response, pinned: a change to a field
//! name, an optional field's absence or an encoding shows up as a snapshot diff.

#![allow(clippy::unwrap_used)]

use attesta_proto::api::*;
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-22 10:00 UTC);
const T1: OffsetDateTime = datetime!(2026-11-23 08:30:15 UTC);

fn token(n: u8) -> Token {
    Token([n; 36])
}

fn keys() -> PublicKeys {
    PublicKeys {
        version: 2,
        sign: [1; 32],
        dh: [2; 32],
        dh_sig: [3; 64],
    }
}

fn kdf() -> Kdf {
    Kdf {
        alg: KdfAlg::Argon2id,
        m_kib: 65536,
        t: 3,
        p: 1,
    }
}

fn device() -> Device {
    Device {
        device_id: "dev-1".into(),
        name: "Laptop".into(),
        created_at: T0,
        last_seen_at: T1,
        current: true,
    }
}

fn token_info() -> TokenInfo {
    TokenInfo {
        token: token(4),
        kind: TokenKind::Email,
        searchable: true,
        confirmed: false,
        created_at: T0,
    }
}

fn p2p_connector() -> Connector {
    Connector {
        id: "conn-1".into(),
        kind: ConnectorKind::P2p,
        state: MemberState::Waiting,
        role: Role::Originator,
        peer: Some(Peer {
            party_id: "party-b".into(),
            public_keys: keys(),
        }),
        members: None,
        created_at: T0,
        updated_at: T1,
    }
}

fn group_connector() -> Connector {
    Connector {
        id: "group-1".into(),
        kind: ConnectorKind::Group,
        state: MemberState::Accepted,
        role: Role::Owner,
        peer: None,
        members: Some(vec![Member {
            party_id: "party-b".into(),
            public_keys: keys(),
            role: Role::Member,
            state: MemberState::Removed,
        }]),
        created_at: T0,
        updated_at: T1,
    }
}

fn item() -> Item {
    Item {
        id: "item-1".into(),
        connectors_id: "conn-1".into(),
        author_party_id: "party-a".into(),
        author_device_id: "dev-1".into(),
        client_id: [5; 16],
        created_at: T0,
        expires_at: Some(T1),
        size: 3,
        data: vec![1, 2, 3],
    }
}

fn address() -> RecoveryAddress {
    RecoveryAddress {
        email: None,
        phone: Some("+41 79 123 45 67".into()),
        region: Some("CH".into()),
    }
}

#[test]
fn error_bodies() {
    let body = ErrorBody {
        error: ErrorDetail {
            code: ErrorCode::Conflict,
            message: "nick taken".into(),
            reason: Some(Unavailable::Quarantine),
        },
    };
    insta::assert_json_snapshot!("error_body", body);
    insta::assert_json_snapshot!("empty", Empty {});
    insta::assert_json_snapshot!("not_found", NotFound::VALUE);
    insta::assert_json_snapshot!(
        "health",
        Health {
            status: "ok".into()
        }
    );
}

#[test]
fn account_methods() {
    insta::assert_json_snapshot!(
        "auth_params",
        AuthParams {
            login_token: token(1)
        }
    );
    insta::assert_json_snapshot!(
        "auth_params_response",
        AuthParamsResponse {
            salt: vec![9; 16],
            kdf: kdf()
        }
    );
    let register = PartyRegister {
        nick: Some("ada".into()),
        nick_token: None,
        searchable: true,
        salt: vec![9; 16],
        kdf: kdf(),
        auth_key: vec![7; 32],
        keyring: vec![8; 10],
        public_keys: keys(),
        device_name: "Laptop".into(),
    };
    insta::assert_json_snapshot!("party_register", register);
    let session = Session {
        party_id: "party-a".into(),
        session: "s3cr3t".into(),
        device_id: "dev-1".into(),
    };
    insta::assert_json_snapshot!("session", session);
    let login = AuthLogin {
        login_token: token(1),
        auth_key: vec![7; 32],
        device_name: "Phone".into(),
    };
    insta::assert_json_snapshot!("auth_login", login);
    let login_response = LoginResponse {
        party_id: "party-a".into(),
        session: "s3cr3t".into(),
        device_id: "dev-2".into(),
        keyring: vec![8; 10],
        public_keys: keys(),
    };
    insta::assert_json_snapshot!("login_response", login_response);
    insta::assert_json_snapshot!("auth_logout", AuthLogout {});
    insta::assert_json_snapshot!("devices_list", DevicesList {});
    insta::assert_json_snapshot!(
        "devices_list_response",
        DevicesListResponse {
            devices: vec![device()]
        }
    );
    insta::assert_json_snapshot!(
        "devices_revoke",
        DevicesRevoke {
            device_id: "dev-2".into()
        }
    );
    let change = PasswordChange {
        old_auth_key: vec![6; 32],
        salt: vec![9; 16],
        kdf: kdf(),
        auth_key: vec![7; 32],
        keyring: vec![8; 10],
    };
    insta::assert_json_snapshot!("password_change", change);
    insta::assert_json_snapshot!(
        "keys_rotate",
        KeysRotate {
            public_keys: keys(),
            keyring: vec![8; 10]
        }
    );
    insta::assert_json_snapshot!(
        "auth_recover_start",
        AuthRecoverStart { address: address() }
    );
    let finish = AuthRecoverFinish {
        address: RecoveryAddress {
            email: Some("ada@example.org".into()),
            phone: None,
            region: None,
        },
        code: "123456".into(),
        salt: vec![9; 16],
        kdf: kdf(),
        auth_key: vec![7; 32],
        keyring: vec![8; 10],
        public_keys: keys(),
        device_name: "Laptop".into(),
    };
    insta::assert_json_snapshot!("auth_recover_finish", finish);
    insta::assert_json_snapshot!("account_data_get", AccountDataGet {});
    insta::assert_json_snapshot!(
        "account_data",
        AccountData {
            data: vec![1, 2, 3],
            version: 4
        }
    );
    insta::assert_json_snapshot!("account_data_version", AccountDataVersion { version: 5 });
    let lookup = PartiesLookup {
        token: SearchToken::of(TokenKind::Nick, token(2)),
    };
    insta::assert_json_snapshot!("parties_lookup", lookup);
    let found = PartiesLookupResponse::Found(PartyFound {
        party_id: "party-b".into(),
        public_keys: keys(),
    });
    insta::assert_json_snapshot!("parties_lookup_response_found", found);
    let not_found = PartiesLookupResponse::NotFound(NotFound::VALUE);
    insta::assert_json_snapshot!("parties_lookup_response_not_found", not_found);
}

#[test]
fn token_methods() {
    let compute = TokenCompute {
        kind: TokenKind::Phone,
        value: "079 123 45 67".into(),
        region: Some("CH".into()),
    };
    insta::assert_json_snapshot!("token_compute", compute);
    insta::assert_json_snapshot!("token_response", TokenResponse { token: token(3) });
    let add_nick = TokenAddNick {
        nick_token: None,
        nick: Some("ada".into()),
        searchable: false,
    };
    insta::assert_json_snapshot!("token_add_nick", add_nick);
    let taken = TokenAddNickResponse {
        token: None,
        reason: Some(Unavailable::Taken),
    };
    insta::assert_json_snapshot!("token_add_nick_response", taken);
    let email = TokenAddEmail {
        email: "ada@example.org".into(),
        searchable: true,
    };
    insta::assert_json_snapshot!("token_add_email", email);
    let phone = TokenAddPhone {
        phone: "+41791234567".into(),
        region: None,
        searchable: false,
    };
    insta::assert_json_snapshot!("token_add_phone", phone);
    insta::assert_json_snapshot!(
        "token_confirmation",
        TokenConfirmation {
            token: token(4),
            confirmed: false
        }
    );
    insta::assert_json_snapshot!(
        "token_confirm",
        TokenConfirm {
            token: token(4),
            code: "123456".into()
        }
    );
    let searchable = TokenSetSearchable {
        token: token(4),
        searchable: true,
    };
    insta::assert_json_snapshot!("token_set_searchable", searchable);
    insta::assert_json_snapshot!("token_remove", TokenRemove { token: token(4) });
    insta::assert_json_snapshot!("tokens_list", TokensList {});
    insta::assert_json_snapshot!(
        "tokens_list_response",
        TokensListResponse {
            tokens: vec![token_info()]
        }
    );
}

#[test]
fn connector_methods() {
    let request = ConnectorsRequest {
        token: SearchToken::of(TokenKind::Email, token(4)),
    };
    insta::assert_json_snapshot!("connectors_request", request);
    let found = ConnectorsRequestResponse::Found(ConnectorResponse {
        connector: p2p_connector(),
    });
    insta::assert_json_snapshot!("connectors_request_response", found);
    insta::assert_json_snapshot!(
        "connector_response_group",
        ConnectorResponse {
            connector: group_connector()
        }
    );
    insta::assert_json_snapshot!(
        "connectors_accept",
        ConnectorsAccept {
            connectors_id: "conn-1".into()
        }
    );
    insta::assert_json_snapshot!(
        "connectors_block",
        ConnectorsBlock {
            connectors_id: "conn-1".into()
        }
    );
    insta::assert_json_snapshot!(
        "connectors_unblock",
        ConnectorsUnblock {
            connectors_id: "conn-1".into()
        }
    );
    insta::assert_json_snapshot!(
        "group_leave",
        GroupLeave {
            connectors_id: "group-1".into()
        }
    );
    let invite = GroupInvite {
        connectors_id: "group-1".into(),
        party_id: "party-b".into(),
    };
    insta::assert_json_snapshot!("group_invite", invite);
    let remove = GroupRemove {
        connectors_id: "group-1".into(),
        party_id: "party-b".into(),
    };
    insta::assert_json_snapshot!("group_remove", remove);
    insta::assert_json_snapshot!("connectors_list", ConnectorsList {});
    let list = ConnectorsListResponse {
        connectors: vec![p2p_connector(), group_connector()],
    };
    insta::assert_json_snapshot!("connectors_list_response", list);
    insta::assert_json_snapshot!("group_create", GroupCreate {});
    let deliver = ConnectorsDeliver {
        connectors_id: "conn-1".into(),
        data: vec![1, 2, 3],
        client_id: [5; 16],
        expires_at: Some(T1),
    };
    insta::assert_json_snapshot!("connectors_deliver", deliver);
}

#[test]
fn item_and_sync_methods() {
    insta::assert_json_snapshot!("item_response", ItemResponse { item: item() });
    insta::assert_json_snapshot!(
        "items_delete",
        ItemsDelete {
            item_id: "item-1".into()
        }
    );
    insta::assert_json_snapshot!(
        "sync",
        Sync {
            cursor: Some("c-41".into()),
            limit: Some(100)
        }
    );
    let response = SyncResponse {
        party: Some(PartyState {
            party_id: "party-a".into(),
            public_keys: keys(),
            keyring: vec![7; 8],
            tokens: vec![token_info()],
            devices: vec![device()],
            account_data_version: 4,
        }),
        connectors: vec![p2p_connector()],
        items: vec![item()],
        removed: vec!["item-0".into()],
        cursor: "c-42".into(),
        more: false,
    };
    insta::assert_json_snapshot!("sync_response", response);
    insta::assert_json_snapshot!("events_ticket", EventsTicket {});
    insta::assert_json_snapshot!(
        "events_ticket_response",
        EventsTicketResponse {
            ticket: "t-1".into()
        }
    );
    insta::assert_json_snapshot!(
        "push_event",
        PushEvent {
            cursor: "c-42".into()
        }
    );
}

#[test]
fn the_method_table_is_pinned() {
    insta::assert_json_snapshot!("method_names", METHOD_NAMES);
}
