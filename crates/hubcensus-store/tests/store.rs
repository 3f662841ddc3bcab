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
    full.lineage = Lineage::with_object_ids(
        Relation::Finetune,
        vec![(id("base/x"), Some("65f0b1".into()))],
        LineageSource::BaseModels,
    );
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
    assert_eq!(frame.downloads_all_time.at(model), Some(12));
    assert_eq!(frame.downloads_30d.at(model), Some(0));
    assert!(!frame.present[parent as usize]);
    assert_eq!(
        frames.catalog.namespaces[frame.author.at(model).unwrap() as usize],
        "org"
    );
    assert_eq!(
        frame.author.at(store.resolve("gpt2").unwrap() as usize),
        None
    );
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
        store
            .load_u64_columns(&[T1, T2], "downloads_all_time")
            .unwrap(),
        vec![before.clone(), after.clone()]
    );
    assert!(matches!(
        store.load_u64_column(T1, "tags"),
        Err(StoreError::UnknownColumn { .. })
    ));
    assert_eq!(
        (before.at(index as usize), after.at(index as usize)),
        (Some(10), Some(15))
    );
    let frames = store.load_frames(&[T1, T2]).unwrap();
    assert_eq!(&frames.catalog.ids[index as usize], "a/new");
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

mod round_trip {
    use super::*;
    use proptest::collection::vec;
    use proptest::option;
    use proptest::prelude::*;

    fn timestamp() -> impl Strategy<Value = Timestamp> {
        (0i64..4_000_000_000_000).prop_map(Timestamp::from_millis)
    }

    fn count() -> impl Strategy<Value = u64> {
        prop_oneof![Just(0u64), 0u64..1_000, 0..=i64::MAX as u64]
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![Just(String::new()), "[a-z]{1,6}", "\\PC{0,12}"]
    }

    /// Parents from the pool and a few beyond it; some named with an `_id`: a model's own
    /// (`o{i}`, maybe under another model's name) or one no model has (`x{i}`).
    fn lineage(pool: usize) -> impl Strategy<Value = Lineage> {
        (
            prop::sample::select(Relation::ALL.to_vec()),
            vec(
                (0..pool + 3, option::of((any::<bool>(), 0..pool + 3))),
                1..4,
            ),
            prop::sample::select(vec![
                LineageSource::BaseModels,
                LineageSource::RelationTags,
                LineageSource::PlainTags,
            ]),
        )
            .prop_map(|(relation, parents, source)| {
                let parents = parents
                    .into_iter()
                    .map(|(p, object_id)| {
                        let object_id = object_id.map(|(own, o)| {
                            if own {
                                format!("o{o}")
                            } else {
                                format!("x{o}")
                            }
                        });
                        (id(&format!("ns{}/m{p}", p % 3)), object_id)
                    })
                    .collect();
                Lineage::with_object_ids(relation, parents, source).unwrap()
            })
    }

    /// The fields of one record except its keys.
    #[derive(Clone, Debug)]
    struct Fields {
        created_at: Option<Timestamp>,
        last_modified: Option<Timestamp>,
        downloads_30d: Option<u64>,
        downloads_all_time: Option<u64>,
        likes: Option<u64>,
        trending_score: Option<f64>,
        tags: Option<Vec<String>>,
        pipeline_tag: Option<String>,
        library_name: Option<String>,
        gated: Option<Gated>,
        parameters: Option<u64>,
        lineage: Option<Lineage>,
        license: Option<String>,
        languages: Option<Vec<String>>,
        card_data: Option<String>,
    }

    fn fields(pool: usize) -> impl Strategy<Value = Fields> {
        (
            (
                option::of(timestamp()),
                option::of(timestamp()),
                option::of(count()),
                option::of(count()),
                option::of(count()),
                option::of(-1e9f64..1e9),
                option::of(vec(
                    prop_oneof![
                        text(),
                        (0..pool).prop_map(|p| format!("base_model:ns{}/m{p}", p % 3))
                    ],
                    0..4,
                )),
            ),
            (
                option::of(text()),
                option::of(text()),
                option::of(prop::sample::select(vec![
                    Gated::No,
                    Gated::Auto,
                    Gated::Manual,
                ])),
                option::of(count()),
                option::of(lineage(pool)),
                option::of(text()),
                option::of(vec(text(), 0..3)),
                option::of(text()),
            ),
        )
            .prop_map(
                |(
                    (
                        created_at,
                        last_modified,
                        downloads_30d,
                        downloads_all_time,
                        likes,
                        trending_score,
                        tags,
                    ),
                    (
                        pipeline_tag,
                        library_name,
                        gated,
                        parameters,
                        lineage,
                        license,
                        languages,
                        card_data,
                    ),
                )| Fields {
                    created_at,
                    last_modified,
                    downloads_30d,
                    downloads_all_time,
                    likes,
                    trending_score,
                    tags,
                    pipeline_tag,
                    library_name,
                    gated,
                    parameters,
                    lineage,
                    license,
                    languages,
                    card_data,
                },
            )
    }

    fn build(object_id: Option<String>, model: &str, fields: Fields) -> ModelRecord {
        ModelRecord {
            object_id,
            id: id(model),
            created_at: fields.created_at,
            last_modified: fields.last_modified,
            downloads_30d: fields.downloads_30d,
            downloads_all_time: fields.downloads_all_time,
            likes: fields.likes,
            trending_score: fields.trending_score,
            tags: fields.tags,
            pipeline_tag: fields.pipeline_tag,
            library_name: fields.library_name,
            gated: fields.gated,
            parameters: fields.parameters,
            lineage: fields.lineage,
            license: fields.license,
            languages: fields.languages,
            card_data: fields.card_data,
        }
    }

    /// Two snapshots of up to 24 models: model `i` has `_id` `o{i}` or none; in the second
    /// snapshot some models with an `_id` are renamed, some disappear.
    fn snapshots() -> impl Strategy<Value = (Vec<ModelRecord>, Vec<ModelRecord>, Vec<usize>)> {
        (1usize..24).prop_flat_map(|n| {
            (
                vec(any::<bool>(), n),
                vec(fields(n), n),
                vec(fields(n), n),
                vec(0u8..4, n),
                Just(()).prop_perturb(move |(), mut rng| {
                    let mut order: Vec<usize> = (0..n).collect();
                    for i in (1..n).rev() {
                        order.swap(i, rng.random_range(0..=i));
                    }
                    order
                }),
            )
                .prop_map(move |(has_oid, first, second, fate, order)| {
                    let oid = |i: usize| has_oid[i].then(|| format!("o{i}"));
                    let name = |i: usize| format!("ns{}/m{i}", i % 3);
                    let one: Vec<ModelRecord> = (0..n)
                        .map(|i| build(oid(i), &name(i), first[i].clone()))
                        .collect();
                    let mut renamed = Vec::new();
                    let mut two = Vec::new();
                    for &i in &order {
                        match fate[i] {
                            0 => {}
                            1 if has_oid[i] => {
                                renamed.push(i);
                                two.push(build(
                                    oid(i),
                                    &format!("{}-r", name(i)),
                                    second[i].clone(),
                                ));
                            }
                            _ => two.push(build(oid(i), &name(i), second[i].clone())),
                        }
                    }
                    (one, two, renamed)
                })
        })
    }

