//! The `kill -9` campaign (issue 17): the real `hubcensus import` (of a hub-stats Parquet file)
//! or `hubcensus sync` (against the Hub stand-in) killed at random instants and run again until
//! it finishes; each finished round's store must be identical, by
//! `hubcensus_store::Store::content_digest`, to the store of one uninterrupted run.
//!
//! Shared by `examples/kill_campaign/main.rs` (full size: 2,000,000 models) and the integration
//! test `tests/it/kills.rs` (small).
//!
//! A round starts from an empty store, is killed between one and three times (each at a random
//! instant within the uninterrupted run's duration, so in any phase: reading, spilling,
//! merging, the dictionary, the commit, the cleanup), then runs to its end; its store is then
//! verified (every file against its manifest) and digested. Besides the digest, the round's
//! snapshot is compared with the reference model by model: *lost* (a reference id missing),
//! *duplicated* (an id stored twice) and *extra* (an id the reference lacks).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hubcensus_ingest::hub::standin::{StandIn, StandInConfig, fixture_models};
use hubcensus_model::Timestamp;
use hubcensus_store::Store;

/// What is killed.
#[derive(Clone, Debug)]
pub enum Target {
    /// `hubcensus import FILE --as-of ... EXTRA...`.
    Import { file: PathBuf, extra: Vec<String> },
    /// `hubcensus sync` of `models` stand-in models.
    Sync {
        models: usize,
        page_size: u32,
        head: u64,
    },
}

#[derive(Clone, Debug)]
pub struct KillConfig {
    pub binary: PathBuf,
    /// Stores and logs go under here.
    pub work: PathBuf,
    pub target: Target,
    /// `kill -9` wanted in all.
    pub kills: u32,
    pub seed: u64,
    /// Extra arguments before the subcommand's own, e.g. `nice` is the caller's business.
    pub nice: bool,
}

#[derive(Clone, Debug, Default)]
pub struct KillSummary {
    pub what: String,
    pub reference_sha256: String,
    pub reference_models: u64,
    pub reference_seconds: f64,
    pub rounds: u32,
    pub kills: u32,
    /// Runs started after a kill (each round's last one ran to its end).
    pub resumed_runs: u32,
    /// Runs that exited non-zero on their own (not killed).
    pub failed_runs: u32,
    pub hashes_equal: u32,
    pub hashes_differ: u32,
    pub lost: u64,
    pub duplicated: u64,
    pub extra: u64,
    pub elapsed: Duration,
}

impl std::fmt::Display for KillSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "kill campaign ({}): {} rounds, {:.1} s",
            self.what,
            self.rounds,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(
            f,
            "  reference (uninterrupted): {} models, {:.1} s, content sha256 {}",
            self.reference_models, self.reference_seconds, self.reference_sha256
        )?;
        writeln!(f, "  kill -9                  {}", self.kills)?;
        writeln!(f, "  resumed runs             {}", self.resumed_runs)?;
        writeln!(f, "  runs failed on their own {}", self.failed_runs)?;
        writeln!(
            f,
            "  stores equal to the reference (content sha256) {} of {}",
            self.hashes_equal, self.rounds
        )?;
        writeln!(f, "  stores differing         {}", self.hashes_differ)?;
        writeln!(f, "  models lost              {}", self.lost)?;
        writeln!(f, "  models duplicated        {}", self.duplicated)?;
        write!(f, "  models extra             {}", self.extra)
    }
}

/// xorshift64: deterministic per seed, no dependency.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const AS_OF: i64 = 1_790_000_000;

fn args(target: &Target, endpoint: Option<&str>) -> Vec<String> {
    let as_of = Timestamp::from_secs(AS_OF).to_string();
    match target {
        Target::Import { file, extra } => {
            let mut args = vec![
                "import".into(),
                file.display().to_string(),
                "--as-of".into(),
                as_of,
            ];
            args.extend(extra.iter().cloned());
            args
        }
        Target::Sync {
            page_size, head, ..
        } => vec![
            "sync".into(),
            "--endpoint".into(),
            endpoint.unwrap_or_default().to_owned(),
            "--page-size".into(),
            page_size.to_string(),
            "--head".into(),
            head.to_string(),
            "--timeout".into(),
            "5".into(),
            "--as-of".into(),
            as_of,
        ],
    }
}

fn spawn(
    config: &KillConfig,
    data: &Path,
    endpoint: Option<&str>,
    log: &Path,
) -> Result<std::process::Child, String> {
    let mut command = if config.nice {
        let mut command = Command::new("nice");
        command.arg(&config.binary);
        command
    } else {
        Command::new(&config.binary)
    };
    command
        .env_clear()
        .env("HUBCENSUS_HOME", data)
        .env("NO_COLOR", "1")
        .args(args(&config.target, endpoint))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).map_err(|e| format!("{}: {e}", log.display()))?)
        .spawn()
        .map_err(|e| format!("{}: {e}", config.binary.display()))
}

