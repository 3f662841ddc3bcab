//! The weekly archive: `models/<YYYY-MM-DD>/models.parquet`, one snapshot per week.

use hubcensus_ingest::{AsOfOrigin, HubStatsWriter, IngestError, ReadOptions};
use hubcensus_model::{Era, SourceKind};

use crate::support::{at, read_all, record};

fn week(root: &std::path::Path, date: &str, columns: &[&str], downloads_all_time: u64) {
    let folder = root.join("models").join(date);
    std::fs::create_dir_all(&folder).unwrap();
    let mut writer = HubStatsWriter::with_columns(&folder.join("models.parquet"), columns).unwrap();
    let text = format!(
        r#"{{"_id":"1","id":"a/b","downloads":5,"downloadsAllTime":{downloads_all_time},"trendingScore":1,"cardData":{{}}}}"#
    );
    writer.write(&[record(&text)]).unwrap();
    writer.finish().unwrap();
}

#[test]
fn each_week_is_a_snapshot_with_its_own_era() {
    let dir = tempfile::tempdir().unwrap();
    let all = hubcensus_ingest::HUB_STATS_COLUMNS.to_vec();
    let old: Vec<&str> = all
        .iter()
        .copied()
        .filter(|c| !matches!(*c, "downloadsAllTime" | "trendingScore" | "cardData"))
        .collect();
    let late_2024: Vec<&str> = all
        .iter()
        .copied()
        .filter(|c| *c != "downloadsAllTime")
        .collect();
    week(dir.path(), "2025-03-03", &all, 100);
    week(dir.path(), "2024-06-03", &old, 0);
    week(dir.path(), "2024-12-02", &late_2024, 0);
    // Not weeks: ignored.
    std::fs::create_dir_all(dir.path().join("models/latest")).unwrap();
    std::fs::create_dir_all(dir.path().join("models/2025-3-10")).unwrap();

    let snapshots = hubcensus_ingest::open(dir.path(), &ReadOptions::default()).unwrap();
    let summary: Vec<(String, Era, bool)> = snapshots
        .iter()
        .map(|s| {
            (
                s.as_of.date_string(),
                s.era(),
                s.has_column("trending_score"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("2024-06-03".to_owned(), Era::ThirtyDayOnly, false),
            ("2024-12-02".to_owned(), Era::ThirtyDayOnly, true),
            ("2025-03-03".to_owned(), Era::AllTime, true),
        ]
    );
    assert!(snapshots.iter().all(|s| s.kind == SourceKind::WeeklyArchive
        && matches!(s.as_of_origin, AsOfOrigin::FolderName(_))));
    let records: Vec<_> = snapshots
        .into_iter()
        .map(|s| read_all(s).unwrap())
        .collect();
    assert_eq!(records[0][0].downloads_all_time, None);
    assert_eq!(records[0][0].trending_score, None);
    assert_eq!(records[2][0].downloads_all_time, Some(100));

    // The `models` folder itself works too.
    assert_eq!(
        hubcensus_ingest::open(&dir.path().join("models"), &ReadOptions::default())
            .unwrap()
            .len(),
        3
    );
    // One week's folder on its own.
    let one = hubcensus_ingest::open(
        &dir.path().join("models/2024-12-02"),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].as_of.date_string(), "2024-12-02");
    // --as-of cannot name three weeks.
    let error = hubcensus_ingest::open(dir.path(), &at("2025-01-01")).unwrap_err();
    assert!(
        matches!(error, IngestError::AsOfForSeveral { count: 3, .. }),
        "{error:?}"
    );
}

#[test]
fn a_directory_without_weeks_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let error = hubcensus_ingest::open(dir.path(), &ReadOptions::default()).unwrap_err();
    assert!(error.to_string().contains("no weekly snapshots"), "{error}");
}
