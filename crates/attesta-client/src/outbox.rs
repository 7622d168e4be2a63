//! The outbox: every delivery goes through it, so a send made offline or
//! while the server is down survives a restart and goes out once it is back.
//! The delivery's `client_id` is chosen when it is queued and kept: a retry
//! after a lost answer gets the item already stored, never a second one.

use attesta_proto::api::{ConnectorsDeliver, ItemResponse};
use rusqlite::{OptionalExtension, Transaction, params};
use time::OffsetDateTime;

use crate::cache::{from_ms, now_ms, to_ms};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::ids::MsgId;
use crate::{Client, messages};

/// A delivery to queue.
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    pub connector_id: String,
    pub data: Vec<u8>,
    pub expires_at: Option<OffsetDateTime>,
    /// The message this delivery carries, whose state follows it.
    pub msg_id: Option<MsgId>,
}

/// Queues a delivery inside the caller's transaction, so that a message and
/// its delivery are stored together or not at all.
pub(crate) fn enqueue(tx: &Transaction<'_>, delivery: &Delivery) -> Result<[u8; 16]> {
    let client_id: [u8; 16] = rand::random();
    tx.execute(
        "INSERT INTO outbox (connector_id, client_id, data, expires_at, msg_id, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6)",
        params![
            delivery.connector_id,
            client_id.as_slice(),
            delivery.data,
            delivery.expires_at.map(to_ms),
            delivery.msg_id.map(|m| m.0.to_vec()),
            now_ms(),
        ],
    )?;
    Ok(client_id)
}

/// One queued delivery as stored.
struct Queued {
    id: i64,
    request: ConnectorsDeliver,
    msg_id: Option<MsgId>,
}

/// What one pass over the outbox did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Deliveries the server accepted.
    pub sent: usize,
    /// Deliveries the server refused for good (their messages show "failed").
    pub failed: usize,
    /// Deliveries still waiting (the server could not be reached).
    pub waiting: usize,
}

