//! The persisted evals store: one JSON Lines file, `<data-dir>/evals/evals.jsonl`.
//!
//! Line 1 is a header `{"format":"hubcensus-evals","version":1}`; every further line is one
//! [`EvalRecord`]. Records are kept sorted by (source, model, benchmark, metric, setting), so the
//! file is byte-for-byte deterministic. Writes are atomic: a temporary file in the same
//! directory, fsync, rename, then fsync of the directory. Importing replaces records with the
//! same identity ([`EvalRecord::identity`]) and keeps everything else.
//!
//! An import is a read-modify-write: it holds [`EvalStore::lock`] (an exclusive `flock` on
//! `<data-dir>/evals/lock`) from its first read to its write, so a second import waits for the
//! first instead of writing over it (two imports at once lost an update before).
//!
//! The snapshot store (`hubcensus-store`) may take this file over later; its format is versioned
//! for that reason.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{EvalRecord, EvalsError};

pub const FORMAT_VERSION: u32 = 1;
const FILE_NAME: &str = "evals.jsonl";

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
}

/// An exclusive hold on an evals store for one read-modify-write; released on drop.
#[derive(Debug)]
pub struct EvalLock {
    _file: std::fs::File,
}

/// The evals file of one data directory.
#[derive(Debug, Clone)]
pub struct EvalStore {
    path: PathBuf,
}

impl EvalStore {
    /// The store under `data_dir` (it need not exist yet).
    #[must_use]
    pub fn at(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("evals").join(FILE_NAME),
        }
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the store's write lock, calling `on_wait` first when another process (or thread)
    /// holds it, then waiting for it. Readers take no lock: a write is an atomic rename, so a
    /// reader sees the file before or after it.
    pub fn lock(&self, on_wait: impl FnOnce()) -> Result<EvalLock, EvalsError> {
        let directory = self.path.parent().unwrap_or(Path::new("."));
        let path = directory.join("lock");
        let error = |source| EvalsError::Write {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(directory).map_err(error)?;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                on_wait();
                file.lock().map_err(error)?;
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(error(source)),
        }
        Ok(EvalLock { _file: file })
    }

    /// All stored records, sorted; empty when nothing was imported yet.
    pub fn load(&self) -> Result<Vec<EvalRecord>, EvalsError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(EvalsError::Read {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let mut lines = text.lines().enumerate();
        if let Some((_, first)) = lines.next() {
            let header: Header =
                serde_json::from_str(first).map_err(|source| EvalsError::CorruptStore {
                    path: self.path.clone(),
                    line: 1,
                    source,
                })?;
            if header.version != FORMAT_VERSION {
                return Err(EvalsError::StoreVersion {
                    path: self.path.clone(),
                    found: header.version,
                    expected: FORMAT_VERSION,
                });
            }
        }
        lines
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| {
                serde_json::from_str(line).map_err(|source| EvalsError::CorruptStore {
                    path: self.path.clone(),
                    line: index + 1,
                    source,
                })
            })
            .collect()
    }

    /// Merges `records` into the store (same identity → replaced) and writes it atomically.
    /// Returns the number of records stored afterwards.
    pub fn merge(&self, records: Vec<EvalRecord>) -> Result<usize, EvalsError> {
        let mut all: BTreeMap<(String, String, String, String, String), EvalRecord> =
            BTreeMap::new();
        for record in self.load()?.into_iter().chain(records) {
            let (source, model, benchmark, metric, setting) = record.identity();
            let key = (
                source.to_owned(),
                model.to_owned(),
                benchmark.to_owned(),
                metric.to_owned(),
                setting.to_owned(),
            );
            all.insert(key, record);
        }
        let count = all.len();
        self.write(all.into_values())?;
        Ok(count)
    }

    /// Replaces the store's content with `records` (sorted by identity first).
    pub fn replace(&self, mut records: Vec<EvalRecord>) -> Result<(), EvalsError> {
        records.sort_by(|a, b| a.identity().cmp(&b.identity()));
        self.write(records.into_iter())
    }

