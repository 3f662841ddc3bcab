//! A model card's metadata (`cardData`, untrusted JSON text) scanned for `model-index` results.
//!
//! Invariants: no panic; no records without a model-index; every record is the card's own
//! model's, with a finite value and a non-empty benchmark.
#![no_main]

use hubcensus_evals::import::model_index;
use hubcensus_model::ModelId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let id = ModelId::new("fuzz-org/fuzz-model").expect("a valid id");
    let scan = model_index(&id, text, Some("2026-01-01"));
    if !scan.has_model_index {
        assert!(scan.records.is_empty());
    }
    for record in &scan.records {
        assert_eq!(record.hub_id.as_ref(), Some(&id));
        assert!(record.value.is_finite(), "{record:?}");
        assert!(!record.benchmark.trim().is_empty(), "{record:?}");
    }
});
