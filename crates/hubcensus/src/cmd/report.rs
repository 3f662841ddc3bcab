//! `hubcensus report`: write the State of Open Source report (HTML, Markdown or JSON). The view
//! is built by the query layer (`hubcensus_query::views::report`); this module parses the flags,
//! renders, and writes the file.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_model::Timestamp;
use hubcensus_query::Census;
use hubcensus_query::views::report::{ReportQuery, report_with_progress};
use hubcensus_report as rv;

use super::shares::OriginArg;
use super::views::FilterArgs;
use crate::context::Context;
use crate::output::{Format, Hint, write_stdout};

const AFTER_HELP: &str = "\
Cost: reads every snapshot in the range from the store, a few at a time (about 500 MB and two
seconds at 2,000,000 models x 13 weeks); no network.

Examples:
  hubcensus report -o report.html
      the whole store, both origin modes, the weekly top 200, as one self-contained HTML file
  hubcensus report --from 2026-01-01 --to 2026-03-31 --task text-generation --format md -o q1.md
      one quarter, text-generation models only, as Markdown
  hubcensus report --origin lineage --k 100 --format json -o - | jq .headline
      the figures as versioned JSON (docs/report-json.md) on stdout";

#[derive(clap::Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct Args {
    /// First snapshot to use (a date or RFC 3339 time; inclusive). Default: the oldest
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// Last snapshot to use (inclusive). Default: the newest
    #[arg(long, value_name = "TIME")]
    pub to: Option<String>,
    /// Size of the working set and of the top-k share
    #[arg(long, default_value_t = 200)]
    pub k: u64,
    /// Attribution origin mode: the uploader's country, the lineage root's, or both side by side
    #[arg(long, value_enum, default_value_t = OriginArg::Both)]
    pub origin: OriginArg,
    /// Write the report to FILE (`-` for stdout). Default: report.<format> in the current directory
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format. Default: from the output file's extension, else html
    #[arg(long, value_parser = Format::parser(&[Format::Html, Format::Md, Format::Json]))]
    pub format: Option<Format>,
    #[command(flatten)]
    pub filters: FilterArgs,
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Md => "md",
        Format::Json => "json",
        _ => "html",
    }
}

fn format_of_path(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "html" | "htm" => Some(Format::Html),
        "md" | "markdown" => Some(Format::Md),
        "json" => Some(Format::Json),
        _ => None,
    }
}

fn parse_time(flag: &str, text: Option<&String>) -> anyhow::Result<Option<Timestamp>> {
    text.map(|text| {
        Timestamp::parse(text).with_context(|| {
            Hint(format!(
                "{flag} takes a date (2026-03-29) or an RFC 3339 time (2026-03-29T00:00:00Z)"
            ))
        })
    })
    .transpose()
}

pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = ReportQuery {
        from: parse_time("--from", args.from.as_ref())?,
        to: parse_time("--to", args.to.as_ref())?,
        k: args.k,
        origins: args.origin.origins(),
        filter: args.filters.filter()?,
    };
    query.validate()?;
    let Args { output, format, .. } = args;
    let format = format
        .or_else(|| output.as_deref().and_then(format_of_path))
        .unwrap_or(Format::Html);
    let census = Census::open(&context.data_dir)?;
    let bar = progress_bar(context);
    let view = report_with_progress(&census, &query, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    match output.as_deref() {
        Some(path) if path == Path::new("-") => {
            let mut bytes = Vec::new();
            render(&view, format, &mut bytes)?;
            write_stdout(&String::from_utf8_lossy(&bytes))?;
        }
        output => {
            let path = output.map_or_else(
                || PathBuf::from(format!("report.{}", extension(format))),
                Path::to_path_buf,
            );
            write_report_file(&view, format, &path)?;
            write_stdout(&format!("{}\n", path.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A bar over the report's windows on a terminal (hidden otherwise, and under `--quiet`).
fn progress_bar(context: &Context) -> indicatif::ProgressBar {
    if !context.progress {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("report [{bar:30}] {pos}/{len} windows ({eta})")
    {
        bar.set_style(style);
    }
    bar
}

/// Renders `view` in `format`.
pub fn render(view: &rv::ReportView, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Md => rv::render_markdown(view, out),
        Format::Json => rv::render_json(view, out),
        _ => rv::render_html(view, out),
    }
    .context("cannot render the report")
}

/// Renders `view` in `format` into the file at `path` (for `hubcensus demo`).
pub fn write_report_file(view: &rv::ReportView, format: Format, path: &Path) -> anyhow::Result<()> {
    let mut bytes = Vec::new();
    render(view, format, &mut bytes)?;
    write_file(path, &bytes)
}

/// Writes through a temporary file and a rename, so a reader never sees half a report.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let temporary = path.with_file_name(format!(".{}.partial", file_name.to_string_lossy()));
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path)
        .with_context(|| format!("cannot move the report to {}", path.display()))
}
