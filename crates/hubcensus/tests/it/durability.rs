//! Durability (issue 17): a second writer of any kind is refused, naming the holder; a reader
//! during a commit sees the store before or after it; a full disk (a small tmpfs) and a file
//! size limit fail cleanly, exit 2, with nothing half-committed. The kills: `kills.rs`.

use std::path::Path;
use std::process::Command;

use hubcensus_ingest::hub::standin::{StandIn, StandInConfig, fixture_models};
use hubcensus_model::Timestamp;
use hubcensus_store::Store;

use crate::support::{fails_with, hubcensus};

/// A Hub API JSON file of `n` stand-in models.
fn models_file(dir: &Path, name: &str, n: usize, seed: u64) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("[{}]", fixture_models(n, seed).join(","))).unwrap();
    path
}

fn import(data: &Path, file: &Path, as_of: &str) {
    hubcensus(data)
        .args(["import", "--complete", "--as-of", as_of])
        .arg(file)
        .assert()
        .success();
}

/// `hubcensus snapshots --verify`'s content digest (which also verifies every file).
fn digest(data: &Path) -> String {
    let output = hubcensus(data)
        .args(["snapshots", "--verify", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    listing["content_sha256"].as_str().unwrap().to_owned()
}

/// No commit in progress left behind: no pending file, no `.json.next`, no staging.
fn nothing_half_committed(data: &Path) {
    for dir in ["pending", "staging"] {
        let left: Vec<_> = std::fs::read_dir(data.join(dir))
            .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        assert!(left.is_empty(), "{dir}/ holds {left:?}");
    }
    for entry in std::fs::read_dir(data.join("manifests")).unwrap() {
        let path = entry.unwrap().path();
        assert!(
            path.extension().is_none_or(|extension| extension != "next"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_second_writer_of_any_kind_is_refused_naming_the_holder() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let file = models_file(work.path(), "models.json", 200, 1);
    import(&data, &file, "2026-11-01");
    let before = digest(&data);
    // This process holds the writer lock: every writer in another process is refused.
    let writer = hubcensus_store::Writer::lock(&data).unwrap();
    let holder = format!("locked by another writer (pid {})", std::process::id());
    fails_with(
        hubcensus(&data)
            .args(["import", "--complete", "--as-of", "2026-11-02"])
            .arg(&file),
        &[&holder],
    );
    // The demo refuses a store of real snapshots anyway: it gets a store of its own, locked.
    let demo = work.path().join("demo");
    let demo_writer = hubcensus_store::Writer::lock(&demo).unwrap();
    fails_with(
        hubcensus(&demo).args(["demo", "--models", "100", "--weeks", "2"]),
        &[&holder],
    );
    drop(demo_writer);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(50, 2),
            ..StandInConfig::default()
        }))
        .unwrap();
    fails_with(
        hubcensus(&data).args([
            "sync",
            "--endpoint",
            &stand_in.endpoint(),
            "--as-of",
            "2026-11-03",
        ]),
        &[&holder],
    );
    fails_with(
        hubcensus(&data).args(["enrich", "--endpoint", &stand_in.endpoint(), "--top", "5"]),
        &[&holder, "run again when it has finished"],
    );
    // Not one request of the refused enrich reached the Hub (sync crawls before it commits).
    let enrich_requests = stand_in
        .log()
        .iter()
        .filter(|entry| !entry.path_and_query.starts_with("/api/models?"))
        .count();
    assert_eq!(enrich_requests, 0, "{:?}", stand_in.log());
    drop(writer);
    assert_eq!(digest(&data), before);
    nothing_half_committed(&data);
}

/// What a reader sees of the store: each snapshot with its model count and download sum.
fn observe(data: &Path) -> Result<Vec<(Timestamp, u64, u64)>, String> {
    let store = Store::open(data).map_err(|e| e.to_string())?;
    let mut seen = Vec::new();
    for info in store.snapshots() {
        let mut count = 0;
        let mut sum = 0;
        for record in store.records(info.as_of).map_err(|e| e.to_string())? {
            let record = record.map_err(|e| e.to_string())?;
            count += 1;
            sum += record.downloads_30d.unwrap_or(0);
        }
        if count != info.models {
            return Err(format!(
                "{}: {count} records, the manifest says {}",
                info.as_of, info.models
            ));
        }
        seen.push((info.as_of, count, sum));
    }
    Ok(seen)
}

#[test]
fn a_reader_during_commits_sees_the_store_before_or_after_each() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let first = models_file(work.path(), "a.json", 2_000, 1);
    let second = models_file(work.path(), "b.json", 40_000, 2);
    let third = models_file(work.path(), "c.json", 30_000, 3);
    import(&data, &first, "2026-11-01");
    let mut states = vec![observe(&data).unwrap()];
    // Another process commits a new snapshot, then replaces the first one.
    let script = format!(
        "set -e; '{bin}' import --complete --as-of 2026-11-08 '{b}'; \
         '{bin}' import --complete --replace --as-of 2026-11-01 '{c}'",
        bin = env!("CARGO_BIN_EXE_hubcensus"),
        b = second.display(),
        c = third.display(),
    );
    let mut child = Command::new("bash")
        .args(["-c", &script])
        .env_clear()
        .env("HUBCENSUS_HOME", &data)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut observed = Vec::new();
    while child.try_wait().unwrap().is_none() {
        observed.push(observe(&data));
    }
    assert!(child.wait().unwrap().success());
    let after = observe(&data).unwrap();
    assert_eq!(after.len(), 2);
    // The middle state: the new snapshot added, the first not yet replaced.
    let mut middle = after.clone();
    middle[0] = states[0][0];
    states.push(middle);
    states.push(after);
    assert!(
        observed.len() >= 3,
        "only {} reads during the commits",
        observed.len()
    );
    for (n, seen) in observed.iter().enumerate() {
        let seen = seen
            .as_ref()
            .unwrap_or_else(|error| panic!("read {n} failed during a commit: {error}"));
        assert!(
            states.contains(seen),
            "read {n} saw {seen:?}, none of the states {states:?}"
        );
    }
}

/// Whether this process may mount a tmpfs in a mount namespace of its own (root, or
/// unprivileged user namespaces).
fn can_mount_tmpfs() -> bool {
    Command::new("unshare")
        .args(["--mount", "--map-root-user", "sh", "-c"])
        .arg("d=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs \"$d\"")
        .output()
        .is_ok_and(|output| output.status.success())
}

#[test]
fn a_full_disk_fails_import_and_sync_cleanly_with_nothing_half_committed() {
    if !can_mount_tmpfs() {
        // The file-size-limit test below covers the same code paths with EFBIG.
        eprintln!("skipped: cannot mount a tmpfs in a mount namespace here");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let small = models_file(work.path(), "small.json", 300, 1);
    let large = models_file(work.path(), "large.json", 30_000, 2);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let stand_in = runtime
        .block_on(StandIn::start(StandInConfig {
            models: fixture_models(30_000, 3),
            ..StandInConfig::default()
        }))
        .unwrap();
    let out = work.path().join("out");
    std::fs::create_dir(&out).unwrap();
    // All in one mount namespace: the tmpfs exists only there and goes with it.
    let script = r#"
        set -u
        disk="$WORK/disk"; data="$disk/data"; out="$WORK/out"
        mkdir -p "$disk" && mount -t tmpfs -o size=8m tmpfs "$disk" || exit 90
        export HUBCENSUS_HOME="$data" NO_COLOR=1
        "$BIN" import --complete --as-of 2026-11-01 "$SMALL" >/dev/null || exit 91
        "$BIN" snapshots --verify --format json > "$out/before.json" || exit 92
        # Fill the disk, then leave 64 KiB free.
        dd if=/dev/zero of="$disk/filler" bs=64k 2>/dev/null
        truncate -s -64K "$disk/filler"
        "$BIN" import --complete --as-of 2026-11-08 "$LARGE" > /dev/null 2> "$out/import.stderr"
        echo $? > "$out/import.code"
        "$BIN" sync --endpoint "$ENDPOINT" --page-size 1000 --as-of 2026-11-15 \
            > /dev/null 2> "$out/sync.stderr"
        echo $? > "$out/sync.code"
        "$BIN" snapshots --verify --format json > "$out/after.json" || exit 93
        ls -A "$data/pending" "$data/staging" > "$out/leftovers" 2>&1
        ls -A "$data/manifests" > "$out/manifests"
        # With room again, the same import succeeds (the next writer cleans up).
        rm "$disk/filler"
        "$BIN" import --complete --as-of 2026-11-08 "$LARGE" > /dev/null 2> "$out/retry.stderr" \
            || exit 94
        exit 0
    "#;
    let status = Command::new("unshare")
        .args(["--mount", "--map-root-user", "bash", "-c", script])
        .env("WORK", work.path())
        .env("BIN", env!("CARGO_BIN_EXE_hubcensus"))
        .env("SMALL", &small)
        .env("LARGE", &large)
        .env("ENDPOINT", stand_in.endpoint())
        .status()
        .unwrap();
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    assert!(status.success(), "{status}: {}", read("retry.stderr"));
    for step in ["import", "sync"] {
        let stderr = read(&format!("{step}.stderr"));
        assert_eq!(
            read(&format!("{step}.code")).trim(),
            "2",
            "{step}: {stderr}"
        );
        assert!(
            stderr.contains("No space left on device"),
            "{step}: {stderr}"
        );
        // The message names the file (under the data directory) and says what to do.
        assert!(stderr.contains("/disk/data/"), "{step}: {stderr}");
        assert!(
            stderr.contains("hint: the disk is full"),
            "{step}: {stderr}"
        );
    }
    let before: serde_json::Value = serde_json::from_str(&read("before.json")).unwrap();
    let after: serde_json::Value = serde_json::from_str(&read("after.json")).unwrap();
    assert_eq!(after["content_sha256"], before["content_sha256"]);
    assert_eq!(after["snapshots"], before["snapshots"]);
    assert!(
        !read("manifests").contains(".next"),
        "{}",
        read("manifests")
    );
    assert_eq!(
        read("leftovers")
            .lines()
            .filter(|l| !l.is_empty() && !l.ends_with(':'))
            .count(),
        0,
        "{}",
        read("leftovers")
    );
}

#[test]
fn a_file_size_limit_fails_import_cleanly_with_nothing_half_committed() {
    // RLIMIT_FSIZE (`ulimit -f`) with SIGXFSZ ignored: a write past the limit fails with EFBIG,
    // as a full disk fails with ENOSPC, without needing a mount.
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let small = models_file(work.path(), "small.json", 300, 1);
    let large = models_file(work.path(), "large.json", 30_000, 2);
    import(&data, &small, "2026-11-01");
    let before = digest(&data);
    let output = Command::new("bash")
        .args([
            "-c",
            "trap '' XFSZ; ulimit -f 16; exec \"$BIN\" import --complete --as-of 2026-11-08 \"$LARGE\"",
        ])
        .env("BIN", env!("CARGO_BIN_EXE_hubcensus"))
        .env("LARGE", &large)
        .env("HUBCENSUS_HOME", &data)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(stderr.contains(&data.display().to_string()), "{stderr}");
    assert!(stderr.contains("hint: the disk is full"), "{stderr}");
    nothing_half_committed(&data);
    assert_eq!(digest(&data), before);
    import(&data, &large, "2026-11-08");
}
