//! The working set (METHODS.md §4): the top k models of a window, churn between consecutive
//! windows, and the family view.
//!
//! Ranking: downloads descending, ties broken by model id ascending. Only models with downloads
//! above zero enter (an all-zero window has an empty working set, not k arbitrary models). The
//! top k is found by partial selection, never a full sort of the population.

use std::cmp::Ordering;

use hubcensus_model::Ids;
use serde::Serialize;

use crate::lineage::LineageGraph;
use crate::window::WindowDownloads;

/// The top k of one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkingSet {
    pub k: u64,
    /// Dense indices in rank order (rank 1 first); at most k.
    pub members: Vec<u32>,
    /// Downloads of each member, aligned with `members`.
    pub downloads: Vec<u64>,
    /// Downloads the set holds.
    pub held: u64,
    /// `held / S`: the share of all window downloads the set holds; `None` when `S = 0`.
    pub share: Option<f64>,
}

/// Orders `(value, model)` by value descending then id ascending.
fn rank_order(ids: &Ids) -> impl Fn(&(u64, u32), &(u64, u32)) -> Ordering + '_ {
    move |a, b| {
        b.0.cmp(&a.0)
            .then_with(|| ids[a.1 as usize].cmp(&ids[b.1 as usize]))
            .then(a.1.cmp(&b.1))
    }
}

/// Up to this k, [`kth_largest_positive`] keeps a heap of the k largest values seen; beyond
/// it, it selects among a copy of the positive values.
const HEAP_UP_TO: usize = 4_096;

/// The k-th largest positive value of `values` (`None` when none is positive; the smallest
/// positive value when fewer than k are positive).
#[must_use]
pub fn kth_largest_positive(values: &[u64], k: u64) -> Option<u64> {
    let k = usize::try_from(k).unwrap_or(usize::MAX);
    if k <= HEAP_UP_TO {
        kth_largest_by_heap(values, k)
    } else {
        kth_largest_by_selection(values, k)
    }
}

/// One pass with a min-heap of the k largest positive values seen: nearly every value of a
/// download vector is below the heap's top and costs one comparison, with no allocation beyond
/// k values.
fn kth_largest_by_heap(values: &[u64], k: usize) -> Option<u64> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    if k == 0 {
        return None;
    }
    let mut heap: BinaryHeap<Reverse<u64>> = BinaryHeap::with_capacity(k);
    for &x in values {
        if x == 0 {
            continue;
        }
        if heap.len() < k {
            heap.push(Reverse(x));
        } else if let Some(mut top) = heap.peek_mut()
            && x > top.0
        {
            *top = Reverse(x);
        }
    }
    heap.peek().map(|top| top.0)
}

/// Selection among a copy of the positive values.
fn kth_largest_by_selection(values: &[u64], k: usize) -> Option<u64> {
    if k == 0 {
        return None;
    }
    let mut positive: Vec<u64> = values.iter().copied().filter(|&x| x > 0).collect();
    if positive.is_empty() {
        return None;
    }
    let k = k.min(positive.len());
    let (_, kth, _) = positive.select_nth_unstable_by(k - 1, |a, b| b.cmp(a));
    Some(*kth)
}

/// The k-th largest value of an ascending slice, as a threshold for [`top_k`]: models below it
/// cannot be in the top k. 1 when fewer than k values are positive.
#[must_use]
pub fn threshold_of_sorted(ascending: &[u64], k: u64) -> u64 {
    let k = k as usize;
    if k == 0 || ascending.len() < k {
        return 1;
    }
    ascending[ascending.len() - k].max(1)
}

/// The top `k` dense indices of `values` (by value descending, then id ascending), considering
/// only indices whose value is at least `threshold` (and above zero). `threshold` must not
/// exceed the true k-th largest positive value; [`kth_largest_positive`] or
/// [`threshold_of_sorted`] give it.
#[must_use]
pub fn top_k(values: &[u64], ids: &Ids, k: u64, threshold: u64) -> Vec<(u64, u32)> {
    let threshold = threshold.max(1);
    let mut candidates: Vec<(u64, u32)> = values
        .iter()
        .enumerate()
        .filter(|&(_, &x)| x >= threshold)
        .map(|(i, &x)| (x, i as u32))
        .collect();
    let order = rank_order(ids);
    let k = k as usize;
    if candidates.len() > k && k > 0 {
        candidates.select_nth_unstable_by(k - 1, &order);
        candidates.truncate(k);
    }
    if k == 0 {
        candidates.clear();
    }
    candidates.sort_unstable_by(&order);
    candidates
}

