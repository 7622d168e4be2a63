//! Items (delivered blocks), their expiry, and the change log read by `sync`.

use attesta_proto::api::{Connector, Item};
use time::OffsetDateTime;

use super::Committed;
use crate::Result;

/// One block to deliver, as the caller sent it.
#[derive(Debug)]
pub struct Delivery<'a> {
    pub party_id: &'a str,
    pub device_id: &'a str,
    pub connector_id: &'a str,
    pub data: &'a [u8],
    pub client_id: [u8; 16],
    pub expires_at: Option<OffsetDateTime>,
}

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
        delivery: &Delivery<'_>,
        limits: &DeliveryLimits,
        now: OffsetDateTime,
    ) -> Result<Committed<Item>>;

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
