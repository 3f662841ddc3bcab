//! `audit` and `discover`: the adoption evidence they judge by (a [`World`]), built from the
//! store through the window engine, or read from a file; then the evals crate's pure decisions.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hubcensus_analytics::Filter;
use hubcensus_analytics::working_set::WorkingSet;
use hubcensus_evals::audit::{Audit, AuditQuery};
use hubcensus_evals::discover::{DiscoverQuery, Discovery};
use hubcensus_evals::store::EvalStore;
use hubcensus_evals::workload::WorkloadMap;
use hubcensus_evals::{EvalRecord, ModelEvidence, World};
use hubcensus_model::{
    Catalog, Column, ContributorType, FrameColumns, Lineage, LineageSource, ModelId, Relation,
    SnapshotFrame, Timestamp,
};
use serde::Serialize;

use crate::attribution::Attributor;
use crate::{AsOf, Census, QueryError, WindowPlan};

pub const AUDIT_SCHEMA: &str = "hubcensus.audit/2";
pub const DISCOVER_SCHEMA: &str = "hubcensus.discover/1";

/// Weekly windows the evidence spans (a 13-week trend needs 14).
const WINDOWS: usize = 14;
/// The working set's size (METHODS.md §4).
const WORKING_SET: u64 = 200;
/// Snapshots at least this far apart make the weekly windows of the evidence.
const MIN_SPACING_DAYS: f64 = 6.5;

/// Where the adoption evidence comes from.
pub enum Evidence {
    /// The store's snapshots.
    Store(Box<Census>),
    /// A serialized [`World`] (docs/evals.md, "The evidence file").
    File(PathBuf),
}

impl Evidence {
    /// The evidence file when one is named, else the store in `data_dir`.
    pub fn open(file: Option<&Path>, data_dir: &Path) -> Result<Self, QueryError> {
        match file {
            Some(path) => Ok(Self::File(path.to_path_buf())),
            None => match Census::open_with_snapshots(data_dir) {
                Ok(census) => Ok(Self::Store(Box::new(census))),
                Err(QueryError::NoStore { .. } | QueryError::NoSnapshots { .. }) => {
                    Err(no_snapshots(data_dir))
                }
                Err(error) => Err(error),
            },
        }
    }
}

/// Which models of the store become evidence (besides every working-set member of any week).
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// The model audited: it, its same-namespace siblings and the working set's children.
    pub model: Option<ModelId>,
    /// Discover: every model of this task with at least this many downloads in the last window.
    pub task: Option<(String, u64)>,
    /// The evidence ends at this snapshot (the latest when `None`).
    pub as_of: Option<AsOf>,
    /// Models that must be in the evidence whatever their adoption (an audit's scored
    /// candidates); ids no snapshot holds are skipped.
    pub also: BTreeSet<ModelId>,
}

/// The audit of one default, with its schema name.
#[derive(Clone, Debug, Serialize)]
pub struct AuditView {
    pub schema: &'static str,
    pub audit: Audit,
}

/// What discover found, with its schema name.
#[derive(Clone, Debug, Serialize)]
pub struct DiscoverView {
    pub schema: &'static str,
    pub discover: Discovery,
}

/// The contributor types `discover` looks for unless asked otherwise: individuals, community
/// groups, and organizations the registry does not know.
pub const DEFAULT_CONTRIBUTORS: &str = "individual,community,unclassified";

/// What `discover` accepts as contributor types, in words for a hint.
pub const CONTRIBUTOR_TYPES_HINT: &str = "contributor types: individual, community, academic, nonprofit, government, industry, unclassified, unknown";

/// The contributor types `discover` looks for, from their names (`unknown`: a namespace of no
/// known type, the second value). Blank names are skipped.
pub fn contributor_types<S: AsRef<str>>(
    names: &[S],
) -> Result<(BTreeSet<ContributorType>, bool), String> {
    let mut types = BTreeSet::new();
    let mut unknown = false;
    for name in names.iter().map(|name| name.as_ref().trim()) {
        match name {
            "" => {}
            "unknown" => unknown = true,
            name => {
                types.insert(name.parse::<ContributorType>()?);
            }
        }
    }
    Ok((types, unknown))
}

