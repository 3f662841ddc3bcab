//! Glue shared by the analytics views (`windows`, `top`, `churn`, `shares`, `lineage`,
//! `derivatives`): output formats, population filters, loading frames from the store a few at a
//! time, attribution from the embedded registry, and plain-text tables.

use std::fmt::Write as _;

use anyhow::Context as _;
use hubcensus_analytics::Filter;
use hubcensus_analytics::lineage::LineageGraph;
use hubcensus_analytics::series::window_ending;
use hubcensus_analytics::window::{Cadence, WindowDownloads};
use hubcensus_model::{
    Attribution, Catalog, Era, FrameColumns, Ids, SnapshotFrame, SnapshotInfo, Timestamp,
};
use hubcensus_store::Store;

use crate::context::Context;
use crate::output::Hint;

/// How a view prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned text for people, with the population stated above the table.
    Table,
    /// A versioned JSON document (full precision, no rounding).
    Json,
    /// Comma-separated values with a header row; every row carries its population.
    Csv,
}

/// Output format and population filters, shared by every analytics view.
#[derive(clap::Args, Debug, Clone)]
pub struct ViewArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub filters: FilterArgs,
}

impl ViewArgs {
    pub fn filter(&self) -> anyhow::Result<Filter> {
        self.filters.filter()
    }
}

/// The population filters, shared by the analytics views and `hubcensus report`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only models with this task (`pipeline_tag`, e.g. text-generation)
    #[arg(long, value_name = "TASK")]
    pub task: Option<String>,
    /// Only models of this library (`library_name`, e.g. transformers)
    #[arg(long, value_name = "LIBRARY")]
    pub library: Option<String>,
    /// Only models under this license (e.g. apache-2.0)
    #[arg(long, value_name = "LICENSE")]
    pub license: Option<String>,
    /// Only models with at least this many parameters (e.g. 1B, 500M, 7000000000)
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub min_params: Option<u64>,
    /// Only models with at most this many parameters (e.g. 8B)
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_params: Option<u64>,
    /// Only models created within 365 days before each window's end
    #[arg(long)]
    pub new_models: bool,
}

impl FilterArgs {
    /// The validated filter (a user error when `--min-params` exceeds `--max-params`).
    pub fn filter(&self) -> anyhow::Result<Filter> {
        let filter = Filter {
            task: self.task.clone(),
            library: self.library.clone(),
            license: self.license.clone(),
            min_params: self.min_params,
            max_params: self.max_params,
            new_models: self.new_models,
        };
        if let Err(error) = filter.validate() {
            return Err(user_error(error, "swap --min-params and --max-params"));
        }
        Ok(filter)
    }
}

/// A user's mistake: `message`, then `hint: ...` (the hint is the error's source, where
/// `output::report_error` finds it).
pub fn user_error(message: impl std::fmt::Display, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hint(hint.into())).context(message.to_string())
}

/// Parses a count with an optional K, M, B or T suffix (`7B`, `1.5B`, `500M`, `123`).
pub fn parse_count(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let scale = match trimmed.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => 1e3,
        Some('M') => 1e6,
        Some('B') => 1e9,
        Some('T') => 1e12,
        _ => {
            return trimmed
                .parse::<u64>()
                .map_err(|_| format!("{text:?} is not a count (e.g. 7B, 500M, 123)"));
        }
    };
    let number = &trimmed[..trimmed.len() - 1];
    match number.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 => Ok((value * scale).round() as u64),
        _ => Err(format!("{text:?} is not a count (e.g. 7B, 500M, 123)")),
    }
}

/// The store with its snapshot times, in time order.
pub struct Snapshots {
    pub store: Store,
    pub times: Vec<Timestamp>,
}

impl Snapshots {
    pub fn open(context: &Context) -> anyhow::Result<Self> {
        let store = Store::open(&context.data_dir)
            .with_context(|| format!("cannot open the store in {}", context.data_dir.display()))?;
        let mut times: Vec<Timestamp> = store.snapshots().iter().map(|s| s.as_of).collect();
        times.sort();
        times.dedup();
        if times.is_empty() {
            return Err(user_error(
                format!(
                    "the store in {} has no snapshots",
                    context.data_dir.display()
                ),
                "import one (`hubcensus import FILE`), crawl one (`hubcensus sync`), or try `hubcensus demo`",
            ));
        }
        Ok(Self { store, times })
    }

