//! Concentration of a window's downloads (METHODS.md §3): top-k share, N50/N80/N90, Gini (all
//! models and `x > 0` only), HHI over groups, Lorenz points, long-tail share.
//!
//! Every share is `None` when the total is 0: undefined, never a division by zero.

use hubcensus_model::Column;
use serde::Serialize;

use crate::window::WindowDownloads;

/// Number of Lorenz points: cumulative model shares 0, 1/100, ..., 1.
pub const LORENZ_POINTS: usize = 101;

/// A point of the Lorenz curve (ascending order: the poorest models first).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LorenzPoint {
    pub models: f64,
    pub downloads: f64,
}

/// The concentration figures of one population vector.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Concentration {
    /// `n`: models in the population (zeros included).
    pub models: u64,
    /// Models with downloads > 0.
    pub nonzero: u64,
    /// `S`.
    pub total: u64,
    pub k: u64,
    /// Downloads of the top k (independent of how ties are broken).
    pub top_k_downloads: u64,
    pub top_k_share: Option<f64>,
    pub n50: Option<u64>,
    pub n80: Option<u64>,
    pub n90: Option<u64>,
    pub gini: Option<f64>,
    pub gini_nonzero: Option<f64>,
    pub lorenz: Vec<LorenzPoint>,
}

/// Sorts `values` ascending in place and computes the figures. `values` holds one entry per
/// model of the population, zeros included.
#[must_use]
pub fn concentration(values: &mut [u64], k: u64) -> Concentration {
    sort_ascending(values);
    concentration_of_sorted(values, k)
}

/// Sorts ascending. Large inputs of download counts, most of them small: the values below
/// 2^16 are counted in a histogram that stays in cache (one pass) and written back as runs;
/// the rest are radix-sorted (8-bit digits, skipping digits that are the same in every value).
/// Several times faster than a comparison sort; `sort_unstable` for small inputs.
pub fn sort_ascending(values: &mut [u64]) {
    let mut sorted = Vec::new();
    sort_into(values.iter().copied(), values.len(), &mut sorted);
    values.copy_from_slice(&sorted);
}

/// The clamped downloads of a window's counted models (zeros included), sorted ascending into
/// `out` (its buffer reused): what [`concentration_of_sorted`] takes.
pub fn sorted_counted_values(window: &WindowDownloads, out: &mut Vec<u64>) {
    let counted = window.counted().map(|i| window.downloads[i]);
    sort_into(counted, window.counts.models as usize, out);
}

/// Inputs below this length are sorted by comparison.
const RADIX_FROM: usize = 1 << 16;
/// Values below this are counted in a histogram.
const SMALL: u64 = 1 << 16;

/// Writes `values` (about `len` of them) into `out` sorted ascending.
fn sort_into(values: impl Iterator<Item = u64>, len: usize, out: &mut Vec<u64>) {
    out.clear();
    if len < RADIX_FROM || u32::try_from(len).is_err() {
        out.extend(values);
        if out.len() < RADIX_FROM {
            out.sort_unstable();
        } else {
            radix_sort(out);
        }
        return;
    }
    let mut counts = vec![0_u32; SMALL as usize];
    let mut large = Vec::new();
    for x in values {
        if x < SMALL {
            counts[x as usize] += 1;
        } else {
            large.push(x);
        }
    }
    if large.len() < RADIX_FROM {
        large.sort_unstable();
    } else {
        radix_sort(&mut large);
    }
    let small: usize = counts.iter().map(|&c| c as usize).sum();
    out.reserve(small + large.len());
    for (value, &count) in counts.iter().enumerate() {
        out.extend(std::iter::repeat_n(value as u64, count as usize));
    }
    out.extend_from_slice(&large);
}

/// A least-significant-digit radix sort (8-bit digits, skipping digits that are the same in
/// every value).
fn radix_sort(values: &mut [u64]) {
    let (or, and) = values
        .iter()
        .fold((0_u64, u64::MAX), |(or, and), &x| (or | x, and & x));
    let varying = or ^ and;
    let mut buffer = vec![0_u64; values.len()];
    let mut source_is_values = true;
    for digit in 0..8 {
        let shift = digit * 8;
        if (varying >> shift).trailing_zeros() >= 8 {
            continue;
        }
        let (source, target): (&[u64], &mut [u64]) = if source_is_values {
            (&*values, &mut buffer)
        } else {
            (&buffer, values)
        };
        let mut counts = [0_usize; 256];
        for &x in source {
            counts[((x >> shift) & 0xff) as usize] += 1;
        }
        let mut offset = 0;
        for count in &mut counts {
            let c = *count;
            *count = offset;
            offset += c;
        }
        for &x in source {
            let bucket = ((x >> shift) & 0xff) as usize;
            target[counts[bucket]] = x;
            counts[bucket] += 1;
        }
        source_is_values = !source_is_values;
    }
    if !source_is_values {
        values.copy_from_slice(&buffer);
    }
}

