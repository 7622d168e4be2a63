//! `sync` over HTTP against the real server: order, paging, stable cursors.

mod common;

use attesta_proto::api::{
    ErrorCode, ItemsDelete, KeysRotate, MemberState, PasswordChange, Sync, SyncResponse,
};
use attesta_proto::keys::PartyKeys;
use attesta_proto::password::{DEFAULT_KDF, new_salt};
use common::Server;

#[tokio::test]
async fn more_items_than_the_limit_come_in_order_over_several_calls() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let mut sent = Vec::new();
    for n in 0..23 {
        sent.push(
            server
                .deliver(&alice, &id, format!("block {n}").as_bytes())
                .await
                .expect("delivering"),
        );
    }

    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let page = server.sync_from(&bob, cursor.as_deref(), Some(10)).await;
        pages.push((page.items.len(), page.more));
        cursor = Some(page.cursor.clone());
        sent.retain(|item| !page.items.contains(item));
        if !page.more {
            break;
        }
    }
    assert_eq!(pages, vec![(10, true), (10, true), (3, false)]);
    assert!(sent.is_empty(), "never handed out: {sent:?}");
}

#[tokio::test]
async fn pages_hold_each_item_once_and_in_delivery_order() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let mut sent = Vec::new();
    for n in 0..12 {
        let from = if n % 2 == 0 { &alice } else { &bob };
        sent.push(
            server
                .deliver(from, &id, format!("block {n}").as_bytes())
                .await
                .expect("delivering"),
        );
    }

    let mut received = Vec::new();
    let mut cursor = None;
    loop {
        let page = server.sync_from(&bob, cursor.as_deref(), Some(5)).await;
        received.extend(page.items);
        cursor = Some(page.cursor);
        if !page.more {
            break;
        }
    }
    assert_eq!(received, sent);
}

#[tokio::test]
async fn syncing_again_from_an_old_cursor_gives_the_same_items_minus_removed() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let start = server.sync_from(&bob, None, None).await.cursor;
    let first = server
        .deliver(&alice, &id, b"one")
        .await
        .expect("delivering");
    let second = server
        .deliver(&alice, &id, b"two")
        .await
        .expect("delivering");
    let third = server
        .deliver(&alice, &id, b"three")
        .await
        .expect("delivering");

    let once = server.sync_from(&bob, Some(&start), None).await;
    let twice = server.sync_from(&bob, Some(&start), None).await;
    assert_eq!(
        once.items,
        vec![first.clone(), second.clone(), third.clone()]
    );
    assert_eq!(twice.items, once.items);
    assert_eq!(twice.cursor, once.cursor);

    server
        .call(
            Some(&alice.session),
            &ItemsDelete {
                item_id: second.id.clone(),
            },
        )
        .await
        .expect("deleting");
    let again = server.sync_from(&bob, Some(&start), None).await;
    assert_eq!(again.items, vec![first, third]);
    assert_eq!(again.removed, vec![second.id]);
    let caught_up = server.sync_from(&bob, Some(&again.cursor), None).await;
    assert!(caught_up.items.is_empty() && caught_up.removed.is_empty() && !caught_up.more);
    assert_eq!(
        caught_up.cursor, again.cursor,
        "nothing new keeps the cursor"
    );
}

#[tokio::test]
async fn connectors_come_with_the_items_that_depend_on_them() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;
    let hello = server
        .deliver(&alice, &id, b"hello")
        .await
        .expect("a HELLO");

    let page = server.sync_from(&bob, None, None).await;
    let connector = page
        .connectors
        .iter()
        .find(|c| c.id == id)
        .expect("the connector comes along");
    assert_eq!(connector.state, MemberState::Waiting);
    assert_eq!(page.items, vec![hello]);

    server
        .call(
            Some(&bob.session),
            &attesta_proto::api::ConnectorsAccept {
                connectors_id: id.clone(),
            },
        )
        .await
        .expect("accepting");
    let next = server.sync_from(&alice, None, None).await;
    let connector = next
        .connectors
        .iter()
        .find(|c| c.id == id)
        .expect("the connector comes along");
    assert_eq!(
        connector.state,
        MemberState::Accepted,
        "the originator learns of the acceptance"
    );
}

#[tokio::test]
async fn a_cursor_this_server_never_gave_is_a_bad_request() {
    let server = Server::start();
    let alice = server.register("alice").await;
    for cursor in ["yesterday", "-1", ""] {
        let request = Sync {
            cursor: Some(cursor.to_owned()),
            limit: None,
        };
        let error = server
            .call(Some(&alice.session), &request)
            .await
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::BadRequest, "cursor {cursor:?}");
    }
}

#[tokio::test]
async fn sync_needs_a_session() {
    let server = Server::start();
    let error = server.call(None, &Sync::default()).await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Unauthorized);
}

#[tokio::test]
async fn sync_hands_out_500_items_by_default_and_never_more_than_5000() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let senders: Vec<_> = (0..8)
        .map(|lane| {
            let (server, alice, id) = (&server, &alice, &id);
            async move {
                for n in (lane..5001).step_by(8) {
                    server
                        .deliver(alice, id, &u32::to_be_bytes(n))
                        .await
                        .expect("delivering");
                }
            }
        })
        .collect();
    futures_util::future::join_all(senders).await;

    let default = server.sync_from(&bob, None, None).await;
    assert_eq!((default.items.len(), default.more), (500, true));
    let capped = server.sync_from(&bob, None, Some(1_000_000)).await;
    assert_eq!((capped.items.len(), capped.more), (5000, true));
    let rest = server
        .sync_from(&bob, Some(&capped.cursor), Some(1_000_000))
        .await;
    assert_eq!((rest.items.len(), rest.more), (1, false));
}

