//! Group keys: one random key per epoch, made by the owner.

use crate::keys::SymmetricKey;

/// The key of one group epoch. A new epoch starts whenever a member leaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupKey {
    pub epoch: u64,
    pub key: SymmetricKey,
}

impl GroupKey {
    pub fn generate(epoch: u64) -> Self {
        GroupKey {
            epoch,
            key: SymmetricKey::generate(),
        }
    }
}
