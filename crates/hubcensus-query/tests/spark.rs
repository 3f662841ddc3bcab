//! The Spark path (docs/spark.md) against the embedded engine, on a demo world of 20,000 models
//! x 5 weeks: `PySpark` in local mode, and through a Spark Connect server, computes each
//! window's integers, hubcensus finishes them, and the whole `windows` view and the `shares`
//! views (both origins) serialize to the same JSON bytes as the embedded engine's. `PySpark`,
//! its Spark Connect client's dependencies and Java are installed by `bash scripts/test`
//! (spark/requirements.txt; Debian's openjdk-17-jre-headless).

use std::process::{Child, Command, Stdio};

use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::{Dimension, Origin, Period};
use hubcensus_analytics::window::Cadence;
use hubcensus_demo::{World, WorldConfig};
use hubcensus_model::SourceKind;
use hubcensus_query::Census;
use hubcensus_query::spark::{
    SparkOptions, spark_shares_view, spark_windows_and_shares, spark_windows_view,
};
use hubcensus_query::views::shares::SharesQuery;
use hubcensus_query::views::shares::shares_of;
use hubcensus_query::views::windows::{WindowsQuery, windows};
use hubcensus_store::{COLUMNS, SnapshotDraft, Writer};
use serde_json::json;

const K: u64 = 200;

/// A demo store; its first `thirty_day` weeks without `downloadsAllTime` (the 30-day era).
fn demo_store(dir: &std::path::Path, models: usize, weeks: usize, thirty_day: usize) {
    let world = World::new(WorldConfig {
        models,
        weeks,
        seed: WorldConfig::DEFAULT_SEED,
        start: WorldConfig::default_start(),
    })
    .unwrap();
    let mut writer = Writer::lock(dir).unwrap();
    for week in 0..weeks {
        let mut builder = writer
            .begin(SnapshotDraft {
                as_of: world.as_of(week),
                crawl_started: None,
                crawl_ended: None,
                source: SourceKind::Synthetic,
                source_location: "spark test".into(),
                columns: COLUMNS
                    .iter()
                    .filter(|&&c| week >= thirty_day || c != "downloads_all_time")
                    .map(|c| (*c).to_owned())
                    .collect(),
                partial: false,
                synthetic: true,
            })
            .unwrap();
        for chunk in world.snapshot(week).unwrap() {
            let mut chunk = chunk;
            if week < thirty_day {
                for record in &mut chunk {
                    record.downloads_all_time = None;
                }
            }
            builder.push(&chunk).unwrap();
        }
        builder.commit(false).unwrap();
    }
}

/// Account kinds as `hubcensus enrich` records them, for a third of the namespaces (users and
/// organizations alternately): they decide an unknown namespace's contributor type, so the
/// shares by type test the job's join of them.
fn record_account_kinds(dir: &std::path::Path) {
    let census = Census::open(dir).unwrap();
    let ids = census.ids().unwrap();
    let namespaces: std::collections::BTreeSet<&str> = (0..ids.len())
        .filter_map(|i| {
            ids.get(i)
                .and_then(|id| id.split_once('/'))
                .map(|(ns, _)| ns)
        })
        .collect();
    let mut lines = String::new();
    for (n, namespace) in namespaces.iter().enumerate().filter(|(n, _)| n % 3 == 0) {
        let kind = if n % 2 == 0 { "user" } else { "organization" };
        lines.push_str(&json!({"name": namespace, "kind": kind}).to_string());
        lines.push('\n');
    }
    let latest = census.latest().unwrap();
    let folder = hubcensus_query::attribution::enrich_dir(dir, latest);
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("accounts.jsonl"), lines).unwrap();
}

fn query() -> WindowsQuery {
    WindowsQuery {
        k: K,
        filter: Filter::default(),
        cadence: Some(Cadence::WEEKLY),
    }
}

fn store() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    demo_store(dir.path(), 20_000, 5, 0);
    record_account_kinds(dir.path());
    dir
}

#[test]
fn spark_windows_and_shares_equal_the_embedded_engine_byte_for_byte() {
    let dir = store();
    let census = Census::open(dir.path()).unwrap();
    assert!(census.accounts().len() > 100);
    let embedded = windows(&census, &query()).unwrap();
    let options = SparkOptions {
        master: Some("local[2]".into()),
        ..SparkOptions::default()
    };
    let dimensions = [
        Dimension::Country,
        Dimension::Region,
        Dimension::Type,
        Dimension::Organization,
    ];
    let origins = [Origin::Uploader, Origin::Lineage];
    let periods = [Period::Week, Period::Month, Period::Quarter, Period::Year];
    // One Spark session for the windows and the shares.
    let (spark, spark_shares) =
        spark_windows_and_shares(&census, &query(), &dimensions, &origins, &periods, &options)
            .unwrap();
    let embedded_shares =
        shares_of(&census, &dimensions, &origins, &periods, &Filter::default()).unwrap();
    assert_eq!(spark_shares.len(), dimensions.len() * periods.len());
    for (embedded, spark) in embedded_shares.iter().zip(&spark_shares) {
        // Real shares: known groups with downloads and the unattributed row, in both origins,
        // and the lineage origin moves downloads (else it would test nothing of its own).
        assert_eq!(embedded.results.len(), spark.results.len());
        let half = embedded.results.len() / 2;
        assert!(embedded.results[0].rows.len() > 1);
        assert_ne!(
            serde_json::to_string(&embedded.results[0].rows).unwrap(),
            serde_json::to_string(&embedded.results[half].rows).unwrap()
        );
        assert_eq!(
            serde_json::to_string(spark).unwrap(),
            serde_json::to_string(embedded).unwrap(),
            "shares by {:?} per {:?}",
            embedded.by,
            embedded.period
        );
    }
    // The figures are real: downloads, full working sets (the family one too), churn after the
    // first window, every HHI.
    assert_eq!(embedded.windows.len(), 4);
    for window in &embedded.windows {
        assert!(window.total_downloads > 0 && window.working_set.len() == K as usize);
        assert_eq!(window.family_working_set.len(), K as usize);
        assert_ne!(window.family_working_set, window.working_set);
        assert!(window.hhi_author.is_some() && window.hhi_org.is_some());
        assert!(window.hhi_country.is_some());
    }
    assert!(embedded.windows[1].churn.is_some());
    // The whole view, every field of every window, byte for byte.
    assert_eq!(
        serde_json::to_string_pretty(&spark).unwrap(),
        serde_json::to_string_pretty(&embedded).unwrap()
    );
}

