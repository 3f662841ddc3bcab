//! Every `hubcensus evals import` format: Open LLM Leaderboard v2 CSV, RULER CSV, MTEB CSV, a
//! team's plain CSV, and Every Eval Ever JSON; plus format sniffing from the first line.
//!
//! The first byte picks the format (its value modulo 5), the rest is the file. Invariants: no
//! panic; every record read has a finite value, a non-empty model and benchmark, and its
//! format's name.
#![no_main]

use std::path::Path;

use hubcensus_evals::import::{
    Format, eee_json, mteb_csv, open_llm_leaderboard, plain_csv, ruler_csv,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let format = Format::ALL[usize::from(selector) % Format::ALL.len()];
    let records = match format {
        Format::OpenLlmLeaderboard => open_llm_leaderboard(body),
        Format::Ruler => ruler_csv(body),
        Format::Mteb => mteb_csv(body),
        Format::Csv => plain_csv(body),
        Format::Eee => {
            let Ok(text) = std::str::from_utf8(body) else {
                return;
            };
            eee_json(text)
        }
    };
    if let Ok(text) = std::str::from_utf8(body) {
        let first_line = text.lines().next().unwrap_or_default();
        let _ = Format::sniff(Path::new("fuzz.csv"), first_line);
    }
    let Ok(records) = records else {
        return;
    };
    for record in &records {
        assert!(record.value.is_finite(), "{record:?}");
        assert!(!record.model.is_empty(), "{record:?}");
        assert!(!record.benchmark.is_empty(), "{record:?}");
    }
});
