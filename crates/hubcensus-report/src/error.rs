//! The report crate's errors.

/// A report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("could not write the report")]
    Write(#[source] std::io::Error),
    #[error("could not render the HTML template (a bug)")]
    Template(#[source] askama::Error),
    #[error("could not serialize the report as JSON (a bug)")]
    Json(#[source] serde_json::Error),
}
