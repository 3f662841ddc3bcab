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

/// The key of a model's attribution in an [`AttributionTable`]: below [`EXTRA`], a namespace
/// code of the catalog; from [`EXTRA`] on, a namespace the caller added (the namespace a legacy
/// id moved to, the author of a root absent from the window's snapshot).
pub const EXTRA: u32 = 1 << 31;

/// No namespace: a legacy unnamespaced id the registry does not list.
const NO_KEY: u32 = u32::MAX;

/// One [`Attribution`] per key (METHODS.md §6): the caller's answer for every namespace code of
/// the catalog (a shorter slice leaves the rest unattributed) and for the namespaces it added.
#[derive(Clone, Copy, Debug, Default)]
pub struct AttributionTable<'a> {
    pub namespaces: &'a [Attribution],
    pub extra: &'a [Attribution],
}

impl<'a> AttributionTable<'a> {
    /// A table of catalog namespaces only.
    #[must_use]
    pub fn of_namespaces(namespaces: &'a [Attribution]) -> Self {
        Self {
            namespaces,
            extra: &[],
        }
    }

    /// The attribution of `key`, if the table has one.
    #[must_use]
    pub fn get(&self, key: u32) -> Option<&'a Attribution> {
        if key >= EXTRA {
            self.extra.get((key - EXTRA) as usize)
        } else {
            self.namespaces.get(key as usize)
        }
    }
}

/// Shares of `window` by `dimension` (a convenience for one question; for several dimensions or
/// origins of one window, build one [`WindowGroups`] and ask it). `end` is the frame at the
/// window's end (authors); `graph` is needed for [`Origin::Lineage`] (without it every model is
/// its own root); `fallback` gives the key of a model with no author in `end` (see
/// [`WindowGroups::new`]).
#[must_use]
pub fn shares(
    window: &WindowDownloads,
    end: &SnapshotFrame,
    table: AttributionTable<'_>,
    graph: Option<&LineageGraph>,
    fallback: impl FnMut(usize) -> Option<u32>,
    dimension: Dimension,
    origin: Origin,
) -> Shares {
    WindowGroups::new(window, end, graph, fallback).shares(table, dimension, origin)
}

/// Models and downloads.
type Tally = (u64, u64);

fn add(tally: &mut Tally, x: u64) {
    tally.0 += 1;
    tally.1 += x;
}

fn take(tally: &mut Tally, x: u64) {
    tally.0 -= 1;
    tally.1 -= x;
}

/// One window's counted models and downloads summed per author namespace, once: every share of
/// the window (any dimension, either origin) is then a pass over namespaces, not over models.
pub struct WindowGroups<'w> {
    window: &'w WindowDownloads,
    /// Per uploader namespace code (`end.author`).
    uploader: Vec<Tally>,
    /// Models with no author whose key the caller gave (legacy ids the registry moved), as
    /// `(key, downloads)`.
    moved: Vec<(u32, u64)>,
    /// Models with no author and no key: legacy, unnamespaced.
    legacy: Tally,
    /// The lineage origin: each model whose root is another model with another author, as
    /// `(uploader key or NO_KEY, root author key, downloads)`.
    rooted: Vec<(u32, u32, u64)>,
    /// Merges of different roots, as `(uploader key or NO_KEY, downloads)`.
    mixed: Vec<(u32, u64)>,
}

/// A window's tallies by attribution key, while the lineage origin moves models between them.
struct Slots {
    own: Vec<Tally>,
    extra: Vec<Tally>,
    legacy: Tally,
}

impl Slots {
    fn get(&mut self, key: u32) -> &mut Tally {
        let (tallies, index) = if key == NO_KEY {
            return &mut self.legacy;
        } else if key >= EXTRA {
            (&mut self.extra, (key - EXTRA) as usize)
        } else {
            (&mut self.own, key as usize)
        };
        if index >= tallies.len() {
            tallies.resize(index + 1, (0, 0));
        }
        &mut tallies[index]
    }
}

