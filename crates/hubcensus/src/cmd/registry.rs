//! `hubcensus registry`: check the attribution registry, or measure its coverage of a snapshot.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_query::views::coverage::{CoverageMeasure, CoverageQuery, CoverageView};
use hubcensus_query::{AsOf, Census};
use hubcensus_registry::Registry;
use hubcensus_report::format::percent;

use crate::cmd::views::user_error;
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Check the registry: duplicate namespaces, unknown codes, missing sources, overlapping
    /// validity. Exit 1 with the list of problems, 0 when clean
    #[command(after_help = "\
Cost: instant; reads no store and no network.

Examples:
  hubcensus registry check                  # the registry compiled into this binary
  hubcensus registry check --dir registry   # the files being edited, before a rebuild")]
    Check(CheckArgs),
    /// The share of a snapshot's downloads and models the registry attributes to a country and
    /// to a contributor type, and the biggest unattributed namespaces (the registry's to-do list)
    #[command(after_help = "\
Cost: decodes one snapshot's columns from the store (time grows with the snapshot's size).
Population: every model present in the snapshot, or its top K by the measure (--top).
Measure: the Hub's 30-day `downloads` (default) or `downloadsAllTime` (--measure all-time).
Account kinds: read from every accounts.jsonl `hubcensus enrich` wrote
(<data-dir>/enrich/as_of=<time>/, the newest answer per account); an unknown user is then
`individual` and an unknown organization `unclassified organization`. Without them, an unknown
namespace has no type.

Examples:
  hubcensus registry coverage                          # the latest snapshot, all models
  hubcensus registry coverage --top 200 --format json  # the top 200 by 30-day downloads
  hubcensus registry coverage --snapshot 2026-08-22 --gaps 50")]
    Coverage(CoverageArgs),
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Check the `*.toml` files of this directory instead of the embedded registry
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Measure {
    /// The Hub's rolling 30-day `downloads`
    #[value(name = "30d")]
    ThirtyDay,
    /// `downloadsAllTime`
    AllTime,
}

#[derive(clap::Args, Debug)]
struct CoverageArgs {
    /// The snapshot (its as-of time, or a date: that day's latest); default: the latest
    #[arg(long, value_name = "AS_OF")]
    snapshot: Option<AsOf>,
    /// Only the top K models by the measure (ties broken by model id)
    #[arg(long, value_name = "K")]
    top: Option<usize>,
    /// Which downloads to weigh models by
    #[arg(long, value_enum, default_value = "30d")]
    measure: Measure,
    /// How many unattributed namespaces to list
    #[arg(long, value_name = "N", default_value_t = 20)]
    gaps: usize,
    #[arg(long, default_value = "table", value_parser = Format::parser(&[Format::Table, Format::Json]))]
    format: Format,
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Check(args) => check(&args),
        Command::Coverage(args) => coverage(&args, context),
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let loaded;
    let (registry, label) = match &args.dir {
        None => (Registry::embedded(), "the embedded registry".to_owned()),
        Some(dir) => {
            loaded = load_dir(dir)?;
            (&loaded, dir.display().to_string())
        }
    };
    let problems = registry.check();
    let namespaces: usize = registry
        .organizations()
        .iter()
        .map(|organization| organization.namespaces.len())
        .sum();
    let mut text = String::new();
    if problems.is_empty() {
        let _ = writeln!(
            text,
            "{label} (version {}): {} entries, {namespaces} namespaces, {} legacy moves: clean",
            registry.version(),
            registry.organizations().len(),
            registry.legacy_moves().len()
        );
        write_stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    }
    let _ = writeln!(
        text,
        "{label} (version {}): {} problem{}",
        registry.version(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in &problems {
        let _ = writeln!(text, "  {problem}");
    }
    write_stdout(&text)?;
    Ok(ExitCode::from(1))
}

/// Parses every `*.toml` file of `dir`, `registry.toml` first, then by name.
fn load_dir(dir: &Path) -> anyhow::Result<Registry> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        user_error(
            format!("cannot read registry directory {}: {error}", dir.display()),
            "pass the repository's registry/ directory, e.g. --dir registry",
        )
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read registry directory {}", dir.display()))?
            .path();
        // renames.toml lives with the registry but is the evals crate's list of renamed model
        // ids (docs/evals.md), not attribution data.
        if path.extension().is_some_and(|ext| ext == "toml")
            && path.file_name().is_none_or(|name| name != "renames.toml")
        {
            paths.push(path);
        }
    }
    paths.sort_by_key(|path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        (name.as_deref() != Some("registry.toml"), name)
    });
    if paths.is_empty() {
        return Err(user_error(
            format!("no *.toml files in {}", dir.display()),
            "pass the repository's registry/ directory, e.g. --dir registry",
        ));
    }
    let mut files = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let name = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        files.push((name, text));
    }
    Ok(Registry::parse_files(
        files
            .iter()
            .map(|(name, text)| (name.as_str(), text.as_str())),
    )?)
}

