//! Shares by country, region, contributor type and organization (METHODS.md §6, §7), in both
//! origin modes, per window and summed over months, quarters and years; credible releases.
//!
//! Attribution is data: one [`Attribution`] per namespace code of the catalog (shorter slices
//! leave the rest unattributed). Unattributed downloads are a bucket of their own, never dropped
//! from the denominator; legacy unnamespaced models are their own bucket; in the lineage origin
//! mode a merge of different roots is "mixed".

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hubcensus_model::{Attribution, Column, ContributorType, Region, SnapshotFrame, Timestamp};
use serde::Serialize;

use crate::Population;
use crate::concentration::{Hhi, hhi_of_sums};
use crate::lineage::{LineageGraph, Root};
use crate::window::WindowDownloads;

/// What models are grouped by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Country,
    Region,
    /// Contributor type.
    Type,
    Organization,
}

impl Dimension {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Country => "country",
            Self::Region => "region",
            Self::Type => "type",
            Self::Organization => "organization",
        }
    }

    fn label(self, attribution: &Attribution) -> Option<&str> {
        match self {
            Self::Country => attribution.country.as_deref(),
            Self::Region => attribution.region().map(Region::as_str),
            Self::Type => attribution.contributor.map(ContributorType::as_str),
            Self::Organization => attribution.organization.as_deref(),
        }
    }
}

/// Whose attribution a model's downloads go to (METHODS.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The author's (uploader's) attribution.
    Uploader,
    /// The attribution of the author of the model's lineage root, falling back to the
    /// uploader's when the root's is unknown; "mixed" for a merge of different roots.
    Lineage,
}

impl Origin {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Uploader => "uploader",
            Self::Lineage => "lineage",
        }
    }
}

/// What a share row's group is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKind {
    Known,
    /// No attribution for the dimension.
    Unattributed,
    /// Legacy ids without a namespace.
    Legacy,
    /// Lineage origin: a merge of models with different roots.
    Mixed,
}

pub const UNATTRIBUTED: &str = "unattributed";
pub const LEGACY: &str = "legacy, unnamespaced";
pub const MIXED: &str = "mixed";

/// One group's share.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ShareRow {
    pub group: String,
    pub kind: GroupKind,
    /// Counted models in the group (summed over windows for a period).
    pub models: u64,
    pub downloads: u64,
    /// `downloads / S`; `None` when `S = 0`.
    pub share: Option<f64>,
}

/// Shares of one window or period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Shares {
    pub population: Population,
    pub dimension: Dimension,
    pub origin: Origin,
    /// Period label (`2026-08-23`, `2026-08`, `2026-Q3`, `2026`).
    pub period: String,
    /// Windows summed.
    pub windows: u64,
    pub total: u64,
    /// Downloads descending, then group name; the unattributed row is always present.
    pub rows: Vec<ShareRow>,
    /// The HHI over the known groups (METHODS.md §3: HHI over organizations or countries);
    /// unattributed, legacy and mixed downloads stay in the denominator as no group.
    pub hhi: Hhi,
}

impl Shares {
    /// The HHI of the rows: known groups' downloads, the rest as no group.
    #[must_use]
    pub fn hhi_of_rows(rows: &[ShareRow]) -> Hhi {
        let sums: Vec<u64> = rows
            .iter()
            .filter(|row| row.kind == GroupKind::Known)
            .map(|row| row.downloads)
            .collect();
        let unknown = rows
            .iter()
            .filter(|row| row.kind != GroupKind::Known)
            .map(|row| row.downloads)
            .sum();
        hhi_of_sums(&sums, unknown)
    }
}

const SPECIAL_UNATTRIBUTED: u32 = u32::MAX;
const SPECIAL_LEGACY: u32 = u32::MAX - 1;
const SPECIAL_MIXED: u32 = u32::MAX - 2;