impl<'w> WindowGroups<'w> {
    /// Sums `window`'s counted models by the author at `end` (and, with `graph`, notes the
    /// author of their lineage root). `fallback(model)` is the attribution key of a model that
    /// has no author in `end`: a legacy unnamespaced id (the namespace the registry says it
    /// moved to), or a root absent from `end` (the namespace of its latest known id): METHODS.md
    /// §6. `None`: no namespace is known (a legacy id the registry does not list).
    #[must_use]
    pub fn new(
        window: &'w WindowDownloads,
        end: &SnapshotFrame,
        graph: Option<&LineageGraph>,
        mut fallback: impl FnMut(usize) -> Option<u32>,
    ) -> Self {
        let mut groups = Self {
            window,
            uploader: Vec::new(),
            moved: Vec::new(),
            legacy: (0, 0),
            rooted: Vec::new(),
            mixed: Vec::new(),
        };
        if graph.is_none() && end.author.len() == window.len() {
            // The uploader sums alone (no lineage): one pass over aligned slices, no bounds
            // checks, the same sums in the same order as the loop below (a third of the CPU
            // time of `windows`' visitor at 2 million models went to that loop).
            for (i, ((status, &x), code)) in window
                .status
                .iter()
                .zip(&window.downloads)
                .zip(end.author.iter())
                .enumerate()
            {
                if !status.is_counted() {
                    continue;
                }
                if let Some(code) = code {
                    let slot = code as usize;
                    if slot >= groups.uploader.len() {
                        groups.uploader.resize(slot + 1, (0, 0));
                    }
                    add(&mut groups.uploader[slot], x);
                } else if let Some(key) = fallback(i) {
                    groups.moved.push((key, x));
                } else {
                    add(&mut groups.legacy, x);
                }
            }
            return groups;
        }
        for i in window.counted() {
            let x = window.downloads[i];
            let key = match end.author.get(i) {
                Some(code) => {
                    // Tallies grow to the highest code seen (no pass over every model first).
                    let slot = code as usize;
                    if slot >= groups.uploader.len() {
                        groups.uploader.resize(slot + 1, (0, 0));
                    }
                    add(&mut groups.uploader[slot], x);
                    code
                }
                None => {
                    if let Some(key) = fallback(i) {
                        groups.moved.push((key, x));
                        key
                    } else {
                        add(&mut groups.legacy, x);
                        NO_KEY
                    }
                }
            };
            let Some(graph) = graph else {
                continue;
            };
            match graph.root(i) {
                Root::Mixed => groups.mixed.push((key, x)),
                Root::Model(root) if root as usize != i => {
                    let root = root as usize;
                    let root_key = match end.author.get(root) {
                        Some(code) if end.present.get(root).copied().unwrap_or(false) => Some(code),
                        _ => fallback(root),
                    };
                    if let Some(root_key) = root_key
                        && root_key != key
                    {
                        groups.rooted.push((key, root_key, x));
                    }
                }
                Root::Model(_) => {}
            }
        }
        groups
    }

