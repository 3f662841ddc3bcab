//! Concentration of a window's downloads (METHODS.md §3): top-k share, N50/N80/N90, Gini (all
//! models and `x > 0` only), HHI over groups, Lorenz points, long-tail share.
//!
//! Every share is `None` when the total is 0: undefined, never a division by zero.

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
    values.sort_unstable();
    concentration_of_sorted(values, k)
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

/// The clamped downloads of a window's counted models, as a vector for [`concentration`].
#[must_use]
pub fn counted_values(window: &WindowDownloads) -> Vec<u64> {
    let mut values = Vec::with_capacity(window.counts.models as usize);
    values.extend(window.counted().map(|i| window.downloads[i]));
    values
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

/// HHI of a window's counted downloads over groups: `group_of(i)` is model `i`'s group code
/// below `groups`, or `None` for no known group.
pub fn hhi(
    window: &WindowDownloads,
    groups: usize,
    mut group_of: impl FnMut(usize) -> Option<u32>,
) -> Hhi {
    let mut sums = vec![0_u64; groups];
    let mut unknown = 0_u64;
    for i in window.counted() {
        let x = window.downloads[i];
        if x == 0 {
            continue;
        }
        match group_of(i) {
            Some(group) => sums[group as usize] += x,
            None => unknown += x,
        }
    }
    hhi_of_sums(&sums, unknown)
}

/// HHI from per-group sums and the unknown remainder.
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
    let total = total as f64;
    let mut value = 0.0;
    let mut groups = 0;
    for &sum in sums {
        if sum > 0 {
            let share = 100.0 * sum as f64 / total;
            value += share * share;
            groups += 1;
        }
    }
    Hhi {
        value: Some(value),
        groups,
        unknown_share: Some(unknown as f64 / total),
    }
}

/// Long tail (METHODS.md §3): the share of the population's models with `A_t1 < 200`. `None`
/// for the 30-day measure (no all-time count) or an empty population.
#[must_use]
pub fn long_tail_share(window: &WindowDownloads, all_time_at_end: &[Option<u64>]) -> Option<f64> {
    if window.population.measure != crate::Measure::AllTimeDifference || window.counts.models == 0 {
        return None;
    }
    let tail = window
        .counted()
        .filter(|&i| all_time_at_end[i].is_some_and(|a| a < 200))
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