/// Shares of `window` by `dimension`. `end` is the frame at the window's end (authors);
/// `graph` is needed for [`Origin::Lineage`] (without it every model is its own root). For
/// several dimensions or origins of one window, build one [`WindowGroups`] and ask it.
#[must_use]
pub fn shares(
    window: &WindowDownloads,
    end: &SnapshotFrame,
    attributions: &[Attribution],
    graph: Option<&LineageGraph>,
    dimension: Dimension,
    origin: Origin,
) -> Shares {
    WindowGroups::new(window, end, graph).shares(attributions, dimension, origin)
}

/// Models and downloads.
type Tally = (u64, u64);

fn add(tally: &mut Tally, x: u64) {
    tally.0 += 1;
    tally.1 += x;
}

/// One window's counted models and downloads summed per author namespace, once: every share of
/// the window (any dimension, either origin) is then a pass over namespaces, not over models.
pub struct WindowGroups<'w> {
    window: &'w WindowDownloads,
    /// Per uploader namespace code (`end.author`); models with no author are `legacy`.
    uploader: Vec<Tally>,
    legacy: Tally,
    /// The lineage origin: each model whose root's author differs from its own, as
    /// `(uploader code or NO_AUTHOR, root author code, downloads)`; merges of different roots
    /// (`mixed`). Every other model's lineage group is its uploader's.
    rooted: Vec<(u32, u32, u64)>,
    mixed: Tally,
    /// The downloads of `rooted` and `mixed` models per uploader (or legacy), to take out of
    /// the uploader tallies in the lineage origin.
    moved: Vec<Tally>,
    moved_legacy: Tally,
}

/// No author (a legacy unnamespaced id), as a code in [`WindowGroups::rooted`].
const NO_AUTHOR: u32 = u32::MAX;

impl<'w> WindowGroups<'w> {
    /// Sums `window`'s counted models by the author at `end` (and, with `graph`, by the author
    /// of their lineage root).
    #[must_use]
    pub fn new(
        window: &'w WindowDownloads,
        end: &SnapshotFrame,
        graph: Option<&LineageGraph>,
    ) -> Self {
        // Tallies grow to the highest code seen (no pass over every model to find it first);
        // `moved` only with a graph.
        let tally = |tallies: &mut Vec<Tally>, code: u32, x: u64| {
            let code = code as usize;
            if code >= tallies.len() {
                tallies.resize(code + 1, (0, 0));
            }
            add(&mut tallies[code], x);
        };
        let mut groups = Self {
            window,
            uploader: Vec::new(),
            legacy: (0, 0),
            rooted: Vec::new(),
            mixed: (0, 0),
            moved: Vec::new(),
            moved_legacy: (0, 0),
        };
        for i in window.counted() {
            let x = window.downloads[i];
            let uploader = end.author.get(i);
            match uploader {
                Some(code) => tally(&mut groups.uploader, code, x),
                None => add(&mut groups.legacy, x),
            }
            let Some(graph) = graph else {
                continue;
            };
            let moved = match graph.root(i) {
                Root::Mixed => {
                    add(&mut groups.mixed, x);
                    true
                }
                Root::Model(root) if root as usize != i => match end.author.get(root as usize) {
                    Some(root_author) if Some(root_author) != uploader => {
                        let key = uploader.unwrap_or(NO_AUTHOR);
                        groups.rooted.push((key, root_author, x));
                        true
                    }
                    _ => false,
                },
                Root::Model(_) => false,
            };
            if moved {
                match uploader {
                    Some(code) => tally(&mut groups.moved, code, x),
                    None => add(&mut groups.moved_legacy, x),
                }
            }
        }
        groups
    }

