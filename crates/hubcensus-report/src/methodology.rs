//! A small Markdown subset for the methodology text: headings, paragraphs, `-`/`*` lists, fenced
//! code, `code` spans and `**strong**`. Links keep their text with the address after it as plain
//! text (a citation, never a live link). Anything else is text. The result is escaped by each
//! renderer, so raw HTML in the source shows as text.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inline {
    Text(String),
    Code(String),
    Strong(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    /// Level 1 to 3 (deeper headings are level 3).
    Heading(u8, Vec<Inline>),
    Paragraph(Vec<Inline>),
    List(Vec<Vec<Inline>>),
    Code(String),
}

/// Parses the subset. Never fails: unknown syntax is text.
#[must_use]
pub fn parse(source: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    // An open fenced code block: its fence length and lines.
    let mut code: Option<(usize, Vec<&str>)> = None;

    let flush = |paragraph: &mut Vec<&str>, list: &mut Vec<String>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph(inline(&paragraph.join(" "))));
            paragraph.clear();
        }
        if !list.is_empty() {
            blocks.push(Block::List(list.iter().map(|item| inline(item)).collect()));
            list.clear();
        }
    };

    for line in source.lines() {
        let trimmed = line.trim();
        let fence = trimmed.chars().take_while(|c| *c == '`').count();
        if let Some((opening, lines)) = code.as_mut() {
            // A closing fence is only backticks, at least as many as the opening one.
            if fence >= *opening && fence == trimmed.len() {
                blocks.push(Block::Code(lines.join("\n")));
                code = None;
            } else {
                lines.push(line);
            }
            continue;
        }
        if fence >= 3 {
            flush(&mut paragraph, &mut list, &mut blocks);
            code = Some((fence, Vec::new()));
        } else if trimmed.is_empty() {
            flush(&mut paragraph, &mut list, &mut blocks);
        } else if let Some(heading) = heading(trimmed) {
            flush(&mut paragraph, &mut list, &mut blocks);
            blocks.push(heading);
        } else if let Some(item) = trimmed
            .strip_prefix("- ")
            .or_else(|| trimmed.strip_prefix("* "))
        {
            if !paragraph.is_empty() {
                blocks.push(Block::Paragraph(inline(&paragraph.join(" "))));
                paragraph.clear();
            }
            list.push(item.to_owned());
        } else if !list.is_empty() && line.starts_with(' ') {
            // A continuation line of the last list item.
            if let Some(last) = list.last_mut() {
                last.push(' ');
                last.push_str(trimmed);
            }
        } else {
            if !list.is_empty() {
                blocks.push(Block::List(list.iter().map(|item| inline(item)).collect()));
                list.clear();
            }
            paragraph.push(trimmed);
        }
    }
    if let Some((_, lines)) = code {
        blocks.push(Block::Code(lines.join("\n")));
    }
    flush(&mut paragraph, &mut list, &mut blocks);
    blocks
}

fn heading(line: &str) -> Option<Block> {
    let level = line.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let text = line[level..].strip_prefix(' ')?;
    Some(Block::Heading(level.min(3) as u8, inline(text.trim())))
}

/// Splits a line into text, `code` spans and `**strong**` runs; links become "text (address)".
fn inline(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut plain = String::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('`')
            && let Some(end) = after.find('`')
        {
            push_text(&mut out, &mut plain);
            out.push(Inline::Code(after[..end].to_owned()));
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("**")
            && let Some(end) = after.find("**")
        {
            push_text(&mut out, &mut plain);
            out.push(Inline::Strong(after[..end].to_owned()));
            rest = &after[end + 2..];
        } else if let Some(after) = rest.strip_prefix('[')
            && let Some(close) = after.find("](")
            && let Some(end) = after[close + 2..].find(')')
        {
            let label = &after[..close];
            let address = &after[close + 2..close + 2 + end];
            plain.push_str(label);
            plain.push_str(" (");
            plain.push_str(address);
            plain.push(')');
            rest = &after[close + 3 + end..];
        } else {
            let character = rest.chars().next().unwrap_or_default();
            plain.push(character);
            rest = &rest[character.len_utf8()..];
        }
    }
    push_text(&mut out, &mut plain);
    out
}

fn push_text(out: &mut Vec<Inline>, plain: &mut String) {
    if !plain.is_empty() {
        out.push(Inline::Text(std::mem::take(plain)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Inline {
        Inline::Text(s.to_owned())
    }

    #[test]
    fn parses_the_subset() {
        let source = "# Methods\n\nWindow downloads are\n`A_t1 - A_t0`.\n\n- one **two**\n  continued\n- [Hub](https://huggingface.co)\n\n```\nx < y\n```\n<script>x</script>";
        let blocks = parse(source);
        assert_eq!(
            blocks,
            vec![
                Block::Heading(1, vec![text("Methods")]),
                Block::Paragraph(vec![
                    text("Window downloads are "),
                    Inline::Code("A_t1 - A_t0".into()),
                    text(".")
                ]),
                Block::List(vec![
                    vec![
                        text("one "),
                        Inline::Strong("two".into()),
                        text(" continued")
                    ],
                    vec![text("Hub (https://huggingface.co)")],
                ]),
                Block::Code("x < y".into()),
                Block::Paragraph(vec![text("<script>x</script>")]),
            ]
        );
    }

    #[test]
    fn unclosed_markers_are_text() {
        assert_eq!(
            parse("a `b and **c and [d](e"),
            vec![Block::Paragraph(vec![text("a `b and **c and [d](e")])]
        );
        assert_eq!(
            parse("####### deep"),
            vec![Block::Paragraph(vec![text("####### deep")])]
        );
        assert_eq!(
            parse("#### deep"),
            vec![Block::Heading(3, vec![text("deep")])]
        );
        assert_eq!(parse(""), vec![]);
        assert_eq!(
            parse("```\nunterminated"),
            vec![Block::Code("unterminated".into())]
        );
        assert_eq!(
            parse("````rust\n```\nx\n````"),
            vec![Block::Code("```\nx".into())]
        );
    }
}
