//! The provenance of `hubcensus enrich`: a manifest per enriched snapshot,
//! `manifests/enrich/<stem>.json`, recording what was asked, when, and the sha256 of each result
//! file (docs/store.md, "Enrichment manifests"). The result files themselves stay where enrich
//! writes them while it runs (`enrich/as_of=<time>/`); a reader finds them through the
//! manifest, and `Store::content_digest` verifies and hashes them.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use hubcensus_model::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{FileEntry, StoreError, Writer, layout};

/// The schema name of an enrichment manifest.
pub const ENRICHMENT_SCHEMA: &str = "hubcensus.enrichment/v1";

/// What an enrichment run was asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichmentRequest {
    /// The top N models of the snapshot by 30-day downloads.
    pub top: u64,
    /// Whether their direct base models were fetched too.
    pub base_models: bool,
    /// The Hub endpoint (never a token).
    pub endpoint: String,
}

/// The manifest of the enrichment of one snapshot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrichmentManifest {
    pub schema: String,
    /// The snapshot enriched, and its records' `content_hash` when the run finished.
    pub snapshot_as_of: Timestamp,
    pub snapshot_content_hash: String,
    pub request: EnrichmentRequest,
    /// When the run that finished the enrichment started and ended (a resumed enrichment
    /// keeps what earlier runs fetched).
    pub started: Timestamp,
    pub finished: Timestamp,
    /// Models, base models and accounts recorded in the files.
    pub counts: BTreeMap<String, u64>,
    /// Result files by name (`models`, `accounts`), paths relative to the data directory.
    pub files: BTreeMap<String, FileEntry>,
    /// The program that wrote it, e.g. `hubcensus-store 0.1.0`.
    pub writer: String,
}

/// What [`Writer::record_enrichment`] is given: the manifest less the files' sizes and hashes.
#[derive(Clone, Debug)]
pub struct EnrichmentDraft {
    pub snapshot_as_of: Timestamp,
    pub request: EnrichmentRequest,
    pub started: Timestamp,
    pub finished: Timestamp,
    pub counts: BTreeMap<String, u64>,
    /// Result files by name, as paths under the data directory.
    pub files: BTreeMap<String, PathBuf>,
}

/// `manifests/enrich/`.
pub(crate) fn enrichment_dir(root: &Path) -> PathBuf {
    layout::manifests_dir(root).join("enrich")
}

/// The enrichment manifests of the store at `root`, by snapshot time; a manifest that cannot
/// be read is an error naming it.
pub(crate) fn read_all(root: &Path) -> Result<Vec<EnrichmentManifest>, StoreError> {
    let dir = enrichment_dir(root);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(StoreError::io(&dir)(error)),
    };
    let mut manifests = Vec::new();
    for entry in entries {
        let path = entry.map_err(StoreError::io(&dir))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(StoreError::io(&path))?;
        let manifest: EnrichmentManifest =
            serde_json::from_slice(&bytes).map_err(|source| StoreError::Manifest {
                path: path.clone(),
                source,
            })?;
        manifests.push(manifest);
    }
    manifests.sort_by_key(|m| m.snapshot_as_of);
    Ok(manifests)
}

impl Writer {
    /// Records the enrichment of a committed snapshot: hashes the result files and writes
    /// `manifests/enrich/<stem>.json` (a temporary file, synced, renamed, the directory
    /// synced), replacing the manifest of an earlier run for the same snapshot. The files must
    /// lie under the data directory and no longer change.
    pub fn record_enrichment(
        &mut self,
        draft: &EnrichmentDraft,
    ) -> Result<EnrichmentManifest, StoreError> {
        let root = self.data_dir().to_path_buf();
        let snapshot = layout::scan(&root)?
            .into_iter()
            .find(|c| c.manifest.info.as_of == draft.snapshot_as_of)
            .ok_or(StoreError::SnapshotNotFound {
                as_of: draft.snapshot_as_of,
            })?;
        let mut files = BTreeMap::new();
        for (name, path) in &draft.files {
            let relative = path.strip_prefix(&root).map_err(|_| StoreError::Corrupt {
                path: path.clone(),
                reason: format!(
                    "an enrichment file outside the data directory {}",
                    root.display()
                ),
            })?;
            let (bytes, sha256) = crate::store::size_and_sha256(path)?;
            files.insert(
                name.clone(),
                FileEntry {
                    path: relative.to_string_lossy().into_owned(),
                    bytes,
                    sha256,
                },
            );
        }
        let manifest = EnrichmentManifest {
            schema: ENRICHMENT_SCHEMA.to_owned(),
            snapshot_as_of: draft.snapshot_as_of,
            snapshot_content_hash: snapshot.manifest.content_hash.clone(),
            request: draft.request.clone(),
            started: draft.started,
            finished: draft.finished,
            counts: draft.counts.clone(),
            files,
            writer: concat!("hubcensus-store ", env!("CARGO_PKG_VERSION")).to_owned(),
        };
        let dir = enrichment_dir(&root);
        std::fs::create_dir_all(&dir).map_err(StoreError::io(&dir))?;
        let stem = layout::snapshot_stem(draft.snapshot_as_of);
        let path = dir.join(format!("{stem}.json"));
        let temporary = dir.join(format!(".{stem}.json.{}.tmp", std::process::id()));
        let mut bytes =
            serde_json::to_vec_pretty(&manifest).expect("an enrichment manifest serializes");
        bytes.push(b'\n');
        let written = std::fs::File::create(&temporary).and_then(|mut file| {
            file.write_all(&bytes)?;
            file.sync_all()
        });
        if let Err(error) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(StoreError::io(&temporary)(error));
        }
        std::fs::rename(&temporary, &path).map_err(StoreError::io(&path))?;
        layout::fsync_dir(&dir)?;
        Ok(manifest)
    }
}
