//! What the analytics views share in the terminal: the population filters as flags, and the
//! plain table they print (aligned text, or CSV through the `csv` crate).

use hubcensus_analytics::Filter;
use hubcensus_query::units::parse_params;

use crate::output::{Format, Hint};

/// Output format and population filters, shared by every analytics view.
#[derive(clap::Args, Debug, Clone)]
pub struct ViewArgs {
    /// Output format
    #[arg(long, default_value = "table", value_parser = Format::parser(&[Format::Table, Format::Json, Format::Csv]))]
    pub format: Format,
    #[command(flatten)]
    pub filters: FilterArgs,
}

impl ViewArgs {
    pub fn filter(&self) -> anyhow::Result<Filter> {
        self.filters.filter()
    }
}

/// The population filters, shared by the analytics views and `hubcensus report`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only models with this task (`pipeline_tag`, e.g. text-generation)
    #[arg(long, value_name = "TASK")]
    pub task: Option<String>,
    /// Only models of this library (`library_name`, e.g. transformers)
    #[arg(long, value_name = "LIBRARY")]
    pub library: Option<String>,
    /// Only models under this license (e.g. apache-2.0)
    #[arg(long, value_name = "LICENSE")]
    pub license: Option<String>,
    /// Only models with at least this many parameters (e.g. 1B, 500M)
    #[arg(long, value_name = "SIZE", value_parser = parse_params)]
    pub min_params: Option<u64>,
    /// Only models with at most this many parameters (e.g. 8B)
    #[arg(long, value_name = "SIZE", value_parser = parse_params)]
    pub max_params: Option<u64>,
    /// Only models created within 365 days before each window's end
    #[arg(long)]
    pub new_models: bool,
}

impl FilterArgs {
    /// The validated filter (a user error when `--min-params` exceeds `--max-params`).
    pub fn filter(&self) -> anyhow::Result<Filter> {
        let filter = Filter {
            task: self.task.clone(),
            library: self.library.clone(),
            license: self.license.clone(),
            min_params: self.min_params,
            max_params: self.max_params,
            new_models: self.new_models,
        };
        if let Err(error) = filter.validate() {
            return Err(user_error(error, "swap --min-params and --max-params"));
        }
        Ok(filter)
    }
}

/// A user's mistake: `message`, then `hint: ...` (the hint is the error's source, where
/// `output::report_error` finds it).
pub fn user_error(message: impl std::fmt::Display, hint: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Hint(hint.into())).context(message.to_string())
}

/// `text` with every control character (ANSI escape sequences, carriage returns, line breaks,
/// bells) replaced by U+FFFD, for a terminal.
pub fn terminal_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

/// A plain table: aligned text, or CSV.
pub struct Table {
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(headers: Vec<&'static str>) -> Self {
        Self {
            headers,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    /// Columns padded to their widest cell; numbers (cells starting with a digit) right-aligned.
    /// Control characters in cells (a hostile name's ANSI escapes or line breaks) are shown as
    /// U+FFFD: this is what reaches a terminal.
    pub fn text(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| row.iter().map(|cell| terminal_safe(cell)).collect())
            .collect();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (width, cell) in widths.iter_mut().zip(row) {
                *width = (*width).max(cell.chars().count());
            }
        }
        let numeric: Vec<bool> = (0..self.headers.len())
            .map(|column| {
                !rows.is_empty()
                    && rows.iter().all(|row| {
                        row[column]
                            .chars()
                            .next()
                            .is_none_or(|c| c.is_ascii_digit() || c == '-' || c == 'u' || c == '+')
                    })
                    && rows.iter().any(|row| {
                        row[column]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_digit())
                    })
            })
            .collect();
        let mut out = String::new();
        let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
            let mut text = String::new();
            for (column, cell) in cells.enumerate() {
                if column > 0 {
                    text.push_str("  ");
                }
                let pad = widths[column].saturating_sub(cell.chars().count());
                if numeric[column] {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&mut out, &mut self.headers.iter().copied());
        for row in &rows {
            line(&mut out, &mut row.iter().map(String::as_str));
        }
        out
    }

    /// The table as CSV with every row carrying `population` in a last column (a CSV row must
    /// say what it counts), or else as aligned text wrapped by `frame` (which adds the heading).
    pub fn render(
        &self,
        format: Format,
        population: &str,
        frame: impl FnOnce(String) -> String,
    ) -> anyhow::Result<String> {
        if format == Format::Csv {
            let mut headers = self.headers.clone();
            headers.push("population");
            let rows = self
                .rows
                .iter()
                .map(|row| {
                    let mut row = row.clone();
                    row.push(population.to_owned());
                    row
                })
                .collect();
            Self { headers, rows }.csv()
        } else {
            Ok(frame(self.text()))
        }
    }

