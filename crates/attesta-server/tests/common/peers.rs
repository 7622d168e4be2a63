//! Connectors and items between test parties: the steps most tests of
//! connectors, items, sync and push begin with.

use attesta_proto::api::{
    AuthLogin, Connector, ConnectorsAccept, ConnectorsDeliver, ConnectorsRequest,
    ConnectorsRequestResponse, Item, LoginResponse, SearchToken, Sync, SyncResponse,
};
use attesta_proto::tokens::{Token, TokenKind};

use super::{ApiError, Party, Server};

/// A fresh `client_id`, as a client makes one per block.
pub fn client_id() -> [u8; 16] {
    rand::random()
}

/// The search token of a party's nick.
pub fn nick_token(party: &Party) -> SearchToken {
    SearchToken::of(
        TokenKind::Nick,
        Token::nick(&party.nick).expect("a valid test nick"),
    )
}

impl Server {
    /// `from` asks for a connector to `to` by nick; the connector as `from` sees it.
    pub async fn request(&self, from: &Party, to: &Party) -> Connector {
        match self
            .call(
                Some(&from.session),
                &ConnectorsRequest {
                    token: nick_token(to),
                },
            )
            .await
        {
            Ok(ConnectorsRequestResponse::Found(found)) => found.connector,
            other => panic!("requesting a connector to a searchable nick: {other:?}"),
        }
    }

    /// An accepted p2p connector between two parties; its id.
    pub async fn connect(&self, from: &Party, to: &Party) -> String {
        let id = self.request(from, to).await.id;
        self.call(
            Some(&to.session),
            &ConnectorsAccept {
                connectors_id: id.clone(),
            },
        )
        .await
        .expect("the recipient accepts");
        id
    }

    /// Delivers a block with a fresh `client_id` and no expiry.
    pub async fn deliver(
        &self,
        from: &Party,
        connectors_id: &str,
        data: &[u8],
    ) -> Result<Item, ApiError> {
        let request = ConnectorsDeliver {
            connectors_id: connectors_id.to_owned(),
            data: data.to_vec(),
            client_id: client_id(),
            expires_at: None,
        };
        self.call(Some(&from.session), &request)
            .await
            .map(|answer| answer.item)
    }

    /// The party logged in on another device: its session and device id.
    pub async fn second_device(&self, party: &Party) -> LoginResponse {
        let login = AuthLogin {
            login_token: Token::nick(&party.nick).expect("a valid nick"),
            auth_key: party.auth_key.clone(),
            device_name: "second".to_owned(),
        };
        self.call(None, &login).await.expect("logging in")
    }

    /// One `sync` call.
    pub async fn sync_from(
        &self,
        party: &Party,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> SyncResponse {
        let request = Sync {
            cursor: cursor.map(str::to_owned),
            limit,
        };
        self.call(Some(&party.session), &request)
            .await
            .expect("sync answers")
    }

    /// Every item the party may see now, syncing from the start until `more` is false.
    pub async fn all_items(&self, party: &Party) -> Vec<Item> {
        let mut items = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.sync_from(party, cursor.as_deref(), None).await;
            items.extend(page.items);
            if !page.more {
                return items;
            }
            cursor = Some(page.cursor);
        }
    }
}
