//! UTC instants with millisecond precision.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant in UTC, in milliseconds since the Unix epoch.
///
/// Rendered as RFC 3339 with a `Z` suffix and no fractional part when it is zero
/// (`2026-08-23T00:00:00Z`), which is also the form used in store paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

/// `createdAt == 2022-03-02T23:29:04Z` is the Hub's sentinel for "created before creation dates
/// were stored" (METHODS.md §1): it means unknown, never that date.
pub const CREATED_AT_SENTINEL: Timestamp = Timestamp(1_646_263_744_000);

/// A timestamp that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "invalid timestamp {text:?} (expected RFC 3339, e.g. 2026-08-23T00:00:00Z, or a date YYYY-MM-DD)"
)]
pub struct TimestampError {
    pub text: String,
}

impl Timestamp {
    #[must_use]
    pub const fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    #[must_use]
    pub const fn as_millis(self) -> i64 {
        self.0
    }

    #[must_use]
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs * 1000)
    }

    /// Parses RFC 3339 (`2026-08-23T00:00:00Z`, `2024-07-31T21:13:44.000Z`, offsets allowed),
    /// a naive date-time taken as UTC (`2024-02-28 15:24:14`, as pandas writes), or a bare date
    /// (`2026-08-23`, midnight UTC).
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let trimmed = text.trim();
        if let Ok(parsed) = DateTime::parse_from_rfc3339(trimmed) {
            return Ok(Self(parsed.timestamp_millis()));
        }
        for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, format) {
                return Ok(Self(naive.and_utc().timestamp_millis()));
            }
        }
        if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
            return Ok(Self(
                date.and_time(chrono::NaiveTime::MIN)
                    .and_utc()
                    .timestamp_millis(),
            ));
        }
        Err(TimestampError {
            text: text.to_owned(),
        })
    }

    /// A `createdAt` value as the methods read it: the sentinel is unknown.
    #[must_use]
    pub fn created_at(value: Option<Self>) -> Option<Self> {
        value.filter(|t| *t != CREATED_AT_SENTINEL)
    }

    /// Days from `self` to `later` (fractional, negative when `later` is earlier).
    #[must_use]
    pub fn days_until(self, later: Self) -> f64 {
        (later.0 - self.0) as f64 / 86_400_000.0
    }

    /// The instant `days` whole days later (earlier when negative).
    #[must_use]
    pub const fn plus_days(self, days: i64) -> Self {
        Self(self.0 + days * 86_400_000)
    }

    /// The calendar date, `YYYY-MM-DD`.
    #[must_use]
    pub fn date_string(self) -> String {
        self.to_datetime().format("%Y-%m-%d").to_string()
    }

    fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// Year, month (1-12) and quarter (1-4), for period grouping.
    #[must_use]
    pub fn year_month(self) -> (i32, u32) {
        use chrono::Datelike;
        let datetime = self.to_datetime();
        (datetime.year(), datetime.month())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let format = if self.0 % 1000 == 0 {
            SecondsFormat::Secs
        } else {
            SecondsFormat::Millis
        };
        f.write_str(&self.to_datetime().to_rfc3339_opts(format, true))
    }
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_the_hub_and_its_mirrors_write() {
        let cases = [
            ("2026-08-23T00:00:00Z", "2026-08-23T00:00:00Z"),
            ("2024-07-31T21:13:44.000Z", "2024-07-31T21:13:44Z"),
            ("2024-07-31T21:13:44.250Z", "2024-07-31T21:13:44.250Z"),
            (
                "2026-08-07T21:41:45.715386+09:00",
                "2026-08-07T12:41:45.715Z",
            ),
            ("2024-02-28 15:24:14", "2024-02-28T15:24:14Z"),
            ("2026-08-23", "2026-08-23T00:00:00Z"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                Timestamp::parse(input).unwrap().to_string(),
                expected,
                "{input}"
            );
        }
        assert!(Timestamp::parse("yesterday").is_err());
    }

    #[test]
    fn the_sentinel_is_unknown() {
        let sentinel = Timestamp::parse("2022-03-02T23:29:04.000Z").unwrap();
        assert_eq!(sentinel, CREATED_AT_SENTINEL);
        assert_eq!(Timestamp::created_at(Some(sentinel)), None);
        let real = Timestamp::parse("2022-03-02T23:29:05Z").unwrap();
        assert_eq!(Timestamp::created_at(Some(real)), Some(real));
    }
}