/// [`concentration`] over values already sorted ascending.
#[must_use]
pub fn concentration_of_sorted(ascending: &[u64], k: u64) -> Concentration {
    debug_assert!(ascending.is_sorted());
    let n = ascending.len();
    let total: u64 = ascending.iter().sum();
    let zeros = ascending.partition_point(|&x| x == 0);
    let nonzero = n - zeros;
    let top_k_downloads: u64 = ascending.iter().rev().take(k as usize).sum();
    let defined = total > 0;
    let share = |part: u64| defined.then(|| part as f64 / total as f64);

    // N_p: the smallest k whose top-k downloads reach p * S, walking from the top. Integer
    // comparison (cumulative * 10 >= p10 * S) so a share of exactly p counts.
    let mut thresholds = [(5_u128, None), (8, None), (9, None)];
    if defined {
        let mut cumulative: u128 = 0;
        let mut next = 0;
        for (rank, &x) in ascending.iter().rev().enumerate() {
            cumulative += u128::from(x);
            while next < thresholds.len()
                && cumulative * 10 >= thresholds[next].0 * u128::from(total)
            {
                thresholds[next].1 = Some(rank as u64 + 1);
                next += 1;
            }
            if next == thresholds.len() {
                break;
            }
        }
    }

    // Gini, METHODS.md §3: G = 2*sum(i*x_i)/(n*S) - (n+1)/n with i from 1, ascending. Over the
    // nonzero models only, i' = i - zeros, so sum(i'*x) = sum(i*x) - zeros*S.
    let weighted: u128 = ascending
        .iter()
        .enumerate()
        .skip(zeros)
        .map(|(i, &x)| (i as u128 + 1) * u128::from(x))
        .sum();
    let gini_of = |weighted: u128, n: usize| {
        (defined && n > 0).then(|| {
            let n = n as f64;
            2.0 * weighted as f64 / (n * total as f64) - (n + 1.0) / n
        })
    };
    let gini = gini_of(weighted, n);
    let gini_nonzero = gini_of(weighted - zeros as u128 * u128::from(total), nonzero);

    let mut lorenz = Vec::new();
    if defined {
        lorenz.reserve(LORENZ_POINTS);
        let mut cumulative: u64 = 0;
        let mut taken = 0;
        for point in 0..LORENZ_POINTS {
            let upto = n * point / (LORENZ_POINTS - 1);
            cumulative += ascending[taken..upto].iter().sum::<u64>();
            taken = upto;
            lorenz.push(LorenzPoint {
                models: point as f64 / (LORENZ_POINTS - 1) as f64,
                downloads: cumulative as f64 / total as f64,
            });
        }
    }

    Concentration {
        models: n as u64,
        nonzero: nonzero as u64,
        total,
        k,
        top_k_downloads,
        top_k_share: share(top_k_downloads),
        n50: thresholds[0].1,
        n80: thresholds[1].1,
        n90: thresholds[2].1,
        gini,
        gini_nonzero,
        lorenz,
    }
}

/// The Herfindahl-Hirschman index over groups (METHODS.md §3).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hhi {
    /// `sum((100 * s_g)^2)` over known groups, 0 to 10,000; `None` when `S = 0`.
    pub value: Option<f64>,
    /// Known groups with downloads > 0.
    pub groups: u64,
    /// Share of `S` in no known group (unattributed, legacy unnamespaced). It stays in the
    /// denominator but is not one group, so `value` is a lower bound when this is not 0.
    pub unknown_share: Option<f64>,
}

