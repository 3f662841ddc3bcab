//! Window downloads between two snapshots (METHODS.md §2).
//!
//! `D(m) = A_t1(m) - A_t0(m)` for a model in both snapshots; a model only at `t1` created after
//! `t0` is `new` with `D = A_t1`; one only at `t1` created earlier (or at an unknown time) is
//! `unmatched`; one only at `t0` is `disappeared`. A negative `D` is kept as signed data and
//! counted as 0 in every aggregate. The 30-day `downloads` field is never differenced: where
//! `downloadsAllTime` is absent only [`thirty_day_window`] applies.

use hubcensus_model::{Catalog, Era, SnapshotFrame, Timestamp};
use serde::Serialize;

use crate::{AnalyticsError, Filter, Measure, Population};

/// What happened to one model in one window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[repr(u8)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not in either snapshot, or outside the population filter.
    Outside,
    /// In both snapshots: `D = A_t1 - A_t0`.
    Matched,
    /// Only at `t1`, created after `t0`: `D = A_t1`.
    New,
    /// Only at `t1`, created at or before `t0` or at an unknown time: not counted.
    Unmatched,
    /// Only at `t0`: not counted.
    Disappeared,
    /// In the snapshots but without the downloads the measure needs: not counted.
    Unmeasured,
}

impl Status {
    /// Whether the model's downloads count toward the window's aggregates.
    #[must_use]
    #[inline]
    pub const fn is_counted(self) -> bool {
        matches!(self, Self::Matched | Self::New)
    }
}

/// The expected spacing of a series of snapshots, to flag longer windows (missed weeks).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Cadence {
    pub days: f64,
}

impl Cadence {
    pub const WEEKLY: Self = Self { days: 7.0 };

    /// A window is longer than planned when it spans more than 1.5 cadences (a weekly series
    /// tolerates a crawl a day or two late, not a missed week).
    #[must_use]
    pub fn is_exceeded_by(self, days: f64) -> bool {
        days > self.days * 1.5
    }
}

/// The counts and flags of one window.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct WindowCounts {
    /// Counted models (matched + new) in the population.
    pub models: u64,
    pub matched: u64,
    pub new: u64,
    pub unmatched: u64,
    pub disappeared: u64,
    /// Present but without the downloads field the measure needs.
    pub unmeasured: u64,
    /// Counted models with `D < 0`.
    pub negative: u64,
    /// The sum of `-D` over negative models: downloads the clamp removed.
    pub clamped_downloads: u64,
    /// `S`: the sum of clamped `D` over counted models.
    pub total_downloads: u64,
}

/// Downloads per model over one window, on the dense index.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowDownloads {
    pub population: Population,
    pub status: Vec<Status>,
    /// `max(D, 0)` where counted, else 0: what every aggregate uses.
    pub downloads: Vec<u64>,
    /// The counted models with `D < 0`, ascending, with their `D`: the signed data of the
    /// rest is `downloads` ([`WindowDownloads::signed`]). Kept apart because they are few,
    /// where a signed vector is another 16 MB to clear and fill per 2M-model window.
    pub negatives: Vec<(u32, i64)>,
    pub counts: WindowCounts,
    /// Window length in days.
    pub days: f64,
    /// Longer than the series' cadence (a missed snapshot): reported, never split.
    pub longer_than_cadence: bool,
}

impl WindowDownloads {
    #[must_use]
    pub fn len(&self) -> usize {
        self.status.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.status.is_empty()
    }

    #[must_use]
    pub fn from(&self) -> Timestamp {
        self.population.from
    }

    #[must_use]
    pub fn to(&self) -> Timestamp {
        self.population.to
    }

    /// `D` of model `i` as signed data (0 where not counted).
    #[must_use]
    pub fn signed(&self, i: usize) -> i64 {
        match self
            .negatives
            .binary_search_by_key(&i, |&(model, _)| model as usize)
        {
            Ok(found) => self.negatives[found].1,
            Err(_) => i64::try_from(self.downloads[i]).unwrap_or(i64::MAX),
        }
    }

    /// Dense indices of counted models, ascending.
    pub fn counted(&self) -> impl Iterator<Item = usize> + '_ {
        self.status
            .iter()
            .enumerate()
            .filter(|(_, status)| status.is_counted())
            .map(|(i, _)| i)
    }
}

/// The population of an all-time difference window over `(from, to]` computed elsewhere (the
/// Spark path), from its counts and whether its snapshots were partial or synthetic: the same
/// value the embedded engine's window carries.
#[must_use]
pub fn difference_population(
    from: Timestamp,
    to: Timestamp,
    filter: &Filter,
    counts: &WindowCounts,
    partial: bool,
    synthetic: bool,
) -> Population {
    let mut population = population(Measure::AllTimeDifference, from, to, filter, counts, &[]);
    population.partial = partial;
    population.synthetic = synthetic;
    population.refresh_words();
    population
}