    /// The window the groups sum.
    #[must_use]
    pub fn window(&self) -> &'w WindowDownloads {
        self.window
    }

    /// HHI over author namespaces (METHODS.md §3), legacy unnamespaced models as the unknown
    /// share, from the sums already made.
    #[must_use]
    pub fn author_hhi(&self) -> Hhi {
        let sums: Vec<u64> = self
            .uploader
            .iter()
            .map(|&(_, downloads)| downloads)
            .collect();
        hhi_of_sums(&sums, self.legacy.1)
    }

    /// The window's shares by `dimension` in `origin` mode (the lineage mode as the uploader's
    /// when the groups were built without a graph).
    #[must_use]
    pub fn shares(
        &self,
        attributions: &[Attribution],
        dimension: Dimension,
        origin: Origin,
    ) -> Shares {
        let window = self.window;
        // Vocabulary of group labels, sorted; a code per namespace.
        let labels: Vec<Option<&str>> = attributions.iter().map(|a| dimension.label(a)).collect();
        let vocabulary: Vec<&str> = {
            let mut v: Vec<&str> = labels.iter().flatten().copied().collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let namespace_group: Vec<u32> = labels
            .iter()
            .map(|label| {
                label.as_ref().map_or(SPECIAL_UNATTRIBUTED, |l| {
                    vocabulary.binary_search(l).unwrap_or_default() as u32
                })
            })
            .collect();
        let group_of = |code: u32| -> u32 {
            if code == NO_AUTHOR {
                return SPECIAL_LEGACY;
            }
            namespace_group
                .get(code as usize)
                .copied()
                .unwrap_or(SPECIAL_UNATTRIBUTED)
        };

        let mut downloads = vec![0_u64; vocabulary.len()];
        let mut models = vec![0_u64; vocabulary.len()];
        let mut special = [(0_u64, 0_u64); 3]; // unattributed, legacy, mixed: (models, downloads)
        let (mut with_country, mut with_type) = (0_u64, 0_u64);
        let mut put = |group: u32, (count, sum): Tally| {
            let slot = match group {
                SPECIAL_UNATTRIBUTED => &mut special[0],
                SPECIAL_LEGACY => &mut special[1],
                SPECIAL_MIXED => &mut special[2],
                code => {
                    models[code as usize] += count;
                    downloads[code as usize] += sum;
                    return;
                }
            };
            slot.0 += count;
            slot.1 += sum;
        };
        let lineage = origin == Origin::Lineage;
        for (code, &tally) in self.uploader.iter().enumerate() {
            // Coverage is the uploader's, in either origin mode.
            if let Some(attribution) = attributions.get(code) {
                if attribution.country.is_some() {
                    with_country += tally.1;
                }
                if attribution
                    .contributor
                    .is_some_and(ContributorType::is_classified)
                {
                    with_type += tally.1;
                }
            }
            let mut own = tally;
            if lineage && let Some(moved) = self.moved.get(code) {
                own.0 -= moved.0;
                own.1 -= moved.1;
            }
            put(group_of(code as u32), own);
        }
        let mut legacy = self.legacy;
        if lineage {
            legacy.0 -= self.moved_legacy.0;
            legacy.1 -= self.moved_legacy.1;
            put(SPECIAL_MIXED, self.mixed);
            for &(uploader, root_author, x) in &self.rooted {
                // The root's group, falling back to the uploader's when the root's is unknown.
                let root_group = group_of(root_author);
                let group = if root_group == SPECIAL_UNATTRIBUTED {
                    group_of(uploader)
                } else {
                    root_group
                };
                put(group, (1, x));
            }
        }
        put(SPECIAL_LEGACY, legacy);
        let total = window.counts.total_downloads;
        let share = |x: u64| (total > 0).then(|| x as f64 / total as f64);
        let mut rows: Vec<ShareRow> = vocabulary
            .into_iter()
            .enumerate()
            .filter(|&(code, _)| models[code] > 0)
            .map(|(code, group)| ShareRow {
                group: group.to_owned(),
                kind: GroupKind::Known,
                models: models[code],
                downloads: downloads[code],
                share: share(downloads[code]),
            })
            .collect();
        for (index, (kind, label)) in [
            (GroupKind::Unattributed, UNATTRIBUTED),
            (GroupKind::Legacy, LEGACY),
            (GroupKind::Mixed, MIXED),
        ]
        .into_iter()
        .enumerate()
        {
            let (count, sum) = special[index];
            if count > 0 || kind == GroupKind::Unattributed {
                rows.push(ShareRow {
                    group: label.to_owned(),
                    kind,
                    models: count,
                    downloads: sum,
                    share: share(sum),
                });
            }
        }
        sort_rows(&mut rows);
        let mut population = window.population.clone();
        population.origin = Some(origin.as_str().to_owned());
        population.coverage_country = share(with_country);
        population.coverage_type = share(with_type);
        population.refresh_words();
        Shares {
            population,
            dimension,
            origin,
            period: window.to().date_string(),
            windows: 1,
            total,
            hhi: Shares::hhi_of_rows(&rows),
            rows,
        }
    }
}

