//! The Hub's rate-limit headers, and the pacer that spreads requests over a window.
//!
//! Every Hub response carries `RateLimit: "api";r=<remaining>;t=<seconds to reset>` and
//! `RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window seconds>` (IETF
//! draft-ietf-httpapi-ratelimit-headers). The pacer turns them into the earliest instant the next
//! request may be sent.

use std::time::Duration;

use tokio::time::Instant;

/// `RateLimit: "api";r=499;t=120`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub remaining: u64,
    pub reset_secs: u64,
}

/// `RateLimit-Policy: "fixed window";"api";q=500;w=300`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimitPolicy {
    pub quota: u64,
    pub window_secs: u64,
}

fn parameter(value: &str, name: &str) -> Option<u64> {
    value.split([';', ',']).find_map(|part| {
        let (key, number) = part.trim().split_once('=')?;
        (key.trim() == name)
            .then(|| number.trim().trim_matches('"').parse().ok())
            .flatten()
    })
}

impl RateLimit {
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Some(Self {
            remaining: parameter(value, "r")?,
            reset_secs: parameter(value, "t")?,
        })
    }
}

impl RateLimitPolicy {
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        Some(Self {
            quota: parameter(value, "q")?,
            window_secs: parameter(value, "w")?,
        })
    }
}

/// The longest wait a header can ask for (`t`, `Retry-After`): a day. The Hub's windows are
/// minutes long; a larger value is a broken or hostile header, and an instant that far ahead
/// would overflow (`Instant + Duration` panics).
pub(crate) const MAX_WAIT_SECS: u64 = 24 * 60 * 60;

/// A wait of `secs` seconds from a header, capped at [`MAX_WAIT_SECS`].
#[must_use]
pub(crate) fn wait_secs(secs: u64) -> Duration {
    Duration::from_secs(secs.min(MAX_WAIT_SECS))
}

/// Decides when the next request may go out.
///
/// The window's end is estimated as the earliest `receipt + t` seen in the current window: the
/// server rounds `t` to whole seconds and computes it before we receive it, so each `receipt + t`
/// is an upper bound of the true reset and their minimum converges on it. The remaining budget
/// `r` is spread evenly until then (`(end - now) / (r + 2)` between requests), which uses the whole
/// quota of a window without exhausting it early; with `r == 0` nothing is sent before the end
/// plus a margin. A 429 blocks until the instant the caller computed (from `t`, `Retry-After` or
/// backoff).
#[derive(Debug)]
pub struct Pacer {
    margin: Duration,
    window_end: Option<Instant>,
    last_remaining: Option<u64>,
    not_before: Option<Instant>,
}

impl Pacer {
    /// `margin`: how long after the estimated reset to wait when the budget is spent.
    #[must_use]
    pub fn new(margin: Duration) -> Self {
        Self {
            margin,
            window_end: None,
            last_remaining: None,
            not_before: None,
        }
    }

    /// The earliest instant the next request may be sent (`None`: now).
    #[must_use]
    pub fn not_before(&self) -> Option<Instant> {
        self.not_before
    }

    /// Takes in the headers of a response received at `now`.
    pub fn observe(&mut self, now: Instant, limit: RateLimit) {
        let end = now + wait_secs(limit.reset_secs);
        let new_window = match (self.window_end, self.last_remaining) {
            (Some(window_end), Some(last)) => now >= window_end || limit.remaining > last,
            _ => true,
        };
        let window_end = if new_window {
            end
        } else {
            self.window_end.map_or(end, |current| current.min(end))
        };
        self.window_end = Some(window_end);
        self.last_remaining = Some(limit.remaining);
        let next = if limit.remaining == 0 {
            window_end + self.margin
        } else {
            // r requests T/(r+2) apart all land before the end, the last two intervals before
            // it: slack for the estimate of the end, which is late by up to one interval (or
            // one second, `t` being whole seconds), whichever is smaller.
            // `r` beyond u32 spreads as u32::MAX would: the interval is ~0 either way.
            let intervals = u32::try_from(limit.remaining)
                .unwrap_or(u32::MAX)
                .saturating_add(2);
            now + window_end.saturating_duration_since(now) / intervals
        };
        self.not_before = Some(self.not_before.map_or(next, |blocked| blocked.max(next)));
        // A block from an earlier 429 that has passed no longer matters.
        if self.not_before.is_some_and(|at| at <= now) {
            self.not_before = Some(next);
        }
    }

