//! `hubcensus demo`: generate the synthetic demo world into the store (or as a hub-stats weekly
//! archive) and build its report.
//!
//! The world itself is `hubcensus-demo` (pure, deterministic); this module only decides where
//! the records go, runs the weeks on two threads, and prints what was made. Everything it writes
//! says "synthetic demo data".

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use hubcensus_demo::{Headline, SYNTHETIC_LABEL, World, WorldConfig};
use hubcensus_model::{SourceKind, Timestamp};

use crate::context::Context;
use hubcensus_report::format::{grouped, percent};

use crate::output::{Hint, write_stdout};

const AFTER_HELP: &str = "\
Cost: no network. The default world (200,000 models x 13 weeks) takes a few seconds and about
1 GB of disk in the store; 2,000,000 x 13 takes under a minute of generation on 2 cores and about
ten times the disk. Memory stays bounded: records are generated and written in chunks.

The world is synthetic demo data, calibrated to published facts about the Hub (about half the
models under 200 all-time downloads, the top 200 holding about half of a week's downloads, 28% of
models with lineage; see docs/demo-world.md). Everything built from it says so.

Examples:
  hubcensus demo
      the default world into the store, then its report
  hubcensus demo --models 2000000 --weeks 13 --write-parquet /tmp/hub-weekly
      a 2M-model weekly archive (models/<YYYY-MM-DD>/models.parquet) for benchmarks
  hubcensus --data-dir /tmp/demo-store demo --models 20000 --weeks 4 --seed 7
      a small world in a throw-away store";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// Distinct models over the world's life (each weekly snapshot holds slightly fewer)
    #[arg(long, default_value_t = WorldConfig::DEFAULT_MODELS, value_name = "N")]
    pub models: usize,
    /// Weekly snapshots to generate
    #[arg(long, default_value_t = WorldConfig::DEFAULT_WEEKS, value_name = "W")]
    pub weeks: usize,
    /// The seed: the same seed gives the same world, byte for byte
    #[arg(long, default_value_t = WorldConfig::DEFAULT_SEED, value_name = "S")]
    pub seed: u64,
    /// The first snapshot's date (RFC 3339 or YYYY-MM-DD) [default: 2026-08-23]
    #[arg(long, value_name = "T")]
    pub start: Option<Timestamp>,
    /// Write hub-stats-schema Parquet laid out like the weekly archive
    /// (DIR/models/<YYYY-MM-DD>/models.parquet) instead of filling the store
    #[arg(long, value_name = "DIR")]
    pub write_parquet: Option<PathBuf>,
    /// Replace demo snapshots already in the store at the same dates (never real snapshots)
    #[arg(long, conflicts_with = "write_parquet")]
    pub replace: bool,
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let Args {
        models,
        weeks,
        seed,
        start,
        write_parquet,
        replace,
    } = args;
    let config = WorldConfig {
        models,
        weeks,
        seed,
        start: start.unwrap_or_else(WorldConfig::default_start),
    };
    let started = Instant::now();
    let world = World::new(config).context(Hint(
        "choose --models between 1 and 16777216 and --weeks between 1 and 250".into(),
    ))?;
    tracing::info!(
        "drew the world ({} models) in {:.2} s",
        config.models,
        started.elapsed().as_secs_f64()
    );
    let destination = if let Some(dir) = write_parquet {
        write_archive(&world, &dir, context)?;
        Destination::Parquet(dir)
    } else {
        let store = write_store(&world, replace, context)?;
        write_accounts(&world, &store)?;
        Destination::Store(store)
    };
    let elapsed = started.elapsed();
    let report = build_report(&destination)?;
    write_stdout(&summary(&world, &destination, report.as_deref(), elapsed)?)?;
    Ok(ExitCode::SUCCESS)
}

/// Where the world went.
enum Destination {
    Store(PathBuf),
    Parquet(PathBuf),
}

