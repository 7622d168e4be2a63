//! Crash safety: the server is killed (SIGKILL) in the middle of a stream of
//! deliveries from several senders and restarted on the same data directory.
//! Every delivery it answered is there, none twice, retries of the unanswered
//! ones land once each, and SQLite finds its file intact.

mod common;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use attesta_proto::api::{ConnectorsDeliver, ItemResponse};
use common::peers::client_id;
use common::{Party, Server};

/// A delivery as its sender made it, and whether the server answered 200.
struct Attempt {
    request: ConnectorsDeliver,
    session: String,
    answered: Option<ItemResponse>,
}

/// Delivers until the server stops answering; every attempt is kept.
async fn send_until_down(
    http: reqwest::Client,
    url: String,
    sender: Party,
    connector: String,
    answered: Arc<AtomicUsize>,
) -> Vec<Attempt> {
    let mut attempts = Vec::new();
    loop {
        let request = ConnectorsDeliver {
            connectors_id: connector.clone(),
            data: [attempts.len().to_be_bytes().as_slice(), &[0xA5; 2000]].concat(),
            client_id: client_id(),
            expires_at: None,
        };
        let sent = http
            .post(&url)
            .bearer_auth(&sender.session)
            .json(&request)
            .send()
            .await;
        let answer = match sent {
            Ok(response) if response.status() == 200 => response.json::<ItemResponse>().await.ok(),
            _ => None,
        };
        let down = answer.is_none();
        if !down {
            answered.fetch_add(1, Ordering::SeqCst);
        }
        attempts.push(Attempt {
            request,
            session: sender.session.clone(),
            answered: answer,
        });
        if down {
            return attempts;
        }
    }
}

#[tokio::test]
async fn a_killed_server_keeps_every_answered_delivery_once() {
    let mut server = Server::start();
    let reader = server.register("reader").await;
    let mut lanes = Vec::new();
    for name in ["anna", "benny", "cidre", "dotty"] {
        let sender = server.register(name).await;
        let connector = server.connect(&sender, &reader).await;
        lanes.push((sender, connector));
    }

    let answered = Arc::new(AtomicUsize::new(0));
    let url = server.method_url("connectors_deliver");
    let streams: Vec<_> = lanes
        .into_iter()
        .map(|(sender, connector)| {
            tokio::spawn(send_until_down(
                server.http.clone(),
                url.clone(),
                sender,
                connector,
                answered.clone(),
            ))
        })
        .collect();
    let midstream = async {
        while answered.load(Ordering::SeqCst) < 200 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), midstream)
        .await
        .expect("200 deliveries answered");
    server.kill();
    let mut attempts = Vec::new();
    for stream in streams {
        attempts.extend(stream.await.expect("a sender task"));
    }

    let database = server.data_dir.path().join("attesta.sqlite3");
    let check: String = rusqlite::Connection::open(&database)
        .and_then(|db| db.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .expect("opening the database the killed server left");
    assert_eq!(check, "ok");

    server.restart();
    let stored = server.all_items(&reader).await;
    let stored_ids: HashSet<_> = stored.iter().map(|item| item.id.clone()).collect();
    assert_eq!(stored_ids.len(), stored.len(), "no item twice");
    let answered: Vec<_> = attempts
        .iter()
        .filter_map(|a| a.answered.as_ref())
        .collect();
    assert!(answered.len() >= 200);
    for answer in &answered {
        assert!(
            stored.contains(&answer.item),
            "an answered delivery was lost: {}",
            answer.item.id
        );
    }

    // Retrying what was not answered: each lands once, whether or not it had.
    for attempt in attempts.iter().filter(|a| a.answered.is_none()) {
        server
            .call(Some(&attempt.session), &attempt.request)
            .await
            .expect("retrying after the restart");
        server
            .call(Some(&attempt.session), &attempt.request)
            .await
            .expect("and again");
    }
    let after = server.all_items(&reader).await;
    let client_ids: HashSet<_> = after.iter().map(|item| item.client_id).collect();
    assert_eq!(client_ids.len(), after.len(), "no delivery twice");
    assert_eq!(
        after.len(),
        attempts.len(),
        "every attempt is there exactly once"
    );
}
