//! Round trips of every kind, and each way a block can go wrong giving its own error.

use rand::SeedableRng;
use rand::rngs::StdRng;
use time::OffsetDateTime;
use time::macros::datetime;

use super::*;
use crate::keyring::Keyring;
use crate::keys::{PartyKeys, SymmetricKey};

const CONNECTOR: &str = "conn-ab";

struct Someone {
    id: &'static str,
    keyring: Keyring,
    connector_keys: ConnectorKeys,
}

impl Someone {
    fn new(id: &'static str) -> Self {
        Someone {
            id,
            keyring: Keyring::new(PartyKeys::generate(1)),
            connector_keys: ConnectorKeys::new(),
        }
    }

    fn keys(&self) -> &PartyKeys {
        self.keyring.current()
    }

    fn party(&self) -> Party<'_> {
        Party {
            party_id: self.id,
            keys: self.keys().public(),
        }
    }

    fn sealer<'a>(&'a self, connector_id: &'a str) -> Sealer<'a> {
        Sealer::new(self.id, self.keys(), connector_id)
    }

    fn open(&self, block: &[u8], connector_id: &str, known: &KnownKeys) -> Result<Opened> {
        open(
            block,
            connector_id,
            &OpenContext {
                party_id: self.id,
                keyring: &self.keyring,
                directory: known,
                connector_keys: &self.connector_keys,
            },
        )
    }
}

/// Ada, Bob and Cy, each knowing the others' keys.
fn parties() -> (Someone, Someone, Someone, KnownKeys) {
    let (a, b, c) = (Someone::new("ada"), Someone::new("bob"), Someone::new("cy"));
    let mut known = KnownKeys::new();
    for p in [&a, &b, &c] {
        known.add_party(p.id, p.keys().public().clone());
    }
    (a, b, c, known)
}

fn header() -> Header {
    Header::new(datetime!(2026-11-22 10:00:00.123 UTC))
}

fn text(body: &str) -> Content {
    Content::Text(Text {
        body: body.into(),
        reply_to: None,
    })
}

fn hello() -> Hello {
    Hello {
        message: "Hi, it's Ada".into(),
        profile: Profile {
            display_name: "Ada".into(),
            nick: Some("ada".into()),
            avatar: None,
        },
        to: "bob".into(),
        group: None,
    }
}

#[test]
fn a_hello_opens_for_the_recipient_and_for_the_senders_own_devices() {
    let (a, b, _, known) = parties();
    let header = header().expiring_at(datetime!(2026-12-01 0:00 UTC));
    let block = a
        .sealer(CONNECTOR)
        .hello(b.party(), header.clone(), hello())
        .unwrap();
    for reader in [&b, &a] {
        let opened = reader.open(&block, CONNECTOR, &known).unwrap();
        let payload = opened.payload;
        assert_eq!(payload.content, Content::Hello(hello()));
        assert_eq!(
            (payload.author.as_str(), payload.author_key_version),
            ("ada", 1)
        );
        assert_eq!(
            (payload.msg_id, payload.sent_at, payload.expires_at),
            (header.msg_id, header.sent_at, header.expires_at)
        );
        assert_eq!(payload.kind, BlockKind::Hello);
    }
    assert!(block.len() <= MAX_HELLO_BYTES);
}

#[test]
fn a_hello_opens_for_no_third_party() {
    let (a, b, c, known) = parties();
    let block = a
        .sealer(CONNECTOR)
        .hello(b.party(), header(), hello())
        .unwrap();
    assert_eq!(
        c.open(&block, CONNECTOR, &known).unwrap_err(),
        Error::NotForUs
    );
}

#[test]
fn a_hello_larger_than_the_hello_maximum_is_not_made() {
    let (a, b, _, _) = parties();
    let mut big = hello();
    big.profile.avatar = Some(vec![0; MAX_HELLO_BYTES]);
    assert_eq!(
        a.sealer(CONNECTOR)
            .hello(b.party(), header(), big)
            .unwrap_err(),
        Error::TooLarge
    );
}

#[test]
fn p2p_blocks_open_in_both_directions_and_for_the_authors_devices() {
    let (a, b, _, known) = parties();
    let from_a = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("hello Bob"))
        .unwrap();
    let from_b = b
        .sealer(CONNECTOR)
        .p2p(a.party(), header(), text("hello Ada"))
        .unwrap();
    assert_eq!(
        b.open(&from_a, CONNECTOR, &known).unwrap().payload.content,
        text("hello Bob")
    );
    assert_eq!(
        a.open(&from_a, CONNECTOR, &known).unwrap().payload.content,
        text("hello Bob")
    );
    assert_eq!(
        a.open(&from_b, CONNECTOR, &known).unwrap().payload.author,
        "bob"
    );
}

#[test]
fn a_p2p_block_opens_for_no_third_party() {
    let (a, b, c, known) = parties();
    let block = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("x"))
        .unwrap();
    assert_eq!(
        c.open(&block, CONNECTOR, &known).unwrap_err(),
        Error::NotForUs
    );
}

