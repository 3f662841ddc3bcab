//! hub-stats `models.parquet` rows (nested `baseModels`, `safetensors`, `tags`, `cardData`), read
//! as `hubcensus import` reads them: inspection (schema, row count, column mapping), then the
//! rows in batches through the typed Arrow column views.
//!
//! The first byte picks whether invalid records are skipped and the batch size; the rest is the
//! Parquet file, written under `$TMPDIR`. Invariants: no panic, no allocation sized by a count
//! the file claims; every chunk is within the batch size; no id is given twice.
#![no_main]

use std::collections::BTreeSet;

use hubcensus_ingest::{Format, ReadOptions, open};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let options = ReadOptions {
        format: Format::HubStats,
        as_of: None,
        skip_invalid: selector & 1 != 0,
        batch_size: 1 + usize::from(selector >> 4),
    };
    let file = std::env::temp_dir().join(format!("hubcensus-fuzz-{}.parquet", std::process::id()));
    std::fs::write(&file, body).expect("write the input");
    if let Ok(snapshots) = open(&file, &options) {
        for snapshot in snapshots {
            let Ok(chunks) = snapshot.chunks() else {
                continue;
            };
            let mut ids = BTreeSet::new();
            for chunk in chunks {
                let Ok(chunk) = chunk else { break };
                assert!(chunk.len() <= options.batch_size);
                for record in chunk {
                    assert!(
                        ids.insert(record.id.as_str().to_owned()),
                        "{:?} twice",
                        record.id
                    );
                }
            }
        }
    }
    let _ = std::fs::remove_file(&file);
});
