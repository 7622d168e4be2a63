//! The connector key of a p2p connector, which both parties (and all their
//! devices) derive from their own exchange key and the peer's, with no exchange.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, MutexGuard};

use hkdf::Hkdf;
use sha2::Sha256;

use super::{Error, Result};
use crate::keys::{PUBLIC_KEYS_BYTES, PartyKeys, PublicKeys, SymmetricKey};

const INFO_LABEL: &[u8] = b"attesta p2p v1";

/// Derived keys kept by [`ConnectorKeys`]; cleared when it holds this many,
/// so it never grows without bound.
const CONNECTOR_KEYS_MAX: usize = 4096;

/// Connector keys derived once per connector and pair of keys, for opening
/// many blocks of one conversation: the X25519 agreement was most of what
/// opening a p2p block cost (docs/performance.md). An entry is found only
/// with the exact connector id, own key version and exchange key, and every
/// byte of the peer's public keys, so a rotated or swapped peer key derives
/// afresh and fails where it should. Only successes are kept. It holds
/// secrets, so it belongs to a logged-in session, not to the process.
#[derive(Default)]
pub struct ConnectorKeys(Mutex<HashMap<Derivation, SymmetricKey>>);

/// Everything a connector key is derived from, the own secret aside (its
/// public key stands for it).
#[derive(PartialEq, Eq, Hash)]
struct Derivation {
    connector_id: String,
    own_version: u32,
    own_dh: [u8; 32],
    peer: [u8; PUBLIC_KEYS_BYTES],
}

impl ConnectorKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// The key of `connector_id` between `own` and `peer`, derived on first use.
    pub(super) fn get(
        &self,
        own: &PartyKeys,
        peer: &PublicKeys,
        connector_id: &str,
    ) -> Result<SymmetricKey> {
        let derivation = Derivation {
            connector_id: connector_id.to_owned(),
            own_version: own.version(),
            own_dh: own.dh_public(),
            peer: peer.to_bytes(),
        };
        if let Some(key) = self.lock().get(&derivation) {
            return Ok(key.clone());
        }
        let key = connector_key(own, peer, connector_id)?;
        let mut keys = self.lock();
        if keys.len() >= CONNECTOR_KEYS_MAX {
            keys.clear();
        }
        keys.insert(derivation, key.clone());
        Ok(key)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<Derivation, SymmetricKey>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl fmt::Debug for ConnectorKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectorKeys({} kept)", self.lock().len())
    }
}

/// `K = HKDF-SHA256(ikm = X25519(own dh, peer dh), salt = connector id,
/// info = "attesta p2p v1" || lower dh || higher dh)`.
pub(super) fn connector_key(
    own: &PartyKeys,
    peer: &PublicKeys,
    connector_id: &str,
) -> Result<SymmetricKey> {
    let shared = own
        .dh_secret()
        .diffie_hellman(&x25519_dalek::PublicKey::from(peer.dh));
    if !shared.was_contributory() {
        return Err(Error::NonContributory);
    }
    let own_dh = own.dh_public();
    let (lower, higher) = if own_dh <= peer.dh {
        (own_dh, peer.dh)
    } else {
        (peer.dh, own_dh)
    };
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(connector_id.as_bytes()), shared.as_bytes())
        .expand(&[INFO_LABEL, &lower, &higher].concat(), &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    Ok(SymmetricKey::from_bytes(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_parties_derive_the_same_connector_key() {
        let (a, b) = (PartyKeys::generate(1), PartyKeys::generate(4));
        let ab = connector_key(&a, b.public(), "c1").unwrap();
        let ba = connector_key(&b, a.public(), "c1").unwrap();
        assert_eq!(ab, ba);
        assert_ne!(ab, connector_key(&a, b.public(), "c2").unwrap());
    }

    #[test]
    fn a_low_order_peer_key_is_refused() {
        let mut peer = PartyKeys::generate(1).public().clone();
        peer.dh = [0; 32];
        let err = connector_key(&PartyKeys::generate(1), &peer, "c1").unwrap_err();
        assert_eq!(err, Error::NonContributory);
    }

    #[test]
    fn a_kept_key_is_the_derived_one() {
        let (a, b) = (PartyKeys::generate(1), PartyKeys::generate(1));
        let kept = ConnectorKeys::new();
        let first = kept.get(&a, b.public(), "c1").unwrap();
        assert_eq!(first, connector_key(&a, b.public(), "c1").unwrap());
        assert_eq!(kept.get(&a, b.public(), "c1").unwrap(), first);
        assert_ne!(kept.get(&a, b.public(), "c2").unwrap(), first);
    }

    #[test]
    fn a_rotated_peer_key_is_not_opened_with_the_stale_cached_key() {
        let a = PartyKeys::generate(1);
        let (old, rotated) = (PartyKeys::generate(1), PartyKeys::generate(2));
        let kept = ConnectorKeys::new();
        let stale = kept.get(&a, old.public(), "c1").unwrap();
        let fresh = kept.get(&a, rotated.public(), "c1").unwrap();
        assert_eq!(fresh, connector_key(&a, rotated.public(), "c1").unwrap());
        assert_ne!(fresh, stale);
    }

    #[test]
    fn a_peer_key_swapped_under_the_same_version_is_not_opened_with_the_cached_key() {
        let a = PartyKeys::generate(1);
        let (genuine, swapped) = (PartyKeys::generate(1), PartyKeys::generate(1));
        let kept = ConnectorKeys::new();
        let cached = kept.get(&a, genuine.public(), "c1").unwrap();
        let derived = kept.get(&a, swapped.public(), "c1").unwrap();
        assert_eq!(derived, connector_key(&a, swapped.public(), "c1").unwrap());
        assert_ne!(derived, cached);
    }

    #[test]
    fn own_keys_of_another_version_derive_afresh() {
        let (old, rotated) = (PartyKeys::generate(1), PartyKeys::generate(2));
        let b = PartyKeys::generate(1);
        let kept = ConnectorKeys::new();
        let stale = kept.get(&old, b.public(), "c1").unwrap();
        let fresh = kept.get(&rotated, b.public(), "c1").unwrap();
        assert_eq!(fresh, connector_key(&rotated, b.public(), "c1").unwrap());
        assert_ne!(fresh, stale);
    }
}
