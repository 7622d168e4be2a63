//! `sync`: everything that changed for the caller's party since a cursor,
//! read from the change log that every operation writes in its transaction.

use attesta_proto::api::{PartyState, Sync, SyncResponse};
use time::OffsetDateTime;

use crate::accounts::devices_seen_by;
use crate::http::{Api, Caller};
use crate::{AppState, Error, Result};

/// Items per answer when the client does not say.
const DEFAULT_LIMIT: u32 = 500;
/// Items per answer at most, whatever the client says.
const MAX_LIMIT: u32 = 5000;

pub fn routes(api: Api) -> Api {
    api.session(sync)
}

/// The cursor on the wire is the `seq` of the last change handed out; it is
/// opaque to clients, so anything else is a cursor this server never gave.
fn parse_cursor(cursor: Option<&str>) -> Result<i64> {
    match cursor {
        None => Ok(0),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| Error::bad_request("not a cursor this server gave")),
    }
}

/// The party's own state as it is now: what a `party` change announced.
fn party_state(state: &AppState, caller: &Caller) -> Result<PartyState> {
    let keys = state.store.party_keys(&caller.party_id)?;
    Ok(PartyState {
        party_id: caller.party_id.clone(),
        public_keys: keys.public_keys,
        keyring: keys.keyring,
        tokens: state.store.tokens(&caller.party_id)?,
        devices: devices_seen_by(state, caller)?,
        account_data_version: state.store.account_data(&caller.party_id)?.version,
    })
}

async fn sync(state: AppState, caller: Caller, req: Sync) -> Result<SyncResponse> {
    let after = parse_cursor(req.cursor.as_deref())?;
    let limit = req.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT) as usize;
    let page = state
        .store
        .sync(&caller.party_id, after, limit, OffsetDateTime::now_utc())?;
    let party = if page.party_changed {
        Some(party_state(&state, &caller)?)
    } else {
        None
    };
    Ok(SyncResponse {
        party,
        connectors: page.connectors,
        items: page.items,
        removed: page.removed,
        cursor: page.cursor.to_string(),
        more: page.more,
    })
}