    /// RFC 4180 CSV (the `csv` crate's quoting), `\n` line ends.
    pub fn csv(&self) -> anyhow::Result<String> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        writer.write_record(&self.headers)?;
        for row in &self.rows {
            writer.write_record(row)?;
        }
        Ok(String::from_utf8(writer.into_inner()?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_csv_quotes() {
        let mut table = Table::new(vec!["model", "downloads"]);
        table.push(vec!["a/b".into(), "5".into()]);
        table.push(vec!["c/d,e".into(), "12345".into()]);
        assert_eq!(
            table.text(),
            "model  downloads\na/b            5\nc/d,e      12345\n"
        );
        assert_eq!(
            table.csv().unwrap(),
            "model,downloads\na/b,5\n\"c/d,e\",12345\n"
        );
    }

    #[test]
    fn text_tables_neutralise_control_characters() {
        let mut table = Table::new(vec!["license", "downloads"]);
        table.push(vec!["mit\u{1b}[2J\r\nfake".into(), "5".into()]);
        assert_eq!(
            table.text(),
            "license        downloads\nmit\u{fffd}[2J\u{fffd}\u{fffd}fake          5\n"
        );
        // CSV is data: it keeps the cell (quoted), for the consumer to judge.
        assert!(table.csv().unwrap().contains("\"mit\u{1b}[2J\r\nfake\""));
    }

    #[test]
    fn csv_rows_carry_their_population_and_text_gets_a_heading() {
        let mut table = Table::new(vec!["model", "downloads"]);
        table.push(vec!["a/b".into(), "5".into()]);
        assert_eq!(
            table
                .render(Format::Csv, "all models, week ending 2026-08-23", |_| {
                    unreachable!("CSV has no heading")
                })
                .unwrap(),
            "model,downloads,population\na/b,5,\"all models, week ending 2026-08-23\"\n"
        );
        assert_eq!(
            table
                .render(Format::Table, "ignored", |table| format!(
                    "Heading\n\n{table}"
                ))
                .unwrap(),
            "Heading\n\nmodel  downloads\na/b            5\n"
        );
    }
}

/// Which engine computes a view, and where Spark runs (docs/spark.md).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct EngineArgs {
    #[arg(
        long,
        default_value = "embedded",
        value_parser = ["embedded", "spark"],
        help = "The engine: embedded (this process), or spark (the PySpark job \
                spark/hubcensus_spark.py computes exact integers that hubcensus finishes into the \
                same view; docs/spark.md)"
    )]
    pub engine: String,
    /// With --engine spark: the master of a Spark session started here, e.g. 'local[2]'
    #[arg(long, value_name = "MASTER", conflicts_with = "spark_remote")]
    pub spark_master: Option<String>,
    #[arg(
        long,
        value_name = "URL",
        help = "With --engine spark: a Spark Connect server, e.g. sc://host:15002"
    )]
    pub spark_remote: Option<String>,
    /// With --engine spark: the store's models/ folder as Spark names it (e.g. on a cluster's
    /// file system); default: the local path
    #[arg(long, value_name = "URI")]
    pub spark_models_uri: Option<String>,
    #[arg(
        long,
        value_name = "PATH",
        help = "With --engine spark: the Python that has PySpark (default python3)"
    )]
    pub spark_python: Option<std::path::PathBuf>,
}

impl EngineArgs {
    /// The Spark options when `--engine spark`, `None` for the embedded engine; the Spark
    /// flags without it are a user error.
    pub fn spark(&self) -> anyhow::Result<Option<hubcensus_query::spark::SparkOptions>> {
        let spark_flags = self.spark_master.is_some()
            || self.spark_remote.is_some()
            || self.spark_models_uri.is_some()
            || self.spark_python.is_some();
        if self.engine != "spark" {
            if spark_flags {
                return Err(user_error(
                    "the --spark-* flags need --engine spark",
                    "add --engine spark, or drop them",
                ));
            }
            return Ok(None);
        }
        Ok(Some(hubcensus_query::spark::SparkOptions {
            master: self.spark_master.clone(),
            remote: self.spark_remote.clone(),
            python: self.spark_python.clone(),
            models_uri: self.spark_models_uri.clone(),
        }))
    }
}
