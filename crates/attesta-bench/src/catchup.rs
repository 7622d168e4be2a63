//! One conversation of N messages: the server filled through
//! `connectors_deliver`, new devices catching up through the real client's
//! sync (each block opened and verified), and the client cache queried.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use attesta_client::{Address, Anchor, Client, HelloDraft, Login, Registration, RequestOutcome};

use crate::load::{DELIVER, Load, post_concurrently};
use crate::server::{Api, Link, Peer, ServerProcess};
use crate::stats::per_second;

const READER_NICK: &str = "bench reader";
const WRITER_NICK: &str = "bench writer";
const PASSWORD: &str = "a long bench password nobody types";
/// Connections the fill delivers over (the writer's devices, in effect).
const FILL_CONNECTIONS: usize = 16;
/// Blocks sealed per round of the fill, so that 1 000 000 never sit in memory at once.
const FILL_CHUNK: usize = 20_000;
/// The page the desktop app asks for (ui/src/lib/timeline.svelte.ts).
pub const PAGE: usize = 100;

/// A server holding a conversation of `size` messages from the writer to the reader.
pub struct Filled {
    pub conversation: String,
    pub size: usize,
    /// Deliveries per second while filling, the store growing from 0 to `size`.
    pub fill_rate: f64,
}

pub async fn fill(server: &ServerProcess, work: &Path, size: usize) -> anyhow::Result<Filled> {
    let api = Api::new(&server.url)?;
    let writer = Peer::register(&api, WRITER_NICK).await?;
    let reader = Client::open(work.join("reader"), &server.url).await?;
    let account = reader
        .register(
            Registration {
                nick: READER_NICK.to_owned(),
                password: PASSWORD.to_owned(),
                searchable: true,
                device_name: "first device".to_owned(),
            },
            |_| {},
        )
        .await?;
    let hello = HelloDraft {
        message: "the bench conversation".to_owned(),
        display_name: "Bench reader".to_owned(),
        nick: Some(READER_NICK.to_owned()),
    };
    let RequestOutcome::Requested { connector_id, .. } = reader
        .request_connector(&Address::Nick(WRITER_NICK.to_owned()), hello)
        .await?
    else {
        bail!("the writer's nick was not found");
    };
    reader.sync_now().await?;
    writer.accept(&api, &connector_id).await?;
    reader.sync_now().await?;
    let link = Link {
        connector_id: connector_id.clone(),
        peer_id: account.party_id,
        peer_keys: account.public_keys,
    };

    let mut delivering = Duration::ZERO;
    let mut done = 0;
    while done < size {
        let chunk = FILL_CHUNK.min(size - done);
        let mut bodies = writer.sealed_deliveries(&link, chunk)?;
        let share = chunk.div_ceil(FILL_CONNECTIONS);
        let mut loads = Vec::with_capacity(FILL_CONNECTIONS);
        while !bodies.is_empty() {
            let rest = bodies.split_off(bodies.len().saturating_sub(share));
            loads.push(Load {
                session: Some(writer.session.clone()),
                bodies: rest,
            });
        }
        delivering += post_concurrently(&server.url, DELIVER, loads).await?;
        done += chunk;
    }
    Ok(Filled {
        conversation: connector_id,
        size,
        fill_rate: per_second(size, delivering),
    })
}

/// A new device of the reader: logged in on a fresh profile, then timed
/// from the first `sync` to the last item stored. Answers the device
/// (to query its cache) and the items per second.
pub async fn catch_up(
    server: &ServerProcess,
    profile: &Path,
    filled: &Filled,
) -> anyhow::Result<(Client, f64)> {
    let device = Client::open(profile, &server.url).await?;
    device
        .login(
            Login {
                login: READER_NICK.to_owned(),
                password: PASSWORD.to_owned(),
                device_name: "new device".to_owned(),
                region: None,
            },
            |_| {},
        )
        .await?;
    let began = Instant::now();
    device.sync_now().await?;
    let elapsed = began.elapsed();
    let stored = stored_messages(profile, &filled.conversation)?;
    ensure!(
        stored >= filled.size,
        "the new device holds {stored} messages of {}",
        filled.size
    );
    Ok((device, per_second(filled.size, elapsed)))
}

/// Counts the verified text messages the sync stored, from outside the
/// client: a catch-up that dropped or failed to verify blocks must not pass
/// for a fast one.
fn stored_messages(profile: &Path, conversation: &str) -> anyhow::Result<usize> {
    let cache = rusqlite::Connection::open_with_flags(
        profile.join(attesta_client::CACHE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let count: i64 = cache
        .query_row(
            "SELECT count(*) FROM messages WHERE conversation = ?1 AND kind = 'text' AND signed = 1",
            [conversation],
            |row| row.get(0),
        )
        .context("counting the cached messages")?;
    Ok(usize::try_from(count)?)
}

/// Times of the two queries that open a conversation in the app.
pub struct CacheTimes {
    pub list: Vec<Duration>,
    pub page: Vec<Duration>,
}

pub async fn query_cache(
    device: &Client,
    conversation: &str,
    repeats: usize,
) -> anyhow::Result<CacheTimes> {
    let mut times = CacheTimes {
        list: Vec::with_capacity(repeats),
        page: Vec::with_capacity(repeats),
    };
    for _ in 0..repeats {
        let began = Instant::now();
        let list = device.conversations().await?;
        times.list.push(began.elapsed());
        ensure!(
            list.iter().any(|c| c.id == conversation),
            "the conversation is not in the list"
        );

        let began = Instant::now();
        let page = device.messages(conversation, Anchor::Latest, PAGE).await?;
        times.page.push(began.elapsed());
        ensure!(page.messages.len() == PAGE, "a short first page");
    }
    Ok(times)
}
