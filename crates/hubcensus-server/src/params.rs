//! Query parameters: parsed and bounded once, each mistake a 400 naming the parameter. A route
//! lists the parameters it takes; any other is refused (a misspelt `tsk=` would otherwise
//! silently show everything). An empty value (a form's blank field) is no value.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use hubcensus_analytics::Filter;
use hubcensus_query::AsOf;
use hubcensus_query::units::parse_params;

use crate::error::AppError;

/// The largest working set or top-k a request may ask for.
pub const MAX_K: u64 = 1_000;
/// The most models one comparison shows.
pub const MAX_COMPARE: usize = 5;
/// The most children and descendants a model page lists.
pub const MAX_LIMIT: usize = 200;
/// The longest value a text parameter may have.
const MAX_TEXT: usize = 200;

/// The population filters every analytics route takes (the CLI's `--task`... flags).
pub const FILTERS: [&str; 6] = [
    "task",
    "library",
    "license",
    "min_params",
    "max_params",
    "new_models",
];

#[derive(Debug, Default)]
pub struct Params {
    values: BTreeMap<String, String>,
}

impl Params {
    /// The pairs of a query string; a parameter not in `allowed` (or `FILTERS` when `filters`),
    /// or given twice, is a 400.
    pub fn parse(
        pairs: Vec<(String, String)>,
        allowed: &[&str],
        filters: bool,
    ) -> Result<Self, AppError> {
        let mut values = BTreeMap::new();
        for (name, value) in pairs {
            let known =
                allowed.contains(&name.as_str()) || (filters && FILTERS.contains(&name.as_str()));
            if !known {
                let mut accepted: Vec<&str> = allowed.to_vec();
                if filters {
                    accepted.extend(FILTERS);
                }
                return Err(AppError::bad(
                    &clip(&name),
                    format!("unknown parameter {:?}", clip(&name)),
                    if accepted.is_empty() {
                        "this route takes no parameters".to_owned()
                    } else {
                        format!("this route takes: {}", accepted.join(", "))
                    },
                ));
            }
            if value.chars().count() > MAX_TEXT || value.chars().any(char::is_control) {
                return Err(AppError::bad(
                    &name,
                    format!(
                        "{name} is longer than {MAX_TEXT} characters or holds control characters"
                    ),
                    "pass a plain value",
                ));
            }
            let value = value.trim().to_owned();
            if value.is_empty() {
                continue;
            }
            if values.insert(name.clone(), value).is_some() {
                return Err(AppError::bad(
                    &name,
                    format!("{name} is given twice"),
                    format!("pass {name} once"),
                ));
            }
        }
        Ok(Self { values })
    }

