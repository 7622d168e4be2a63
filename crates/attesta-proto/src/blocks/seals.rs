//! Keys sealed to a party's exchange key with HPKE (RFC 9180, base mode,
//! DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / ChaCha20Poly1305). The `info`
//! of each seal binds the connector and the public keys of both ends.

use ciborium::Value;
use hpke::{Deserializable, OpModeR, OpModeS, Serializable};
use rand::CryptoRng;

use super::cbor;
use super::envelope::Seal;
use super::{Error, Result};
use crate::keys::{PartyKeys, PublicKeys, SymmetricKey};

/// The label of a HELLO's seals; the ends are sender and recipient.
pub(super) const HELLO_INFO: &str = "attesta hello v1";
/// The label of a `group_key` block's seals; the ends are author and member.
pub(super) const GROUP_KEY_INFO: &str = "attesta group_key v1";

type Kem = hpke::kem::X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::ChaCha20Poly1305;
type KemPublic = <Kem as hpke::Kem>::PublicKey;
type KemPrivate = <Kem as hpke::Kem>::PrivateKey;
type KemEncapped = <Kem as hpke::Kem>::EncappedKey;

/// The HPKE `info` of a seal: the canonical CBOR array of a label and the
/// values it binds, each party's keys as `[version, sign, dh, dh_sig]`.
pub(super) fn info(
    label: &str,
    connector_id: &str,
    middle: Option<u64>,
    ends: [&PublicKeys; 2],
) -> Result<Vec<u8>> {
    let keys = |k: &PublicKeys| {
        Value::Array(vec![
            k.version.into(),
            Value::Bytes(k.sign.to_vec()),
            Value::Bytes(k.dh.to_vec()),
            Value::Bytes(k.dh_sig.to_vec()),
        ])
    };
    let items = [
        Some(label.into()),
        Some(connector_id.into()),
        middle.map(Value::from),
    ]
    .into_iter()
    .flatten()
    .chain(ends.map(keys))
    .collect();
    cbor::to_vec(&Value::Array(items)).map_err(Error::Encoding)
}

/// Seals `key` to `recipient` (party `to`).
pub(super) fn seal(
    rng: &mut impl CryptoRng,
    to: &str,
    recipient: &PublicKeys,
    info: &[u8],
    aad: &[u8],
    key: &SymmetricKey,
) -> Result<Seal> {
    recipient.verify()?;
    let public =
        KemPublic::from_bytes(&recipient.dh).map_err(|e| Error::Encoding(e.to_string()))?;
    let (enc, key_ct) = hpke::single_shot_seal_with_rng::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &public,
        info,
        key.as_bytes(),
        aad,
        rng,
    )
    .map_err(|_| Error::NonContributory)?;
    Ok(Seal {
        to: to.to_owned(),
        version: recipient.version,
        enc: enc.to_bytes().into(),
        key_ct: key_ct
            .try_into()
            .map_err(|_| Error::Encoding("a sealed key is 48 bytes".into()))?,
    })
}

/// Opens a seal with `own` keys (of the seal's version).
pub(super) fn open(seal: &Seal, own: &PartyKeys, info: &[u8], aad: &[u8]) -> Result<SymmetricKey> {
    let private = KemPrivate::from_bytes(own.dh_secret().as_bytes())
        .map_err(|e| Error::Encoding(e.to_string()))?;
    let enc = KemEncapped::from_bytes(&seal.enc).map_err(|_| Error::CannotDecrypt)?;
    let key = hpke::single_shot_open::<Aead, Kdf, Kem>(
        &OpModeR::Base,
        &private,
        &enc,
        info,
        &seal.key_ct,
        aad,
    )
    .map_err(|_| Error::CannotDecrypt)?;
    let key = zeroize::Zeroizing::new(key);
    let bytes: [u8; 32] = key
        .as_slice()
        .try_into()
        .map_err(|_| Error::CannotDecrypt)?;
    Ok(SymmetricKey::from_bytes(bytes))
}
