//! The server under load: `connectors_deliver` throughput from concurrent
//! senders, and push latency (deliver → WebSocket notice → `sync`) under a
//! steady background load.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use attesta_proto::api::{ItemResponse, Sync, SyncResponse};
use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::server::{Api, Link, Peer, nick};

pub const DELIVER: &str = "connectors_deliver";

/// A ring of parties, each with an accepted connector to the next: party i
/// delivers to party i + 1, so every sender writes to a different recipient.
pub struct Ring {
    pub peers: Vec<Peer>,
    pub links: Vec<Link>,
}

impl Ring {
    pub async fn build(server_url: &str, size: usize) -> anyhow::Result<Ring> {
        let api = Api::new(server_url)?;
        let mut peers = Vec::with_capacity(size);
        for n in 0..size {
            peers.push(Peer::register(&api, &nick("bench ring", n)).await?);
        }
        let mut links = Vec::with_capacity(size);
        for (n, peer) in peers.iter().enumerate() {
            links.push(peer.connect(&api, &peers[(n + 1) % size]).await?);
        }
        Ok(Ring { peers, links })
    }
}

/// What one sender posts: its session and the request bodies, encoded.
pub struct Load {
    pub session: Option<String>,
    pub bodies: Vec<Vec<u8>>,
}

/// Posts every load to `method` at once, one keep-alive connection per
/// load, and answers the time from the common start until the last answer.
pub async fn post_concurrently(
    server_url: &str,
    method: &'static str,
    loads: Vec<Load>,
) -> anyhow::Result<Duration> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(loads.len() + 1));
    let mut senders = Vec::with_capacity(loads.len());
    for load in loads {
        let api = Api::new(server_url)?;
        api.warm().await?;
        let start = start.clone();
        senders.push(tokio::spawn(async move {
            start.wait().await;
            for body in load.bodies {
                api.post(method, load.session.as_deref(), body).await?;
            }
            anyhow::Ok(())
        }));
    }
    start.wait().await;
    let began = Instant::now();
    for sender in senders {
        sender.await.context("a sender task")??;
    }
    Ok(began.elapsed())
}

/// One run of the throughput figure.
pub struct Throughput {
    /// Deliveries per second.
    pub rate: f64,
    pub deliveries: usize,
    /// CPU time the server used during the deliveries (sealing excluded).
    pub server_cpu: Option<Duration>,
    /// CPU time the bench itself used during the deliveries.
    pub bench_cpu: Option<Duration>,
}

/// Deliveries per second with `senders` concurrent parties delivering
/// `total` blocks between them; `cpu_times` reads the server's and the
/// bench's CPU time, taken around the deliveries only.
pub async fn throughput(
    server_url: &str,
    ring: &Ring,
    senders: usize,
    total: usize,
    cpu_times: impl Fn() -> (Option<Duration>, Option<Duration>),
) -> anyhow::Result<Throughput> {
    if senders > ring.peers.len() {
        bail!("{senders} senders but only {} parties", ring.peers.len());
    }
    let each = total.div_ceil(senders);
    let mut loads = Vec::with_capacity(senders);
    for (peer, link) in ring.peers.iter().zip(&ring.links).take(senders) {
        loads.push(Load {
            session: Some(peer.session.clone()),
            bodies: peer.sealed_deliveries(link, each)?,
        });
    }
    let before = cpu_times();
    let elapsed = post_concurrently(server_url, DELIVER, loads).await?;
    let after = cpu_times();
    let used = |before: Option<Duration>, after: Option<Duration>| Some(after? - before?);
    Ok(Throughput {
        rate: crate::stats::per_second(each * senders, elapsed),
        deliveries: each * senders,
        server_cpu: used(before.0, after.0),
        bench_cpu: used(before.1, after.1),
    })
}

/// Per probe: from sending a delivery to its WebSocket notice at the
/// recipient, and to the end of the recipient's `sync` that returns it.
pub struct PushLatencies {
    pub notice: Vec<Duration>,
    pub synced: Vec<Duration>,
    /// The background rate reached (deliveries per second).
    pub background_rate: f64,
}

/// Background senders, each a separate party delivering to its own recipient.
const BACKGROUND_SENDERS: usize = 4;