    /// The parameters in one canonical order: a cache key, and the query string of a link.
    pub fn canonical(&self) -> String {
        self.values
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// A parameter the route cannot answer without.
    pub fn required(&self, name: &str, hint: &str) -> Result<&str, AppError> {
        self.get(name)
            .ok_or_else(|| AppError::bad(name, format!("{name} is required"), hint))
    }

    /// A parameter count (`7B`, `500M`), as the CLI's `--min-params`.
    pub fn size(&self, name: &str) -> Result<Option<u64>, AppError> {
        self.get(name)
            .map(|text| {
                parse_params(text).map_err(|message| {
                    AppError::bad(name, message, format!("e.g. {name}=7B or {name}=500M"))
                })
            })
            .transpose()
    }

    /// The working-set size or top-k `k`: 1 to [`MAX_K`], `default` when absent.
    pub fn k(&self, default: u64) -> Result<u64, AppError> {
        self.bounded("k", default, 1, MAX_K)
    }

    /// An integer parameter within `[min, max]`.
    pub fn bounded(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, AppError> {
        let Some(text) = self.get(name) else {
            return Ok(default);
        };
        match text.parse::<u64>() {
            Ok(value) if (min..=max).contains(&value) => Ok(value),
            _ => Err(AppError::bad(
                name,
                format!("{name} must be a whole number from {min} to {max}, not {text:?}"),
                format!("e.g. {name}={default}"),
            )),
        }
    }

    /// The snapshot a window ends at (`as_of`): a date or an RFC 3339 time.
    pub fn as_of(&self) -> Result<Option<AsOf>, AppError> {
        self.get("as_of")
            .map(|text| {
                text.parse::<AsOf>().map_err(|message| {
                    AppError::bad(
                        "as_of",
                        message,
                        "e.g. as_of=2026-08-23 (see /api/v1/snapshots)",
                    )
                })
            })
            .transpose()
    }

    /// A yes/no switch: `1`, `true`, `on` or `yes`; `0`, `false`, `off` or `no`.
    pub fn switch(&self, name: &str) -> Result<bool, AppError> {
        match self.get(name) {
            Some("1" | "true" | "on" | "yes") => Ok(true),
            None | Some("0" | "false" | "off" | "no") => Ok(false),
            Some(other) => Err(AppError::bad(
                name,
                format!("{name} must be true or false, not {other:?}"),
                format!("e.g. {name}=true"),
            )),
        }
    }

    /// One of `choices` (the first when absent).
    pub fn choice(&self, name: &str, choices: &[&'static str]) -> Result<&'static str, AppError> {
        match self.get(name) {
            None => Ok(choices[0]),
            Some(text) => choices
                .iter()
                .find(|c| **c == text)
                .copied()
                .ok_or_else(|| {
                    AppError::bad(
                        name,
                        format!("{name} must be one of {}, not {text:?}", choices.join(", ")),
                        format!("e.g. {name}={}", choices[0]),
                    )
                }),
        }
    }

    /// The population filter, validated as the CLI's.
    pub fn filter(&self) -> Result<Filter, AppError> {
        let size = |name: &str| self.size(name);
        let filter = Filter {
            task: self.get("task").map(str::to_owned),
            library: self.get("library").map(str::to_owned),
            license: self.get("license").map(str::to_owned),
            min_params: size("min_params")?,
            max_params: size("max_params")?,
            new_models: self.switch("new_models")?,
        };
        filter.validate().map_err(|error| {
            AppError::bad(
                "min_params",
                error.to_string(),
                "swap min_params and max_params",
            )
        })?;
        Ok(filter)
    }

    /// The models of a comparison: `models=a,b,c`, one to [`MAX_COMPARE`].
    pub fn models(&self) -> Result<Vec<String>, AppError> {
        let models: Vec<String> = self
            .get("models")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_owned)
            .collect();
        if models.is_empty() || models.len() > MAX_COMPARE {
            return Err(AppError::bad(
                "models",
                format!(
                    "models must name 1 to {MAX_COMPARE} model ids separated by commas, not {}",
                    models.len()
                ),
                "e.g. models=org/a,org/b",
            ));
        }
        for model in &models {
            check_id("models", model)?;
        }
        Ok(models)
    }
}

/// A model id or namespace taken from a request: refused when it holds control characters, a
/// `..` segment or a backslash, or is empty or longer than the Hub allows. Ids are looked up
/// in the store's dictionary, never used as paths; this keeps hostile text out of the lookups
/// and the log all the same.
pub fn check_id(parameter: &str, id: &str) -> Result<(), AppError> {
    let bad = id.is_empty()
        || id.len() > 256
        || id.chars().any(char::is_control)
        || id.contains('\\')
        || id
            .split('/')
            .any(|segment| segment == ".." || segment == "." || segment.is_empty());
    if bad {
        return Err(AppError::bad(
            parameter,
            format!("{:?} is not a model id or namespace", clip(id)),
            "ids look like org/name (case-sensitive); use the search box or /api/v1/search?q=",
        ));
    }
    Ok(())
}

/// At most 60 characters of untrusted text, for an error message.
fn clip(text: &str) -> String {
    text.chars().take(60).collect()
}

/// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// [`encode`], keeping `/` (a model id in a path: `/model/org/name`).
pub fn encode_path(text: &str) -> String {
    text.split('/').map(encode).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)], allowed: &[&str]) -> Result<Params, AppError> {
        Params::parse(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
            allowed,
            true,
        )
    }

    fn parameter(error: &AppError) -> &str {
        match error {
            AppError::BadParameter { parameter, .. } => parameter,
            _ => panic!("not a bad parameter: {error:?}"),
        }
    }

    #[test]
    fn every_mistake_names_its_parameter() {
        let cases: [(&[(&str, &str)], &str); 8] = [
            (&[("tsk", "x")], "tsk"),
            (&[("k", "0")], "k"),
            (&[("k", "1001")], "k"),
            (&[("k", "ten")], "k"),
            (&[("as_of", "yesterday")], "as_of"),
            (&[("min_params", "7")], "min_params"),
            (&[("min_params", "8B"), ("max_params", "1B")], "min_params"),
            (&[("new_models", "maybe")], "new_models"),
        ];
        for (pairs, expected) in cases {
            let error = params(pairs, &["k", "as_of"])
                .and_then(|p| p.k(200).and(p.as_of()).and(p.filter()))
                .expect_err("must fail");
            assert_eq!(parameter(&error), expected, "{pairs:?}");
        }
    }

    #[test]
    fn blank_values_are_absent_and_order_is_canonical() {
        let p = params(
            &[("task", ""), ("k", "50"), ("as_of", "2026-08-23")],
            &["k", "as_of"],
        )
        .unwrap();
        assert_eq!(p.canonical(), "as_of=2026-08-23&k=50");
        assert_eq!(p.k(200).unwrap(), 50);
        assert!(p.filter().unwrap().is_all());
    }

    #[test]
    fn hostile_ids_are_refused() {
        for id in [
            "..", "a/../b", "a/./b", "a\\b", "a\u{0}b", "a\nb", "", "/a", "a//b",
        ] {
            assert!(check_id("id", id).is_err(), "{id:?}");
        }
        for id in ["gpt2", "org/name", "org/name-1.5B_v2", "<script>/x"] {
            assert!(check_id("id", id).is_ok(), "{id:?}");
        }
    }

    #[test]
    fn encoding_keeps_only_unreserved() {
        assert_eq!(encode("a b/<c>\"&"), "a%20b%2F%3Cc%3E%22%26");
        assert_eq!(encode_path("org/na me"), "org/na%20me");
    }
}
