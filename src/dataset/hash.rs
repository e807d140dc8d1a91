//! The data version: a fast content hash of the catalog and every file, used as the ETag of
//! everything served.

/// A fast content hash over 8-byte words, for data versions.
#[derive(Default)]
pub struct ContentHash {
    state: u64,
}

impl ContentHash {
    pub fn add(&mut self, bytes: &[u8]) {
        const K: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut h = self.state ^ (bytes.len() as u64).wrapping_mul(K);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ w).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.state = h;
    }

    /// Add another hash's state (a part of the data hashed on its own).
    pub fn absorb(&mut self, other: &ContentHash) {
        self.add(&other.state.to_le_bytes());
    }

    pub fn finish(&self) -> String {
        let mut h = self.state;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        format!("{h:016x}")
    }
}
