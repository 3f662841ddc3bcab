//! Population filters and the population descriptor every result carries (METHODS.md, preamble).

use std::fmt::Write as _;

use hubcensus_model::{Catalog, Column, FrameColumns, SnapshotFrame, Timestamp};
use serde::Serialize;

use crate::AnalyticsError;

/// Days before a window's end within which a model counts as new (METHODS.md §7).
pub const NEW_MODEL_DAYS: i64 = 365;

/// Which downloads a figure is computed over (METHODS.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// `downloadsAllTime` at the end minus at the start of the window.
    AllTimeDifference,
    /// The 30-day `downloads` of one snapshot: "30-day window ending t".
    ThirtyDay,
}

impl Measure {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::AllTimeDifference => "all_time_difference",
            Self::ThirtyDay => "thirty_day",
        }
    }
}

/// A population filter (task, library, license, parameters, new models). Part of every
/// result's population: a filtered figure always says it is filtered.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Filter {
    /// `pipeline_tag`, exactly.
    pub task: Option<String>,
    /// `library_name`, exactly.
    pub library: Option<String>,
    /// License identifier, exactly.
    pub license: Option<String>,
    /// Inclusive; models without a parameter count are excluded when set.
    pub min_params: Option<u64>,
    /// Inclusive; models without a parameter count are excluded when set.
    pub max_params: Option<u64>,
    /// Only models created within 365 days before the window's end (unknown dates excluded).
    pub new_models: bool,
}

impl Filter {
    #[must_use]
    pub fn is_all(&self) -> bool {
        *self == Self::default()
    }

    /// The frame columns the filter reads.
    #[must_use]
    pub fn columns(&self) -> FrameColumns {
        let mut columns = FrameColumns::NONE;
        for (wanted, column) in [
            (self.task.is_some(), FrameColumns::PIPELINE_TAG),
            (self.library.is_some(), FrameColumns::LIBRARY_NAME),
            (self.license.is_some(), FrameColumns::LICENSE),
            (
                self.min_params.is_some() || self.max_params.is_some(),
                FrameColumns::PARAMETERS,
            ),
            (self.new_models, FrameColumns::CREATED_AT),
        ] {
            if wanted {
                columns = columns | column;
            }
        }
        columns
    }

    /// Checks the filter is satisfiable as typed.
    pub fn validate(&self) -> Result<(), AnalyticsError> {
        match (self.min_params, self.max_params) {
            (Some(min), Some(max)) if min > max => Err(AnalyticsError::ParamsRange { min, max }),
            _ => Ok(()),
        }
    }

