//! Delivering and deleting items over HTTP against the real server: sizes,
//! counts, quotas, retries and expiry.

mod common;

use std::time::Duration;

use attesta_proto::api::{ConnectorsDeliver, ErrorCode, ItemsDelete};
use common::Server;
use common::peers::client_id;
use time::OffsetDateTime;

const KIB: usize = 1024;

#[tokio::test]
async fn the_fourth_hello_of_a_day_is_refused_and_refused_ones_do_not_count() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    let oversize = server
        .deliver(&alice, &id, &vec![0; 16 * KIB + 1])
        .await
        .unwrap_err();
    assert_eq!(oversize.code(), ErrorCode::TooLarge);
    for n in 0..3 {
        server
            .deliver(&alice, &id, format!("hello {n}").as_bytes())
            .await
            .expect("three HELLOs a day");
    }
    let fourth = server.deliver(&alice, &id, b"hello 3").await.unwrap_err();
    assert_eq!(fourth.code(), ErrorCode::Limit);
    let wait: u64 = fourth
        .retry_after
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After in seconds");
    assert!(
        wait > 23 * 3600 && wait <= 24 * 3600,
        "the oldest HELLO frees a place in a day, not {wait} s"
    );
    assert_eq!(
        server.all_items(&bob).await.len(),
        3,
        "the recipient got the three"
    );
}

#[tokio::test]
async fn a_hello_of_16_kib_passes_and_one_byte_more_is_too_large() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    let item = server
        .deliver(&alice, &id, &vec![7; 16 * KIB])
        .await
        .expect("16 KiB is a HELLO");
    assert_eq!(item.size, 16 * KIB as u64);
    let error = server
        .deliver(&alice, &id, &vec![7; 16 * KIB + 1])
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::TooLarge);
    assert_eq!(server.all_items(&bob).await, vec![item]);
}

#[tokio::test]
async fn an_accepted_connector_carries_blocks_up_to_the_block_maximum() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;

    let big = server
        .deliver(&alice, &id, &vec![1; 1024 * KIB])
        .await
        .expect("1 MiB is a block");
    assert_eq!(big.size, 1024 * 1024);
    let error = server
        .deliver(&alice, &id, &vec![1; 1024 * KIB + 1])
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::TooLarge);
    let received = server.all_items(&bob).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].data, big.data);
}

#[tokio::test]
async fn the_hourly_quota_refuses_deliveries_past_it() {
    let server = Server::start_with(&[
        "--quota-blocks-per-hour",
        "3",
        "--quota-bytes-per-hour",
        "2048",
    ]);
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;

    server
        .deliver(&alice, &id, &[0; 1500])
        .await
        .expect("within the bytes");
    let bytes = server.deliver(&alice, &id, &[0; 600]).await.unwrap_err();
    assert_eq!(bytes.code(), ErrorCode::Limit);
    assert!(bytes.retry_after.is_some());
    server
        .deliver(&alice, &id, &[0; 10])
        .await
        .expect("still within");
    server
        .deliver(&alice, &id, &[0; 10])
        .await
        .expect("the third block");
    let blocks = server.deliver(&alice, &id, &[0; 10]).await.unwrap_err();
    assert_eq!(blocks.code(), ErrorCode::Limit);
    server
        .deliver(&bob, &id, &[0; 10])
        .await
        .expect("the quota is per party");
    assert_eq!(server.all_items(&bob).await.len(), 4);
}

#[tokio::test]
async fn a_retried_delivery_with_the_same_client_id_returns_the_same_item() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let request = ConnectorsDeliver {
        connectors_id: id.clone(),
        data: b"once".to_vec(),
        client_id: client_id(),
        expires_at: None,
    };

    let first = server
        .call(Some(&alice.session), &request)
        .await
        .expect("delivering")
        .item;
    let retry = server
        .call(Some(&alice.session), &request)
        .await
        .expect("retrying")
        .item;
    assert_eq!(retry, first);
    assert_eq!(first.client_id, request.client_id);
    assert_eq!(first.author_party_id, alice.party_id);
    assert_eq!(first.author_device_id, alice.device_id);
    assert_eq!(server.all_items(&bob).await, vec![first.clone()]);
    assert_eq!(server.all_items(&alice).await, vec![first]);
}

#[tokio::test]
async fn an_expiry_in_the_past_is_a_bad_request() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let request = ConnectorsDeliver {
        connectors_id: id,
        data: b"late".to_vec(),
        client_id: client_id(),
        expires_at: Some(OffsetDateTime::now_utc() - Duration::from_secs(1)),
    };

    let error = server
        .call(Some(&alice.session), &request)
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BadRequest);
    assert!(server.all_items(&bob).await.is_empty());
}

#[tokio::test]
async fn an_expired_item_disappears_from_sync_and_shows_in_removed() {
    let server = Server::start_with(&["--expiry-sweep-secs", "1"]);
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let lasting = server
        .deliver(&alice, &id, b"stays")
        .await
        .expect("delivering");
    let request = ConnectorsDeliver {
        connectors_id: id,
        data: b"goes".to_vec(),
        client_id: client_id(),
        expires_at: Some(OffsetDateTime::now_utc() + Duration::from_secs(2)),
    };
    let fleeting = server
        .call(Some(&alice.session), &request)
        .await
        .expect("delivering")
        .item;
    let before = server.sync_from(&bob, None, None).await;
    assert_eq!(before.items, vec![lasting.clone(), fleeting.clone()]);

    tokio::time::sleep(Duration::from_secs(4)).await;
    let after = server.sync_from(&bob, Some(&before.cursor), None).await;
    assert_eq!(after.removed, vec![fleeting.id.clone()]);
    assert_eq!(server.all_items(&bob).await, vec![lasting.clone()]);
    assert_eq!(server.all_items(&alice).await, vec![lasting]);
}

#[tokio::test]
async fn only_its_author_deletes_an_item_and_everyone_sees_it_removed() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let item = server
        .deliver(&alice, &id, b"regret")
        .await
        .expect("delivering");
    let bobs_cursor = server.sync_from(&bob, None, None).await.cursor;
    let delete = ItemsDelete {
        item_id: item.id.clone(),
    };

    assert_eq!(
        server
            .call(Some(&bob.session), &delete)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    server
        .call(Some(&alice.session), &delete)
        .await
        .expect("the author deletes");
    assert_eq!(
        server
            .call(Some(&alice.session), &delete)
            .await
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
    let after = server.sync_from(&bob, Some(&bobs_cursor), None).await;
    assert_eq!(after.removed, vec![item.id]);
    assert!(server.all_items(&bob).await.is_empty());
    assert!(server.all_items(&alice).await.is_empty());
}

#[tokio::test]
async fn an_expired_item_is_never_synced_even_before_the_sweep_deletes_it() {
    let server = Server::start_with(&["--expiry-sweep-secs", "60"]);
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let request = ConnectorsDeliver {
        connectors_id: id,
        data: b"brief".to_vec(),
        client_id: client_id(),
        expires_at: Some(OffsetDateTime::now_utc() + Duration::from_secs(1)),
    };
    server
        .call(Some(&alice.session), &request)
        .await
        .expect("delivering");

    tokio::time::sleep(Duration::from_millis(1500)).await;
    let page = server.sync_from(&bob, None, None).await;
    assert!(page.items.is_empty(), "expired: {:?}", page.items);
}
