//! Connectors over HTTP against the real server: requesting, accepting,
//! blocking, groups, and who may do what.

mod common;

use attesta_proto::api::{
    ConnectorKind, ConnectorsAccept, ConnectorsBlock, ConnectorsDeliver, ConnectorsList,
    ConnectorsRequest, ConnectorsRequestResponse, ConnectorsUnblock, ErrorCode, GroupCreate,
    GroupInvite, GroupLeave, GroupRemove, ItemsDelete, MemberState, Method, Role, SearchToken,
};
use attesta_proto::tokens::{Token, TokenKind};
use common::peers::{client_id, nick_token};
use common::{Party, Server};

async fn list(server: &Server, party: &Party) -> Vec<attesta_proto::api::Connector> {
    server
        .call(Some(&party.session), &ConnectorsList {})
        .await
        .expect("connectors_list")
        .connectors
}

/// Calls a method as `party`, keeping only what the tests assert on: success
/// or the error code.
async fn outcome<M: Method>(server: &Server, party: &Party, request: M) -> Result<(), ErrorCode> {
    server
        .call(Some(&party.session), &request)
        .await
        .map(drop)
        .map_err(|e| e.code())
}

async fn accept(server: &Server, party: &Party, id: &str) -> Result<(), ErrorCode> {
    let connectors_id = id.to_owned();
    outcome(server, party, ConnectorsAccept { connectors_id }).await
}

async fn block(server: &Server, party: &Party, id: &str) -> Result<(), ErrorCode> {
    let connectors_id = id.to_owned();
    outcome(server, party, ConnectorsBlock { connectors_id }).await
}

async fn unblock(server: &Server, party: &Party, id: &str) -> Result<(), ErrorCode> {
    let connectors_id = id.to_owned();
    outcome(server, party, ConnectorsUnblock { connectors_id }).await
}

async fn leave(server: &Server, party: &Party, id: &str) -> Result<(), ErrorCode> {
    let connectors_id = id.to_owned();
    outcome(server, party, GroupLeave { connectors_id }).await
}

async fn invite(server: &Server, owner: &Party, id: &str, party: &Party) -> Result<(), ErrorCode> {
    let (connectors_id, party_id) = (id.to_owned(), party.party_id.clone());
    outcome(
        server,
        owner,
        GroupInvite {
            connectors_id,
            party_id,
        },
    )
    .await
}

async fn remove(server: &Server, owner: &Party, id: &str, party: &Party) -> Result<(), ErrorCode> {
    let (connectors_id, party_id) = (id.to_owned(), party.party_id.clone());
    outcome(
        server,
        owner,
        GroupRemove {
            connectors_id,
            party_id,
        },
    )
    .await
}

async fn group(server: &Server, owner: &Party) -> String {
    server
        .call(Some(&owner.session), &GroupCreate {})
        .await
        .expect("group_create")
        .connector
        .id
}

/// The state and role a party sees on a connector.
async fn seen(server: &Server, party: &Party, id: &str) -> (MemberState, Role) {
    let connector = list(server, party)
        .await
        .into_iter()
        .find(|c| c.id == id)
        .expect("the connector is listed");
    (connector.state, connector.role)
}

#[tokio::test]
async fn a_request_by_nick_opens_a_waiting_connector_both_sides_see() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;

    let connector = server.request(&alice, &bob).await;
    assert_eq!(connector.kind, ConnectorKind::P2p);
    assert_eq!(
        (connector.state, connector.role),
        (MemberState::Waiting, Role::Originator)
    );
    let peer = connector.peer.expect("a p2p connector names its peer");
    assert_eq!(peer.party_id, bob.party_id);
    assert_eq!(&peer.public_keys, bob.keys.public());

    let bobs = list(&server, &bob).await;
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0].id, connector.id);
    assert_eq!(
        (bobs[0].state, bobs[0].role),
        (MemberState::Waiting, Role::Recipient)
    );
    assert_eq!(
        bobs[0].peer.as_ref().map(|p| p.party_id.as_str()),
        Some(alice.party_id.as_str())
    );
}

