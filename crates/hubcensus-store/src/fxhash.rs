//! A small, fast, non-cryptographic hasher (the `FxHash` of rustc and Firefox) for the store's
//! in-memory key maps: model keys and ids are short strings hashed millions of times per
//! commit, where the standard library's `SipHash` dominated the profile.
//!
//! Not resistant to hash flooding: a crafted set of ids could make lookups slow (never wrong).
//! The maps only hold keys of the store being written or read, so the worst case is a slow
//! import of a hostile dump, which the user chose to import.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Clone, Copy, Default)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    const fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    #[inline]
    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    #[inline]
    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // Spread the high bits down: hashbrown picks buckets from the low bits and control
        // bytes from the top seven.
        self.hash ^ (self.hash >> 29)
    }
}

pub(crate) type FxBuildHasher = BuildHasherDefault<FxHasher>;
pub(crate) type FxHashMap<K, V> = HashMap<K, V, FxBuildHasher>;
pub(crate) type FxHashSet<K> = std::collections::HashSet<K, FxBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_hash_equal_and_maps_work() {
        let mut map: FxHashMap<String, u32> = FxHashMap::default();
        for i in 0..10_000u32 {
            map.insert(format!("ns{}/model-{i}", i % 7), i);
        }
        for i in 0..10_000u32 {
            assert_eq!(map.get(&format!("ns{}/model-{i}", i % 7)), Some(&i));
        }
        assert_eq!(map.get("ns0/model-1"), None);
        // Prefixes differ from their extensions (the length is hashed by `str`'s `Hash`).
        let hash = |s: &str| {
            let mut h = FxHasher::default();
            std::hash::Hash::hash(s, &mut h);
            h.finish()
        };
        assert_ne!(hash("abcdefgh"), hash("abcdefgh\0"));
        assert_ne!(hash("a"), hash("b"));
    }
}