fn sort_rows(rows: &mut [ShareRow]) {
    rows.sort_by(|a, b| {
        b.downloads
            .cmp(&a.downloads)
            .then_with(|| a.group.cmp(&b.group))
    });
}

/// A calendar period to sum weekly windows over (by each window's end).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Week,
    Month,
    Quarter,
    Year,
}

/// The label of the period holding `t`: `2026-08-23` (week ending), `2026-08`, `2026-Q3`, `2026`.
#[must_use]
pub fn period_label(period: Period, t: Timestamp) -> String {
    let (year, month) = t.year_month();
    match period {
        Period::Week => t.date_string(),
        Period::Month => format!("{year}-{month:02}"),
        Period::Quarter => format!("{year}-Q{}", (month - 1) / 3 + 1),
        Period::Year => format!("{year}"),
    }
}

/// Sums per-window shares into periods (METHODS.md §7): downloads and model counts add up,
/// shares are recomputed over the period's total. Input in time order, one dimension and origin.
#[must_use]
pub fn sum_over_periods(windows: &[Shares], period: Period) -> Vec<Shares> {
    let mut out: Vec<Shares> = Vec::new();
    for window in windows {
        let label = period_label(period, window.population.to);
        match out.last_mut() {
            Some(last) if last.period == label => {
                last.windows += 1;
                last.total += window.total;
                last.population.to = window.population.to;
                last.population.models += window.population.models;
                last.population.total_downloads += window.population.total_downloads;
                // Coverage: downloads-weighted over the summed windows.
                let weight = |c: Option<f64>, t: u64| c.map_or(0.0, |c| c * t as f64);
                let before = last.total - window.total;
                for (mine, theirs) in [
                    (
                        &mut last.population.coverage_country,
                        window.population.coverage_country,
                    ),
                    (
                        &mut last.population.coverage_type,
                        window.population.coverage_type,
                    ),
                ] {
                    let sum = weight(*mine, before) + weight(theirs, window.total);
                    *mine = (last.total > 0).then(|| sum / last.total as f64);
                }
                for row in &window.rows {
                    match last
                        .rows
                        .iter_mut()
                        .find(|r| r.kind == row.kind && r.group == row.group)
                    {
                        Some(existing) => {
                            existing.models += row.models;
                            existing.downloads += row.downloads;
                        }
                        None => last.rows.push(row.clone()),
                    }
                }
            }
            _ => {
                let mut first = window.clone();
                first.period = label;
                out.push(first);
            }
        }
    }
    for summed in &mut out {
        let total = summed.total;
        for row in &mut summed.rows {
            row.share = (total > 0).then(|| row.downloads as f64 / total as f64);
        }
        sort_rows(&mut summed.rows);
        summed.hhi = Shares::hhi_of_rows(&summed.rows);
        summed.population.refresh_words();
        if summed.windows > 1 {
            let _ = write!(
                summed.population.words,
                "; summed over {} windows ({}), model counts are model-windows",
                summed.windows, summed.period
            );
        }
    }
    out
}

/// Credible releases of one quarter of creation and one contributor type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CredibleRow {
    /// Quarter of creation, `2026-Q3`.
    pub quarter: String,
    pub contributor: String,
    pub models: u64,
}

