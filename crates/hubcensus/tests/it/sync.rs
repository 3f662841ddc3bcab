//! `hubcensus sync` and `hubcensus enrich` against the Hub stand-in on loopback.

use std::path::Path;
use std::time::Duration;

use hubcensus_ingest::api_json::parse_model_object;
use hubcensus_ingest::hub::standin::{Fault, StandIn, StandInConfig, fixture_models};
use hubcensus_model::{ModelRecord, Timestamp};
use hubcensus_store::Store;

use crate::support::{fails_with, hubcensus};

const SECRET: &str = "hf_itSECRETtoken987";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn sync_args(stand_in: &StandIn) -> Vec<String> {
    [
        "sync",
        "--endpoint",
        &stand_in.endpoint(),
        "--token",
        SECRET,
        "--page-size",
        "100",
        "--head",
        "300",
        "--timeout",
        "2",
        "--backoff-base-ms",
        "10",
        "--reset-margin-ms",
        "50",
        "--as-of",
        "2026-11-01T00:00:00Z",
    ]
    .map(String::from)
    .to_vec()
}

fn stored(data_dir: &Path) -> Vec<ModelRecord> {
    let store = Store::open(data_dir).unwrap();
    let as_of = Timestamp::parse("2026-11-01T00:00:00Z").unwrap();
    let mut records: Vec<ModelRecord> = store.records(as_of).unwrap().map(Result::unwrap).collect();
    records.sort_by_key(ModelRecord::key);
    records
}

fn expected(stand_in: &StandIn) -> Vec<ModelRecord> {
    let mut records: Vec<ModelRecord> = stand_in
        .models()
        .iter()
        .map(|text| parse_model_object(text).unwrap())
        .collect();
    records.sort_by_key(ModelRecord::key);
    records
}

#[test]
fn sync_commits_the_stand_ins_models_under_faults() {
    let runtime = runtime();
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(1_500, 11),
            faults: vec![
                (2, Fault::Status(500)),
                (
                    4,
                    Fault::TooManyRequests {
                        retry_after: Some(1),
                    },
                ),
                (6, Fault::TruncatedJson),
                (8, Fault::ConnectionCut),
                (9, Fault::Swap(3, 120)),
                (11, Fault::Rename(40, "acme/renamed".to_owned())),
            ],
            ..StandInConfig::default()
        }))
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = hubcensus(data.path())
        .args(sync_args(&stand_in))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("snapshot 2026-11-01T00:00:00Z committed: 1500 models\n"),
        "{stdout}"
    );
    // 1,500 models past a head of 300: the listing's known gap is stated, with what to do.
    assert!(
        stdout.contains("note: beyond the head (--head)")
            && stdout.contains("run `hubcensus sync` again"),
        "{stdout}"
    );
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));
    let records = stored(data.path());
    assert_eq!(records, expected(&stand_in));
    let store = Store::open(data.path()).unwrap();
    let info = store.latest().unwrap();
    assert!(!info.partial);
    assert!(info.crawl_started.is_some() && info.crawl_ended.is_some());
    // The staging is gone after the commit.
    assert!(
        std::fs::read_dir(data.path().join("crawl"))
            .unwrap()
            .next()
            .is_none()
    );
}

#[test]
fn sync_killed_at_random_points_resumes_to_an_identical_snapshot() {
    let runtime = runtime();
    let config = StandInConfig {
        models: fixture_models(2_000, 12),
        latency: Duration::from_millis(40),
        ..StandInConfig::default()
    };
    let stand_in = runtime.block_on(StandIn::start(config)).unwrap();
    let reference = tempfile::tempdir().unwrap();
    hubcensus(reference.path())
        .args(sync_args(&stand_in))
        .assert()
        .success();
    let data = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let mut kills = 0;
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for attempt in 0..50 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // The attempt's errors go to a file, shown if it fails.
        let log = logs.path().join(format!("attempt-{attempt}.stderr"));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hubcensus"))
            .env_clear()
            .env("HUBCENSUS_HOME", data.path())
            .args(sync_args(&stand_in))
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        // Kill after a random 50..450 ms (a page takes about 50 ms), at most 4 times.
        std::thread::sleep(Duration::from_millis(50 + x % 400));
        if kills < 4 && child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            child.wait().unwrap();
            kills += 1;
            continue;
        }
        let status = child.wait().unwrap();
        assert!(
            status.success(),
            "attempt {attempt} after {kills} kills: {status}\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        break;
    }
    assert!(kills >= 2, "the crawl was killed {kills} times");
    assert_eq!(stored(data.path()), stored(reference.path()));
    assert_eq!(stored(data.path()), expected(&stand_in));
}

