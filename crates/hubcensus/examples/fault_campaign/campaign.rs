//! The `sync` fault campaign (issue 17): the real `hubcensus sync` against the Hub stand-in with
//! faults injected at random request numbers, `kill -9` at random instants and resumed runs; the
//! committed snapshot is then compared with the stand-in's own truth.
//!
//! Shared by `examples/fault_campaign/main.rs` (full size) and the integration test
//! `tests/it/faults.rs` (small).
//!
//! The truth of a round (one snapshot): the stand-in's models at the crawl's start (`start`) and
//! end (`end`), keyed by `_id`. A model in both must be in the snapshot, exactly once; a model in
//! only one of them (inserted or deleted mid-crawl) may be in it or not, and is counted. A
//! survivor missing from the snapshot is *lost*, unless the stand-in saw it rise past a listing
//! request's cursor (a swap or a deletion above the cursor moved it from the unlisted part to
//! the listed part): that is the known gap of docs/sync.md, counted apart as a miss rate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hubcensus_ingest::hub::standin::{Fault, StandIn, StandInConfig, fixture_models};
use hubcensus_model::{ModelRecord, Timestamp};
use hubcensus_store::Store;

/// What a campaign does.
#[derive(Clone, Debug)]
pub struct CampaignConfig {
    /// The `hubcensus` binary.
    pub binary: PathBuf,
    /// Data directory (the store) and logs go under here.
    pub work: PathBuf,
    pub models: usize,
    /// Injected faults wanted (rounds are run until at least this many were injected).
    pub faults: u64,
    /// `kill -9` per round.
    pub kills_per_round: u32,
    pub page_size: u32,
    pub head: u64,
    pub seed: u64,
}

/// The figures of a campaign.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub rounds: u32,
    pub requests: u64,
    pub faults_by_kind: BTreeMap<&'static str, u64>,
    pub kills: u32,
    /// Runs that stopped with an error (gave up) and were run again.
    pub failed_runs: u32,
    pub survivors: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Snapshot models the stand-in never had.
    pub phantoms: u64,
    /// Survivors stored with another id than at the crawl's end (renamed after their sighting).
    pub stale_names: u64,
    pub rose_past_cursor: u64,
    pub missed_rose_past_cursor: u64,
    pub inserted: u64,
    pub inserted_captured: u64,
    pub deleted: u64,
    pub deleted_captured: u64,
    pub rate_limited: u64,
    pub requests_during_wait: u64,
    pub elapsed: Duration,
}

impl Summary {
    #[must_use]
    pub fn faults(&self) -> u64 {
        self.faults_by_kind.values().sum()
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "fault campaign: {} rounds (snapshots), {} requests, {:.1} s",
            self.rounds,
            self.requests,
            self.elapsed.as_secs_f64()
        )?;
        writeln!(f, "faults injected: {}", self.faults())?;
        for (kind, n) in &self.faults_by_kind {
            writeln!(f, "  {kind:<28} {n}")?;
        }
        writeln!(f, "kill -9 (then resumed):        {}", self.kills)?;
        writeln!(f, "runs that gave up (rerun):     {}", self.failed_runs)?;
        writeln!(f, "models present start to end:   {}", self.survivors)?;
        writeln!(f, "models lost:                   {}", self.lost)?;
        writeln!(f, "models duplicated:             {}", self.duplicated)?;
        writeln!(f, "phantom models:                {}", self.phantoms)?;
        writeln!(f, "stale names (renamed after):   {}", self.stale_names)?;
        writeln!(
            f,
            "inserted mid-crawl:            {} ({} in the snapshot)",
            self.inserted, self.inserted_captured
        )?;
        writeln!(
            f,
            "deleted mid-crawl:             {} ({} in the snapshot)",
            self.deleted, self.deleted_captured
        )?;
        let rate = if self.survivors == 0 {
            0.0
        } else {
            self.missed_rose_past_cursor as f64 / self.survivors as f64
        };
        writeln!(
            f,
            "rose past the cursor:          {} ({} missed: the known gap; miss rate {:.4}% of survivors)",
            self.rose_past_cursor,
            self.missed_rose_past_cursor,
            rate * 100.0
        )?;
        writeln!(f, "429s answered:                 {}", self.rate_limited)?;
        write!(
            f,
            "requests during a 429 wait:    {}",
            self.requests_during_wait
        )
    }
}

/// A xorshift generator (deterministic in the seed).
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

fn kind(fault: &Fault) -> &'static str {
    match fault {
        Fault::TooManyRequests {
            retry_after: Some(_),
        } => "429 with Retry-After",
        Fault::TooManyRequests { retry_after: None } => "429 without Retry-After",
        Fault::Status(408) => "408",
        Fault::Status(_) => "5xx",
        Fault::Slow(_) => "slow response",
        Fault::TruncatedJson => "truncated JSON body",
        Fault::ConnectionCut => "connection cut mid-body",
        Fault::MalformedLink => "malformed Link cursor",
        Fault::Swap(..) => "swap (ranks change)",
        Fault::Rename(..) => "rename",
        Fault::Insert(..) => "insert",
        Fault::Delete(..) => "delete",
    }
}

