//! Integration tests of the renderers on a fixed, realistic fixture view.

mod chromium;
mod fixture;
mod hostile;
mod html_checks;

use hubcensus_report::{ReportView, render_html, render_json, render_markdown};

fn html(view: &ReportView) -> String {
    let mut out = Vec::new();
    render_html(view, &mut out).expect("render html");
    String::from_utf8(out).expect("utf-8")
}

fn markdown(view: &ReportView) -> String {
    let mut out = Vec::new();
    render_markdown(view, &mut out).expect("render markdown");
    String::from_utf8(out).expect("utf-8")
}

fn json(view: &ReportView) -> String {
    let mut out = Vec::new();
    render_json(view, &mut out).expect("render json");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!(markdown(&fixture::view()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!(json(&fixture::view()));
}

#[test]
fn json_keeps_full_precision_and_names_its_schema() {
    let value: serde_json::Value = serde_json::from_str(&json(&fixture::view())).unwrap();
    assert_eq!(value["schema"], "hubcensus.report/v1");
    assert_eq!(value["headline"][3]["value"], 0.971_234_5);
    assert_eq!(value["headline"][3]["unit"], "coefficient");
    assert_eq!(value["working_set"]["rows"][1]["change"]["kind"], "up");
    assert_eq!(value["working_set"]["rows"][1]["change"]["places"], 1);
    assert_eq!(value["data_quality"]["windows"][5]["missed_week"], true);
}

#[test]
fn rendering_is_deterministic() {
    let view = fixture::view();
    assert_eq!(html(&view), html(&view));
    assert_eq!(markdown(&view), markdown(&view));
    assert_eq!(json(&view), json(&view));
}

#[test]
fn every_section_and_population_is_rendered() {
    let view = fixture::view();
    let html = html(&view);
    let markdown = markdown(&view);
    for section in [
        "Headline figures",
        "Geography",
        "Who builds",
        "Concentration",
        "The working set",
        "Derivative ecosystems",
        "What to do",
        "Data quality",
        "Methodology",
    ] {
        assert!(
            html.contains(&format!(">{section}</h2>")),
            "html lacks {section}"
        );
        assert!(
            markdown.contains(&format!("## {section}\n")),
            "markdown lacks {section}"
        );
    }
    // Every headline figure shows its population, filters included, in both formats: the
    // population most figures share is stated once above the cards, and each card states the
    // parts where its own differs.
    let filtered = |population: &hubcensus_report::Population| {
        let mut population = population.clone();
        population
            .models
            .push_str(" (filtered: library = transformers)");
        population
    };
    let common = hubcensus_report::format::population(&filtered(&view.headline[0].population));
    // (HTML escapes the text and keeps its dates on one line.)
    let in_html = hubcensus_report::escape::html_keeping_dates;
    assert!(html.contains(&format!(
        "<p class=\"population\">Population of these figures: {}. A card",
        in_html(&common)
    )));
    assert!(markdown.contains(&format!(
        "*Population of these figures: {}. A figure",
        hubcensus_report::escape::markdown(&common)
    )));
    for figure in &view.headline {
        for part in hubcensus_report::format::population_parts(&filtered(&figure.population)) {
            assert!(html.contains(&in_html(&part)), "{part}");
            assert!(
                markdown.contains(&hubcensus_report::escape::markdown(&part)),
                "{part}"
            );
        }
    }
    // A card differing only in its attribution states only that.
    assert!(html.contains("<figcaption>origin: lineage; attribution coverage 91.3%</figcaption>"));
    // No card repeats the common population.
    assert!(!html.contains(&format!("<figcaption>{}", in_html(&common))));
    // Every stated population carries the filters.
    let populations: Vec<&str> = markdown
        .lines()
        .filter(|line| line.starts_with("*Population: "))
        .collect();
    assert!(populations.len() > 15);
    for line in populations {
        assert!(
            line.contains("(filtered: library = transformers)"),
            "{line}"
        );
    }
    assert!(markdown.starts_with(
        "# State of Open Source on the Hugging Face Hub, Q1 2026 (library = transformers)\n"
    ));
    // Both origin modes, the filters and the registry version are stated.
    assert!(html.contains("Origin mode: uploader") && html.contains("Origin mode: lineage"));
    assert!(markdown.contains("library = transformers"));
    assert!(markdown.contains("registry 2026.03"));
}

/// Issue #14, item 4: a partial snapshot gets a banner of its own, in HTML and Markdown.
#[test]
fn partial_data_has_a_banner() {
    let banner = "1 of the 13 snapshots are partial (a top-N listing)";
    let view = ReportView {
        partial: Some(banner.to_owned()),
        ..fixture::view()
    };
    assert!(html(&view).contains(&format!(
        "<p class=\"synthetic partial\">Partial data: {banner}</p>"
    )));
    assert!(markdown(&view).contains(&format!("> **Partial data.** {banner}")));
    assert!(!html(&fixture::view()).contains("Partial data"));
}

#[test]
fn synthetic_data_is_in_every_title() {
    let view = ReportView {
        synthetic: true,
        ..fixture::view()
    };
    let title = "Synthetic demo data: State of Open Source";
    assert!(html(&view).contains(&format!("<title>{title}")));
    assert!(html(&view).contains(&format!("<h1>{title}")));
    assert!(markdown(&view).starts_with(&format!("# {title}")));
    let value: serde_json::Value = serde_json::from_str(&json(&view)).unwrap();
    assert!(value["title"].as_str().unwrap().starts_with(title));
    assert_eq!(value["synthetic"], true);
    // Without the flag, no such claim.
    assert!(!html(&fixture::view()).contains("Synthetic demo data"));
}

#[test]
fn hhi_values_state_their_scale() {
    let view = fixture::view();
    let html = html(&view);
    let markdown = markdown(&view);
    for value in ["612", "2,711"] {
        assert!(
            html.contains(&format!(
                "<div class=\"value\">{value} <span class=\"scale\">of 10,000</span></div>"
            )),
            "{value}"
        );
        assert!(
            markdown.contains(&format!("| {value} of 10,000 |")),
            "{value}"
        );
    }
}

#[test]
fn data_quality_columns_are_defined_in_words() {
    let view = fixture::view();
    let html = html(&view);
    let markdown = markdown(&view);
    for term in ["Negative", "Downloads clamped", "Unmatched", "Disappeared"] {
        assert!(html.contains(&format!("<dt>{term}</dt><dd>")), "{term}");
        assert!(markdown.contains(&format!("- **{term}:** ")), "{term}");
    }
    assert!(markdown.contains(
        "- **Downloads clamped:** the size of those falls, added up: the negative models' \
         differences summed, without their sign."
    ));
}

#[test]
fn undefined_figures_say_so() {
    let mut view = fixture::view();
    view.headline[0].value = None;
    view.headline[0].note = Some("no downloads in the window".into());
    let markdown = markdown(&view);
    assert!(markdown.contains("| Top-10 share of weekly downloads | undefined |"));
    assert!(markdown.contains("Note: no downloads in the window"));
    let value: serde_json::Value = serde_json::from_str(&json(&view)).unwrap();
    assert!(value["headline"][0]["value"].is_null());
}

#[test]
fn every_json_field_is_documented() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/report-json.md"
    ))
    .expect("docs/report-json.md");
    let value: serde_json::Value = serde_json::from_str(&json(&fixture::view())).unwrap();
    let mut missing = Vec::new();
    // Top-level fields, and the fields of each section object, appear in the document.
    for (key, section) in value.as_object().unwrap() {
        if !doc.contains(&format!("`{key}`")) {
            missing.push(key.clone());
        }
        if let Some(fields) = section.as_object() {
            for field in fields.keys() {
                if !doc.contains(&format!("`{field}`")) {
                    missing.push(format!("{key}.{field}"));
                }
            }
        }
    }
    for field in value["headline"][0]["population"]
        .as_object()
        .unwrap()
        .keys()
    {
        if !doc.contains(&format!("`{field}`")) {
            missing.push(format!("population.{field}"));
        }
    }
    assert!(missing.is_empty(), "undocumented JSON fields: {missing:?}");
    assert!(doc.contains(&format!("`\"{}\"`", hubcensus_report::SCHEMA)));
}