    fn sorted(mut records: Vec<ModelRecord>) -> Vec<ModelRecord> {
        records.sort_by(|a, b| a.id.cmp(&b.id));
        records
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        #[test]
        fn records_round_trip_and_renames_resolve((one, two, renamed) in snapshots()) {
            let dir = tempfile::tempdir().unwrap();
            commit(dir.path(), T1, &one);
            commit(dir.path(), T2, &two);
            let store = Store::open(dir.path()).unwrap();
            let back_one: Vec<_> = store.records(T1).unwrap().map(Result::unwrap).collect();
            let back_two: Vec<_> = store.records(T2).unwrap().map(Result::unwrap).collect();
            prop_assert_eq!(sorted(back_one), sorted(one.clone()));
            prop_assert_eq!(sorted(back_two), sorted(two.clone()));
            for i in renamed {
                let old = format!("ns{}/m{i}", i % 3);
                let new = format!("{old}-r");
                prop_assert_eq!(store.resolve(&old), store.resolve(&new));
                prop_assert_eq!(store.resolve(&format!("o{i}")), store.resolve(&new));
            }
            // Frames agree with the records (a naive join by key).
            let frames = store.load_frames(&[T1, T2]).unwrap();
            for (frame, records) in frames.frames.iter().zip([&one, &two]) {
                prop_assert_eq!(frame.present.iter().filter(|p| **p).count(), records.len());
                for record in records {
                    let index = store.resolve(record.id.as_str()).unwrap() as usize;
                    prop_assert!(frame.present[index]);
                    prop_assert_eq!(frame.downloads_all_time.at(index), record.downloads_all_time);
                    prop_assert_eq!(frame.likes.at(index), record.likes);
                    prop_assert_eq!(
                        frame.pipeline_tag.at(index).map(|c| frames.catalog.pipeline_tags[c as usize].clone()),
                        record.pipeline_tag.clone()
                    );
                    prop_assert_eq!(
                        frame.author.at(index).map(|c| frames.catalog.namespaces[c as usize].clone()),
                        record.author().map(str::to_owned)
                    );
                }
            }
            // Every parent resolves: by its `_id` when a model has it, else by its id.
            let lineage = store.lineage(T2, &frames.catalog).unwrap();
            for record in &two {
                let index = store.resolve(record.id.as_str()).unwrap() as usize;
                let mut expected: Vec<u32> = record.lineage.as_ref().map_or_else(Vec::new, |l| {
                    l.parents_with_object_ids()
                        .map(|(p, object_id)| {
                            object_id
                                .and_then(|o| store.resolve(o))
                                .or_else(|| store.resolve(p.as_str()))
                                .unwrap()
                        })
                        .collect()
                });
                expected.sort_unstable();
                expected.dedup();
                prop_assert_eq!(lineage.parents_of(index), expected.as_slice());
            }
        }
    }
}

/// `DuckDB` reads the store as it is: Hive partitions, plain SQL types, same totals.
#[test]
fn duckdb_reads_the_store_with_the_same_rows_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    let one: Vec<_> = (0..300u64)
        .map(|i| {
            let mut r = record(
                Some(&format!("o{i}")),
                &format!("org{}/m{i}", i % 7),
                Some(i * 1_000),
            );
            r.tags = Some(vec!["x".into()]);
            r.created_at = Some(Timestamp::from_secs(1_700_000_000 + i as i64));
            r.pipeline_tag = Some(["text-generation", "fill-mask"][i as usize % 2].into());
            r
        })
        .collect();
    let two: Vec<_> = (100..350u64)
        .map(|i| {
            record(
                Some(&format!("o{i}")),
                &format!("org{}/m{i}", i % 7),
                Some(i * 2_000),
            )
        })
        .collect();
    commit(dir.path(), T1, &one);
    commit(dir.path(), T2, &two);
    let store = Store::open(dir.path()).unwrap();
    let expected_rows = (one.len() + two.len()) as u64;
    let expected_sum: u64 = store
        .snapshots()
        .iter()
        .map(|info| {
            store
                .manifest(info.as_of)
                .unwrap()
                .totals
                .downloads_all_time
                .unwrap()
        })
        .sum();
    assert_eq!(
        expected_sum,
        (0..300u64).map(|i| i * 1_000).sum::<u64>() + (100..350u64).map(|i| i * 2_000).sum::<u64>()
    );

    let script = r#"
import sys
try:
    import duckdb
except ImportError:
    sys.exit("the Python module duckdb is missing: bash scripts/test installs it, then runs the tests")
con = duckdb.connect()
glob = sys.argv[1] + "/models/*/*.parquet"
rows, total, partitions = con.execute(
    "select count(*), sum(downloads_all_time), count(distinct as_of) "
    "from read_parquet(?, hive_partitioning = true)", [glob]).fetchone()
types = dict((r[0], r[1]) for r in con.execute(
    "describe select * from read_parquet(?, hive_partitioning = true)", [glob]).fetchall())
print(rows, total, partitions, types["downloads_all_time"], types["created_at"], types["tags"], types["pipeline_tag"], types["as_of"], types["as_of_date"])
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.path())
        .output()
        .expect("python3 runs");
    assert!(
        output.status.success(),
        "duckdb failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        format!(
            "{expected_rows} {expected_sum} 2 BIGINT TIMESTAMP WITH TIME ZONE VARCHAR[] VARCHAR \
             TIMESTAMP WITH TIME ZONE DATE"
        )
    );
}

