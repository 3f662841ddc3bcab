//! `hubcensus registry`: check the attribution registry, or measure its coverage of a snapshot.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_model::{SnapshotInfo, Timestamp};
use hubcensus_registry::{AccountKind, Coverage, CoverageInput, Registry};
use hubcensus_store::{Store, snapshot_dir_name};

use crate::context::Context;
use crate::output::{Hint, write_stdout};

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
Account kinds: read from `hubcensus enrich`'s accounts.jsonl for the snapshot when present
(<data-dir>/enrich/as_of=<time>/); an unknown user is then `individual` and an unknown
organization `unclassified organization`. Without it, an unknown namespace has no type.

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
enum Format {
    Table,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Measure {
    /// The Hub's rolling 30-day `downloads`
    #[value(name = "30d")]
    ThirtyDay,
    /// `downloadsAllTime`
    AllTime,
}

impl Measure {
    const fn column(self) -> &'static str {
        match self {
            Self::ThirtyDay => "downloads_30d",
            Self::AllTime => "downloads_all_time",
        }
    }
}

#[derive(clap::Args, Debug)]
struct CoverageArgs {
    /// The snapshot (its as-of time or date); default: the latest
    #[arg(long, value_name = "AS_OF")]
    snapshot: Option<String>,
    /// Only the top K models by the measure (ties broken by model id)
    #[arg(long, value_name = "K")]
    top: Option<usize>,
    /// Which downloads to weigh models by
    #[arg(long, value_enum, default_value = "30d")]
    measure: Measure,
    /// How many unattributed namespaces to list
    #[arg(long, value_name = "N", default_value_t = 20)]
    gaps: usize,
    #[arg(long, value_enum, default_value = "table")]
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

/// An error whose chain carries a [`Hint`] as a real cause, so `output::report_error` prints it
/// on its own `hint:` line.
fn hinted(message: String, hint: &str) -> anyhow::Error {
    anyhow::Error::new(Hint(hint.to_owned())).context(message)
}

/// Parses every `*.toml` file of `dir`, `registry.toml` first, then by name.
fn load_dir(dir: &Path) -> anyhow::Result<Registry> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        hinted(
            format!("cannot read registry directory {}: {error}", dir.display()),
            "pass the repository's registry/ directory, e.g. --dir registry",
        )
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read registry directory {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|ext| ext == "toml") {
            paths.push(path);
        }
    }
    paths.sort_by_key(|path| {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        (name.as_deref() != Some("registry.toml"), name)
    });
    if paths.is_empty() {
        return Err(hinted(
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

/// Opens the store and picks the snapshot the user named (or the latest).
pub(crate) fn open_snapshot(
    context: &Context,
    snapshot: Option<&str>,
) -> anyhow::Result<(Store, SnapshotInfo)> {
    if !context.data_dir.is_dir() {
        return Err(hinted(
            format!(
                "no store at {} (no snapshot imported yet)",
                context.data_dir.display()
            ),
            "import one first, e.g. `hubcensus import models.parquet`, or pass --data-dir",
        ));
    }
    let store = Store::open(&context.data_dir)
        .with_context(|| format!("cannot open the store at {}", context.data_dir.display()))?;
    let info = match snapshot {
        None => store.latest().cloned().ok_or_else(|| {
            format!(
                "the store at {} has no snapshot",
                context.data_dir.display()
            )
        }),
        Some(text) => {
            let as_of = Timestamp::parse(text).context(Hint(
                "--snapshot takes a date (2026-03-29) or an RFC 3339 time; see `hubcensus snapshots`"
                    .into(),
            ))?;
            store
                .snapshot(as_of)
                .or_else(|| {
                    // A bare date names the latest snapshot taken that day.
                    let date = as_of.date_string();
                    store
                        .snapshots()
                        .iter()
                        .rev()
                        .find(|info| text.len() == 10 && info.as_of.date_string() == date)
                })
                .cloned()
                .ok_or_else(|| format!("no snapshot at {text} in the store"))
        }
    }
    .map_err(|message| hinted(message, "list the snapshots with `hubcensus snapshots`"))?;
    Ok((store, info))
}

fn coverage(args: &CoverageArgs, context: &Context) -> anyhow::Result<ExitCode> {
    let (store, info) = open_snapshot(context, args.snapshot.as_deref())?;
    if !info.has_column(args.measure.column()) {
        return Err(hinted(
            format!(
                "the snapshot at {} has no {} column",
                info.as_of,
                args.measure.column()
            ),
            "use --measure 30d (the only measure older snapshot eras carry)",
        ));
    }
    let frames = store
        .load_frames(&[info.as_of])
        .with_context(|| format!("cannot load the snapshot at {}", info.as_of))?;
    let frame = frames
        .frames
        .first()
        .context("bug: load_frames returned no frame")?;
    let catalog = &frames.catalog;
    let registry = Registry::embedded();
    let column = match args.measure {
        Measure::ThirtyDay => &frame.downloads_30d,
        Measure::AllTime => &frame.downloads_all_time,
    };
    let mut models: Vec<(usize, u64)> = (0..frame.len())
        .filter(|&index| frame.present[index])
        .map(|index| (index, column.at(index).unwrap_or(0)))
        .collect();
    if let Some(top) = args.top {
        models.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| catalog.ids[a.0].cmp(&catalog.ids[b.0]))
        });
        models.truncate(top);
    }
    let accounts = account_kinds(context, info.as_of)?;
    let inputs = models.iter().map(|&(index, downloads)| {
        let namespace = match frame.author.at(index) {
            Some(code) => Some(catalog.namespaces[code as usize].as_str()),
            None => registry.namespace_of_text(&catalog.ids[index]),
        };
        CoverageInput {
            namespace,
            account: namespace.and_then(|namespace| accounts.get(namespace).copied()),
            downloads,
        }
    });
    let result = registry.coverage(info.as_of, inputs, args.gaps);
    let text = match args.format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(&coverage_json(
                &result,
                &info,
                args,
                registry,
                accounts.len(),
            ))?;
            json.push('\n');
            json
        }
        Format::Table => coverage_table(&result, &info, args, registry, accounts.len()),
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The account kinds `hubcensus enrich` recorded for the snapshot at `as_of`
/// (`<data-dir>/enrich/as_of=<time>/accounts.jsonl`, lines `{"name": .., "kind": ..}` with kind
/// `user`, `organization` or `unknown`); empty when it has not run. A torn or unreadable line
/// is skipped, as enrich itself does.
pub(crate) fn account_kinds(
    context: &Context,
    as_of: Timestamp,
) -> anyhow::Result<BTreeMap<String, AccountKind>> {
    #[derive(serde::Deserialize)]
    struct Line {
        name: String,
        kind: String,
    }
    let path = context
        .data_dir
        .join("enrich")
        .join(snapshot_dir_name(as_of))
        .join("accounts.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read {}", path.display()));
        }
    };
    Ok(text
        .lines()
        .filter_map(|line| serde_json::from_str::<Line>(line).ok())
        .filter_map(|line| {
            let kind = match line.kind.as_str() {
                "user" => AccountKind::User,
                "organization" => AccountKind::Organization,
                _ => return None,
            };
            Some((line.name, kind))
        })
        .collect())
}

