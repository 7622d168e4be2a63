//! `connectors_deliver` and `items_delete`: blocks in, blocks out.

use attesta_proto::api::{ConnectorsDeliver, Empty, ItemResponse, ItemsDelete};
use time::OffsetDateTime;

use crate::config::Config;
use crate::http::{Api, Caller};
use crate::storage::items::{Delivery, DeliveryLimits};
use crate::{AppState, Error, Result};

pub fn routes(api: Api) -> Api {
    api.session(deliver).session(delete)
}

fn limits(config: &Config) -> DeliveryLimits {
    DeliveryLimits {
        hello_max_bytes: config.hello_max_bytes,
        hello_max_per_day: config.hello_max_per_day,
        block_max_bytes: config.block_max_bytes,
        quota_bytes_per_hour: config.quota_bytes_per_hour,
        quota_blocks_per_hour: config.quota_blocks_per_hour,
    }
}

async fn deliver(state: AppState, caller: Caller, req: ConnectorsDeliver) -> Result<ItemResponse> {
    let now = OffsetDateTime::now_utc();
    if req.expires_at.is_some_and(|at| at <= now) {
        return Err(Error::bad_request("expires_at is in the past"));
    }
    let delivery = Delivery {
        party_id: caller.party_id,
        device_id: caller.device_id,
        connector_id: req.connectors_id,
        data: req.data,
        client_id: req.client_id,
        expires_at: req.expires_at,
    };
    let stored = state
        .store
        .deliver(delivery, limits(&state.config), now)
        .await?;
    Ok(ItemResponse {
        item: stored.announce(&state.hub),
    })
}

async fn delete(state: AppState, caller: Caller, req: ItemsDelete) -> Result<Empty> {
    let done = state.store.items_delete(&caller.party_id, &req.item_id)?;
    done.announce(&state.hub);
    Ok(Empty {})
}