/// Probes from ring party 0 to party 1, one every `spacing`, while parties
/// 2.. deliver `background_rate` items per second to parties 3.. (never to
/// party 1, so every notice on the measured socket is a probe's).
pub async fn push_latency(
    server_url: &str,
    ring: &Ring,
    probes: usize,
    spacing: Duration,
    background_rate: usize,
) -> anyhow::Result<PushLatencies> {
    if ring.peers.len() < 2 + BACKGROUND_SENDERS {
        bail!("the ring is too small for the push bench");
    }
    let (prober, recipient) = (&ring.peers[0], &ring.peers[1]);
    let probe_bodies = prober.sealed_deliveries(&ring.links[0], probes)?;
    let duration = spacing * u32::try_from(probes)?;
    let per_sender = background_rate.div_ceil(BACKGROUND_SENDERS);
    let background_items = per_sender * duration.as_secs().max(1) as usize + per_sender;
    let mut background = Vec::with_capacity(BACKGROUND_SENDERS);
    for n in 2..2 + BACKGROUND_SENDERS {
        background.push(Load {
            session: Some(ring.peers[n].session.clone()),
            bodies: ring.peers[n].sealed_deliveries(&ring.links[n], background_items)?,
        });
    }

    let recipient_api = Api::new(server_url)?;
    let mut cursor = sync_to_end(&recipient_api, &recipient.session, None).await?;
    let mut notices = listen(server_url, &recipient.session).await?;

    let stop = Instant::now() + duration + Duration::from_secs(5);
    let paced: Vec<_> = background
        .into_iter()
        .map(|load| {
            let api = Api::new(server_url);
            let interval = Duration::from_secs_f64(1.0 / per_sender as f64);
            tokio::spawn(async move { paced_deliveries(api?, load, interval, stop).await })
        })
        .collect();

    let prober_api = Api::new(server_url)?;
    prober_api.warm().await?;
    let mut latencies = PushLatencies {
        notice: Vec::with_capacity(probes),
        synced: Vec::with_capacity(probes),
        background_rate: 0.0,
    };
    let mut next = tokio::time::interval(spacing);
    for body in probe_bodies {
        next.tick().await;
        while notices.try_recv().is_ok() {}
        let sent = Instant::now();
        let answer = prober_api
            .post(DELIVER, Some(&prober.session), body)
            .await?;
        let item_id = serde_json::from_slice::<ItemResponse>(&answer)?.item.id;
        let noticed = tokio::time::timeout(Duration::from_secs(5), notices.recv())
            .await
            .context("no push notice within 5 s")?
            .context("the push socket closed")?;
        latencies.notice.push(noticed - sent);
        let mut found = false;
        while !found {
            let page = sync_page(&recipient_api, &recipient.session, &cursor).await?;
            found = page.items.iter().any(|item| item.id == item_id);
            cursor = page.cursor;
            if !found && !page.more {
                bail!("the push notice came before sync could return the item");
            }
        }
        latencies.synced.push(sent.elapsed());
    }
    for task in paced {
        latencies.background_rate += task.await.context("a background sender")??;
    }
    Ok(latencies)
}

/// Delivers `load` one block per `interval` until it runs out or `stop`;
/// answers the rate it reached.
async fn paced_deliveries(
    api: Api,
    load: Load,
    interval: Duration,
    stop: Instant,
) -> anyhow::Result<f64> {
    api.warm().await?;
    let began = Instant::now();
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut delivered = 0;
    for body in load.bodies {
        ticks.tick().await;
        if Instant::now() >= stop {
            break;
        }
        api.post(DELIVER, load.session.as_deref(), body).await?;
        delivered += 1;
    }
    Ok(crate::stats::per_second(delivered, began.elapsed()))
}

async fn sync_page(api: &Api, session: &str, cursor: &str) -> anyhow::Result<SyncResponse> {
    api.call(
        Some(session),
        &Sync {
            cursor: Some(cursor.to_owned()),
            limit: None,
        },
    )
    .await
}

/// Syncs until `more` is false; the last cursor.
async fn sync_to_end(api: &Api, session: &str, cursor: Option<String>) -> anyhow::Result<String> {
    let mut cursor = cursor;
    loop {
        let page: SyncResponse = api
            .call(
                Some(session),
                &Sync {
                    cursor: cursor.clone(),
                    limit: Some(5000),
                },
            )
            .await?;
        if !page.more {
            return Ok(page.cursor);
        }
        cursor = Some(page.cursor);
    }
}

/// Opens the push socket with the session in the header; the instant each
/// notice arrives is sent on the channel.
async fn listen(
    server_url: &str,
    session: &str,
) -> anyhow::Result<mpsc::UnboundedReceiver<Instant>> {
    let url = format!(
        "{}/api/v1/events",
        server_url.replacen("http://", "ws://", 1)
    );
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {session}").parse()?);
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .context("opening the push socket")?;
    let (tx, rx) = mpsc::unbounded_channel();
    let mut socket = socket;
    tokio::spawn(async move {
        while let Some(Ok(message)) = socket.next().await {
            if message.is_text() && tx.send(Instant::now()).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}
