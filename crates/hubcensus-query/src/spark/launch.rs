//! The plan hubcensus gives the Spark job, the job's run, and the intermediates it returns.

use std::path::{Path, PathBuf};
use std::process::Command;

use hubcensus_model::Era;
use serde::{Deserialize, Serialize};

use crate::{Census, QueryError};

/// The job, carried by the binary so that an installed hubcensus runs the job it was built with.
const JOB: &str = include_str!("../../../../spark/hubcensus_spark.py");
const PLAN_SCHEMA: &str = "hubcensus.spark-plan/1";
const INTERMEDIATES_SCHEMA: &str = "hubcensus.spark-intermediates/1";

/// Where and how the job runs.
#[derive(Clone, Debug, Default)]
pub struct SparkOptions {
    /// A Spark master for a session started here, e.g. `local[2]`.
    pub master: Option<String>,
    /// A Spark Connect server, e.g. `sc://host:15002` (then the server reads the store: give it
    /// the path it sees with `models_uri`).
    pub remote: Option<String>,
    /// The Python with `PySpark` (default `python3`).
    pub python: Option<PathBuf>,
    /// The store's `models/` folder as the Spark side names it (default: the local path).
    pub models_uri: Option<String>,
}

/// The job's input.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    pub schema: &'static str,
    /// The folder Spark reads.
    pub models: String,
    pub k: u64,
    pub windows: Vec<PlannedWindow>,
    /// The uploader shares' sums too, with this registry table (written next to the plan).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shares: Option<SharesPlan>,
    /// The family working set's sums too, with this family table (written next to the plan):
    /// where the table is, set when the job runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub families: Option<String>,
    #[serde(skip)]
    pub family_table: Option<FamilyTable>,
    /// The population filter (none: every model).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<PlanFilter>,
}

/// A population filter as the job applies it (`hubcensus_analytics::FilterMatcher`'s rules).
#[derive(Clone, Debug, Default, Serialize)]
pub struct PlanFilter {
    pub task: Option<String>,
    pub library: Option<String>,
    pub license: Option<String>,
    pub min_params: Option<u64>,
    pub max_params: Option<u64>,
    /// New models only: created within this many days before the window's end.
    pub new_models_days: Option<i64>,
}

impl PlanFilter {
    /// `None` for the filter that keeps every model.
    #[must_use]
    pub fn of(filter: &hubcensus_analytics::Filter) -> Option<Self> {
        (!filter.is_all()).then(|| Self {
            task: filter.task.clone(),
            library: filter.library.clone(),
            license: filter.license.clone(),
            min_params: filter.min_params,
            max_params: filter.max_params,
            new_models_days: filter
                .new_models
                .then_some(hubcensus_analytics::NEW_MODEL_DAYS),
        })
    }
}

/// The family of each quantized or adapter derivative (`LineageGraph::family`), only where it
/// is not the model itself: small beside the store.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FamilyTable {
    /// `(model index, family base index)`.
    pub families: Vec<(u32, u32)>,
}

/// The lineage graph's roots for the lineage origin of the shares (`LineageGraph::root`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct LineageTable {
    /// `(model index, root index)` of every model whose root is another model.
    pub roots: Vec<(u32, u32)>,
    /// Merges of different roots.
    pub mixed: Vec<u32>,
    /// The namespace a root is attributed as when it has no author in a window's snapshot
    /// (its latest id's, or where the registry says a legacy id moved); roots with none are
    /// left out.
    pub namespaces: Vec<(u32, String)>,
}

/// The registry table the job joins for the shares (`super::shares::registry_table`).
#[derive(Clone, Debug, Serialize)]
pub struct SharesPlan {
    /// Where the table is, set when the job runs.
    pub registry: String,
    #[serde(skip)]
    pub table: super::shares::RegistryTable,
    /// The lineage origin's moves too, with this table: where it is, set when the job runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lineage: Option<String>,
    #[serde(skip)]
    pub lineage_table: Option<LineageTable>,
}

/// One window, as epoch milliseconds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct PlannedWindow {
    pub from: i64,
    pub to: i64,
}

/// What the job returns.
#[derive(Clone, Debug, Deserialize)]
pub struct Intermediates {
    pub schema: String,
    pub k: u64,
    pub windows: Vec<WindowIntermediates>,
}