#[tokio::test]
async fn requesting_a_token_nobody_holds_searchable_answers_not_found() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let (mut hidden, _) = common::registration("hidden");
    hidden.searchable = false;
    server
        .call(None, &hidden)
        .await
        .expect("registering a party with an unsearchable nick");

    for token in [
        SearchToken::of(TokenKind::Nick, Token::nick("nobody").expect("nick")),
        SearchToken::of(
            TokenKind::Email,
            Token::email("nobody@example.org").expect("email"),
        ),
        SearchToken::of(TokenKind::Nick, Token::nick("hidden").expect("nick")),
    ] {
        let answer = server
            .call(Some(&alice.session), &ConnectorsRequest { token })
            .await;
        assert!(
            matches!(answer, Ok(ConnectorsRequestResponse::NotFound(_))),
            "{answer:?}"
        );
    }
    assert!(list(&server, &alice).await.is_empty());
}

#[tokio::test]
async fn a_request_needs_exactly_one_token_and_never_oneself() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;

    let mut two = nick_token(&bob);
    two.email_token = Some(Token::email("bob@example.org").expect("email"));
    for token in [SearchToken::default(), two, nick_token(&alice)] {
        let error = server
            .call(Some(&alice.session), &ConnectorsRequest { token })
            .await
            .unwrap_err();
        assert_eq!(error.code(), ErrorCode::BadRequest);
    }
    assert!(list(&server, &alice).await.is_empty());
}

#[tokio::test]
async fn requesting_the_same_party_again_returns_the_one_connector() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;

    let first = server.request(&alice, &bob).await;
    let again = server.request(&alice, &bob).await;
    assert_eq!(again.id, first.id);
    assert_eq!(again.state, MemberState::Waiting);
    assert_eq!(list(&server, &alice).await.len(), 1);
    assert_eq!(list(&server, &bob).await.len(), 1);
}

#[tokio::test]
async fn mutual_requests_open_the_connector_at_once() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;

    let asked = server.request(&alice, &bob).await;
    let answered = server.request(&bob, &alice).await;
    assert_eq!(answered.id, asked.id);
    assert_eq!(answered.state, MemberState::Accepted);
    assert_eq!(
        seen(&server, &alice, &asked.id).await,
        (MemberState::Accepted, Role::Originator)
    );
    server
        .deliver(&bob, &asked.id, b"hi")
        .await
        .expect("an accepted connector carries blocks both ways");
}

#[tokio::test]
async fn connector_requests_are_rate_limited_per_party() {
    let server = Server::start_with(&["--lookups-per-hour", "2"]);
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;

    server.request(&alice, &bob).await;
    server.request(&alice, &bob).await;
    let error = server
        .call(
            Some(&alice.session),
            &ConnectorsRequest {
                token: nick_token(&bob),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Limit);
    assert!(
        error.retry_after.is_some(),
        "a rate limit says when to try again"
    );
    // Another party has its own budget.
    server.request(&bob, &alice).await;
}

#[tokio::test]
async fn the_recipient_accepts_once_and_the_originator_never() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    assert_eq!(
        accept(&server, &alice, &id).await,
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(accept(&server, &bob, &id).await, Ok(()));
    assert_eq!(
        seen(&server, &alice, &id).await,
        (MemberState::Accepted, Role::Originator)
    );
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Accepted, Role::Recipient)
    );
    // Again, by either side: nothing changes.
    assert_eq!(accept(&server, &bob, &id).await, Ok(()));
    assert_eq!(accept(&server, &alice, &id).await, Ok(()));
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Accepted, Role::Recipient)
    );
}

#[tokio::test]
async fn a_recipient_cannot_deliver_before_accepting() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    let error = server.deliver(&bob, &id, b"too early").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    accept(&server, &bob, &id).await.expect("accepting");
    server
        .deliver(&bob, &id, b"now")
        .await
        .expect("after accepting");
}

