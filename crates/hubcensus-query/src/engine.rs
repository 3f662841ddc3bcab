//! The window engine: every view that reads windows (windows, top, churn, shares, the report,
//! audit and discover) walks the store's snapshots through [`Census::for_each_window`].

use std::ops::RangeInclusive;

use hubcensus_analytics::Filter;
use hubcensus_analytics::series::window_ending;
use hubcensus_analytics::window::{Cadence, WindowDownloads};
use hubcensus_model::{Catalog, Column, Era, FrameColumns, SnapshotFrame, SnapshotInfo, Timestamp};

use crate::{Census, QueryError};

/// Which windows to compute, and what their frames hold.
#[derive(Clone, Debug)]
pub struct WindowPlan {
    /// The snapshots the windows may read, in time order: the first is the baseline of the
    /// first window unless it stands alone (see [`Census::for_each_window`]).
    pub snapshots: Vec<Timestamp>,
    /// The windows visited: those ending at these indices of `snapshots`.
    pub ends: RangeInclusive<usize>,
    pub filter: Filter,
    /// The planned spacing: longer windows are flagged.
    pub cadence: Option<Cadence>,
    /// Columns the visitor reads besides the window's and the filter's.
    pub columns: FrameColumns,
}

impl WindowPlan {
    /// Every window of the store.
    #[must_use]
    pub fn all(census: &Census, filter: Filter, columns: FrameColumns) -> Self {
        let last = census.times().len().saturating_sub(1);
        Self::ending(census, 0..=last, filter, columns)
    }

    /// The windows ending at the store's snapshots `ends` (positions in [`Census::times`]),
    /// each against the snapshot before it.
    #[must_use]
    pub fn ending(
        census: &Census,
        ends: RangeInclusive<usize>,
        filter: Filter,
        columns: FrameColumns,
    ) -> Self {
        Self {
            snapshots: census.times().to_vec(),
            ends,
            filter,
            cadence: None,
            columns,
        }
    }

    /// The windows between consecutive snapshots of `snapshots` (a range of the store, or
    /// snapshots spaced apart); one snapshot alone is its 30-day window.
    #[must_use]
    pub fn between(snapshots: Vec<Timestamp>, filter: Filter, columns: FrameColumns) -> Self {
        let ends = usize::from(snapshots.len() > 1)..=snapshots.len().saturating_sub(1);
        Self {
            snapshots,
            ends,
            filter,
            cadence: None,
            columns,
        }
    }

    #[must_use]
    pub fn with_cadence(self, cadence: Option<Cadence>) -> Self {
        Self { cadence, ..self }
    }
}

/// The frame columns that hold a model's lasting facts (METHODS.md §1: parameters, licence),
/// with their store names: a snapshot whose source did not carry one takes it from the newest
/// earlier snapshot that did.
const LASTING: [(FrameColumns, &str); 2] = [
    (FrameColumns::PARAMETERS, "parameters"),
    (FrameColumns::LICENSE, "license"),
];

/// Fills `column` of `frame` (whose source did not carry it) from `source`, for every model
/// present in both.
fn carry(frame: &mut SnapshotFrame, source: &SnapshotFrame, column: FrameColumns) {
    fn fill<T: Copy + hubcensus_model::Packed>(
        target: &mut Column<T>,
        from: &Column<T>,
        present: &[bool],
        there: &[bool],
    ) {
        for (i, _) in present
            .iter()
            .zip(there)
            .enumerate()
            .filter(|(_, (here, there))| **here && **there)
        {
            if target.get(i).is_none() {
                target.set(i, from.get(i));
            }
        }
    }
    if column == FrameColumns::PARAMETERS {
        fill(
            &mut frame.parameters,
            &source.parameters,
            &frame.present,
            &source.present,
        );
    } else if column == FrameColumns::LICENSE {
        fill(
            &mut frame.license,
            &source.license,
            &frame.present,
            &source.present,
        );
    }
}

impl Census {
    /// The snapshot the lasting fact `column` (a store column name: `parameters`, `license`,
    /// `parents`...) comes from at `as_of`: the newest snapshot at or before it whose source
    /// carried the column (METHODS.md §1); `None` when none did.
    #[must_use]
    pub fn lasting_source(&self, as_of: Timestamp, column: &str) -> Option<Timestamp> {
        self.times()
            .iter()
            .rev()
            .filter(|&&t| t <= as_of)
            .find(|&&t| self.info(t).is_some_and(|info| info.has_column(column)))
            .copied()
    }

