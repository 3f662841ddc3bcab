//! `hubcensus audit`: tell whether a default model is still the right baseline for a workload.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_evals::audit::{AuditQuery, LicensePolicy, SizePolicy, Verdict};
use hubcensus_evals::render;
use hubcensus_model::ModelId;
use hubcensus_query::units::parse_params;
use hubcensus_query::views::evidence::{self, Evidence};

use crate::context::Context;
use crate::output::{Format, Hint, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: local only; reads the evals store and the adoption evidence (weekly working sets, lineage)
once. Exit code: 0 for keep or review, 1 for replace (usable in CI), 2 on error.

Verdict: replace when a same-task, same-size candidate scores better on the workload's benchmarks
and the default's adoption has turned (left the working set, fell 25% over 13 weeks, or its card
names a newer version); keep when it is in the working set and no compared candidate outscores it;
review otherwise, with what is missing said. Scores are compared per benchmark series, never
averaged.

Examples:
  hubcensus audit meta-llama/Llama-3.1-8B-Instruct --workload multilingual
  hubcensus audit Qwen/Qwen2.5-7B-Instruct --workload reasoning --max-params 14B
  hubcensus audit Qwen/Qwen3-8B --workload long-context --format md --evidence world.json")]
pub struct Args {
    /// The default model to audit (a Hub id)
    model: String,
    /// What the model is used for: code, embedding, instruction-following, long-context,
    /// multilingual, reasoning, or one from --workloads
    #[arg(long)]
    workload: String,
    /// A TOML file of workloads laid over the built-in ones
    #[arg(long, value_name = "FILE")]
    workloads: Option<PathBuf>,
    /// Candidates have at most this many parameters (e.g. 70B, 500M) instead of being within
    /// --size-factor of the default's size
    #[arg(long, value_parser = parse_params, value_name = "SIZE")]
    max_params: Option<u64>,
    /// Candidates' parameters are within this factor of the default's, both ways
    #[arg(long, default_value_t = 2.0)]
    size_factor: f64,
    /// Which candidate licenses are acceptable
    #[arg(long, default_value = "any", value_parser = ["any", "permissive"])]
    license: String,
    /// Output format (json is versioned: "schema": "hubcensus.audit/2")
    #[arg(long, default_value = "text", value_parser = Format::parser(&[Format::Table, Format::Json, Format::Md]))]
    format: Format,
    /// Compare an instruct or chat default with base models too (left out otherwise)
    #[arg(long)]
    include_base: bool,
    /// Read the adoption evidence from this JSON file (a serialized `World`, see docs/evals.md)
    /// instead of the snapshot store
    #[arg(long, value_name = "FILE", conflicts_with = "as_of")]
    evidence: Option<PathBuf>,
    /// The evidence ends at this snapshot (a time, or a date: that day's latest), as the other
    /// views choose their window; default: the latest
    #[arg(long, value_name = "TIME")]
    as_of: Option<hubcensus_query::AsOf>,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let model = ModelId::new(args.model.as_str()).context(Hint(
        "pass a Hub model id such as meta-llama/Llama-3.1-8B-Instruct".into(),
    ))?;
    if !(args.size_factor.is_finite() && args.size_factor >= 1.0) {
        return Err(anyhow::anyhow!(
            "--size-factor must be at least 1, got {}",
            args.size_factor
        )
        .context(Hint(
            "--size-factor 2 (the default) keeps candidates within twice or half the default's size; or pass --max-params".into(),
        )));
    }
    let workloads = evidence::workloads(args.workloads.as_deref())?;
    let benchmarks = workloads
        .benchmarks(&args.workload)
        .context(Hint("list them with `hubcensus evals workloads`".into()))?
        .to_vec();
    let query = AuditQuery {
        include_base: args.include_base,
        model,
        workload: args.workload.clone(),
        benchmarks,
        size: SizePolicy {
            factor: args.size_factor,
            max_params: args.max_params,
        },
        license: if args.license == "permissive" {
            LicensePolicy::Permissive
        } else {
            LicensePolicy::Any
        },
    };
    let source = Evidence::open(args.evidence.as_deref(), &context.data_dir)?;
    let view = evidence::audit(&source, &context.data_dir, &query, args.as_of.as_ref())?;
    let text = match args.format {
        Format::Json => json(&view)?,
        Format::Md => render::audit_markdown(&view.audit),
        _ => render::audit_text(&view.audit),
    };
    write_stdout(&text)?;
    Ok(if view.audit.verdict == Verdict::Replace {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
