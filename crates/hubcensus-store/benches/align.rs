//! Aligning two stored 2,000,000-model snapshots: open the store, load `downloads_all_time` of
//! both aligned on the dense index, and compute the delta vector (warm, best of 5); against the
//! naive way, a `HashMap<key, value>` join. Also prints commit time for 2M rows and peak RSS.
//!
//! Run: `cargo bench -p hubcensus-store --bench align` (optionally `-- <models>`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hubcensus_model::{ModelId, ModelRecord, SourceKind, Timestamp};
use hubcensus_store::{COLUMNS, SnapshotDraft, Store, Writer};

const T1: Timestamp = Timestamp::from_secs(1_787_443_200); // 2026-08-23
const T2: Timestamp = Timestamp::from_secs(1_788_048_000); // a week later
const CHUNK: usize = 100_000;

const TASKS: &[&str] = &[
    "text-generation",
    "text-classification",
    "image-classification",
    "automatic-speech-recognition",
    "feature-extraction",
    "text-to-image",
];
const LIBRARIES: &[&str] = &["transformers", "diffusers", "gguf", "peft", "timm"];

/// A deterministic multiplicative hash, for pseudo-random but reproducible values.
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 31;
    x.wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 3
}

/// Model `i` as of snapshot `week` (0 or 1). In week 1: every 100th model (offset 1) is renamed,
/// every 100th (offset 2) has disappeared; new models are generated separately.
fn model(i: u64, week: u64) -> Option<ModelRecord> {
    if week == 1 && i % 100 == 2 {
        return None;
    }
    let name = if week == 1 && i % 100 == 1 {
        format!("ns{}/model-{i}-v2", i % 50_000)
    } else {
        format!("ns{}/model-{i}", i % 50_000)
    };
    let mut record = ModelRecord::new(ModelId::new(name).expect("a valid id"));
    record.object_id = Some(format!("{:024x}", mix(i)));
    let base = mix(i + 7) % 1_000_000;
    record.downloads_all_time = Some(base + week * (mix(i + 11) % 1_000));
    record.downloads_30d = Some(mix(i + 13) % 10_000);
    record.likes = Some(mix(i + 17) % 500);
    record.created_at = Some(Timestamp::from_secs(
        1_600_000_000 + (mix(i) % 180_000_000) as i64,
    ));
    record.pipeline_tag = Some(TASKS[(i % TASKS.len() as u64) as usize].to_owned());
    record.library_name = Some(LIBRARIES[(i % LIBRARIES.len() as u64) as usize].to_owned());
    record.tags = Some(vec![
        record.library_name.clone().unwrap_or_default(),
        "safetensors".to_owned(),
        format!(
            "license:{}",
            ["mit", "apache-2.0", "llama3"][(i % 3) as usize]
        ),
    ]);
    record.license = Some(["mit", "apache-2.0", "llama3"][(i % 3) as usize].to_owned());
    Some(record)
}

fn new_model(j: u64) -> ModelRecord {
    let mut record = model(10_000_000 + j, 0).expect("week 0 has every model");
    record.id = ModelId::new(format!("fresh{}/new-{j}", j % 1000)).expect("a valid id");
    record
}

fn draft(as_of: Timestamp) -> SnapshotDraft {
    SnapshotDraft {
        as_of,
        crawl_started: None,
        crawl_ended: Some(as_of),
        source: SourceKind::Synthetic,
        source_location: "bench".into(),
        columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        partial: false,
        synthetic: true,
    }
}

