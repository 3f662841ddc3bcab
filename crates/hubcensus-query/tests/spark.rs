//! The Spark path (docs/spark.md) against the embedded engine, on a demo world of 20,000 models
//! x 5 weeks: `PySpark` in local mode computes each window's integers, hubcensus finishes them,
//! and every figure the Spark path covers serializes to the same JSON bytes as the embedded
//! `windows` view's. `PySpark` and Java are installed by `bash scripts/test`
//! (spark/requirements.txt; Debian's openjdk-17-jre-headless).

use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::{Dimension, Origin, Period};
use hubcensus_demo::{World, WorldConfig};
use hubcensus_model::SourceKind;
use hubcensus_query::Census;
use hubcensus_query::spark::{SparkOptions, spark_windows_and_shares};
use hubcensus_query::views::shares::shares_of;
use hubcensus_query::views::windows::{WindowsQuery, windows};
use hubcensus_store::{COLUMNS, SnapshotDraft, Writer};
use serde_json::json;

const K: u64 = 200;

fn demo_store(dir: &std::path::Path, models: usize, weeks: usize) {
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
                columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
                partial: false,
                synthetic: true,
            })
            .unwrap();
        for chunk in world.snapshot(week).unwrap() {
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

#[test]
fn spark_windows_and_shares_equal_the_embedded_engine_figure_for_figure() {
    let dir = tempfile::tempdir().unwrap();
    demo_store(dir.path(), 20_000, 5);
    record_account_kinds(dir.path());
    let census = Census::open(dir.path()).unwrap();
    assert!(census.accounts().len() > 100);
    let embedded = windows(
        &census,
        &WindowsQuery {
            k: K,
            filter: Filter::default(),
            cadence: None,
        },
    )
    .unwrap();
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
    let periods = [Period::Week, Period::Month, Period::Quarter, Period::Year];
    // One Spark session for the windows and the shares.
    let (spark, spark_shares) =
        spark_windows_and_shares(&census, K, &dimensions, &periods, &options).unwrap();
    let embedded_shares = shares_of(
        &census,
        &dimensions,
        &[Origin::Uploader],
        &periods,
        &Filter::default(),
    )
    .unwrap();
    assert_eq!(spark_shares.len(), dimensions.len() * periods.len());
    for (embedded, spark) in embedded_shares.iter().zip(&spark_shares) {
        // Real shares: known groups with downloads, and the unattributed row.
        assert!(embedded.results[0].rows.len() > 1);
        assert_eq!(
            serde_json::to_string(spark).unwrap(),
            serde_json::to_string(embedded).unwrap(),
            "shares by {:?} per {:?}",
            embedded.by,
            embedded.period
        );
    }
    assert_eq!(spark.len(), 4);
    assert_eq!(embedded.windows.len(), spark.len());
    for (embedded, spark) in embedded.windows.iter().zip(&spark) {
        let c = &spark.concentration;
        let from_spark = json!({
            "from": spark.from, "to": spark.to,
            "total_downloads": spark.counts.total_downloads, "models": spark.counts.models,
            "matched": spark.counts.matched, "new": spark.counts.new,
            "unmatched": spark.counts.unmatched, "disappeared": spark.counts.disappeared,
            "unmeasured": spark.counts.unmeasured, "negative": spark.counts.negative,
            "clamped_downloads": spark.counts.clamped_downloads,
            "k": c.k, "top_k_share": c.top_k_share, "n50": c.n50, "n80": c.n80, "n90": c.n90,
            "gini": c.gini, "gini_nonzero": c.gini_nonzero, "lorenz": c.lorenz,
            "long_tail_share": spark.long_tail_share,
            "working_set": spark.working_set, "working_set_share": spark.working_set_share,
            "entries": spark.entries, "exits": spark.exits, "churn": spark.churn,
        });
        let from_embedded = json!({
            "from": embedded.from, "to": embedded.to,
            "total_downloads": embedded.total_downloads, "models": embedded.models,
            "matched": embedded.matched, "new": embedded.new,
            "unmatched": embedded.unmatched, "disappeared": embedded.disappeared,
            "unmeasured": embedded.unmeasured, "negative": embedded.negative,
            "clamped_downloads": embedded.clamped_downloads,
            "k": embedded.k, "top_k_share": embedded.top_k_share, "n50": embedded.n50,
            "n80": embedded.n80, "n90": embedded.n90,
            "gini": embedded.gini, "gini_nonzero": embedded.gini_nonzero,
            "lorenz": embedded.lorenz,
            "long_tail_share": embedded.long_tail_share,
            "working_set": embedded.working_set,
            "working_set_share": embedded.working_set_share,
            "entries": embedded.entries, "exits": embedded.exits, "churn": embedded.churn,
        });
        // The figures are real: downloads, a full working set, churn after the first window.
        assert!(embedded.total_downloads > 0 && embedded.working_set.len() == K as usize);
        assert_eq!(
            serde_json::to_string(&from_spark).unwrap(),
            serde_json::to_string(&from_embedded).unwrap(),
            "window ending {}",
            embedded.to
        );
    }
    assert!(spark[1].churn.is_some());
}
