//! The frame cache (`<data>/cache/frames/`): frames read through it are the frames decoded
//! from Parquet, whatever state the cache is in (absent, warm, damaged, stale, unwritable).

use hubcensus_model::{FrameColumns, ModelId, ModelRecord, SourceKind, Timestamp};
use hubcensus_store::{COLUMNS, FrameSet, SnapshotDraft, Store, Writer, cache_dir};

const T1: Timestamp = Timestamp::from_secs(1_780_000_000);
const T2: Timestamp = Timestamp::from_secs(1_780_604_800);
const T3: Timestamp = Timestamp::from_secs(1_781_209_600);

fn commit(dir: &std::path::Path, as_of: Timestamp, records: &[ModelRecord], replace: bool) {
    let mut writer = Writer::lock(dir).unwrap();
    let mut builder = writer
        .begin(SnapshotDraft {
            as_of,
            crawl_started: None,
            crawl_ended: Some(as_of),
            source: SourceKind::HubApiJson,
            source_location: "test".into(),
            columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
            partial: false,
            synthetic: true,
        })
        .unwrap();
    builder.push(records).unwrap();
    builder.commit(replace).unwrap();
}

/// A week of `n` models: some renamed (same `_id`, another namespace), legacy ids, missing
/// values, a few tasks and licenses, counts that grow with the week.
fn week(n: u64, week: u64) -> Vec<ModelRecord> {
    (0..n)
        .filter(|i| !(i + week).is_multiple_of(11))
        .map(|i| {
            let id = if i % 97 == 0 {
                format!("legacy{i}")
            } else if i % 13 == 0 && week >= 2 {
                format!("moved{}/m{i}", i % 5)
            } else {
                format!("ns{}/m{i}", i % 41)
            };
            let mut r = ModelRecord::new(ModelId::new(id).unwrap());
            r.object_id = Some(format!("o{i}"));
            r.downloads_all_time = (i % 17 != 0).then_some(i * 10 + week * i);
            r.downloads_30d = (i % 19 != 0).then_some(i + week);
            r.likes = (i % 3 == 0).then_some(i / 3);
            r.created_at = (i % 7 != 0).then(|| Timestamp::from_secs(1_700_000_000 + i as i64));
            r.pipeline_tag = (i % 4 != 0).then(|| format!("task{}", i % 6));
            r.library_name = Some(format!("lib{}", i % 3));
            r.license = (i % 5 != 0).then(|| format!("license{}", (i + week) % 4));
            r.parameters = (i % 9 == 0).then_some(i * 1_000_000);
            r
        })
        .collect()
}

fn frames(dir: &std::path::Path, cache: bool, times: &[Timestamp]) -> FrameSet {
    Store::open(dir)
        .unwrap()
        .with_cache(cache)
        .load_frames(times)
        .unwrap()
}