fn population(
    measure: Measure,
    from: Timestamp,
    to: Timestamp,
    filter: &Filter,
    counts: &WindowCounts,
    frames: &[&SnapshotFrame],
) -> Population {
    let mut population = Population {
        words: String::new(),
        measure,
        from,
        to,
        filter: filter.clone(),
        models: counts.models,
        total_downloads: counts.total_downloads,
        origin: None,
        coverage_country: None,
        coverage_type: None,
        partial: frames.iter().any(|f| f.info.partial),
        synthetic: frames.iter().any(|f| f.info.synthetic),
    };
    population.refresh_words();
    population
}

/// The per-model vectors of a window of `len` models, all `Outside` and 0, and no negative:
/// those of `spare` (an earlier window done with) when given, since fresh pages for 2 million
/// models cost as much as filling them.
fn per_model(
    len: usize,
    spare: Option<WindowDownloads>,
) -> (Vec<Status>, Vec<u64>, Vec<(u32, i64)>) {
    let (mut status, mut downloads, mut negatives) = spare.map_or_else(
        || (Vec::new(), Vec::new(), Vec::new()),
        |w| (w.status, w.downloads, w.negatives),
    );
    status.clear();
    status.resize(len, Status::Outside);
    downloads.clear();
    downloads.resize(len, 0);
    negatives.clear();
    (status, downloads, negatives)
}

/// Window downloads between `before` (at `t0`) and `after` (at `t1`), both frames of one store.
///
/// The filter is judged on a model's attributes at `t1` (at `t0` for a disappeared model).
pub fn window_downloads(
    catalog: &Catalog,
    before: &SnapshotFrame,
    after: &SnapshotFrame,
    filter: &Filter,
    cadence: Option<Cadence>,
) -> Result<WindowDownloads, AnalyticsError> {
    window_downloads_reusing(catalog, before, after, filter, cadence, None)
}

/// [`window_downloads`] into the buffers of `spare`, a window done with.
pub fn window_downloads_reusing(
    catalog: &Catalog,
    before: &SnapshotFrame,
    after: &SnapshotFrame,
    filter: &Filter,
    cadence: Option<Cadence>,
    spare: Option<WindowDownloads>,
) -> Result<WindowDownloads, AnalyticsError> {
    let (from, to) = (before.info.as_of, after.info.as_of);
    if from >= to {
        return Err(AnalyticsError::WindowOrder { from, to });
    }
    if before.len() != after.len() {
        return Err(AnalyticsError::FrameLengthMismatch {
            from,
            to,
            before: before.len(),
            after: after.len(),
        });
    }
    for frame in [before, after] {
        if frame.info.era() != Era::AllTime {
            return Err(AnalyticsError::NoAllTimeDownloads {
                at: frame.info.as_of,
            });
        }
    }
    filter.validate()?;
    // The new-models filter is relative to the window's end for every model, disappeared too.
    let resolved = filter.matcher(catalog, to);
    let len = after.len();
    let (mut status, mut downloads, mut negatives) = per_model(len, spare);
    let mut counts = WindowCounts::default();
    let t0 = from.as_millis();
    for i in 0..len {
        let (was, is) = (before.present[i], after.present[i]);
        let state = match (was, is) {
            (false, false) => continue,
            (true, false) => {
                if !resolved.accepts(before, i) {
                    continue;
                }
                counts.disappeared += 1;
                Status::Disappeared
            }
            (_, true) => {
                if !resolved.accepts(after, i) {
                    continue;
                }
                let end = after.downloads_all_time.at(i);
                let start = if was {
                    before.downloads_all_time.at(i)
                } else {
                    let created_after_start = after
                        .created_at
                        .at(i)
                        .is_some_and(|created| created.as_millis() > t0);
                    if !created_after_start {
                        counts.unmatched += 1;
                        status[i] = Status::Unmatched;
                        continue;
                    }
                    Some(0)
                };
                let (Some(end), Some(start)) = (end, start) else {
                    counts.unmeasured += 1;
                    status[i] = Status::Unmeasured;
                    continue;
                };
                let delta = end as i64 - start as i64;
                if delta < 0 {
                    negatives.push((i as u32, delta));
                    counts.negative += 1;
                    counts.clamped_downloads += delta.unsigned_abs();
                } else {
                    downloads[i] = delta as u64;
                    counts.total_downloads += delta as u64;
                }
                counts.models += 1;
                if was {
                    counts.matched += 1;
                    Status::Matched
                } else {
                    counts.new += 1;
                    Status::New
                }
            }
        };
        status[i] = state;
    }
    let days = from.days_until(to);
    Ok(WindowDownloads {
        population: population(
            Measure::AllTimeDifference,
            from,
            to,
            filter,
            &counts,
            &[before, after],
        ),
        status,
        downloads,
        negatives,
        counts,
        days,
        longer_than_cadence: cadence.is_some_and(|c| c.is_exceeded_by(days)),
    })
}

