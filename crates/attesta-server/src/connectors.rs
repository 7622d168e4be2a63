//! `connectors_*` except delivery (items.rs): requesting, accepting,
//! blocking and listing p2p and group connectors.

use attesta_proto::api::{
    ConnectorResponse, ConnectorsAccept, ConnectorsBlock, ConnectorsList, ConnectorsListResponse,
    ConnectorsRequest, ConnectorsRequestResponse, ConnectorsUnblock, Empty, NotFound,
};
use time::OffsetDateTime;

use crate::http::{Api, Caller};
use crate::{AppState, Error, Result};

pub fn routes(api: Api) -> Api {
    api.session(request)
        .session(accept)
        .session(block)
        .session(unblock)
        .session(list)
}

async fn request(
    state: AppState,
    caller: Caller,
    req: ConnectorsRequest,
) -> Result<ConnectorsRequestResponse> {
    let (kind, token) = req.token.single().ok_or_else(|| {
        Error::bad_request("give exactly one of nick_token, email_token, phone_token")
    })?;
    // Counted found or not, and shared with parties_lookup: phone tokens are enumerable.
    state.limits.lookups_per_party.check(&caller.party_id)?;
    let found = state.store.connectors_request(
        &caller.party_id,
        kind,
        &token,
        OffsetDateTime::now_utc(),
    )?;
    Ok(match found {
        Some(committed) => ConnectorsRequestResponse::Found(ConnectorResponse {
            connector: committed.announce(&state.hub),
        }),
        None => ConnectorsRequestResponse::NotFound(NotFound::VALUE),
    })
}

async fn accept(state: AppState, caller: Caller, req: ConnectorsAccept) -> Result<Empty> {
    let done = state.store.connectors_accept(
        &caller.party_id,
        &req.connectors_id,
        OffsetDateTime::now_utc(),
    )?;
    done.announce(&state.hub);
    Ok(Empty {})
}

async fn block(state: AppState, caller: Caller, req: ConnectorsBlock) -> Result<Empty> {
    let done = state.store.connectors_block(
        &caller.party_id,
        &req.connectors_id,
        OffsetDateTime::now_utc(),
    )?;
    done.announce(&state.hub);
    Ok(Empty {})
}

async fn unblock(state: AppState, caller: Caller, req: ConnectorsUnblock) -> Result<Empty> {
    let done = state.store.connectors_unblock(
        &caller.party_id,
        &req.connectors_id,
        OffsetDateTime::now_utc(),
    )?;
    done.announce(&state.hub);
    Ok(Empty {})
}

async fn list(
    state: AppState,
    caller: Caller,
    _: ConnectorsList,
) -> Result<ConnectorsListResponse> {
    Ok(ConnectorsListResponse {
        connectors: state.store.connectors_list(&caller.party_id)?,
    })
}
