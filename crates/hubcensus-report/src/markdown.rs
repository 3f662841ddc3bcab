//! The report as Markdown: the same content as the HTML, every chart shown as its data table.
//! All text is escaped with [`escape::markdown`], so untrusted names cannot inject HTML, links or
//! break a table row.

use std::fmt::Write as _;

use crate::document::{Block, Column, Document, Table};
use crate::escape;
use crate::methodology::{Block as TextBlock, Inline};

/// What a figure's own population does to the common one stated above its block.
const OWN_POPULATION: &str =
    "A figure's own population, where it has one, replaces the matching part";

#[must_use]
pub fn render(document: &Document) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", escape::markdown(&document.title));
    if document.synthetic {
        out.push_str(
            "> **Synthetic demo data.** Every figure below was computed on a generated world, \
             not on the Hugging Face Hub.\n\n",
        );
    }
    if let Some(partial) = &document.partial {
        let _ = writeln!(out, "> **Partial data.** {}\n", escape::markdown(partial));
    }
    for (name, value) in &document.meta {
        let _ = writeln!(
            out,
            "- **{}:** {}",
            escape::markdown(name),
            escape::markdown(value)
        );
    }
    out.push('\n');
    out.push_str("Contents: ");
    out.push_str(
        &document
            .sections
            .iter()
            .map(|s| escape::markdown(&s.title))
            .collect::<Vec<_>>()
            .join(" · "),
    );
    out.push_str("\n\n");
    for section in &document.sections {
        let _ = writeln!(out, "## {}\n", escape::markdown(&section.title));
        if let Some(intro) = &section.intro {
            let _ = writeln!(out, "{}\n", escape::markdown(intro));
        }
        for block in &section.blocks {
            render_block(&mut out, block);
        }
    }
    out
}

fn render_block(out: &mut String, block: &Block) {
    match block {
        Block::Cards { population, cards } => {
            let _ = writeln!(
                out,
                "*Population of these figures: {}. {}.*\n",
                escape::markdown(population),
                OWN_POPULATION
            );
            let notes: Vec<String> = cards
                .iter()
                .map(|card| {
                    let mut notes = card.population.clone().unwrap_or_default();
                    if let Some(note) = &card.note {
                        if !notes.is_empty() {
                            notes.push_str(". ");
                        }
                        notes.push_str("Note: ");
                        notes.push_str(note);
                    }
                    notes
                })
                .collect();
            let with_notes = notes.iter().any(|n| !n.is_empty());
            let mut table = Table {
                caption: String::new(),
                population: None,
                headers: vec!["Figure".into(), "Value".into()],
                columns: vec![Column::Text, Column::Number],
                rows: Vec::new(),
            };
            if with_notes {
                table.headers.push("Own population, note".into());
                table.columns.push(Column::Text);
            }
            for (card, notes) in cards.iter().zip(notes) {
                let value = match card.scale {
                    Some(scale) => format!("{} {scale}", card.value),
                    None => card.value.clone(),
                };
                let mut row = vec![card.label.clone(), value];
                if with_notes {
                    row.push(notes);
                }
                table.rows.push(row);
            }
            render_table(out, &table);
        }
        Block::Table(table) | Block::Chart { table, .. } => render_table(out, table),
        Block::Paragraphs(paragraphs) => {
            for paragraph in paragraphs {
                let _ = writeln!(out, "{}\n", escape::markdown(paragraph));
            }
        }
        Block::Pointer {
            before,
            link,
            after,
            ..
        } => {
            let _ = writeln!(
                out,
                "{}*{}*{}\n",
                escape::markdown(before),
                escape::markdown(link),
                escape::markdown(after)
            );
        }
        Block::Definitions(terms) => {
            for (term, meaning) in terms {
                let _ = writeln!(
                    out,
                    "- **{}:** {}",
                    escape::markdown(term),
                    escape::markdown(meaning)
                );
            }
            out.push('\n');
        }
        Block::Text(blocks) => {
            for block in blocks {
                render_text(out, block);
            }
        }
    }
}

fn render_table(out: &mut String, table: &Table) {
    if !table.caption.is_empty() {
        let _ = writeln!(out, "**{}**\n", escape::markdown(&table.caption));
    }
    if let Some(population) = &table.population {
        let _ = writeln!(out, "*Population: {}*\n", escape::markdown(population));
    }
    if table.rows.is_empty() {
        out.push_str("*(none)*\n\n");
        return;
    }
    let cells = |cells: &[String]| {
        format!(
            "| {} |",
            cells
                .iter()
                .map(|cell| escape::markdown(cell))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    let _ = writeln!(out, "{}", cells(&table.headers));
    let _ = writeln!(
        out,
        "|{}|",
        table
            .columns
            .iter()
            .map(|column| if *column == Column::Number {
                "---:"
            } else {
                "---"
            })
            .collect::<Vec<_>>()
            .join("|")
    );
    for row in &table.rows {
        let _ = writeln!(out, "{}", cells(row));
    }
    out.push('\n');
}

fn inline(parts: &[Inline]) -> String {
    let mut out = String::new();
    for part in parts {
        match part {
            Inline::Text(text) => out.push_str(&escape::markdown(text)),
            Inline::Strong(text) => {
                let _ = write!(out, "**{}**", escape::markdown(text));
            }
            Inline::Code(code) => out.push_str(&code_span(code)),
        }
    }
    out
}

/// A code span that survives backticks inside the code; newlines become spaces.
fn code_span(code: &str) -> String {
    let code = code.replace(['\n', '\r'], " ");
    let longest = longest_backtick_run(&code);
    let fence = "`".repeat(longest + 1);
    if longest > 0 || code.starts_with(' ') || code.ends_with(' ') {
        format!("{fence} {code} {fence}")
    } else {
        format!("{fence}{code}{fence}")
    }
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn render_text(out: &mut String, block: &TextBlock) {
    match block {
        // The methodology sits under a `##` section heading: its `#` becomes `###`.
        TextBlock::Heading(level, parts) => {
            let _ = writeln!(
                out,
                "{} {}\n",
                "#".repeat(usize::from(*level) + 2),
                inline(parts)
            );
        }
        TextBlock::Paragraph(parts) => {
            let _ = writeln!(out, "{}\n", inline(parts));
        }
        TextBlock::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", inline(item));
            }
            out.push('\n');
        }
        TextBlock::Code(code) => {
            let fence = "`".repeat(longest_backtick_run(code).max(2) + 1);
            let _ = writeln!(out, "{fence}text\n{code}\n{fence}\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code_span("a"), "`a`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
        assert_eq!(code_span("x\ny"), "`x y`");
    }

    #[test]
    fn tables_escape_cells_and_align_numbers() {
        let mut out = String::new();
        render_table(
            &mut out,
            &Table {
                caption: "c|d".into(),
                population: Some("p".into()),
                headers: vec!["Model".into(), "N".into()],
                columns: vec![Column::Id, Column::Number],
                rows: vec![vec!["a|b\n<i>".into(), "1".into()]],
            },
        );
        assert_eq!(
            out,
            "**c\\|d**\n\n*Population: p*\n\n| Model | N |\n|---|---:|\n| a\\|b &lt;i&gt; | 1 |\n\n"
        );
    }
}
