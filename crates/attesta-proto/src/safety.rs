//! Safety numbers: 60 digits both parties of a conversation see alike and can
//! compare out of band, catching a server that swapped keys.

use std::fmt;

use sha3::{Digest, Sha3_256};

use crate::keys::PublicKeys;

const LABEL: &[u8] = b"attesta safety v1";
/// Rounds of hashing, to make a search for colliding keys costly.
const ROUNDS: usize = 1024;

/// The safety number of a conversation between two parties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyNumber(String);

impl SafetyNumber {
    /// The number of `a` and `b`, in either order: the same on both sides.
    pub fn of(a: (&str, &PublicKeys), b: (&str, &PublicKeys)) -> Self {
        let mut halves = [party_digits(a.0, a.1), party_digits(b.0, b.1)];
        halves.sort();
        SafetyNumber(halves.concat())
    }

    /// The 60 digits without spaces (the content of the QR code).
    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// Twelve groups of five digits separated by spaces.
impl fmt::Display for SafetyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<&str> = self
            .0
            .as_bytes()
            .chunks(5)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        f.write_str(&groups.join(" "))
    }
}

/// 30 digits of one party: `h = input`, then 1024 times `h = SHA3-256(h || input)`
/// with `input = "attesta safety v1" || party id || sign || dh`; the first 30
/// bytes of `h` as six 5-byte big-endian numbers, each modulo 100000.
fn party_digits(party_id: &str, keys: &PublicKeys) -> String {
    let input = [LABEL, party_id.as_bytes(), &keys.sign, &keys.dh].concat();
    let mut hash = input.clone();
    for _ in 0..ROUNDS {
        hash = Sha3_256::new()
            .chain_update(&hash)
            .chain_update(&input)
            .finalize()
            .to_vec();
    }
    hash.chunks_exact(5)
        .take(6)
        .map(|chunk| {
            let number = chunk
                .iter()
                .fold(0u64, |n, byte| (n << 8) | u64::from(*byte));
            format!("{:05}", number % 100_000)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::PartyKeys;

    #[test]
    fn both_sides_compute_the_same_sixty_digits() {
        let (a, b) = (PartyKeys::generate(1), PartyKeys::generate(1));
        let ab = SafetyNumber::of(("pa", a.public()), ("pb", b.public()));
        let ba = SafetyNumber::of(("pb", b.public()), ("pa", a.public()));
        assert_eq!(ab, ba);
        assert_eq!(ab.digits().len(), 60);
        assert!(ab.digits().bytes().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn a_swapped_key_changes_the_number() {
        let (a, b, m) = (
            PartyKeys::generate(1),
            PartyKeys::generate(1),
            PartyKeys::generate(1),
        );
        let genuine = SafetyNumber::of(("pa", a.public()), ("pb", b.public()));
        let swapped = SafetyNumber::of(("pa", a.public()), ("pb", m.public()));
        assert_ne!(genuine, swapped);
    }

    #[test]
    fn the_number_is_shown_in_twelve_groups_of_five() {
        let number = SafetyNumber("0123456789".repeat(6));
        assert_eq!(
            number.to_string(),
            "01234 56789 01234 56789 01234 56789 01234 56789 01234 56789 01234 56789"
        );
    }

    #[test]
    fn fixed_keys_give_a_fixed_number() {
        let keys = PublicKeys {
            version: 1,
            sign: [1; 32],
            dh: [2; 32],
            dh_sig: [0; 64],
        };
        let other = PublicKeys {
            version: 1,
            sign: [3; 32],
            dh: [4; 32],
            dh_sig: [0; 64],
        };
        insta::assert_snapshot!(
            SafetyNumber::of(("party-a", &keys), ("party-b", &other)).to_string()
        );
    }
}
