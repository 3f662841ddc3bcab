//! The Hub API's response headers: `Link` (the listing cursor), `RateLimit` and
//! `RateLimit-Policy`, and the pacer that turns them into the next request's earliest instant.
//!
//! The input is split at the first two newlines into a Link value, a RateLimit value and a
//! RateLimit-Policy value. Invariants: no panic; a `next` target found is a `<...>` of the value;
//! a Link header written from any target without angle brackets round-trips; a RateLimit or
//! policy that parses round-trips through its canonical form; the pacer never schedules a
//! request before the response that it paces was received.
#![no_main]

use std::time::Duration;

use hubcensus_ingest::hub::{Pacer, RateLimit, RateLimitPolicy, next_link};
use libfuzzer_sys::fuzz_target;
use tokio::time::Instant;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\n');
    let link = parts.next().unwrap_or_default();
    let ratelimit = parts.next().unwrap_or_default();
    let policy = parts.next().unwrap_or_default();

    if let Some(target) = next_link(link) {
        assert!(!target.contains('>'));
        assert!(link.contains(&format!("<{target}>")));
    }
    let target: String = link.chars().filter(|c| !matches!(c, '<' | '>')).collect();
    for header in [
        format!("<{target}>; rel=\"next\""),
        format!("<https://huggingface.co/api/models?p=0>; rel=\"prev\", <{target}>; rel=\"next\""),
        format!("<{target}>; rel=next"),
    ] {
        assert_eq!(
            next_link(&header).as_deref(),
            Some(target.as_str()),
            "{header:?}"
        );
    }

    let limit = RateLimit::parse(ratelimit);
    if let Some(limit) = limit {
        let canonical = format!("\"api\";r={};t={}", limit.remaining, limit.reset_secs);
        assert_eq!(RateLimit::parse(&canonical), Some(limit));
    }
    if let Some(parsed) = RateLimitPolicy::parse(policy) {
        let canonical = format!(
            "\"fixed window\";\"api\";q={};w={}",
            parsed.quota, parsed.window_secs
        );
        assert_eq!(RateLimitPolicy::parse(&canonical), Some(parsed));
    }

    // The pacer over the parsed header, then over the same header a second later.
    if let Some(limit) = limit {
        let start = Instant::now();
        let mut pacer = Pacer::new(Duration::from_secs(1));
        pacer.observe(start, limit);
        assert!(pacer.not_before().is_some_and(|at| at >= start));
        let later = start + Duration::from_secs(1);
        pacer.observe(later, limit);
        assert!(pacer.not_before().is_some_and(|at| at >= later));
    }
});
