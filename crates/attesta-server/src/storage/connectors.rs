//! Connectors and their members: p2p connectors between two parties and
//! group connectors owned by one.

use attesta_proto::api::Connector;
use attesta_proto::keys::PublicKeys;
use attesta_proto::tokens::{Token, TokenKind};
use time::OffsetDateTime;

use super::Committed;
use crate::Result;

pub trait ConnectorStore {
    /// Finds or creates the p2p connector between the caller and the holder of
    /// a searchable token; `None` when nobody holds it searchable.
    fn connectors_request(
        &self,
        caller: &str,
        kind: TokenKind,
        token: &Token,
        now: OffsetDateTime,
    ) -> Result<Option<Committed<Connector>>>;

    fn connectors_accept(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;

    fn connectors_block(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;

    fn connectors_unblock(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;

    fn connectors_list(&self, caller: &str) -> Result<Vec<Connector>>;

    /// A party's current public keys, as connector blocks show them.
    fn public_keys(&self, party_id: &str) -> Result<PublicKeys>;

    fn group_create(&self, caller: &str, now: OffsetDateTime) -> Result<Committed<Connector>>;

    fn group_invite(
        &self,
        caller: &str,
        connector_id: &str,
        party_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;

    fn group_leave(
        &self,
        caller: &str,
        connector_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;

    fn group_remove(
        &self,
        caller: &str,
        connector_id: &str,
        party_id: &str,
        now: OffsetDateTime,
    ) -> Result<Committed<()>>;
}
