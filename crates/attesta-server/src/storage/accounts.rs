//! Parties, their devices and sessions.

use crate::Result;

pub trait AccountStore {
    /// The party and device of a live session, marking the device as seen.
    fn session_device(&self, session_hash: &[u8; 32]) -> Result<Option<(String, String)>>;
}