impl WorkingSet {
    fn from_ranked(ranked: &[(u64, u32)], k: u64, total: u64) -> Self {
        let held = ranked.iter().map(|&(x, _)| x).sum();
        Self {
            k,
            members: ranked.iter().map(|&(_, m)| m).collect(),
            downloads: ranked.iter().map(|&(x, _)| x).collect(),
            held,
            share: (total > 0).then(|| held as f64 / total as f64),
        }
    }

    /// The working set of a window. `threshold`, when known (e.g. from the sorted values of
    /// [`crate::concentration::concentration`]), saves a selection pass.
    #[must_use]
    pub fn of_window(window: &WindowDownloads, ids: &Ids, k: u64, threshold: Option<u64>) -> Self {
        let threshold =
            threshold.unwrap_or_else(|| kth_largest_positive(&window.downloads, k).unwrap_or(1));
        let ranked = top_k(&window.downloads, ids, k, threshold);
        Self::from_ranked(&ranked, k, window.counts.total_downloads)
    }

    /// The family working set (METHODS.md §4): downloads of quantized and adapter derivatives
    /// folded into their base recursively; members are family bases ranked on the family sums.
    #[must_use]
    pub fn of_families(window: &WindowDownloads, graph: &LineageGraph, ids: &Ids, k: u64) -> Self {
        Self::of_families_in(window, graph, ids, k, &mut Vec::new())
    }

    /// [`WorkingSet::of_families`] summing into `sums` (its buffer reused across windows).
    #[must_use]
    pub fn of_families_in(
        window: &WindowDownloads,
        graph: &LineageGraph,
        ids: &Ids,
        k: u64,
        sums: &mut Vec<u64>,
    ) -> Self {
        family_downloads(window, graph, sums);
        let threshold = kth_largest_positive(sums, k).unwrap_or(1);
        let ranked = top_k(sums, ids, k, threshold);
        Self::from_ranked(&ranked, k, window.counts.total_downloads)
    }

    /// Rank (1-based) of each member, as `(model, rank)` sorted by model.
    fn ranks_by_model(&self) -> Vec<(u32, u64)> {
        let mut ranks: Vec<(u32, u64)> = self
            .members
            .iter()
            .enumerate()
            .map(|(rank, &m)| (m, rank as u64 + 1))
            .collect();
        ranks.sort_unstable();
        ranks
    }
}

/// Family sums of a window's downloads into `sums` (its buffer reused), indexed by family
/// base.
pub fn family_downloads(window: &WindowDownloads, graph: &LineageGraph, sums: &mut Vec<u64>) {
    sums.clear();
    sums.resize(window.len().max(graph.len()), 0);
    for (model, &x) in window.downloads.iter().enumerate() {
        if x > 0 {
            sums[graph.family(model) as usize] += x;
        }
    }
}

/// A model in both working sets and how its rank moved (positive = climbed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RankChange {
    pub model: u32,
    pub previous_rank: u64,
    pub rank: u64,
    pub change: i64,
}

/// Churn between two consecutive working sets.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Churn {
    pub k: u64,
    /// In the current set, not the previous; current rank order.
    pub entries: Vec<u32>,
    /// In the previous set, not the current; previous rank order.
    pub exits: Vec<u32>,
    /// `entries / k`.
    pub churn: f64,
    /// Every stayer, in current rank order.
    pub stayers: Vec<RankChange>,
}

/// The number of models present in a snapshot (`present`) in each family of `bases` (the
/// family view of METHODS.md §4: a base and its quantized and adapter derivatives, recursively);
/// a base counts itself.
#[must_use]
pub fn family_sizes(graph: &LineageGraph, present: &[bool], bases: &[u32]) -> Vec<u64> {
    let mut wanted: Vec<(u32, usize)> = bases
        .iter()
        .enumerate()
        .map(|(position, &base)| (base, position))
        .collect();
    wanted.sort_unstable();
    let mut sizes = vec![0_u64; bases.len()];
    for (model, family) in graph.families().iter().enumerate() {
        if !present.get(model).copied().unwrap_or(false) {
            continue;
        }
        if let Ok(found) = wanted.binary_search_by_key(family, |&(base, _)| base) {
            sizes[wanted[found].1] += 1;
        }
    }
    sizes
}

