//! syntex (SHA3): the 36-byte token hash of tokens.md. Shaped like Universa's
//! Syntex1 (a length-salted hash, then a CRC-32 over data, length and hash) but
//! with SHA3-256, so it is deliberately not byte-compatible with Syntex1.

use sha3::{Digest, Sha3_256};

/// Length of a syntex hash in bytes: 32 of SHA3-256, 4 of CRC-32.
pub const LEN: usize = 36;

/// `SHA3-256(m || L) || CRC-32(m || L || h)` (big-endian), where `L` is the
/// ASCII decimal length of `m` in bytes.
pub fn syntex(m: &[u8]) -> [u8; LEN] {
    let length = m.len().to_string();
    let mut sha = Sha3_256::new();
    sha.update(m);
    sha.update(length.as_bytes());
    let h = sha.finalize();

    let mut crc = crc32fast::Hasher::new();
    crc.update(m);
    crc.update(length.as_bytes());
    crc.update(&h);
    let c = crc.finalize().to_be_bytes();

    let mut out = [0u8; LEN];
    let (hash_part, crc_part) = out.split_at_mut(h.len());
    hash_part.copy_from_slice(&h);
    crc_part.copy_from_slice(&c);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn every_raw_vector_of_tokens_md_is_reproduced() {
        let vectors = [
            (
                "",
                "f9e2eaaa42d9fe9e558a9b8ef1bf366f190aacaa83bad2641ee106e9041096e4828a517a",
            ),
            (
                "alice",
                "343703e74444eaa91044efafcb7dcd86f6a41d0dbff327139266186d1284096b992472d3",
            ),
            (
                "jürgen müller",
                "8d49b483f864da2ca01ec71a4af3bd20d39849b757f7ac91b80f736a03facbed7b8ac162",
            ),
            (
                "person@example.org",
                "001e047f83c7231d6d442de47781effc5b87796fa1e379925a2398c37f98cf081b2598a4",
            ),
            (
                "+14155550123",
                "faca7d024c505d08e679d865ec1f269543c86a888028f18a65eabb1d7fdc207e441dcdb8",
            ),
        ];
        for (input, expected) in vectors {
            assert_eq!(
                hex(&syntex(input.as_bytes())),
                expected,
                "syntex of {input:?}"
            );
        }
    }

    #[test]
    fn the_length_is_part_of_the_hash_so_shifting_bytes_changes_it() {
        // "a1" hashes "a1" + "2"; "a" hashes "a" + "1": different even though
        // m || L would be "a12" versus "a1".
        assert_ne!(syntex(b"a1"), syntex(b"a"));
        assert_ne!(syntex(b"ab"), syntex(b"ba"));
    }
}
