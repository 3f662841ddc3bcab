//! hubcensus-report: the State of Open Source report, rendered from a plain-data [`ReportView`]
//! to self-contained HTML (inline CSS and SVG, no script), Markdown, and versioned JSON.
//!
//! It is pure: it writes to a caller's `Write`, reads no file and no clock, and the same view
//! renders to the same bytes. It does not compute figures (that is hubcensus-analytics) and does
//! not know the analytics types: callers map results into the view. Untrusted text in the view
//! (model ids, organization names, card excerpts) is escaped by every renderer.

mod document;
mod error;
pub mod escape;
pub mod format;
mod html;
mod markdown;
mod methodology;
pub mod svg;
pub mod view;

use std::io::Write;

pub use error::ReportError;

/// The report's stylesheet (`templates/report.css`): the HTML report inlines it, and the
/// dashboard serves it ahead of its own styles, so the two look alike from one source.
pub const STYLE: &str = include_str!("../templates/report.css");
pub use view::*;

/// Writes the report as one self-contained HTML file.
pub fn render_html(view: &ReportView, out: &mut dyn Write) -> Result<(), ReportError> {
    let document = document::layout(view);
    let html = html::render(&document, &view.generator).map_err(ReportError::Template)?;
    out.write_all(html.as_bytes()).map_err(ReportError::Write)
}

/// Writes the report as Markdown: the same content, charts as their data tables.
pub fn render_markdown(view: &ReportView, out: &mut dyn Write) -> Result<(), ReportError> {
    let markdown = markdown::render(&document::layout(view));
    out.write_all(markdown.as_bytes())
        .map_err(ReportError::Write)
}

/// Writes the report as JSON (schema [`SCHEMA`], documented in docs/report-json.md): every
/// figure at full precision, with its population.
pub fn render_json(view: &ReportView, out: &mut dyn Write) -> Result<(), ReportError> {
    #[derive(serde::Serialize)]
    struct Document<'a> {
        schema: &'static str,
        title: String,
        #[serde(flatten)]
        view: &'a ReportView,
    }
    let document = Document {
        schema: SCHEMA,
        title: view.display_title(),
        view,
    };
    let mut text = serde_json::to_string_pretty(&document).map_err(ReportError::Json)?;
    text.push('\n');
    out.write_all(text.as_bytes()).map_err(ReportError::Write)
}
