//! All rounding happens here, and only for display: the view and the JSON keep full precision.
//! This is the one formatting module of hubcensus: the report and the CLI's tables alike.

use crate::view::{Population, RankChange, Unit};

/// What an undefined figure shows (METHODS.md §3: when the total is zero, say so).
pub const UNDEFINED: &str = "undefined";

/// A fraction as a percentage with one decimal ("12.3%"); small non-zero shares keep two
/// significant digits so they never read as zero ("0.042%").
#[must_use]
pub fn share(value: Option<f64>) -> String {
    let Some(value) = value.filter(|v| v.is_finite()) else {
        return UNDEFINED.to_owned();
    };
    let percent = value * 100.0;
    if percent != 0.0 && percent.abs() < 0.1 {
        let digits = (-percent.abs().log10().floor()) as usize + 1;
        format!("{percent:.digits$}%")
    } else {
        format!("{percent:.1}%")
    }
}

/// A count with thousands separators ("1,234,567").
#[must_use]
pub fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A large count in compact form ("1.2M", "34.5k", "999"), for chart labels and headlines.
#[must_use]
pub fn compact(value: u64) -> String {
    const STEPS: [(f64, &str); 3] = [(1e9, "B"), (1e6, "M"), (1e3, "k")];
    let float = value as f64;
    for (scale, suffix) in STEPS {
        // 999,500 rounds to "1.0M", not "1000k": a unit applies from just below its scale.
        if float >= scale * 0.999_5 {
            let scaled = float / scale;
            return if scaled >= 99.95 {
                format!("{scaled:.0}{suffix}")
            } else {
                format!("{scaled:.1}{suffix}")
            };
        }
    }
    value.to_string()
}

/// A fraction as a percentage with `places` decimals ("48.03%"), for aligned tables.
#[must_use]
pub fn percent(value: Option<f64>, places: usize) -> String {
    match value.filter(|v| v.is_finite()) {
        Some(value) => format!("{:.places$}%", value * 100.0),
        None => UNDEFINED.to_owned(),
    }
}

/// A number with `places` decimals.
#[must_use]
pub fn decimal(value: Option<f64>, places: usize) -> String {
    match value.filter(|v| v.is_finite()) {
        Some(value) => format!("{value:.places$}"),
        None => UNDEFINED.to_owned(),
    }
}

/// A count without separators (tables that machines also read), or undefined.
#[must_use]
pub fn count(value: Option<u64>) -> String {
    value.map_or_else(|| UNDEFINED.to_owned(), |value| value.to_string())
}

/// A coefficient such as Gini with three decimals.
#[must_use]
pub fn coefficient(value: Option<f64>) -> String {
    match value.filter(|v| v.is_finite()) {
        Some(value) => format!("{value:.3}"),
        None => UNDEFINED.to_owned(),
    }
}

/// The scale an HHI is read on (METHODS.md §3: shares in percent, squared and summed).
pub const HHI_SCALE: &str = "of 10,000";

/// A figure's value according to its unit, with its scale when the number alone does not say
/// what it is out of ("448 of 10,000").
#[must_use]
pub fn value(value: Option<f64>, unit: Unit) -> String {
    match value_and_scale(value, unit) {
        (number, Some(scale)) => format!("{number} {scale}"),
        (number, None) => number,
    }
}

/// A figure's value as [`value`] shows it, in two parts: the number and its scale, for layouts
/// that set the scale smaller (a figure card).
#[must_use]
pub fn value_and_scale(value: Option<f64>, unit: Unit) -> (String, Option<&'static str>) {
    let number = bare_value(value, unit);
    let scale = (unit == Unit::Hhi && number != UNDEFINED).then_some(HHI_SCALE);
    (number, scale)
}

fn bare_value(value: Option<f64>, unit: Unit) -> String {
    match unit {
        Unit::Share => share(value),
        Unit::Coefficient => coefficient(value),
        Unit::Count | Unit::Downloads | Unit::Hhi => match value.filter(|v| v.is_finite()) {
            Some(value) if value >= 0.0 => {
                let rounded = value.round() as u64;
                if unit == Unit::Downloads {
                    compact(rounded)
                } else {
                    grouped(rounded)
                }
            }
            Some(value) => format!("{value:.0}"),
            None => UNDEFINED.to_owned(),
        },
    }
}

/// A rank change as a reader sees it: "new", "+3", "-2", "=", "".
#[must_use]
pub fn rank_change(change: RankChange) -> String {
    match change {
        RankChange::New => "new".to_owned(),
        RankChange::Unknown => String::new(),
        RankChange::Same => "=".to_owned(),
        RankChange::Up(places) => format!("+{places}"),
        RankChange::Down(places) => format!("-{places}"),
    }
}

/// A population in words, one sentence.
#[must_use]
pub fn population(population: &Population) -> String {
    population_parts(population).join("; ")
}

