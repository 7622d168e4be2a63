//! Push: a party's open WebSockets subscribe to the hub, and whatever changes
//! that party's state notifies it after the change is committed. A socket
//! sends `{"cursor"}` when there is news, and closes when its device is
//! revoked or its session ends. Push is a hint; `sync` is the truth.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use attesta_proto::api::{EventsTicket, EventsTicketResponse, PATH_PREFIX, PushEvent};
use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;
use time::OffsetDateTime;
use tokio::sync::broadcast;

use crate::http::{Api, Caller, bearer, session_hash};
use crate::{AppState, Error, Result};

/// How long a ticket from `events_ticket` can open a socket.
const TICKET_LIFETIME: Duration = Duration::from_secs(30);

/// How often a socket checks that its session is still live: a revoked
/// device is told at once through the hub, a logout within this time.
const SESSION_CHECK: Duration = Duration::from_secs(5);

/// How often a socket pings its client, so that a client gone without a
/// word (a laptop closed, a network lost) is noticed and its task ends.
const KEEPALIVE: Duration = Duration::from_secs(30);

/// Clients send nothing but control frames: anything longer is refused
/// before it is buffered.
const CLIENT_MESSAGE_MAX: usize = 4096;

/// What a party's subscribers hear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Something new to `sync`.
    Changed,
    /// This device's sessions ended: its sockets close.
    DeviceRevoked(String),
}

/// A single-use ticket: the device (and so the one session) it stands for, until when.
struct Ticket {
    device: Device,
    expires: Instant,
}

/// A party's device, whose live session opens a socket.
#[derive(Debug, Clone)]
struct Device {
    party_id: String,
    device_id: String,
}

/// Subscribers by party, and the open tickets. Channels are small: a slow
/// socket that misses events still learns that something changed (a lagged
/// receiver), and `sync` is the truth anyway.
#[derive(Default)]
pub struct Hub {
    parties: Mutex<HashMap<String, broadcast::Sender<Event>>>,
    tickets: Mutex<HashMap<String, Ticket>>,
}

impl Hub {
    pub fn subscribe(&self, party_id: &str) -> broadcast::Receiver<Event> {
        let mut parties = self
            .parties
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        parties
            .entry(party_id.to_owned())
            .or_insert_with(|| broadcast::channel(16).0)
            .subscribe()
    }

    /// Tells the party's sockets that there is something new to sync.
    pub fn notify(&self, party_id: &str) {
        self.send(party_id, Event::Changed);
    }

    /// Closes the sockets of a device whose sessions just ended.
    pub fn revoke_device(&self, party_id: &str, device_id: &str) {
        self.send(party_id, Event::DeviceRevoked(device_id.to_owned()));
    }

    fn send(&self, party_id: &str, event: Event) {
        let mut parties = self
            .parties
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(sender) = parties.get(party_id)
            && sender.send(event).is_err()
        {
            // Nobody listens any more: forget the channel.
            parties.remove(party_id);
        }
    }

    /// A new ticket for a session; expired ones are forgotten on the way.
    fn issue_ticket(&self, device: Device) -> String {
        let ticket = attesta_proto::encoding::to_b64(&rand::random::<[u8; 32]>());
        let now = Instant::now();
        let mut tickets = self
            .tickets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tickets.retain(|_, t| t.expires > now);
        tickets.insert(
            ticket.clone(),
            Ticket {
                device,
                expires: now + TICKET_LIFETIME,
            },
        );
        ticket
    }

    /// The device a ticket stands for, once: the ticket is spent either way.
    fn redeem_ticket(&self, ticket: &str) -> Option<Device> {
        let mut tickets = self
            .tickets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        tickets
            .remove(ticket)
            .filter(|t| t.expires > Instant::now())
            .map(|t| t.device)
    }
}

pub fn routes(api: Api) -> Api {
    api.session(ticket)
}

/// `GET /api/v1/events`, which is not a JSON method.
pub fn socket_route() -> Router<AppState> {
    Router::new().route(&format!("{PATH_PREFIX}events"), get(events))
}

async fn ticket(state: AppState, caller: Caller, _: EventsTicket) -> Result<EventsTicketResponse> {
    let device = Device {
        party_id: caller.party_id,
        device_id: caller.device_id,
    };
    Ok(EventsTicketResponse {
        ticket: state.hub.issue_ticket(device),
    })
}