/// The ids of the snapshot, and how many rows repeat an id.
fn ids(data: &Path) -> Result<(BTreeSet<String>, u64), String> {
    let store = Store::open(data).map_err(|e| e.to_string())?;
    let mut ids = BTreeSet::new();
    let mut repeated = 0;
    for record in store
        .records(Timestamp::from_secs(AS_OF))
        .map_err(|e| e.to_string())?
    {
        let record = record.map_err(|e| e.to_string())?;
        if !ids.insert(record.id.to_string()) {
            repeated += 1;
        }
    }
    Ok((ids, repeated))
}

fn digest(data: &Path) -> Result<hubcensus_store::ContentDigest, String> {
    Store::open(data)
        .and_then(|store| store.content_digest())
        .map_err(|e| format!("{}: {e}", data.display()))
}

/// Runs the campaign; errors are the harness's own (a run that cannot be started, say).
pub fn run(config: &KillConfig, progress: &mut dyn FnMut(&str)) -> Result<KillSummary, String> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let stand_in = match &config.target {
        Target::Sync { models, .. } => Some(
            runtime
                .block_on(StandIn::start(StandInConfig {
                    models: fixture_models(*models, config.seed),
                    ..StandInConfig::default()
                }))
                .map_err(|e| e.to_string())?,
        ),
        Target::Import { .. } => None,
    };
    let endpoint = stand_in.as_ref().map(StandIn::endpoint);
    let endpoint = endpoint.as_deref();
    let logs = config.work.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let mut summary = KillSummary {
        what: match &config.target {
            Target::Import { file, .. } => format!("import {}", file.display()),
            Target::Sync { models, .. } => format!("sync of {models} stand-in models"),
        },
        ..KillSummary::default()
    };

    // The reference: one uninterrupted run.
    let reference = config.work.join("reference");
    let _ = std::fs::remove_dir_all(&reference);
    let log = logs.join("reference.stderr");
    let clock = Instant::now();
    let status = spawn(config, &reference, endpoint, &log)?
        .wait()
        .map_err(|e| e.to_string())?;
    let duration = clock.elapsed();
    if !status.success() {
        return Err(format!(
            "the uninterrupted run failed ({status}); see {}",
            log.display()
        ));
    }
    summary.reference_seconds = duration.as_secs_f64();
    let reference_digest = digest(&reference)?;
    summary
        .reference_sha256
        .clone_from(&reference_digest.sha256);
    summary.reference_models = reference_digest.models;
    let (reference_ids, _) = ids(&reference)?;
    progress(&format!(
        "reference: {:.1} s, {} models, {}",
        duration.as_secs_f64(),
        reference_digest.models,
        reference_digest.sha256
    ));
    let _ = std::fs::remove_dir_all(&reference);

    let mut random = Random(config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let window = duration.as_millis() as u64;
    let data = config.work.join("data");
    while summary.kills < config.kills {
        summary.rounds += 1;
        let round = summary.rounds;
        let _ = std::fs::remove_dir_all(&data);
        let wanted = (1 + random.below(3) as u32).min(config.kills - summary.kills);
        let mut kills = 0;
        let mut instants = Vec::new();
        for attempt in 0.. {
            if attempt > 50 {
                return Err(format!("round {round}: no finished run in 50 attempts"));
            }
            let log = logs.join(format!("round-{round}-run-{attempt}.stderr"));
            let mut child = spawn(config, &data, endpoint, &log)?;
            if attempt > 0 {
                summary.resumed_runs += 1;
            }
            if kills < wanted {
                let at = 10 + random.below(window);
                std::thread::sleep(Duration::from_millis(at));
                if child.try_wait().map_err(|e| e.to_string())?.is_none() {
                    // `Child::kill` sends SIGKILL: kill -9.
                    child.kill().map_err(|e| e.to_string())?;
                    child.wait().map_err(|e| e.to_string())?;
                    kills += 1;
                    instants.push(at);
                    continue;
                }
            }
            let status = child.wait().map_err(|e| e.to_string())?;
            if status.success() {
                break;
            }
            summary.failed_runs += 1;
            progress(&format!(
                "round {round}: run {attempt} failed ({status}): {}",
                std::fs::read_to_string(&log)
                    .unwrap_or_default()
                    .lines()
                    .last()
                    .unwrap_or_default()
            ));
        }
        summary.kills += kills;
        let found = digest(&data)?;
        let equal = found.sha256 == reference_digest.sha256;
        if equal {
            summary.hashes_equal += 1;
        } else {
            summary.hashes_differ += 1;
        }
        let (found_ids, repeated) = ids(&data)?;
        summary.duplicated += repeated;
        summary.lost += reference_ids.difference(&found_ids).count() as u64;
        summary.extra += found_ids.difference(&reference_ids).count() as u64;
        progress(&format!(
            "round {round}: killed at {instants:?} ms, store {} the reference ({})",
            if equal { "equal to" } else { "DIFFERS from" },
            found.sha256
        ));
    }
    let _ = std::fs::remove_dir_all(&data);
    summary.elapsed = started.elapsed();
    Ok(summary)
}
