//! Every figure of `hubcensus windows` for a chain of snapshots: the windows between
//! consecutive snapshots (or the 30-day window of each snapshot without `downloadsAllTime`),
//! their flags and totals, concentration, HHI by author, the working set, churn and the family
//! working set.

use hubcensus_model::{Catalog, Era, SnapshotFrame};
use serde::Serialize;

use crate::concentration::{self, Concentration, Hhi};
use crate::lineage::LineageGraph;
use crate::shares::WindowGroups;
use crate::window::{self, Cadence, WindowCounts, WindowDownloads};
use crate::working_set::{self, Churn, WorkingSet};
use crate::{AnalyticsError, Filter, Population};

/// What to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesOptions {
    /// Working-set size and top-k share k (default 200).
    pub k: u64,
    pub filter: Filter,
    /// The planned spacing of snapshots; longer windows are flagged.
    pub cadence: Option<Cadence>,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        Self {
            k: 200,
            filter: Filter::default(),
            cadence: Some(Cadence::WEEKLY),
        }
    }
}

/// The figures of one window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WindowFigures {
    pub population: Population,
    pub days: f64,
    pub longer_than_cadence: bool,
    pub counts: WindowCounts,
    pub concentration: Concentration,
    pub hhi_author: Hhi,
    pub long_tail_share: Option<f64>,
    pub working_set: WorkingSet,
    /// Against the previous window of the same measure; `None` for the first.
    pub churn: Option<Churn>,
    /// `None` without a lineage graph.
    pub family_working_set: Option<WorkingSet>,
}

/// The window ending at `after`: `(t_before, t_after]` by difference when both frames carry
/// `downloadsAllTime`, else the 30-day window ending `t_after` (also without a `before`).
/// `spare` is a window done with, whose buffers the new one reuses.
pub fn window_ending(
    catalog: &Catalog,
    before: Option<&SnapshotFrame>,
    after: &SnapshotFrame,
    filter: &Filter,
    cadence: Option<Cadence>,
    spare: Option<WindowDownloads>,
) -> Result<WindowDownloads, AnalyticsError> {
    match before {
        Some(before) if before.info.era() == Era::AllTime && after.info.era() == Era::AllTime => {
            window::window_downloads_reusing(catalog, before, after, filter, cadence, spare)
        }
        _ => window::thirty_day_window_reusing(catalog, after, filter, spare),
    }
}