/// The `--format json` contract, version 1 (documented in docs/registry.md).
fn coverage_json(
    coverage: &Coverage,
    info: &SnapshotInfo,
    args: &CoverageArgs,
    registry: &Registry,
    accounts: usize,
) -> serde_json::Value {
    serde_json::json!({
        "schema": "hubcensus.registry.coverage/1",
        "registry_version": registry.version(),
        "population": {
            "snapshot": info.as_of.to_string(),
            "source": info.source.as_str(),
            "partial_snapshot": info.partial,
            "synthetic": info.synthetic,
            "measure": args.measure.column(),
            "top": args.top,
            "models": coverage.models,
            "downloads": coverage.downloads,
            "account_kinds": accounts,
        },
        "downloads_share_with_country": coverage.downloads_share_with_country(),
        "downloads_share_with_type": coverage.downloads_share_with_type(),
        "models_share_with_country": coverage.models_share_with_country(),
        "models_share_with_type": coverage.models_share_with_type(),
        "downloads_with_country": coverage.downloads_with_country,
        "downloads_with_type": coverage.downloads_with_type,
        "models_with_country": coverage.models_with_country,
        "models_with_type": coverage.models_with_type,
        "unattributed_namespaces": coverage.unattributed_namespaces,
        "top_unattributed": coverage.top_unattributed.iter().map(|gap| serde_json::json!({
            "namespace": gap.namespace,
            "downloads": gap.downloads,
            "models": gap.models,
            "has_type": gap.has_type,
        })).collect::<Vec<_>>(),
    })
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(
        || "n/a".to_owned(),
        |share| format!("{:.1}%", share * 100.0),
    )
}

fn coverage_table(
    coverage: &Coverage,
    info: &SnapshotInfo,
    args: &CoverageArgs,
    registry: &Registry,
    accounts: usize,
) -> String {
    let mut text = String::new();
    let population = args.top.map_or_else(
        || "all models".to_owned(),
        |top| format!("top {top} models by {}", args.measure.column()),
    );
    let _ = writeln!(
        text,
        "Registry coverage of the snapshot at {} ({}{})",
        info.as_of,
        info.source.as_str(),
        if info.partial { ", partial" } else { "" }
    );
    let _ = writeln!(
        text,
        "Population: {population}: {} models, {} downloads ({})",
        coverage.models,
        coverage.downloads,
        args.measure.column()
    );
    let _ = writeln!(text, "Registry: {}", registry.version());
    let _ = writeln!(
        text,
        "Account kinds: {}",
        if accounts == 0 {
            "none recorded (run `hubcensus enrich`): unknown namespaces have no type".to_owned()
        } else {
            format!("{accounts} accounts from `hubcensus enrich`")
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
        percent(coverage.downloads_share_with_country()),
        percent(coverage.downloads_share_with_type())
    );
    let _ = writeln!(
        text,
        "{:<20}{:>12}  {:>10}",
        "share of models",
        percent(coverage.models_share_with_country()),
        percent(coverage.models_share_with_type())
    );
    let _ = writeln!(text);
    let _ = writeln!(
        text,
        "Top unattributed namespaces (no country; {} in all):",
        coverage.unattributed_namespaces
    );
    if coverage.top_unattributed.is_empty() {
        let _ = writeln!(text, "  none");
    }
    for gap in &coverage.top_unattributed {
        let share = if coverage.downloads > 0 {
            gap.downloads as f64 / coverage.downloads as f64
        } else {
            0.0
        };
        let _ = writeln!(
            text,
            "  {:<32} {:>14} downloads {:>6.2}%  {:>6} model{}  {}",
            gap.namespace.as_deref().unwrap_or("(legacy, unnamespaced)"),
            gap.downloads,
            share * 100.0,
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