    /// The filter in words: `all models`, or `task = text-generation, new models only`.
    #[must_use]
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(task) = &self.task {
            parts.push(format!("task = {task}"));
        }
        if let Some(library) = &self.library {
            parts.push(format!("library = {library}"));
        }
        if let Some(license) = &self.license {
            parts.push(format!("license = {license}"));
        }
        if let Some(min) = self.min_params {
            parts.push(format!("parameters >= {min}"));
        }
        if let Some(max) = self.max_params {
            parts.push(format!("parameters <= {max}"));
        }
        if self.new_models {
            parts.push(format!(
                "new models only (created within {NEW_MODEL_DAYS} days before the window's end)"
            ));
        }
        if parts.is_empty() {
            "all models".to_owned()
        } else {
            parts.join(", ")
        }
    }

    /// Resolves the filter's strings to catalog codes once, for a window ending at `end`.
    #[must_use]
    pub fn matcher(&self, catalog: &Catalog, end: Timestamp) -> FilterMatcher {
        fn code(vocabulary: &[String], wanted: Option<&String>) -> Wanted {
            match wanted {
                None => Wanted::Any,
                Some(wanted) => vocabulary
                    .iter()
                    .position(|v| v == wanted)
                    .map_or(Wanted::Nothing, |code| Wanted::Code(code as u32)),
            }
        }
        FilterMatcher {
            all: self.is_all(),
            task: code(&catalog.pipeline_tags, self.task.as_ref()),
            library: code(&catalog.libraries, self.library.as_ref()),
            license: code(&catalog.licenses, self.license.as_ref()),
            min_params: self.min_params,
            max_params: self.max_params,
            created_after: self
                .new_models
                .then(|| end.plus_days(-NEW_MODEL_DAYS).as_millis()),
            end: end.as_millis(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Wanted {
    Any,
    Nothing,
    Code(u32),
}

impl Wanted {
    /// Whether row `i` of `column` is wanted (the column is not read when anything is).
    fn accepts(self, column: &Column<u32>, i: usize) -> bool {
        match self {
            Self::Any => true,
            Self::Nothing => false,
            Self::Code(code) => column.at(i) == Some(code),
        }
    }
}

/// A filter with its strings resolved to catalog codes ([`Filter::matcher`]).
#[derive(Clone, Debug)]
pub struct FilterMatcher {
    all: bool,
    task: Wanted,
    library: Wanted,
    license: Wanted,
    min_params: Option<u64>,
    max_params: Option<u64>,
    created_after: Option<i64>,
    end: i64,
}

impl FilterMatcher {
    /// Whether model `i` of `frame` belongs to the population (its attributes in that frame).
    #[inline]
    #[must_use]
    pub fn accepts(&self, frame: &SnapshotFrame, i: usize) -> bool {
        if self.all {
            return true;
        }
        if !(self.task.accepts(&frame.pipeline_tag, i)
            && self.library.accepts(&frame.library_name, i)
            && self.license.accepts(&frame.license, i))
        {
            return false;
        }
        if self.min_params.is_some() || self.max_params.is_some() {
            let Some(parameters) = frame.parameters.at(i) else {
                return false;
            };
            if self.min_params.is_some_and(|min| parameters < min)
                || self.max_params.is_some_and(|max| parameters > max)
            {
                return false;
            }
        }
        if let Some(after) = self.created_after {
            match frame.created_at.at(i) {
                Some(created) => {
                    let created = created.as_millis();
                    created > after && created <= self.end
                }
                None => false,
            }
        } else {
            true
        }
    }
}

/// What a figure is computed over: which models, which downloads, which window, which
/// attribution mode, and how much of it was attributable. Serialized with every result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Population {
    /// The same in one sentence, for renderers that show words.
    pub words: String,
    pub measure: Measure,
    /// The window `(from, to]`.
    pub from: Timestamp,
    pub to: Timestamp,
    pub filter: Filter,
    /// Models counted (matched plus new for a difference window; present for 30-day).
    pub models: u64,
    /// Downloads counted (clamped at zero per model).
    pub total_downloads: u64,
    /// `uploader` or `lineage` for shares; absent elsewhere.
    pub origin: Option<String>,
    /// Share of downloads whose author has a country, and a contributor type (shares only).
    pub coverage_country: Option<f64>,
    pub coverage_type: Option<f64>,
    /// The snapshots were a top-N listing or otherwise incomplete.
    pub partial: bool,
    /// The snapshots are synthetic demo data.
    pub synthetic: bool,
}

impl Population {
    /// Rebuilds [`Population::words`] from the fields.
    pub(crate) fn refresh_words(&mut self) {
        let mut words = String::new();
        match self.measure {
            Measure::AllTimeDifference => {
                let _ = write!(
                    words,
                    "window downloads (downloadsAllTime difference) over ({}, {}]",
                    self.from, self.to
                );
            }
            Measure::ThirtyDay => {
                let _ = write!(
                    words,
                    "30-day window ending {} (the 30-day downloads field of one snapshot)",
                    self.to
                );
            }
        }
        let _ = write!(
            words,
            "; {} models, {} downloads; population: {}",
            self.models,
            self.total_downloads,
            self.filter.describe()
        );
        if let Some(origin) = &self.origin {
            let _ = write!(words, "; origin: {origin}");
        }
        if let Some(coverage) = self.coverage_country {
            let _ = write!(
                words,
                "; country known for {:.1}% of downloads",
                coverage * 100.0
            );
        }
        if let Some(coverage) = self.coverage_type {
            let _ = write!(
                words,
                "; contributor type known for {:.1}% of downloads",
                coverage * 100.0
            );
        }
        if self.partial {
            words.push_str("; PARTIAL listing (not the whole Hub)");
        }
        if self.synthetic {
            words.push_str("; SYNTHETIC demo data");
        }
        self.words = words;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_filters() {
        let cases = [
            (Filter::default(), "all models"),
            (
                Filter {
                    task: Some("text-generation".into()),
                    min_params: Some(1),
                    ..Filter::default()
                },
                "task = text-generation, parameters >= 1",
            ),
        ];
        for (filter, words) in cases {
            assert_eq!(filter.describe(), words);
        }
        assert_eq!(
            Filter {
                min_params: Some(5),
                max_params: Some(4),
                ..Filter::default()
            }
            .validate(),
            Err(AnalyticsError::ParamsRange { min: 5, max: 4 })
        );
    }
}