/// The exact integers of one window (METHODS.md §2-§4).
#[derive(Clone, Debug, Deserialize)]
pub struct WindowIntermediates {
    pub from: i64,
    pub to: i64,
    pub matched: u64,
    pub new: u64,
    pub unmatched: u64,
    pub disappeared: u64,
    pub unmeasured: u64,
    pub negative: u64,
    pub clamped_downloads: u64,
    pub total_downloads: u64,
    /// Counted models with `A_t1 < 200`.
    pub long_tail_models: u64,
    /// `(clamped window downloads, models)`, ascending by value, zeros included.
    pub histogram: Vec<(u64, u64)>,
    /// The k-th largest positive clamped value (1 when fewer than k are positive).
    pub threshold: u64,
    /// `(model index, clamped window downloads)` of every model at or above the threshold.
    pub candidates: Vec<(u32, u64)>,
    /// The uploader shares' sums, when the plan asked for them.
    #[serde(default)]
    pub shares: Option<ShareIntermediates>,
    /// With the shares: `(sum of clamped window downloads, authors)` over the authors at the
    /// window's end whose sum is positive, ascending (the HHI by author).
    #[serde(default)]
    pub authors: Option<Vec<(u64, u64)>>,
    /// The family working set's candidates, when the plan asked for them.
    #[serde(default)]
    pub family: Option<FamilyIntermediates>,
}

/// The family sums at or above the k-th largest (METHODS.md §4).
#[derive(Clone, Debug, Deserialize)]
pub struct FamilyIntermediates {
    /// The k-th largest positive family sum (1 when none is positive).
    pub threshold: u64,
    /// `(family base index, family sum)` of every family at or above the threshold.
    pub candidates: Vec<(u32, u64)>,
}

/// The exact integers of one window's uploader shares (METHODS.md §6-§7).
#[derive(Clone, Debug, Deserialize)]
pub struct ShareIntermediates {
    /// `(attribution key, counted models, their clamped window downloads)`.
    pub groups: Vec<(u32, u64, u64)>,
    /// `(model index, clamped window downloads, root's attribution key, merge 0/1)` of the
    /// counted models with no author in the window's snapshot (the last two with the lineage
    /// table only).
    pub authorless: Vec<(u32, u64, Option<u32>, u8)>,
    /// With the lineage table: `(uploader key, root key, models, downloads)` of the models whose
    /// root's attribution key is another.
    #[serde(default)]
    pub rooted: Vec<(u32, u32, u64, u64)>,
    /// With the lineage table: `(uploader key, models, downloads)` of the merges of different
    /// roots.
    #[serde(default)]
    pub mixed: Vec<(u32, u64, u64)>,
}

/// The windows of `census` for the job: between consecutive snapshots, all of which must carry
/// `downloads_all_time` (the Spark path does not compute 30-day windows).
pub fn plan(census: &Census, k: u64) -> Result<Plan, QueryError> {
    let times = census.times();
    if times.is_empty() {
        return Err(QueryError::NoSnapshots {
            dir: census.dir().to_path_buf(),
        });
    }
    if let Some(thin) = times.iter().find(|&&t| {
        census
            .info(t)
            .is_none_or(|info| info.era() != Era::AllTime || info.partial)
    }) {
        return Err(QueryError::invalid(
            "engine",
            format!(
                "the snapshot at {thin} has no downloadsAllTime or is partial: the Spark path \
                 computes all-time windows over whole snapshots only"
            ),
            "use the embedded engine (drop --engine spark) for this store",
        ));
    }
    let windows = times
        .windows(2)
        .map(|pair| PlannedWindow {
            from: pair[0].as_millis(),
            to: pair[1].as_millis(),
        })
        .collect();
    Ok(Plan {
        schema: PLAN_SCHEMA,
        models: hubcensus_store::models_dir(census.dir())
            .to_string_lossy()
            .into_owned(),
        k,
        windows,
        shares: None,
        families: None,
        family_table: None,
        filter: None,
    })
}