/// Entries, exits, churn and rank changes from `previous` to `current` (same k).
#[must_use]
pub fn churn(previous: &WorkingSet, current: &WorkingSet) -> Churn {
    let previous_ranks = previous.ranks_by_model();
    let current_ranks = current.ranks_by_model();
    let rank_in = |ranks: &[(u32, u64)], model: u32| {
        ranks
            .binary_search_by_key(&model, |&(m, _)| m)
            .ok()
            .map(|i| ranks[i].1)
    };
    let mut entries = Vec::new();
    let mut stayers = Vec::new();
    for (rank, &model) in current.members.iter().enumerate() {
        match rank_in(&previous_ranks, model) {
            None => entries.push(model),
            Some(previous_rank) => stayers.push(RankChange {
                model,
                previous_rank,
                rank: rank as u64 + 1,
                change: previous_rank as i64 - (rank as i64 + 1),
            }),
        }
    }
    let exits = previous
        .members
        .iter()
        .copied()
        .filter(|&m| rank_in(&current_ranks, m).is_none())
        .collect();
    let k = current.k.max(1);
    Churn {
        k: current.k,
        churn: entries.len() as f64 / k as f64,
        entries,
        exits,
        stayers,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ids(n: usize) -> Ids {
        // Ids deliberately not in dense-index order: index i is "m/{n - i:03}".
        (0..n)
            .map(|i| hubcensus_model::ModelId::new(format!("m/{:03}", n - i)).unwrap())
            .collect()
    }

    #[test]
    fn ties_break_by_id_and_zeros_never_enter() {
        let ids = ids(6);
        // ids: 0 -> m/006, 1 -> m/005, ..., 5 -> m/001
        let values = [5, 9, 5, 0, 5, 1];
        let ranked = top_k(&values, &ids, 3, 1);
        // 9 first; then the tied 5s by id: m/002 (4) < m/004 (2) < m/006 (0).
        assert_eq!(ranked, vec![(9, 1), (5, 4), (5, 2)]);
        let all = top_k(&values, &ids, 10, 1);
        assert_eq!(all.len(), 5, "the zero never enters");
        assert!(top_k(&[0, 0], &ids, 2, 1).is_empty());
    }

    #[test]
    fn churn_hand_computed() {
        let set = |members: &[u32]| WorkingSet {
            k: 4,
            members: members.to_vec(),
            downloads: vec![1; members.len()],
            held: members.len() as u64,
            share: None,
        };
        let c = churn(&set(&[1, 2, 3, 4]), &set(&[3, 1, 5, 6]));
        assert_eq!(c.entries, vec![5, 6]);
        assert_eq!(c.exits, vec![2, 4]);
        assert!((c.churn - 0.5).abs() < 1e-12);
        assert_eq!(
            c.stayers,
            vec![
                RankChange {
                    model: 3,
                    previous_rank: 3,
                    rank: 1,
                    change: 2
                },
                RankChange {
                    model: 1,
                    previous_rank: 1,
                    rank: 2,
                    change: -1
                },
            ]
        );
    }

    proptest! {
        #[test]
        fn fast_top_k_equals_a_full_sort(values in proptest::collection::vec(0_u64..20, 0..80), k in 1_u64..90) {
            let ids = ids(values.len());
            let threshold = kth_largest_positive(&values, k).unwrap_or(1);
            let fast = top_k(&values, &ids, k, threshold);
            let mut slow: Vec<(u64, u32)> = values.iter().enumerate().filter(|&(_, &x)| x > 0).map(|(i, &x)| (x, i as u32)).collect();
            slow.sort_by(|a, b| b.0.cmp(&a.0).then(ids[a.1 as usize].cmp(&ids[b.1 as usize])));
            slow.truncate(k as usize);
            prop_assert_eq!(&fast, &slow);
            let mut sorted = values.clone();
            sorted.sort_unstable();
            prop_assert_eq!(top_k(&values, &ids, k, threshold_of_sorted(&sorted, k)), slow);
        }

        /// The heap and the selection agree, for k below, at and above the positive count.
        #[test]
        fn heap_and_selection_agree(values in proptest::collection::vec(0_u64..50, 0..120), k in 0_usize..130) {
            prop_assert_eq!(kth_largest_by_heap(&values, k), kth_largest_by_selection(&values, k));
        }

        #[test]
        fn churn_partitions_the_sets(a in proptest::collection::btree_set(0_u32..30, 0..10), b in proptest::collection::btree_set(0_u32..30, 0..10)) {
            let make = |s: &std::collections::BTreeSet<u32>| WorkingSet { k: 10, members: s.iter().rev().copied().collect(), downloads: vec![], held: 0, share: None };
            let (previous, current) = (make(&a), make(&b));
            let c = churn(&previous, &current);
            prop_assert_eq!(c.entries.len() + c.stayers.len(), current.members.len());
            prop_assert_eq!(c.exits.len() + c.stayers.len(), previous.members.len());
            prop_assert_eq!(c.entries.len(), b.difference(&a).count());
        }
    }
}
