//! `hubcensus import`: import snapshots from hub-stats Parquet, a weekly archive, or Hub API JSON.
//!
//! All or nothing per invocation, as far as the input goes: every source is opened (format,
//! as-of time, schema) before anything is written, and with several snapshots every record is
//! read and validated once before the first commit, so a bad file anywhere commits nothing. The
//! snapshots are then committed one by one, each atomically; only a refusal by the store itself
//! at commit time (a different snapshot already at that as-of time, without `--replace`) can stop
//! the run after earlier snapshots were committed, and the output says which ones were.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc;

use anyhow::Context as _;
use hubcensus_ingest::{Format, IngestError, ReadOptions, Reject, SourceSnapshot};
use hubcensus_model::{Era, ModelRecord, SourceKind, Timestamp};
use hubcensus_store::{CommitOutcome, SnapshotDraft, StoreError, Writer};

use crate::context::Context;
use crate::output::{Hint, write_stdout};

const EXAMPLES: &str = "\
Cost: local only (no network). Reads each source once (twice when it holds several snapshots:
a validation pass, then the commit), in record batches; memory stays bounded for Parquet.

Examples:
  # A hub-stats dump: it carries no date, so say when it was taken
  hubcensus import models.parquet --as-of 2026-05-20
  # A weekly archive: one snapshot per models/<YYYY-MM-DD>/ folder, dated by the folder
  hubcensus import hub_weekly_snapshots/
  # Daily scraper files ({\"date\", \"fetched_at\", \"models\"}), dated by their fetched_at
  hubcensus import snapshots/2026-08-*.json --skip-invalid";

/// The input format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// Detect from the path and the first bytes
    Auto,
    /// One hub-stats models.parquet file
    HubStats,
    /// A directory of models/<YYYY-MM-DD>/models.parquet
    WeeklyArchive,
    /// A JSON array of model objects, or a `{"date", "fetched_at", "models": [...]}` wrapper
    Json,
    /// JSON Lines, one model object per line
    Jsonl,
}

impl FormatArg {
    const fn to_format(self) -> Format {
        match self {
            Self::Auto => Format::Auto,
            Self::HubStats => Format::HubStats,
            Self::WeeklyArchive => Format::WeeklyArchive,
            Self::Json => Format::Json,
            Self::Jsonl => Format::JsonLines,
        }
    }
}

#[derive(clap::Args, Debug)]
#[command(after_help = EXAMPLES)]
pub struct Args {
    /// Files or directories to import (hub-stats Parquet, a weekly archive, Hub API JSON)
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// The time the source was taken from the Hub (RFC 3339 or YYYY-MM-DD, UTC); overrides the
    /// file's own date. Only for a single snapshot
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    as_of: Option<Timestamp>,
    /// The input format
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    format: FormatArg,
    /// Import the valid records and write the invalid ones (file, row or line, field, reason) to
    /// a rejects file
    #[arg(long)]
    skip_invalid: bool,
    /// Where to write rejects [default: <data-dir>/rejects/import-<as-of>.jsonl]
    #[arg(long, value_name = "FILE", requires = "skip_invalid")]
    rejects: Option<PathBuf>,
    /// Replace a stored snapshot at the same as-of time whose content differs
    #[arg(long)]
    replace: bool,
    /// Record the snapshots as partial listings (a top-N crawl). Hub API JSON files are recorded
    /// as partial unless --complete
    #[arg(long, conflicts_with = "complete")]
    partial: bool,
    /// Record Hub API JSON snapshots as complete listings of the Hub
    #[arg(long)]
    complete: bool,
}

fn parse_time(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse(text).map_err(|error| error.to_string())
}

