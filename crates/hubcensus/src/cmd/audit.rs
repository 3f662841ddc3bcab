//! `hubcensus audit`: tell whether a default model is still the right baseline for a workload.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_evals::audit::{AuditQuery, LicensePolicy, SizePolicy, Verdict, audit};
use hubcensus_evals::store::EvalStore;
use hubcensus_evals::{World, render};
use hubcensus_model::{Column, ModelId, Timestamp};

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
pub(crate) fn load_world(
    evidence: Option<&Path>,
    context: &Context,
    selection: &Selection,
) -> anyhow::Result<World> {
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
    world_from_store(context, selection)
}

/// Which models of the store become evidence (besides every working-set member of any week).
#[derive(Default)]
pub(crate) struct Selection {
    /// The model audited: it, its same-namespace siblings and the working set's children.
    pub model: Option<ModelId>,
    /// Discover: every model of this task with at least `min_downloads` in the last window.
    pub task: Option<(String, u64)>,
}

/// Weekly windows the world spans (the 13-week trend needs 14).
const WINDOWS: usize = 14;
/// The working set's size (METHODS.md §4).
const WORKING_SET: u64 = 200;

/// Builds the adoption evidence from the snapshot store: up to 15 snapshots spaced at least a
/// week apart (walking back from the latest), the windows between them, the top-200 working
/// set of each window, lineage from the latest snapshot, attribution from the embedded
/// registry.
pub(crate) fn world_from_store(context: &Context, selection: &Selection) -> anyhow::Result<World> {
    use hubcensus_analytics::lineage::LineageGraph;
    use hubcensus_analytics::series::window_ending;
    use hubcensus_analytics::working_set::WorkingSet;
    use hubcensus_evals::ModelEvidence;

    let no_snapshots = || {
        anyhow::anyhow!(
            "no snapshots in the store at {}",
            context.data_dir.display()
        )
        .context(Hint(
            "import snapshots (`hubcensus import`), run `hubcensus demo`, or pass --evidence FILE"
                .into(),
        ))
    };
    // Opening a store creates its layout: never do that in a directory that has none.
    if !context.data_dir.join("snapshots").is_dir() {
        return Err(no_snapshots());
    }
    let store = hubcensus_store::Store::open(&context.data_dir)
        .with_context(|| format!("cannot open the store at {}", context.data_dir.display()))?;
    let mut picked: Vec<Timestamp> = Vec::new();
    for info in store.snapshots().iter().rev() {
        if picked.len() > WINDOWS {
            break;
        }
        if picked
            .last()
            .is_none_or(|last| info.as_of.days_until(*last) >= 6.5)
        {
            picked.push(info.as_of);
        }
    }
    picked.reverse();
    if picked.is_empty() {
        return Err(no_snapshots());
    }
    let filter = hubcensus_analytics::Filter::default();
    // One window per consecutive pair of snapshots, loaded two at a time so that memory stays at
    // two frames whatever the store's size (a lone snapshot gives its 30-day window). Each
    // window keeps only its downloads and which models it counted.
    let pairs: Vec<&[Timestamp]> = if picked.len() == 1 {
        vec![&picked[..]]
    } else {
        picked.windows(2).collect()
    };
    let mut weekly: Vec<(Vec<u64>, Vec<bool>)> = Vec::new();
    let mut working_sets: Vec<WorkingSet> = Vec::new();
    let mut weeks = Vec::new();
    let mut last = None;
    for pair in pairs {
        let set = store
            .load_frames(pair)
            .context("cannot load the snapshots' frames")?;
        let after = set.frames.last().expect("one frame per as-of time");
        let before = (set.frames.len() == 2).then(|| &set.frames[0]);
        let window = window_ending(&set.catalog, before, after, &filter, None, None)
            .with_context(|| format!("cannot compute the window ending {}", after.info.as_of))?;
        working_sets.push(WorkingSet::of_window(
            &window,
            &set.catalog.ids,
            WORKING_SET,
            None,
        ));
        weekly.push((
            window.downloads.clone(),
            window
                .status
                .iter()
                .map(|status| status.is_counted())
                .collect(),
        ));
        weeks.push(after.info.as_of);
        last = Some((set, window));
    }
    let (frames, last_window) = last.expect("at least one window");
    let catalog = &frames.catalog;
    let latest = frames.frames.last().expect("at least one frame");
    let as_of = latest.info.as_of;
    let table = store
        .lineage(as_of, catalog)
        .context("cannot load the latest snapshot's lineage")?;
    let graph = LineageGraph::new(&table, catalog.ids.len());
    let code = |codes: &Column<u32>, names: &[String], index: usize| {
        codes
            .get(index)
            .and_then(|c| names.get(c as usize).cloned())
    };

    // The models that matter.
    let mut chosen = std::collections::BTreeSet::new();
    for set in &working_sets {
        chosen.extend(set.members.iter().map(|&m| m as usize));
    }
    let members: Vec<usize> = working_sets
        .last()
        .map(|set| set.members.iter().map(|&m| m as usize).collect())
        .unwrap_or_default();
    for &member in &members {
        chosen.extend(graph.children(member).iter().map(|&c| c as usize));
    }
    if let Some(model) = &selection.model {
        let index = store
            .resolve(model.as_str())
            .with_context(|| format!("{model} is in none of the store's snapshots"))
            .context(Hint(
                "check the id, or import a snapshot that has it".into(),
            ))? as usize;
        chosen.insert(index);
        if let Some(namespace) = model.namespace() {
            chosen.extend(
                catalog
                    .ids
                    .iter()
                    .enumerate()
                    .filter(|(_, id)| ModelId::namespace_of(id) == Some(namespace))
                    .map(|(i, _)| i),
            );
        }
    }
    if let Some((task, min_downloads)) = &selection.task {
        for index in 0..catalog.ids.len() {
            if last_window.downloads.get(index).copied().unwrap_or(0) >= *min_downloads
                && code(&latest.pipeline_tag, &catalog.pipeline_tags, index).as_deref()
                    == Some(task.as_str())
            {
                chosen.insert(index);
            }
        }
    }
    // The task totals of the last window (every counted model).
    let mut task_downloads = std::collections::BTreeMap::new();
    for index in last_window.counted() {
        if let Some(task) = code(&latest.pipeline_tag, &catalog.pipeline_tags, index) {
            *task_downloads.entry(task).or_insert(0u64) += last_window.downloads[index];
        }
    }
    let ranks: Vec<std::collections::BTreeMap<usize, u32>> = working_sets
        .iter()
        .map(|set| {
            set.members
                .iter()
                .enumerate()
                .map(|(rank, &m)| (m as usize, rank as u32 + 1))
                .collect()
        })
        .collect();
    let registry = hubcensus_registry::Registry::embedded();
    // Account kinds `hubcensus enrich` recorded, so that a namespace the registry does not know
    // is typed individual (a user) or unclassified organization (METHODS.md §6).
    let accounts = super::registry::account_kinds(context, as_of)?;
    let new_version = match &selection.model {
        Some(model) => card_new_version(&store, as_of, model)?,
        None => None,
    };
    // Likes at the end of each window, for the chosen models only.
    let mut likes: Vec<std::collections::BTreeMap<usize, Option<u64>>> = Vec::new();
    for week in &weeks {
        let column = store
            .load_u64_column(*week, "likes")
            .with_context(|| format!("cannot load the likes of the snapshot of {week}"))?;
        likes.push(
            chosen
                .iter()
                .map(|&index| (index, column.get(index)))
                .collect(),
        );
    }
    let mut models = Vec::new();
    for index in chosen {
        let id = catalog
            .ids
            .id(index)
            .context("bug: a chosen index past the ids")?;
        let account = registry
            .namespace_of(&id)
            .and_then(|namespace| accounts.get(namespace).copied());
        let attribution = registry.attribute_model(&id, as_of, account);
        let mut model = ModelEvidence::new(id.clone());
        model.task = code(&latest.pipeline_tag, &catalog.pipeline_tags, index);
        model.license = code(&latest.license, &catalog.licenses, index);
        model.parameters = latest.parameters.get(index);
        model.created_at = latest.created_at.get(index);
        model.organization = attribution.organization;
        model.contributor = attribution.contributor;
        let parents: Vec<ModelId> = graph
            .parents(index)
            .iter()
            .filter_map(|&p| catalog.ids.id(p as usize))
            .collect();
        model.lineage = hubcensus_model::Lineage::new(
            graph
                .relation(index)
                .unwrap_or(hubcensus_model::Relation::Unknown),
            parents,
            hubcensus_model::LineageSource::BaseModels,
        );
        let direct = graph.direct_by_relation(index);
        model.children = hubcensus_model::Relation::ALL
            .into_iter()
            .map(|relation| (relation, direct.get(relation)))
            .filter(|(_, count)| *count > 0)
            .collect();
        model.weekly_downloads = weekly
            .iter()
            .map(|(downloads, counted)| {
                counted
                    .get(index)
                    .copied()
                    .unwrap_or(false)
                    .then(|| downloads.get(index).copied())
                    .flatten()
            })
            .collect();
        model.weekly_ranks = ranks.iter().map(|r| r.get(&index).copied()).collect();
        model.weekly_likes = likes
            .iter()
            .map(|column| column.get(&index).copied().flatten())
            .collect();
        if selection.model.as_ref() == Some(&id) {
            model.new_version.clone_from(&new_version);
        }
        models.push(model);
    }
    Ok(World {
        weeks,
        working_set_size: WORKING_SET as u32,
        task_downloads,
        models,
        provenance: format!(
            "store {}: {} snapshot(s) from {} to {} ({}), registry {}, {} account kinds from enrich",
            context.data_dir.display(),
            picked.len(),
            picked[0].date_string(),
            as_of.date_string(),
            last_window.population.words,
            registry.version(),
            accounts.len()
        ),
    })
}