/// A Spark Connect server (`PySpark`'s own, `local[2]` behind it) on a free port, stopped when
/// dropped.
struct ConnectServer {
    child: Child,
    port: u16,
}

impl ConnectServer {
    /// `log` takes the server's output (Spark logs at INFO: a pipe nobody reads would fill and
    /// stop the server).
    fn start(log: &std::path::Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let home = Command::new("python3")
            .args([
                "-c",
                "import os, pyspark; print(os.path.dirname(pyspark.__file__))",
            ])
            .output()
            .unwrap();
        assert!(home.status.success(), "PySpark is not installed");
        let home = String::from_utf8(home.stdout).unwrap().trim().to_owned();
        let child = Command::new(format!("{home}/bin/spark-submit"))
            .env("SPARK_HOME", &home)
            .args([
                "--class",
                "org.apache.spark.sql.connect.service.SparkConnectServer",
                "--master",
                "local[2]",
                "--conf",
                &format!("spark.connect.grpc.binding.port={port}"),
                "--conf",
                "spark.connect.grpc.binding.address=127.0.0.1",
                "--conf",
                "spark.driver.bindAddress=127.0.0.1",
                "--conf",
                "spark.driver.host=127.0.0.1",
                "--conf",
                "spark.ui.enabled=false",
                "--conf",
                "spark.sql.shuffle.partitions=8",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut server = Self { child, port };
        // Up when the port answers (the JVM's start takes a while on a loaded machine).
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                let stderr = std::fs::read_to_string(log).unwrap_or_default();
                panic!("the Spark Connect server exited ({status}): {stderr}");
            }
            assert!(
                started.elapsed() < std::time::Duration::from_mins(5),
                "the Spark Connect server did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        server
    }
}

impl Drop for ConnectServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn spark_connect_filtered_windows_and_shares_equal_the_embedded_engine_byte_for_byte() {
    let dir = store();
    let census = Census::open(dir.path()).unwrap();
    let log = tempfile::NamedTempFile::new().unwrap();
    let server = ConnectServer::start(log.path());
    let options = SparkOptions {
        remote: Some(format!("sc://127.0.0.1:{}", server.port)),
        ..SparkOptions::default()
    };
    // A population filter: the job judges each model at the window's end (at its start when it
    // disappeared), as the embedded engine does.
    let filtered = WindowsQuery {
        filter: Filter {
            task: Some("text-generation".into()),
            new_models: true,
            ..Filter::default()
        },
        ..query()
    };
    let origins = [Origin::Uploader, Origin::Lineage];
    let (spark, spark_shares) = spark_windows_and_shares(
        &census,
        &filtered,
        &[Dimension::Country],
        &origins,
        &[Period::Week],
        &options,
    )
    .unwrap();
    drop(server);
    let embedded = windows(&census, &filtered).unwrap();
    assert_eq!(embedded.windows.len(), 4);
    let all = windows(&census, &query()).unwrap();
    for (window, unfiltered) in embedded.windows.iter().zip(&all.windows) {
        assert!(window.models > 0 && window.models < unfiltered.models);
    }
    assert_eq!(
        serde_json::to_string_pretty(&spark).unwrap(),
        serde_json::to_string_pretty(&embedded).unwrap()
    );
    let embedded_shares = shares_of(
        &census,
        &[Dimension::Country],
        &origins,
        &[Period::Week],
        &filtered.filter,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&spark_shares).unwrap(),
        serde_json::to_string(&embedded_shares).unwrap()
    );
}

#[test]
fn spark_refuses_the_thirty_day_era_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    demo_store(dir.path(), 300, 3, 1);
    let census = Census::open(dir.path()).unwrap();
    // No Python at all: the refusal must come before the job would start.
    let options = SparkOptions {
        python: Some("/nonexistent/python3".into()),
        ..SparkOptions::default()
    };
    let error = spark_windows_view(&census, &query(), &options).unwrap_err();
    assert!(error.is_client_error(), "{error}");
    assert!(error.to_string().contains("no downloadsAllTime"), "{error}");
    let error = spark_shares_view(
        &census,
        &SharesQuery {
            dimension: Dimension::Country,
            origins: vec![Origin::Lineage],
            period: Period::Week,
            filter: Filter::default(),
        },
        &options,
    )
    .unwrap_err();
    assert!(error.is_client_error(), "{error}");
    // The embedded engine computes that store's windows (the 30-day one first).
    assert!(!windows(&census, &query()).unwrap().windows.is_empty());
}