#[test]
fn a_kept_connector_key_does_not_open_blocks_once_the_peer_keys_are_swapped() {
    let (a, b, _, known) = parties();
    let block = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("hello Bob"))
        .unwrap();
    assert!(b.open(&block, CONNECTOR, &known).is_ok());
    // Bob now holds other keys for Ada under the same version (a swap). The
    // kept key would decrypt and fail only at the signature; a key derived
    // from the swapped keys does not even decrypt.
    let mut swapped = KnownKeys::new();
    swapped.add_party(
        a.id,
        PartyKeys::generate(a.keys().version()).public().clone(),
    );
    assert_eq!(
        b.open(&block, CONNECTOR, &swapped).unwrap_err(),
        Error::CannotDecrypt
    );
}

#[test]
fn blocks_under_a_rotated_peer_key_open_with_their_own_connector_key() {
    let (mut a, b, _, mut known) = parties();
    let before = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("before"))
        .unwrap();
    assert!(b.open(&before, CONNECTOR, &known).is_ok());
    a.keyring.rotate().unwrap();
    known.add_party(a.id, a.keys().public().clone());
    let after = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("after"))
        .unwrap();
    assert_eq!(
        b.open(&after, CONNECTOR, &known).unwrap().payload.content,
        text("after")
    );
    assert_eq!(
        b.open(&before, CONNECTOR, &known).unwrap().payload.content,
        text("before")
    );
}
#[test]
fn a_group_block_opens_for_every_holder_of_the_epoch_key() {
    let (a, b, c, mut known) = parties();
    let key = GroupKey::generate(2);
    known.add_group_key("group-1", key.clone());
    let block = a
        .sealer("group-1")
        .group(&key, header(), text("hi all"))
        .unwrap();
    for reader in [&a, &b, &c] {
        let payload = reader.open(&block, "group-1", &known).unwrap().payload;
        assert_eq!((payload.content, payload.epoch), (text("hi all"), Some(2)));
    }
}

#[test]
fn a_group_block_of_an_unknown_epoch_says_so() {
    let (a, b, _, known) = parties();
    let block = a
        .sealer("group-1")
        .group(&GroupKey::generate(5), header(), text("x"))
        .unwrap();
    assert_eq!(
        b.open(&block, "group-1", &known).unwrap_err(),
        Error::UnknownEpoch(5)
    );
}

#[test]
fn a_group_key_block_gives_every_member_the_new_key() {
    let (a, b, c, known) = parties();
    let key = GroupKey::generate(3);
    let block = a
        .sealer("group-1")
        .group_key(&key, &[b.party(), c.party()], header())
        .unwrap();
    for reader in [&a, &b, &c] {
        let opened = reader.open(&block, "group-1", &known).unwrap();
        assert_eq!(opened.group_key.as_ref(), Some(&key));
        assert_eq!(
            opened.payload.content,
            Content::GroupKey(NewEpoch { epoch: 3 })
        );
    }
}

#[test]
fn a_group_key_block_never_expires() {
    let (a, b, _, _) = parties();
    let header = header().expiring_at(OffsetDateTime::UNIX_EPOCH);
    let err = a
        .sealer("group-1")
        .group_key(&GroupKey::generate(1), &[b.party()], header)
        .unwrap_err();
    assert!(matches!(err, Error::Inconsistent(_)), "{err}");
}

#[test]
fn a_hello_content_is_not_sent_as_a_p2p_block() {
    let (a, b, _, _) = parties();
    let err = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), Content::Hello(hello()))
        .unwrap_err();
    assert!(matches!(err, Error::Inconsistent(_)), "{err}");
}

#[test]
fn a_block_moved_to_another_connector_is_refused() {
    let (a, b, _, known) = parties();
    let block = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("x"))
        .unwrap();
    assert_eq!(
        b.open(&block, "conn-other", &known).unwrap_err(),
        Error::WrongConnector
    );
}

#[test]
fn a_block_whose_ciphertext_has_one_bit_flipped_cannot_be_decrypted() {
    let (a, b, _, known) = parties();
    let block = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("x"))
        .unwrap();
    let mut parsed = Block::parse(&block).unwrap();
    parsed.ct[3] ^= 0x10;
    assert_eq!(
        b.open(&parsed.to_bytes().unwrap(), CONNECTOR, &known)
            .unwrap_err(),
        Error::CannotDecrypt
    );
}

#[test]
fn a_truncated_block_is_malformed() {
    let (a, b, _, known) = parties();
    let block = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("x"))
        .unwrap();
    let err = b
        .open(&block[..block.len() - 1], CONNECTOR, &known)
        .unwrap_err();
    assert!(matches!(err, Error::Malformed(_)), "{err}");
}

