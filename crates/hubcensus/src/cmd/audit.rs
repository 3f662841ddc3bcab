//! `hubcensus audit`: tell whether a default model is still the right baseline for a workload.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_evals::audit::{AuditQuery, LicensePolicy, SizePolicy, Verdict, audit};
use hubcensus_evals::store::EvalStore;
use hubcensus_evals::{World, render};
use hubcensus_model::ModelId;

use crate::context::Context;
use crate::output::{Hint, write_stdout};

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
  hubcensus audit Qwen/Qwen2.5-7B-Instruct --workload reasoning --max-params 14B --license permissive
  hubcensus audit mistralai/Mistral-7B-Instruct-v0.3 --workload long-context --format md --evidence world.json")]
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
    /// Output format (json is versioned: "version": 1)
    #[arg(long, default_value = "text", value_parser = ["text", "json", "md"])]
    format: String,
    /// Read the adoption evidence from this JSON file (a serialized `World`, see docs/evals.md)
    /// instead of the snapshot store
    #[arg(long, value_name = "FILE")]
    evidence: Option<PathBuf>,
}

/// `70B`, `7.5b`, `500M`, `1.5T`, or a plain number of parameters.
pub(crate) fn parse_params(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, scale) = match text.chars().last() {
        Some('B' | 'b') => (&text[..text.len() - 1], 1e9),
        Some('M' | 'm') => (&text[..text.len() - 1], 1e6),
        Some('T' | 't') => (&text[..text.len() - 1], 1e12),
        Some('K' | 'k') => (&text[..text.len() - 1], 1e3),
        _ => (text, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok((value * scale).round() as u64),
        _ => Err(format!(
            "{text:?} is not a parameter count (e.g. 70B, 7.5B, 500M)"
        )),
    }
}

/// The adoption evidence: from `--evidence FILE`, else from the store.
pub(crate) fn load_world(evidence: Option<&Path>, context: &Context) -> anyhow::Result<World> {
    if let Some(path) = evidence {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read evidence file {}", path.display()))?;
        let mut world: World = serde_json::from_str(&text)
            .with_context(|| format!("evidence file {} is not a valid world", path.display()))
            .context(Hint(
                "the format is described in docs/evals.md (\"The evidence file\")".into(),
            ))?;
        if world.provenance.is_empty() {
            world.provenance = format!("evidence file {}", path.display());
        }
        return Ok(world);
    }
    let _ = context;
    Err(anyhow::anyhow!(
        "adoption evidence from the snapshot store is not wired into audit/discover yet: the store's weekly working sets, downloads series and lineage are not read by this build"
    )
    .context(Hint(
        "pass --evidence FILE with the evidence as JSON (docs/evals.md, \"The evidence file\")".into(),
    )))
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
        ));
    }
    let workloads = super::evals::load_workloads(args.workloads.as_deref())?;
    let benchmarks = workloads
        .benchmarks(&args.workload)
        .context(Hint("list them with `hubcensus evals workloads`".into()))?
        .to_vec();
    let world = load_world(args.evidence.as_deref(), context)?;
    let records = EvalStore::at(&context.data_dir).load()?;
    let query = AuditQuery {
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
    let result = audit(&world, &records, &query).context(Hint(
        "the model must be in the evidence (in a snapshot, or in the evidence file)".into(),
    ))?;
    let text = match args.format.as_str() {
        "json" => {
            let mut text = serde_json::to_string_pretty(&serde_json::json!({
                "version": 1,
                "audit": result,
            }))?;
            text.push('\n');
            text
        }
        "md" => render::audit_markdown(&result),
        _ => render::audit_text(&result),
    };
    write_stdout(&text)?;
    Ok(if result.verdict == Verdict::Replace {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

#[cfg(test)]
mod tests {
    use super::parse_params;

    #[test]
    fn parameter_counts() {
        let cases = [
            ("70B", Ok(70_000_000_000)),
            ("7.5b", Ok(7_500_000_000)),
            ("500M", Ok(500_000_000)),
            ("1.5T", Ok(1_500_000_000_000)),
            ("123", Ok(123)),
            (
                "big",
                Err("\"big\" is not a parameter count (e.g. 70B, 7.5B, 500M)".to_owned()),
            ),
            (
                "-1B",
                Err("\"-1B\" is not a parameter count (e.g. 70B, 7.5B, 500M)".to_owned()),
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_params(text), expected, "{text}");
        }
    }
}
