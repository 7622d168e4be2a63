//! The expiry sweeper: items are never handed out after their `expires_at`
//! (sync filters them); this task deletes them soon after and tells the
//! parties that had them, through `removed`.

use std::time::Duration;

use time::OffsetDateTime;

use crate::AppState;

/// Sweeps every `config.expiry_sweep_secs` for as long as the server runs.
pub async fn sweep_forever(state: AppState) {
    let mut ticks = tokio::time::interval(Duration::from_secs(state.config.expiry_sweep_secs));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        sweep(&state).await;
    }
}

/// Deletes everything expired by now, a batch per transaction so that
/// deliveries go on between batches, until a batch finds nothing.
async fn sweep(state: &AppState) {
    loop {
        match state.store.sweep_expired(OffsetDateTime::now_utc()) {
            Ok(swept) if swept.value == 0 => return,
            Ok(swept) => {
                tracing::debug!(items = swept.value, "expired items deleted");
                swept.announce(&state.hub);
                tokio::task::yield_now().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "expiry sweep failed");
                return;
            }
        }
    }
}