/// Runs the job on `plan` (in a temporary directory that holds the job, the plan and the
/// result) and reads its intermediates back, checked against the plan.
pub fn run_job(plan: &Plan, options: &SparkOptions) -> Result<Intermediates, QueryError> {
    let mut plan = plan.clone();
    if let Some(uri) = &options.models_uri {
        plan.models.clone_from(uri);
    }
    let work = tempfile_dir()?;
    let result = run_in(&work, &plan, options);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn run_in(work: &Path, plan: &Plan, options: &SparkOptions) -> Result<Intermediates, QueryError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| QueryError::Io { path, source }
    };
    let job = work.join("hubcensus_spark.py");
    std::fs::write(&job, JOB).map_err(io(&job))?;
    let mut plan = plan.clone();
    if let Some(shares) = &mut plan.shares {
        let path = work.join("registry.json");
        let bytes =
            serde_json::to_vec(&shares.table).map_err(|e| QueryError::Bug(e.to_string()))?;
        std::fs::write(&path, bytes).map_err(io(&path))?;
        shares.registry = path.to_string_lossy().into_owned();
        if let Some(table) = &shares.lineage_table {
            let path = work.join("lineage.json");
            let bytes = serde_json::to_vec(table).map_err(|e| QueryError::Bug(e.to_string()))?;
            std::fs::write(&path, bytes).map_err(io(&path))?;
            shares.lineage = Some(path.to_string_lossy().into_owned());
        }
    }
    if let Some(table) = &plan.family_table {
        let path = work.join("families.json");
        let bytes = serde_json::to_vec(table).map_err(|e| QueryError::Bug(e.to_string()))?;
        std::fs::write(&path, bytes).map_err(io(&path))?;
        plan.families = Some(path.to_string_lossy().into_owned());
    }
    let plan = &plan;
    let plan_path = work.join("plan.json");
    let plan_json = serde_json::to_vec(plan).map_err(|e| QueryError::Bug(e.to_string()))?;
    std::fs::write(&plan_path, plan_json).map_err(io(&plan_path))?;
    let out = work.join("intermediates.json");
    let python = options
        .python
        .clone()
        .unwrap_or_else(|| PathBuf::from("python3"));
    let mut command = Command::new(&python);
    command
        .arg(&job)
        .arg("--plan")
        .arg(&plan_path)
        .arg("--out")
        .arg(&out);
    match (&options.master, &options.remote) {
        (_, Some(remote)) => {
            command.args(["--remote", remote]);
        }
        (Some(master), None) => {
            command.args(["--master", master]);
        }
        (None, None) => {}
    }
    let output = command.output().map_err(|source| QueryError::Spark {
        message: format!("cannot run {}: {source}", python.display()),
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(QueryError::Spark {
            message: format!(
                "the Spark job failed ({}):\n{}",
                output.status,
                tail.join("\n")
            ),
        });
    }
    let bytes = std::fs::read(&out).map_err(io(&out))?;
    let intermediates: Intermediates =
        serde_json::from_slice(&bytes).map_err(|error| QueryError::Spark {
            message: format!(
                "the Spark job's result {} does not parse: {error}",
                out.display()
            ),
        })?;
    check(plan, &intermediates)?;
    if plan.shares.is_some()
        && intermediates
            .windows
            .iter()
            .any(|w| w.shares.is_none() || w.authors.is_none())
    {
        return Err(QueryError::Spark {
            message: "the Spark job returned no shares for a window that asked for them".into(),
        });
    }
    if plan.families.is_some() && intermediates.windows.iter().any(|w| w.family.is_none()) {
        return Err(QueryError::Spark {
            message: "the Spark job returned no family sums for a window that asked for them"
                .into(),
        });
    }
    Ok(intermediates)
}

/// The result answers the plan: its schema, k and windows, in order.
fn check(plan: &Plan, intermediates: &Intermediates) -> Result<(), QueryError> {
    let windows: Vec<PlannedWindow> = intermediates
        .windows
        .iter()
        .map(|w| PlannedWindow {
            from: w.from,
            to: w.to,
        })
        .collect();
    if intermediates.schema != INTERMEDIATES_SCHEMA
        || intermediates.k != plan.k
        || windows != plan.windows
    {
        return Err(QueryError::Spark {
            message: format!(
                "the Spark job answered another plan (schema {}, k {}, {} windows; asked {}, k {}, {} windows)",
                intermediates.schema,
                intermediates.k,
                windows.len(),
                INTERMEDIATES_SCHEMA,
                plan.k,
                plan.windows.len()
            ),
        });
    }
    Ok(())
}

/// A fresh private directory under the system's temporary directory.
fn tempfile_dir() -> Result<PathBuf, QueryError> {
    let base = std::env::temp_dir();
    for attempt in 0..100u32 {
        let dir = base.join(format!(
            "hubcensus-spark-{}-{}-{attempt}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos())
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(source) => return Err(QueryError::Io { path: dir, source }),
        }
    }
    Err(QueryError::Spark {
        message: format!("cannot make a working directory in {}", base.display()),
    })
}
