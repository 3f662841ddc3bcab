//! The real files in ../shared/data.

use hubcensus_ingest::{AsOfOrigin, ReadOptions};
use hubcensus_model::{Era, LineageSource, SourceKind, Timestamp};

use crate::support::{open_one, read_all, shared_data};

#[test]
fn hub_stats_subset_real_data() {
    let path = shared_data().join("hub-stats-subset/hub_stats_frozen.parquet");
    let options = ReadOptions {
        as_of: Some(Timestamp::parse("2026-05-20").unwrap()),
        ..ReadOptions::default()
    };
    let snapshot = open_one(&path, &options).unwrap();
    assert_eq!(snapshot.kind, SourceKind::HubStatsParquet);
    assert_eq!(snapshot.as_of_origin, AsOfOrigin::Flag);
    assert_eq!(snapshot.era(), Era::AllTime);
    assert!(!snapshot.has_column("object_id"), "the subset has no _id");
    assert!(!snapshot.has_column("gated"));
    let records = read_all(snapshot).unwrap();
    assert_eq!(records.len(), 4167);
    let from_base_models = records
        .iter()
        .filter(|r| {
            r.lineage
                .as_ref()
                .is_some_and(|l| l.source == LineageSource::BaseModels)
        })
        .count();
    let from_tags = records
        .iter()
        .filter(|r| {
            r.lineage
                .as_ref()
                .is_some_and(|l| l.source != LineageSource::BaseModels)
        })
        .count();
    let with_parameters = records.iter().filter(|r| r.parameters.is_some()).count();
    eprintln!("baseModels {from_base_models}, tags {from_tags}, parameters {with_parameters}");
    assert_eq!(from_base_models, 2586);
    // `baseModels` names each parent by `_id` and id; the `_id` is kept beside the id.
    let parents_with_object_ids: usize = records
        .iter()
        .filter_map(|r| r.lineage.as_ref())
        .filter(|l| l.source == LineageSource::BaseModels)
        .map(|l| l.parent_object_ids.iter().flatten().count())
        .sum();
    let parents: usize = records
        .iter()
        .filter_map(|r| r.lineage.as_ref())
        .filter(|l| l.source == LineageSource::BaseModels)
        .map(|l| l.parents.len())
        .sum();
    eprintln!("baseModels parents {parents}, with an _id {parents_with_object_ids}");
    assert_eq!((parents, parents_with_object_ids), (5201, 5201));
}

#[test]
fn daily_top_snapshots_real_data() {
    let folder = shared_data().join("hf-daily-top-snapshots");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 16);
    let mut dates = Vec::new();
    for path in files {
        let snapshot = open_one(&path, &ReadOptions::default()).unwrap();
        assert_eq!(snapshot.as_of_origin, AsOfOrigin::FileField("fetched_at"));
        assert_eq!(snapshot.era(), Era::ThirtyDayOnly);
        assert!(
            !snapshot.has_column("last_modified"),
            "always null in these files"
        );
        assert!(snapshot.has_column("downloads_30d") && snapshot.has_column("created_at"));
        dates.push(snapshot.as_of.date_string());
        let records = read_all(snapshot).unwrap();
        assert!(
            (527..=531).contains(&records.len()),
            "{} models",
            records.len()
        );
        assert!(
            records
                .iter()
                .all(|r| r.downloads_all_time.is_none() && r.downloads_30d.is_some())
        );
    }
    let expected: Vec<String> = (7..=22).map(|day| format!("2026-08-{day:02}")).collect();
    assert_eq!(dates, expected);
}