fn coverage(args: &CoverageArgs, context: &Context) -> anyhow::Result<ExitCode> {
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = hubcensus_query::views::coverage::coverage(
        &census,
        &CoverageQuery {
            snapshot: args.snapshot.clone(),
            top: args.top,
            measure: match args.measure {
                Measure::ThirtyDay => CoverageMeasure::ThirtyDay,
                Measure::AllTime => CoverageMeasure::AllTime,
            },
            gaps: args.gaps,
        },
    )?;
    let text = match args.format {
        Format::Json => json(&view)?,
        _ => coverage_table(&view),
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn coverage_table(view: &CoverageView) -> String {
    let population = &view.population;
    let mut text = String::new();
    let described = population.top.map_or_else(
        || "all models".to_owned(),
        |top| format!("top {top} models by {}", population.measure),
    );
    let _ = writeln!(
        text,
        "Registry coverage of the snapshot at {} ({}{})",
        population.snapshot,
        population.source,
        if population.partial_snapshot {
            ", partial"
        } else {
            ""
        }
    );
    let _ = writeln!(
        text,
        "Population: {described}: {} models, {} downloads ({})",
        population.models, population.downloads, population.measure
    );
    let _ = writeln!(text, "Registry: {}", view.registry_version);
    let _ = writeln!(
        text,
        "Account kinds: {}",
        if population.account_kinds == 0 {
            "none recorded (run `hubcensus enrich`): unknown namespaces have no type".to_owned()
        } else {
            format!(
                "{} accounts from `hubcensus enrich`",
                population.account_kinds
            )
        }
    );
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "{:<20}{:>12}  {:>10}",
        "", "with country", "with type"
    );
    let _ = writeln!(
        text,
        "{:<20}{:>12}  {:>10}",
        "share of downloads",
        percent(view.downloads_share_with_country, 1),
        percent(view.downloads_share_with_type, 1)
    );
    let _ = writeln!(
        text,
        "{:<20}{:>12}  {:>10}",
        "share of models",
        percent(view.models_share_with_country, 1),
        percent(view.models_share_with_type, 1)
    );
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Top unattributed namespaces (no country; {} in all):",
        view.unattributed_namespaces
    );
    if view.top_unattributed.is_empty() {
        let _ = writeln!(text, "  none");
    }
    for gap in &view.top_unattributed {
        let share =
            (population.downloads > 0).then(|| gap.downloads as f64 / population.downloads as f64);
        let _ = writeln!(
            text,
            "  {:<32} {:>14} downloads {:>7}  {:>6} model{}  {}",
            gap.namespace.as_deref().unwrap_or("(legacy, unnamespaced)"),
            gap.downloads,
            percent(share, 2),
            gap.models,
            if gap.models == 1 { " " } else { "s" },
            if gap.has_type {
                "has a type"
            } else {
                "no type"
            }
        );
    }
    text
}