#[tokio::test]
async fn a_third_party_gets_not_found_from_every_method_on_a_connector_it_is_not_in() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let carol = server.register("carol").await;
    let p2p = server.connect(&alice, &bob).await;
    let item = server
        .deliver(&alice, &p2p, b"private")
        .await
        .expect("delivering");
    let team = group(&server, &alice).await;
    invite(&server, &alice, &team, &bob)
        .await
        .expect("inviting bob");

    for id in [p2p.as_str(), team.as_str(), "no-such-connector"] {
        assert_eq!(
            accept(&server, &carol, id).await,
            Err(ErrorCode::NotFound),
            "accept {id}"
        );
        assert_eq!(
            block(&server, &carol, id).await,
            Err(ErrorCode::NotFound),
            "block {id}"
        );
        assert_eq!(
            unblock(&server, &carol, id).await,
            Err(ErrorCode::NotFound),
            "unblock {id}"
        );
        let delivered = server.deliver(&carol, id, b"intrusion").await.unwrap_err();
        assert_eq!(delivered.code(), ErrorCode::NotFound, "deliver {id}");
        assert_eq!(
            invite(&server, &carol, id, &alice).await,
            Err(ErrorCode::NotFound),
            "invite {id}"
        );
        assert_eq!(
            remove(&server, &carol, id, &bob).await,
            Err(ErrorCode::NotFound),
            "remove {id}"
        );
        assert_eq!(
            leave(&server, &carol, id).await,
            Err(ErrorCode::NotFound),
            "leave {id}"
        );
    }
    let deleted = server
        .call(
            Some(&carol.session),
            &ItemsDelete {
                item_id: item.id.clone(),
            },
        )
        .await
        .unwrap_err();
    assert_eq!(deleted.code(), ErrorCode::NotFound);
    assert!(list(&server, &carol).await.is_empty());
    assert!(server.all_items(&carol).await.is_empty());
    assert_eq!(
        server.all_items(&bob).await.len(),
        1,
        "nothing carol did reached bob"
    );
}

#[tokio::test]
async fn a_blocked_senders_deliveries_answer_normally_and_never_arrive() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    assert_eq!(block(&server, &bob, &id).await, Ok(()));
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Blocked, Role::Recipient)
    );
    let hello = server
        .deliver(&alice, &id, b"hello?")
        .await
        .expect("the sender is not told");
    assert_eq!(
        seen(&server, &alice, &id).await,
        (MemberState::Waiting, Role::Originator)
    );
    assert_eq!(
        server.all_items(&alice).await,
        vec![hello.clone()],
        "the sender's devices see what it sent"
    );
    assert!(server.all_items(&bob).await.is_empty());

    // Asking again changes nothing, for either side.
    assert_eq!(
        server.request(&bob, &alice).await.state,
        MemberState::Blocked
    );
    assert_eq!(
        server.request(&alice, &bob).await.state,
        MemberState::Waiting
    );
    // A blocker does not deliver until it unblocks.
    assert_eq!(
        server.deliver(&bob, &id, b"x").await.unwrap_err().code(),
        ErrorCode::Forbidden
    );

    assert_eq!(unblock(&server, &bob, &id).await, Ok(()));
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Waiting, Role::Recipient)
    );
    assert!(
        server.all_items(&bob).await.is_empty(),
        "what came while blocked never arrives"
    );
    let later = server
        .deliver(&alice, &id, b"hello again")
        .await
        .expect("delivering");
    assert_eq!(server.all_items(&bob).await, vec![later]);
}

#[tokio::test]
async fn blocking_an_accepted_connector_is_silent_and_unblocking_restores_it() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;

    assert_eq!(block(&server, &alice, &id).await, Ok(()));
    assert_eq!(
        block(&server, &alice, &id).await,
        Ok(()),
        "blocking twice is blocking"
    );
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Accepted, Role::Recipient)
    );
    server
        .deliver(&bob, &id, b"unseen")
        .await
        .expect("answered as usual");
    assert!(server.all_items(&alice).await.is_empty());

    assert_eq!(unblock(&server, &alice, &id).await, Ok(()));
    assert_eq!(
        unblock(&server, &alice, &id).await,
        Ok(()),
        "unblocking twice is unblocking"
    );
    assert_eq!(
        seen(&server, &alice, &id).await,
        (MemberState::Accepted, Role::Originator)
    );
    let seen_now = server
        .deliver(&bob, &id, b"seen")
        .await
        .expect("delivering");
    assert_eq!(server.all_items(&alice).await, vec![seen_now]);
}

#[tokio::test]
async fn accepting_a_blocked_connector_unblocks_and_opens_it() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.request(&alice, &bob).await.id;

    block(&server, &bob, &id).await.expect("blocking");
    assert_eq!(accept(&server, &bob, &id).await, Ok(()));
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Accepted, Role::Recipient)
    );
    assert_eq!(
        seen(&server, &alice, &id).await,
        (MemberState::Accepted, Role::Originator)
    );
}