#[test]
fn a_block_signed_by_another_key_than_its_authors_is_refused() {
    let (a, b, _, mut known) = parties();
    let key = GroupKey::generate(1);
    known.add_group_key("group-1", key.clone());
    // A member holding the group key writes as if it were Ada, with its own signing key.
    let forger = PartyKeys::generate(a.keys().version());
    let block = Sealer::new(a.id, &forger, "group-1")
        .group(&key, header(), text("pay Mallory"))
        .unwrap();
    assert_eq!(
        b.open(&block, "group-1", &known).unwrap_err(),
        Error::BadSignature
    );
}

#[test]
fn a_block_under_a_key_version_nobody_knows_says_which() {
    let (a, b, _, known) = parties();
    let newer = PartyKeys::generate(9);
    let block = Sealer::new(a.id, &newer, CONNECTOR)
        .p2p(b.party(), header(), text("x"))
        .unwrap();
    let err = b.open(&block, CONNECTOR, &known).unwrap_err();
    assert_eq!(
        err,
        Error::UnknownKeyVersion {
            party: "ada".into(),
            version: 9
        }
    );
}

#[test]
fn a_newer_block_format_is_reported_as_unsupported() {
    let newer = cbor::to_vec(&ciborium::Value::Map(vec![
        ("v".into(), 2.into()),
        ("x".into(), 1.into()),
    ]))
    .unwrap();
    assert_eq!(
        Block::parse(&newer).unwrap_err(),
        Error::UnsupportedVersion(2)
    );
}

#[test]
fn a_block_of_an_unknown_kind_is_reported_as_unsupported() {
    let (a, b, _, _) = parties();
    let block = a
        .sealer(CONNECTOR)
        .p2p(b.party(), header(), text("x"))
        .unwrap();
    let mut value: ciborium::Value = cbor::from_slice(&block).unwrap();
    for (k, v) in value.as_map_mut().unwrap() {
        if k.as_text() == Some("kind") {
            *v = "poll".into();
        }
    }
    let err = Block::parse(&cbor::to_vec(&value).unwrap()).unwrap_err();
    assert_eq!(err, Error::UnsupportedKind("poll".into()));
}

#[test]
fn input_over_the_block_maximum_is_refused_unread() {
    assert_eq!(
        Block::parse(&vec![0; MAX_BLOCK_BYTES + 1]).unwrap_err(),
        Error::TooLarge
    );
}

#[test]
fn a_fixed_block_keeps_its_exact_bytes() {
    let mut rng = StdRng::seed_from_u64(7);
    let ada = PartyKeys::generate_with(1, &mut rng);
    let bob = PartyKeys::generate_with(1, &mut rng);
    let header = Header {
        msg_id: MsgId([1; 16]),
        sent_at: datetime!(2026-11-22 10:00 UTC),
        expires_at: None,
    };
    let content = Content::Text(Text {
        body: "hello".into(),
        reply_to: Some(MsgId([2; 16])),
    });
    let bob_party = Party {
        party_id: "bob",
        keys: bob.public(),
    };
    let block = Sealer::with_rng("ada", &ada, CONNECTOR, rng)
        .p2p(bob_party, header, content)
        .unwrap();
    insta::assert_snapshot!(crate::encoding::to_b64(&block));
    insta::assert_snapshot!(diagnostic(&cbor::from_slice(&block).unwrap()));
    let mut known = KnownKeys::new();
    known.add_party("ada", ada.public().clone());
    let bob_ring = Keyring::new(bob);
    let opened = open(
        &block,
        CONNECTOR,
        &OpenContext {
            party_id: "bob",
            keyring: &bob_ring,
            directory: &known,
            connector_keys: &ConnectorKeys::new(),
        },
    );
    insta::assert_debug_snapshot!(opened.unwrap().payload);
}

#[test]
fn group_invitation_keys_survive_a_hello() {
    let (a, b, _, known) = parties();
    let mut invitation = hello();
    let key = SymmetricKey::from_bytes([5; 32]);
    invitation.group = Some(GroupInvitation {
        id: "group-1".into(),
        name: "Friends".into(),
        members: vec!["ada".into()],
        epoch: 1,
        key: key.clone(),
    });
    let block = a
        .sealer(CONNECTOR)
        .hello(b.party(), header(), invitation)
        .unwrap();
    let Content::Hello(opened) = b.open(&block, CONNECTOR, &known).unwrap().payload.content else {
        panic!("not a hello");
    };
    assert_eq!(opened.group.map(|g| g.key), Some(key));
}

/// CBOR diagnostic notation (RFC 8949 §8), so the snapshot shows the wire layout.
fn diagnostic(value: &ciborium::Value) -> String {
    use ciborium::Value;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let list = |items: Vec<String>| items.join(", ");
    match value {
        Value::Integer(i) => i128::from(*i).to_string(),
        Value::Bytes(b) => format!("h'{}'", hex(b)),
        Value::Text(t) => format!("{t:?}"),
        Value::Array(items) => format!("[{}]", list(items.iter().map(diagnostic).collect())),
        Value::Map(entries) => {
            let entries = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", diagnostic(k), diagnostic(v)));
            format!("{{{}}}", list(entries.collect()))
        }
        other => format!("{other:?}"),
    }
}
