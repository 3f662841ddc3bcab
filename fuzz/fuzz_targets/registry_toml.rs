//! A registry file (`registry/*.toml`): parsed, checked, and asked what the rest of the program
//! asks of it.
//!
//! Invariants: no panic; a parsed registry answers `entry`/`attribute` for every namespace it
//! names, and `check` terminates (parent cycles included).
#![no_main]

use hubcensus_model::Timestamp;
use hubcensus_registry::Registry;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(registry) = Registry::parse(text) else {
        return;
    };
    let _ = registry.check();
    let _ = registry.version();
    let at = Timestamp::parse("2026-01-01T00:00:00Z").expect("a valid time");
    for organization in registry.organizations() {
        let _ = registry.ancestors(organization);
        let _ = organization.contributor();
        for link in &organization.namespaces {
            assert!(registry.names(&link.name), "{:?}", link.name);
            let _ = registry.entry(&link.name, at);
            let _ = registry.attribute(&link.name, at, None);
        }
    }
    for legacy in registry.legacy_moves() {
        for id in &legacy.ids {
            let _ = registry.namespace_of_text(id);
        }
    }
});