    /// Position of `as_of` (the latest when `None`).
    pub fn position(&self, as_of: Option<Timestamp>) -> anyhow::Result<usize> {
        match as_of {
            None => Ok(self.times.len() - 1),
            Some(as_of) => self.times.binary_search(&as_of).map_err(|_| {
                user_error(
                    format!("no snapshot at {as_of}"),
                    format!(
                        "snapshots in the store: {} (see `hubcensus snapshots`)",
                        self.times
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            }),
        }
    }

    /// The current id of every dense index (read once, then shared).
    pub fn ids(&self) -> anyhow::Result<Ids> {
        self.store
            .ids()
            .context("cannot read the store's key dictionary")
    }

    /// The frames at `times` holding only what `filter` reads (for views that filter models
    /// of one snapshot, not windows).
    pub fn load_for(
        &self,
        times: &[Timestamp],
        filter: &Filter,
    ) -> anyhow::Result<hubcensus_store::FrameSet> {
        self.store
            .load_frames_with(times, filter.columns())
            .context("cannot load snapshot frames")
    }

    /// The lineage graph of the snapshot at `as_of`, over the store's dense index; with the
    /// `base_model:` tag mentions only when `mentions` (reading every tag costs most of it).
    pub fn graph(&self, as_of: Timestamp, mentions: bool) -> anyhow::Result<LineageGraph> {
        let len = self.store.len();
        let table = self
            .store
            .lineage_with(as_of, len, mentions)
            .with_context(|| format!("cannot read the lineage of the snapshot at {as_of}"))?;
        Ok(LineageGraph::new(&table, len))
    }

    /// [`for_each_window`] over this store's snapshots.
    pub fn for_each_window(
        &self,
        from: usize,
        to: usize,
        filter: &Filter,
        cadence: Option<Cadence>,
        columns: FrameColumns,
        visit: impl FnMut(&Catalog, &WindowDownloads, &SnapshotFrame) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        for_each_window(
            &self.store,
            &self.times,
            from,
            to,
            filter,
            cadence,
            columns,
            visit,
        )
    }
}

/// Calls `visit` with every window ending at `times[from..=to]` (snapshots of `store`, in time
/// order): the difference window from the previous snapshot when both carry
/// `downloadsAllTime`, else the 30-day window. The first snapshot stands alone only where it
/// cannot be differenced anyway (30-day era), or when it is the one window asked for.
///
/// Frames hold the window's columns, the filter's, and `columns` (see the rules below for
/// `downloads_30d`, `created_at` and the first frame); each snapshot is decoded once, on two
/// worker threads (each holding at most the frame it decodes and one ready), and frames the
/// windows are done with are given back for their buffers (at most two kept): at most eight
/// frames are in memory however many snapshots the store holds (the whole `windows` run peaks
/// at about 505 MB at 2 million models).
#[allow(clippy::too_many_arguments)] // one call shape shared by the views and the report
pub fn for_each_window(
    store: &Store,
    times: &[Timestamp],
    from: usize,
    to: usize,
    filter: &Filter,
    cadence: Option<Cadence>,
    columns: FrameColumns,
    mut visit: impl FnMut(&Catalog, &WindowDownloads, &SnapshotFrame) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
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
        .context("cannot read the store's key dictionary")?;
    let mut created = hubcensus_model::Column::default();
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
    // The first snapshot is a window of its own only where it cannot be differenced anyway
    // (30-day era), or when it is the one window asked for.
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
    // Decoding is most of the cost: one worker per core (at most two, each one frame ahead),
    // worker `w` taking every `workers`-th snapshot; frames are joined in time order.
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
        // The last window, done with: the next one reuses its buffers.
        let mut spare = None;
        for (position, frame) in (start..).zip(frames) {
            let frame = frame
                .with_context(|| format!("cannot load the snapshot of {}", times[position]))?;
            let mut after = loader.join(frame);
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
                        .with_context(|| {
                            format!("cannot load the snapshot of {}", times[position])
                        })?;
                    after.created_at = std::mem::take(&mut created);
                    after.columns = after.columns | FrameColumns::CREATED_AT;
                }
                let window = window_ending(
                    loader.catalog(),
                    before.as_ref(),
                    &after,
                    filter,
                    cadence,
                    spare.take(),
                )
                .with_context(|| format!("cannot compute the window ending {}", times[position]))?;
                if first_seen.is_some() {
                    // Only some models' creation times: not a column the visitor may read.
                    created = std::mem::take(&mut after.created_at);
                    after.columns = after.columns.difference(FrameColumns::CREATED_AT);
                }
                visit(loader.catalog(), &window, &after)?;
                spare = Some(window);
            }
            if let Some(done) = before.replace(after) {
                loader.recycle(done);
            }
        }
        Ok(())
    })
}