#[tokio::test]
async fn a_group_owner_invites_connected_parties_and_accepted_members_talk() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let carol = server.register("carol").await;
    server.connect(&alice, &bob).await;
    let created = server
        .call(Some(&alice.session), &GroupCreate {})
        .await
        .expect("group_create")
        .connector;
    assert_eq!(
        (created.kind, created.state, created.role),
        (ConnectorKind::Group, MemberState::Accepted, Role::Owner)
    );
    let team = created.id;

    assert_eq!(
        invite(&server, &alice, &team, &carol).await,
        Err(ErrorCode::NotFound),
        "no connector with carol"
    );
    assert_eq!(
        invite(&server, &alice, &team, &alice).await,
        Err(ErrorCode::BadRequest)
    );
    assert_eq!(invite(&server, &alice, &team, &bob).await, Ok(()));
    assert_eq!(
        seen(&server, &bob, &team).await,
        (MemberState::Waiting, Role::Member)
    );
    let error = server
        .deliver(&bob, &team, b"before accepting")
        .await
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    let before = server
        .deliver(&alice, &team, b"before bob joined")
        .await
        .expect("the owner talks");

    accept(&server, &bob, &team).await.expect("bob joins");
    let members = list(&server, &alice)
        .await
        .into_iter()
        .find(|c| c.id == team)
        .and_then(|c| c.members);
    let members = members.expect("a group lists its members");
    assert_eq!(members.len(), 2);
    assert!(
        members
            .iter()
            .any(|m| m.party_id == bob.party_id && m.state == MemberState::Accepted)
    );
    let hello = server
        .deliver(&bob, &team, b"hello group")
        .await
        .expect("a member talks");
    assert!(server.all_items(&alice).await.contains(&hello));
    let bobs = server.all_items(&bob).await;
    assert!(bobs.contains(&hello));
    assert!(!bobs.contains(&before), "nothing from before joining");
}

#[tokio::test]
async fn only_the_owner_invites_and_removes() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let carol = server.register("carol").await;
    server.connect(&alice, &bob).await;
    server.connect(&bob, &carol).await;
    server.connect(&alice, &carol).await;
    let team = group(&server, &alice).await;
    invite(&server, &alice, &team, &bob)
        .await
        .expect("inviting bob");
    accept(&server, &bob, &team).await.expect("bob joins");

    assert_eq!(
        invite(&server, &bob, &team, &carol).await,
        Err(ErrorCode::Forbidden)
    );
    invite(&server, &alice, &team, &carol)
        .await
        .expect("inviting carol");
    assert_eq!(
        remove(&server, &bob, &team, &carol).await,
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(
        remove(&server, &alice, &team, &alice).await,
        Err(ErrorCode::BadRequest)
    );
    let dave = server.register("dave").await;
    assert_eq!(
        remove(&server, &alice, &team, &dave).await,
        Err(ErrorCode::NotFound)
    );
    assert_eq!(
        seen(&server, &carol, &team).await,
        (MemberState::Waiting, Role::Member)
    );
}

#[tokio::test]
async fn group_methods_on_a_p2p_connector_are_bad_requests() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;

    assert_eq!(
        invite(&server, &alice, &id, &bob).await,
        Err(ErrorCode::BadRequest)
    );
    assert_eq!(
        remove(&server, &alice, &id, &bob).await,
        Err(ErrorCode::BadRequest)
    );
    assert_eq!(
        leave(&server, &alice, &id).await,
        Err(ErrorCode::BadRequest)
    );
    assert_eq!(
        seen(&server, &bob, &id).await,
        (MemberState::Accepted, Role::Recipient)
    );
}

#[tokio::test]
async fn a_removed_member_gets_nothing_delivered_after_removal() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    server.connect(&alice, &bob).await;
    let team = group(&server, &alice).await;
    invite(&server, &alice, &team, &bob)
        .await
        .expect("inviting");
    accept(&server, &bob, &team).await.expect("joining");
    let while_in = server
        .deliver(&alice, &team, b"while bob is in")
        .await
        .expect("delivering");

    assert_eq!(remove(&server, &alice, &team, &bob).await, Ok(()));
    assert_eq!(
        remove(&server, &alice, &team, &bob).await,
        Ok(()),
        "removing twice is removing"
    );
    assert_eq!(
        seen(&server, &bob, &team).await,
        (MemberState::Removed, Role::Member)
    );
    let after = server
        .deliver(&alice, &team, b"after bob left")
        .await
        .expect("delivering");
    let bobs = server.all_items(&bob).await;
    assert!(bobs.contains(&while_in), "what came while a member stays");
    assert!(!bobs.contains(&after));
    assert_eq!(
        server
            .deliver(&bob, &team, b"still here?")
            .await
            .unwrap_err()
            .code(),
        ErrorCode::Forbidden
    );
    assert_eq!(
        accept(&server, &bob, &team).await,
        Err(ErrorCode::Forbidden)
    );
    assert_eq!(block(&server, &bob, &team).await, Err(ErrorCode::Forbidden));
}