/// Past its memory limit a builder spills sorted runs to staging and the commit merges them:
/// the result is the same file content as an in-memory commit.
#[test]
fn spilled_runs_merge_into_the_same_snapshot() {
    let records: Vec<ModelRecord> = (0..5_000u64)
        .map(|i| {
            // A scrambled but deterministic order, and some renames into the second half.
            let j = (i * 7_919) % 5_000;
            let mut r = record(
                Some(&format!("o{j}")),
                &format!("ns{}/m{j}", j % 13),
                Some(j),
            );
            r.pipeline_tag = Some(format!("task{}", j % 5));
            r.tags = (j % 3 == 0).then(Vec::new);
            r
        })
        .collect();
    let in_memory = tempfile::tempdir().unwrap();
    let spilled = tempfile::tempdir().unwrap();
    // Index order = first-seen order: commit a first snapshot sorted, so the scrambled second
    // one has to be sorted at commit.
    let mut sorted_records = records.clone();
    sorted_records.sort_by_key(|r| r.downloads_all_time);
    for dir in [in_memory.path(), spilled.path()] {
        commit(dir, T1, &sorted_records);
    }
    commit(in_memory.path(), T2, &records);
    {
        let mut writer = Writer::lock(spilled.path()).unwrap();
        let mut builder = writer.begin(draft(T2)).unwrap();
        builder.set_memory_limit(1);
        for chunk in records.chunks(700) {
            builder.push(chunk).unwrap();
        }
        // A duplicate of a spilled record still names the first id.
        let error = builder
            .push(&[record(Some("o0"), "x/dup", None)])
            .unwrap_err();
        assert!(
            error.to_string().contains("ids ns0/m0 and x/dup"),
            "{error}"
        );
        assert!(
            std::fs::read_dir(spilled.path().join("staging"))
                .unwrap()
                .count()
                > 0
        );
        assert!(matches!(
            builder.commit(false).unwrap(),
            CommitOutcome::Committed(_)
        ));
    }
    assert_eq!(
        std::fs::read_dir(spilled.path().join("staging"))
            .unwrap()
            .count(),
        0,
        "staging is cleaned after the commit"
    );
    let a = Store::open(in_memory.path()).unwrap();
    let b = Store::open(spilled.path()).unwrap();
    assert_eq!(
        a.manifest(T2).unwrap().content_hash,
        b.manifest(T2).unwrap().content_hash
    );
    let read = |store: &Store| {
        let mut records = store.records(T2).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = records.next_indexed() {
            rows.push(row.unwrap());
        }
        rows
    };
    let rows = read(&b);
    assert_eq!(rows, read(&a));
    assert!(
        rows.windows(2).all(|w| w[0].0 < w[1].0),
        "rows sorted by index"
    );
    assert_eq!(rows.len(), 5_000);
}

/// `push_owned` (batches and digests built on another thread, as `import` pushes) gives the
/// same snapshot, byte for byte, as `push`: in memory and spilled, in order and not, and a
/// duplicate names the first id whether it sits in an earlier chunk or the same one.
#[test]
fn owned_pushes_give_the_same_snapshot_as_borrowed_ones() {
    let records: Vec<ModelRecord> = (0..5_000u64)
        .map(|i| {
            let j = (i * 7_919) % 5_000;
            let mut r = record(
                Some(&format!("o{j}")),
                &format!("ns{}/m{j}", j % 13),
                Some(j),
            );
            r.pipeline_tag = Some(format!("task{}", j % 5));
            r.tags = (j % 3 == 0).then(|| vec![format!("base_model:ns1/m{}", j / 2)]);
            r
        })
        .collect();
    for memory_limit in [usize::MAX, 1] {
        let borrowed = tempfile::tempdir().unwrap();
        let owned = tempfile::tempdir().unwrap();
        for (dir, give) in [(borrowed.path(), false), (owned.path(), true)] {
            let mut writer = Writer::lock(dir).unwrap();
            let mut builder = writer.begin(draft(T1)).unwrap();
            builder.set_memory_limit(memory_limit);
            builder.expect_records(records.len() as u64);
            for chunk in records.chunks(700) {
                if give {
                    builder.push_owned(chunk.to_vec()).unwrap();
                } else {
                    builder.push(chunk).unwrap();
                }
            }
            // A duplicate of a record of an earlier chunk, then one within the same chunk.
            let error = if give {
                builder.push_owned(vec![record(Some("o0"), "x/dup", None)])
            } else {
                builder.push(&[record(Some("o0"), "x/dup", None)])
            }
            .unwrap_err();
            assert!(
                error.to_string().contains("ids ns0/m0 and x/dup"),
                "{error}"
            );
            let pair = vec![
                record(Some("o-new"), "x/first", Some(1)),
                record(Some("o-new"), "x/second", Some(2)),
            ];
            let error = if give {
                builder.push_owned(pair)
            } else {
                builder.push(&pair)
            }
            .unwrap_err();
            assert!(
                error.to_string().contains("ids x/first and x/second"),
                "{error}"
            );
            assert_eq!(builder.len(), 5_001, "the first of the pair is kept");
            builder.commit(false).unwrap();
        }
        let a = Store::open(borrowed.path()).unwrap();
        let b = Store::open(owned.path()).unwrap();
        let (a, b) = (a.manifest(T1).unwrap(), b.manifest(T1).unwrap());
        assert_eq!(a.content_hash, b.content_hash);
        assert_eq!(a.info.models, 5_001);
        assert_eq!(a.files, b.files, "the same files, byte for byte");
    }
}

/// Input already in index order is written straight into the final file as it spills; when
/// the order breaks later (or a duplicate needs the first row read back), that file becomes a
/// sorted run and the commit merges. Every way gives the same snapshot as an in-memory commit.
#[test]
fn in_order_input_streams_to_the_final_file_and_falls_back_to_runs() {
    let records: Vec<ModelRecord> = (0..4_000u64)
        .map(|i| {
            let mut r = record(
                Some(&format!("o{i}")),
                &format!("ns{}/m{i}", i % 11),
                Some(i),
            );
            r.library_name = Some(format!("lib{}", i % 4));
            r
        })
        .collect();
    let reference = tempfile::tempdir().unwrap();
    commit(reference.path(), T1, &records);
    commit(reference.path(), T2, &records);
    // The second snapshot: in order for 2,100 rows, then the rest in reverse.
    let mut broken: Vec<ModelRecord> = records[..2_100].to_vec();
    broken.extend(records[2_100..].iter().rev().cloned());
    let read = |store: &Store, as_of| {
        let mut records = store.records(as_of).unwrap();
        let mut rows = Vec::new();
        while let Some(row) = records.next_indexed() {
            rows.push(row.unwrap());
        }
        rows
    };
    let expected = Store::open(reference.path()).unwrap();
    for (name, second, duplicate) in [
        ("in order", &records, false),
        ("order broken after spills", &broken, false),
        ("in order, then a duplicate", &records, true),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = Writer::lock(dir.path()).unwrap();
        for (as_of, input) in [(T1, &records), (T2, second)] {
            let mut builder = writer.begin(draft(as_of)).unwrap();
            builder.set_memory_limit(1);
            for (n, chunk) in input.chunks(700).enumerate() {
                builder.push(chunk).unwrap();
                if duplicate && as_of == T2 && n == 2 {
                    let error = builder
                        .push(&[record(Some("o5"), "x/dup", None)])
                        .unwrap_err();
                    assert!(
                        error.to_string().contains("ids ns5/m5 and x/dup"),
                        "{name}: {error}"
                    );
                }
            }
            assert!(matches!(
                builder.commit(false).unwrap(),
                CommitOutcome::Committed(_)
            ));
        }
        drop(writer);
        assert_eq!(
            std::fs::read_dir(dir.path().join("staging"))
                .unwrap()
                .count(),
            0,
            "{name}: staging is cleaned after the commit"
        );
        let store = Store::open(dir.path()).unwrap();
        for as_of in [T1, T2] {
            assert_eq!(
                store.manifest(as_of).unwrap().content_hash,
                expected.manifest(as_of).unwrap().content_hash,
                "{name}"
            );
            let rows = read(&store, as_of);
            assert_eq!(rows, read(&expected, as_of), "{name}");
            assert_eq!(rows.len(), 4_000, "{name}");
            assert!(rows.windows(2).all(|w| w[0].0 < w[1].0), "{name}: sorted");
        }
        store.verify(T2).unwrap();
    }
}

