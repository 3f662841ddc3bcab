//! A small seeded pseudo-random generator, written here so the crate needs no `rand`.
//!
//! `SplitMix64` (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
//! OOPSLA 2014; constants from Sebastiano Vigna's reference `splitmix64.c`, public domain,
//! <https://prng.di.unimi.it/splitmix64.c>). Its finalizer is also used as a counter-based hash:
//! a value for (seed, model slot, week, stream) is computed directly, with no state, so any week
//! of the world can be generated independently of the others and on any thread.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The `SplitMix64` output function (a bijective 64-bit mixer).
#[must_use]
pub const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stateless hash of a seed and three counters.
#[must_use]
pub const fn hash(seed: u64, slot: u64, week: u64, stream: u64) -> u64 {
    let a = mix(seed.wrapping_add(GOLDEN.wrapping_mul(slot.wrapping_add(1))));
    let b = mix(a ^ week.wrapping_mul(0xD1B5_4A32_D192_ED03));
    mix(b ^ stream.wrapping_mul(0xAEF1_7502_108E_F2D9))
}

/// A uniform draw in `[0, 1)` from 64 random bits (the top 53 bits).
#[must_use]
pub fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// The sequential `SplitMix64` generator.
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    #[must_use]
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        unit(self.next_u64())
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is below 2^-40 for the sizes used here.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A standard normal deviate (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_splitmix64_sequence() {
        // First outputs of splitmix64.c seeded with 1234567 (reference values).
        let mut rng = SplitMix64::new(1_234_567);
        let expected = [
            6_457_827_717_110_365_317,
            3_203_168_211_198_807_973,
            9_817_491_932_198_370_423,
        ];
        for value in expected {
            assert_eq!(rng.next_u64(), value);
        }
    }

    #[test]
    fn unit_is_in_range_and_roughly_uniform() {
        let mut rng = SplitMix64::new(7);
        let draws: Vec<f64> = (0..100_000).map(|_| rng.unit()).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
    }

    #[test]
    fn normal_has_unit_variance() {
        let mut rng = SplitMix64::new(11);
        let draws: Vec<f64> = (0..100_000).map(|_| rng.normal()).collect();
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        let variance = draws.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / draws.len() as f64;
        assert!(
            mean.abs() < 0.02 && (variance - 1.0).abs() < 0.03,
            "{mean} {variance}"
        );
    }

    #[test]
    fn hash_differs_per_counter() {
        let base = hash(1, 2, 3, 4);
        assert_ne!(base, hash(2, 2, 3, 4));
        assert_ne!(base, hash(1, 3, 3, 4));
        assert_ne!(base, hash(1, 2, 4, 4));
        assert_ne!(base, hash(1, 2, 3, 5));
        assert_eq!(base, hash(1, 2, 3, 4));
    }
}
