//! HTML validity basics: balanced tags, nothing fetched from outside, no script.

use crate::{fixture, html};

const VOID: [&str; 7] = ["meta", "br", "hr", "img", "input", "link", "wbr"];

/// Checks that every tag is closed in order; returns the first problem.
pub fn check_balanced(html: &str) -> Result<usize, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = html;
    let mut tags = 0;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        if let Some(comment) = rest.strip_prefix("!--") {
            let end = comment.find("-->").ok_or("unterminated comment")?;
            rest = &comment[end + 3..];
            continue;
        }
        let end = rest.find('>').ok_or("unterminated tag")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        tags += 1;
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else {
            let name: String = tag
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            if name.is_empty() {
                return Err(format!("bad tag <{tag}>"));
            }
            if tag.ends_with('/') || VOID.contains(&name.as_str()) {
                continue;
            }
            stack.push(name);
        }
    }
    if stack.is_empty() {
        Ok(tags)
    } else {
        Err(format!("unclosed: {stack:?}"))
    }
}

#[test]
fn the_checker_catches_unbalanced_markup() {
    assert!(check_balanced("<p><b>x</b></p>").is_ok());
    assert!(check_balanced("<p><b>x</p></b>").is_err());
    assert!(check_balanced("<div>").is_err());
    assert!(check_balanced("<svg><line/></svg><meta charset=\"x\">").is_ok());
}

#[test]
fn html_tags_are_balanced() {
    let html = html(&fixture::view());
    let tags = check_balanced(&html).unwrap();
    assert!(tags > 500, "only {tags} tags");
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Seven charts drawn wide and narrow (two area charts per origin mode, types, credible
    // releases, top-k, two bar charts), and the square Lorenz curve.
    assert_eq!(html.matches("<svg ").count(), 15);
    assert_eq!(html.matches("<svg class=\"chart chart-wide\"").count(), 7);
    assert_eq!(html.matches("<svg class=\"chart chart-narrow\"").count(), 7);
}

#[test]
fn html_fetches_nothing_and_runs_nothing() {
    let html = html(&fixture::view());
    for forbidden in [
        "<script",
        "src=",
        "url(",
        "@import",
        "<link",
        "<iframe",
        "href=\"http",
        "href='http",
        "xmlns=\"http",
        "on", /* checked below as attributes */
    ] {
        if forbidden == "on" {
            continue;
        }
        assert!(!html.contains(forbidden), "html contains {forbidden}");
    }
    // No event-handler attributes (onload=, onclick=...).
    assert!(
        !html.contains(" onload=") && !html.contains(" onclick=") && !html.contains(" onerror=")
    );
    // The only http(s) text is the citation in the methodology, as text.
    let urls: Vec<&str> = html
        .match_indices("http")
        .map(|(i, _)| &html[i..i + 30])
        .collect();
    assert_eq!(urls, vec!["https://huggingface.co/docs/hu"]);
    // Every link is an in-page anchor.
    for (index, _) in html.match_indices("href=") {
        assert!(
            html[index..].starts_with("href=\"#"),
            "{}",
            &html[index..index + 40]
        );
    }
}

#[test]
fn html_is_responsive_and_printable() {
    let html = html(&fixture::view());
    assert!(
        html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    );
    assert!(html.contains("@media (max-width:40rem)"));
    assert!(html.contains("@media print"));
    // Charts scale with the page and are labelled for screen readers.
    assert!(html.contains("svg.chart{width:100%;height:auto"));
    assert_eq!(
        html.matches("role=\"img\" aria-labelledby=").count(),
        html.matches("<svg ").count()
    );
}