/// The week folder of a snapshot in a weekly archive.
fn week_dir(root: &Path, as_of: Timestamp) -> PathBuf {
    root.join("models").join(as_of.date_string())
}

/// Runs `work(week)` for every week on two threads (weeks are independent in the world), in a
/// fixed assignment so the output does not depend on scheduling. The first error wins.
fn for_each_week(
    weeks: usize,
    work: impl Fn(usize) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<()> {
    const THREADS: usize = 2;
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = (0..THREADS.min(weeks))
            .map(|thread| {
                scope.spawn(move || -> anyhow::Result<()> {
                    for week in (thread..weeks).step_by(THREADS) {
                        work(week)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("bug: a demo worker panicked"))
            .collect::<anyhow::Result<Vec<()>>>()
    })?;
    Ok(())
}

fn write_archive(world: &World, root: &Path, context: &Context) -> anyhow::Result<()> {
    let weeks = world.config().weeks;
    let progress = progress_bar(weeks, context);
    std::fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    std::fs::write(
        root.join("SYNTHETIC.md"),
        format!(
            "# {SYNTHETIC_LABEL}\n\nThis weekly archive was generated by `hubcensus demo` \
             (models {}, weeks {}, seed {}). It is not the Hugging Face Hub: every model, \
             count and account in it is synthetic (see docs/demo-world.md).\n",
            world.config().models,
            weeks,
            world.config().seed
        ),
    )
    .with_context(|| format!("cannot write {}", root.join("SYNTHETIC.md").display()))?;
    for_each_week(weeks, |week| {
        let dir = week_dir(root, world.as_of(week));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("models.parquet");
        let mut writer = hubcensus_ingest::HubStatsWriter::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        for chunk in world.snapshot(week)? {
            writer
                .write(&chunk)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        writer
            .finish()
            .with_context(|| format!("cannot finish {}", path.display()))?;
        progress.inc(1);
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok(())
}

/// A message from a generator thread to the store writer.
enum Batch {
    Records(Vec<hubcensus_model::ModelRecord>),
    WeekDone,
}

/// Checks that the store holds nothing the demo world could mix with: no real snapshot, and no
/// synthetic one outside this world's dates (a different world).
fn check_store_is_demo_only(world: &World, data_dir: &Path) -> anyhow::Result<()> {
    let store = hubcensus_store::Store::open(data_dir)
        .with_context(|| format!("cannot open the store at {}", data_dir.display()))?;
    let dates = world.as_of_times();
    let fresh_dir = Hint(format!(
        "use a separate store for the demo: hubcensus --data-dir {} demo",
        data_dir.join("demo").display()
    ));
    if let Some(real) = store.snapshots().iter().find(|info| !info.synthetic) {
        return Err(anyhow::anyhow!(
            "the store at {} holds real snapshots (e.g. {}); the synthetic demo world must not mix with them",
            data_dir.display(),
            real.as_of
        ))
        .context(fresh_dir);
    }
    if let Some(other) = store
        .snapshots()
        .iter()
        .find(|info| !dates.contains(&info.as_of))
    {
        return Err(anyhow::anyhow!(
            "the store at {} holds a different synthetic world (a snapshot at {}, outside {} to {})",
            data_dir.display(),
            other.as_of,
            world.as_of(0),
            world.as_of(world.config().weeks - 1)
        ))
        .context(fresh_dir);
    }
    Ok(())
}

/// Fills the store with one synthetic snapshot per week (`synthetic: true`, source
/// `SourceKind::Synthetic`). Two threads generate alternate weeks while this one pushes them to
/// the store writer; bounded channels keep at most a few chunks in flight. Returns the store's
/// path.
fn write_store(world: &World, replace: bool, context: &Context) -> anyhow::Result<PathBuf> {
    const GENERATORS: usize = 2;
    const IN_FLIGHT: usize = 4;
    let data_dir = &context.data_dir;
    check_store_is_demo_only(world, data_dir)?;
    let mut writer = hubcensus_store::Writer::lock(data_dir).with_context(|| {
        format!(
            "cannot open the store at {} for writing",
            data_dir.display()
        )
    })?;
    let weeks = world.config().weeks;
    let progress = progress_bar(weeks, context);
    let columns: Vec<String> = hubcensus_store::COLUMNS
        .iter()
        .map(|&column| column.to_owned())
        .collect();
    let location = format!(
        "hubcensus demo --models {} --weeks {} --seed {} --start {}",
        world.config().models,
        weeks,
        world.config().seed,
        world.config().start
    );
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let mut receivers = Vec::with_capacity(GENERATORS);
        for thread in 0..GENERATORS.min(weeks) {
            let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch>(IN_FLIGHT);
            receivers.push(receiver);
            scope.spawn(move || {
                for week in (thread..weeks).step_by(GENERATORS) {
                    let Ok(chunks) = world.snapshot(week) else {
                        return;
                    };
                    for chunk in chunks {
                        if sender.send(Batch::Records(chunk)).is_err() {
                            return; // the writer stopped on an error
                        }
                    }
                    if sender.send(Batch::WeekDone).is_err() {
                        return;
                    }
                }
            });
        }
        for week in 0..weeks {
            let as_of = world.as_of(week);
            let mut builder = writer.begin(hubcensus_store::SnapshotDraft {
                as_of,
                crawl_started: None,
                crawl_ended: None,
                source: SourceKind::Synthetic,
                source_location: location.clone(),
                columns: columns.clone(),
                partial: false,
                synthetic: true,
            })?;
            let receiver = &receivers[week % receivers.len()];
            loop {
                match receiver.recv() {
                    Ok(Batch::Records(chunk)) => builder.push(&chunk).with_context(|| {
                        format!("cannot add the demo week {as_of} to the store")
                    })?,
                    Ok(Batch::WeekDone) => break,
                    Err(_) => anyhow::bail!("bug: a demo generator stopped before week {week}"),
                }
            }
            match builder.commit(replace) {
                Ok(_) => {}
                Err(error @ hubcensus_store::StoreError::SnapshotExists { .. }) => {
                    return Err(anyhow::Error::new(error).context(Hint(
                        "the store holds another demo world at these dates: pass --replace, or use another --data-dir".into(),
                    )));
                }
                Err(error) => {
                    return Err(anyhow::Error::new(error)
                        .context(format!("cannot commit the demo week {as_of}")));
                }
            }
            progress.inc(1);
        }
        // Dropping the receivers here lets any generator still blocked on a send finish.
        Ok(())
    })?;
    progress.finish_and_clear();
    Ok(data_dir.clone())
}

/// Records the synthetic accounts' kinds (`demo-team-*` organizations, `demo-user-*` users) as
/// `hubcensus enrich` would for the newest week, so that the demo world's contributor types are
/// what a user who ran `enrich` would see (METHODS.md §6: an unregistered organization is an
/// "unclassified organization", a user an "individual"). Each line says it is synthetic.
fn write_accounts(world: &World, data_dir: &Path) -> anyhow::Result<()> {
    let newest = world.as_of(world.config().weeks - 1);
    let dir = hubcensus_query::attribution::enrich_dir(data_dir, newest);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut text = String::new();
    for (name, kind) in world.accounts() {
        let line = serde_json::json!({"name": name, "kind": kind, "source": SYNTHETIC_LABEL});
        text.push_str(&line.to_string());
        text.push('\n');
    }
    let path = dir.join("accounts.jsonl");
    let staged = dir.join("accounts.jsonl.tmp");
    std::fs::write(&staged, text)
        .and_then(|()| std::fs::rename(&staged, &path))
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The report call site (issue #6): builds the State of Open Source report over the demo
/// snapshots just written (default options: every snapshot, k = 200, both origin modes, no
/// filter) into `<data dir>/demo-report.html`, and returns its path. A weekly archive written
/// with `--write-parquet` is not in the store: no report (import it first).
fn build_report(destination: &Destination) -> anyhow::Result<Option<PathBuf>> {
    let Destination::Store(data_dir) = destination else {
        return Ok(None);
    };
    let census = hubcensus_query::Census::open(data_dir)?;
    let view = hubcensus_query::views::report::report(
        &census,
        &hubcensus_query::views::report::ReportQuery::default(),
    )
    .context("cannot build the report of the demo world")?;
    let path = data_dir.join("demo-report.html");
    crate::cmd::report::write_report_file(&view, crate::output::Format::Html, &path)?;
    Ok(Some(path))
}

fn progress_bar(weeks: usize, context: &Context) -> indicatif::ProgressBar {
    if !context.progress {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(weeks as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} generating weeks {pos}/{len} [{elapsed_precise}]",
    ) {
        bar.set_style(style);
    }
    bar
}

fn summary(
    world: &World,
    destination: &Destination,
    report: Option<&Path>,
    elapsed: std::time::Duration,
) -> anyhow::Result<String> {
    let config = world.config();
    let last = config.weeks - 1;
    let headline: Headline = world.headline(last)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{SYNTHETIC_LABEL}: {} models x {} weekly snapshots (seed {}), {} to {}, generated in {:.1} s",
        grouped(config.models as u64),
        config.weeks,
        config.seed,
        world.as_of(0).date_string(),
        world.as_of(last).date_string(),
        elapsed.as_secs_f64()
    );
    match destination {
        Destination::Store(path) => {
            let _ = writeln!(out, "store: {}", path.display());
        }
        Destination::Parquet(path) => {
            let _ = writeln!(out, "weekly archive: {}", path.join("models").display());
        }
    }
    let _ = writeln!(
        out,
        "\nheadline figures of the week ending {} ({SYNTHETIC_LABEL}, from the generator's own counts):",
        headline.as_of.date_string()
    );
    let _ = writeln!(
        out,
        "  models in the snapshot:                         {}",
        grouped(headline.models as u64)
    );
    if let (Some(downloads), Some(share)) = (headline.window_downloads, headline.top_k_share) {
        let _ = writeln!(
            out,
            "  downloads in the week {} to {}:    {}  (all models in both snapshots, plus new ones)",
            world.as_of(last - 1).date_string(),
            headline.as_of.date_string(),
            grouped(downloads)
        );
        let _ = writeln!(
            out,
            "  share of those downloads held by the top 200:   {}",
            percent(Some(share), 1)
        );
    }
    let _ = writeln!(
        out,
        "  models under 200 all-time downloads:            {}  (of all {} models)",
        percent(Some(headline.under_200_share), 1),
        grouped(headline.models as u64)
    );
    let _ = writeln!(
        out,
        "  models with a declared base model:              {}  (of all {} models)",
        percent(Some(headline.lineage_share), 1),
        grouped(headline.models as u64)
    );
    let _ = writeln!(out, "\nplanted stories:");
    for story in world.stories() {
        let _ = writeln!(out, "  {}: {}", story.id, story.story.describe());
    }
    match report {
        Some(path) => {
            let _ = writeln!(out, "\nreport: {}", path.display());
            if let Destination::Store(data_dir) = destination {
                let _ = writeln!(
                    out,
                    "dashboard: hubcensus --data-dir {} serve --open   (then http://127.0.0.1:8080/)",
                    data_dir.display()
                );
            }
        }
        None => {
            let _ = writeln!(
                out,
                "\nreport: none for a weekly archive; import it (hubcensus import {}) and run `hubcensus report`",
                match destination {
                    Destination::Parquet(path) | Destination::Store(path) => path.display(),
                }
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn week_dirs_follow_the_weekly_archive_layout() {
        let dir = week_dir(Path::new("/x"), WorldConfig::default_start());
        assert_eq!(dir, Path::new("/x/models/2026-08-23"));
    }
}
