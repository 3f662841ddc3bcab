//! The store's public API, end to end in a temporary directory.

use hubcensus_model::{
    Gated, Lineage, LineageSource, ModelId, ModelRecord, Relation, SourceKind, Timestamp,
};
use hubcensus_store::{COLUMNS, CommitOutcome, SnapshotDraft, Store, StoreError, Writer};

fn id(text: &str) -> ModelId {
    ModelId::new(text).unwrap()
}

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

fn record(object_id: Option<&str>, model: &str, all_time: Option<u64>) -> ModelRecord {
    let mut record = ModelRecord::new(id(model));
    record.object_id = object_id.map(str::to_owned);
    record.downloads_all_time = all_time;
    record
}

const T1: Timestamp = Timestamp::from_secs(1_780_000_000);
const T2: Timestamp = Timestamp::from_secs(1_780_604_800);

fn commit(dir: &std::path::Path, as_of: Timestamp, records: &[ModelRecord]) -> CommitOutcome {
    let mut writer = Writer::lock(dir).unwrap();
    let mut builder = writer.begin(draft(as_of)).unwrap();
    builder.push(records).unwrap();
    builder.commit(false).unwrap()
}

#[test]
fn a_full_record_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let mut full = record(Some("65f0aa"), "org/model", Some(12));
    full.created_at = Some(Timestamp::from_secs(1_700_000_000));
    full.last_modified = Some(Timestamp::from_millis(1_700_000_000_123));
    full.downloads_30d = Some(0);
    full.likes = Some(3);
    full.trending_score = Some(1.5);
    full.tags = Some(vec!["a".into(), "base_model:finetune:base/x".into()]);
    full.pipeline_tag = Some("text-generation".into());
    full.library_name = Some("transformers".into());
    full.gated = Some(Gated::Manual);
    full.parameters = Some(8_000_000_000);
    full.lineage = Some(Lineage {
        relation: Relation::Finetune,
        parents: vec![id("base/x")],
        source: LineageSource::BaseModels,
    });
    full.license = Some("mit".into());
    full.languages = Some(vec![]);
    full.card_data = Some(r#"{"license":"mit"}"#.into());
    let bare = record(None, "gpt2", None);
    let outcome = commit(dir.path(), T1, &[full.clone(), bare.clone()]);
    assert!(matches!(outcome, CommitOutcome::Committed(ref info) if info.models == 2));

    let store = Store::open(dir.path()).unwrap();
    let records: Vec<ModelRecord> = store.records(T1).unwrap().map(Result::unwrap).collect();
    assert_eq!(records, vec![full, bare]);
    // The parent is known as an id-keyed entry, so lineage resolves.
    let parent = store.resolve("base/x").unwrap();
    let frames = store.load_frames(&[T1]).unwrap();
    assert_eq!(frames.catalog.ids.len(), 3);
    let lineage = store.lineage(T1, &frames.catalog).unwrap();
    let model = store.resolve("org/model").unwrap() as usize;
    assert_eq!(lineage.parents_of(model), &[parent]);
    assert_eq!(lineage.mentions_of(model), &[parent]);
    assert_eq!(lineage.relation[model], Some(Relation::Finetune));
    let frame = &frames.frames[0];
    assert_eq!(frame.downloads_all_time[model], Some(12));
    assert_eq!(frame.downloads_30d[model], Some(0));
    assert!(!frame.present[parent as usize]);
    assert_eq!(
        frames.catalog.namespaces[frame.author[model].unwrap() as usize],
        "org"
    );
    assert_eq!(frame.author[store.resolve("gpt2").unwrap() as usize], None);
    let manifest = store.manifest(T1).unwrap();
    assert_eq!(manifest.totals.downloads_all_time, Some(12));
    store.verify(T1).unwrap();
}

#[test]
fn renames_align_across_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    commit(
        dir.path(),
        T1,
        &[
            record(Some("o1"), "a/old", Some(10)),
            record(Some("o2"), "b/x", Some(5)),
        ],
    );
    commit(
        dir.path(),
        T2,
        &[
            record(Some("o2"), "b/x", Some(7)),
            record(Some("o1"), "a/new", Some(15)),
        ],
    );
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.resolve("a/old"), store.resolve("a/new"));
    assert_eq!(store.resolve("o1"), store.resolve("a/new"));
    let index = store.resolve("a/new").unwrap();
    let history: Vec<_> = store
        .id_history(index)
        .into_iter()
        .map(|(id, t)| (id.to_string(), t))
        .collect();
    assert_eq!(history, vec![("a/old".into(), T1), ("a/new".into(), T2)]);
    let before = store.load_u64_column(T1, "downloads_all_time").unwrap();
    let after = store.load_u64_column(T2, "downloads_all_time").unwrap();
    assert_eq!(
        (before[index as usize], after[index as usize]),
        (Some(10), Some(15))
    );
    let frames = store.load_frames(&[T1, T2]).unwrap();
    assert_eq!(frames.catalog.ids[index as usize].as_str(), "a/new");
    // Rows come back in dense-index order whatever order they were pushed in.
    let ids: Vec<String> = store
        .records(T2)
        .unwrap()
        .map(|r| r.unwrap().id.to_string())
        .collect();
    assert_eq!(ids, vec!["a/new", "b/x"]);
}

#[test]
fn identical_reimport_is_unchanged_and_different_content_needs_replace() {
    let dir = tempfile::tempdir().unwrap();
    let records = [record(Some("o1"), "a/x", Some(1))];
    assert!(matches!(
        commit(dir.path(), T1, &records),
        CommitOutcome::Committed(_)
    ));
    assert!(matches!(
        commit(dir.path(), T1, &records),
        CommitOutcome::Unchanged(_)
    ));

    let mut writer = Writer::lock(dir.path()).unwrap();
    let changed = [record(Some("o1"), "a/x", Some(2))];
    let mut builder = writer.begin(draft(T1)).unwrap();
    builder.push(&changed).unwrap();
    let error = builder.commit(false).unwrap_err();
    assert!(
        matches!(error, StoreError::SnapshotExists { .. }),
        "{error}"
    );
    let mut builder = writer.begin(draft(T1)).unwrap();
    builder.push(&changed).unwrap();
    assert!(matches!(
        builder.commit(true).unwrap(),
        CommitOutcome::Committed(_)
    ));
    drop(writer);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.snapshots().len(), 1);
    let records: Vec<_> = store.records(T1).unwrap().map(Result::unwrap).collect();
    assert_eq!(records, changed);
}

#[test]
fn duplicate_keys_are_refused_naming_both_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Writer::lock(dir.path()).unwrap();
    let mut builder = writer.begin(draft(T1)).unwrap();
    let error = builder
        .push(&[
            record(Some("o1"), "a/x", None),
            record(Some("o1"), "a/y", None),
        ])
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        format!("duplicate model key o1 in the snapshot at {T1}: ids a/x and a/y")
    );
    // The first record was kept; the builder goes on.
    builder.push(&[record(None, "b/z", None)]).unwrap();
    assert_eq!(builder.len(), 2);
}

#[test]
fn a_second_writer_is_refused_with_the_holders_pid() {
    let dir = tempfile::tempdir().unwrap();
    let _writer = Writer::lock(dir.path()).unwrap();
    let error = Writer::lock(dir.path()).err().expect("the lock is held");
    let message = error.to_string();
    assert!(
        message.contains("is locked by another writer")
            && message.contains(&std::process::id().to_string()),
        "{message}"
    );
}