#[test]
fn an_empty_view_renders_without_panicking() {
    let mut view = fixture::view();
    view.snapshots.clear();
    view.filters.clear();
    view.headline.clear();
    view.geography.origins.clear();
    for series in [
        &mut view.builders.types_over_time,
        &mut view.builders.credible_releases,
        &mut view.concentration.top_k_share_over_time,
    ] {
        series.periods.clear();
        series.groups.clear();
    }
    view.builders.types.rows.clear();
    view.builders.types.total_downloads = 0;
    view.concentration.figures.clear();
    view.concentration.lorenz.clear();
    view.working_set.rows.clear();
    view.working_set.entries.clear();
    view.working_set.exits.clear();
    view.working_set.families.clear();
    view.working_set.share_of_downloads = None;
    view.working_set.churn = None;
    view.derivatives.top_bases.clear();
    view.derivatives.relation_mix.clear();
    view.actions.track.items.clear();
    view.data_quality.windows.clear();
    view.data_quality.country_coverage = None;
    view.methodology.clear();
    let html = html(&view);
    html_checks::check_balanced(&html).unwrap();
    assert!(html.contains("no data"));
    assert!(!html.contains("NaN"));
    let markdown = markdown(&view);
    assert!(markdown.contains("*(none)*"));
    assert!(
        markdown.contains("churn against the previous window is not defined for the first window")
    );
    assert!(markdown.contains("| Total | 0 | 0 | undefined |"));
    assert!(!markdown.contains("NaN"));
    let value: serde_json::Value = serde_json::from_str(&json(&view)).unwrap();
    assert!(value["working_set"]["churn"].is_null());
}
