//! `hubcensus export TABLE`: a table behind a figure as Parquet, CSV or JSON Lines
//! (docs/exports.md). The table comes from `hubcensus_query::export`; this parses the flags and
//! writes the bytes (a file through a temporary file and a rename, or stdout).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_analytics::shares::{Dimension, Period};
use hubcensus_analytics::window::Cadence;
use hubcensus_query::export::{self, Format, Params, Table};
use hubcensus_query::{AsOf, Census};

use crate::cmd::shares::{By, OriginArg, PeriodArg};
use crate::cmd::views::{FilterArgs, user_error};
use crate::context::Context;
use crate::output::{stdout_is_terminal, write_stdout_bytes};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Tables: windows, working-set, families, churn, shares, lineage-edges, derivatives, registry,
evals, snapshots. Columns, types and units: docs/exports.md. Values are numbers (shares are
fractions 0-1 beside their integer numerator and denominator), missing values are null, times
are UTC.

Cost: what the views behind the table cost: windows and shares read every snapshot (shares once
per dimension and period: 16 passes by default, narrow with --by/--period); working-set,
families and churn read two or three snapshots per window; no network.

Examples:
  hubcensus export windows -o windows.parquet
  hubcensus export shares --by region --period quarter --format csv > shares.csv
  hubcensus export working-set --as-of 2026-08-23 --k 50 --format json | head")]
pub struct Args {
    /// The table (windows, working-set, families, churn, shares, lineage-edges, derivatives,
    /// registry, evals, snapshots)
    #[arg(value_name = "TABLE")]
    pub table: String,
    /// File format. Default: from the output file's extension (.parquet, .csv, .json, .jsonl),
    /// else parquet for a file and csv for stdout
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["parquet", "csv", "json"]))]
    pub format: Option<String>,
    /// Write to FILE (`-` for stdout, the default). Parquet is never written to a terminal
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only the window ending at this snapshot (a time, or a date: that day's latest); for
    /// lineage-edges and derivatives, the snapshot whose lineage to read
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<AsOf>,
    /// Working-set size and top-k (windows, working-set, families, churn; default 200)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub k: Option<u64>,
    /// The planned spacing of snapshots in days (windows; default 7)
    #[arg(long, value_name = "DAYS")]
    pub cadence_days: Option<f64>,
    /// How many bases (derivatives; default all)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub top: Option<u64>,
    /// Dimensions (shares; default all four; repeat or separate with commas)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub by: Vec<By>,
    /// Origin modes (shares; default both)
    #[arg(long, value_enum)]
    pub origin: Option<OriginArg>,
    /// Periods (shares; default week, month, quarter, year; repeat or separate with commas)
    #[arg(long, value_enum, value_delimiter = ',')]
    pub period: Vec<PeriodArg>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

fn format_of_path(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "parquet" => Some(Format::Parquet),
        "csv" => Some(Format::Csv),
        "json" | "jsonl" | "ndjson" => Some(Format::Json),
        _ => None,
    }
}

fn params(args: &Args) -> anyhow::Result<Params> {
    if let Some(days) = args.cadence_days
        && !(days.is_finite() && days > 0.0)
    {
        return Err(user_error(
            format!("--cadence-days {days} is not a positive number of days"),
            "use --cadence-days 7 for weekly snapshots",
        ));
    }
    Ok(Params {
        filter: args.filters.filter()?,
        as_of: args.as_of.clone(),
        k: args.k,
        cadence: args.cadence_days.map(|days| Cadence { days }),
        top: args
            .top
            .map(|top| usize::try_from(top).unwrap_or(usize::MAX)),
        by: args
            .by
            .iter()
            .map(|by| match by {
                By::Country => Dimension::Country,
                By::Region => Dimension::Region,
                By::Type => Dimension::Type,
                By::Org => Dimension::Organization,
            })
            .collect(),
        origins: args.origin.map(OriginArg::origins).unwrap_or_default(),
        periods: args
            .period
            .iter()
            .map(|period| match period {
                PeriodArg::Week => Period::Week,
                PeriodArg::Month => Period::Month,
                PeriodArg::Quarter => Period::Quarter,
                PeriodArg::Year => Period::Year,
            })
            .collect(),
    })
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    // Parse and check everything before opening the store: a typo costs nothing.
    let table: Table = args.table.parse()?;
    let params = params(&args)?;
    params.check(table)?;
    let to_stdout = args
        .output
        .as_deref()
        .is_none_or(|path| path == Path::new("-"));
    let format = match (&args.format, args.output.as_deref()) {
        (Some(name), _) => name.parse::<Format>().map_err(anyhow::Error::msg)?,
        (None, Some(path)) if !to_stdout => format_of_path(path).unwrap_or(Format::Parquet),
        (None, _) => Format::Csv,
    };
    if to_stdout && format.is_binary() && stdout_is_terminal() {
        return Err(user_error(
            "Parquet is binary and stdout is a terminal",
            format!(
                "write it to a file (-o {table}.parquet), pipe it, or choose --format csv or json"
            ),
        ));
    }
    let census = Census::open(&context.data_dir)?;
    let batch = export::batch(&census, table, &params)?;
    if to_stdout {
        let mut bytes = Vec::new();
        export::write(&batch, format, &mut bytes)?;
        write_stdout_bytes(&bytes)?;
    } else if let Some(path) = &args.output {
        write_file(path, |file| {
            export::write(&batch, format, std::io::BufWriter::new(file)).map_err(Into::into)
        })?;
        eprintln!(
            "{}: {} rows of {table} ({format})",
            path.display(),
            batch.num_rows()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes through a temporary file beside `path`, synced, then renamed over it: a reader sees
/// the old file or the whole new one, never part of it; on error the temporary file is removed.
fn write_file(
    path: &Path,
    write_into: impl FnOnce(&mut std::fs::File) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let temporary = path.with_file_name(format!(
        ".{}.{}.partial",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut file = std::fs::File::create(&temporary)
            .with_context(|| format!("cannot create {}", temporary.display()))?;
        write_into(&mut file).with_context(|| format!("cannot write {}", temporary.display()))?;
        file.flush()?;
        file.sync_all()
            .with_context(|| format!("cannot sync {}", temporary.display()))?;
        std::fs::rename(&temporary, path)
            .with_context(|| format!("cannot move the export to {}", path.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
