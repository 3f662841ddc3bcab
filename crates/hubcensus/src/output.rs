//! The one place that writes to the terminal: data to stdout, errors to stderr.

use std::io::{self, Write};
use std::process::ExitCode;

use clap::builder::TypedValueParser as _;

/// How a result prints: one notion for every subcommand, each accepting the formats that make
/// sense for it ([`Format::parser`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned text for people, with the population stated above the table.
    Table,
    /// A versioned JSON document (full precision, no rounding; `schema` names its contract).
    Json,
    /// Comma-separated values with a header row; every row carries its population.
    Csv,
    /// Markdown.
    Md,
    /// A self-contained HTML page.
    Html,
}

impl Format {
    const NAMES: [(&'static str, Self); 5] = [
        ("table", Self::Table),
        ("json", Self::Json),
        ("csv", Self::Csv),
        ("md", Self::Md),
        ("html", Self::Html),
    ];

    /// A clap parser accepting `allowed` (`text` is another name for `table`).
    pub fn parser(allowed: &'static [Self]) -> impl clap::builder::TypedValueParser<Value = Self> {
        let mut names: Vec<&'static str> = Self::NAMES
            .iter()
            .filter(|(_, format)| allowed.contains(format))
            .map(|(name, _)| *name)
            .collect();
        if allowed.contains(&Self::Table) {
            names.push("text");
        }
        if allowed.contains(&Self::Md) {
            names.push("markdown");
        }
        clap::builder::PossibleValuesParser::new(names).map(|name| match name.as_str() {
            "json" => Self::Json,
            "csv" => Self::Csv,
            "md" | "markdown" => Self::Md,
            "html" => Self::Html,
            _ => Self::Table,
        })
    }
}

/// Pretty JSON with a trailing newline: how every JSON result is written.
pub fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// A user-facing hint attached to an error as context: printed as `hint: ...` after the error.
#[derive(Debug)]
pub struct Hint(pub String);

impl std::fmt::Display for Hint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Hint {}

/// Writes `text` to stdout. A closed pipe (`hubcensus top | head`) is success, not an error.
pub fn write_stdout(text: &str) -> anyhow::Result<()> {
    write_stdout_bytes(text.as_bytes())
}

/// Whether stdout is a terminal (binary output is refused there).
pub fn stdout_is_terminal() -> bool {
    io::IsTerminal::is_terminal(&io::stdout())
}

/// Writes `bytes` to stdout (an export's Parquet, CSV or JSON Lines). A closed pipe is success.
pub fn write_stdout_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// The hint for a write that failed for want of room (`ENOSPC`, or `EFBIG` past a file size
/// limit).
const DISK_FULL_HINT: &str = "the disk is full (or a file size limit was reached) where the file \
named above is written: free space and run again; nothing was committed, the store is as it was \
(a crawl's pages so far stay staged for the next run)";

/// Whether a cause of `error` is a full disk or a file size limit. Parquet's writer keeps only
/// the text of an I/O error, so the text is looked at too.
fn disk_full(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| {
            matches!(
                e.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::FileTooLarge
            )
        }) || {
            let text = cause.to_string();
            text.contains("No space left on device") || text.contains("File too large")
        }
    })
}

/// Prints an error chain once as `error: outer: inner: cause`, then any hint, and returns exit
/// code 2. A broken pipe anywhere in the chain is success.
pub fn report_error(error: &anyhow::Error) -> ExitCode {
    if error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    }) {
        return ExitCode::SUCCESS;
    }
    // A hint attached with `.context(Hint(..))` sits in the chain as anyhow's private context
    // wrapper, which `downcast_ref` on a chain element does not see through; anyhow's own
    // `Error::downcast_ref` does (at any depth). The wrapper displays as the hint's text.
    // A full disk says what to do whatever the command's own hint (resume, retry) says.
    let hint = disk_full(error)
        .then(|| DISK_FULL_HINT.to_owned())
        .or_else(|| error.downcast_ref::<Hint>().map(|hint| hint.0.clone()))
        .or_else(|| {
            error
                .chain()
                .find_map(|cause| cause.downcast_ref::<hubcensus_query::QueryError>())
                .and_then(hubcensus_query::QueryError::hint)
        });
    let message = error
        .chain()
        .filter(|cause| cause.downcast_ref::<Hint>().is_none())
        .map(ToString::to_string)
        .filter(|text| hint.as_deref() != Some(text.as_str()))
        .collect::<Vec<_>>()
        .join(": ");
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: {message}");
    if let Some(hint) = hint {
        let _ = writeln!(stderr, "hint: {hint}");
    }
    ExitCode::from(2)
}
