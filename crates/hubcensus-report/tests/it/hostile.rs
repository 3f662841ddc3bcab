//! Untrusted text (model ids, organization names, card excerpts) renders escaped everywhere.

use hubcensus_report::{ActionItem, Filter, SeriesGroup};

use crate::{fixture, html, json, markdown};

const HOSTILE: &str = "evil/<script>alert(1)</script>\"onmouseover='x'|]]>\u{1b}[2J\n# injected";

fn hostile_view() -> hubcensus_report::ReportView {
    let mut view = fixture::view();
    view.title = HOSTILE.into();
    view.period = HOSTILE.into();
    view.filters.push(Filter {
        name: HOSTILE.into(),
        value: HOSTILE.into(),
    });
    view.registry_version = HOSTILE.into();
    view.headline[0].label = HOSTILE.into();
    view.headline[0].population.models = HOSTILE.into();
    view.headline[0].note = Some(HOSTILE.into());
    view.working_set.rows[0].model = HOSTILE.into();
    view.working_set.rows[0].contributor_type = HOSTILE.into();
    view.working_set.entries[0].model = HOSTILE.into();
    view.working_set.families[0].base = HOSTILE.into();
    view.geography.origins[0].countries.rows[0].group = HOSTILE.into();
    view.geography.origins[0]
        .regions_over_time
        .groups
        .push(SeriesGroup {
            name: HOSTILE.into(),
            values: vec![Some(0.0); 13],
        });
    view.geography.origins[0].regions_over_time.periods[0] = HOSTILE.into();
    view.builders.credible_releases.title = HOSTILE.into();
    view.derivatives.top_bases[0].model = HOSTILE.into();
    view.derivatives.relation_mix[0].relation = HOSTILE.into();
    view.actions.evaluate_newcomers.items.push(ActionItem {
        model: HOSTILE.into(),
        // A cardData excerpt, as the analytics would quote it.
        detail: format!("card says: {HOSTILE}"),
    });
    view.actions.track.items[0].model = HOSTILE.into();
    view.data_quality.notes.push(HOSTILE.into());
    // Headings, paragraphs, lists and code spans of the methodology (fenced code blocks are
    // literal text in Markdown by definition: see `fenced_code_cannot_be_closed_early`).
    view.methodology = format!("# {HOSTILE}\n\n{HOSTILE}\n\n- `{HOSTILE}`\n");
    view
}

#[test]
fn hostile_text_is_escaped_in_html_and_svg() {
    let html = html(&hostile_view());
    assert!(!html.contains(HOSTILE));
    assert!(!html.contains("<script"), "a script tag got through");
    assert!(!html.contains('\u{1b}'), "a control character got through");
    assert!(!html.contains("]]>"));
    assert!(!html.contains("\"onmouseover"));
    assert!(html.contains("evil/&lt;script&gt;alert(1)&lt;/script&gt;"));
    // Inside the SVG charts too.
    let svg_start = html.find("<svg ").unwrap();
    let svg_end = svg_start + html[svg_start..].find("</svg>").unwrap();
    let svg = &html[svg_start..svg_end];
    assert!(
        svg.contains("evil/&lt;script&gt;"),
        "the hostile group name is in the first chart"
    );
    assert!(!svg.contains("<script"));
    // SVG is XML: a control character would make the chart invalid, and it never reaches it.
    assert!(!svg.contains('\u{1b}'));
    assert!(svg.contains("]]&gt;\u{fffd}[2J"), "{svg}");
    crate::html_checks::check_balanced(&html).unwrap();
}

#[test]
fn hostile_text_is_escaped_in_markdown() {
    let markdown = markdown(&hostile_view());
    assert!(!markdown.contains(HOSTILE));
    assert!(!markdown.contains("<script"));
    assert!(
        !markdown.contains("\n# injected"),
        "a newline broke out into a heading"
    );
    assert!(
        !markdown.contains('\u{1b}'),
        "a terminal escape got through"
    );
    // Table rows keep their column count: the pipe in the name is escaped.
    let mut hostile_rows = 0;
    for line in markdown.lines().filter(|l| l.contains("evil/")) {
        if line.starts_with('|') {
            hostile_rows += 1;
            assert!(
                line.contains("\\|\\]\\]&gt;\u{fffd}\\[2J \\# injected"),
                "{line}"
            );
        }
    }
    assert!(
        hostile_rows >= 5,
        "only {hostile_rows} table rows carry the hostile text"
    );
    let header = "| Rank | Change | Model | Window downloads | Country (uploader) | Country (lineage) | Type |";
    let table_start = markdown.find(header).unwrap();
    let first_row = markdown[table_start..].lines().nth(2).unwrap();
    let unescaped_pipes = first_row.matches('|').count() - first_row.matches("\\|").count();
    assert_eq!(unescaped_pipes, 8, "{first_row}");
}

#[test]
fn hostile_text_round_trips_in_json() {
    let text = json(&hostile_view());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    // JSON carries the data as data: exact, escaped by the JSON string syntax.
    assert_eq!(value["working_set"]["rows"][0]["model"], HOSTILE);
    assert_eq!(value["base_title"], HOSTILE);
    // Inside strings, the newline and the escape character are JSON escapes, never raw.
    assert!(!text.contains("\n# injected"));
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("]]>\\u001b[2J\\n# injected"), "{text}");
}

#[test]
fn fenced_code_cannot_be_closed_early() {
    let mut view = fixture::view();
    view.methodology = "````\nbefore\n```\n</pre><script>x</script>\n````".into();
    let html = html(&view);
    assert!(!html.contains("<script>x"));
    let markdown = markdown(&view);
    // The code holds a line of three backticks: the fence must be longer.
    assert!(
        markdown.contains("````text\nbefore\n```\n</pre><script>x</script>\n````"),
        "{markdown}"
    );
}