/// Credible releases (METHODS.md §7): models that enter a working set (or a configured top N)
/// within `within_days` (90) of their creation, counted once per quarter of creation and
/// contributor type. `sets` are `(window end, members)` in any order; models with an unknown
/// creation date never count.
#[must_use]
pub fn credible_releases(
    sets: &[(Timestamp, &[u32])],
    created_at: &Column<Timestamp>,
    mut contributor_of: impl FnMut(u32) -> Option<ContributorType>,
    within_days: i64,
) -> Vec<CredibleRow> {
    let mut credible: Vec<u32> = Vec::new();
    for &(end, members) in sets {
        for &model in members {
            let Some(created) = created_at.get(model as usize) else {
                continue;
            };
            if created <= end && end <= created.plus_days(within_days) {
                credible.push(model);
            }
        }
    }
    credible.sort_unstable();
    credible.dedup();
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for model in credible {
        let Some(created) = created_at.at(model as usize) else {
            continue;
        };
        let contributor =
            contributor_of(model).map_or(UNATTRIBUTED.to_owned(), |c| c.as_str().to_owned());
        *counts
            .entry((period_label(Period::Quarter, created), contributor))
            .or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((quarter, contributor), models)| CredibleRow {
            quarter,
            contributor,
            models,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use hubcensus_model::{LineageTable, Relation};
    use proptest::prelude::*;

    use super::*;
    use crate::Filter;
    use crate::window::tests::{catalog, frame};
    use crate::window::thirty_day_window;

    fn attribution(org: &str, country: Option<&str>, kind: Option<ContributorType>) -> Attribution {
        Attribution {
            organization: Some(org.to_owned()),
            country: country.map(str::to_owned),
            contributor: kind,
        }
    }

    #[test]
    fn both_origin_modes_hand_computed() {
        // Namespaces: 0 = a (US industry), 1 = b (unattributed). Models: 0 a/base (40),
        // 1 b/ft finetune of 0 (30), 2 b/merge of 0 and 3 (20), 3 b/other (5), 4 gpt2 (5).
        let catalog = catalog(&["a/base", "b/ft", "b/merge", "b/other", "gpt2"]);
        let mut end = frame(
            "2026-08-23",
            &[
                (true, Some(1), None, Some(0)),
                (true, Some(1), None, Some(1)),
                (true, Some(1), None, Some(1)),
                (true, Some(1), None, Some(1)),
                (true, Some(1), None, None),
            ],
        );
        end.info.columns = vec!["downloads_30d".into()];
        end.downloads_30d = vec![Some(40), Some(30), Some(20), Some(5), Some(5)].into();
        let window = thirty_day_window(&catalog, &end, &Filter::default()).unwrap();
        let attributions = [
            attribution("A Corp", Some("US"), Some(ContributorType::Industry)),
            Attribution {
                organization: None,
                country: None,
                contributor: None,
            },
        ];
        let graph = LineageGraph::new(
            &LineageTable::from_rows([
                (None, vec![], vec![]),
                (Some(Relation::Finetune), vec![0], vec![]),
                (Some(Relation::Merge), vec![0, 3], vec![]),
                (None, vec![], vec![]),
                (None, vec![], vec![]),
            ]),
            5,
        );
        let rows = |s: &Shares| {
            s.rows
                .iter()
                .map(|r| (r.group.clone(), r.downloads))
                .collect::<Vec<_>>()
        };
        let uploader = shares(
            &window,
            &end,
            &attributions,
            Some(&graph),
            Dimension::Country,
            Origin::Uploader,
        );
        assert_eq!(
            rows(&uploader),
            vec![
                ("unattributed".into(), 55),
                ("US".into(), 40),
                (LEGACY.into(), 5)
            ]
        );
        assert_eq!(uploader.population.coverage_country, Some(0.4));
        assert!(uploader.population.words.contains("origin: uploader"));
        let lineage = shares(
            &window,
            &end,
            &attributions,
            Some(&graph),
            Dimension::Country,
            Origin::Lineage,
        );
        assert_eq!(
            rows(&lineage),
            vec![
                ("US".into(), 70),
                (MIXED.into(), 20),
                (LEGACY.into(), 5),
                ("unattributed".into(), 5)
            ]
        );
        let region = shares(
            &window,
            &end,
            &attributions,
            None,
            Dimension::Region,
            Origin::Uploader,
        );
        assert_eq!(region.rows[1].group, "US");
        let sum: f64 = lineage.rows.iter().map(|r| r.share.unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }

    #[test]
    fn periods_and_credible_releases() {
        let t = |s: &str| Timestamp::parse(s).unwrap();
        assert_eq!(period_label(Period::Quarter, t("2026-08-23")), "2026-Q3");
        assert_eq!(period_label(Period::Month, t("2026-01-03")), "2026-01");
        assert_eq!(period_label(Period::Year, t("2026-01-03")), "2026");
        let created = vec![
            Some(t("2026-01-10")),
            Some(t("2025-01-01")),
            None,
            Some(t("2026-05-01")),
        ];
        let early: &[u32] = &[0, 1, 2];
        let late: &[u32] = &[0, 3];
        let rows = credible_releases(
            &[(t("2026-02-01"), early), (t("2026-07-01"), late)],
            &created.into(),
            |m| (m == 0).then_some(ContributorType::Individual),
            90,
        );
        assert_eq!(
            rows,
            vec![
                CredibleRow {
                    quarter: "2026-Q1".into(),
                    contributor: "individual".into(),
                    models: 1
                },
                CredibleRow {
                    quarter: "2026-Q2".into(),
                    contributor: UNATTRIBUTED.into(),
                    models: 1
                },
            ]
        );
    }

    proptest! {
        /// Country shares match a naive count; shares sum to 1 whatever the attribution, and
        /// summing periods preserves totals.
        #[test]
        fn shares_sum_to_one(values in proptest::collection::vec((0_u64..1000, proptest::option::of(0_u32..4)), 1..40), countries in proptest::collection::vec(proptest::option::of(0_usize..3), 4)) {
            let n = values.len();
            let ids: Vec<String> = (0..n).map(|i| format!("n/m{i}")).collect();
            let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let catalog = catalog(&id_refs);
            let mut end = SnapshotFrame::empty(crate::window::tests::info("2026-08-23", false), n);
            for (i, (x, author)) in values.iter().enumerate() {
                end.present[i] = true;
                end.downloads_30d.set(i, Some(*x));
                end.author.set(i, *author);
            }
            let names = ["US", "CN", "FR"];
            let attributions: Vec<Attribution> = countries.iter().map(|c| Attribution { organization: None, country: c.map(|c| names[c].to_owned()), contributor: None }).collect();
            let window = thirty_day_window(&catalog, &end, &Filter::default()).unwrap();
            // Naive per-country downloads and models: the uploader's namespace's country, else
            // unattributed; a model without a namespace is a legacy id.
            let mut naive: std::collections::BTreeMap<String, (u64, u64)> = std::collections::BTreeMap::new();
            for (x, author) in &values {
                let group = match author {
                    None => LEGACY.to_owned(),
                    Some(a) => countries[*a as usize]
                        .map_or_else(|| UNATTRIBUTED.to_owned(), |c| names[c].to_owned()),
                };
                let entry = naive.entry(group).or_default();
                entry.0 += x;
                entry.1 += 1;
            }
            let by_country = shares(&window, &end, &attributions, None, Dimension::Country, Origin::Uploader);
            let computed: std::collections::BTreeMap<String, (u64, u64)> = by_country
                .rows
                .iter()
                .filter(|r| r.models > 0)
                .map(|r| (r.group.clone(), (r.downloads, r.models)))
                .collect();
            prop_assert_eq!(&computed, &naive);
            // HHI by country, naively: squared percentage shares of the known countries.
            let total: u64 = values.iter().map(|(x, _)| x).sum();
            let naive_hhi = (total > 0).then(|| {
                naive
                    .iter()
                    .filter(|(group, _)| names.contains(&group.as_str()))
                    .map(|(_, (x, _))| (100.0 * *x as f64 / total as f64).powi(2))
                    .sum::<f64>()
            });
            match (by_country.hhi.value, naive_hhi) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9 * b.max(1.0), "{a} vs {b}"),
                (a, b) => prop_assert_eq!(a, b),
            }
            // Summing a period of two equal windows keeps every share, so the HHI too.
            let doubled = sum_over_periods(&[by_country.clone(), by_country.clone()], Period::Year);
            match (doubled[0].hhi.value, by_country.hhi.value) {
                (Some(a), Some(b)) => prop_assert!((a - b).abs() < 1e-9 * b.max(1.0)),
                (a, b) => prop_assert_eq!(a, b),
            }
            // The lineage origin against a per-model rule (METHODS.md §6): the root's group,
            // the uploader's when the root's author or its group is unknown, "mixed" for a
            // merge of different roots. Parents point to lower indices (no cycles); merges
            // have two parents.
            let table = LineageTable::from_rows((0..n).map(|i| {
                let parents: Vec<u32> = match i % 5 {
                    1 if i > 0 => vec![(i / 2) as u32],
                    2 if i > 1 => vec![0, (i - 1) as u32],
                    _ => vec![],
                };
                let relation = match i % 5 {
                    1 => Some(Relation::Finetune),
                    2 => Some(Relation::Merge),
                    _ => None,
                };
                (relation.filter(|_| !parents.is_empty()), parents, vec![])
            }));
            let graph = LineageGraph::new(&table, n);
            let label = |author: Option<u32>| -> Option<String> {
                author.and_then(|a| countries[a as usize]).map(|c| names[c].to_owned())
            };
            let mut naive_lineage: std::collections::BTreeMap<String, (u64, u64)> = std::collections::BTreeMap::new();
            for (i, (x, author)) in values.iter().enumerate() {
                let own = match author {
                    None => LEGACY.to_owned(),
                    Some(_) => label(*author).unwrap_or_else(|| UNATTRIBUTED.to_owned()),
                };
                let group = match graph.root(i) {
                    Root::Mixed => MIXED.to_owned(),
                    Root::Model(root) => match values[root as usize].1 {
                        Some(root_author) if root as usize != i => {
                            label(Some(root_author)).unwrap_or(own)
                        }
                        _ => own,
                    },
                };
                let entry = naive_lineage.entry(group).or_default();
                entry.0 += x;
                entry.1 += 1;
            }
            let by_root = shares(&window, &end, &attributions, Some(&graph), Dimension::Country, Origin::Lineage);
            let computed: std::collections::BTreeMap<String, (u64, u64)> = by_root
                .rows
                .iter()
                .filter(|r| r.models > 0)
                .map(|r| (r.group.clone(), (r.downloads, r.models)))
                .collect();
            prop_assert_eq!(computed, naive_lineage);
            // One set of window groups answers every dimension and origin alike.
            let groups = WindowGroups::new(&window, &end, Some(&graph));
            prop_assert_eq!(groups.shares(&attributions, Dimension::Country, Origin::Lineage), by_root);
            for dimension in [Dimension::Country, Dimension::Region, Dimension::Type, Dimension::Organization] {
                let s = shares(&window, &end, &attributions, None, dimension, Origin::Uploader);
                let downloads: u64 = s.rows.iter().map(|r| r.downloads).sum();
                prop_assert_eq!(downloads, s.total);
                let models: u64 = s.rows.iter().map(|r| r.models).sum();
                prop_assert_eq!(models, n as u64);
                if s.total > 0 {
                    let sum: f64 = s.rows.iter().map(|r| r.share.unwrap()).sum();
                    prop_assert!((sum - 1.0).abs() < 1e-9);
                }
                let summed = sum_over_periods(&[s.clone(), s.clone()], Period::Year);
                prop_assert_eq!(summed.len(), 1);
                prop_assert_eq!(summed[0].total, 2 * s.total);
            }
        }
    }
}