fn entries(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(cache_dir(dir))
        .map(|read| read.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

#[test]
fn cached_frames_are_the_decoded_frames_warm_damaged_stale_or_unwritable() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    commit(dir, T1, &week(3_000, 1), false);
    commit(dir, T2, &week(3_200, 2), false);
    let times = [T1, T2];
    let truth = frames(dir, false, &times);
    assert!(entries(dir).is_empty(), "the cache off writes nothing");

    // Cold: decoded and written (presence and nine columns per snapshot); warm: read back.
    assert_eq!(frames(dir, true, &times), truth);
    let written = entries(dir);
    assert_eq!(written.len(), 2 * 10, "{written:?}");
    assert_eq!(frames(dir, true, &times), truth);
    // Only some columns, from the cache.
    let store = Store::open(dir).unwrap();
    let some = store
        .load_frames_with(
            &times,
            FrameColumns::DOWNLOADS_ALL_TIME | FrameColumns::AUTHOR,
        )
        .unwrap();
    assert_eq!(
        some.frames[1].downloads_all_time,
        truth.frames[1].downloads_all_time
    );
    assert_eq!(some.frames[1].author, truth.frames[1].author);
    assert_eq!(some.catalog.namespaces, truth.catalog.namespaces);

    // Damage: every entry truncated, one byte flipped, or swapped for another entry of the same
    // width: the frames are still the truth, and the entries are written again.
    let pristine: Vec<Vec<u8>> = written.iter().map(|p| std::fs::read(p).unwrap()).collect();
    for damage in 0..3 {
        for (path, bytes) in written.iter().zip(&pristine) {
            let damaged = match damage {
                0 => bytes[..bytes.len() / 2].to_vec(),
                1 => {
                    let mut b = bytes.clone();
                    let at = b.len() - 3;
                    b[at] ^= 0x40;
                    b
                }
                _ => {
                    // The same column of the other snapshot: another key.
                    let name = path.file_name().unwrap().to_str().unwrap();
                    let column = name.split_once('-').unwrap().1;
                    let other = written
                        .iter()
                        .zip(&pristine)
                        .find(|(p, _)| {
                            *p != path && p.file_name().unwrap().to_str().unwrap().ends_with(column)
                        })
                        .map(|(_, b)| b.clone());
                    other.unwrap_or_else(|| bytes.clone())
                }
            };
            std::fs::write(path, damaged).unwrap();
        }
        assert_eq!(frames(dir, true, &times), truth, "damage {damage}");
        for (path, bytes) in written.iter().zip(&pristine) {
            assert_eq!(
                &std::fs::read(path).unwrap(),
                bytes,
                "rewritten after damage {damage}"
            );
        }
    }

    // Stale: a new snapshot renames models (the store's ids change, so do author codes), then
    // a snapshot is replaced: old entries are not used, and are removed.
    commit(dir, T3, &week(3_400, 3), false);
    let times = [T1, T2, T3];
    let truth = frames(dir, false, &times);
    assert_eq!(frames(dir, true, &times), truth);
    assert_eq!(frames(dir, true, &times), truth);
    assert_eq!(entries(dir).len(), 3 * 10, "old author entries pruned");
    commit(dir, T2, &week(2_000, 7), true);
    let truth = frames(dir, false, &times);
    assert_eq!(frames(dir, true, &times), truth);
    assert_eq!(frames(dir, true, &times), truth);
    assert_eq!(
        entries(dir).len(),
        3 * 10,
        "the replaced snapshot's entries pruned"
    );

    // Unwritable: `cache` is a file, so no entry can be written; frames are still right.
    std::fs::remove_dir_all(dir.join("cache")).unwrap();
    std::fs::write(dir.join("cache"), b"not a directory").unwrap();
    assert_eq!(frames(dir, true, &times), truth);
    std::fs::remove_file(dir.join("cache")).unwrap();

    // A crash while writing leaves at most a temporary file, never read as an entry.
    let _ = frames(dir, true, &times);
    let entry = entries(dir)
        .into_iter()
        .find(|p| p.to_str().unwrap().ends_with("-downloads_all_time.bin"))
        .unwrap();
    let bytes = std::fs::read(&entry).unwrap();
    std::fs::remove_file(&entry).unwrap();
    let temporary = entry.with_file_name(format!(
        ".{}.999.tmp",
        entry.file_name().unwrap().to_str().unwrap()
    ));
    std::fs::write(&temporary, &bytes[..bytes.len() / 3]).unwrap();
    assert_eq!(frames(dir, true, &times), truth);
}

/// `week`'s models with lineage: some with a parent by id (some of them renamed later, so
/// they resolve through earlier ids), some merges, some `base_model:` tags.
fn week_with_lineage(n: u64, week: u64) -> Vec<ModelRecord> {
    use hubcensus_model::{Lineage, LineageSource, Relation};
    let mut records = self::week(n, week);
    let ids: Vec<ModelId> = records.iter().map(|r| r.id.clone()).collect();
    for (k, record) in records.iter_mut().enumerate() {
        if k % 3 == 1 {
            let mut parents = vec![ids[k / 2].clone()];
            if k % 9 == 4 {
                parents.push(ids[k / 3].clone());
            }
            parents.sort();
            parents.dedup();
            record.lineage = Some(Lineage {
                relation: if parents.len() > 1 {
                    Relation::Merge
                } else {
                    Relation::Finetune
                },
                parents,
                parent_object_ids: Vec::new(),
                source: LineageSource::BaseModels,
            });
        }
        if k % 5 == 2 {
            record.tags = Some(vec![format!("base_model:{}", ids[k / 4])]);
        }
    }
    records
}

fn ids_cache(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir.join("cache").join("ids"))
        .map(|read| read.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    entries.sort();
    entries
}

#[test]
fn cached_ids_and_lineage_are_the_decoded_ones_warm_damaged_or_stale() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    commit(dir, T1, &week_with_lineage(2_000, 1), false);
    commit(dir, T2, &week_with_lineage(2_200, 2), false);
    let truth = |dir: &std::path::Path| {
        let store = Store::open(dir).unwrap().with_cache(false);
        let ids = store.ids().unwrap();
        let lineage =
            [false, true].map(|mentions| store.lineage_with(T2, store.len(), mentions).unwrap());
        (ids, lineage)
    };
    let through_cache = |dir: &std::path::Path| {
        let store = Store::open(dir).unwrap();
        let ids = store.ids().unwrap();
        let lineage =
            [false, true].map(|mentions| store.lineage_with(T2, store.len(), mentions).unwrap());
        (ids, lineage)
    };
    let expected = truth(dir);
    assert!(ids_cache(dir).is_empty(), "the cache off writes nothing");
    assert!(
        expected.1[0].parents.len() > 500 && !expected.1[1].mentions.is_empty(),
        "the fixture has lineage"
    );
    // Cold (written), then warm (read back).
    assert_eq!(through_cache(dir), expected);
    let written = ids_cache(dir);
    assert_eq!(written.len(), 1, "{written:?}");
    let lineage_entries: Vec<_> = entries(dir)
        .into_iter()
        .filter(|p| p.to_str().unwrap().contains("-lineage"))
        .collect();
    assert_eq!(lineage_entries.len(), 2, "{lineage_entries:?}");
    assert_eq!(through_cache(dir), expected);

    // Damage: truncated, or one byte flipped anywhere (head or text): ignored, rewritten.
    let mut damaged_files = written.clone();
    damaged_files.extend(lineage_entries.iter().cloned());
    let pristine: Vec<Vec<u8>> = damaged_files
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    for damage in 0..3 {
        for (path, bytes) in damaged_files.iter().zip(&pristine) {
            let damaged = match damage {
                0 => bytes[..bytes.len() / 2].to_vec(),
                1 => {
                    let mut b = bytes.clone();
                    b[40] ^= 0x08;
                    b
                }
                _ => {
                    let mut b = bytes.clone();
                    let at = b.len() - 2;
                    b[at] ^= 0x01;
                    b
                }
            };
            std::fs::write(path, damaged).unwrap();
        }
        assert_eq!(through_cache(dir), expected, "damage {damage}");
        for (path, bytes) in damaged_files.iter().zip(&pristine) {
            assert_eq!(&std::fs::read(path).unwrap(), bytes, "rewritten ({damage})");
        }
    }

    // Stale: a new snapshot renames models and adds keys (a new dictionary): the old entries
    // are not used, and the ids entry is replaced.
    commit(dir, T3, &week_with_lineage(2_400, 3), false);
    let expected = truth(dir);
    assert_eq!(through_cache(dir), expected);
    assert_eq!(through_cache(dir), expected);
    let now = ids_cache(dir);
    assert_eq!(now.len(), 1);
    assert_ne!(now, written, "the old dictionary's ids entry removed");
}