    /// Blocks every request until `until` (after a 429).
    pub fn block_until(&mut self, until: Instant) {
        self.not_before = Some(self.not_before.map_or(until, |at| at.max(until)));
        // The window is over by then: forget its estimate.
        self.window_end = None;
        self.last_remaining = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse() {
        let cases = [
            (r#""api";r=499;t=120"#, Some((499, 120))),
            (r#""api"; r=0; t=3"#, Some((0, 3))),
            (r#""api";t=5"#, None),
            ("garbage", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                RateLimit::parse(text).map(|l| (l.remaining, l.reset_secs)),
                expected,
                "{text}"
            );
        }
        assert_eq!(
            RateLimitPolicy::parse(r#""fixed window";"api";q=500;w=300"#),
            Some(RateLimitPolicy {
                quota: 500,
                window_secs: 300
            })
        );
        assert_eq!(RateLimitPolicy::parse(r#""fixed window";"api""#), None);
    }

    #[test]
    fn spreads_the_remaining_budget_until_the_reset() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Duration::from_secs(1));
        pacer.observe(
            start,
            RateLimit {
                remaining: 100,
                reset_secs: 300,
            },
        );
        assert_eq!(
            pacer.not_before(),
            Some(start + Duration::from_mins(5) / 102)
        );
        // A later, tighter reset estimate wins: the window ends at start+250s at the latest.
        let later = start + Duration::from_secs(10);
        pacer.observe(
            later,
            RateLimit {
                remaining: 58,
                reset_secs: 240,
            },
        );
        assert_eq!(pacer.not_before(), Some(later + Duration::from_secs(4)));
        // The budget is spent: nothing before the reset plus the margin.
        let spent = start + Duration::from_secs(20);
        pacer.observe(
            spent,
            RateLimit {
                remaining: 0,
                reset_secs: 240,
            },
        );
        assert_eq!(pacer.not_before(), Some(start + Duration::from_secs(251)));
        // A new window (remaining went up) starts a new estimate.
        let next = start + Duration::from_secs(252);
        pacer.observe(
            next,
            RateLimit {
                remaining: 99,
                reset_secs: 299,
            },
        );
        assert!(pacer.not_before().unwrap() < next + Duration::from_secs(4));
    }

    /// Found writing the `http_headers` fuzz target (fuzz/README.md): `t` near `u64::MAX`
    /// overflowed `Instant + t`, and `r` = 4294967294 overflowed `r as u32 + 2` (a division by
    /// zero in a release build).
    #[test]
    fn hostile_headers_are_capped_not_a_panic() {
        let start = Instant::now();
        for text in [
            r#""api";r=5;t=18446744073709551615"#,
            r#""api";r=4294967294;t=300"#,
            r#""api";r=18446744073709551615;t=18446744073709551615"#,
            r#""api";r=0;t=18446744073709551615"#,
        ] {
            let limit = RateLimit::parse(text).expect(text);
            let mut pacer = Pacer::new(Duration::from_secs(1));
            pacer.observe(start, limit);
            pacer.observe(start + Duration::from_secs(1), limit);
            let at = pacer.not_before().expect(text);
            assert!(
                at >= start && at <= start + Duration::from_secs(MAX_WAIT_SECS + 2),
                "{text}"
            );
        }
        assert_eq!(wait_secs(u64::MAX), Duration::from_secs(MAX_WAIT_SECS));
        assert_eq!(wait_secs(90), Duration::from_secs(90));
    }

    #[test]
    fn a_block_holds_until_its_end() {
        let start = Instant::now();
        let mut pacer = Pacer::new(Duration::from_secs(1));
        pacer.block_until(start + Duration::from_secs(30));
        assert_eq!(pacer.not_before(), Some(start + Duration::from_secs(30)));
    }
}
