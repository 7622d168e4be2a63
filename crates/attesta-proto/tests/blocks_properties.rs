//! Arbitrary and damaged input never panics the block parser or the opener,
//! and no damaged block opens.

use attesta_proto::blocks::{
    Block, ConnectorKeys, Content, Header, KnownKeys, OpenContext, Party, Sealer, Text, open,
};
use attesta_proto::keyring::Keyring;
use attesta_proto::keys::PartyKeys;
use std::sync::OnceLock;

use proptest::prelude::*;
use time::macros::datetime;

struct World {
    ada: Keyring,
    bob: Keyring,
    known: KnownKeys,
    /// Shared by every case, so that damaged blocks meet a warm cache.
    connector_keys: ConnectorKeys,
    block: Vec<u8>,
}

/// One world for all cases: keys and a block are costly to make in debug builds.
fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(make_world)
}

fn make_world() -> World {
    let ada = Keyring::new(PartyKeys::generate(1));
    let bob = Keyring::new(PartyKeys::generate(1));
    let mut known = KnownKeys::new();
    known.add_party("ada", ada.current().public().clone());
    known.add_party("bob", bob.current().public().clone());
    let header = Header::new(datetime!(2026-11-22 10:00 UTC));
    let content = Content::Text(Text {
        body: "hello".into(),
        reply_to: None,
    });
    let bob_party = Party {
        party_id: "bob",
        keys: bob.current().public(),
    };
    let block = Sealer::new("ada", ada.current(), "c1")
        .p2p(bob_party, header, content)
        .expect("sealing works");
    World {
        ada,
        bob,
        known,
        connector_keys: ConnectorKeys::new(),
        block,
    }
}

fn open_as_bob(world: &World, data: &[u8]) -> bool {
    let ctx = OpenContext {
        party_id: "bob",
        keyring: &world.bob,
        directory: &world.known,
        connector_keys: &world.connector_keys,
    };
    open(data, "c1", &ctx).is_ok()
}

#[test]
fn a_text_string_re_encoded_as_a_byte_string_does_not_open() {
    let world = world();
    // The envelope is a map whose first key is the text string "v" (header 0x61);
    // the same key as a byte string (0x41) means the same to a lenient reader.
    assert_eq!(world.block.get(1), Some(&0x61));
    let mut damaged = world.block.clone();
    damaged[1] = 0x41;
    assert!(!open_as_bob(world, &damaged));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_parser_or_the_opener(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let world = world();
        let _ = Block::parse(&data);
        prop_assert!(!open_as_bob(world, &data));
        let ctx = OpenContext {
            party_id: "ada",
            keyring: &world.ada,
            directory: &world.known,
            connector_keys: &world.connector_keys,
        };
        prop_assert!(open(&data, "c1", &ctx).is_err());
    }

    #[test]
    fn no_block_with_a_flipped_bit_opens(position in any::<prop::sample::Index>(), bit in 0u8..8) {
        let world = world();
        prop_assert!(open_as_bob(world, &world.block));
        let mut damaged = world.block.clone();
        let at = position.index(damaged.len());
        damaged[at] ^= 1 << bit;
        prop_assert!(!open_as_bob(world, &damaged));
    }

    #[test]
    fn no_truncated_block_opens(position in any::<prop::sample::Index>()) {
        let world = world();
        let cut = position.index(world.block.len());
        prop_assert!(!open_as_bob(world, &world.block[..cut]));
    }
}
