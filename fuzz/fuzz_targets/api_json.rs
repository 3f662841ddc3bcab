//! Hub API JSON: one `/api/models` page (an array of model objects) and one model object.
//!
//! Invariants: no panic; the one-pass page parser and the object-by-object fallback agree (a
//! page that parses gives one record per element, each equal to that element parsed alone); an
//! error's position names an element that exists and fails alone.
#![no_main]

use hubcensus_ingest::api_json::{parse_model_array, parse_model_object};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_model_object(text);
    let elements: Option<Vec<&RawValue>> = serde_json::from_str(text).ok();
    match parse_model_array(text) {
        Ok(records) => {
            let elements = elements.expect("a page that parsed is a JSON array");
            assert_eq!(records.len(), elements.len());
            for (record, element) in records.iter().zip(&elements) {
                let alone = parse_model_object(element.get()).expect("an element of a parsed page");
                assert_eq!(record, &alone);
            }
        }
        Err((Some(position), _)) => {
            let elements = elements.expect("a positioned error is inside an array");
            assert!(position < elements.len());
            assert!(parse_model_object(elements[position].get()).is_err());
            for element in &elements[..position] {
                assert!(parse_model_object(element.get()).is_ok());
            }
        }
        Err((None, _)) => assert!(elements.is_none()),
    }
});
