//! Exports: every table behind a figure as an Arrow [`RecordBatch`] with a documented schema
//! (docs/exports.md), and the writers for Parquet, CSV and JSON Lines.
//!
//! The tables are laid out from the views' typed results (`views/*`): no figure is computed
//! here. Values are numbers, never rendered text: counts are Int64, fractions Float64 between 0
//! and 1 (with their integer numerator and denominator where the view has them), missing values
//! null, times timestamp[ms, UTC].
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use hubcensus_query::Census;
//! use hubcensus_query::export::{self, Format, Params, Table};
//!
//! let census = Census::open_with_snapshots(std::path::Path::new("store"))?;
//! let table: Table = "shares".parse()?;
//! let batch = export::batch(&census, table, &Params::default())?;
//! export::write(&batch, Format::Csv, std::io::stdout())?;
//! # Ok(())
//! # }
//! ```

mod columns;
mod tables;
mod write;

use std::fmt::Write as _;
use std::str::FromStr;

pub use arrow_array::RecordBatch;
use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::{Dimension, Origin, Period};
use hubcensus_analytics::window::Cadence;

pub use columns::{ColumnDoc, Kind};
pub use write::{Format, WriteError, write};

use crate::{AsOf, Census, QueryError};

/// A table that can be exported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// One row per window: totals, flags, concentration, working-set and churn figures.
    Windows,
    /// One row per model of each window's working set (the `top` view).
    WorkingSet,
    /// One row per family of each window's family working set (`top --family`).
    Families,
    /// One row per entry, exit and stayer of each window's working set (the `churn` view).
    Churn,
    /// One row per group of each dimension, origin and period (the `shares` view).
    Shares,
    /// One row per (model, parent) edge of the lineage graph.
    LineageEdges,
    /// One row per base model with derivatives (the `derivatives` view).
    Derivatives,
    /// One row per namespace the attribution registry names, with facts, sources and dates.
    Registry,
    /// One row per benchmark score in the evals store.
    Evals,
    /// One row per snapshot in the store.
    Snapshots,
}

impl Table {
    pub const ALL: [Self; 10] = [
        Self::Windows,
        Self::WorkingSet,
        Self::Families,
        Self::Churn,
        Self::Shares,
        Self::LineageEdges,
        Self::Derivatives,
        Self::Registry,
        Self::Evals,
        Self::Snapshots,
    ];

    /// The name users type (`hubcensus export NAME`, `/export/NAME.csv`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Windows => "windows",
            Self::WorkingSet => "working-set",
            Self::Families => "families",
            Self::Churn => "churn",
            Self::Shares => "shares",
            Self::LineageEdges => "lineage-edges",
            Self::Derivatives => "derivatives",
            Self::Registry => "registry",
            Self::Evals => "evals",
            Self::Snapshots => "snapshots",
        }
    }

    /// Every name, comma-separated (for help and errors).
    #[must_use]
    pub fn names() -> String {
        Self::ALL
            .iter()
            .map(|table| table.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// What one row is.
    #[must_use]
    pub const fn about(self) -> &'static str {
        match self {
            Self::Windows => {
                "one row per window: totals, flags, concentration, working-set and churn figures"
            }
            Self::WorkingSet => "one row per model of each window's working set (top k)",
            Self::Families => "one row per family of each window's family working set",
            Self::Churn => "one row per entry, exit and stayer of each window's working set",
            Self::Shares => "one row per group of each dimension, origin and period",
            Self::LineageEdges => "one row per (model, parent) edge of the lineage graph",
            Self::Derivatives => "one row per base model with derivatives",
            Self::Registry => "one row per namespace link of the attribution registry",
            Self::Evals => "one row per benchmark score in the evals store",
            Self::Snapshots => "one row per snapshot in the store",
        }
    }

    /// The columns, in order, with types and units (what docs/exports.md documents).
    #[must_use]
    pub fn columns(self) -> Vec<ColumnDoc> {
        match self {
            Self::Windows => tables::windows_columns().docs(),
            Self::WorkingSet => tables::ranked_columns(false).docs(),
            Self::Families => tables::ranked_columns(true).docs(),
            Self::Churn => tables::churn_columns().docs(),
            Self::Shares => tables::shares_columns().docs(),
            Self::LineageEdges => tables::edges_columns().docs(),
            Self::Derivatives => tables::derivatives_columns().docs(),
            Self::Registry => tables::registry_columns().docs(),
            Self::Evals => tables::evals_columns().docs(),
            Self::Snapshots => tables::snapshots_columns().docs(),
        }
    }

    /// The parameters the table takes (others are refused, so a flag is never silently
    /// ignored).
    #[must_use]
    pub fn takes(self, parameter: Parameter) -> bool {
        use Parameter as P;
        match self {
            Self::Windows => matches!(parameter, P::AsOf | P::K | P::Filter | P::Cadence),
            Self::WorkingSet | Self::Families | Self::Churn => {
                matches!(parameter, P::AsOf | P::K | P::Filter)
            }
            Self::Shares => matches!(parameter, P::Filter | P::By | P::Origin | P::Period),
            Self::LineageEdges => matches!(parameter, P::AsOf),
            Self::Derivatives => matches!(parameter, P::AsOf | P::Filter | P::Top),
            Self::Registry | Self::Evals | Self::Snapshots => false,
        }
    }

    /// Whether the table reads the store (the registry does not; evals reads the evals store
    /// beside it).
    #[must_use]
    pub const fn needs_snapshots(self) -> bool {
        !matches!(self, Self::Registry | Self::Evals)
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Table {
    type Err = QueryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|table| table.name() == wanted)
            .ok_or_else(|| {
                QueryError::invalid(
                    "table",
                    format!("no export table {text:?}"),
                    format!("tables: {}", Self::names()),
                )
            })
    }
}