impl Client {
    /// Sends what waits in the outbox, oldest first. Stops at the first
    /// delivery that cannot reach the server (the rest keep their order and
    /// wait); a delivery the server refuses is marked failed and the next goes.
    pub async fn flush_outbox(&self) -> Result<FlushReport> {
        let _one_at_a_time = self.inner.outbox_lock.lock().await;
        let mut report = FlushReport::default();
        let mut after = 0;
        while let Some(queued) = self.next_queued(after).await? {
            after = queued.id;
            match self.inner.transport.call(&queued.request).await {
                Ok(ItemResponse { item }) => {
                    let id = queued.id;
                    let msg_id = queued.msg_id;
                    let changed = self
                        .inner
                        .cache
                        .transaction(move |tx| {
                            tx.execute("DELETE FROM outbox WHERE id = ?1", [id])?;
                            match msg_id {
                                Some(m) => messages::mark_sent(tx, m, &item.id),
                                None => Ok(None),
                            }
                        })
                        .await?;
                    self.emit_changed(changed);
                    report.sent += 1;
                }
                Err(e) if e.is_transient() || matches!(e, Error::NotLoggedIn) => {
                    let id = queued.id;
                    let reason = e.to_string();
                    self.inner
                        .cache
                        .run(move |c| {
                            c.execute(
                                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
                                params![id, reason],
                            )?;
                            Ok(())
                        })
                        .await?;
                    report.waiting = self.queued_count().await?;
                    return Ok(report);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "a delivery was refused");
                    let id = queued.id;
                    let msg_id = queued.msg_id;
                    let reason = e.to_string();
                    let changed = self
                        .inner
                        .cache
                        .transaction(move |tx| {
                            tx.execute(
                                "UPDATE outbox SET state = 'failed', attempts = attempts + 1,
                                 last_error = ?2 WHERE id = ?1",
                                params![id, reason],
                            )?;
                            match msg_id {
                                Some(m) => {
                                    messages::set_state(tx, m, messages::MessageState::Failed)
                                }
                                None => Ok(None),
                            }
                        })
                        .await?;
                    self.emit_changed(changed);
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }

    /// Puts a failed message back in the outbox (the UI's "retry").
    pub async fn retry_message(&self, msg_id: MsgId) -> Result<()> {
        let changed = self
            .inner
            .cache
            .transaction(move |tx| {
                let n = tx.execute(
                    "UPDATE outbox SET state = 'queued' WHERE msg_id = ?1 AND state = 'failed'",
                    [msg_id.0.as_slice()],
                )?;
                if n == 0 {
                    return Err(Error::Invalid("this message has not failed".into()));
                }
                messages::set_state(tx, msg_id, messages::MessageState::Queued)
            })
            .await?;
        self.emit_changed(changed);
        self.inner.outbox_wake.notify_one();
        Ok(())
    }

    /// How many deliveries wait to go out.
    pub async fn queued_count(&self) -> Result<usize> {
        self.inner
            .cache
            .run(|c| {
                let n: i64 = c.query_row(
                    "SELECT count(*) FROM outbox WHERE state = 'queued'",
                    [],
                    |r| r.get(0),
                )?;
                Ok(usize::try_from(n).unwrap_or(0))
            })
            .await
    }

    async fn next_queued(&self, after: i64) -> Result<Option<Queued>> {
        self.inner
            .cache
            .run(move |c| {
                let row = c
                    .query_row(
                        "SELECT id, connector_id, client_id, data, expires_at, msg_id FROM outbox
                         WHERE state = 'queued' AND id > ?1 ORDER BY id LIMIT 1",
                        [after],
                        |r| {
                            Ok((
                                r.get::<_, i64>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, Vec<u8>>(2)?,
                                r.get::<_, Vec<u8>>(3)?,
                                r.get::<_, Option<i64>>(4)?,
                                r.get::<_, Option<Vec<u8>>>(5)?,
                            ))
                        },
                    )
                    .optional()?;
                let Some((id, connectors_id, client_id, data, expires_at, msg_id)) = row else {
                    return Ok(None);
                };
                let client_id = client_id
                    .try_into()
                    .map_err(|_| Error::Invalid("a stored client id is damaged".into()))?;
                Ok(Some(Queued {
                    id,
                    request: ConnectorsDeliver {
                        connectors_id,
                        data,
                        client_id,
                        expires_at: expires_at.map(from_ms),
                    },
                    msg_id: msg_id.and_then(|m| MsgId::try_from(m).ok()),
                }))
            })
            .await
    }

    /// Announces a message whose state changed, if any did.
    fn emit_changed(&self, changed: Option<(String, MsgId)>) {
        if let Some((conversation, msg_id)) = changed {
            self.emit(Event::MessageChanged {
                conversation,
                msg_id,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::tests::{connector, text};
    use crate::messages::{MessageState, insert};

    /// A loopback port nobody listens on: the server is "down".
    const DOWN: &str = "http://127.0.0.1:9";

    async fn queue_one(client: &Client) -> MsgId {
        let mut m = text("c1", 1, true);
        m.state = MessageState::Queued;
        let msg_id = m.msg_id;
        client
            .inner
            .cache
            .transaction(move |tx| {
                connector(tx, "c1");
                insert(tx, &m)?;
                enqueue(
                    tx,
                    &Delivery {
                        connector_id: "c1".into(),
                        data: vec![1, 2, 3],
                        expires_at: None,
                        msg_id: Some(m.msg_id),
                    },
                )?;
                Ok(())
            })
            .await
            .unwrap();
        msg_id
    }

    #[tokio::test]
    async fn a_send_made_while_the_server_is_down_waits_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), DOWN).await.unwrap();
        client.inner.transport.set_session(Some("s".into()));
        let msg_id = queue_one(&client).await;
        let client_id_before: Vec<u8> = client
            .inner
            .cache
            .run(|c| Ok(c.query_row("SELECT client_id FROM outbox", [], |r| r.get(0))?))
            .await
            .unwrap();

        let report = client.flush_outbox().await.unwrap();
        assert_eq!(
            report,
            FlushReport {
                sent: 0,
                failed: 0,
                waiting: 1
            }
        );
        drop(client);

        let client = Client::open(dir.path(), DOWN).await.unwrap();
        assert_eq!(client.queued_count().await.unwrap(), 1);
        assert_eq!(
            client.message(msg_id).await.unwrap().state,
            MessageState::Queued
        );
        let client_id_after: Vec<u8> = client
            .inner
            .cache
            .run(|c| Ok(c.query_row("SELECT client_id FROM outbox", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(
            client_id_before, client_id_after,
            "a retry must reuse the client id"
        );
    }

    #[tokio::test]
    async fn only_a_failed_message_can_be_retried() {
        let dir = tempfile::tempdir().unwrap();
        let client = Client::open(dir.path(), DOWN).await.unwrap();
        let msg_id = queue_one(&client).await;
        let err = client.retry_message(msg_id).await.unwrap_err();
        assert!(err.to_string().contains("not failed"), "{err}");
    }
}
