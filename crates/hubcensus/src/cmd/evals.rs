//! `hubcensus evals`: import and show benchmark evidence.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_evals::import::{self, Format};
use hubcensus_evals::matching::{Matcher, match_records};
use hubcensus_evals::render::plain;
use hubcensus_evals::store::EvalStore;
use hubcensus_model::ModelId;

use crate::context::Context;
use crate::output::{Format as OutputFormat, Hint, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: local only. An import reads the named files once (--from-store: every record of the latest
snapshot) and rewrites <data-dir>/evals/evals.jsonl (about 10 MB for the Open LLM Leaderboard);
`show` reads that file. Names are matched to Hub ids conservatively (exact, then the documented
normalisation; docs/evals.md); unmatched names are listed, never guessed.

Examples:
  hubcensus evals import ../shared/data/open-llm-leaderboard-v2/open_llm_leaderboard.csv
  hubcensus evals import ../shared/data/eee-evals/global-mmlu-lite --format eee
  hubcensus evals import --from-store
  hubcensus evals show Qwen/Qwen2.5-7B-Instruct --workload reasoning")]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// Import eval results from a file (or a directory of EEE JSON) into the evals store
    Import(ImportArgs),
    /// Show the benchmark evidence on record for one model
    Show(ShowArgs),
    /// List the workloads and the benchmarks each maps to
    Workloads(WorkloadsArgs),
}