/// A parameter of [`Params`], as [`Table::takes`] names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parameter {
    AsOf,
    K,
    Filter,
    Cadence,
    Top,
    By,
    Origin,
    Period,
}

impl Parameter {
    /// The CLI flag (and query parameter) that sets it.
    #[must_use]
    pub const fn flag(self) -> &'static str {
        match self {
            Self::AsOf => "--as-of",
            Self::K => "--k",
            Self::Filter => {
                "the population filters (--task, --library, --license, --min-params, --max-params, --new-models)"
            }
            Self::Cadence => "--cadence-days",
            Self::Top => "--top",
            Self::By => "--by",
            Self::Origin => "--origin",
            Self::Period => "--period",
        }
    }

    const fn name(self) -> &'static str {
        match self {
            Self::AsOf => "as_of",
            Self::K => "k",
            Self::Filter => "filter",
            Self::Cadence => "cadence",
            Self::Top => "top",
            Self::By => "by",
            Self::Origin => "origin",
            Self::Period => "period",
        }
    }
}

/// What to export: the views' own parameters. `None` (or empty) is the default; a parameter
/// set for a table that does not take it is an error ([`Table::takes`]).
#[derive(Clone, Debug, Default)]
pub struct Params {
    /// The population filter (windows, working-set, families, churn, shares, derivatives).
    pub filter: Filter,
    /// Only the window ending at this snapshot (windows, working-set, families, churn), or
    /// the snapshot whose lineage to read (lineage-edges, derivatives); default: every window,
    /// or the latest snapshot.
    pub as_of: Option<AsOf>,
    /// Working-set size and top-k (default 200).
    pub k: Option<u64>,
    /// The planned spacing of snapshots, for the windows table's `longer_than_cadence`
    /// (default 7 days).
    pub cadence: Option<Cadence>,
    /// How many bases the derivatives table lists (default: all).
    pub top: Option<usize>,
    /// The shares table's dimensions (default: all four).
    pub by: Vec<Dimension>,
    /// The shares table's origin modes (default: both).
    pub origins: Vec<Origin>,
    /// The shares table's periods (default: week, month, quarter, year).
    pub periods: Vec<Period>,
}

impl Params {
    /// The working-set size (the views' default, 200).
    #[must_use]
    pub fn k(&self) -> u64 {
        self.k.unwrap_or(200)
    }

    fn dimensions(&self) -> Vec<Dimension> {
        if self.by.is_empty() {
            vec![
                Dimension::Country,
                Dimension::Region,
                Dimension::Type,
                Dimension::Organization,
            ]
        } else {
            self.by.clone()
        }
    }

    fn origins(&self) -> Vec<Origin> {
        if self.origins.is_empty() {
            vec![Origin::Uploader, Origin::Lineage]
        } else {
            self.origins.clone()
        }
    }

    fn periods(&self) -> Vec<Period> {
        if self.periods.is_empty() {
            vec![Period::Week, Period::Month, Period::Quarter, Period::Year]
        } else {
            self.periods.clone()
        }
    }

    /// The parameters that are set.
    fn given(&self) -> Vec<Parameter> {
        let mut given = Vec::new();
        let mut add = |set: bool, parameter| {
            if set {
                given.push(parameter);
            }
        };
        add(!self.filter.is_all(), Parameter::Filter);
        add(self.as_of.is_some(), Parameter::AsOf);
        add(self.k.is_some(), Parameter::K);
        add(self.cadence.is_some(), Parameter::Cadence);
        add(self.top.is_some(), Parameter::Top);
        add(!self.by.is_empty(), Parameter::By);
        add(!self.origins.is_empty(), Parameter::Origin);
        add(!self.periods.is_empty(), Parameter::Period);
        given
    }

