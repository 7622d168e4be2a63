//! The connector key of a p2p connector, which both parties (and all their
//! devices) derive from their own exchange key and the peer's, with no exchange.

use hkdf::Hkdf;
use sha2::Sha256;

use super::{Error, Result};
use crate::keys::{PartyKeys, PublicKeys, SymmetricKey};

const INFO_LABEL: &[u8] = b"attesta p2p v1";

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
}
