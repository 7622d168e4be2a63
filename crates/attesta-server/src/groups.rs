//! `group_*`: the owner creates and invites, members leave, the owner removes.
//! Accepting and blocking an invitation are the connector methods.

use attesta_proto::api::{
    ConnectorResponse, Empty, GroupCreate, GroupInvite, GroupLeave, GroupRemove,
};
use time::OffsetDateTime;

use crate::http::{Api, Caller};
use crate::{AppState, Result};

pub fn routes(api: Api) -> Api {
    api.session(create)
        .session(invite)
        .session(leave)
        .session(remove)
}

async fn create(state: AppState, caller: Caller, _: GroupCreate) -> Result<ConnectorResponse> {
    let created = state
        .store
        .group_create(&caller.party_id, OffsetDateTime::now_utc())?;
    Ok(ConnectorResponse {
        connector: created.announce(&state.hub),
    })
}

async fn invite(state: AppState, caller: Caller, req: GroupInvite) -> Result<Empty> {
    let done = state.store.group_invite(
        &caller.party_id,
        &req.connectors_id,
        &req.party_id,
        OffsetDateTime::now_utc(),
    )?;
    done.announce(&state.hub);
    Ok(Empty {})
}

async fn leave(state: AppState, caller: Caller, req: GroupLeave) -> Result<Empty> {
    let done = state.store.group_leave(
        &caller.party_id,
        &req.connectors_id,
        OffsetDateTime::now_utc(),
    )?;
    done.announce(&state.hub);
    Ok(Empty {})
}

async fn remove(state: AppState, caller: Caller, req: GroupRemove) -> Result<Empty> {
    let done = state.store.group_remove(
        &caller.party_id,
        &req.connectors_id,
        &req.party_id,
        OffsetDateTime::now_utc(),
    )?;
    done.announce(&state.hub);
    Ok(Empty {})
}