    /// An error when a parameter is set that `table` does not take, or a value is out of range.
    pub fn check(&self, table: Table) -> Result<(), QueryError> {
        if let Some(parameter) = self.given().into_iter().find(|&p| !table.takes(p)) {
            let takes: Vec<&str> = Table::ALL
                .iter()
                .filter(|t| t.takes(parameter))
                .map(|t| t.name())
                .collect();
            return Err(QueryError::invalid(
                parameter.name(),
                format!("{} does not apply to the {table} table", parameter.flag()),
                format!(
                    "leave it out; the tables that take it: {}",
                    if takes.is_empty() {
                        "none".to_owned()
                    } else {
                        takes.join(", ")
                    }
                ),
            ));
        }
        if self.k == Some(0) {
            return Err(QueryError::invalid(
                "k",
                "--k must be at least 1",
                "use --k 200 (the default) or another positive size",
            ));
        }
        if self.top == Some(0) {
            return Err(QueryError::invalid(
                "top",
                "--top must be at least 1",
                "leave --top out for every base, or give a positive count",
            ));
        }
        self.filter.validate().map_err(|error| {
            QueryError::invalid(
                "filter",
                error.to_string(),
                "swap --min-params and --max-params",
            )
        })
    }
}

/// The keys [`Params::from_pairs`] accepts, as a server's query string spells them.
pub const PARAM_KEYS: [&str; 13] = [
    "as_of",
    "k",
    "cadence_days",
    "top",
    "by",
    "origin",
    "period",
    "task",
    "library",
    "license",
    "min_params",
    "max_params",
    "new_models",
];

impl Params {
    /// Parameters from `key=value` pairs (a URL's query string, already percent-decoded), named
    /// like the CLI's flags with `_` (`as_of`, `k`, `by=country,region`, `origin=both`,
    /// `min_params=7B`, `new_models=true`; `-` works too). An unknown key or a bad value is a
    /// client error naming it; call [`Params::check`] (or [`batch`], which does) for whether
    /// the table takes it.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, QueryError> {
        fn bad(parameter: &'static str, value: &str, expected: &str) -> QueryError {
            QueryError::invalid(
                parameter,
                format!("{parameter}={value:?} is not valid"),
                format!("expected {expected}"),
            )
        }
        fn list<T>(
            parameter: &'static str,
            value: &str,
            expected: &str,
            parse: impl Fn(&str) -> Option<T>,
        ) -> Result<Vec<T>, QueryError> {
            value
                .split(',')
                .map(|item| parse(item.trim()).ok_or_else(|| bad(parameter, value, expected)))
                .collect()
        }
        let mut params = Self::default();
        for (key, value) in pairs {
            let key = key.trim().replace('-', "_");
            let Some(&parameter) = PARAM_KEYS.iter().find(|&&known| known == key) else {
                return Err(QueryError::invalid(
                    "parameter",
                    format!("unknown export parameter {key:?}"),
                    format!("parameters: {}", PARAM_KEYS.join(", ")),
                ));
            };
            let text = || Some(value.trim().to_owned()).filter(|v| !v.is_empty());
            match parameter {
                "as_of" => {
                    params.as_of = Some(value.parse().map_err(|message: String| {
                        QueryError::invalid("as_of", message, "e.g. as_of=2026-08-23")
                    })?);
                }
                "k" => {
                    params.k = Some(
                        value
                            .trim()
                            .parse()
                            .map_err(|_| bad("k", value, "a positive whole number, e.g. 200"))?,
                    );
                }
                "cadence_days" => {
                    let days: f64 = value
                        .trim()
                        .parse()
                        .ok()
                        .filter(|d: &f64| d.is_finite() && *d > 0.0)
                        .ok_or_else(|| {
                            bad("cadence_days", value, "a positive number of days, e.g. 7")
                        })?;
                    params.cadence = Some(Cadence { days });
                }
                "top" => {
                    params.top = Some(
                        value
                            .trim()
                            .parse()
                            .map_err(|_| bad("top", value, "a positive whole number"))?,
                    );
                }
                "by" => {
                    params.by = list(
                        "by",
                        value,
                        "country, region, type or org",
                        |item| match item {
                            "country" => Some(Dimension::Country),
                            "region" => Some(Dimension::Region),
                            "type" => Some(Dimension::Type),
                            "org" | "organization" => Some(Dimension::Organization),
                            _ => None,
                        },
                    )?;
                }
                "origin" => {
                    params.origins = match value.trim() {
                        "uploader" => vec![Origin::Uploader],
                        "lineage" => vec![Origin::Lineage],
                        "both" => vec![Origin::Uploader, Origin::Lineage],
                        _ => return Err(bad("origin", value, "uploader, lineage or both")),
                    };
                }
                "period" => {
                    params.periods = list(
                        "period",
                        value,
                        "week, month, quarter or year",
                        |item| match item {
                            "week" => Some(Period::Week),
                            "month" => Some(Period::Month),
                            "quarter" => Some(Period::Quarter),
                            "year" => Some(Period::Year),
                            _ => None,
                        },
                    )?;
                }
                "task" => params.filter.task = text(),
                "library" => params.filter.library = text(),
                "license" => params.filter.license = text(),
                "min_params" | "max_params" => {
                    let count = crate::units::parse_params(value).map_err(|message| {
                        QueryError::invalid(
                            if parameter == "min_params" {
                                "min_params"
                            } else {
                                "max_params"
                            },
                            message,
                            "e.g. 7B, 1.5B, 500M",
                        )
                    })?;
                    if parameter == "min_params" {
                        params.filter.min_params = Some(count);
                    } else {
                        params.filter.max_params = Some(count);
                    }
                }
                _ => {
                    params.filter.new_models = match value.trim() {
                        "" | "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => return Err(bad("new_models", value, "true or false")),
                    };
                }
            }
        }
        Ok(params)
    }
}