/// The windows of a chain of frames: `(t_{i-1}, t_i]` when both frames carry
/// `downloadsAllTime`, else the 30-day window ending `t_i` (and ending `t_0` when the first
/// frame has no all-time count). Frames must be in time order.
pub fn windows<'a>(
    catalog: &'a Catalog,
    frames: &'a [SnapshotFrame],
    filter: &'a Filter,
    cadence: Option<Cadence>,
) -> impl Iterator<Item = Result<(WindowDownloads, &'a SnapshotFrame), AnalyticsError>> + 'a {
    let first = frames
        .first()
        .filter(|f| f.info.era() == Era::ThirtyDayOnly)
        .map(|f| window::thirty_day_window(catalog, f, filter).map(|w| (w, f)));
    first.into_iter().chain(frames.windows(2).map(move |pair| {
        window_ending(catalog, Some(&pair[0]), &pair[1], filter, cadence, None)
            .map(|w| (w, &pair[1]))
    }))
}

/// Builds a series window by window (for callers that load frames a few at a time): each
/// pushed window gets its figures and its churn against the previous window of the same
/// measure.
#[derive(Debug, Default)]
pub struct SeriesBuilder {
    figures: Vec<WindowFigures>,
    /// Buffers kept from window to window: a 2M-model window's sorted values and family sums
    /// are 16 MB each, and fresh pages cost as much as filling them.
    scratch: Scratch,
}

/// Buffers for [`figures`], reused across windows.
#[derive(Debug, Default)]
pub struct Scratch {
    values: Vec<u64>,
    sums: Vec<u64>,
}

impl SeriesBuilder {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the next window (in time order) and returns its figures. `groups` are the
    /// window's sums by author (`WindowGroups::new(window, end, ..)`), which callers need for
    /// their shares too.
    pub fn push(
        &mut self,
        catalog: &Catalog,
        groups: &WindowGroups,
        end: &SnapshotFrame,
        graph: Option<&LineageGraph>,
        k: u64,
    ) -> &WindowFigures {
        let figures = figures(catalog, groups, end, graph, k, &mut self.scratch);
        self.push_figures(figures)
    }

    /// The buffers [`figures_of`] reuses, for a caller that computes a window's figures in
    /// parts (the sums by author on one thread, the rest on another) and then calls
    /// [`SeriesBuilder::push_figures`].
    pub fn scratch(&mut self) -> &mut Scratch {
        &mut self.scratch
    }

    /// Adds the next window's figures (in time order), computed by [`figures`] or by
    /// [`figures_of`] with its `hhi_author` set, and returns them with their churn.
    pub fn push_figures(&mut self, mut figures: WindowFigures) -> &WindowFigures {
        if let Some(previous) = self.figures.last()
            && previous.population.measure == figures.population.measure
            && previous.population.to < figures.population.to
        {
            figures.churn = Some(working_set::churn(
                &previous.working_set,
                &figures.working_set,
            ));
        }
        self.figures.push(figures);
        self.figures.last().expect("just pushed")
    }

    #[must_use]
    pub fn finish(self) -> Vec<WindowFigures> {
        self.figures
    }
}

/// The figures of one window (churn left to the caller), from its sums by author (`groups`)
/// and its end frame.
#[must_use]
pub fn figures(
    catalog: &Catalog,
    groups: &WindowGroups,
    end: &SnapshotFrame,
    graph: Option<&LineageGraph>,
    k: u64,
    scratch: &mut Scratch,
) -> WindowFigures {
    let mut figures = figures_of(catalog, groups.window(), end, graph, k, scratch);
    figures.hhi_author = groups.author_hhi();
    figures
}

/// [`figures`] but for `hhi_author`, which is left empty (no value, no groups) for the caller
/// to set from the window's sums by author (`WindowGroups::author_hhi`): the figures that do
/// not need those sums, so that a caller can compute both parts at once.
#[must_use]
pub fn figures_of(
    catalog: &Catalog,
    window: &WindowDownloads,
    end: &SnapshotFrame,
    graph: Option<&LineageGraph>,
    k: u64,
    scratch: &mut Scratch,
) -> WindowFigures {
    concentration::sorted_counted_values(window, &mut scratch.values);
    let concentration = concentration::concentration_of_sorted(&scratch.values, k);
    let threshold = working_set::threshold_of_sorted(&scratch.values, k);
    let working_set = WorkingSet::of_window(window, &catalog.ids, k, Some(threshold));
    let family_working_set = graph
        .map(|graph| WorkingSet::of_families_in(window, graph, &catalog.ids, k, &mut scratch.sums));
    WindowFigures {
        population: window.population.clone(),
        days: window.days,
        longer_than_cadence: window.longer_than_cadence,
        counts: window.counts.clone(),
        long_tail_share: concentration::long_tail_share(window, &end.downloads_all_time),
        concentration,
        hhi_author: Hhi {
            value: None,
            groups: 0,
            unknown_share: None,
        },
        working_set,
        churn: None,
        family_working_set,
    }
}

/// Every window's figures, in time order, with churn between consecutive windows of the same
/// measure.
pub fn series(
    catalog: &Catalog,
    frames: &[SnapshotFrame],
    graph: Option<&LineageGraph>,
    options: &SeriesOptions,
) -> Result<Vec<WindowFigures>, AnalyticsError> {
    if options.k == 0 {
        return Err(AnalyticsError::ZeroK);
    }
    options.filter.validate()?;
    let mut builder = SeriesBuilder::new();
    for item in windows(catalog, frames, &options.filter, options.cadence) {
        let (window, end) = item?;
        builder.push(
            catalog,
            &WindowGroups::new(&window, end, None, |_| None),
            end,
            graph,
            options.k,
        );
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use hubcensus_model::{LineageTable, Relation};

    use super::*;
    use crate::window::tests::{catalog, frame};

    #[test]
    fn a_three_snapshot_world() {
        // 0 a/base, 1 a/base-gguf (quantized of 0), 2 b/rival, 3 gpt2 (legacy).
        let catalog = catalog(&["a/base", "a/base-gguf", "b/rival", "gpt2"]);
        let frames = vec![
            frame(
                "2026-08-09",
                &[
                    (true, Some(100), Some("2025-01-01"), Some(0)),
                    (true, Some(100), Some("2025-01-01"), Some(0)),
                    (true, Some(100), Some("2025-01-01"), Some(1)),
                    (true, Some(100), None, None),
                ],
            ),
            frame(
                "2026-08-16",
                &[
                    (true, Some(130), None, Some(0)),
                    (true, Some(125), None, Some(0)),
                    (true, Some(140), None, Some(1)),
                    (true, Some(100), None, None),
                ],
            ),
            frame(
                "2026-08-30",
                &[
                    (true, Some(140), None, Some(0)),
                    (true, Some(125), None, Some(0)),
                    (true, Some(200), None, Some(1)),
                    (true, Some(110), None, None),
                ],
            ),
        ];
        let graph = LineageGraph::new(
            &LineageTable::from_rows([
                (None, vec![], vec![]),
                (Some(Relation::Quantized), vec![0], vec![]),
                (None, vec![], vec![]),
                (None, vec![], vec![]),
            ]),
            4,
        );
        let options = SeriesOptions {
            k: 2,
            ..SeriesOptions::default()
        };
        let figures = series(&catalog, &frames, Some(&graph), &options).unwrap();
        assert_eq!(figures.len(), 2);
        let first = &figures[0];
        // D = 30, 25, 40, 0; S = 95.
        assert_eq!(first.counts.total_downloads, 95);
        assert_eq!(first.working_set.members, vec![2, 0]);
        assert_eq!(
            first.family_working_set.as_ref().unwrap().members,
            vec![0, 2]
        );
        assert_eq!(
            first.family_working_set.as_ref().unwrap().downloads,
            vec![55, 40]
        );
        // Authors: a 55, b 40; legacy 0.
        let hhi = first.hhi_author.value.unwrap();
        let expected = (100.0_f64 * 55.0 / 95.0).powi(2) + (100.0_f64 * 40.0 / 95.0).powi(2);
        assert!((hhi - expected).abs() < 1e-9);
        assert!(!first.longer_than_cadence);
        assert!(first.churn.is_none());
        let second = &figures[1];
        // D = 10, 0, 60, 10: the tie at 10 breaks by id: a/base < gpt2.
        assert_eq!(second.working_set.members, vec![2, 0]);
        assert!(second.longer_than_cadence, "a missed week");
        let churn = second.churn.as_ref().unwrap();
        assert!(churn.churn.abs() < f64::EPSILON);
        assert_eq!(second.concentration.n50, Some(1));
        assert_eq!(second.hhi_author.unknown_share, Some(10.0 / 80.0));
        assert_eq!(
            series(&catalog, &frames, None, &SeriesOptions { k: 0, ..options }),
            Err(AnalyticsError::ZeroK)
        );
    }
}
