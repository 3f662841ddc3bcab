//! The report as one self-contained HTML file: inline CSS and inline SVG, no script, no external
//! fetch. The askama template auto-escapes every interpolated string; the SVG charts are built by
//! [`crate::svg`], which escapes their text itself, and are the only values marked safe.

use askama::Template;

use crate::document::{Block, Document, Table};
use crate::methodology::{Block as TextBlock, Inline};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportTemplate<'a> {
    doc: &'a Document,
    generator: &'a str,
}

impl Table {
    /// The CSS class of column `index`: numbers are right-aligned, text may wrap anywhere.
    fn class(&self, index: usize) -> &'static str {
        if self.numeric.get(index).copied().unwrap_or(false) {
            "num"
        } else {
            "text"
        }
    }
}

pub fn render(document: &Document, generator: &str) -> Result<String, askama::Error> {
    ReportTemplate {
        doc: document,
        generator,
    }
    .render()
}