/// A fault for one request; `n_models` bounds the positions, `serial` makes new ids unique.
fn draw(random: &mut Random, n_models: usize, serial: u64, seed: u64) -> Fault {
    let position = random.below(n_models as u64) as usize;
    match random.below(100) {
        0..8 => Fault::TooManyRequests {
            retry_after: Some(0),
        },
        8..10 => Fault::TooManyRequests {
            retry_after: Some(1),
        },
        10..14 => Fault::TooManyRequests { retry_after: None },
        14..36 => Fault::Status([500, 502, 503, 504][random.below(4) as usize]),
        36..39 => Fault::Status(408),
        39..53 => Fault::ConnectionCut,
        53..63 => Fault::TruncatedJson,
        63..68 => Fault::Slow(Duration::from_millis(200)),
        68..74 => Fault::MalformedLink,
        74..84 => {
            // Up to 300 places up or down.
            let other = position + random.below(300) as usize;
            Fault::Swap(position, other.min(n_models.saturating_sub(1)))
        }
        84..89 => Fault::Rename(position, format!("renamed{seed}/model-{serial}")),
        89..95 => {
            let text = &fixture_models(1, seed ^ (serial << 20) ^ 0x5eed)[0];
            let mut value: serde_json::Value = serde_json::from_str(text).expect("fixture JSON");
            let id = format!("inserted{seed}/model-{serial}");
            value["_id"] = serde_json::Value::String(format!("ins{seed:08x}{serial:013x}"));
            value["id"] = serde_json::Value::String(id.clone());
            value["modelId"] = serde_json::Value::String(id);
            Fault::Insert(position, value.to_string())
        }
        _ => Fault::Delete(position),
    }
}

fn object_id(text: &str) -> (String, String) {
    let value: serde_json::Value = serde_json::from_str(text).expect("stand-in JSON");
    let id = value["id"].as_str().unwrap_or_default().to_owned();
    let object = value["_id"]
        .as_str()
        .map_or_else(|| id.clone(), str::to_owned);
    (object, id)
}