#[test]
fn a_refused_token_is_an_error_with_a_hint_and_never_printed() {
    let runtime = runtime();
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(10, 13),
            faults: vec![(1, Fault::Status(401))],
            ..StandInConfig::default()
        }))
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = fails_with(
        hubcensus(data.path())
            .args(sync_args(&stand_in))
            .arg("-vvv"),
        &["HTTP 401", "standin-1", "check the token"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains(SECRET), "{stderr}");
}

#[test]
fn limit_is_partial_and_enrich_writes_models_and_accounts() {
    let runtime = runtime();
    let models = fixture_models(400, 14);
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            organizations: models
                .iter()
                .take(3)
                .map(|m| parse_model_object(m).unwrap().author().unwrap().to_owned())
                .collect(),
            models,
            ..StandInConfig::default()
        }))
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = hubcensus(data.path())
        .args(sync_args(&stand_in))
        .args(["--limit", "250", "--progress", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("250 models (partial: top-N)"), "{stdout}");
    // 250 models within a head of 300: nothing was listed beyond the head, no gap to state.
    assert!(!stdout.contains("note: beyond the head"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let pages: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["event"] == "page")
        .collect();
    assert_eq!(pages.len(), 3, "{stderr}");
    assert!(Store::open(data.path()).unwrap().latest().unwrap().partial);
    let output = hubcensus(data.path())
        .args([
            "enrich",
            "--endpoint",
            &stand_in.endpoint(),
            "--top",
            "3",
            "--no-base-models",
            "--backoff-base-ms",
            "10",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let dir = data.path().join("enrich/as_of=2026-11-01T00:00:00Z");
    let models = std::fs::read_to_string(dir.join("models.jsonl")).unwrap();
    assert_eq!(models.lines().count(), 3);
    let accounts = std::fs::read_to_string(dir.join("accounts.jsonl")).unwrap();
    assert!(
        accounts
            .lines()
            .all(|l| l.contains("\"kind\":\"organization\""))
    );
}

/// The files staged under `data_dir`'s crawl directory, with their sizes.
fn staged_files(data_dir: &Path) -> Vec<(std::path::PathBuf, u64)> {
    fn walk(dir: &Path, out: &mut Vec<(std::path::PathBuf, u64)>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push((path.clone(), entry.metadata().unwrap().len()));
            }
        }
    }
    let mut files = Vec::new();
    walk(&data_dir.join("crawl"), &mut files);
    files.sort();
    files
}

/// Failures no wait cures (here a refused connection before any answer, and TLS against a
/// plain-HTTP server) end `sync` at once with exit 2 and a hint, with the default backoff that
/// would otherwise retry for minutes; the pages staged before are kept. All on loopback.
#[test]
fn an_unreachable_hub_ends_sync_at_once_keeping_the_staged_pages() {
    let runtime = runtime();
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(250, 21),
            // Pages 1 and 2 are staged, then every answer is a 503 until the retries run out.
            faults: (3..20).map(|n| (n, Fault::Status(503))).collect(),
            ..StandInConfig::default()
        }))
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let args = sync_args(&stand_in);
    fails_with(
        hubcensus(data.path()).args(&args),
        &["gave up", "run the same command again to resume"],
    );
    let staged = staged_files(data.path());
    assert!(staged.len() >= 3, "{staged:?}");
    // TLS where the Hub speaks plain HTTP: no retry would help.
    let tls: Vec<String> = args
        .iter()
        .map(|arg| arg.replace("http://", "https://"))
        .filter(|arg| arg != "--backoff-base-ms" && arg != "10")
        .collect();
    let started = std::time::Instant::now();
    fails_with(
        hubcensus(data.path()).args(&tls),
        &[
            "TLS failed",
            "not retried",
            "hint: check the network connection",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    // The Hub goes away: the same command (same staging) is refused on its first contact.
    let endpoint = stand_in.endpoint();
    drop(stand_in);
    let address = endpoint.trim_start_matches("http://").to_owned();
    while std::net::TcpStream::connect(&address).is_ok() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let default_backoff: Vec<&String> = args
        .iter()
        .filter(|arg| *arg != "--backoff-base-ms" && *arg != "10")
        .collect();
    let started = std::time::Instant::now();
    fails_with(
        hubcensus(data.path()).args(default_backoff),
        &[
            "the connection was refused",
            "not retried",
            "hint: check the network connection and the Hub's address (--endpoint, HF_ENDPOINT); what was fetched so far stays staged",
        ],
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The pages staged before are all there, unchanged (the TLS attempt, another endpoint,
    // staged its own crawl's state beside them).
    let now = staged_files(data.path());
    assert!(staged.iter().all(|file| now.contains(file)), "{now:?}");
}

/// `enrich` with nothing listening at the Hub's address ends at once with exit 2 and a hint.
#[test]
fn an_unreachable_hub_ends_enrich_at_once() {
    let data = tempfile::tempdir().unwrap();
    let mut record = ModelRecord::new(hubcensus_model::ModelId::new("a/x").unwrap());
    record.downloads_30d = Some(10);
    crate::support::commit(
        data.path(),
        hubcensus_store::SnapshotDraft {
            columns: vec!["id".into(), "downloads_30d".into()],
            ..crate::support::draft(Timestamp::parse("2026-11-01").unwrap())
        },
        &[record],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = std::time::Instant::now();
    fails_with(
        hubcensus(data.path()).args([
            "enrich",
            "--endpoint",
            &format!("http://127.0.0.1:{port}"),
            "--top",
            "1",
        ]),
        &[
            "the connection was refused",
            "not retried",
            "hint: check the network connection",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Issue #17: a token planted in `HF_TOKEN` reaches the Hub's `Authorization` header and nothing
/// else: not stdout or stderr at the most verbose log level, and no file that `sync`, `enrich`,
/// `import` or the reports write (staging, store, enrich results, logs, reports).
#[test]
fn a_planted_token_reaches_only_the_authorization_header() {
    const PLANTED: &str = "hf_PLANTEDtoken0123456789abcdef";
    let runtime = runtime();
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(400, 21),
            faults: vec![(2, Fault::Status(500))],
            ..StandInConfig::default()
        }))
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    let mut run = |args: &[&str]| {
        let output = hubcensus(data.path())
            .env("HF_TOKEN", PLANTED)
            .env("HUBCENSUS_LOG", "trace")
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        outputs.push(output.stdout);
        outputs.push(output.stderr);
    };
    let endpoint = stand_in.endpoint();
    run(&[
        "sync",
        "--endpoint",
        &endpoint,
        "--page-size",
        "100",
        "--head",
        "100",
        "--backoff-base-ms",
        "10",
        "--as-of",
        "2026-11-01T00:00:00Z",
    ]);
    run(&[
        "enrich",
        "--endpoint",
        &endpoint,
        "--top",
        "5",
        "--backoff-base-ms",
        "10",
    ]);
    let listing = data.path().join("listing.json");
    std::fs::write(&listing, format!("[{}]", stand_in.models()[0])).unwrap();
    run(&["import", "--as-of", "2026-11-02", listing.to_str().unwrap()]);
    run(&[
        "report",
        "-o",
        data.path().join("report.html").to_str().unwrap(),
    ]);
    run(&["windows", "--format", "json"]);
    // The token did go where it belongs.
    assert!(
        stand_in
            .log()
            .iter()
            .any(|request| request.authorization.as_deref() == Some(&format!("Bearer {PLANTED}"))),
        "the stand-in never saw the token"
    );
    for (index, bytes) in outputs.iter().enumerate() {
        assert!(
            !String::from_utf8_lossy(bytes).contains(PLANTED),
            "output {index} holds the token"
        );
    }
    let mut files = 0;
    let mut pending = vec![data.path().to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files += 1;
                let bytes = std::fs::read(&path).unwrap();
                assert!(
                    !bytes
                        .windows(PLANTED.len())
                        .any(|window| window == PLANTED.as_bytes()),
                    "{} holds the token",
                    path.display()
                );
            }
        }
    }
    assert!(files > 5, "only {files} files were written");
}