#[tokio::test]
async fn a_partys_other_devices_sync_what_it_sent() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let phone = server.second_device(&alice).await;

    let sent = server
        .deliver(&alice, &id, b"from the laptop")
        .await
        .expect("delivering");
    let request = Sync::default();
    let page = server
        .call(Some(&phone.session), &request)
        .await
        .expect("the phone syncs");
    assert_eq!(page.items, vec![sent]);
    assert_ne!(page.items[0].author_device_id, phone.device_id);
}

#[tokio::test]
async fn the_partys_own_state_comes_when_it_changed() {
    let server = Server::start();
    let alice = server.register("alice").await;

    let first = server.sync_from(&alice, None, None).await;
    let party = first.party.expect("a new party's state is news");
    assert_eq!(party.party_id, alice.party_id);
    assert_eq!(&party.public_keys, alice.keys.public());
    assert_eq!(party.devices.len(), 1);
    assert!(party.devices[0].current);
    assert!(!party.tokens.is_empty(), "the first nick is there");
    let quiet = server.sync_from(&alice, Some(&first.cursor), None).await;
    assert!(quiet.party.is_none(), "nothing changed since");

    let phone = server.second_device(&alice).await;
    let later = server.sync_from(&alice, Some(&first.cursor), None).await;
    let devices = later.party.expect("a new device is news").devices;
    assert!(
        devices
            .iter()
            .any(|d| d.device_id == phone.device_id && !d.current)
    );
}

#[tokio::test]
async fn a_peers_new_keys_reach_everyone_who_shares_a_connector_with_it() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let carol = server.register("carol").await;
    let id = server.connect(&alice, &bob).await;
    let cursor = server.sync_from(&bob, None, None).await.cursor;
    let carols = server.sync_from(&carol, None, None).await.cursor;

    let keys = PartyKeys::generate(2);
    let rotate = KeysRotate {
        public_keys: keys.public().clone(),
        keyring: b"sealed".to_vec(),
    };
    server
        .call(Some(&alice.session), &rotate)
        .await
        .expect("rotating");
    let page = server.sync_from(&bob, Some(&cursor), None).await;
    let connector = page
        .connectors
        .iter()
        .find(|c| c.id == id)
        .expect("the connector changed");
    assert_eq!(
        connector.peer.as_ref().map(|p| &p.public_keys),
        Some(keys.public())
    );
    let unrelated = server.sync_from(&carol, Some(&carols), None).await;
    assert!(
        unrelated.connectors.is_empty(),
        "carol shares nothing with alice"
    );
}

/// One `sync` from `cursor` with a session of another device.
async fn sync_as(server: &Server, session: &str, cursor: &str) -> SyncResponse {
    let request = Sync {
        cursor: Some(cursor.to_owned()),
        limit: None,
    };
    server
        .call(Some(session), &request)
        .await
        .expect("sync answers")
}

#[tokio::test]
async fn the_partys_other_device_gets_the_new_keyring_in_sync_after_a_rotation() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let phone = server.second_device(&alice).await;
    let cursor = sync_as(&server, &phone.session, "0").await.cursor;

    let keys = PartyKeys::generate(2);
    let rotate = KeysRotate {
        public_keys: keys.public().clone(),
        keyring: b"sealed with version 2".to_vec(),
    };
    server
        .call(Some(&alice.session), &rotate)
        .await
        .expect("rotating");

    let page = sync_as(&server, &phone.session, &cursor).await;
    let party = page.party.expect("the party changed");
    assert_eq!(&party.public_keys, keys.public());
    assert_eq!(party.keyring, b"sealed with version 2");
}

#[tokio::test]
async fn the_partys_other_device_gets_the_resealed_keyring_in_sync_after_a_password_change() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let phone = server.second_device(&alice).await;
    let cursor = sync_as(&server, &phone.session, "0").await.cursor;

    let change = PasswordChange {
        old_auth_key: alice.auth_key.clone(),
        salt: new_salt().to_vec(),
        kdf: DEFAULT_KDF,
        auth_key: vec![9; 32],
        keyring: b"resealed under the new password".to_vec(),
    };
    server.as_party(&alice, &change).await.expect("changed");

    let page = sync_as(&server, &phone.session, &cursor).await;
    let party = page.party.expect("the party changed");
    assert_eq!(party.keyring, b"resealed under the new password");
    assert_eq!(&party.public_keys, alice.keys.public(), "same keys");
}

#[tokio::test]
async fn a_page_of_large_blocks_stops_at_32_mib_and_says_more() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let block = vec![9; 1024 * 1024];
    for _ in 0..40 {
        server
            .deliver(&alice, &id, &block)
            .await
            .expect("delivering a megabyte");
    }

    let first = server.sync_from(&bob, None, None).await;
    assert!(first.more, "40 MiB do not fit one answer");
    assert!(
        (32..=33).contains(&first.items.len()),
        "{} items",
        first.items.len()
    );
    let rest = server.sync_from(&bob, Some(&first.cursor), None).await;
    assert_eq!(first.items.len() + rest.items.len(), 40);
    assert!(!rest.more);
}
