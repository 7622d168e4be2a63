//! Items (delivered blocks), their expiry, and the change log read by `sync`.

use std::pin::Pin;

use attesta_proto::api::{Connector, Item};
use time::OffsetDateTime;

use super::Committed;
use crate::Result;

/// One block to deliver, as the caller sent it.
#[derive(Debug)]
pub struct Delivery {
    pub party_id: String,
    pub device_id: String,
    pub connector_id: String,
    pub data: Vec<u8>,
    pub client_id: [u8; 16],
    pub expires_at: Option<OffsetDateTime>,
}

/// The answer to come of a storage operation that waits for a commit it
/// shares with others: waiting holds no thread.
pub type Pending<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// The limits a delivery is held to (api.md, "Limits and defaults").
#[derive(Debug, Clone, Copy)]
pub struct DeliveryLimits {
    pub hello_max_bytes: u64,
    pub hello_max_per_day: u64,
    pub block_max_bytes: u64,
    pub quota_bytes_per_hour: u64,
    pub quota_blocks_per_hour: u64,
}

/// One page of a party's changes after a cursor.
#[derive(Debug)]
pub struct SyncPage {
    /// The party's own state changed: the caller adds it to the answer.
    pub party_changed: bool,
    pub connectors: Vec<Connector>,
    pub items: Vec<Item>,
    pub removed: Vec<String>,
    /// The `seq` of the last change this page covers.
    pub cursor: i64,
    pub more: bool,
}

pub trait ItemStore {
    /// Stores a block for every party that may see it, or returns the item
    /// already stored under the same `client_id`.
    fn deliver(
        &self,
        delivery: Delivery,
        limits: DeliveryLimits,
        now: OffsetDateTime,
    ) -> Pending<Committed<Item>>;

    /// The author deletes an item for everyone who could see it.
    fn items_delete(&self, caller: &str, item_id: &str) -> Result<Committed<()>>;

    /// The party's changes after `after`, at most `limit` items.
    fn sync(
        &self,
        party_id: &str,
        after: i64,
        limit: usize,
        now: OffsetDateTime,
    ) -> Result<SyncPage>;

    /// Deletes a batch of the items expired by `now` (and forgets delivery
    /// counts older than any limit looks back), telling whoever could see
    /// them; the value is how many it deleted, 0 when none are left.
    fn sweep_expired(&self, now: OffsetDateTime) -> Result<Committed<usize>>;

    /// The party's latest change, the cursor a push announces.
    fn latest_change(&self, party_id: &str) -> Result<i64>;
}