    /// Calls `visit` with every window the plan asks for, in time order: the difference window
    /// from the plan's previous snapshot when both carry `downloadsAllTime`, else the 30-day
    /// window. The plan's first snapshot stands alone only where it cannot be differenced
    /// anyway (30-day era), or when it is the one window asked for.
    ///
    /// Frames hold the window's columns, the filter's, and the plan's (see the rules below for
    /// `downloads_30d`, `created_at` and the first frame); each snapshot is decoded once, on two
    /// worker threads (each holding at most the frame it decodes and one ready), and frames the
    /// windows are done with are given back for their buffers (at most two kept): at most eight
    /// frames are in memory however many snapshots the store holds (`windows` peaks at about
    /// 505 MB at 2 million models).
    pub fn for_each_window(
        &self,
        plan: &WindowPlan,
        mut visit: impl FnMut(&Catalog, &WindowDownloads, &SnapshotFrame) -> Result<(), QueryError>,
    ) -> Result<(), QueryError> {
        let store = self.store();
        let times = &plan.snapshots[..];
        if times.is_empty() || plan.ends.is_empty() || *plan.ends.end() >= times.len() {
            return Ok(());
        }
        let (from, to) = (*plan.ends.start(), *plan.ends.end());
        let filter = &plan.filter;
        let columns = plan.columns;
        let asked = columns | filter.columns();
        // `created_at` only decides whether a model first seen in a difference window is new:
        // unless asked for, it is read after the join, for the row groups holding such models
        // (a store's new keys come last in its files), and taken out of the frame again before
        // `visit` sees it.
        let created_later = !asked.contains(FrameColumns::CREATED_AT);
        let mut loader = store
            .frame_loader(if created_later {
                (asked | FrameColumns::WINDOW).difference(FrameColumns::CREATED_AT)
            } else {
                asked | FrameColumns::WINDOW
            })
            .map_err(QueryError::store("cannot read the store's key dictionary"))?;
        let mut created = Column::default();
        // The window ending at `from` needs the snapshot before it, when there is one.
        let start = from.saturating_sub(1);
        let wanted = &times[start..=to];
        // The 30-day `downloads` only where a window is the 30-day one (or may be: the first
        // frame, a 30-day-era frame, the frame after one), unless asked for: a difference window
        // does not read it, and it is a sixth of a frame's decoding.
        let era = |position: usize| {
            store
                .snapshots()
                .iter()
                .find(|info| info.as_of == times[position])
                .map_or(Era::ThirtyDayOnly, SnapshotInfo::era)
        };
        let alone = |position: usize| {
            position == 0 && position >= from && (era(0) == Era::ThirtyDayOnly || to == 0)
        };
        // A first frame that only starts the first window is read for that window alone: its
        // all-time downloads, and what the filter judges disappeared models by.
        let baseline = (columns | FrameColumns::DOWNLOADS_30D | FrameColumns::CREATED_AT)
            .difference(filter.columns())
            .difference(FrameColumns::DOWNLOADS_ALL_TIME);
        let skips: Vec<FrameColumns> = (start..=to)
            .map(|position| {
                if position == start && !alone(start) {
                    return baseline;
                }
                let thirty_day = position == start
                    || era(position) == Era::ThirtyDayOnly
                    || era(position - 1) == Era::ThirtyDayOnly;
                if thirty_day || asked.contains(FrameColumns::DOWNLOADS_30D) {
                    FrameColumns::NONE
                } else {
                    FrameColumns::DOWNLOADS_30D
                }
            })
            .collect();
        // Decoding is most of the cost: one worker per core (at most two, each one frame
        // ahead), worker `w` taking every `workers`-th snapshot; frames join in time order.
        let workers = std::thread::available_parallelism()
            .map_or(1, std::num::NonZero::get)
            .clamp(1, 2);
        std::thread::scope(|scope| {
            let receivers: Vec<_> = (0..workers)
                .map(|worker| {
                    let (sender, receiver) = std::sync::mpsc::sync_channel(1);
                    let decoder = loader.decoder();
                    let skips = &skips;
                    scope.spawn(move || {
                        for (k, &as_of) in wanted.iter().enumerate().skip(worker).step_by(workers) {
                            // A closed receiver means the visitor failed: stop decoding.
                            if sender
                                .send(decoder.decode_without(as_of, skips[k]))
                                .is_err()
                            {
                                return;
                            }
                        }
                    });
                    receiver
                })
                .collect();
            let frames = (0..wanted.len()).map_while(|k| receivers[k % workers].recv().ok());
            let mut before: Option<SnapshotFrame> = None;
            // The frames lasting facts were carried from, by column.
            let mut carried: Vec<(FrameColumns, Timestamp, SnapshotFrame)> = Vec::new();
            // Whether any window counted a model: when none did, a filter value that no
            // snapshot holds is a user's mistake, not an empty population.
            let mut counted = false;
            // The last window, done with: the next one reuses its buffers.
            let mut spare = None;
            for (position, frame) in (start..).zip(frames) {
                let at = times[position];
                let frame = frame.map_err(QueryError::store(format!(
                    "cannot load the snapshot of {at}"
                )))?;
                let mut after = loader.join(frame);
                // Lasting facts a thin snapshot did not carry (METHODS.md §1), from the newest
                // earlier snapshot that did.
                for &(column, name) in &LASTING {
                    if !asked.contains(column) || after.info.has_column(name) {
                        continue;
                    }
                    let Some(source) = self.lasting_source(after.info.as_of, name) else {
                        continue;
                    };
                    let cached = carried
                        .iter()
                        .position(|(c, t, _)| *c == column && *t == source);
                    let index = if let Some(index) = cached {
                        index
                    } else {
                        let decoded = loader
                            .decoder()
                            .decode_without(source, FrameColumns::ALL.difference(column))
                            .map_err(QueryError::store(format!(
                                "cannot load the snapshot of {source}"
                            )))?;
                        carried.retain(|(c, _, _)| *c != column);
                        carried.push((column, source, loader.join(decoded)));
                        carried.len() - 1
                    };
                    carry(&mut after, &carried[index].2, column);
                }
                if position >= from && (before.is_some() || alone(position)) {
                    // The models a difference window may count as new.
                    let first_seen = match &before {
                        Some(before)
                            if created_later
                                && before.info.era() == Era::AllTime
                                && after.info.era() == Era::AllTime =>
                        {
                            let first_seen = (0..after.len())
                                .filter(|&i| after.present[i] && !before.present[i])
                                .map(|i| i as u32);
                            Some(first_seen.collect::<Vec<u32>>())
                        }
                        _ => None,
                    };
                    if let Some(first_seen) = &first_seen {
                        store
                            .created_at_of(after.info.as_of, first_seen, &mut created)
                            .map_err(QueryError::store(format!(
                                "cannot load the snapshot of {at}"
                            )))?;
                        after.created_at = std::mem::take(&mut created);
                        after.columns = after.columns | FrameColumns::CREATED_AT;
                    }
                    let window = window_ending(
                        loader.catalog(),
                        before.as_ref(),
                        &after,
                        filter,
                        plan.cadence,
                        spare.take(),
                    )
                    .map_err(|source| QueryError::Analytics { end: at, source })?;
                    if first_seen.is_some() {
                        // Only some models' creation times: not a column the visitor may read.
                        created = std::mem::take(&mut after.created_at);
                        after.columns = after.columns.difference(FrameColumns::CREATED_AT);
                    }
                    counted |= window.population.models > 0;
                    visit(loader.catalog(), &window, &after)?;
                    spare = Some(window);
                }
                if let Some(done) = before.replace(after) {
                    loader.recycle(done);
                }
            }
            match unknown_value(filter, loader.catalog()) {
                Some(error) if !counted => Err(error),
                _ => Ok(()),
            }
        })
    }
}

