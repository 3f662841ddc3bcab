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
    let html = ReportTemplate {
        doc: document,
        generator,
    }
    .render()?;
    Ok(without_control_characters(html))
}

/// askama's HTML escaping leaves control characters alone, and they are parse errors in HTML
/// (a hostile card's `ESC` or `BEL` would reach the page). The template itself holds none but
/// whitespace, so every other control character came from data: it becomes U+FFFD, as in
/// [`crate::escape::xml`].
fn without_control_characters(html: String) -> String {
    if !html
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return html;
    }
    html.chars()
        .map(|c| {
            if c.is_control() && !matches!(c, '\n' | '\t' | '\r') {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}
