//! `hubcensus snapshots`: list the snapshots in the store.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_model::{Era, SnapshotInfo};
use hubcensus_report::format::grouped;
use hubcensus_store::{Manifest, Store};
use serde::Serialize;

use crate::context::Context;
use crate::output::{Hint, write_stdout};

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
}

#[derive(clap::Args, Clone, Copy, Debug)]
#[command(after_help = "\
Cost: reads each snapshot's manifest only (milliseconds), unless --verify, which reads and hashes
every file (about a second per million models).

Examples:
  hubcensus snapshots
  hubcensus snapshots --format json | jq '.snapshots[].as_of'
  hubcensus --data-dir ./census snapshots --verify")]
pub struct Args {
    /// Output format: an aligned table, or JSON (`hubcensus.snapshots/v1`)
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Check every file against the sha256 its manifest records (exit 1 if one differs), then
    /// print the store's content digest (equal for two stores holding the same snapshots and
    /// key dictionary)
    #[arg(long)]
    verify: bool,
}

/// The JSON contract of `hubcensus snapshots --format json`.
#[derive(Serialize)]
struct Listing<'a> {
    schema: &'static str,
    snapshots: Vec<Row<'a>>,
    /// With `--verify`, when every file verified: `Store::content_digest`'s sha256.
    #[serde(skip_serializing_if = "Option::is_none")]
    content_sha256: Option<String>,
}

#[derive(Serialize)]
struct Row<'a> {
    as_of: String,
    models: u64,
    source: &'static str,
    source_location: &'a str,
    /// `all_time` or `thirty_day_only` (METHODS.md §2).
    era: Era,
    crawl_started: Option<String>,
    crawl_ended: Option<String>,
    columns: &'a [String],
    partial: bool,
    synthetic: bool,
    totals: &'a hubcensus_store::Totals,
    content_hash: &'a str,
    /// The store format version the snapshot was written in (`hubcensus_store::SCHEMA_VERSION`
    /// when current; 1 before parents' `_id`s were kept).
    schema_version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<bool>,
}

fn row<'a>(info: &'a SnapshotInfo, manifest: &'a Manifest, verified: Option<bool>) -> Row<'a> {
    Row {
        as_of: info.as_of.to_string(),
        models: info.models,
        source: info.source.as_str(),
        source_location: &info.source_location,
        era: info.era(),
        crawl_started: info.crawl_started.map(|t| t.to_string()),
        crawl_ended: info.crawl_ended.map(|t| t.to_string()),
        columns: &info.columns,
        partial: info.partial,
        synthetic: info.synthetic,
        totals: &manifest.totals,
        content_hash: &manifest.content_hash,
        schema_version: manifest.schema_version,
        verified,
    }
}

fn era_label(era: Era) -> &'static str {
    match era {
        Era::AllTime => "all-time",
        Era::ThirtyDayOnly => "30-day-only",
    }
}

fn table(rows: &[Row<'_>]) -> String {
    let yes_no = |flag: bool| if flag { "yes" } else { "no" };
    let absent = || "-".to_owned();
    let mut cells: Vec<[String; 9]> = vec![[
        "AS OF".into(),
        "MODELS".into(),
        "SOURCE".into(),
        "ERA".into(),
        "DOWNLOADS 30D".into(),
        "DOWNLOADS ALL-TIME".into(),
        "PARTIAL".into(),
        "SYNTHETIC".into(),
        "FORMAT".into(),
    ]];
    for row in rows {
        cells.push([
            row.as_of.clone(),
            grouped(row.models),
            row.source.to_owned(),
            era_label(row.era).to_owned(),
            row.totals.downloads_30d.map_or_else(absent, grouped),
            row.totals.downloads_all_time.map_or_else(absent, grouped),
            yes_no(row.partial).to_owned(),
            yes_no(row.synthetic).to_owned(),
            format!("v{}", row.schema_version),
        ]);
    }
    let mut widths = [0usize; 9];
    for line in &cells {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    // Numbers right-aligned, text left-aligned.
    let numeric = [false, true, false, false, true, true, false, false, false];
    let mut out = String::new();
    for line in &cells {
        let mut text = String::new();
        for (column, cell) in line.iter().enumerate() {
            if column > 0 {
                text.push_str("  ");
            }
            let width = widths[column];
            if numeric[column] {
                let _ = write!(text, "{cell:>width$}");
            } else {
                let _ = write!(text, "{cell:<width$}");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let store = Store::open(&context.data_dir)
        .with_context(|| format!("cannot open the store at {}", context.data_dir.display()))?;
    let mut failed = false;
    let mut rows = Vec::new();
    for info in store.snapshots() {
        let manifest = store
            .manifest(info.as_of)
            .context("a listed snapshot has no manifest (a bug)")?;
        let verified = if args.verify {
            let result = store.verify(info.as_of);
            if let Err(error) = &result {
                eprintln!("verify: {}: {error}", info.as_of);
                failed = true;
            }
            Some(result.is_ok())
        } else {
            None
        };
        rows.push(row(info, manifest, verified));
    }
    let digest = if args.verify && !failed && !rows.is_empty() {
        Some(store.content_digest().with_context(|| {
            format!(
                "cannot compute the content digest of the store at {}",
                context.data_dir.display()
            )
        })?)
    } else {
        None
    };
    match args.format {
        Format::Json => {
            let listing = Listing {
                schema: "hubcensus.snapshots/v1",
                snapshots: rows,
                content_sha256: digest.map(|digest| digest.sha256),
            };
            let mut text = serde_json::to_string_pretty(&listing)?;
            text.push('\n');
            write_stdout(&text)?;
        }
        Format::Table => {
            if rows.is_empty() {
                // The hint is the innermost cause, so `output::report_error` finds it.
                return Err(anyhow::Error::new(Hint(
                    "import one with `hubcensus import PATH` or crawl one with `hubcensus sync`; \
                     or point --data-dir / HUBCENSUS_HOME at an existing store"
                        .into(),
                ))
                .context(format!(
                    "no snapshots in the store at {}",
                    context.data_dir.display()
                )));
            }
            let mut text = table(&rows);
            if let Some(digest) = digest {
                let _ = writeln!(
                    text,
                    "content sha256 {} ({} snapshots, {} keys)",
                    digest.sha256,
                    digest.snapshots,
                    grouped(digest.keys as u64)
                );
            }
            write_stdout(&text)?;
        }
    }
    if failed {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        for (value, text) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (123_456_789, "123,456,789"),
        ] {
            assert_eq!(grouped(value), text);
        }
    }
}