#[allow(clippy::print_stdout)]
fn commit(dir: &std::path::Path, as_of: Timestamp, models: u64, week: u64) -> Duration {
    let start = Instant::now();
    let cpu_start = cpu_time();
    let mut writer = Writer::lock(dir).expect("lock");
    let mut builder = writer.begin(draft(as_of)).expect("begin");
    // For profiling a smaller run under the same memory pressure as a full one.
    if let Some(limit) = std::env::var("ALIGN_MEMORY_LIMIT")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        builder.set_memory_limit(limit);
    }
    // Week 1 arrives in reverse order (as a listing sorted by something else would), so the
    // commit has to sort; 1% of it is new models.
    let indices: Box<dyn Iterator<Item = u64>> = if week == 0 {
        Box::new(0..models)
    } else {
        Box::new((0..models).rev())
    };
    let mut chunk = Vec::with_capacity(CHUNK);
    for i in indices {
        if let Some(record) = model(i, week) {
            chunk.push(record);
        }
        if chunk.len() == CHUNK {
            builder.push(&chunk).expect("push");
            chunk.clear();
        }
    }
    if week == 1 {
        chunk.extend((0..models / 100).map(new_model));
    }
    builder.push(&chunk).expect("push");
    let pushed = start.elapsed();
    builder.commit(false).expect("commit");
    let total = start.elapsed();
    println!(
        "  (lock + begin + push: {:.0} ms; commit: {:.0} ms; CPU time of both: {:.0} ms)",
        ms(pushed),
        ms(total.saturating_sub(pushed)),
        ms(cpu_time().saturating_sub(cpu_start))
    );
    total
}

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        let value = f();
        best = best.min(start.elapsed());
        last = Some(value);
    }
    (best, last.expect("at least one run"))
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|value| {
                    value
                        .trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<f64>()
                        .ok()
                })
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time (user + system, all threads) of this process so far, from /proc/self/stat (in
/// clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Fields 14 and 15 of stat (utime, stime) are at 11 and 12 after the command name.
    Duration::from_millis((ticks(11) + ticks(12)) * 10)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

#[allow(clippy::print_stdout)]
fn main() {
    let models: u64 = std::env::args()
        .skip(1)
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(2_000_000);
    let dir = tempfile::tempdir().expect("a temp dir");
    let start = Instant::now();
    let generated = (0..models).filter_map(|i| model(i, 0)).count();
    let generation = start.elapsed();
    println!("align benchmark: two snapshots of {models} models (1% renamed, 1% gone, 1% new)");
    println!(
        "generating the {generated} records alone (no store):   {:>9.0} ms",
        ms(generation)
    );
    let first = commit(dir.path(), T1, models, 0);
    println!(
        "commit week 0 ({models} rows, arrival order):        {:>9.0} ms",
        ms(first)
    );
    let second = commit(dir.path(), T2, models, 1);
    println!(
        "commit week 1 (reverse order, sorted at commit):     {:>9.0} ms",
        ms(second)
    );
    let rss_after_commit = peak_rss_mb();
    {
        let store = Store::open(dir.path()).expect("open");
        let bytes = |as_of| {
            store
                .manifest(as_of)
                .and_then(|m| m.files.get("models"))
                .map_or(0, |f| f.bytes)
        };
        println!(
            "models.parquet sizes: {:.1} MB, {:.1} MB",
            bytes(T1) as f64 / 1e6,
            bytes(T2) as f64 / 1e6
        );
    }
    if std::env::var_os("ALIGN_COMMITS_ONLY").is_some() {
        println!("peak RSS after commits: {rss_after_commit:.0} MB");
        return;
    }

    // The store's way: dense index, two aligned columns, one pass.
    let (sequential, _) = best_of(5, || {
        let store = Store::open(dir.path()).expect("open");
        let before = store
            .load_u64_column(T1, "downloads_all_time")
            .expect("load");
        let after = store
            .load_u64_column(T2, "downloads_all_time")
            .expect("load");
        (before, after)
    });
    println!(
        "open + load 2 aligned columns in turn (best of 5):   {:>9.1} ms",
        ms(sequential)
    );
    // The same, the two columns decoded in parallel, plus the delta vector.
    let cpu_before = cpu_time();
    let (aligned, deltas) = best_of(5, || {
        let store = Store::open(dir.path()).expect("open");
        let mut columns = store
            .load_u64_columns(&[T1, T2], "downloads_all_time")
            .expect("load");
        let after = columns.pop().expect("two columns");
        let before = columns.pop().expect("two columns");
        let deltas: Vec<Option<i64>> = before
            .iter()
            .zip(after.iter())
            .map(|(b, a)| match (b, a) {
                (Some(b), Some(a)) => Some(a as i64 - b as i64),
                _ => None,
            })
            .collect();
        deltas
    });
    let cpu_per_run = cpu_time().saturating_sub(cpu_before) / 5;
    let matched = deltas.iter().filter(|d| d.is_some()).count();
    let sum: i64 = deltas.iter().flatten().sum();
    println!(
        "aligned: open + load 2 columns + delta (best of 5):  {:>9.1} ms   ({matched} matched, delta sum {sum})",
        ms(aligned)
    );
    println!(
        "  CPU time per run (user+sys, all threads; 10 ms ticks): {:>6.0} ms   (load average now: {})",
        ms(cpu_per_run),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );

    let (frames_time, frame_len) = best_of(3, || {
        let store = Store::open(dir.path()).expect("open");
        let frames = store.load_frames(&[T1, T2]).expect("frames");
        frames.frames[0].len()
    });
    println!(
        "full frames of both (10 columns + catalog, best of 3): {:>7.1} ms   ({frame_len} keys)",
        ms(frames_time)
    );

    let (ids_time, ids_len) = best_of(3, || {
        let store = Store::open(dir.path()).expect("open");
        store.ids().expect("ids").len()
    });
    println!(
        "  of which the catalog's ids alone (best of 3):       {:>7.1} ms   ({ids_len} ids)",
        ms(ids_time)
    );
    if let Some(count) = std::env::var("ALIGN_FRAMES")
        .ok()
        .and_then(|n| n.parse::<usize>().ok())
    {
        // `count` frames (the two snapshots alternately), as a 13-week window would load.
        let as_ofs: Vec<Timestamp> = (0..count)
            .map(|i| if i % 2 == 0 { T1 } else { T2 })
            .collect();
        let (time, loaded) = best_of(1, || {
            let store = Store::open(dir.path()).expect("open");
            store.load_frames(&as_ofs).expect("frames").frames.len()
        });
        println!(
            "full frames x {loaded} (ALIGN_FRAMES):                    {:>7.1} ms   (peak RSS {:.0} MB)",
            ms(time),
            peak_rss_mb()
        );
    }
    if std::env::var_os("ALIGN_SKIP_NAIVE").is_some() {
        println!("naive join skipped (ALIGN_SKIP_NAIVE)");
        println!(
            "peak RSS after commits: {rss_after_commit:.0} MB; at the end: {:.0} MB",
            peak_rss_mb()
        );
        return;
    }
    // The naive way: decode both snapshots' records, join on the key through a HashMap.
    let (naive, (naive_matched, naive_sum)) = best_of(1, || {
        let store = Store::open(dir.path()).expect("open");
        let mut by_key: HashMap<String, u64> = HashMap::new();
        for record in store.records(T1).expect("records") {
            let record = record.expect("a record");
            let key = record
                .object_id
                .clone()
                .unwrap_or_else(|| record.id.to_string());
            by_key.insert(key, record.downloads_all_time.unwrap_or(0));
        }
        let mut matched = 0usize;
        let mut sum = 0i64;
        for record in store.records(T2).expect("records") {
            let record = record.expect("a record");
            let key = record
                .object_id
                .clone()
                .unwrap_or_else(|| record.id.to_string());
            if let Some(before) = by_key.get(&key) {
                matched += 1;
                sum += record.downloads_all_time.unwrap_or(0) as i64 - *before as i64;
            }
        }
        (matched, sum)
    });
    assert_eq!(
        (naive_matched, naive_sum),
        (matched, sum),
        "both ways agree"
    );
    println!(
        "naive: records() of both + HashMap<key, value> join:  {:>9.1} ms   ({:.0}x slower)",
        ms(naive),
        naive.as_secs_f64() / aligned.as_secs_f64()
    );
    println!(
        "peak RSS after commits: {rss_after_commit:.0} MB; at the end: {:.0} MB",
        peak_rss_mb()
    );
    println!(
        "target: aligned <= 100 ms -> {}",
        if ms(aligned) <= 100.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}
