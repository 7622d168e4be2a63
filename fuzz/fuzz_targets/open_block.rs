//! Feeds arbitrary bytes to the block parser and to the opener of a party
//! that holds keys, a peer and a group key, so every opening path is reachable.

#![no_main]

use std::sync::OnceLock;

use attesta_proto::blocks::{Block, ConnectorKeys, GroupKey, KnownKeys, OpenContext, open};
use attesta_proto::keyring::Keyring;
use attesta_proto::keys::PartyKeys;
use libfuzzer_sys::fuzz_target;

struct Reader {
    keyring: Keyring,
    known: KnownKeys,
    connector_keys: ConnectorKeys,
}

fn reader() -> &'static Reader {
    static READER: OnceLock<Reader> = OnceLock::new();
    READER.get_or_init(|| {
        let mut known = KnownKeys::new();
        known.add_party("ada", PartyKeys::generate(1).public().clone());
        known.add_group_key("c1", GroupKey::generate(1));
        Reader {
            keyring: Keyring::new(PartyKeys::generate(1)),
            known,
            connector_keys: ConnectorKeys::new(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let reader = reader();
    let _ = Block::parse(data);
    let ctx = OpenContext {
        party_id: "bob",
        keyring: &reader.keyring,
        directory: &reader.known,
        connector_keys: &reader.connector_keys,
    };
    assert!(
        open(data, "c1", &ctx).is_err(),
        "random bytes opened as a block"
    );
});
