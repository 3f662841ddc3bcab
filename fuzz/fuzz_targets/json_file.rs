//! Hub API JSON saved to a file, read as `hubcensus import` reads it: a JSON array, a
//! `{date, fetched_at, models}` wrapper, or JSON Lines, by format detection or by flag.
//!
//! The first byte picks the format (auto, json, jsonl; its value modulo 3), `--as-of` (bit 3),
//! whether invalid records are skipped (bit 4), and the batch size (bits 5-7); the rest is the
//! file, written under `$TMPDIR`. Invariants: no panic; every
//! chunk is within the batch size; no id is given twice; with `skip_invalid`, records and
//! rejects together never exceed the rows the source announced.
#![no_main]

use std::collections::BTreeSet;
use std::path::PathBuf;

use hubcensus_ingest::{Format, ReadOptions, open};
use hubcensus_model::Timestamp;
use libfuzzer_sys::fuzz_target;

fn path(extension: &str) -> PathBuf {
    std::env::temp_dir().join(format!("hubcensus-fuzz-{}.{extension}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let (format, extension) = match selector % 3 {
        0 => (Format::Auto, "json"),
        1 => (Format::Json, "json"),
        _ => (Format::JsonLines, "jsonl"),
    };
    let options = ReadOptions {
        format,
        // A listing saved without a date needs `--as-of`: half the inputs have it.
        as_of: (selector & 0x08 != 0).then(|| Timestamp::from_secs(1_767_225_600)),
        skip_invalid: selector & 0x10 != 0,
        batch_size: 1 + usize::from(selector >> 5),
    };
    let file = path(extension);
    std::fs::write(&file, body).expect("write the input");
    read(&file, &options);
    let _ = std::fs::remove_file(&file);
});

fn read(file: &std::path::Path, options: &ReadOptions) {
    let Ok(snapshots) = open(file, options) else {
        return;
    };
    for snapshot in snapshots {
        let rows = snapshot.rows;
        let Ok(mut chunks) = snapshot.chunks() else {
            continue;
        };
        let mut ids = BTreeSet::new();
        let mut records = 0u64;
        for chunk in chunks.by_ref() {
            let Ok(chunk) = chunk else { break };
            assert!(chunk.len() <= options.batch_size);
            for record in chunk {
                assert!(
                    ids.insert(record.id.as_str().to_owned()),
                    "{:?} twice",
                    record.id
                );
                records += 1;
            }
        }
        if options.skip_invalid {
            assert!(records + chunks.rejects().len() as u64 <= rows);
        }
    }
}