/// An ingest error with what to do about it.
fn explain(error: IngestError) -> anyhow::Error {
    let hint = match &error {
        IngestError::NoAsOf { .. } => Some(
            "pass --as-of with the time the file was taken from the Hub, e.g. --as-of 2026-05-20",
        ),
        IngestError::Invalid(_) => Some(
            "fix the record, or pass --skip-invalid to import the rest and write the rejects to a file",
        ),
        IngestError::Parquet { .. } => {
            Some("the file looks truncated or corrupt: download it again")
        }
        IngestError::AsOfForSeveral { .. } => {
            Some("drop --as-of: each week of an archive is dated by its folder")
        }
        IngestError::UnknownFormat { .. } | IngestError::Schema { .. } => {
            Some("name the format with --format (hub-stats, weekly-archive, json, jsonl)")
        }
        _ => None,
    };
    let error = anyhow::Error::new(error);
    match hint {
        Some(hint) => error.context(Hint(hint.to_owned())),
        None => error,
    }
}

fn explain_store(error: StoreError) -> anyhow::Error {
    let hint = match &error {
        StoreError::SnapshotExists { .. } => {
            Some("pass --replace to overwrite it, or --as-of to import it at another time")
        }
        StoreError::Locked { .. } => Some("wait for the other hubcensus command to finish"),
        _ => None,
    };
    let error = anyhow::Error::new(error);
    match hint {
        Some(hint) => error.context(Hint(hint.to_owned())),
        None => error,
    }
}

fn era_label(era: Era) -> &'static str {
    match era {
        Era::AllTime => "all-time downloads",
        Era::ThirtyDayOnly => "30-day downloads only",
    }
}