/// The workloads: the built-in map, with the TOML file `path` laid over it.
pub fn workloads(path: Option<&Path>) -> Result<WorkloadMap, QueryError> {
    let Some(path) = path else {
        return Ok(WorkloadMap::default());
    };
    let text = std::fs::read_to_string(path).map_err(|source| QueryError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    WorkloadMap::with_file(&text).map_err(|source| QueryError::Invalid {
        parameter: "workloads",
        message: format!("{}: {source}", path.display()),
        hint: "the file needs a [workloads] table: name = [\"Benchmark\", ...]".to_owned(),
    })
}

/// The evals store's records (`<data-dir>/evals/`), a record published under a model's old id
/// moved to its current id (`registry/renames.toml`), saying so in its source.
pub fn records(data_dir: &Path) -> Result<Vec<EvalRecord>, QueryError> {
    let records = EvalStore::at(data_dir)
        .load()
        .map(|records| hubcensus_evals::renames::Renames::embedded().apply(records))
        .map_err(|source| QueryError::Evals {
            context: "cannot read the evals store".to_owned(),
            source,
        })?;
    apply_learned_renames(data_dir, records)
}

/// Moves evidence published under an old id to the model's current id, by what the store has
/// learned itself (after registry/renames.toml, which `records` applies first): an id the Hub
/// answered with another id in a `hubcensus enrich` run, and an id the store's id history gives
/// to a model now named otherwise (the same `_id` seen under a new name). Each moved record's
/// source says which, and a move that only changes the case says "case".
fn apply_learned_renames(
    data_dir: &Path,
    mut records: Vec<EvalRecord>,
) -> Result<Vec<EvalRecord>, QueryError> {
    if records.is_empty() {
        return Ok(records);
    }
    let answers = enrich_answers(data_dir)?;
    let census = Census::open(data_dir)
        .ok()
        .filter(|census| !census.times().is_empty());
    let ids = census.as_ref().map(Census::ids).transpose()?;
    let mut learned: BTreeMap<ModelId, Option<(ModelId, &'static str)>> = BTreeMap::new();
    for record in &mut records {
        let Some(old) = record.hub_id.clone() else {
            continue;
        };
        let target = if let Some(known) = learned.get(&old) {
            known.clone()
        } else {
            let found = if let Some(new) = answers.get(&old) {
                Some((new.clone(), "the Hub's answer to `hubcensus enrich`"))
            } else if let (Some(census), Some(ids)) = (&census, &ids) {
                census
                    .store()
                    .try_resolve(old.as_str())
                    .map_err(QueryError::store("cannot read the store's key dictionary"))?
                    .and_then(|index| ids.id(index as usize))
                    .filter(|current| *current != old)
                    .map(|current| (current, "the store's id history"))
            } else {
                None
            };
            learned.insert(old.clone(), found.clone());
            found
        };
        if let Some((new, how)) = target {
            let kind = if new.as_str().eq_ignore_ascii_case(old.as_str()) {
                "case"
            } else {
                "rename"
            };
            record.matched = Some(format!("matched by {kind}, from {how}: published as {old}"));
            record.hub_id = Some(new);
        }
    }
    Ok(records)
}

/// What `hubcensus enrich` learned of renames: an id asked for that the Hub answered with
/// another id (`models.jsonl` lines whose `model.id` differs from the `id` asked), newest run
/// last so that it wins. Torn or unreadable lines are skipped, as enrich itself does.
fn enrich_answers(data_dir: &Path) -> Result<BTreeMap<ModelId, ModelId>, QueryError> {
    #[derive(serde::Deserialize)]
    struct Answer {
        id: String,
    }
    #[derive(serde::Deserialize)]
    struct Line {
        id: String,
        model: Option<Answer>,
    }
    let mut answers = BTreeMap::new();
    for path in crate::attribution::enrich_files(data_dir, "models.jsonl")? {
        let text =
            std::fs::read_to_string(&path).map_err(|source| QueryError::Io { path, source })?;
        for line in text.lines() {
            let Ok(Line {
                id,
                model: Some(Answer { id: answered }),
            }) = serde_json::from_str::<Line>(line)
            else {
                continue;
            };
            if id == answered {
                continue;
            }
            if let (Ok(old), Ok(new)) = (ModelId::new(id), ModelId::new(answered)) {
                answers.insert(old, new);
            }
        }
    }
    Ok(answers)
}

/// Audits `query.model` against the evidence (ending at `as_of`, the latest snapshot when
/// `None`) and the evals store in `data_dir`.
pub fn audit(
    evidence: &Evidence,
    data_dir: &Path,
    query: &AuditQuery,
    as_of: Option<&AsOf>,
) -> Result<AuditView, QueryError> {
    let records = records(data_dir)?;
    let world = world(
        evidence,
        &Selection {
            model: Some(query.model.clone()),
            task: None,
            as_of: as_of.cloned(),
            also: hubcensus_evals::audit::scored_models(&records, query),
        },
    )?;
    let audit =
        hubcensus_evals::audit::audit(&world, &records, query).map_err(|source| match source {
            hubcensus_evals::EvalsError::UnknownModel { id } => QueryError::invalid(
                "model",
                format!("{id} is not in the evidence"),
                "the model must be in the evidence (in a snapshot, or in the evidence file)",
            ),
            source => QueryError::Evals {
                context: "cannot audit".to_owned(),
                source,
            },
        })?;
    Ok(AuditView {
        schema: AUDIT_SCHEMA,
        audit,
    })
}

/// Credible releases of `query.task` by the contributor types asked for, in the evidence
/// ending at `as_of` (the latest snapshot when `None`).
pub fn discover(
    evidence: &Evidence,
    data_dir: &Path,
    query: &DiscoverQuery,
    as_of: Option<&AsOf>,
) -> Result<DiscoverView, QueryError> {
    let world = world(
        evidence,
        &Selection {
            model: None,
            task: Some((query.task.clone(), query.min_weekly_downloads)),
            as_of: as_of.cloned(),
            also: BTreeSet::new(),
        },
    )?;
    let records = records(data_dir)?;
    Ok(DiscoverView {
        schema: DISCOVER_SCHEMA,
        discover: hubcensus_evals::discover::discover(&world, &records, query),
    })
}

/// The adoption evidence.
pub fn world(evidence: &Evidence, selection: &Selection) -> Result<World, QueryError> {
    match evidence {
        Evidence::Store(census) => world_from_store(census, selection),
        Evidence::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| QueryError::Io {
                path: path.clone(),
                source,
            })?;
            let mut world: World =
                serde_json::from_str(&text).map_err(|error| QueryError::Invalid {
                    parameter: "evidence",
                    message: format!(
                        "evidence file {} is not a valid world: {error}",
                        path.display()
                    ),
                    hint: "the format is described in docs/evals.md (\"The evidence file\")"
                        .to_owned(),
                })?;
            if world.provenance.is_empty() {
                world.provenance = format!("evidence file {}", path.display());
            }
            Ok(world)
        }
    }
}

