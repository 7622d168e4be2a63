//! Making blocks: one method per kind on a [`Sealer`] that holds the author
//! and the connector.

use rand::CryptoRng;
use rand::rand_core::UnwrapErr;
use rand::rngs::SysRng;

use super::content::{Content, Hello, NewEpoch};
use super::envelope::{Block, BlockKind, KeyName, KeyRef, Seal, associated_data};
use super::group::GroupKey;
use super::opening::check;
use super::payload::{Header, Payload};
use super::seals::{self, GROUP_KEY_INFO, HELLO_INFO};
use super::{Error, MAX_BLOCK_BYTES, MAX_HELLO_BYTES, MAX_ID_BYTES, Result, p2p};
use crate::keys::{PartyKeys, PublicKeys, SymmetricKey, os_rng};

/// Another party, as the author knows it (its keys as pinned).
#[derive(Debug, Clone, Copy)]
pub struct Party<'a> {
    pub party_id: &'a str,
    pub keys: &'a PublicKeys,
}

/// Seals blocks written by one party (with its current keys) into one connector.
pub struct Sealer<'a, R = UnwrapErr<SysRng>> {
    party_id: &'a str,
    keys: &'a PartyKeys,
    connector_id: &'a str,
    rng: R,
}

impl<'a> Sealer<'a> {
    pub fn new(party_id: &'a str, keys: &'a PartyKeys, connector_id: &'a str) -> Self {
        Sealer {
            party_id,
            keys,
            connector_id,
            rng: os_rng(),
        }
    }
}

impl<'a, R: CryptoRng> Sealer<'a, R> {
    /// A sealer drawing nonces and keys from `rng`: tests use a seeded one to
    /// make fixed blocks.
    #[cfg(test)]
    pub(crate) fn with_rng(
        party_id: &'a str,
        keys: &'a PartyKeys,
        connector_id: &'a str,
        rng: R,
    ) -> Self {
        Sealer {
            party_id,
            keys,
            connector_id,
            rng,
        }
    }

    /// A HELLO (an invitation, or a group invitation over a p2p connector):
    /// a fresh content key, sealed to the recipient and to the author's own
    /// keys so the author's other devices see what was sent. At most
    /// [`MAX_HELLO_BYTES`].
    pub fn hello(&mut self, recipient: Party<'_>, header: Header, hello: Hello) -> Result<Vec<u8>> {
        let key_ref = KeyRef::Hello {
            author: self.author(),
            recipient: key_name(recipient),
        };
        let key = SymmetricKey::generate_with(&mut self.rng);
        let own = self.own();
        let info = seals::info(
            HELLO_INFO,
            self.connector_id,
            None,
            [own.keys, recipient.keys],
        )?;
        let aad = associated_data(self.connector_id, BlockKind::Hello)?;
        let seals = [recipient, own]
            .into_iter()
            .map(|to| seals::seal(&mut self.rng, to.party_id, to.keys, &info, &aad, &key))
            .collect::<Result<_>>()?;
        let block = self.finish(key_ref, seals, &key, header, Content::Hello(hello))?;
        if block.len() > MAX_HELLO_BYTES {
            Err(Error::TooLarge)
        } else {
            Ok(block)
        }
    }

    /// A block of an accepted p2p connector, under the connector key.
    pub fn p2p(&mut self, peer: Party<'_>, header: Header, content: Content) -> Result<Vec<u8>> {
        peer.keys.verify()?;
        let key = p2p::connector_key(self.keys, peer.keys, self.connector_id)?;
        let key_ref = KeyRef::P2p {
            author: self.author(),
            peer: key_name(peer),
        };
        self.finish(key_ref, Vec::new(), &key, header, content)
    }

    /// A block of a group connector, under the group key of `key.epoch`.
    pub fn group(&mut self, key: &GroupKey, header: Header, content: Content) -> Result<Vec<u8>> {
        self.finish(
            KeyRef::Group { epoch: key.epoch },
            Vec::new(),
            &key.key,
            header,
            content,
        )
    }

    /// Starts the epoch of `new_key`: the key sealed to every member (the
    /// author included, whether listed or not), the payload under the new key.
    pub fn group_key(
        &mut self,
        new_key: &GroupKey,
        members: &[Party<'_>],
        header: Header,
    ) -> Result<Vec<u8>> {
        let own = self.own();
        let aad = associated_data(self.connector_id, BlockKind::GroupKey)?;
        let recipients = members
            .iter()
            .filter(|m| m.party_id != own.party_id)
            .chain([&own]);
        let mut seals = Vec::new();
        for member in recipients {
            let info = seals::info(
                GROUP_KEY_INFO,
                self.connector_id,
                Some(new_key.epoch),
                [own.keys, member.keys],
            )?;
            seals.push(seals::seal(
                &mut self.rng,
                member.party_id,
                member.keys,
                &info,
                &aad,
                &new_key.key,
            )?);
        }
        let key_ref = KeyRef::GroupKey {
            author: self.author(),
            epoch: new_key.epoch,
        };
        let content = Content::GroupKey(NewEpoch {
            epoch: new_key.epoch,
        });
        self.finish(key_ref, seals, &new_key.key, header, content)
    }

    fn own(&self) -> Party<'a> {
        Party {
            party_id: self.party_id,
            keys: self.keys.public(),
        }
    }

    fn author(&self) -> KeyName {
        key_name(self.own())
    }

    /// Signs the payload, encrypts it under `key` and checks the result by the
    /// rules [`super::open`] applies, so a sealer cannot make what no one opens.
    fn finish(
        &mut self,
        key_ref: KeyRef,
        seals: Vec<Seal>,
        key: &SymmetricKey,
        header: Header,
        content: Content,
    ) -> Result<Vec<u8>> {
        if self.connector_id.len() > MAX_ID_BYTES || self.party_id.len() > MAX_ID_BYTES {
            return Err(Error::IdTooLong);
        }
        let epoch = match key_ref {
            KeyRef::Group { epoch } | KeyRef::GroupKey { epoch, .. } => Some(epoch),
            KeyRef::Hello { .. } | KeyRef::P2p { .. } => None,
        };
        let mut block = Block {
            connector_id: self.connector_id.to_owned(),
            key_ref,
            nonce: [0; 24],
            ct: Vec::new(),
            seals,
        };
        let payload = Payload {
            msg_id: header.msg_id,
            author: self.party_id.to_owned(),
            author_key_version: self.keys.version(),
            connector_id: self.connector_id.to_owned(),
            kind: block.kind(),
            epoch,
            sent_at: header.sent_at,
            expires_at: header.expires_at,
            content,
        };
        check(&payload, &block)?;
        let plaintext = zeroize::Zeroizing::new(payload.sign(self.keys)?);
        self.rng.fill_bytes(&mut block.nonce);
        block.ct = key.encrypt(
            &block.nonce,
            &associated_data(self.connector_id, block.kind())?,
            &plaintext,
        );
        let bytes = block.to_bytes()?;
        if bytes.len() > MAX_BLOCK_BYTES {
            Err(Error::TooLarge)
        } else {
            Ok(bytes)
        }
    }
}

fn key_name(party: Party<'_>) -> KeyName {
    KeyName {
        party: party.party_id.to_owned(),
        version: party.keys.version,
    }
}
