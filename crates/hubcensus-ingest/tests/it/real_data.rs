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
}
