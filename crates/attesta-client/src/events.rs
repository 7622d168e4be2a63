//! What a UI listens to: one broadcast of small events naming what changed,
//! after it is in the cache, so a listener can re-query what it shows.

use serde::Serialize;

use crate::ids::MsgId;

/// Whether this device is in step with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Not connected: sends wait in the outbox.
    Offline,
    /// Connected and catching up.
    Syncing,
    /// Connected and in step; pushes arrive as they happen.
    Online,
}

/// One change a UI may want to show. Events carry ids, never content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A HELLO (a request to connect, or a group invitation) is waiting for review.
    InvitationArrived { connector_id: String },
    /// A new message is in a conversation.
    MessageArrived { conversation: String, msg_id: MsgId },
    /// A message's state, text or marks changed (sent, failed, edited, deleted).
    MessageChanged { conversation: String, msg_id: MsgId },
    /// A message left the cache (it expired or its author removed it).
    MessageRemoved { conversation: String, msg_id: MsgId },
    /// A connector's state, members or name changed.
    ConnectorChanged { connector_id: String },
    /// A peer's keys differ from the pinned ones: the conversation shows a warning.
    KeysChanged { party_id: String },
    /// The account's own tokens, devices, keys or data changed.
    AccountChanged,
    /// The party's keys were rotated or recovered on another device under a
    /// password this device does not know (it was changed there): this
    /// device keeps its old keys and everything it holds; messages under the
    /// new keys wait until the user logs in again with the new password.
    NewPasswordNeeded,
    /// The server ended this device's session (revoked, or logged out
    /// elsewhere): the UI asks to log in again.
    SessionEnded,
    /// The connection state changed.
    Sync { state: SyncState },
}