/// One attribution per namespace code of a catalog, from the embedded registry, kept across the
/// windows of one run: a namespace the registry does not name has the same attribution at every
/// time, so only the named ones (a few hundred of the hundreds of thousands) are redone per
/// window, with their validity dates.
#[derive(Default)]
pub struct Attributions {
    attributions: Vec<Attribution>,
    named: Vec<usize>,
}

impl Attributions {
    /// The attribution of every namespace code of `catalog` at `at` (a catalog only grows, so
    /// one cache serves every window of a loader).
    pub fn at(&mut self, catalog: &Catalog, at: Timestamp) -> &[Attribution] {
        let registry = hubcensus_registry::Registry::embedded();
        // The named namespaces seen before: their attribution may differ at `at`.
        for &code in &self.named {
            self.attributions[code] = registry.attribute(&catalog.namespaces[code], at, None);
        }
        for code in self.attributions.len()..catalog.namespaces.len() {
            let namespace = &catalog.namespaces[code];
            // A namespace the registry does not name has no entry at any time: nothing known
            // (one lookup, not two, for each of hundreds of thousands).
            let attribution = if registry.names(namespace) {
                self.named.push(code);
                registry.attribute(namespace, at, None)
            } else {
                Attribution {
                    organization: None,
                    country: None,
                    contributor: None,
                }
            };
            self.attributions.push(attribution);
        }
        &self.attributions
    }
}

/// The embedded registry's version, for the provenance of shares.
pub fn registry_version() -> String {
    hubcensus_registry::Registry::embedded().version()
}

/// A percentage with two decimals, or `undefined` (a share of nothing).
pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "undefined".to_owned(), |v| format!("{:.2}%", v * 100.0))
}

/// A number with `places` decimals, or `undefined`.
pub fn decimal(value: Option<f64>, places: usize) -> String {
    value.map_or_else(|| "undefined".to_owned(), |v| format!("{v:.places$}"))
}

/// An optional count, or `undefined`.
pub fn count(value: Option<u64>) -> String {
    value.map_or_else(|| "undefined".to_owned(), |v| v.to_string())
}

