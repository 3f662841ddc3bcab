//! The one parser of the units users type: parameter counts (`7B`, `500M`).

/// The smallest parameter count accepted without a suffix: below it, a bare number is almost
/// surely a size meant in billions (`--min-params 7` for 7B).
const BARE_MINIMUM: u64 = 1_000_000;

/// Parses a parameter count: a number with a K, M, B or T suffix (`7B`, `1.5b`, `500M`), or a
/// plain count of at least a million (`7000000000`). A bare small number (`7`) is refused with
/// what to write instead.
pub fn parse_params(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let scale = match trimmed.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => 1e3,
        Some('M') => 1e6,
        Some('B') => 1e9,
        Some('T') => 1e12,
        _ => {
            let count = trimmed
                .parse::<u64>()
                .map_err(|_| format!("{text:?} is not a parameter count (e.g. 7B, 1.5B, 500M)"))?;
            if count < BARE_MINIMUM {
                return Err(format!(
                    "{text:?} parameters is less than a million: write the unit, e.g. {count}B \
                     for {count} billion or {count}M for {count} million"
                ));
            }
            return Ok(count);
        }
    };
    let number = &trimmed[..trimmed.len() - 1];
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok((value * scale).round() as u64),
        _ => Err(format!(
            "{text:?} is not a parameter count (e.g. 7B, 1.5B, 500M)"
        )),
    }
}

/// Parses a span of days: `90d`, `13w` (weeks), or a bare number of days; positive.
pub fn parse_days(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let (number, days) = if let Some(number) = text.strip_suffix('d') {
        (number, 1)
    } else if let Some(number) = text.strip_suffix('w') {
        (number, 7)
    } else {
        (text, 1)
    };
    match number.parse::<i64>() {
        Ok(value) if value > 0 && value <= 36_500 => Ok(value * days),
        _ => Err(format!("{text:?} is not a window (e.g. 90d, 13w)")),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_params;

    #[test]
    fn parameter_counts() {
        let cases = [
            ("70B", Some(70_000_000_000)),
            ("7.5b", Some(7_500_000_000)),
            ("1.5B", Some(1_500_000_000)),
            ("500M", Some(500_000_000)),
            ("1.5T", Some(1_500_000_000_000)),
            ("2k", Some(2_000)),
            ("7000000000", Some(7_000_000_000)),
            ("7", None),
            ("123", None),
            ("seven", None),
            ("-1B", None),
            ("0B", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_params(text).ok(), expected, "{text}");
        }
        assert!(parse_params("7").unwrap_err().contains("7B"));
    }

    #[test]
    fn days() {
        assert_eq!(super::parse_days("90d"), Ok(90));
        assert_eq!(super::parse_days("13w"), Ok(91));
        assert_eq!(super::parse_days("30"), Ok(30));
        assert!(super::parse_days("0d").is_err());
        assert!(super::parse_days("soon").is_err());
    }
}