/// Frames decode string columns through each row group's Parquet dictionary (interned once
/// per row group, reused across the reader's batches): across several batches and row groups,
/// every code still names the record's own string.
#[test]
fn frame_codes_are_right_across_batches_and_row_groups() {
    let n = 270_000u64; // two row groups of the writer, five batches of the reader
    let records: Vec<ModelRecord> = (0..n)
        .map(|i| {
            // Namespaces change with the row group; tasks and licenses repeat within it. Every
            // third model has a namespace of its own: 87,382 in the first row group, more than
            // Parquet's 1 MB dictionary page holds.
            let namespace = if i % 3 == 0 {
                format!("solo-namespace-{i}")
            } else {
                format!("ns{}", (i / 997) % 613)
            };
            let mut r = record(
                Some(&format!("o{i}")),
                &format!("{namespace}/m{i}"),
                Some(i),
            );
            r.pipeline_tag = (i % 7 != 0).then(|| format!("task{}", (i * 31) % 17));
            r.library_name = Some(format!("lib{}", i / 100_000));
            r.license = (i % 5 != 0).then(|| format!("license{}", (i / 3) % 11));
            r
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path(), T1, &records);
    let store = Store::open(dir.path()).unwrap();
    let frames = store.load_frames(&[T1]).unwrap();
    let catalog = &frames.catalog;
    let frame = &frames.frames[0];
    let text =
        |vocabulary: &[String], code: Option<u32>| code.map(|c| vocabulary[c as usize].clone());
    for (i, r) in records.iter().enumerate() {
        let index = store.resolve(r.id.as_str()).unwrap() as usize;
        assert_eq!(
            text(&catalog.namespaces, frame.author.at(index)).as_deref(),
            r.author(),
            "row {i}"
        );
        assert_eq!(
            text(&catalog.pipeline_tags, frame.pipeline_tag.at(index)),
            r.pipeline_tag,
            "row {i}"
        );
        assert_eq!(
            text(&catalog.libraries, frame.library_name.at(index)),
            r.library_name,
            "row {i}"
        );
        assert_eq!(
            text(&catalog.licenses, frame.license.at(index)),
            r.license,
            "row {i}"
        );
    }
    // ceil(270,000 / 997) shared, 90,000 solo.
    assert_eq!(catalog.namespaces.len(), 271 + 90_000);
    // The first row group's authors overflowed its dictionary page: the codes above were read
    // from a chunk of dictionary pages then plain ones, as at 2 million models.
    assert!(!dictionary_only(&models_file(dir.path(), T1), "author"));
}

#[test]
fn a_dropped_builder_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path(), T1, &[record(Some("o1"), "a/x", Some(1))]);
    let mut writer = Writer::lock(dir.path()).unwrap();
    {
        let mut builder = writer.begin(draft(T2)).unwrap();
        builder.set_memory_limit(1);
        builder
            .push(&[
                record(Some("o2"), "b/new", Some(1)),
                record(Some("o1"), "a/renamed", Some(2)),
            ])
            .unwrap();
    }
    assert_eq!(
        std::fs::read_dir(dir.path().join("staging"))
            .unwrap()
            .count(),
        0
    );
    // The writer's dictionary forgot the uncommitted keys: the next commit does not know them.
    let mut builder = writer.begin(draft(T2)).unwrap();
    builder
        .push(&[record(Some("o3"), "c/other", Some(1))])
        .unwrap();
    builder.commit(false).unwrap();
    drop(writer);
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.resolve("b/new"), None);
    assert_eq!(store.resolve("a/renamed"), None);
    assert_eq!(store.resolve("c/other"), Some(1));
    assert_eq!(store.len(), 2);
}

#[test]
fn readers_ignore_directories_without_a_valid_manifest_and_refuse_other_versions() {
    let dir = tempfile::tempdir().unwrap();
    commit(dir.path(), T1, &[record(Some("o1"), "a/x", Some(1))]);
    let manifests = dir.path().join("manifests");
    // A snapshot folder with no manifest, a manifest that is not JSON, and one whose file is
    // missing.
    std::fs::create_dir(dir.path().join("models/as_of_date=2030-01-01")).unwrap();
    std::fs::write(manifests.join("20310101T000000Z.json"), "{ not json").unwrap();
    let manifest_path = manifests.join(format!("{}.json", hubcensus_store::snapshot_stem(T1)));
    let text = std::fs::read_to_string(&manifest_path).unwrap();
    std::fs::write(
        manifests.join("20320101T000000Z.json"),
        text.replace(&T1.to_string(), "2032-01-01T00:00:00Z"),
    )
    .unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.snapshots().len(), 1);
    assert_eq!(store.latest().unwrap().as_of, T1);
    assert!(matches!(
        store.records(T2).err(),
        Some(StoreError::SnapshotNotFound { .. })
    ));

    // A manifest of another format version is refused, naming both versions.
    std::fs::write(
        &manifest_path,
        text.replace("\"schema_version\": 3", "\"schema_version\": 99"),
    )
    .unwrap();
    let error = Store::open(dir.path()).err().expect("another version");
    assert!(
        error
            .to_string()
            .contains("has schema version 99; this hubcensus reads versions 1 to 3"),
        "{error}"
    );
}

#[test]
fn undeclared_columns_and_unknown_column_names_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = Writer::lock(dir.path()).unwrap();
    let mut thirty_day = draft(T1);
    thirty_day.columns = vec!["id".into(), "downloads_30d".into()];
    let mut builder = writer.begin(thirty_day.clone()).unwrap();
    let error = builder.push(&[record(None, "a/x", Some(5))]).unwrap_err();
    assert_eq!(
        error.to_string(),
        "model a/x has a value for downloads_all_time, which the snapshot's draft does not list among its columns"
    );
    drop(builder);
    thirty_day.columns.push("downloads".into());
    let error = writer.begin(thirty_day).err().expect("unknown column");
    assert!(
        error
            .to_string()
            .starts_with("unknown column \"downloads\""),
        "{error}"
    );
}