    fn write(&self, records: impl Iterator<Item = EvalRecord>) -> Result<(), EvalsError> {
        let error = |source| EvalsError::Write {
            path: self.path.clone(),
            source,
        };
        let directory = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(directory).map_err(error)?;
        let mut text = serde_json::to_string(&Header {
            format: "hubcensus-evals".into(),
            version: FORMAT_VERSION,
        })
        .map_err(|source| error(std::io::Error::other(source)))?;
        text.push('\n');
        for record in records {
            text.push_str(
                &serde_json::to_string(&record)
                    .map_err(|source| error(std::io::Error::other(source)))?,
            );
            text.push('\n');
        }
        let temporary = directory.join(format!(".{FILE_NAME}.tmp"));
        {
            let mut file = std::fs::File::create(&temporary).map_err(error)?;
            file.write_all(text.as_bytes()).map_err(error)?;
            file.sync_all().map_err(error)?;
        }
        std::fs::rename(&temporary, &self.path).map_err(error)?;
        // Make the rename itself durable; not every platform can open a directory.
        if let Ok(directory) = std::fs::File::open(directory) {
            let _ = directory.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(model: &str, benchmark: &str, value: f64) -> EvalRecord {
        EvalRecord {
            matched: None,
            model: model.into(),
            hub_id: hubcensus_model::ModelId::new(model).ok(),
            benchmark: benchmark.into(),
            metric: "score".into(),
            value,
            setting: None,
            higher_is_better: true,
            source: "test".into(),
            date: Some("2026-01-01".into()),
            format: "csv".into(),
        }
    }

    /// Issue #17: concurrent read-modify-writes under the lock lose no update (each adds 1 to
    /// one record; without the lock, writers that read the same value overwrite each other).
    #[test]
    fn concurrent_imports_under_the_lock_lose_no_update() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvalStore::at(dir.path());
        store.merge(vec![record("a/m", "GPQA", 0.0)]).unwrap();
        let waited = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    let _lock = store
                        .lock(|| {
                            waited.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        })
                        .unwrap();
                    let mut stored = store.load().unwrap();
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    stored[0].value += 1.0;
                    store.merge(stored).unwrap();
                });
            }
        });
        assert!((store.load().unwrap()[0].value - 8.0).abs() < 1e-9);
        assert!(waited.into_inner() > 0, "the threads never contended");
    }

    #[test]
    fn merge_replaces_same_identity_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvalStore::at(dir.path());
        assert!(store.load().unwrap().is_empty());
        assert_eq!(
            store
                .merge(vec![record("b/m", "GPQA", 1.0), record("a/m", "GPQA", 2.0)])
                .unwrap(),
            2
        );
        assert_eq!(
            store
                .merge(vec![record("b/m", "GPQA", 3.0), record("b/m", "MATH", 4.0)])
                .unwrap(),
            3
        );
        let loaded = store.load().unwrap();
        let summary: Vec<(&str, &str, f64)> = loaded
            .iter()
            .map(|r| (r.model.as_str(), r.benchmark.as_str(), r.value))
            .collect();
        assert_eq!(
            summary,
            [
                ("a/m", "GPQA", 2.0),
                ("b/m", "GPQA", 3.0),
                ("b/m", "MATH", 4.0)
            ]
        );
        let first = std::fs::read_to_string(store.path()).unwrap();
        store.merge(Vec::new()).unwrap();
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), first);
        assert!(first.starts_with("{\"format\":\"hubcensus-evals\",\"version\":1}\n"));
    }

    #[test]
    fn corrupt_and_future_files_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let store = EvalStore::at(dir.path());
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(
            store.path(),
            "{\"format\":\"hubcensus-evals\",\"version\":9}\n",
        )
        .unwrap();
        assert!(matches!(
            store.load(),
            Err(EvalsError::StoreVersion { found: 9, .. })
        ));
        std::fs::write(
            store.path(),
            "{\"format\":\"hubcensus-evals\",\"version\":1}\nnot json\n",
        )
        .unwrap();
        assert!(matches!(
            store.load(),
            Err(EvalsError::CorruptStore { line: 2, .. })
        ));
    }
}