/// The 30-day measure of one snapshot: "30-day window ending t", its `downloads` field per
/// present model. Used where `downloadsAllTime` is absent; never differenced.
pub fn thirty_day_window(
    catalog: &Catalog,
    frame: &SnapshotFrame,
    filter: &Filter,
) -> Result<WindowDownloads, AnalyticsError> {
    thirty_day_window_reusing(catalog, frame, filter, None)
}

/// [`thirty_day_window`] into the buffers of `spare`, a window done with.
pub fn thirty_day_window_reusing(
    catalog: &Catalog,
    frame: &SnapshotFrame,
    filter: &Filter,
    spare: Option<WindowDownloads>,
) -> Result<WindowDownloads, AnalyticsError> {
    filter.validate()?;
    let to = frame.info.as_of;
    let from = to.plus_days(-30);
    let resolved = filter.matcher(catalog, to);
    let len = frame.len();
    let (mut status, mut downloads, negatives) = per_model(len, spare);
    let mut counts = WindowCounts::default();
    for i in 0..len {
        if !frame.present[i] || !resolved.accepts(frame, i) {
            continue;
        }
        let Some(value) = frame.downloads_30d.at(i) else {
            counts.unmeasured += 1;
            status[i] = Status::Unmeasured;
            continue;
        };
        status[i] = Status::Matched;
        downloads[i] = value;
        counts.models += 1;
        counts.matched += 1;
        counts.total_downloads += value;
    }
    Ok(WindowDownloads {
        population: population(Measure::ThirtyDay, from, to, filter, &counts, &[frame]),
        status,
        downloads,
        negatives,
        counts,
        days: 30.0,
        longer_than_cadence: false,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use hubcensus_model::{ModelId, SnapshotInfo, SourceKind};

    use super::*;

    pub(crate) fn info(as_of: &str, all_time: bool) -> SnapshotInfo {
        SnapshotInfo {
            as_of: Timestamp::parse(as_of).unwrap(),
            crawl_started: None,
            crawl_ended: None,
            source: SourceKind::Synthetic,
            source_location: String::new(),
            models: 0,
            columns: if all_time {
                vec!["downloads_all_time".into(), "downloads_30d".into()]
            } else {
                vec!["downloads_30d".into()]
            },
            partial: false,
            synthetic: true,
        }
    }

    /// A row of a fixture frame: (present, all-time downloads, created, author code).
    pub(crate) type Row = (bool, Option<u64>, Option<&'static str>, Option<u32>);

    pub(crate) fn frame(as_of: &str, rows: &[Row]) -> SnapshotFrame {
        let mut frame = SnapshotFrame::empty(info(as_of, true), rows.len());
        for (i, &(present, all_time, created, author)) in rows.iter().enumerate() {
            frame.present[i] = present;
            if present {
                frame.downloads_all_time.set(i, all_time);
                frame.downloads_30d.set(i, all_time.map(|a| a / 10));
                frame.created_at.set(
                    i,
                    Timestamp::created_at(created.map(|c| Timestamp::parse(c).unwrap())),
                );
                frame.author.set(i, author);
            }
        }
        frame
    }

    pub(crate) fn catalog(ids: &[&str]) -> Catalog {
        Catalog {
            ids: ids.iter().map(|id| ModelId::new(*id).unwrap()).collect(),
            namespaces: vec!["a".into(), "b".into()],
            ..Catalog::default()
        }
    }

    /// Hand-computed: a matched model, a new one, an unmatched one (old), an unmatched one
    /// (sentinel creation date), a disappeared one, a negative one, a legacy id, an absent one.
    #[test]
    fn every_flag_of_a_window() {
        let catalog = catalog(&[
            "a/m",
            "a/new",
            "b/old",
            "b/sentinel",
            "a/gone",
            "b/neg",
            "gpt2",
            "a/absent",
        ]);
        let before = frame(
            "2026-08-16",
            &[
                (true, Some(100), Some("2025-01-01"), Some(0)),
                (false, None, None, None),
                (false, None, None, None),
                (false, None, None, None),
                (true, Some(50), Some("2025-01-01"), Some(0)),
                (true, Some(90), Some("2025-01-01"), Some(1)),
                (true, Some(1000), None, None),
                (false, None, None, None),
            ],
        );
        let after = frame(
            "2026-08-23",
            &[
                (true, Some(130), Some("2025-01-01"), Some(0)),
                (true, Some(7), Some("2026-08-20"), Some(0)),
                (true, Some(500), Some("2026-08-16"), Some(1)),
                (true, Some(500), Some("2022-03-02T23:29:04Z"), Some(1)),
                (false, None, None, None),
                (true, Some(80), Some("2025-01-01"), Some(1)),
                (true, Some(1001), None, None),
                (false, None, None, None),
            ],
        );
        let window = window_downloads(
            &catalog,
            &before,
            &after,
            &Filter::default(),
            Some(Cadence::WEEKLY),
        )
        .unwrap();
        assert_eq!(
            window.status,
            vec![
                Status::Matched,
                Status::New,
                Status::Unmatched,
                Status::Unmatched,
                Status::Disappeared,
                Status::Matched,
                Status::Matched,
                Status::Outside
            ]
        );
        let signed: Vec<i64> = (0..window.len()).map(|i| window.signed(i)).collect();
        assert_eq!(signed, vec![30, 7, 0, 0, 0, -10, 1, 0]);
        assert_eq!(window.negatives, vec![(5, -10)]);
        assert_eq!(window.downloads, vec![30, 7, 0, 0, 0, 0, 1, 0]);
        assert_eq!(
            window.counts,
            WindowCounts {
                models: 4,
                matched: 3,
                new: 1,
                unmatched: 2,
                disappeared: 1,
                unmeasured: 0,
                negative: 1,
                clamped_downloads: 10,
                total_downloads: 38,
            }
        );
        assert!(!window.longer_than_cadence);
        assert!(
            window
                .population
                .words
                .contains("(2026-08-16T00:00:00Z, 2026-08-23T00:00:00Z]")
        );
    }

    #[test]
    fn a_missed_week_is_flagged_and_an_old_snapshot_cannot_be_differenced() {
        let catalog = catalog(&["a/m"]);
        let before = frame("2026-08-09", &[(true, Some(1), None, Some(0))]);
        let after = frame("2026-08-23", &[(true, Some(2), None, Some(0))]);
        let window = window_downloads(
            &catalog,
            &before,
            &after,
            &Filter::default(),
            Some(Cadence::WEEKLY),
        )
        .unwrap();
        assert!(window.longer_than_cadence);
        assert!((window.days - 14.0).abs() < 1e-9);
        let mut old = before.clone();
        old.info = info("2026-08-09", false);
        assert_eq!(
            window_downloads(&catalog, &old, &after, &Filter::default(), None),
            Err(AnalyticsError::NoAllTimeDownloads { at: old.info.as_of })
        );
        assert!(matches!(
            window_downloads(&catalog, &after, &before, &Filter::default(), None),
            Err(AnalyticsError::WindowOrder { .. })
        ));
    }

    #[test]
    fn thirty_day_window_is_labelled_and_filters_apply() {
        let mut catalog = catalog(&["a/x", "a/y", "b/z"]);
        catalog.pipeline_tags = vec!["text-generation".into(), "fill-mask".into()];
        let mut frame = frame(
            "2026-08-23",
            &[
                (true, None, Some("2026-08-01"), Some(0)),
                (true, None, Some("2020-01-01"), Some(0)),
                (false, None, None, None),
            ],
        );
        frame.info = info("2026-08-23", false);
        frame.downloads_30d = vec![Some(40), Some(60), None].into();
        frame.pipeline_tag = vec![Some(0), Some(1), None].into();
        let all = thirty_day_window(&catalog, &frame, &Filter::default()).unwrap();
        assert_eq!(all.counts.total_downloads, 100);
        assert!(
            all.population
                .words
                .starts_with("30-day window ending 2026-08-23")
        );
        let task = Filter {
            task: Some("text-generation".into()),
            ..Filter::default()
        };
        let filtered = thirty_day_window(&catalog, &frame, &task).unwrap();
        assert_eq!(filtered.counts.total_downloads, 40);
        assert!(filtered.population.words.contains("task = text-generation"));
        let new = Filter {
            new_models: true,
            ..Filter::default()
        };
        assert_eq!(
            thirty_day_window(&catalog, &frame, &new)
                .unwrap()
                .counts
                .models,
            1
        );
        let unknown_task = Filter {
            task: Some("nope".into()),
            ..Filter::default()
        };
        assert_eq!(
            thirty_day_window(&catalog, &frame, &unknown_task)
                .unwrap()
                .counts
                .models,
            0
        );
    }
}
