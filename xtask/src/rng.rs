//! A tiny deterministic RNG (splitmix64): the same seed gives the same corpus on every
//! platform and Rust version.

use std::cell::Cell;

/// Methods take `&self` (the state is a `Cell`), so a draw can appear among the arguments of
/// a `&mut self` call on the owner.
pub struct Rng(Cell<u64>);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(Cell::new(seed ^ 0x005E_ED0F_6A7D_4A11))
    }

    pub fn next_u64(&self) -> u64 {
        let mut z = self.0.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.0.set(z);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when n is 0).
    pub fn below(&self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100 (resolution 0.0001%).
    pub fn chance(&self, percent: f64) -> bool {
        (self.below(1_000_000) as f64) < percent * 10_000.0
    }

    pub fn pick<T: Copy>(&self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
    }

    /// Index chosen by integer weights.
    pub fn weighted(&self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }

    /// An independent stream (so that one file's content does not shift the next file's).
    pub fn fork(&self) -> Rng {
        Rng(Cell::new(self.next_u64()))
    }

    pub fn hex(&self, len: usize) -> String {
        const HEX: &[u8] = b"0123456789abcdef";
        (0..len).map(|_| HEX[self.below(16)] as char).collect()
    }

    pub fn alnum(&self, len: usize) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..len).map(|_| A[self.below(A.len())] as char).collect()
    }
}