#[derive(Deserialize)]
struct EventsQuery {
    ticket: Option<String>,
}

async fn events(
    State(state): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: std::result::Result<
        WebSocketUpgrade,
        axum::extract::ws::rejection::WebSocketUpgradeRejection,
    >,
) -> Result<Response> {
    // A session never goes in a URL: a ticket does, or the header carries the session.
    let now = OffsetDateTime::now_utc();
    let Query(query) = Query::<EventsQuery>::try_from_uri(&uri)
        .map_err(|e| Error::bad_request(format!("bad query: {e}")))?;
    let device = match query.ticket {
        Some(ticket) => {
            let device = state
                .hub
                .redeem_ticket(&ticket)
                .ok_or(Error::Unauthorized)?;
            if !device_live(&state, &device)? {
                return Err(Error::Unauthorized);
            }
            device
        }
        None => {
            let session = bearer(&headers).ok_or(Error::Unauthorized)?;
            let (party_id, device_id) = state
                .store
                .session_device(&session_hash(session), now)?
                .ok_or(Error::Unauthorized)?;
            Device {
                party_id,
                device_id,
            }
        }
    };
    let upgrade =
        upgrade.map_err(|e| Error::bad_request(format!("not a WebSocket upgrade: {e}")))?;
    // Subscribed before the upgrade: nothing committed from here on is missed.
    let events = state.hub.subscribe(&device.party_id);
    let socket = Socket { state, device };
    Ok(upgrade
        .max_message_size(CLIENT_MESSAGE_MAX)
        .max_frame_size(CLIENT_MESSAGE_MAX)
        .on_upgrade(move |ws| socket.run(ws, events)))
}

/// Whether the device still has its session (not logged out, not revoked).
fn device_live(state: &AppState, device: &Device) -> Result<bool> {
    Ok(state
        .store
        .devices(&device.party_id)?
        .iter()
        .any(|d| d.device_id == device.device_id))
}

/// One open socket and whose it is.
struct Socket {
    state: AppState,
    device: Device,
}

/// Why a socket stops.
enum End {
    /// The device's session ended: the socket says so as it closes.
    SessionEnded,
    /// The client closed the socket or went away.
    ClientGone,
}

impl Socket {
    async fn run(self, mut ws: WebSocket, mut events: broadcast::Receiver<Event>) {
        let mut checks = tokio::time::interval(SESSION_CHECK);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pings =
            tokio::time::interval_at(tokio::time::Instant::now() + KEEPALIVE, KEEPALIVE);
        let end = loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(Event::Changed) | Err(broadcast::error::RecvError::Lagged(_)) => {
                        if !self.push_cursor(&mut ws).await {
                            break End::ClientGone;
                        }
                    }
                    Ok(Event::DeviceRevoked(device)) if device == self.device.device_id => break End::SessionEnded,
                    Ok(Event::DeviceRevoked(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break End::SessionEnded,
                },
                incoming = ws.recv() => match incoming {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break End::ClientGone,
                    // Pings are answered by the WebSocket layer; nothing else is expected.
                    Some(Ok(_)) => {}
                },
                _ = pings.tick() => {
                    if ws.send(Message::Ping(Default::default())).await.is_err() {
                        break End::ClientGone;
                    }
                }
                _ = checks.tick() => {
                    // A storage error is no proof that the session ended: keep the socket.
                    if matches!(device_live(&self.state, &self.device), Ok(false)) {
                        break End::SessionEnded;
                    }
                }
            }
        };
        if let End::SessionEnded = end {
            let close = CloseFrame {
                code: close_code::POLICY,
                reason: "session ended".into(),
            };
            // The client may be gone already; there is nobody left to tell then.
            let _ = ws.send(Message::Close(Some(close))).await;
        }
    }

    /// Sends the party's latest cursor; false when the socket is gone.
    async fn push_cursor(&self, ws: &mut WebSocket) -> bool {
        let cursor = match self.state.store.latest_change(&self.device.party_id) {
            Ok(seq) => seq.to_string(),
            Err(e) => {
                tracing::error!(error = %e, "reading the latest change for a push");
                return true;
            }
        };
        let Ok(text) = serde_json::to_string(&PushEvent { cursor }) else {
            return true;
        };
        ws.send(Message::Text(text.into())).await.is_ok()
    }
}