#[derive(clap::Args, Debug)]
struct ImportArgs {
    /// The file or directory to import
    #[arg(required_unless_present = "from_store")]
    path: Option<PathBuf>,
    /// Import the `model-index` results in the model cards (cardData) of the store's latest
    /// snapshot instead of a file
    #[arg(long, conflicts_with_all = ["path", "format"])]
    from_store: bool,
    /// The format: open-llm-leaderboard, eee, ruler, mteb, csv (model,benchmark,metric,value,source,date).
    /// Guessed from the header or extension when omitted
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Also write the names that matched no Hub id to this file, one JSON string per line (a
    /// name may contain any character, a newline included)
    #[arg(long, value_name = "FILE")]
    unmatched: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
struct ShowArgs {
    /// The Hub model id
    model: String,
    /// Only the benchmarks of this workload
    #[arg(long)]
    workload: Option<String>,
    /// A TOML file of workloads laid over the built-in ones ([workloads] name = ["Benchmark", ...])
    #[arg(long, value_name = "FILE")]
    workloads: Option<PathBuf>,
    /// Output format (json: "schema": "hubcensus.evals.scores/1")
    #[arg(long, default_value = "text", value_parser = OutputFormat::parser(&[OutputFormat::Table, OutputFormat::Json]))]
    format: OutputFormat,
}

#[derive(clap::Args, Debug)]
struct WorkloadsArgs {
    /// A TOML file of workloads laid over the built-in ones
    #[arg(long, value_name = "FILE")]
    workloads: Option<PathBuf>,
}

fn parse_format(text: &str) -> Result<Format, String> {
    text.parse()
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    match args.command {
        Command::Import(args) => import_command(&args, context),
        Command::Show(args) => show(&args, context),
        Command::Workloads(args) => {
            let map = hubcensus_query::views::evidence::workloads(args.workloads.as_deref())?;
            let mut out = String::new();
            for name in map.names() {
                let _ = writeln!(out, "{name}: {}", map.benchmarks(name)?.join(", "));
            }
            write_stdout(&out)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn import_command(args: &ImportArgs, context: &Context) -> anyhow::Result<ExitCode> {
    let (source, format, mut records) = match &args.path {
        Some(path) if !args.from_store => {
            if !path.exists() {
                return Err(
                    anyhow::anyhow!("{} does not exist", path.display()).context(Hint(
                        "pass a CSV file, an EEE JSON file or a directory of them".into(),
                    )),
                );
            }
            let (format, records) = import::read_path(path, args.format)
                .with_context(|| format!("cannot import {}", path.display()))
                .context(Hint(format!(
                    "pass --format ({})",
                    Format::ALL.map(Format::as_str).join(", ")
                )))?;
            (path.display().to_string(), format.as_str(), records)
        }
        _ => {
            let (source, records) =
                hubcensus_query::views::evidence::card_results(&context.data_dir)?;
            (source, "model-index", records)
        }
    };
    let store = EvalStore::at(&context.data_dir);
    // Held from the first read to the write: a second import waits instead of losing an update.
    let _lock = store.lock(|| {
        eprintln!("waiting for another `hubcensus evals import` on this store to finish");
    })?;
    let mut stored = store.load()?;
    // Matching candidates: the store's catalog when there is one, else the Hub ids the evidence
    // itself carries.
    let store_ids = hubcensus_query::views::evidence::store_ids(&context.data_dir)?;
    let in_store = store_ids.is_some();
    let (candidates, described) = if let Some(ids) = store_ids {
        let described = format!(
            "the current ids of the {} models the snapshot store knows",
            ids.len()
        );
        (ids.into_iter().collect::<BTreeSet<ModelId>>(), described)
    } else {
        let ids: BTreeSet<ModelId> = stored
            .iter()
            .chain(records.iter())
            .filter_map(|record| record.hub_id.clone())
            .collect();
        let described = if ids.is_empty() {
            "none: there is no snapshot store, and the evidence carries no Hub id".to_owned()
        } else {
            format!(
                "the {} Hub ids the evidence carries; there is no snapshot store",
                ids.len()
            )
        };
        (ids, described)
    };
    let matcher = Matcher::new(candidates);
    let report = match_records(&mut records, &matcher);
    // Names stored unmatched by earlier imports get the same chance against today's candidates;
    // the ids they get are stored with them, so each is reported once.
    let unmatched_before: Vec<bool> = stored.iter().map(|r| r.hub_id.is_none()).collect();
    let _ = match_records(&mut stored, &matcher);
    let rematched: BTreeMap<&str, &ModelId> = stored
        .iter()
        .zip(&unmatched_before)
        .filter(|&(_, &before)| before)
        .filter_map(|(record, _)| Some((record.model.as_str(), record.hub_id.as_ref()?)))
        .collect();
    let rematched = rematched_line(&rematched);
    let imported = records.len();
    let distinct: BTreeSet<_> = records
        .iter()
        .map(hubcensus_evals::EvalRecord::identity)
        .collect();
    let repeated = imported - distinct.len();
    drop(distinct);
    let models: BTreeSet<&str> = records.iter().map(|r| r.model.as_str()).collect();
    let n_models = models.len();
    let total = store.merge(stored.into_iter().chain(records).collect())?;

    let mut out = String::new();
    let _ = writeln!(
        out,
        "imported {imported} scores for {n_models} model names from {source} ({format}); the store now holds {total} scores"
    );
    let by_rule: Vec<String> = report
        .matched
        .iter()
        .map(|(rule, count)| format!("{count} {}", rule.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "matched to Hub ids (candidates: {described}): {}; unmatched: {}; ambiguous: {}",
        if by_rule.is_empty() {
            "none".to_owned()
        } else {
            by_rule.join(", ")
        },
        report.unmatched.len(),
        report.ambiguous.len()
    );
    let carried = report.carried;
    if carried.total() > 0 {
        let _ = if in_store {
            writeln!(
                out,
                "{} names came with a Hub id from the source, kept as given: {} of those ids known to the snapshot store, {} not",
                carried.total(),
                carried.among_candidates,
                carried.elsewhere
            )
        } else {
            writeln!(
                out,
                "{} names came with a Hub id from the source, kept as given (no snapshot store to check them against)",
                carried.total()
            )
        };
    }
    if let Some(line) = rematched {
        out.push_str(&line);
    }
    if repeated > 0 {
        let _ = writeln!(
            out,
            "{repeated} scores repeated an earlier one of the same import (same source, model, benchmark, metric and setting); the last was kept"
        );
    }
    for (name, candidates) in &report.ambiguous {
        let ids: Vec<&str> = candidates.iter().map(ModelId::as_str).collect();
        let _ = writeln!(
            out,
            "ambiguous: {} (could be {})",
            plain(name),
            ids.join(", ")
        );
    }
    for name in &report.unmatched {
        let _ = writeln!(out, "unmatched: {}", plain(name));
    }
    if let Some(path) = &args.unmatched {
        let text: String = report
            .unmatched
            .iter()
            .map(|name| serde_json::Value::from(name.as_str()).to_string() + "\n")
            .collect();
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// How many names stored unmatched now match, naming the first few (`None` when none do).
fn rematched_line(rematched: &BTreeMap<&str, &ModelId>) -> Option<String> {
    const NAMED: usize = 5;
    if rematched.is_empty() {
        return None;
    }
    let mut named: Vec<String> = rematched
        .iter()
        .take(NAMED)
        .map(|(&name, id)| {
            if name == id.as_str() {
                plain(name)
            } else {
                format!("{} as {id}", plain(name))
            }
        })
        .collect();
    if rematched.len() > NAMED {
        named.push(format!("{} more", rematched.len() - NAMED));
    }
    Some(format!(
        "{} names stored unmatched by earlier imports now match a Hub id: {}\n",
        rematched.len(),
        named.join(", ")
    ))
}

fn show(args: &ShowArgs, context: &Context) -> anyhow::Result<ExitCode> {
    let id = ModelId::new(args.model.as_str())
        .context(Hint("pass a Hub model id such as Qwen/Qwen3-8B".into()))?;
    let map = hubcensus_query::views::evidence::workloads(args.workloads.as_deref())?;
    let view = hubcensus_query::views::evidence::scores(
        &context.data_dir,
        &id,
        args.workload.as_deref(),
        &map,
    )?;
    if args.format == OutputFormat::Json {
        write_stdout(&json(&view)?)?;
        return Ok(ExitCode::SUCCESS);
    }
    let records = &view.scores;
    if records.is_empty() {
        return Err(anyhow::anyhow!(
            "no scores on record for {id}{}",
            args.workload
                .as_ref()
                .map_or_else(String::new, |w| format!(" on the {w} benchmarks"))
        )
        .context(Hint(
            "import some with `hubcensus evals import FILE` (see `hubcensus evals import --help`)"
                .into(),
        )));
    }
    let id = &view.model;
    let casing = if view.matched == hubcensus_query::views::evidence::IdMatch::Case {
        format!(" (recorded as {id}; Hub ids ignore case)")
    } else {
        String::new()
    };
    let mut out = format!(
        "{} scores on record for {}{casing}\n",
        records.len(),
        args.model.trim()
    );
    for record in records {
        let _ = writeln!(
            out,
            "{} · {}: {}{} — {} ({}; as written: {})",
            plain(&record.benchmark),
            plain(&record.metric),
            hubcensus_evals::audit::number(record.value),
            record
                .setting
                .as_ref()
                .map_or_else(String::new, |s| format!(" [{}]", plain(s))),
            plain(&record.source),
            plain(record.date.as_deref().unwrap_or("undated")),
            plain(&record.model),
        );
    }
    write_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