    /// The window the groups sum.
    #[must_use]
    pub fn window(&self) -> &'w WindowDownloads {
        self.window
    }

    /// HHI over author namespaces (METHODS.md §3), models without a namespace in the window's
    /// snapshot (legacy ids) as the unknown share, from the sums already made.
    #[must_use]
    pub fn author_hhi(&self) -> Hhi {
        let sums: Vec<u64> = self
            .uploader
            .iter()
            .map(|&(_, downloads)| downloads)
            .collect();
        let legacy = self.legacy.1 + self.moved.iter().map(|&(_, x)| x).sum::<u64>();
        hhi_of_sums(&sums, legacy)
    }

    /// The window's shares by `dimension` in `origin` mode (the lineage mode as the uploader's
    /// when the groups were built without a graph). METHODS.md §6: in the lineage mode a model
    /// takes its root author's whole attribution when that author has a country, else its
    /// uploader's whole attribution; a merge of different roots is "mixed". Coverage is that of
    /// the mode: the downloads whose attribution in it has a country (a classified type).
    #[must_use]
    pub fn shares(
        &self,
        table: AttributionTable<'_>,
        dimension: Dimension,
        origin: Origin,
    ) -> Shares {
        let window = self.window;
        // Per key: catalog codes, then the caller's extra keys; no key is legacy.
        let mut slots = Slots {
            own: self.uploader.clone(),
            extra: Vec::new(),
            legacy: self.legacy,
        };
        let mut mixed: Tally = (0, 0);
        for &(key, x) in &self.moved {
            add(slots.get(key), x);
        }
        if origin == Origin::Lineage {
            for &(key, x) in &self.mixed {
                take(slots.get(key), x);
                add(&mut mixed, x);
            }
            for &(key, root, x) in &self.rooted {
                if table.get(root).is_some_and(|a| a.country.is_some()) {
                    take(slots.get(key), x);
                    add(slots.get(root), x);
                }
            }
        }
        let Slots { own, extra, legacy } = slots;
        let keyed = own
            .iter()
            .enumerate()
            .map(|(code, &tally)| (code as u32, tally))
            .chain(
                extra
                    .iter()
                    .enumerate()
                    .map(|(index, &tally)| (EXTRA + index as u32, tally)),
            );
        shares_of_tallies(
            &window.population,
            window.counts.total_downloads,
            keyed,
            legacy,
            mixed,
            table,
            dimension,
            origin,
        )
    }
}

