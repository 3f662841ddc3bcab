//! Escaping of untrusted text for each output language. Every string that reaches output passes
//! through one of these (askama's auto-escaping does the same for the HTML template).

/// Escapes text for XML/HTML text nodes and attribute values (SVG is written by hand).
#[must_use]
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in XML 1.0.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes text for HTML as [`xml`] does, and keeps each date or numeric range
/// ("2026-03-29", "2025-2026") on one line: it is wrapped in `<span class="nowrap">`, since a
/// browser may otherwise break a line after any of its hyphens ("2026-|03-29").
#[must_use]
pub fn html_keeping_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((start, end)) = next_date(rest) {
        out.push_str(&xml(&rest[..start]));
        out.push_str("<span class=\"nowrap\">");
        out.push_str(&rest[start..end]);
        out.push_str("</span>");
        rest = &rest[end..];
    }
    out.push_str(&xml(rest));
    out
}

/// The byte range of the first run of ASCII digits and hyphens in `text` that starts and ends
/// with a digit and holds a hyphen between two digits.
fn next_date(text: &str) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes[start].is_ascii_digit() {
            start += 1;
            continue;
        }
        let mut end = start;
        while end < bytes.len() && (bytes[end].is_ascii_digit() || bytes[end] == b'-') {
            end += 1;
        }
        while bytes[end - 1] == b'-' {
            end -= 1;
        }
        if bytes[start..end].contains(&b'-') {
            return Some((start, end));
        }
        start = end;
    }
    None
}

/// An id cut after each `/`, `-`, `_` and `.`, where a line may break (the HTML joins the
/// pieces with `<wbr>`, so a browser never breaks inside "Qwen2-|7B"): `org/a-b` gives `org/`,
/// `a-` and `b`.
#[must_use]
pub fn id_pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    for (index, character) in text.char_indices() {
        if matches!(character, '/' | '-' | '_' | '.') {
            let end = index + character.len_utf8();
            pieces.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() || pieces.is_empty() {
        pieces.push(&text[start..]);
    }
    pieces
}

/// Escapes text for a Markdown table cell or inline text: HTML is neutralised (renderers such as
/// GitHub's pass inline HTML through), Markdown punctuation is backslash-escaped, and newlines
/// become spaces so a cell cannot break its row.
#[must_use]
pub fn markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' | '\r' | '\t' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' => {
                out.push('\\');
                out.push(character);
            }
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Cuts `text` to at most `max` characters (not bytes), marking the cut with an ellipsis.
#[must_use]
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_quotes() {
        let cases = [
            ("plain/model-7b", "plain/model-7b"),
            (
                "<script>alert(1)</script>",
                "&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("a\"b'c&d", "a&quot;b&#39;c&amp;d"),
            ("]]>", "]]&gt;"),
            ("bell\u{7}", "bell\u{fffd}"),
        ];
        for (input, expected) in cases {
            assert_eq!(xml(input), expected);
        }
    }

    #[test]
    fn markdown_escapes_pipes_html_and_newlines() {
        let cases = [
            ("org/model", "org/model"),
            ("a|b", "a\\|b"),
            ("<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
            ("line\nbreak", "line break"),
            ("[link](javascript:x)", "\\[link\\](javascript:x)"),
            ("snake_case*", "snake\\_case\\*"),
        ];
        for (input, expected) in cases {
            assert_eq!(markdown(input), expected);
        }
    }

    #[test]
    fn dates_stay_on_one_line_and_the_rest_is_escaped() {
        let cases = [
            ("plain", "plain"),
            (
                "week 2026-03-22 to 2026-03-29.",
                "week <span class=\"nowrap\">2026-03-22</span> to \
                 <span class=\"nowrap\">2026-03-29</span>.",
            ),
            ("2025-Q2", "2025-Q2"),
            ("rank -3, 7- and -", "rank -3, 7- and -"),
            (
                "<b>1-2</b>",
                "&lt;b&gt;<span class=\"nowrap\">1-2</span>&lt;/b&gt;",
            ),
            (
                "é2026-01-01é\u{7}",
                "é<span class=\"nowrap\">2026-01-01</span>é\u{fffd}",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(html_keeping_dates(input), expected, "{input}");
        }
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("abcdef", 10), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }
}
