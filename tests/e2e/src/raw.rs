//! The API as a misbehaving client uses it: a device's own session and
//! keys, read from its profile (as that device's owner could), to deliver
//! blocks no honest client would send, or to repeat one that was sent.

use attesta_client::CACHE_FILE;
use attesta_proto::api::{ConnectorsDeliver, Item, ItemResponse, Method, PATH_PREFIX};
use attesta_proto::keyring::Keyring;
use attesta_proto::keys::SymmetricKey;

use crate::world::Person;

/// One device's credentials, taken from its profile.
pub struct RawDevice {
    server: String,
    session: String,
    pub party_id: String,
    pub keyring: Keyring,
    http: reqwest::Client,
}

/// A delivery waiting in a device's outbox.
#[derive(Debug, Clone)]
pub struct Queued {
    pub connector_id: String,
    pub client_id: [u8; 16],
    pub data: Vec<u8>,
}

fn cache(person: &Person) -> rusqlite::Connection {
    rusqlite::Connection::open(person.profile_dir().join(CACHE_FILE))
        .expect("opening a profile's cache")
}

impl RawDevice {
    /// The device `person` as its owner could use it outside the client.
    pub fn of(person: &Person) -> RawDevice {
        let (server, session, party_id, sealed, key, salt) = cache(person)
            .query_row(
                "SELECT server, session, party_id, keyring, keyring_key, keyring_salt FROM account",
                [],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                        r.get::<_, Vec<u8>>(5)?,
                    ))
                },
            )
            .expect("a logged-in profile");
        let key: [u8; 32] = key.try_into().expect("a 32-byte keyring key");
        let keyring = Keyring::open(&sealed, &SymmetricKey::from_bytes(key), &salt)
            .expect("the profile's keyring opens");
        RawDevice {
            server: server.trim_end_matches('/').to_owned(),
            session,
            party_id,
            keyring,
            http: reqwest::Client::new(),
        }
    }

    /// Delivers a block into a connector; answers the stored item, or the
    /// status and body of a refusal.
    pub async fn deliver(
        &self,
        connector_id: &str,
        data: Vec<u8>,
        client_id: [u8; 16],
    ) -> Result<Item, (reqwest::StatusCode, String)> {
        let request = ConnectorsDeliver {
            connectors_id: connector_id.to_owned(),
            data,
            client_id,
            expires_at: None,
        };
        let response = self
            .http
            .post(format!(
                "{}{PATH_PREFIX}{}",
                self.server,
                ConnectorsDeliver::NAME
            ))
            .bearer_auth(&self.session)
            .json(&request)
            .send()
            .await
            .expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        if status.is_success() {
            let answer: ItemResponse = serde_json::from_str(&text).expect("an item");
            Ok(answer.item)
        } else {
            Err((status, text))
        }
    }
}

/// What waits in `person`'s outbox, oldest first.
pub fn queued(person: &Person) -> Vec<Queued> {
    let conn = cache(person);
    let mut stmt = conn
        .prepare(
            "SELECT connector_id, client_id, data FROM outbox WHERE state = 'queued' ORDER BY id",
        )
        .expect("the outbox table");
    stmt.query_map([], |r| {
        let client_id: Vec<u8> = r.get(1)?;
        let client_id = client_id.try_into().map_err(|_| {
            rusqlite::Error::InvalidColumnType(1, "client_id".into(), rusqlite::types::Type::Blob)
        })?;
        Ok(Queued {
            connector_id: r.get(0)?,
            client_id,
            data: r.get(2)?,
        })
    })
    .expect("reading the outbox")
    .collect::<rusqlite::Result<_>>()
    .expect("outbox rows")
}

/// The message bodies a profile's cache holds in a conversation, in the
/// conversation's order. Read beside a running process (the cache is
/// SQLite in WAL mode), to watch a sync as it goes.
pub fn stored_bodies(profile: &std::path::Path, conversation: &str) -> Vec<String> {
    let conn =
        rusqlite::Connection::open(profile.join(CACHE_FILE)).expect("opening a profile's cache");
    let mut stmt = conn
        .prepare(
            "SELECT coalesce(body, '') FROM messages WHERE conversation = ?1 ORDER BY sent_at, id",
        )
        .expect("the messages table");
    stmt.query_map([conversation], |r| r.get(0))
        .expect("reading messages")
        .collect::<rusqlite::Result<_>>()
        .expect("message rows")
}