#[test]
fn frames_carry_each_snapshots_author_and_only_the_columns_asked_for() {
    use hubcensus_model::{FrameColumns, Lineage, LineageSource, Relation};
    let dir = tempfile::tempdir().unwrap();
    // THUDM/glm moves to zai-org/glm (same `_id`); a child names it by its old id; gpt2 is a
    // legacy id without a namespace.
    let mut child = record(Some("o3"), "someone/glm-gguf", Some(3));
    child.tags = Some(vec!["base_model:THUDM/glm".into()]);
    child.lineage = Lineage::new(
        Relation::Quantized,
        vec![id("THUDM/glm")],
        LineageSource::BaseModels,
    );
    commit(
        dir.path(),
        T1,
        &[
            record(Some("o1"), "THUDM/glm", Some(10)),
            record(Some("o2"), "gpt2", Some(5)),
            child.clone(),
        ],
    );
    commit(
        dir.path(),
        T2,
        &[
            record(Some("o1"), "zai-org/glm", Some(15)),
            record(Some("o2"), "gpt2", Some(7)),
            child,
        ],
    );
    let store = Store::open(dir.path()).unwrap();
    let glm = store.resolve("zai-org/glm").unwrap() as usize;
    let gpt2 = store.resolve("gpt2").unwrap() as usize;
    let gguf = store.resolve("someone/glm-gguf").unwrap() as usize;
    let set = store.load_frames(&[T1, T2]).unwrap();
    let author = |frame: usize, model: usize| {
        set.frames[frame]
            .author
            .at(model)
            .map(|code| set.catalog.namespaces[code as usize].as_str())
    };
    assert_eq!(author(0, glm), Some("THUDM"));
    assert_eq!(author(1, glm), Some("zai-org"));
    assert_eq!((author(0, gpt2), author(1, gpt2)), (None, None));
    assert_eq!(author(1, gguf), Some("someone"));

    let projected = store
        .load_frames_with(&[T1, T2], FrameColumns::DOWNLOADS_ALL_TIME)
        .unwrap();
    let frame = &projected.frames[1];
    assert_eq!(frame.columns, FrameColumns::DOWNLOADS_ALL_TIME);
    assert_eq!(frame.downloads_all_time.at(glm), Some(15));
    assert!(frame.present[gpt2]);
    assert!(frame.author.is_empty() && frame.license.is_empty());

    // The child's parent and tag mention, named by the old id, resolve to the renamed model.
    let lineage = store.lineage(T2, &set.catalog).unwrap();
    assert_eq!(lineage.parents_of(gguf), &[glm as u32]);
    assert_eq!(lineage.mentions_of(gguf), &[glm as u32]);
    let parents_only = store.lineage_with(T2, store.len(), false).unwrap();
    assert_eq!(parents_only.parents_of(gguf), &[glm as u32]);
    assert!(parents_only.mentions.is_empty());
}

/// The Parquet file of the snapshot at `as_of` in the store at `dir`.
fn models_file(dir: &std::path::Path, as_of: Timestamp) -> std::path::PathBuf {
    hubcensus_store::models_dir(dir)
        .join(hubcensus_store::partition_name(as_of))
        .join(format!("{}.parquet", hubcensus_store::snapshot_stem(as_of)))
}