/// Pretty JSON with a trailing newline.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// `text` with every control character (ANSI escape sequences, carriage returns, line breaks,
/// bells) replaced by U+FFFD, for a terminal.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// A plain table: aligned text, or CSV.
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    /// Columns padded to their widest cell; numbers (cells starting with a digit) right-aligned.
    /// Control characters in cells (a hostile name's ANSI escapes or line breaks) are shown as
    /// U+FFFD: this is what reaches a terminal.
    pub fn text(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| terminal_safe(cell)).collect())
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..self.headers.len())
            .map(|column| {
                !rows.is_empty()
                    && rows.iter().all(|row| {
                        row[column]
                            .chars()
                            .next()
                            .is_none_or(|c| c.is_ascii_digit() || c == '-' || c == 'u' || c == '+')
                    })
                    && rows.iter().any(|row| {
                        row[column]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit())
                    })
            })
            .collect();
        let mut out = String::new();
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (column, cell) in cells.enumerate() {
                if column > 0 {
                    text.push_str("  ");
                }
                let pad = widths[column].saturating_sub(cell.chars().count());
                if numeric[column] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut out, &mut self.headers.iter().copied());
        for row in &rows {
            line(&mut out, &mut row.iter().map(String::as_str));
        }
        out
    }

    /// The table as CSV with every row carrying `population` in a last column (a CSV row must
    /// say what it counts), or else as aligned text wrapped by `frame` (which adds the heading).
    pub fn render(
        &self,
        format: Format,
        population: &str,
        frame: impl FnOnce(String) -> String,
    ) -> String {
        if format == Format::Csv {
            let mut headers = self.headers.clone();
            headers.push("population");
            let rows = self
                .rows
                .iter()
                .map(|row| {
                    let mut row = row.clone();
                    row.push(population.to_owned());
                    row
                })
                .collect();
            Self { headers, rows }.csv()
        } else {
            frame(self.text())
        }
    }

    /// RFC 4180 CSV.
    pub fn csv(&self) -> String {
        fn cell(text: &str) -> String {
            if text.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", text.replace('"', "\"\""))
            } else {
                text.to_owned()
            }
        }
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}",
            self.headers
                .iter()
                .map(|h| cell(h))
                .collect::<Vec<_>>()
                .join(",")
        );
        for row in &self.rows {
            let _ = writeln!(
                out,
                "{}",
                row.iter().map(|c| cell(c)).collect::<Vec<_>>().join(",")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_attributions_equal_the_registry_at_every_time() {
        let registry = hubcensus_registry::Registry::embedded();
        let mut catalog = Catalog {
            // zai-org is Zhipu's from 2025-07-01 (registry/china.toml): unattributed before.
            namespaces: vec!["zai-org".into(), "someone-unknown".into(), "Qwen".into()],
            ..Catalog::default()
        };
        let mut cache = Attributions::default();
        let times = ["2023-06-01", "2026-01-01", "2026-08-23"];
        for (step, time) in times.into_iter().enumerate() {
            let at = Timestamp::parse(time).unwrap();
            if step == 1 {
                // The catalog grows between windows.
                catalog.namespaces.push("THUDM".into());
                catalog.namespaces.push("CohereForAI".into());
            }
            let expected: Vec<Attribution> = catalog
                .namespaces
                .iter()
                .map(|namespace| registry.attribute(namespace, at, None))
                .collect();
            assert_eq!(cache.at(&catalog, at), expected.as_slice(), "{time}");
        }
        let zhipu = |time| {
            registry
                .attribute("zai-org", Timestamp::parse(time).unwrap(), None)
                .organization
        };
        assert_ne!(
            zhipu(times[0]),
            zhipu(times[2]),
            "the test needs a dated namespace"
        );
    }

    #[test]
    fn counts_with_suffixes() {
        let cases = [
            ("123", Some(123)),
            ("7B", Some(7_000_000_000)),
            ("1.5b", Some(1_500_000_000)),
            ("500M", Some(500_000_000)),
            ("2k", Some(2_000)),
            ("seven", None),
            ("-1B", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_count(text).ok(), expected, "{text}");
        }
    }

    #[test]
    fn tables_align_and_csv_quotes() {
        let mut table = Table::new(vec!["model", "downloads"]);
        table.push(vec!["a/b".into(), "5".into()]);
        table.push(vec!["c/d,e".into(), "12345".into()]);
        assert_eq!(
            table.text(),
            "model  downloads\na/b            5\nc/d,e      12345\n"
        );
        assert_eq!(table.csv(), "model,downloads\na/b,5\n\"c/d,e\",12345\n");
    }

    #[test]
    fn text_tables_neutralise_control_characters() {
        let mut table = Table::new(vec!["license", "downloads"]);
        table.push(vec!["mit\u{1b}[2J\r\nfake".into(), "5".into()]);
        assert_eq!(
            table.text(),
            "license        downloads\nmit\u{fffd}[2J\u{fffd}\u{fffd}fake          5\n"
        );
        // CSV is data: it keeps the cell (quoted), for the consumer to judge.
        assert!(table.csv().contains("\"mit\u{1b}[2J\r\nfake\""));
    }

    #[test]
    fn csv_rows_carry_their_population_and_text_gets_a_heading() {
        let mut table = Table::new(vec!["model", "downloads"]);
        table.push(vec!["a/b".into(), "5".into()]);
        assert_eq!(
            table.render(Format::Csv, "all models, week ending 2026-08-23", |_| {
                unreachable!("CSV has no heading")
            }),
            "model,downloads,population\na/b,5,\"all models, week ending 2026-08-23\"\n"
        );
        assert_eq!(
            table.render(Format::Table, "ignored", |table| format!(
                "Heading\n\n{table}"
            )),
            "Heading\n\nmodel  downloads\na/b            5\n"
        );
    }
}