/// `cardData.new_version` of `model` in the snapshot at `as_of`, when its card says.
fn card_new_version(
    store: &hubcensus_store::Store,
    as_of: Timestamp,
    model: &ModelId,
) -> anyhow::Result<Option<ModelId>> {
    let Some(wanted) = store.resolve(model.as_str()) else {
        return Ok(None);
    };
    let mut records = store
        .records(as_of)
        .context("cannot read the latest snapshot")?;
    while let Some(next) = records.next_indexed() {
        let (index, record) = next.context("cannot read the latest snapshot")?;
        if index < wanted {
            continue;
        }
        if index > wanted {
            break;
        }
        return Ok(record.card_data.as_deref().and_then(|card| {
            let card: serde_json::Value = serde_json::from_str(card).ok()?;
            ModelId::new(card.get("new_version")?.as_str()?).ok()
        }));
    }
    Ok(None)
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
    let workloads = super::evals::load_workloads(args.workloads.as_deref())?;
    let benchmarks = workloads
        .benchmarks(&args.workload)
        .context(Hint("list them with `hubcensus evals workloads`".into()))?
        .to_vec();
    let world = load_world(
        args.evidence.as_deref(),
        context,
        &Selection {
            model: Some(model.clone()),
            task: None,
        },
    )?;
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