/// Rewrites the `models.parquet` of the snapshot at `as_of` batch by batch through `change`
/// (with `properties`, else the writer's defaults), and records its new size in the manifest
/// (a file of another size is a torn write, not a snapshot).
fn rewrite_snapshot(
    dir: &std::path::Path,
    as_of: Timestamp,
    properties: Option<parquet::file::properties::WriterProperties>,
    mut change: impl FnMut(&arrow_array::RecordBatch) -> Vec<arrow_array::ArrayRef>,
) {
    use arrow_array::RecordBatch;
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let path = models_file(dir, as_of);
    let batches: Vec<RecordBatch> =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap()
            .map(Result::unwrap)
            .collect();
    let schema = batches[0].schema();
    let file = std::fs::File::create(&path).unwrap();
    let mut writer = ArrowWriter::try_new(file, schema, properties).unwrap();
    for batch in batches {
        let columns = change(&batch);
        writer
            .write(&RecordBatch::try_new(batch.schema(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();
    let manifest = dir
        .join("manifests")
        .join(format!("{}.json", hubcensus_store::snapshot_stem(as_of)));
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["files"]["models"]["bytes"] = std::fs::metadata(&path).unwrap().len().into();
    std::fs::write(&manifest, json.to_string()).unwrap();
}

/// Whether every row group of the Parquet file at `path` holds `column` in dictionary-encoded
/// pages only.
fn dictionary_only(path: &std::path::Path, column: &str) -> bool {
    use parquet::basic::Encoding;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    reader.metadata().row_groups().iter().all(|group| {
        group
            .columns()
            .iter()
            .find(|chunk| chunk.column_path().string() == column)
            .is_some_and(|chunk| {
                chunk
                    .page_encoding_stats_mask()
                    .is_some_and(|mask| mask.is_only(Encoding::RLE_DICTIONARY))
            })
    })
}

/// `author` reads the same from a store's dictionary pages and from plain pages (stores written
/// before the dictionary had room for a row group's namespaces), renames and legacy ids
/// included, whatever other string column a frame reads.
#[test]
fn authors_read_alike_from_dictionary_and_plain_pages() {
    use hubcensus_model::FrameColumns;
    let dir = tempfile::tempdir().unwrap();
    // Namespaces repeat (keys shared by many rows); THUDM/glm becomes zai-org/glm in the
    // second snapshot; gpt2 has no namespace.
    let snapshot = |renamed: &str| -> Vec<ModelRecord> {
        let mut records: Vec<ModelRecord> = (0..60)
            .map(|i| {
                let mut r = record(
                    Some(&format!("o{i}")),
                    &format!("ns{}/m{i}", i % 7),
                    Some(i),
                );
                r.pipeline_tag = Some(format!("task{}", i % 3));
                r
            })
            .collect();
        records.push(record(Some("glm"), renamed, Some(10)));
        records.push(record(Some("gpt2"), "gpt2", Some(5)));
        records
    };
    let (first, second) = (snapshot("THUDM/glm"), snapshot("zai-org/glm"));
    commit(dir.path(), T1, &first);
    commit(dir.path(), T2, &second);
    let authors = |columns: FrameColumns| -> Vec<Vec<Option<String>>> {
        let store = Store::open(dir.path()).unwrap();
        let set = store.load_frames_with(&[T1, T2], columns).unwrap();
        set.frames
            .iter()
            .map(|frame| {
                (0..store.len())
                    .map(|index| {
                        frame
                            .author
                            .at(index)
                            .map(|c| set.catalog.namespaces[c as usize].clone())
                    })
                    .collect()
            })
            .collect()
    };
    let store = Store::open(dir.path()).unwrap();
    let mut expected = vec![vec![None; store.len()]; 2];
    for (slot, records) in [&first, &second].into_iter().enumerate() {
        for r in records {
            let index = store.resolve(r.id.as_str()).unwrap() as usize;
            expected[slot][index] = r.author().map(str::to_owned);
        }
    }
    let (only, with_task) = (
        FrameColumns::AUTHOR,
        FrameColumns::AUTHOR | FrameColumns::PIPELINE_TAG,
    );
    let paths = [T1, T2].map(|as_of| models_file(dir.path(), as_of));
    assert!(paths.iter().all(|path| dictionary_only(path, "author")));
    assert_eq!(authors(only), expected);
    assert_eq!(authors(with_task), expected);
    // The same files with `author` in plain pages.
    for as_of in [T1, T2] {
        let properties = parquet::file::properties::WriterProperties::builder()
            .set_column_dictionary_enabled("author".into(), false)
            .build();
        rewrite_snapshot(dir.path(), as_of, Some(properties), |batch| {
            batch.columns().to_vec()
        });
    }
    assert!(paths.iter().all(|path| !dictionary_only(path, "author")));
    assert_eq!(authors(only), expected);
    assert_eq!(authors(with_task), expected);
}

/// `created_at_of` reads the row groups holding the indices asked for (by their `model_index`
/// statistics), every group of a file without statistics, and gives the same times as a frame.
#[test]
fn creation_times_of_some_models_read_only_their_row_groups() {
    use hubcensus_model::{Column, FrameColumns};
    use parquet::file::properties::{EnabledStatistics, WriterProperties};

    let dir = tempfile::tempdir().unwrap();
    let records: Vec<ModelRecord> = (0..10)
        .map(|i| {
            let mut r = record(Some(&format!("o{i}")), &format!("ns/m{i}"), Some(i));
            r.created_at = (i != 8).then(|| Timestamp::from_secs(1_700_000_000 + i as i64));
            r
        })
        .collect();
    commit(dir.path(), T1, &records);
    let store = Store::open(dir.path()).unwrap();
    let full = store
        .load_frames_with(&[T1], FrameColumns::CREATED_AT)
        .unwrap()
        .frames
        .remove(0)
        .created_at;
    let index = |i: usize| store.resolve(&format!("ns/m{i}")).unwrap();
    // Row groups of three rows: 0-2, 3-5, 6-8, 9.
    let groups = |statistics| {
        WriterProperties::builder()
            .set_max_row_group_row_count(Some(3))
            .set_statistics_enabled(statistics)
            .build()
    };
    rewrite_snapshot(
        dir.path(),
        T1,
        Some(groups(EnabledStatistics::Chunk)),
        |batch| batch.columns().to_vec(),
    );
    let store = Store::open(dir.path()).unwrap();
    let mut out = Column::default();
    let wanted = [index(4), index(8)];
    store.created_at_of(T1, &wanted, &mut out).unwrap();
    assert_eq!(out.len(), store.len());
    for i in 0..10 {
        let expected = (3..9)
            .contains(&i)
            .then(|| full.at(index(i) as usize))
            .flatten();
        assert_eq!(out.at(index(i) as usize), expected, "model {i}");
    }
    assert_eq!(out.at(index(8) as usize), None); // no creation time recorded
    // Without statistics, every group.
    rewrite_snapshot(
        dir.path(),
        T1,
        Some(groups(EnabledStatistics::None)),
        |batch| batch.columns().to_vec(),
    );
    let store = Store::open(dir.path()).unwrap();
    store.created_at_of(T1, &[index(4)], &mut out).unwrap();
    assert_eq!(out, full);
    store.created_at_of(T1, &[], &mut out).unwrap();
    assert!(out.iter().all(|t| t.is_none()));
}

/// One lookup by a pass over the dictionary's file gives what the built dictionary gives:
/// `_id`s, current and earlier ids, an id taken over by another model, legacy ids, unknowns.
#[test]
fn one_lookup_resolves_as_the_dictionary_does() {
    let dir = tempfile::tempdir().unwrap();
    let t3 = Timestamp::from_secs(1_781_209_600);
    commit(
        dir.path(),
        T1,
        &[
            record(Some("o1"), "a/x", Some(1)),
            record(Some("o2"), "b/y", Some(2)),
            record(None, "gpt2", Some(3)),
        ],
    );
    // o1 is renamed; o3 takes the old name later.
    commit(
        dir.path(),
        T2,
        &[
            record(Some("o1"), "a/x2", Some(1)),
            record(Some("o2"), "b/y", Some(2)),
            record(Some("o3"), "a/x", Some(3)),
        ],
    );
    // o1 moves again, and o2 takes o1's second name.
    commit(
        dir.path(),
        t3,
        &[
            record(Some("o1"), "a/x3", Some(1)),
            record(Some("o2"), "a/x2", Some(2)),
            record(Some("o3"), "a/x", Some(3)),
        ],
    );
    let asked = [
        "a/x",
        "a/x2",
        "a/x3",
        "b/y",
        "gpt2",
        "o1",
        "o2",
        "o3",
        "c/none",
        "o9",
        "not an id!",
        "",
    ];
    let one = Store::open(dir.path()).unwrap();
    let found: Vec<Option<u32>> = asked
        .iter()
        .map(|text| one.resolve_one(text).unwrap())
        .collect();
    let built = Store::open(dir.path()).unwrap();
    let expected: Vec<Option<u32>> = asked
        .iter()
        .map(|text| built.try_resolve(text).unwrap())
        .collect();
    assert_eq!(found, expected);
    // And they are not all the same answer: the cases above are told apart.
    assert_eq!(found[0], built.resolve("o3"));
    assert_eq!(found[1], built.resolve("o2"));
    assert_eq!(found[8..], [None, None, None, None]);
}

/// A snapshot file whose count is negative (written by hand: the store writes none) is refused
/// with the file and the column named, by the frame loader and by the column loader alike.
#[test]
fn a_negative_count_is_refused_naming_the_file_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let records = [
        record(Some("o1"), "a/x", Some(5)),
        record(Some("o2"), "b/y", Some(9)),
    ];
    commit(dir.path(), T1, &records);
    rewrite_snapshot(dir.path(), T1, None, |batch| {
        let position = batch.schema().index_of("downloads_all_time").unwrap();
        let mut columns = batch.columns().to_vec();
        columns[position] =
            std::sync::Arc::new(arrow_array::Int64Array::from(vec![Some(5), Some(-3)]));
        columns
    });

    let store = Store::open(dir.path()).unwrap();
    let refused = |error: StoreError| {
        let text = error.to_string();
        assert!(
            text.contains(&format!("{}.parquet", hubcensus_store::snapshot_stem(T1)))
                && text.contains("downloads_all_time: negative count -3"),
            "{text}"
        );
    };
    refused(store.load_frames(&[T1]).unwrap_err());
    refused(store.load_u64_column(T1, "downloads_all_time").unwrap_err());
    // The other columns of the file still read.
    assert_eq!(
        store.load_u64_column(T1, "likes").unwrap().len(),
        store.ids().unwrap().len()
    );
}

/// The dictionary's `namespace_code` only speeds up reading `author`: a generation whose codes
/// name the wrong namespace (but are otherwise well formed) still gives every row its own.
#[test]
fn wrong_namespace_codes_cost_time_never_a_wrong_author() {
    use std::sync::Arc;

    use arrow_array::{Array, Int32Array, RecordBatch};
    use parquet::arrow::ArrowWriter;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let dir = tempfile::tempdir().unwrap();
    let models = ["a/x", "b/y", "a/z", "b/w", "gpt2"];
    let records: Vec<ModelRecord> = models
        .iter()
        .enumerate()
        .map(|(i, m)| record(Some(&format!("o{i}")), m, Some(i as u64)))
        .collect();
    commit(dir.path(), T1, &records);
    // The frame cache now holds this snapshot's author codes, made against the right namespace
    // codes ("the namespace of this model's current id"): once the codes change, it must not
    // serve them.
    Store::open(dir.path()).unwrap().load_frames(&[T1]).unwrap();
    let cached = std::fs::read_dir(hubcensus_store::cache_dir(dir.path())).unwrap();
    assert!(
        cached
            .flatten()
            .any(|entry| { entry.file_name().to_string_lossy().contains("-author-") })
    );
    // Every dictionary row that repeats a namespace now carries the other one's code.
    let generation = std::fs::read_dir(dir.path().join("dictionary"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|e| e == "parquet"))
        .unwrap();
    let file = std::fs::File::open(&generation).unwrap();
    let batches: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let schema = batches[0].schema();
    let position = schema.index_of("namespace_code").unwrap();
    let mut writer =
        ArrowWriter::try_new(std::fs::File::create(&generation).unwrap(), schema, None).unwrap();
    for batch in batches {
        let codes = batch
            .column(position)
            .as_any()
            .downcast_ref::<Int32Array>()
            .unwrap();
        assert_eq!(
            codes.iter().collect::<Vec<_>>()[..4],
            [Some(0), Some(1), Some(0), Some(1)]
        );
        let wrong: Int32Array = codes
            .iter()
            .enumerate()
            .map(|(row, code)| code.map(|c| if row >= 2 { 1 - c } else { c }))
            .collect();
        let mut columns = batch.columns().to_vec();
        columns[position] = Arc::new(wrong);
        writer
            .write(&RecordBatch::try_new(batch.schema(), columns).unwrap())
            .unwrap();
    }
    writer.close().unwrap();

    let store = Store::open(dir.path()).unwrap();
    let set = store.load_frames(&[T1]).unwrap();
    for model in models {
        let index = store.resolve(model).unwrap() as usize;
        let author = set.frames[0]
            .author
            .at(index)
            .map(|code| set.catalog.namespaces[code as usize].as_str());
        assert_eq!(author, id(model).namespace(), "{model}");
    }
    // Still one code per namespace.
    let mut namespaces = set.catalog.namespaces.clone();
    namespaces.sort();
    namespaces.dedup();
    assert_eq!(namespaces.len(), set.catalog.namespaces.len());
}

#[test]
fn verify_skips_superseded_dictionary_generations_and_catches_damage() {
    let dir = tempfile::tempdir().unwrap();
    let t3 = T2.plus_days(7);
    // Each commit adds a key: generations 1, 2, 3; the third commit removes the first.
    commit(dir.path(), T1, &[record(Some("o1"), "a/x", Some(1))]);
    commit(dir.path(), T2, &[record(Some("o2"), "a/y", Some(1))]);
    commit(dir.path(), t3, &[record(Some("o3"), "a/z", Some(1))]);
    let generation = |n: u32| dir.path().join(format!("dictionary/{n:08}.parquet"));
    assert!(!generation(1).exists());
    let store = Store::open(dir.path()).unwrap();
    for as_of in [T1, T2, t3] {
        store.verify(as_of).unwrap();
    }
    std::fs::write(generation(3), b"not the generation").unwrap();
    assert!(matches!(
        store.verify(t3).unwrap_err(),
        StoreError::Corrupt { .. }
    ));
    std::fs::remove_file(generation(3)).unwrap();
    for as_of in [T1, t3] {
        assert!(matches!(
            store.verify(as_of).unwrap_err(),
            StoreError::Io { .. }
        ));
    }
}

/// METHODS.md §1: a parent listed in `baseModels` is the model with its `_id`, whatever id
/// stands beside it (here a name no snapshot holds); one whose `_id` no model has resolves by
/// id; a tag names a model by id only.
#[test]
fn parents_resolve_by_object_id_even_under_a_name_no_snapshot_holds() {
    let dir = tempfile::tempdir().unwrap();
    let child = |name: &str, parents: Vec<(&str, Option<&str>)>| {
        let mut child = record(Some(&format!("o-{name}")), name, Some(3));
        child.tags = Some(vec!["base_model:quantized:org/base-old".into()]);
        child.lineage = Lineage::with_object_ids(
            Relation::Quantized,
            parents
                .into_iter()
                .map(|(parent, object_id)| (id(parent), object_id.map(str::to_owned)))
                .collect(),
            LineageSource::BaseModels,
        );
        child
    };
    // The child comes before its base in the file, and names it by an `_id` and an old name.
    let gguf = child("someone/base-gguf", vec![("org/base-old", Some("ob"))]);
    // A parent whose `_id` no model has: resolved by its id.
    let orphan = child("someone/other-gguf", vec![("org/base", Some("gone"))]);
    commit(
        dir.path(),
        T1,
        &[
            gguf.clone(),
            orphan.clone(),
            record(Some("ob"), "org/base", Some(100)),
        ],
    );
    // The base is renamed; the child names it by yet another name.
    let renamed = child("someone/base-gguf", vec![("org/base-older", Some("ob"))]);
    commit(
        dir.path(),
        T2,
        &[
            record(Some("ob"), "org/base-v2", Some(150)),
            renamed.clone(),
            orphan.clone(),
        ],
    );
    let store = Store::open(dir.path()).unwrap();
    let base = store.resolve("ob").unwrap();
    let gguf_index = store.resolve("someone/base-gguf").unwrap() as usize;
    let orphan_index = store.resolve("someone/other-gguf").unwrap() as usize;
    for as_of in [T1, T2] {
        let lineage = store.lineage_with(as_of, store.len(), true).unwrap();
        assert_eq!(lineage.parents_of(gguf_index), &[base], "{as_of}");
        assert_eq!(lineage.parents_of(orphan_index), &[base], "{as_of}");
        // The tag names `org/base-old`, which only the parent entry made for the child's
        // listing holds: not the base.
        let mention = store.resolve("org/base-old").unwrap();
        assert_ne!(mention, base);
        assert_eq!(lineage.mentions_of(gguf_index), &[mention], "{as_of}");
    }
    // `org/base-older` was named with a known `_id`: it needs no entry of its own.
    assert_eq!(store.resolve("org/base-older"), None);
    // The `_id`s come back with the records.
    let back: Vec<ModelRecord> = store.records(T2).unwrap().map(Result::unwrap).collect();
    assert!(back.contains(&renamed) && back.contains(&orphan));
    assert_eq!(
        store.manifest(T2).unwrap().schema_version,
        hubcensus_store::SCHEMA_VERSION
    );
}

/// An id several models have had resolves, in a lineage as in `Store::resolve`, to the model
/// that took it latest, even when another model's current id is that id.
#[test]
fn a_shared_id_resolves_to_the_model_that_took_it_latest() {
    let dir = tempfile::tempdir().unwrap();
    let t3 = T2.plus_days(7);
    // B is `x/m` at T1 and never seen again; A takes `x/m` at T2, then moves to `x/m3`.
    commit(dir.path(), T1, &[record(Some("b"), "x/m", Some(1))]);
    commit(dir.path(), T2, &[record(Some("a"), "x/m", Some(1))]);
    let mut child = record(Some("c"), "someone/m-tuned", Some(1));
    child.tags = Some(vec!["base_model:x/m".into()]);
    child.lineage = Lineage::new(
        Relation::Finetune,
        vec![id("x/m")],
        LineageSource::RelationTags,
    );
    commit(dir.path(), t3, &[record(Some("a"), "x/m3", Some(2)), child]);
    let store = Store::open(dir.path()).unwrap();
    let a = store.resolve("a").unwrap();
    assert_eq!(store.resolve("x/m"), Some(a));
    let tuned = store.resolve("someone/m-tuned").unwrap() as usize;
    // Through the ids read alone, then through the built dictionary.
    for _ in 0..2 {
        let lineage = store.lineage_with(t3, store.len(), true).unwrap();
        assert_eq!(lineage.parents_of(tuned), &[a]);
        assert_eq!(lineage.mentions_of(tuned), &[a]);
        store.try_resolve("x/m").unwrap();
    }
    assert_eq!(store.resolve_one("x/m").unwrap(), Some(a));
}

/// A store written by format version 1 (`tests/fixtures/store-v1`, written by hubcensus-store
/// before parents' `_id`s were kept: two snapshots, the base renamed in the second, its
/// children naming its first id) reads as it did; a writer migrates it to the layout of
/// version 3 (its snapshots keep their columns, so their parents still resolve by id) and
/// commits beside them.
#[test]
fn a_version_1_store_still_reads_and_takes_version_3_commits() {
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/store-v1");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture, dir.path());
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.snapshots().len(), 2);
    for info in store.snapshots() {
        assert_eq!(store.manifest(info.as_of).unwrap().schema_version, 1);
        store.verify(info.as_of).unwrap();
    }
    let base = store.resolve("ob").unwrap();
    assert_eq!(store.resolve("org/base"), Some(base));
    let gguf = store.resolve("someone/base-gguf").unwrap() as usize;
    let tuned = store.resolve("someone/base-tuned").unwrap() as usize;
    for as_of in [T1, T2] {
        let lineage = store.lineage_with(as_of, store.len(), true).unwrap();
        assert_eq!(lineage.parents_of(gguf), &[base]);
        assert_eq!(lineage.parents_of(tuned), &[base]);
        assert_eq!(lineage.mentions_of(gguf), &[base]);
    }
    let records: Vec<ModelRecord> = store.records(T2).unwrap().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    assert!(
        records
            .iter()
            .filter_map(|r| r.lineage.as_ref())
            .all(|l| l.parents == vec![id("org/base")] && l.parent_object_ids.is_empty())
    );
    // Unchanged content re-imported into the old snapshot is still unchanged.
    assert!(matches!(
        commit(
            dir.path(),
            T1,
            &store
                .records(T1)
                .unwrap()
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        ),
        CommitOutcome::Unchanged(_)
    ));
    // A version-2 snapshot beside them: its child names the base by `_id` and a name no
    // snapshot holds.
    let t3 = T2.plus_days(7);
    let mut child = record(Some("oc"), "someone/base-gguf", Some(50));
    child.lineage = Lineage::with_object_ids(
        Relation::Quantized,
        vec![(id("org/base-gone"), Some("ob".into()))],
        LineageSource::BaseModels,
    );
    commit(
        dir.path(),
        t3,
        &[record(Some("ob"), "org/base-v2", Some(160)), child],
    );
    let store = Store::open(dir.path()).unwrap();
    let versions: Vec<u32> = store
        .snapshots()
        .iter()
        .map(|info| store.manifest(info.as_of).unwrap().schema_version)
        .collect();
    assert_eq!(versions, [3, 3, 3]);
    assert!(!dir.path().join("snapshots").exists());
    let lineage = store.lineage_with(t3, store.len(), false).unwrap();
    assert_eq!(lineage.parents_of(gguf), &[base]);
    let old = store.lineage_with(T1, store.len(), false).unwrap();
    assert_eq!(old.parents_of(tuned), &[base]);
    for info in store.snapshots() {
        store.verify(info.as_of).unwrap();
    }
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
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

/// METHODS.md §5: lineage comes from the newest snapshot at or before a time whose source
/// carried it; a listing without lineage does not erase it.
#[test]
fn lineage_comes_from_the_newest_snapshot_that_carried_it() {
    let dir = tempfile::tempdir().unwrap();
    let t3 = T2.plus_days(7);
    let mut child = record(Some("oc"), "someone/base-gguf", Some(3));
    child.lineage = Lineage::new(
        Relation::Quantized,
        vec![id("org/base")],
        LineageSource::BaseModels,
    );
    // A listing without lineage (no tags, no baseModels) before any full snapshot...
    let listing = |as_of: Timestamp| SnapshotDraft {
        columns: ["object_id", "id", "downloads_30d"]
            .map(String::from)
            .to_vec(),
        partial: true,
        ..draft(as_of)
    };
    let thirty_day = |object_id: &str, model: &str| {
        let mut record = ModelRecord::new(id(model));
        record.object_id = Some(object_id.into());
        record.downloads_30d = Some(5);
        record
    };
    let listed = [
        thirty_day("ob", "org/base"),
        thirty_day("oc", "someone/base-gguf"),
    ];
    let mut writer = Writer::lock(dir.path()).unwrap();
    let mut builder = writer.begin(listing(T1)).unwrap();
    builder.push(&listed).unwrap();
    builder.commit(false).unwrap();
    drop(writer);
    {
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.lineage_snapshot(T1), None);
        assert!(
            store
                .lineage_as_of(T1, store.len(), true)
                .unwrap()
                .is_none()
        );
    }
    // ... then a full snapshot, then another listing.
    commit(
        dir.path(),
        T2,
        &[record(Some("ob"), "org/base", Some(100)), child],
    );
    let mut writer = Writer::lock(dir.path()).unwrap();
    let mut builder = writer.begin(listing(t3)).unwrap();
    builder.push(&listed).unwrap();
    builder.commit(false).unwrap();
    drop(writer);

    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.lineage_snapshot(T1), None);
    assert_eq!(store.lineage_snapshot(T2), Some(T2));
    assert_eq!(store.lineage_snapshot(t3), Some(T2));
    assert_eq!(store.lineage_snapshot(t3.plus_days(30)), Some(T2));
    let base = store.resolve("ob").unwrap();
    let gguf = store.resolve("oc").unwrap() as usize;
    // The listing's own lineage is empty; the lineage as of its time is the full snapshot's.
    assert!(
        store
            .lineage_with(t3, store.len(), false)
            .unwrap()
            .parents
            .is_empty()
    );
    let (source, lineage) = store
        .lineage_as_of(t3, store.len(), false)
        .unwrap()
        .unwrap();
    assert_eq!(source, T2);
    assert_eq!(lineage.parents_of(gguf), &[base]);
}