/// A population in words, part by part: which models, which downloads, which window, which
/// attribution (with its coverage). [`population`] joins them.
#[must_use]
pub fn population_parts(population: &Population) -> [String; 4] {
    let mut attribution = population.attribution.clone();
    if let Some(coverage) = population.coverage {
        attribution.push_str("; attribution coverage ");
        attribution.push_str(&share(Some(coverage)));
    }
    [
        population.models.clone(),
        population.downloads.clone(),
        population.window.clone(),
        attribution,
    ]
}

/// A date-time string cut to its date ("2026-03-29T00:00:00Z" -> "2026-03-29").
#[must_use]
pub fn date(timestamp: &str) -> &str {
    timestamp
        .get(..10)
        .filter(|d| d.is_ascii())
        .unwrap_or(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_round_to_one_decimal_and_keep_small_values_visible() {
        let cases = [
            (Some(0.5), "50.0%"),
            (Some(0.123_456), "12.3%"),
            (Some(1.0), "100.0%"),
            (Some(0.0), "0.0%"),
            (Some(0.000_42), "0.042%"),
            (Some(0.000_999), "0.100%"),
            (None, "undefined"),
            (Some(f64::NAN), "undefined"),
        ];
        for (input, expected) in cases {
            assert_eq!(share(input), expected, "{input:?}");
        }
    }

    #[test]
    fn counts_are_grouped_and_compacted() {
        let grouped_cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (1_234_567, "1,234,567"),
        ];
        for (input, expected) in grouped_cases {
            assert_eq!(grouped(input), expected);
        }
        let compact_cases = [
            (0, "0"),
            (999, "999"),
            (1_000, "1.0k"),
            (34_500, "34.5k"),
            (999_950, "1.0M"),
            (999_499, "999k"),
            (99_960, "100k"),
            (1_234_567, "1.2M"),
            (250_000_000, "250M"),
            (3_400_000_000, "3.4B"),
        ];
        for (input, expected) in compact_cases {
            assert_eq!(compact(input), expected, "{input}");
        }
    }

    #[test]
    fn values_follow_their_unit() {
        assert_eq!(value(Some(0.25), Unit::Share), "25.0%");
        assert_eq!(value(Some(0.8734), Unit::Coefficient), "0.873");
        assert_eq!(value(Some(1234.4), Unit::Hhi), "1,234 of 10,000");
        assert_eq!(
            value_and_scale(Some(448.0), Unit::Hhi),
            ("448".into(), Some("of 10,000"))
        );
        assert_eq!(
            value_and_scale(Some(0.5), Unit::Share),
            ("50.0%".into(), None)
        );
        assert_eq!(value(Some(57.0), Unit::Count), "57");
        assert_eq!(value(Some(2_500_000.0), Unit::Downloads), "2.5M");
        assert_eq!(value(None, Unit::Hhi), "undefined");
    }

    #[test]
    fn rank_changes_and_dates() {
        assert_eq!(rank_change(RankChange::Up(3)), "+3");
        assert_eq!(rank_change(RankChange::Down(2)), "-2");
        assert_eq!(rank_change(RankChange::New), "new");
        assert_eq!(date("2026-03-29T00:00:00Z"), "2026-03-29");
        assert_eq!(date("short"), "short");
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    /// The obvious implementation of digit grouping.
    fn naive_grouped(value: u64) -> String {
        let digits: Vec<char> = value.to_string().chars().collect();
        let mut groups: Vec<String> = digits
            .rchunks(3)
            .map(|chunk| chunk.iter().collect())
            .collect();
        groups.reverse();
        groups.join(",")
    }

    proptest! {
        #[test]
        fn grouping_matches_the_naive_one(value in any::<u64>()) {
            prop_assert_eq!(grouped(value), naive_grouped(value));
        }

        #[test]
        fn compact_is_within_rounding_of_the_value(value in 0u64..10_000_000_000_000) {
            let text = compact(value);
            let (number, scale) = match text.chars().last() {
                Some('k') => (&text[..text.len() - 1], 1e3),
                Some('M') => (&text[..text.len() - 1], 1e6),
                Some('B') => (&text[..text.len() - 1], 1e9),
                _ => (text.as_str(), 1.0),
            };
            let shown: f64 = number.parse::<f64>().unwrap() * scale;
            // At most three significant digits: within 0.5% (plus half a unit of the last digit).
            let error = (shown - value as f64).abs();
            prop_assert!(error <= value as f64 * 0.005 + 0.05 * scale, "{} -> {}", value, text);
            // Never "1000k": the number shown is below 1000 unless it is in billions.
            prop_assert!(number.parse::<f64>().unwrap() < 1000.0 || text.ends_with('B'), "{}", text);
        }

        #[test]
        fn shares_show_the_rounded_percentage(value in 0.0f64..=1.0) {
            let text = share(Some(value));
            let shown: f64 = text.trim_end_matches('%').parse().unwrap();
            prop_assert!((shown - value * 100.0).abs() <= 0.05 + 1e-9, "{} -> {}", value, text);
            prop_assert!(value == 0.0 || shown > 0.0, "a non-zero share shows as zero: {}", text);
        }
    }
}
