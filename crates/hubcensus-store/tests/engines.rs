//! A migrated store reads with each engine's plain call on `<data>/models`: Spark
//! (`spark.read.parquet`), `DuckDB` (`read_parquet(..., hive_partitioning = true)`), Polars
//! (`pl.scan_parquet`) and pandas (`pd.read_parquet`), with the same snapshots, rows and sums as
//! the store's own manifests, the as-of date typed as each engine types it and the exact as-of
//! time from the `as_of` column (two snapshots here share a day). The Python packages are
//! installed by `bash scripts/test` (.ci/requirements.txt, spark/requirements.txt).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use hubcensus_model::{ModelRecord, SourceKind, Timestamp};
use hubcensus_store::{COLUMNS, SnapshotDraft, Store, Writer};

/// The per-snapshot lines every engine prints: `as_of (ms)|as_of_date|rows|sum`, sorted.
const SCRIPT: &str = r#"
import sys
engine, path = sys.argv[1], sys.argv[2] + "/models"
def fail(module):
    sys.exit(f"the Python module {module} is missing: bash scripts/test installs it, then runs the tests")
if engine == "duckdb":
    try:
        import duckdb
    except ImportError:
        fail("duckdb")
    rel = duckdb.sql(f"select * from read_parquet('{path}/*/*.parquet', hive_partitioning = true)")
    types = dict(zip(rel.columns, map(str, rel.types)))
    rows = duckdb.sql(
        "select epoch_ms(as_of), strftime(as_of_date, '%Y-%m-%d'), count(*), sum(downloads_all_time) "
        "from rel group by all").fetchall()
elif engine == "polars":
    try:
        import polars as pl
    except ImportError:
        fail("polars")
    frame = pl.scan_parquet(path)
    types = {k: str(v) for k, v in frame.collect_schema().items()}
    rows = frame.group_by("as_of", "as_of_date").agg(
        pl.len(), pl.col("downloads_all_time").sum()).select(
        pl.col("as_of").dt.epoch("ms"), pl.col("as_of_date").dt.strftime("%Y-%m-%d"),
        "len", "downloads_all_time").collect().rows()
elif engine == "pandas":
    try:
        import pandas as pd
    except ImportError:
        fail("pandas")
    frame = pd.read_parquet(path)
    types = {k: str(v) for k, v in frame.dtypes.items()}
    rows = [(int(as_of.value // 1_000_000), str(date), len(group), group["downloads_all_time"].sum(min_count=1))
            for (as_of, date), group in frame.groupby(["as_of", "as_of_date"], observed=True)]
elif engine == "spark":
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        fail("pyspark")
    spark = (SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false")
             .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
             .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    frame = spark.read.parquet(path)
    types = dict(frame.dtypes)
    frame.createOrReplaceTempView("models")
    rows = [tuple(r) for r in spark.sql(
        "select unix_millis(as_of), date_format(as_of_date, 'yyyy-MM-dd'), count(*), "
        "sum(downloads_all_time) from models group by 1, 2").collect()]
    spark.stop()
for row in sorted(rows):
    total = "null" if row[3] is None or row[3] != row[3] else int(row[3])
    print(f"{int(row[0])}|{row[1]}|{int(row[2])}|{total}")
print("types", types["as_of_date"], "/", types["as_of"])
"#;

fn draft(as_of: Timestamp) -> SnapshotDraft {
    SnapshotDraft {
        as_of,
        crawl_started: None,
        crawl_ended: Some(as_of),
        source: SourceKind::HubApiJson,
        source_location: "test".into(),
        columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        partial: false,
        synthetic: true,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The version-1 fixture store (two snapshots), migrated by a writer that then commits a third
/// snapshot on the second one's day, an hour and a quarter of a second later.
fn migrated_store() -> tempfile::TempDir {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture, dir.path());
    let before = Store::open(dir.path()).unwrap();
    let last = before.latest().unwrap().as_of;
    let mut writer = Writer::lock(dir.path()).unwrap();
    assert!(!dir.path().join("snapshots").exists(), "not migrated");
    let same_day = Timestamp::from_millis(last.as_millis() + 3_600_250);
    assert_eq!(same_day.date_string(), last.date_string());
    let records: Vec<ModelRecord> = before
        .records(last)
        .unwrap()
        .map(|r| {
            let mut r = r.unwrap();
            r.downloads_all_time = r.downloads_all_time.map(|d| d + 7);
            r
        })
        .collect();
    let mut builder = writer.begin(draft(same_day)).unwrap();
    builder.push(&records).unwrap();
    builder.commit(false).unwrap();
    dir
}

fn expected(dir: &Path) -> String {
    let store = Store::open(dir).unwrap();
    assert_eq!(store.snapshots().len(), 3);
    let mut lines = String::new();
    for info in store.snapshots() {
        let manifest = store.manifest(info.as_of).unwrap();
        let total = manifest
            .totals
            .downloads_all_time
            .map_or("null".to_owned(), |t| t.to_string());
        writeln!(
            lines,
            "{}|{}|{}|{total}",
            info.as_of.as_millis(),
            info.as_of.date_string(),
            info.models
        )
        .unwrap();
    }
    lines
}

fn read_with(engine: &str, expected_types: &str) {
    let dir = migrated_store();
    let output = Command::new("python3")
        .args(["-c", SCRIPT, engine])
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "{engine} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout,
        format!("{}types {expected_types}\n", expected(dir.path())),
        "{engine}"
    );
}

#[test]
fn duckdb_reads_a_migrated_store_with_a_date_partition() {
    read_with("duckdb", "DATE / TIMESTAMP WITH TIME ZONE");
}

#[test]
fn polars_reads_a_migrated_store_with_a_date_partition() {
    read_with("polars", "Date / Datetime(time_unit='ms', time_zone='UTC')");
}

/// pandas (through pyarrow) types a Hive partition as a category of strings: the exact time is
/// the `as_of` column.
#[test]
fn pandas_reads_a_migrated_store_with_the_date_as_a_category() {
    read_with("pandas", "category / datetime64[ms, UTC]");
}

#[test]
fn spark_reads_a_migrated_store_with_spark_read_parquet() {
    read_with("spark", "date / timestamp");
}