/// The error for a filter value (task, library, license) that no loaded snapshot holds, with a
/// hint naming values that exist (a differently-cased match first).
pub(crate) fn unknown_value(filter: &Filter, catalog: &Catalog) -> Option<QueryError> {
    let checks: [(&'static str, Option<&String>, &[String]); 3] = [
        ("task", filter.task.as_ref(), &catalog.pipeline_tags),
        ("library", filter.library.as_ref(), &catalog.libraries),
        ("license", filter.license.as_ref(), &catalog.licenses),
    ];
    checks.into_iter().find_map(|(name, wanted, known)| {
        let wanted = wanted?;
        if known.contains(wanted) {
            return None;
        }
        let mut values: Vec<&str> = known
            .iter()
            .map(String::as_str)
            .filter(|value| !value.is_empty())
            .collect();
        values.sort_unstable();
        let hint = match values.iter().find(|v| v.eq_ignore_ascii_case(wanted)) {
            Some(close) => format!("did you mean --{name} {close}? (values are case-sensitive)"),
            None if values.is_empty() => format!("no snapshot in the store records a {name}"),
            None => {
                let shown = values.len().min(12);
                format!(
                    "{}s in the store include: {}{}",
                    name,
                    values[..shown].join(", "),
                    if values.len() > shown {
                        format!(" (and {} more)", values.len() - shown)
                    } else {
                        String::new()
                    }
                )
            }
        };
        Some(QueryError::Invalid {
            parameter: name,
            message: format!("no model in the store has {name} {wanted:?}"),
            hint,
        })
    })
}