/// Runs the campaign; errors are the harness's own (a run that cannot be started, say).
pub fn run(config: &CampaignConfig, progress: &mut dyn FnMut(&str)) -> Result<Summary, String> {
    let started = Instant::now();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    // A one-second window: a 429 without Retry-After costs at most a second.
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(config.models, config.seed),
            quota: Some((1_000_000, Duration::from_secs(1))),
            ..StandInConfig::default()
        }))
        .map_err(|e| e.to_string())?;
    let mut random = Random(config.seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let data = config.work.join("data");
    let logs = config.work.join("logs");
    std::fs::create_dir_all(&logs).map_err(|e| e.to_string())?;
    let mut summary = Summary::default();
    let mut serial = 0u64;
    // Scheduled faults by absolute request number; those reached count as injected.
    let mut scheduled: BTreeMap<u64, Fault> = BTreeMap::new();
    while summary.faults() < config.faults {
        summary.rounds += 1;
        let round = summary.rounds;
        // Faults on about half of the requests of this round: enough for a page's worth of
        // models per round at most, and never more than the target still missing.
        let n_models = stand_in.models().len();
        let pages = (n_models as u64).div_ceil(u64::from(config.page_size))
            + config.head.div_ceil(u64::from(config.page_size));
        let mut faults = Vec::new();
        let mut relative = 0u64;
        let wanted = (config.faults - summary.faults()).min(pages);
        while (faults.len() as u64) < wanted {
            relative += 1;
            if random.below(2) == 0 {
                serial += 1;
                faults.push((relative, draw(&mut random, n_models, serial, config.seed)));
            }
        }
        let base = stand_in.log().len() as u64;
        for (n, fault) in &faults {
            scheduled.insert(base + n, fault.clone());
        }
        stand_in.add_faults(faults);
        // Movements before the round belong to no crawl of it.
        let _ = stand_in.take_rose_past_cursor();
        let start: BTreeMap<String, String> =
            stand_in.models().iter().map(|t| object_id(t)).collect();
        let as_of = Timestamp::from_secs(1_790_000_000 + i64::from(round) * 86_400);
        let mut run_starts = Vec::new();
        let mut kills = 0;
        for attempt in 0.. {
            if attempt > 200 {
                return Err(format!("round {round}: no successful run in 200 attempts"));
            }
            run_starts.push(stand_in.log().len());
            let log = logs.join(format!("round-{round}-run-{attempt}.stderr"));
            let mut child = Command::new(&config.binary)
                .env_clear()
                .env("HUBCENSUS_HOME", &data)
                .env("NO_COLOR", "1")
                .args(sync_args(&stand_in.endpoint(), config, as_of))
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).map_err(|e| e.to_string())?)
                .spawn()
                .map_err(|e| format!("{}: {e}", config.binary.display()))?;
            if kills < config.kills_per_round {
                // A random instant in the first 2.5 s of the run.
                std::thread::sleep(Duration::from_millis(20 + random.below(2_500)));
                if child.try_wait().map_err(|e| e.to_string())?.is_none() {
                    child.kill().map_err(|e| e.to_string())?;
                    child.wait().map_err(|e| e.to_string())?;
                    kills += 1;
                    continue;
                }
            }
            let status = child.wait().map_err(|e| e.to_string())?;
            if status.success() {
                break;
            }
            summary.failed_runs += 1;
            progress(&format!(
                "round {round}: run {attempt} failed ({status}), resuming: {}",
                std::fs::read_to_string(&log)
                    .unwrap_or_default()
                    .lines()
                    .last()
                    .unwrap_or_default()
            ));
        }
        summary.kills += kills;
        let end: BTreeMap<String, String> =
            stand_in.models().iter().map(|t| object_id(t)).collect();
        let rose = stand_in.take_rose_past_cursor();
        compare(&data, as_of, &start, &end, &rose, &mut summary)?;
        // Rate-limit waits, within each run (a killed run's successor cannot know its wait).
        let log = stand_in.log();
        run_starts.push(log.len());
        for run in run_starts.windows(2) {
            let entries = &log[run[0]..run[1]];
            for (i, entry) in entries.iter().enumerate() {
                let Some(until) = entry.wait_until else {
                    continue;
                };
                summary.rate_limited += 1;
                summary.requests_during_wait += entries[i + 1..]
                    .iter()
                    .take_while(|later| later.at < until)
                    .count() as u64;
            }
        }
        // Faults scheduled past this round's last request were never injected: dropped.
        for fault in scheduled.range(..=log.len() as u64).map(|(_, fault)| fault) {
            *summary.faults_by_kind.entry(kind(fault)).or_default() += 1;
        }
        scheduled.clear();
        stand_in.clear_faults();
        summary.requests = log.len() as u64;
        progress(&format!(
            "round {round}: {} faults so far, {kills} kills, lost {}, duplicated {}",
            summary.faults(),
            summary.lost,
            summary.duplicated
        ));
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn sync_args(endpoint: &str, config: &CampaignConfig, as_of: Timestamp) -> Vec<String> {
    vec![
        "sync".to_owned(),
        "--endpoint".to_owned(),
        endpoint.to_owned(),
        "--page-size".to_owned(),
        config.page_size.to_string(),
        "--head".to_owned(),
        config.head.to_string(),
        "--timeout".to_owned(),
        "2".to_owned(),
        "--backoff-base-ms".to_owned(),
        "10".to_owned(),
        "--reset-margin-ms".to_owned(),
        "50".to_owned(),
        "--as-of".to_owned(),
        as_of.to_string(),
    ]
}

fn compare(
    data: &Path,
    as_of: Timestamp,
    start: &BTreeMap<String, String>,
    end: &BTreeMap<String, String>,
    rose: &BTreeSet<String>,
    summary: &mut Summary,
) -> Result<(), String> {
    let store = Store::open(data).map_err(|e| e.to_string())?;
    let records: Vec<ModelRecord> = store
        .records(as_of)
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let mut by_object: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_id: BTreeMap<String, u64> = BTreeMap::new();
    let mut stored_id: BTreeMap<String, String> = BTreeMap::new();
    for record in &records {
        let id = record.id.to_string();
        let object = record.object_id.clone().unwrap_or_else(|| id.clone());
        *by_object.entry(object.clone()).or_default() += 1;
        *by_id.entry(id.clone()).or_default() += 1;
        stored_id.insert(object, id);
    }
    summary.duplicated += by_object
        .values()
        .filter(|&&n| n > 1)
        .map(|n| n - 1)
        .sum::<u64>()
        + by_id
            .values()
            .filter(|&&n| n > 1)
            .map(|n| n - 1)
            .sum::<u64>();
    summary.phantoms += by_object
        .keys()
        .filter(|object| !start.contains_key(*object) && !end.contains_key(*object))
        .count() as u64;
    for (object, id) in end {
        if !start.contains_key(object) {
            summary.inserted += 1;
            summary.inserted_captured += u64::from(by_object.contains_key(object));
            continue;
        }
        summary.survivors += 1;
        let risen = rose.contains(object);
        summary.rose_past_cursor += u64::from(risen);
        match stored_id.get(object) {
            None if risen => summary.missed_rose_past_cursor += 1,
            None => summary.lost += 1,
            Some(stored) if stored != id => summary.stale_names += 1,
            Some(_) => {}
        }
    }
    for object in start.keys().filter(|object| !end.contains_key(*object)) {
        summary.deleted += 1;
        summary.deleted_captured += u64::from(by_object.contains_key(object));
    }
    Ok(())
}
