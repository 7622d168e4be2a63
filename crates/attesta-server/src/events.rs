//! The push hub: a party's open WebSockets subscribe here, and whatever
//! changes that party's state notifies it after the change is committed.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::broadcast;

/// What a party's subscribers hear.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Something new to `sync`.
    Changed,
    /// This device's sessions ended: its sockets close.
    DeviceRevoked(String),
}

/// Subscribers by party. Channels are small: a slow socket that misses
/// events still learns that something changed (a lagged receiver), and
/// `sync` is the truth anyway.
#[derive(Default)]
pub struct Hub {
    parties: Mutex<HashMap<String, broadcast::Sender<Event>>>,
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
}
