//! The report as one self-contained HTML file: inline CSS and inline SVG, no script, no external
//! fetch. The askama template escapes every interpolated string, with askama's escaping or the
//! `dates` filter ([`crate::escape::html_keeping_dates`]); the SVG charts are built by
//! [`crate::svg`], which escapes their text itself. Those two are the only values marked safe.
//! The page reads at any width: charts come in a wide and a narrow drawing and CSS shows one;
//! a table too wide for a phone scrolls inside its own wrapper, under its caption.

use askama::Template;

use crate::document::{Block, Column, Document, Table};
use crate::methodology::{Block as TextBlock, Inline};

#[derive(Template)]
#[template(path = "report.html")]
struct ReportTemplate<'a> {
    doc: &'a Document,
    generator: &'a str,
}

impl Table {
    /// The CSS class of column `index`: numbers are right-aligned and never wrap; words and ids
    /// wrap only where a reader expects (a word is never broken: "nonprofi t").
    fn class(&self, index: usize) -> &'static str {
        match self.columns.get(index) {
            Some(Column::Number) => "num",
            Some(Column::Id) => "id",
            Some(Column::Text) | None => "text",
        }
    }

    /// The pieces of cell `text` in column `index`, to be joined by `<wbr>` (a line may break
    /// there): an id breaks after each `/`, `-`, `_` and `.`; other text is one piece.
    fn pieces<'a>(&self, index: usize, text: &'a str) -> Vec<&'a str> {
        if self.columns.get(index) == Some(&Column::Id) {
            id_pieces(text)
        } else {
            vec![text]
        }
    }
}

use crate::escape::id_pieces;

/// The template's own filter: `dates` escapes text and keeps its dates on one line
/// ([`crate::escape::html_keeping_dates`]).
// The wrapper askama's `filter_fn` generates (an always-inlined method, a `Result` every filter
// returns) trips these pedantic lints.
#[allow(clippy::inline_always, clippy::unused_self, clippy::unnecessary_wraps)]
mod filters {
    use askama::filters::Safe;

    #[askama::filter_fn]
    pub fn dates(text: impl ToString, _: &dyn askama::Values) -> askama::Result<Safe<String>> {
        Ok(Safe(crate::escape::html_keeping_dates(&text.to_string())))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_break_after_their_separators_only() {
        let cases: [(&str, &[&str]); 5] = [
            ("org/a-b", &["org/", "a-", "b"]),
            ("Qwen/Qwen2.5-7B", &["Qwen/", "Qwen2.", "5-", "7B"]),
            ("gpt2", &["gpt2"]),
            ("", &[""]),
            ("a_b-", &["a_", "b-"]),
        ];
        for (id, pieces) in cases {
            assert_eq!(id_pieces(id), pieces, "{id}");
            assert_eq!(id_pieces(id).concat(), id);
        }
    }
}
