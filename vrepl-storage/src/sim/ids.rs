//! Identifiers the simulated arrays hand out: UUIDs, LUN serial numbers, VMFS UUIDs, MSIDs.
//!
//! Drawn from a seeded sequence, so the same lab built twice has the same identifiers (tests
//! and golden outputs stay stable) and a persisted fabric carries on where it stopped.

use serde::{Deserialize, Serialize};

/// The characters ONTAP uses in LUN serial numbers (`wf0Iq+N4uck3`).
const SERIAL_CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-";

/// A deterministic source of identifiers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ids {
    state: u64,
    msids: u64,
}

impl Ids {
    /// The next 64 random-looking bits (splitmix64).
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A random (v4) UUID.
    pub(crate) fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    /// A 12-character LUN serial number.
    pub(crate) fn serial(&mut self) -> String {
        let mut bits = self.next_u64();
        (0..12)
            .map(|i| {
                if i == 10 {
                    bits = self.next_u64();
                }
                let c = SERIAL_CHARS[(bits & 63) as usize] as char;
                bits >>= 6;
                c
            })
            .collect()
    }

    /// A VMFS UUID, `49d22e2e-996a0dea-b555-001f2960aed8` style.
    pub(crate) fn vmfs_uuid(&mut self) -> String {
        let a = self.next_u64();
        let b = self.next_u64();
        format!(
            "{:08x}-{:08x}-{:04x}-{:012x}",
            a >> 32,
            a & 0xffff_ffff,
            b >> 48,
            b & 0xffff_ffff_ffff
        )
    }

    /// A volume's 10-digit master set id, as in `snapmirror.…_2147484682.…`.
    pub(crate) fn msid(&mut self) -> u64 {
        self.msids += 1;
        2_147_484_672 + self.msids * 7
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_have_ontap_shapes() {
        let mut ids = Ids::default();
        let serial = ids.serial();
        assert_eq!(serial.len(), 12);
        assert!(serial.bytes().all(|b| SERIAL_CHARS.contains(&b)));
        assert_ne!(serial, ids.serial());
        let v = ids.vmfs_uuid();
        let parts: Vec<usize> = v.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 8, 4, 12], "{v}");
        assert_eq!(ids.msid().to_string().len(), 10);
        assert!(uuid::Uuid::parse_str(&ids.uuid()).is_ok());
    }

    #[test]
    fn the_sequence_is_reproducible() {
        let (mut a, mut b) = (Ids::default(), Ids::default());
        assert_eq!(a.serial(), b.serial());
        assert_eq!(a.uuid(), b.uuid());
    }
}