#[tokio::test]
async fn an_owner_who_leaves_hands_the_group_to_the_longest_standing_member() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let carol = server.register("carol").await;
    server.connect(&alice, &bob).await;
    server.connect(&alice, &carol).await;
    let team = group(&server, &alice).await;
    invite(&server, &alice, &team, &carol)
        .await
        .expect("inviting carol");
    invite(&server, &alice, &team, &bob)
        .await
        .expect("inviting bob");
    accept(&server, &bob, &team).await.expect("bob joins first");
    accept(&server, &carol, &team)
        .await
        .expect("carol joins second");

    assert_eq!(leave(&server, &alice, &team).await, Ok(()));
    assert_eq!(
        seen(&server, &alice, &team).await,
        (MemberState::Left, Role::Member)
    );
    assert_eq!(
        seen(&server, &bob, &team).await,
        (MemberState::Accepted, Role::Owner)
    );
    assert_eq!(
        seen(&server, &carol, &team).await,
        (MemberState::Accepted, Role::Member)
    );
    assert_eq!(
        remove(&server, &bob, &team, &carol).await,
        Ok(()),
        "the new owner removes"
    );
    let error = server.deliver(&alice, &team, b"gone").await.unwrap_err();
    assert_eq!(error.code(), ErrorCode::Forbidden);
    assert_eq!(
        leave(&server, &alice, &team).await,
        Ok(()),
        "leaving twice is leaving"
    );
}

#[tokio::test]
async fn a_delivery_needs_a_client_id_of_sixteen_bytes() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    let id = server.connect(&alice, &bob).await;
    let good = ConnectorsDeliver {
        connectors_id: id,
        data: b"x".to_vec(),
        client_id: client_id(),
        expires_at: None,
    };
    let mut body = serde_json::to_value(&good).expect("json");
    body["client_id"] = serde_json::json!("AAAA");
    let (status, answer) = server
        .post_raw(
            "/api/v1/connectors_deliver",
            Some("application/json"),
            Some(&alice.session),
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"]["code"], "bad_request");
}

#[tokio::test]
async fn every_connector_item_and_sync_method_needs_a_live_session() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let methods = [
        "connectors_request",
        "connectors_accept",
        "connectors_block",
        "connectors_unblock",
        "connectors_list",
        "connectors_deliver",
        "group_create",
        "group_invite",
        "group_leave",
        "group_remove",
        "items_delete",
        "sync",
        "events_ticket",
    ];
    server
        .call(Some(&alice.session), &attesta_proto::api::AuthLogout {})
        .await
        .expect("logging out");
    for method in methods {
        for session in [None, Some("not-a-session"), Some(alice.session.as_str())] {
            let path = format!("/api/v1/{method}");
            let (status, body) = server
                .post_raw(&path, Some("application/json"), session, b"{}".to_vec())
                .await;
            assert_eq!(status, 401, "{method} with {session:?}");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn a_member_who_blocks_a_group_gets_nothing_and_the_others_see_no_difference() {
    let server = Server::start();
    let alice = server.register("alice").await;
    let bob = server.register("bobby").await;
    server.connect(&alice, &bob).await;
    let team = group(&server, &alice).await;
    invite(&server, &alice, &team, &bob)
        .await
        .expect("inviting");
    accept(&server, &bob, &team).await.expect("joining");
    let before = list(&server, &alice).await;

    assert_eq!(block(&server, &bob, &team).await, Ok(()));
    assert_eq!(
        seen(&server, &bob, &team).await,
        (MemberState::Blocked, Role::Member)
    );
    assert_eq!(
        list(&server, &alice).await,
        before,
        "the owner's view, members and times included, is unchanged"
    );
    let unseen = server
        .deliver(&alice, &team, b"into the void")
        .await
        .expect("answered as usual");
    assert!(!server.all_items(&bob).await.contains(&unseen));
    assert_eq!(unblock(&server, &bob, &team).await, Ok(()));
    let seen_now = server
        .deliver(&alice, &team, b"back")
        .await
        .expect("delivering");
    let bobs = server.all_items(&bob).await;
    assert!(bobs.contains(&seen_now) && !bobs.contains(&unseen));
}