/// What one window leaves for the evidence: its downloads and which models it counted.
struct Week {
    downloads: Vec<u64>,
    counted: Vec<bool>,
    set: WorkingSet,
}

/// Builds the evidence from the store: up to 15 snapshots spaced at least a week apart
/// (walking back from the latest), the windows between them, the top-200 working set of each
/// window, lineage from the latest snapshot, attribution from the one attributor.
fn no_snapshots(data_dir: &Path) -> QueryError {
    QueryError::Invalid {
        parameter: "evidence",
        message: format!("no snapshots in the store at {}", data_dir.display()),
        hint:
            "import snapshots (`hubcensus import`), run `hubcensus demo`, or pass --evidence FILE"
                .to_owned(),
    }
}

fn world_from_store(census: &Census, selection: &Selection) -> Result<World, QueryError> {
    let no_snapshots = || no_snapshots(census.dir());
    if census.times().is_empty() {
        return Err(no_snapshots());
    }
    let latest = census.position(selection.as_of.as_ref())?;
    let picked: Vec<Timestamp> = census
        .spaced(latest, WINDOWS + 1, MIN_SPACING_DAYS)
        .into_iter()
        .map(|position| census.times()[position])
        .collect();
    let columns = FrameColumns::PIPELINE_TAG
        | FrameColumns::LICENSE
        | FrameColumns::PARAMETERS
        | FrameColumns::CREATED_AT
        | FrameColumns::AUTHOR;
    let plan = WindowPlan::between(picked.clone(), Filter::default(), columns);
    let mut weeks: Vec<Week> = Vec::new();
    let mut times = Vec::new();
    let mut last: Option<(Catalog, SnapshotFrame, String)> = None;
    census.for_each_window(&plan, |catalog, window, end| {
        weeks.push(Week {
            downloads: window.downloads.clone(),
            counted: window.status.iter().map(|s| s.is_counted()).collect(),
            set: WorkingSet::of_window(window, &catalog.ids, WORKING_SET, None),
        });
        times.push(end.info.as_of);
        if times.len() == plan.ends.clone().count() {
            last = Some((
                catalog.clone(),
                end.clone(),
                window.population.words.clone(),
            ));
        }
        Ok(())
    })?;
    let (catalog, latest, population) = last.ok_or_else(no_snapshots)?;
    let as_of = latest.info.as_of;
    let graph = census.graph(as_of, false)?;
    let code = |codes: &Column<u32>, names: &[String], index: usize| {
        codes
            .get(index)
            .and_then(|c| names.get(c as usize).cloned())
    };
    let last_week = weeks.last().ok_or_else(no_snapshots)?;

    // The models that matter.
    let mut chosen = BTreeSet::new();
    for week in &weeks {
        chosen.extend(week.set.members.iter().map(|&m| m as usize));
    }
    for &member in &last_week.set.members {
        chosen.extend(graph.children(member as usize).iter().map(|&c| c as usize));
    }
    if let Some(model) = &selection.model {
        let index = census
            .store()
            .resolve_one(model.as_str())
            .map_err(QueryError::store("cannot read the store's key dictionary"))?
            .ok_or_else(|| QueryError::Invalid {
                parameter: "model",
                message: format!("{model} is in none of the store's snapshots"),
                hint: "check the id, or import a snapshot that has it".to_owned(),
            })? as usize;
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
    for id in &selection.also {
        if let Some(index) = census
            .store()
            .resolve_one(id.as_str())
            .map_err(QueryError::store("cannot read the store's key dictionary"))?
        {
            chosen.insert(index as usize);
        }
    }
    if let Some((task, min_downloads)) = &selection.task {
        for index in 0..catalog.ids.len() {
            if last_week.downloads.get(index).copied().unwrap_or(0) >= *min_downloads
                && code(&latest.pipeline_tag, &catalog.pipeline_tags, index).as_deref()
                    == Some(task.as_str())
            {
                chosen.insert(index);
            }
        }
    }
    // The task totals of the last window (every counted model).
    let mut task_downloads = BTreeMap::new();
    for (index, counted) in last_week.counted.iter().enumerate() {
        if !counted {
            continue;
        }
        if let Some(task) = code(&latest.pipeline_tag, &catalog.pipeline_tags, index) {
            *task_downloads.entry(task).or_insert(0u64) += last_week.downloads[index];
        }
    }
    let ranks: Vec<BTreeMap<usize, u32>> = weeks
        .iter()
        .map(|week| {
            week.set
                .members
                .iter()
                .enumerate()
                .map(|(rank, &m)| (m as usize, rank as u32 + 1))
                .collect()
        })
        .collect();
    let attributor = Attributor::new(census.accounts());
    let new_version = match &selection.model {
        Some(model) => card_new_version(census, as_of, model)?,
        None => None,
    };
    // Likes at the end of each window, for the chosen models only.
    let mut likes: Vec<BTreeMap<usize, Option<u64>>> = Vec::new();
    for week in &times {
        let column = census
            .store()
            .load_u64_column(*week, "likes")
            .map_err(QueryError::store(format!(
                "cannot load the likes of the snapshot of {week}"
            )))?;
        likes.push(
            chosen
                .iter()
                .map(|&index| (index, column.get(index)))
                .collect(),
        );
    }
    // A partial newest snapshot (a top-N listing) does not say the models it leaves out are
    // gone: their facts come from the newest earlier snapshot that holds each (METHODS.md §1).
    let carried_facts = if latest.info.partial {
        let absent: Vec<usize> = chosen
            .iter()
            .copied()
            .filter(|&index| !latest.present.get(index).copied().unwrap_or(false))
            .collect();
        census.facts_before(as_of, &absent)?
    } else {
        BTreeMap::new()
    };
    let mut models = Vec::new();
    for index in chosen {
        let id = catalog
            .ids
            .id(index)
            .ok_or_else(|| QueryError::Bug("a chosen index past the ids".into()))?;
        let origin = attributor.origin(&catalog, &latest, None, index, as_of);
        let mut model = ModelEvidence::new(id.clone());
        if let Some(facts) = carried_facts.get(&index) {
            model.task.clone_from(&facts.task);
            model.license.clone_from(&facts.license);
            model.parameters = facts.parameters;
            model.created_at = facts.created_at;
        } else {
            model.task = code(&latest.pipeline_tag, &catalog.pipeline_tags, index);
            model.license = code(&latest.license, &catalog.licenses, index);
            model.parameters = latest.parameters.get(index);
            model.created_at = latest.created_at.get(index);
        }
        model.organization = origin.uploader.organization;
        model.contributor = origin.uploader.contributor;
        let parents: Vec<ModelId> = graph
            .parents(index)
            .iter()
            .filter_map(|&p| catalog.ids.id(p as usize))
            .collect();
        model.lineage = Lineage::new(
            graph.relation(index).unwrap_or(Relation::Unknown),
            parents,
            LineageSource::BaseModels,
        );
        let direct = graph.direct_by_relation(index);
        model.children = Relation::ALL
            .into_iter()
            .map(|relation| (relation, direct.get(relation)))
            .filter(|(_, count)| *count > 0)
            .collect();
        model.weekly_downloads = weeks
            .iter()
            .map(|week| {
                week.counted
                    .get(index)
                    .copied()
                    .unwrap_or(false)
                    .then(|| week.downloads.get(index).copied())
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
    // Where the lasting facts came from, when the newest snapshot did not carry them.
    let carried: Vec<String> = [("parameters", "parameters"), ("license", "licences")]
        .into_iter()
        .filter_map(|(column, words)| {
            let source = census.lasting_source(as_of, column)?;
            (source != as_of).then(|| {
                format!(
                    "{words} from the snapshot of {} (newer snapshots do not carry them)",
                    source.date_string()
                )
            })
        })
        .collect();
    let mut carried = carried;
    if let Some(oldest) = carried_facts.values().map(|facts| facts.from).min() {
        carried.push(format!(
            "the facts of {} models the newest snapshot (a partial listing) does not hold from the newest earlier snapshot that does (the oldest used: {})",
            carried_facts.len(),
            oldest.date_string()
        ));
    }
    let carried = if carried.is_empty() {
        String::new()
    } else {
        format!("; {}", carried.join("; "))
    };
    Ok(World {
        weeks: times,
        working_set_size: WORKING_SET as u32,
        task_downloads,
        models,
        provenance: format!(
            "store {}: {} snapshot(s) from {} to {} ({}), registry {}, {} account kinds from enrich{carried}",
            census.dir().display(),
            picked.len(),
            picked[0].date_string(),
            as_of.date_string(),
            population,
            attributor.registry().version(),
            census.accounts().len()
        ),
    })
}

/// `cardData.new_version` of `model` in the snapshot at `as_of`, when its card says.
fn card_new_version(
    census: &Census,
    as_of: Timestamp,
    model: &ModelId,
) -> Result<Option<ModelId>, QueryError> {
    let read_error = || QueryError::store("cannot read the latest snapshot");
    let Some(wanted) = census
        .store()
        .resolve_one(model.as_str())
        .map_err(read_error())?
    else {
        return Ok(None);
    };
    let mut records = census.store().records(as_of).map_err(read_error())?;
    while let Some(next) = records.next_indexed() {
        let (index, record) = next.map_err(read_error())?;
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

/// The current ids of every model the store in `data_dir` knows; `None` without a store or
/// snapshots (evals import matches names against them).
pub fn store_ids(data_dir: &Path) -> Result<Option<Vec<ModelId>>, QueryError> {
    let census = match Census::open_with_snapshots(data_dir) {
        Ok(census) => census,
        Err(QueryError::NoStore { .. } | QueryError::NoSnapshots { .. }) => return Ok(None),
        Err(error) => return Err(error),
    };
    let ids = census.ids()?;
    Ok(Some(
        (0..ids.len()).filter_map(|index| ids.id(index)).collect(),
    ))
}

/// The `model-index` results in the cards of the latest snapshot of the store in `data_dir`,
/// with words naming where they came from.
pub fn card_results(data_dir: &Path) -> Result<(String, Vec<EvalRecord>), QueryError> {
    let census = Census::open_with_snapshots(data_dir).map_err(|error| match error {
        QueryError::NoStore { .. } | QueryError::NoSnapshots { .. } => QueryError::Invalid {
            parameter: "from-store",
            message: format!("no snapshots in the store at {}", data_dir.display()),
            hint: "import a snapshot first (`hubcensus import`), or pass a file to import"
                .to_owned(),
        },
        error => error,
    })?;
    let latest = census
        .latest()
        .ok_or_else(|| QueryError::Bug("a census with snapshots has a latest".into()))?;
    let read_error = || QueryError::store("cannot read the latest snapshot");
    let mut records = Vec::new();
    for record in census.store().records(latest).map_err(read_error())? {
        let record = record.map_err(read_error())?;
        if let Some(card) = &record.card_data {
            let date = record.last_modified.map(Timestamp::date_string);
            records.extend(
                hubcensus_evals::import::model_index(&record.id, card, date.as_deref()).records,
            );
        }
    }
    Ok((
        format!(
            "the model cards of the snapshot of {}",
            latest.date_string()
        ),
        records,
    ))
}

pub const SCORES_SCHEMA: &str = "hubcensus.evals.scores/1";

/// How a model's id matched the ids the evals store records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdMatch {
    Exact,
    /// Hub ids are case-insensitive: the store records the model under another casing.
    Case,
}

/// The scores the evals store holds for one model (`evals show`).
#[derive(Clone, Debug, Serialize)]
pub struct ScoresView {
    pub schema: &'static str,
    /// The id as the store records it.
    pub model: ModelId,
    pub matched: IdMatch,
    pub workload: Option<String>,
    pub scores: Vec<EvalRecord>,
}

/// The scores of `model` in the evals store in `data_dir`, only the benchmarks of `workload`
/// (from `workloads`) when one is named; an id recorded under another casing matches (Hub ids
/// are case-insensitive), and says so.
pub fn scores(
    data_dir: &Path,
    model: &ModelId,
    workload: Option<&str>,
    workloads: &WorkloadMap,
) -> Result<ScoresView, QueryError> {
    let benchmarks = workload
        .map(|workload| {
            workloads
                .benchmarks(workload)
                .map(<[String]>::to_vec)
                .map_err(|source| QueryError::Invalid {
                    parameter: "workload",
                    message: source.to_string(),
                    hint: "list them with `hubcensus evals workloads`".to_owned(),
                })
        })
        .transpose()?;
    let records = records(data_dir)?;
    let exact = records.iter().any(|r| r.hub_id.as_ref() == Some(model));
    let recorded = if exact {
        Some(model.clone())
    } else {
        // One other casing of the id, when the store has exactly one.
        let mut others: Vec<&ModelId> = records
            .iter()
            .filter_map(|r| r.hub_id.as_ref())
            .filter(|id| id.as_str().eq_ignore_ascii_case(model.as_str()))
            .collect();
        others.sort();
        others.dedup();
        (others.len() == 1).then(|| others[0].clone())
    };
    let id = recorded.clone().unwrap_or_else(|| model.clone());
    let mut scores: Vec<EvalRecord> = records
        .into_iter()
        .filter(|record| record.hub_id.as_ref() == Some(&id))
        .filter(|record| {
            benchmarks.as_ref().is_none_or(|benchmarks| {
                benchmarks
                    .iter()
                    .any(|b| hubcensus_evals::benchmark::same(b, &record.benchmark))
            })
        })
        .collect();
    scores.sort_by(|a, b| {
        (&a.benchmark, &a.metric, &a.source, &a.setting).cmp(&(
            &b.benchmark,
            &b.metric,
            &b.source,
            &b.setting,
        ))
    });
    Ok(ScoresView {
        schema: SCORES_SCHEMA,
        matched: if exact { IdMatch::Exact } else { IdMatch::Case },
        model: id,
        workload: workload.map(str::to_owned),
        scores,
    })
}