/// Reads a snapshot's chunks on a second thread, so decoding overlaps with the store's work,
/// and hands each chunk to `consume`. Returns the rejects collected.
fn stream(
    snapshot: SourceSnapshot,
    mut consume: impl FnMut(Vec<ModelRecord>) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<Reject>> {
    let chunks = snapshot.chunks().map_err(explain)?;
    std::thread::scope(|scope| {
        let (sender, receiver) = mpsc::sync_channel::<Result<Vec<ModelRecord>, IngestError>>(2);
        let reader = scope.spawn(move || {
            let mut chunks = chunks;
            for chunk in chunks.by_ref() {
                // The receiver hangs up when the consumer failed: stop reading.
                if sender.send(chunk).is_err() {
                    break;
                }
            }
            chunks.rejects().to_vec()
        });
        let mut outcome = Ok(());
        for chunk in &receiver {
            match chunk {
                Ok(records) => {
                    if let Err(error) = consume(records) {
                        outcome = Err(error);
                        break;
                    }
                }
                Err(error) => {
                    outcome = Err(explain(error));
                    break;
                }
            }
        }
        drop(receiver);
        let rejects = reader
            .join()
            .map_err(|_| anyhow::anyhow!("the reader thread panicked (a bug)"))?;
        outcome.map(|()| rejects)
    })
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let Args {
        paths,
        as_of,
        format,
        skip_invalid,
        rejects: rejects_path,
        replace,
        partial,
        complete,
    } = args;
    let options = ReadOptions {
        format: format.to_format(),
        as_of,
        skip_invalid,
        ..ReadOptions::default()
    };
    // Open every source first: format, as-of time and schema problems stop the run before any
    // record is read.
    let mut snapshots = Vec::new();
    for path in &paths {
        snapshots.extend(hubcensus_ingest::open(path, &options).map_err(explain)?);
    }
    let mut as_ofs: BTreeMap<Timestamp, &Path> = BTreeMap::new();
    for snapshot in &snapshots {
        if let Some(first) = as_ofs.insert(snapshot.as_of, &snapshot.path) {
            return Err(anyhow::anyhow!(
                "{} and {} are both dated {}; one snapshot per as-of time",
                first.display(),
                snapshot.path.display(),
                snapshot.as_of
            ))
            .context(Hint(
                "import them in separate runs with different --as-of times".to_owned(),
            ));
        }
    }
    // With several snapshots, a validation pass reads every record before the first commit, so
    // that a bad record in the last file commits nothing. (With one, the builder is simply
    // dropped on an error.)
    if snapshots.len() > 1 {
        for path in &paths {
            for snapshot in hubcensus_ingest::open(path, &options).map_err(explain)? {
                stream(snapshot, |_| Ok(()))
                    .context("nothing was imported (checking every source before committing)")?;
            }
        }
    }

    let mut writer = Writer::lock(&context.data_dir)
        .map_err(explain_store)
        .with_context(|| format!("opening the store at {}", context.data_dir.display()))?;
    let mut all_rejects: Vec<Reject> = Vec::new();
    let mut report = String::new();
    let mut committed_so_far: Vec<String> = Vec::new();
    let first_as_of = snapshots.first().map(|s| s.as_of);
    let count = snapshots.len();
    for (position, snapshot) in snapshots.into_iter().enumerate() {
        let partial = partial || (snapshot.kind == SourceKind::HubApiJson && !complete);
        let draft = SnapshotDraft {
            as_of: snapshot.as_of,
            crawl_started: None,
            crawl_ended: snapshot.crawl_ended,
            source: snapshot.kind,
            source_location: snapshot.path.display().to_string(),
            columns: snapshot.columns.iter().map(|c| (*c).to_owned()).collect(),
            partial,
            synthetic: false,
        };
        let origin = snapshot.as_of_origin.to_string();
        let era = snapshot.era();
        let location = snapshot.path.display().to_string();
        let progress = context.progress.then(|| {
            let bar = indicatif::ProgressBar::new(snapshot.rows);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {human_pos}/{human_len} rows ({eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            // Which snapshot of how many, for an archive of many folders or files.
            bar.set_message(if count > 1 {
                format!("{} ({} of {count})", snapshot.as_of, position + 1)
            } else {
                snapshot.as_of.to_string()
            });
            bar
        });
        let started = std::time::Instant::now();
        let mut builder = writer.begin(draft).map_err(explain_store)?;
        builder.expect_records(snapshot.rows);
        let rejects = stream(snapshot, |records| {
            if let Some(bar) = &progress {
                bar.inc(records.len() as u64);
            }
            builder.push_owned(records).map_err(explain_store)
        });
        if let Some(bar) = &progress {
            bar.finish_and_clear();
        }
        let rejects = rejects.with_context(|| stopped(&committed_so_far))?;
        let models = builder.len();
        let read_seconds = started.elapsed().as_secs_f64();
        let outcome = builder
            .commit(replace)
            .map_err(explain_store)
            .with_context(|| stopped(&committed_so_far))?;
        tracing::info!(
            "{location}: read, validated and pushed in {read_seconds:.2} s; committed in {:.2} s",
            started.elapsed().as_secs_f64() - read_seconds
        );
        let (word, info) = match &outcome {
            CommitOutcome::Committed(info) => ("committed", info),
            CommitOutcome::Unchanged(info) => ("unchanged", info),
        };
        committed_so_far.push(info.as_of.to_string());
        let _ = writeln!(
            report,
            "{word:<9}  {as_of}  {models} models  {era}  {source}  {location}\n           as-of from {origin}{skipped}",
            as_of = info.as_of,
            era = era_label(era),
            source = info.source.as_str(),
            skipped = if rejects.is_empty() {
                String::new()
            } else {
                format!("; {} invalid records skipped", rejects.len())
            },
        );
        all_rejects.extend(rejects);
    }
    if !all_rejects.is_empty() {
        let path = rejects_path.unwrap_or_else(|| {
            let stamp = first_as_of.map_or_else(String::new, |t| t.to_string().replace(':', ""));
            context
                .data_dir
                .join("rejects")
                .join(format!("import-{stamp}.jsonl"))
        });
        write_rejects(&path, &all_rejects)?;
        let _ = writeln!(
            report,
            "{} invalid records skipped; written to {}",
            all_rejects.len(),
            path.display()
        );
    }
    write_stdout(&report)?;
    Ok(ExitCode::SUCCESS)
}

/// What a failure mid-run left in the store.
fn stopped(done: &[String]) -> String {
    if done.is_empty() {
        "nothing was imported".to_owned()
    } else {
        format!(
            "stopped; the snapshots before this one are in the store ({})",
            done.join(", ")
        )
    }
}

fn write_rejects(path: &Path, rejects: &[Reject]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for reject in rejects {
        serde_json::to_writer(&mut out, reject)?;
        out.write_all(b"\n")?;
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