/// The Arrow schema of `table` (the same for every store).
#[must_use]
pub fn schema(table: Table) -> arrow_schema::SchemaRef {
    match table {
        Table::Windows => tables::windows_columns().schema(),
        Table::WorkingSet => tables::ranked_columns(false).schema(),
        Table::Families => tables::ranked_columns(true).schema(),
        Table::Churn => tables::churn_columns().schema(),
        Table::Shares => tables::shares_columns().schema(),
        Table::LineageEdges => tables::edges_columns().schema(),
        Table::Derivatives => tables::derivatives_columns().schema(),
        Table::Registry => tables::registry_columns().schema(),
        Table::Evals => tables::evals_columns().schema(),
        Table::Snapshots => tables::snapshots_columns().schema(),
    }
}

/// `table` over `census` as one batch, computed by the views with `params`.
pub fn batch(census: &Census, table: Table, params: &Params) -> Result<RecordBatch, QueryError> {
    params.check(table)?;
    if table.needs_snapshots() && census.times().is_empty() {
        return Err(QueryError::NoSnapshots {
            dir: census.dir().to_path_buf(),
        });
    }
    match table {
        Table::Windows => tables::windows_columns().batch(&tables::windows_rows(census, params)?),
        Table::WorkingSet => {
            tables::ranked_columns(false).batch(&tables::ranked_rows(census, params, false)?)
        }
        Table::Families => {
            tables::ranked_columns(true).batch(&tables::ranked_rows(census, params, true)?)
        }
        Table::Churn => tables::churn_columns().batch(&tables::churn_rows(census, params)?),
        Table::Shares => tables::shares_columns().batch(&tables::shares_rows(census, params)?),
        Table::LineageEdges => tables::edges_columns().batch(&tables::edges_rows(census, params)?),
        Table::Derivatives => {
            tables::derivatives_columns().batch(&tables::derivatives_rows(census, params)?)
        }
        Table::Registry => tables::registry_columns().batch(&tables::registry_rows()),
        Table::Evals => tables::evals_columns().batch(&tables::evals_rows(census)?),
        Table::Snapshots => tables::snapshots_columns().batch(&tables::snapshots_rows(census)?),
    }
}

/// The weekly series of some models (each model's [`crate::views::history::model_weeks`], its
/// current id first): one row per model and window, the table behind the model page's chart and
/// the comparison's (docs/exports.md, "series"). Written by [`write`] as any table.
pub fn series_batch(
    series: &[(String, Vec<crate::views::history::ModelWeek>)],
) -> Result<RecordBatch, QueryError> {
    let rows: Vec<tables::SeriesRow> = series
        .iter()
        .flat_map(|(id, weeks)| {
            weeks.iter().map(move |week| tables::SeriesRow {
                id: id.clone(),
                week: week.clone(),
            })
        })
        .collect();
    tables::series_columns().batch(&rows)
}

/// The columns of [`series_batch`], as docs/exports.md documents them.
#[must_use]
pub fn series_columns() -> Vec<ColumnDoc> {
    tables::series_columns().docs()
}

/// The schema of `table` as docs/exports.md shows it: a Markdown table of every column with its
/// type, whether it may be null, and what it holds (a test keeps the document equal to this).
#[must_use]
pub fn schema_markdown(table: Table) -> String {
    columns_markdown(&table.columns())
}

/// Columns as docs/exports.md shows them (see [`schema_markdown`]).
#[must_use]
pub fn columns_markdown(columns: &[ColumnDoc]) -> String {
    let mut text = String::from("| column | type | null | what it is |\n|---|---|---|---|\n");
    for column in columns {
        let _ = writeln!(
            text,
            "| `{}` | {} | {} | {} |",
            column.name,
            column.kind.doc_name(),
            if column.nullable { "yes" } else { "no" },
            column.about
        );
    }
    text
}

#[cfg(test)]
mod tests;