/// The shares of one window from its counted models and downloads already summed per
/// attribution key (`keyed`: `(key, (models, downloads))`, any order, a key at most once),
/// the legacy unnamespaced and mixed tallies, and the window's `population` and total `S`:
/// what [`WindowGroups::shares`] finishes with, and what an engine that sums elsewhere (the
/// Spark path) calls with its own integer sums. Every sum is an integer; the rows, the HHI and
/// the coverage follow from them alone, so equal sums give equal shares, bit for bit.
#[allow(clippy::too_many_arguments)]
#[must_use]
pub fn shares_of_tallies(
    population: &Population,
    total: u64,
    keyed: impl IntoIterator<Item = (u32, (u64, u64))>,
    legacy: (u64, u64),
    mixed: (u64, u64),
    table: AttributionTable<'_>,
    dimension: Dimension,
    origin: Origin,
) -> Shares {
    let mut groups: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut unattributed: Tally = (0, 0);
    let (mut with_country, mut with_type) = (0_u64, 0_u64);
    for (key, (count, sum)) in keyed {
        if count == 0 {
            continue;
        }
        let attribution = table.get(key);
        if attribution.is_some_and(|a| a.country.is_some()) {
            with_country += sum;
        }
        if attribution
            .and_then(|a| a.contributor)
            .is_some_and(ContributorType::is_classified)
        {
            with_type += sum;
        }
        let tally = match attribution.and_then(|a| dimension.label(a)) {
            Some(label) => groups.entry(label).or_insert((0, 0)),
            None => &mut unattributed,
        };
        tally.0 += count;
        tally.1 += sum;
    }
    let share = |x: u64| (total > 0).then(|| x as f64 / total as f64);
    let mut rows: Vec<ShareRow> = groups
        .into_iter()
        .map(|(group, (count, sum))| ShareRow {
            group: group.to_owned(),
            kind: GroupKind::Known,
            models: count,
            downloads: sum,
            share: share(sum),
        })
        .collect();
    for (kind, label, (count, sum)) in [
        (GroupKind::Unattributed, UNATTRIBUTED, unattributed),
        (GroupKind::Legacy, LEGACY, legacy),
        (GroupKind::Mixed, MIXED, mixed),
    ] {
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
    let mut population = population.clone();
    population.origin = Some(origin.as_str().to_owned());
    population.coverage_country = share(with_country);
    population.coverage_type = share(with_type);
    population.refresh_words();
    Shares {
        period: population.to.date_string(),
        population,
        dimension,
        origin,
        windows: 1,
        total,
        hhi: Shares::hhi_of_rows(&rows),
        rows,
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

/// A credible release's first entry into a working set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredibleEntry {
    pub model: u32,
    /// The end of the first window whose set it entered within the allowed days of creation.
    pub entered: Timestamp,
    /// Its rank (1-based) in that set.
    pub rank: u32,
}

/// Credible releases (METHODS.md §7): models that enter a working set (or a configured top N)
/// within `within_days` (90) of their creation, each with its first such entry, by model.
/// `sets` are `(window end, members in rank order)` in any order; models with an unknown
/// creation date never count.
#[must_use]
pub fn credible_entries(
    sets: &[(Timestamp, &[u32])],
    created_at: &Column<Timestamp>,
    within_days: i64,
) -> Vec<CredibleEntry> {
    let mut entries: BTreeMap<u32, CredibleEntry> = BTreeMap::new();
    for &(end, members) in sets {
        for (rank, &model) in (1u32..).zip(members) {
            let Some(created) = created_at.get(model as usize) else {
                continue;
            };
            if created <= end && end <= created.plus_days(within_days) {
                let entry = CredibleEntry {
                    model,
                    entered: end,
                    rank,
                };
                entries
                    .entry(model)
                    .and_modify(|first| {
                        if end < first.entered {
                            *first = entry;
                        }
                    })
                    .or_insert(entry);
            }
        }
    }
    entries.into_values().collect()
}

/// Credible releases ([`credible_entries`]) counted once per quarter of creation and
/// contributor type.
#[must_use]
pub fn credible_releases(
    sets: &[(Timestamp, &[u32])],
    created_at: &Column<Timestamp>,
    mut contributor_of: impl FnMut(u32) -> Option<ContributorType>,
    within_days: i64,
) -> Vec<CredibleRow> {
    let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
    for CredibleEntry { model, .. } in credible_entries(sets, created_at, within_days) {
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
            AttributionTable::of_namespaces(&attributions),
            Some(&graph),
            |_| None,
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
            AttributionTable::of_namespaces(&attributions),
            Some(&graph),
            |_| None,
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
            AttributionTable::of_namespaces(&attributions),
            None,
            |_| None,
            Dimension::Region,
            Origin::Uploader,
        );
        assert_eq!(region.rows[1].group, "US");
        let sum: f64 = lineage.rows.iter().map(|r| r.share.unwrap()).sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }

    /// METHODS.md §6, one rule per assertion: a listed legacy id counts as the namespace it moved
    /// to; a lineage model whose root has no country takes its uploader's whole attribution
    /// (type and country together); a root absent from the window's snapshot keeps its maker;
    /// coverage is that of the mode and equals one minus the rows with no country.
    #[test]
    fn attribution_rules_of_methods_section_6() {
        // Namespaces: 0 = stability (GB industry), 1 = solo (an individual, no country),
        // 2 = qwen (CN industry). Models: 0 solo/root (10), 1 stability/ft of 0 (20),
        // 2 gpt2, legacy, moved to extra key 0 = openai (US industry) (30), 3 qwen/base absent
        // from the end snapshot, 4 someone/ft of 3 uploaded by solo (40), 5 bert, legacy, not
        // listed (5).
        let catalog = catalog(&[
            "solo/root",
            "stability/ft",
            "gpt2",
            "qwen/base",
            "solo/ft-of-qwen",
            "bert",
        ]);
        let mut end = frame(
            "2026-08-23",
            &[
                (true, Some(1), None, Some(1)),
                (true, Some(1), None, Some(0)),
                (true, Some(1), None, None),
                (false, None, None, None),
                (true, Some(1), None, Some(1)),
                (true, Some(1), None, None),
            ],
        );
        end.info.columns = vec!["downloads_30d".into()];
        end.downloads_30d = vec![Some(10), Some(20), Some(30), None, Some(40), Some(5)].into();
        let window = thirty_day_window(&catalog, &end, &Filter::default()).unwrap();
        let namespaces = [
            attribution("Stability AI", Some("GB"), Some(ContributorType::Industry)),
            Attribution {
                organization: None,
                country: None,
                contributor: Some(ContributorType::Individual),
            },
            attribution("Alibaba", Some("CN"), Some(ContributorType::Industry)),
        ];
        let extra = [attribution(
            "OpenAI",
            Some("US"),
            Some(ContributorType::Industry),
        )];
        let table = AttributionTable {
            namespaces: &namespaces,
            extra: &extra,
        };
        // The caller's fallback: gpt2 moved to the extra key; the absent qwen/base's author is
        // namespace code 2 (its latest id); bert is not listed.
        let fallback = |model: usize| match model {
            2 => Some(EXTRA),
            3 => Some(2),
            _ => None,
        };
        let graph = LineageGraph::new(
            &LineageTable::from_rows([
                (None, vec![], vec![]),
                (Some(Relation::Finetune), vec![0], vec![]),
                (None, vec![], vec![]),
                (None, vec![], vec![]),
                (Some(Relation::Finetune), vec![3], vec![]),
                (None, vec![], vec![]),
            ]),
            6,
        );
        let groups = WindowGroups::new(&window, &end, Some(&graph), fallback);
        let rows = |s: &Shares| {
            s.rows
                .iter()
                .map(|r| (r.group.clone(), r.downloads))
                .collect::<Vec<_>>()
        };
        let uploader = groups.shares(table, Dimension::Country, Origin::Uploader);
        assert_eq!(
            rows(&uploader),
            vec![
                ("unattributed".into(), 50),
                ("US".into(), 30),
                ("GB".into(), 20),
                (LEGACY.into(), 5)
            ],
            "gpt2 counts as the namespace it moved to; bert stays legacy"
        );
        let lineage = groups.shares(table, Dimension::Country, Origin::Lineage);
        assert_eq!(
            rows(&lineage),
            vec![
                ("CN".into(), 40),
                ("US".into(), 30),
                ("GB".into(), 20),
                ("unattributed".into(), 10),
                (LEGACY.into(), 5)
            ],
            "the root without a country leaves stability/ft with its uploader; the absent root \
             qwen/base keeps its maker"
        );
        let types = groups.shares(table, Dimension::Type, Origin::Lineage);
        assert_eq!(
            rows(&types),
            vec![
                ("industry".into(), 90),
                ("individual".into(), 10),
                (LEGACY.into(), 5),
                ("unattributed".into(), 0)
            ],
            "never the root's type beside the uploader's country"
        );
        for shares in [&uploader, &lineage] {
            let no_country: u64 = shares
                .rows
                .iter()
                .filter(|r| r.kind != GroupKind::Known)
                .map(|r| r.downloads)
                .sum();
            let expected = 1.0 - no_country as f64 / shares.total as f64;
            let coverage = shares.population.coverage_country.unwrap();
            assert!(
                (coverage - expected).abs() < 1e-12,
                "{coverage} vs {expected}"
            );
        }
        assert!((lineage.population.coverage_country.unwrap() - 90.0 / 105.0).abs() < 1e-12);
        assert!((uploader.population.coverage_country.unwrap() - 50.0 / 105.0).abs() < 1e-12);
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
            let by_country = shares(&window, &end, AttributionTable::of_namespaces(&attributions), None, |_| None, Dimension::Country, Origin::Uploader);
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
            let by_root = shares(&window, &end, AttributionTable::of_namespaces(&attributions), Some(&graph), |_| None, Dimension::Country, Origin::Lineage);
            let computed: std::collections::BTreeMap<String, (u64, u64)> = by_root
                .rows
                .iter()
                .filter(|r| r.models > 0)
                .map(|r| (r.group.clone(), (r.downloads, r.models)))
                .collect();
            prop_assert_eq!(computed, naive_lineage);
            // One set of window groups answers every dimension and origin alike.
            let groups = WindowGroups::new(&window, &end, Some(&graph), |_| None);
            prop_assert_eq!(groups.shares(AttributionTable::of_namespaces(&attributions), Dimension::Country, Origin::Lineage), by_root);
            for dimension in [Dimension::Country, Dimension::Region, Dimension::Type, Dimension::Organization] {
                let s = shares(&window, &end, AttributionTable::of_namespaces(&attributions), None, |_| None, dimension, Origin::Uploader);
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
