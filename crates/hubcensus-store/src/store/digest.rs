//! The store's content digest: one sha256 that two stores share exactly when they hold the same
//! snapshots (by their records) and the same key dictionary (by its entries), whatever the
//! run, the file encoding or the dictionary generation numbers that produced them.

use sha2::{Digest as _, Sha256};

use super::Store;
use crate::StoreError;

/// What [`Store::content_digest`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentDigest {
    /// Lowercase hex sha256 over the snapshots and the key dictionary (see
    /// [`Store::content_digest`]).
    pub sha256: String,
    pub snapshots: usize,
    /// Keys in the dictionary the snapshots reference.
    pub keys: usize,
    /// Models summed over the snapshots.
    pub models: u64,
}

impl Store {
    /// Verifies every committed snapshot's files against their manifests ([`Store::verify`]),
    /// then hashes the store's content: for each snapshot in as-of order its as-of time,
    /// source kind, model count, columns, `partial`, `synthetic`, the `content_hash` of its
    /// records (independent of row order and encoding), its totals and dictionary length; then
    /// every key-dictionary entry in index order (`_id`, and each id of its history with its
    /// first-seen time); then each enrichment (its snapshot and the sha256 of each result file,
    /// verified). Left out, as facts of a run rather than of the content: crawl start
    /// and end times, the source location, the writer's version, file paths and generation
    /// numbers. Two stores with the same digest read the same for every view.
    ///
    /// Reads every snapshot file and the whole dictionary: seconds at 2 million models.
    pub fn content_digest(&self) -> Result<ContentDigest, StoreError> {
        let mut hasher = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        field(b"hubcensus store content 1");
        let mut models = 0;
        for committed in &self.committed {
            let manifest = &committed.manifest;
            self.verify(manifest.info.as_of)?;
            let info = &manifest.info;
            models += info.models;
            field(b"snapshot");
            field(info.as_of.to_string().as_bytes());
            field(format!("{:?}", info.source).as_bytes());
            field(&info.models.to_le_bytes());
            field(info.columns.join(",").as_bytes());
            field(&[u8::from(info.partial), u8::from(info.synthetic)]);
            field(manifest.content_hash.as_bytes());
            field(format!("{:?}", manifest.totals).as_bytes());
            field(&manifest.dictionary_len.to_le_bytes());
        }
        let dictionary = self.dictionary()?;
        field(b"dictionary");
        field(&(dictionary.len() as u64).to_le_bytes());
        for entry in &dictionary.entries {
            field(entry.object_id.as_deref().unwrap_or("\u{0}").as_bytes());
            field(&(entry.history.len() as u64).to_le_bytes());
            for (id, seen) in &entry.history {
                field(id.as_str().as_bytes());
                field(&seen.as_millis().to_le_bytes());
            }
        }
        for enrichment in self.enrichments()? {
            self.verify_enrichment(&enrichment)?;
            field(b"enrichment");
            field(enrichment.snapshot_as_of.to_string().as_bytes());
            field(enrichment.snapshot_content_hash.as_bytes());
            for (name, entry) in &enrichment.files {
                field(name.as_bytes());
                field(entry.sha256.as_bytes());
            }
        }
        Ok(ContentDigest {
            sha256: crate::writer::hex(&hasher.finalize()),
            snapshots: self.committed.len(),
            keys: dictionary.len(),
            models,
        })
    }
}