/// HHI from per-group sums and the unknown remainder. The sums' order does not matter (the
/// squares are summed exactly), so an engine that sums groups elsewhere gets the same bits.
#[must_use]
pub fn hhi_of_sums(sums: &[u64], unknown: u64) -> Hhi {
    let total: u64 = sums.iter().sum::<u64>() + unknown;
    if total == 0 {
        return Hhi {
            value: None,
            groups: 0,
            unknown_share: None,
        };
    }
    // sum((100 * s_g / S)^2) = 10,000 * sum(s_g^2) / S^2, with sum(s_g^2) and S^2 exact
    // integers (sum(s_g^2) <= S^2 < 2^128): no order of summation to depend on, so any engine
    // that gives the same sums, in any order, gives the same HHI bit for bit.
    let mut squares: u128 = 0;
    let mut groups = 0;
    for &sum in sums {
        if sum > 0 {
            squares += u128::from(sum) * u128::from(sum);
            groups += 1;
        }
    }
    let total_squared = u128::from(total) * u128::from(total);
    Hhi {
        value: Some(10_000.0 * (squares as f64 / total_squared as f64)),
        groups,
        unknown_share: Some(unknown as f64 / total as f64),
    }
}

/// Long tail (METHODS.md §3): the share of the population's models with `A_t1 < 200`. `None`
/// for the 30-day measure (no all-time count) or an empty population.
#[must_use]
pub fn long_tail_share(window: &WindowDownloads, all_time_at_end: &Column<u64>) -> Option<f64> {
    if window.population.measure != crate::Measure::AllTimeDifference || window.counts.models == 0 {
        return None;
    }
    let tail = window
        .counted()
        .filter(|&i| all_time_at_end.at(i).is_some_and(|a| a < 200))
        .count();
    Some(tail as f64 / window.counts.models as f64)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Naive Gini: the mean absolute difference over all pairs, / (2 * mean).
    fn naive_gini(x: &[u64]) -> Option<f64> {
        let n = x.len() as f64;
        let total: u64 = x.iter().sum();
        if total == 0 {
            return None;
        }
        let mut diff = 0.0;
        for a in x {
            for b in x {
                diff += (*a as f64 - *b as f64).abs();
            }
        }
        Some(diff / (2.0 * n * n * (total as f64 / n)))
    }

    fn naive_n(x: &[u64], p: f64) -> Option<u64> {
        let mut sorted = x.to_vec();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let total: u64 = x.iter().sum();
        if total == 0 {
            return None;
        }
        let mut cumulative = 0;
        for (k, value) in sorted.iter().enumerate() {
            cumulative += value;
            if cumulative as f64 >= p * total as f64 - 1e-9 {
                return Some(k as u64 + 1);
            }
        }
        None
    }

    #[test]
    fn hand_computed() {
        // 0, 0, 10, 30, 60: S = 100
        let mut values = vec![60, 0, 10, 30, 0];
        let c = concentration(&mut values, 2);
        assert_eq!(c.total, 100);
        assert_eq!(c.top_k_share, Some(0.9));
        assert_eq!((c.n50, c.n80, c.n90), (Some(1), Some(2), Some(2)));
        // sum(i*x) = 3*10 + 4*30 + 5*60 = 450; G = 900/500 - 6/5 = 0.6
        assert!((c.gini.unwrap() - 0.6).abs() < 1e-12);
        // nonzero: 1*10 + 2*30 + 3*60 = 250; G = 500/300 - 4/3 = 1/3
        assert!((c.gini_nonzero.unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(c.lorenz.len(), LORENZ_POINTS);
        assert!(c.lorenz[0].downloads.abs() < 1e-12);
        assert!((c.lorenz[100].downloads - 1.0).abs() < 1e-12);
        assert!((c.lorenz[60].downloads - 0.1).abs() < 1e-12);
    }

    #[test]
    fn an_all_zero_window_is_undefined_not_divided() {
        for values in [vec![], vec![0, 0, 0]] {
            let c = concentration(&mut values.clone(), 200);
            assert_eq!(
                (c.top_k_share, c.n50, c.gini, c.gini_nonzero),
                (None, None, None, None)
            );
            assert!(c.lorenz.is_empty());
        }
        assert_eq!(hhi_of_sums(&[0, 0], 0).value, None);
    }

    #[test]
    fn hhi_hand_computed() {
        // Shares 0.5, 0.25, unknown 0.25: 2500 + 625.
        let h = hhi_of_sums(&[50, 25, 0], 25);
        assert_eq!(h.value, Some(3125.0));
        assert_eq!(h.groups, 2);
        assert_eq!(h.unknown_share, Some(0.25));
        assert_eq!(hhi_of_sums(&[7], 0).value, Some(10_000.0));
        // Any order, the same bits.
        let sums = [3_u64, 1_000_000_007, 17, 999_983, 5];
        let mut reversed = sums;
        reversed.reverse();
        assert_eq!(
            hhi_of_sums(&sums, 11).value.map(f64::to_bits),
            hhi_of_sums(&reversed, 11).value.map(f64::to_bits)
        );
    }

    #[test]
    fn radix_sort_matches_sort_unstable() {
        // Large enough for the radix path; values with high and low digits varying.
        let mut state = 12_345_u64;
        let mut values: Vec<u64> = (0..100_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                if i % 3 == 0 { 0 } else { state >> (i % 40) }
            })
            .collect();
        let mut expected = values.clone();
        expected.sort_unstable();
        sort_ascending(&mut values);
        assert_eq!(values, expected);
        let mut constant = vec![7_u64; 70_000];
        sort_ascending(&mut constant);
        assert!(constant.iter().all(|&x| x == 7));
        // Over 2^16 values at or above the histogram's bound, and the bound itself.
        let mut large: Vec<u64> = (0..150_000_u64)
            .map(|i| match i % 4 {
                0 => SMALL - 1,
                1 => SMALL,
                2 => SMALL + (i * 7_919) % 100_000,
                _ => (i * 104_729) % 1_000,
            })
            .collect();
        let mut expected = large.clone();
        expected.sort_unstable();
        sort_ascending(&mut large);
        assert_eq!(large, expected);
    }

    proptest! {
        // Each case sorts over 65,536 values (unoptimized in tests): a few dozen cases.
        #![proptest_config(ProptestConfig::with_cases(24))]
        /// Inputs long enough for the histogram (values on both sides of its bound) come out
        /// as a comparison sort would have them.
        #[test]
        fn sort_matches_sort_unstable(
            seed in any::<u64>(),
            len in RADIX_FROM..RADIX_FROM + 5_000,
            large_every in 1_u64..50,
        ) {
            let mut state = seed;
            let mut values: Vec<u64> = (0..len as u64)
                .map(|i| {
                    state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    if i % large_every == 0 { state >> 20 } else { (state >> 40) % SMALL }
                })
                .collect();
            let mut expected = values.clone();
            expected.sort_unstable();
            sort_ascending(&mut values);
            prop_assert_eq!(values, expected);
        }

    }

    proptest! {
        #[test]
        fn gini_matches_the_mean_difference(values in proptest::collection::vec(0_u64..1_000, 0..60)) {
            let c = concentration(&mut values.clone(), 5);
            match (c.gini, naive_gini(&values)) {
                (Some(fast), Some(slow)) => prop_assert!((fast - slow).abs() < 1e-9, "{fast} {slow}"),
                (fast, slow) => prop_assert_eq!(fast, slow),
            }
            let nonzero: Vec<u64> = values.iter().copied().filter(|&x| x > 0).collect();
            match (c.gini_nonzero, naive_gini(&nonzero)) {
                (Some(fast), Some(slow)) => prop_assert!((fast - slow).abs() < 1e-9),
                (fast, slow) => prop_assert_eq!(fast, slow),
            }
            if let Some(g) = c.gini {
                prop_assert!((-1e-12..1.0).contains(&g));
            }
        }

        #[test]
        fn n_values_and_top_k_match_a_full_sort(values in proptest::collection::vec(0_u64..1_000, 0..60), k in 1_u64..70) {
            let c = concentration(&mut values.clone(), k);
            prop_assert_eq!(c.n50, naive_n(&values, 0.5));
            prop_assert_eq!(c.n80, naive_n(&values, 0.8));
            prop_assert_eq!(c.n90, naive_n(&values, 0.9));
            let mut sorted = values.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            let top: u64 = sorted.iter().take(k as usize).sum();
            prop_assert_eq!(c.top_k_downloads, top);
            if let Some(share) = c.top_k_share {
                prop_assert!((0.0..=1.0).contains(&share));
            }
            for pair in c.lorenz.windows(2) {
                prop_assert!(pair[0].downloads <= pair[1].downloads + 1e-12);
            }
        }

        #[test]
        fn hhi_is_within_bounds(sums in proptest::collection::vec(0_u64..1_000, 0..30), unknown in 0_u64..500) {
            let h = hhi_of_sums(&sums, unknown);
            let total: u64 = sums.iter().sum::<u64>() + unknown;
            match h.value {
                None => prop_assert_eq!(total, 0),
                Some(value) => {
                    prop_assert!((0.0..=10_000.0 + 1e-6).contains(&value));
                    let naive: f64 = sums.iter().map(|&s| (100.0 * s as f64 / total as f64).powi(2)).sum();
                    prop_assert!((value - naive).abs() < 1e-6);
                }
            }
        }
    }
}
