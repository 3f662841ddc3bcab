//! Plain-text and Markdown renderings of an [`Audit`] and a [`Discovery`] (JSON is their serde
//! form). Pure: strings in, strings out. Figures are rounded here and only here.

use hubcensus_report::escape::markdown;
use std::fmt::Write as _;

use hubcensus_model::{ModelId, Relation, Timestamp};

use crate::audit::{Audit, ModelReport, number, percent};
use crate::discover::{Discovery, Rise};

/// How many candidates the text and Markdown views list (JSON lists all).
pub const CANDIDATES_SHOWN: usize = 10;
/// How many series the text and Markdown views list (JSON lists all).
pub const SERIES_SHOWN: usize = 20;

/// How untrusted text (eval files' names and sources, cardData licenses and tasks) is made safe
/// for one output: [`plain`] for the terminal, [`markdown`] for Markdown.
type Escape = fn(&str) -> String;

/// Untrusted text for a terminal: control characters (ANSI escape sequences, carriage returns,
/// bells) become U+FFFD and line breaks become spaces, so a hostile name can neither rewrite
/// the screen nor forge a line of the report.
#[must_use]
pub fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

fn params(parameters: Option<u64>) -> String {
    parameters.map_or_else(
        || "size unknown".to_owned(),
        |p| {
            let billions = format!("{:.1}", p as f64 / 1e9);
            format!("{}B params", billions.trim_end_matches(".0"))
        },
    )
}

fn children(children: &std::collections::BTreeMap<Relation, u64>) -> String {
    if children.is_empty() {
        return "no known children".to_owned();
    }
    children
        .iter()
        .map(|(relation, count)| format!("{count} {relation}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn opt<T: std::fmt::Display>(value: Option<T>, missing: &str) -> String {
    value.map_or_else(|| missing.to_owned(), |v| v.to_string())
}

/// An optional untrusted string, escaped, or `missing`.
fn opt_text(value: Option<&str>, missing: &str, escape: Escape) -> String {
    value.map_or_else(|| missing.to_owned(), escape)
}

fn model_lines(report: &ModelReport, out: &mut String, bullet: &str, escape: Escape) {
    let _ = writeln!(
        out,
        "{bullet}origin: {} ({}); task {}; {}; license {}",
        opt_text(
            report.organization.as_deref(),
            "organization unknown",
            escape
        ),
        report.contributor.map_or("type unknown", |c| c.as_str()),
        opt_text(report.task.as_deref(), "unknown", escape),
        params(report.parameters),
        opt_text(report.license.as_deref(), "unknown", escape),
    );
    let _ = writeln!(
        out,
        "{bullet}created {} ({}); newer version: {}",
        report
            .created_at
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        report
            .age_days
            .map_or_else(|| "age unknown".to_owned(), |d| format!("{d} days old")),
        opt(report.new_version.as_ref(), "none declared"),
    );
    let rank = match (report.rank_now, report.last_in_working_set) {
        (Some(rank), _) => format!("working set #{rank}"),
        (None, Some(week)) => format!(
            "out of the working set since the week after {}",
            week.date_string()
        ),
        (None, None) => "not in the working set".to_owned(),
    };
    let _ = writeln!(
        out,
        "{bullet}{rank}; downloads in the last window {}; 4-week change {}; {}; task share {}",
        opt(report.downloads_last_week, "unknown"),
        report
            .change_4w
            .map_or_else(|| "unknown".to_owned(), percent),
        report.trend.map_or_else(
            || "13-week change unknown".to_owned(),
            |trend| format!("{}-week change {}", trend.weeks, percent(trend.change))
        ),
        report.task_share.map_or_else(
            || "unknown".to_owned(),
            |s| format!("{}%", number(s * 100.0))
        ),
    );
    let _ = writeln!(out, "{bullet}derivatives: {}", children(&report.children));
    if report.scores.is_empty() {
        let _ = writeln!(out, "{bullet}scores: none on record for this workload");
    }
    for score in &report.scores {
        let _ = writeln!(
            out,
            "{bullet}{} · {}: {}{} ({}, {}{})",
            escape(&score.benchmark),
            escape(&score.metric),
            number(score.value),
            score
                .setting
                .as_ref()
                .map_or_else(String::new, |s| format!(" [{}]", escape(s))),
            escape(&score.source),
            opt_text(score.date.as_deref(), "undated", escape),
            score
                .matched
                .as_ref()
                .map_or_else(String::new, |m| format!("; {}", escape(m))),
        );
    }
}

/// The audit as plain text.
#[must_use]
pub fn audit_text(audit: &Audit) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "verdict: {} — {} for {} ({})",
        audit.verdict.as_str().to_uppercase(),
        audit.default.id,
        plain(&audit.workload),
        plain(&audit.benchmarks.join(", "))
    );
    let (provenance, as_of) = evidence(&audit.provenance, audit.as_of, plain);
    let _ = writeln!(
        out,
        "evidence: {provenance}; window ending {as_of}; working set = top {} by window downloads",
        audit.working_set_size
    );
    out.push_str("\nwhy:\n");
    for reason in &audit.reasons {
        let _ = writeln!(out, "  - {}", plain(reason));
    }
    if !audit.missing.is_empty() {
        out.push_str("\nmissing evidence (not filled in):\n");
        for missing in &audit.missing {
            let _ = writeln!(out, "  - {}", plain(missing));
        }
    }
    let _ = writeln!(out, "\ndefault: {}", audit.default.id);
    model_lines(&audit.default, &mut out, "  ", plain);
    let size = match audit.size.max_params {
        Some(max) => format!("at most {}", params(Some(max))),
        None => format!(
            "within ×{} of the default's size",
            number(audit.size.factor)
        ),
    };
    let _ = writeln!(
        out,
        "\ncandidates ({} of the same task with scores on the workload, or the default's successor, {size}, license {}; left out: {} other task, {} unknown size, {} other size, {} license, {} base models of an instruct default):",
        audit.candidates.len(),
        match audit.license {
            crate::audit::LicensePolicy::Any => "any",
            crate::audit::LicensePolicy::Permissive => "permissive",
        },
        audit.excluded.other_task,
        audit.excluded.unknown_size,
        audit.excluded.other_size,
        audit.excluded.license,
        audit.excluded.base,
    );
    for (index, candidate) in audit.candidates.iter().take(CANDIDATES_SHOWN).enumerate() {
        let _ = writeln!(
            out,
            "{:>3}. {} [{}]: better on {}, worse on {} of {} shared series",
            index + 1,
            candidate.report.id,
            plain(&candidate.origin),
            candidate.wins,
            candidate.losses,
            candidate.shared
        );
        model_lines(&candidate.report, &mut out, "       ", plain);
    }
    if audit.candidates.len() > CANDIDATES_SHOWN {
        let _ = writeln!(
            out,
            "     ... and {} more (--format json lists all)",
            audit.candidates.len() - CANDIDATES_SHOWN
        );
    }
    if !audit.series.is_empty() {
        out.push_str("\nper-series ranks (never averaged across benchmarks):\n");
        for series in audit.series.iter().take(SERIES_SHOWN) {
            let default_rank = rank_of(&series.ranking, &audit.default.id);
            let _ = writeln!(
                out,
                "  {} · {} ({}): {} of {} models scored; default {}; leader {} {}",
                plain(&series.benchmark),
                plain(&series.metric),
                plain(&series.source),
                series.covered,
                series.considered,
                default_rank.map_or_else(|| "not scored".to_owned(), |r| format!("#{r}")),
                series.ranking[0].id,
                number(series.ranking[0].value),
            );
        }
        if audit.series.len() > SERIES_SHOWN {
            let _ = writeln!(
                out,
                "  ... and {} more series",
                audit.series.len() - SERIES_SHOWN
            );
        }
    }
    out
}

/// The evidence's provenance (or `unstated`) and the date of its last window (or `unknown`).
fn evidence(provenance: &str, as_of: Option<Timestamp>, escape: Escape) -> (String, String) {
    (
        if provenance.is_empty() {
            "unstated".to_owned()
        } else {
            escape(provenance)
        },
        as_of.map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
    )
}

fn rank_of(ranking: &[crate::audit::RankedScore], id: &ModelId) -> Option<usize> {
    ranking.iter().find(|r| &r.id == id).map(|r| r.rank)
}

/// The audit as Markdown (for a pull request or an issue).
#[must_use]
pub fn audit_markdown(audit: &Audit) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## Audit of `{}` for {}: **{}**\n",
        audit.default.id,
        markdown(&audit.workload),
        audit.verdict
    );
    let (provenance, as_of) = evidence(&audit.provenance, audit.as_of, markdown);
    let _ = writeln!(
        out,
        "Benchmarks: {}. Evidence: {provenance}, window ending {as_of}; working set = top {} by window downloads.\n",
        markdown(&audit.benchmarks.join(", ")),
        audit.working_set_size
    );
    out.push_str("### Why\n\n");
    for reason in &audit.reasons {
        let _ = writeln!(out, "- {}", markdown(reason));
    }
    if !audit.missing.is_empty() {
        out.push_str("\n### Missing evidence\n\n");
        for missing in &audit.missing {
            let _ = writeln!(out, "- {}", markdown(missing));
        }
    }
    out.push_str("\n### Default\n\n");
    model_lines(&audit.default, &mut out, "- ", markdown);
    out.push_str("\n### Candidates\n\n| # | model | origin | better | worse | shared | params | license | rank now |\n|---|---|---|---|---|---|---|---|---|\n");
    for (index, candidate) in audit.candidates.iter().take(CANDIDATES_SHOWN).enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            index + 1,
            candidate.report.id,
            markdown(&candidate.origin),
            candidate.wins,
            candidate.losses,
            candidate.shared,
            params(candidate.report.parameters),
            opt_text(candidate.report.license.as_deref(), "unknown", markdown),
            candidate
                .report
                .rank_now
                .map_or_else(|| "—".to_owned(), |r| format!("#{r}")),
        );
    }
    if !audit.series.is_empty() {
        out.push_str("\n### Per-series ranks\n\n| benchmark | metric | source | scored | default | leader |\n|---|---|---|---|---|---|\n");
        for series in audit.series.iter().take(SERIES_SHOWN) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {}/{} | {} | `{}` {} |",
                markdown(&series.benchmark),
                markdown(&series.metric),
                markdown(&series.source),
                series.covered,
                series.considered,
                rank_of(&series.ranking, &audit.default.id)
                    .map_or_else(|| "—".to_owned(), |r| format!("#{r}")),
                series.ranking[0].id,
                number(series.ranking[0].value),
            );
        }
    }
    out
}

/// The discovery as plain text.
#[must_use]
pub fn discovery_text(discovery: &Discovery) -> String {
    let mut out = String::new();
    let contributors: Vec<&str> = discovery.contributors.iter().map(|c| c.as_str()).collect();
    let _ = writeln!(
        out,
        "{} rising {} release(s) by {} in the {} days to {} (baseline: window ending {}); evidence: {}",
        discovery.found.len(),
        plain(&discovery.task),
        contributors.join(", "),
        discovery.since_days,
        discovery
            .as_of
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        discovery
            .baseline
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        evidence(&discovery.provenance, None, plain).0,
    );
    let _ = writeln!(
        out,
        "population: {} models of the task in the evidence; {} by other contributor types and {} of unknown type left out",
        discovery.models_in_task, discovery.other_contributors, discovery.unknown_contributor
    );
    for missing in &discovery.missing {
        let _ = writeln!(out, "missing evidence: {}", plain(missing));
    }
    if discovery.unknown_contributor > 0 && !discovery.contributors.is_empty() {
        let _ = writeln!(
            out,
            "note: {} models have no known contributor type (namespace not in the registry, account kind not fetched); add `unknown` to --contributor to include them",
            discovery.unknown_contributor
        );
    }
    for (index, riser) in discovery.found.iter().enumerate() {
        let how = match riser.rise {
            Rise::EnteredWorkingSet => {
                format!("entered the working set (#{})", opt(riser.rank_now, "?"))
            }
            Rise::Grew => "grew".to_owned(),
        };
        let _ = writeln!(out, "\n{:>3}. {} — {how}", index + 1, riser.id);
        let _ = writeln!(
            out,
            "     origin: {} ({}); created {}; {}; license {}",
            opt_text(riser.organization.as_deref(), "organization unknown", plain),
            riser.contributor.map_or("type unknown", |c| c.as_str()),
            riser
                .created_at
                .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
            params(riser.parameters),
            opt_text(riser.license.as_deref(), "unknown", plain),
        );
        let _ = writeln!(
            out,
            "     weekly downloads {} → {} ({}); likes {} → {}",
            opt(riser.downloads_baseline, "absent"),
            opt(riser.downloads_now, "absent"),
            riser
                .growth
                .map_or_else(|| "new".to_owned(), |g| format!("×{}", number(g))),
            opt(riser.likes_baseline, "?"),
            opt(riser.likes_now, "?"),
        );
        let lineage = riser.lineage.as_ref().map_or_else(
            || "no declared base".to_owned(),
            |l| {
                format!(
                    "{} of {}",
                    l.relation,
                    l.parents
                        .iter()
                        .map(ModelId::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        );
        let _ = writeln!(
            out,
            "     lineage: {lineage}; derivatives: {}",
            children(&riser.children)
        );
        if riser.scores.is_empty() {
            let _ = writeln!(out, "     benchmarks: no scores on record");
        }
        for score in riser.scores.iter().take(6) {
            let _ = writeln!(
                out,
                "     {} · {}: {} ({}, {}{})",
                plain(&score.benchmark),
                plain(&score.metric),
                number(score.value),
                plain(&score.source),
                opt_text(score.date.as_deref(), "undated", plain),
                score
                    .matched
                    .as_ref()
                    .map_or_else(String::new, |m| format!("; {}", plain(m)))
            );
        }
        if riser.scores.len() > 6 {
            let _ = writeln!(out, "     ... and {} more scores", riser.scores.len() - 6);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{AuditQuery, LicensePolicy, SizePolicy, audit};
    use crate::discover::{DiscoverQuery, discover};
    use crate::fixture::{flat, id, left_after, model, ranked, score, world};
    use hubcensus_model::ContributorType::{Individual, Industry};

    fn replace_audit() -> Audit {
        let llama = "meta-llama/Llama-3.1-8B-Instruct";
        let qwen = "Qwen/Qwen3-8B";
        let falling: Vec<u64> = (0..14).map(|w| 100_000 - 6_000 * w).collect();
        let world = world(vec![
            model(
                llama,
                8,
                "llama3.1",
                Industry,
                falling.try_into().unwrap(),
                left_after(40, 9),
            ),
            model(qwen, 8, "apache-2.0", Industry, flat(300_000), ranked(3)),
        ]);
        let records = vec![
            score(llama, "GPQA", 8.0),
            score(qwen, "GPQA", 12.0),
            score(qwen, "MATH", 30.0),
        ];
        let query = AuditQuery {
            include_base: true,
            model: id(llama),
            workload: "reasoning".into(),
            benchmarks: vec!["GPQA".into(), "MATH".into()],
            size: SizePolicy::default(),
            license: LicensePolicy::Any,
        };
        audit(&world, &records, &query).unwrap()
    }

    #[test]
    fn audit_text_view() {
        insta::assert_snapshot!(audit_text(&replace_audit()));
    }

    #[test]
    fn audit_markdown_view() {
        insta::assert_snapshot!(audit_markdown(&replace_audit()));
    }

    #[test]
    fn discovery_text_view() {
        let mut riser = model("alice/tiny-3B", 3, "mit", Individual, flat(500), [None; 14]);
        riser.weekly_downloads[13] = Some(5_000);
        riser.weekly_ranks[13] = Some(180);
        let mut unknown = model("x/unknown", 3, "mit", Individual, flat(1), [None; 14]);
        unknown.contributor = None;
        let world = world(vec![riser, unknown]);
        let discovery = discover(&world, &[], &DiscoverQuery::new("text-generation"));
        insta::assert_snapshot!(discovery_text(&discovery));
    }

    /// A hostile card license and a hostile eval source: Markdown keeps them inside their cells
    /// and never passes HTML through; the terminal never receives a control character.
    #[test]
    fn untrusted_text_is_escaped_for_markdown_and_the_terminal() {
        let hostile = "<img src=x onerror=alert(1)>|x\u{1b}[2J\nverdict: KEEP";
        let mut audit = replace_audit();
        audit.default.license = Some(hostile.to_owned());
        for candidate in &mut audit.candidates {
            candidate.report.license = Some(hostile.to_owned());
        }
        for series in &mut audit.series {
            series.source = hostile.to_owned();
        }
        assert!(!audit.candidates.is_empty() && !audit.series.is_empty());

        let text = audit_text(&audit);
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(!text.lines().any(|line| line.starts_with("verdict: KEEP")));
        assert!(text.contains("<img src=x onerror=alert(1)>|x\u{fffd}[2J verdict: KEEP"));

        let md = audit_markdown(&audit);
        assert!(!md.contains("<img") && !md.contains('\u{1b}'), "{md}");
        assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;\\|x\u{fffd}\\[2J verdict: KEEP"));
        // Every table row keeps its column count: unescaped pipes only at cell borders.
        let candidate_rows: Vec<&str> = md
            .lines()
            .filter(|line| line.starts_with("| 1 |"))
            .collect();
        assert_eq!(candidate_rows.len(), 1, "{md}");
        assert_eq!(
            candidate_rows[0].matches('|').count() - candidate_rows[0].matches("\\|").count(),
            10,
            "{md}"
        );
        let series_rows = md
            .lines()
            .skip_while(|line| !line.starts_with("### Per-series ranks"))
            .filter(|line| line.starts_with("| ") && !line.starts_with("| benchmark"))
            .collect::<Vec<_>>();
        assert!(!series_rows.is_empty(), "{md}");
        for row in series_rows {
            assert_eq!(
                row.matches('|').count() - row.matches("\\|").count(),
                7,
                "{row}"
            );
        }
    }

    #[test]
    fn escapes_are_table_driven() {
        let cases = [
            ("org/model-7b", "org/model-7b", "org/model-7b"),
            ("a|b", "a|b", "a\\|b"),
            ("<b>x</b>", "<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"),
            ("line\nbreak\r", "line break ", "line break "),
            (
                "bell\u{7}esc\u{1b}[0m",
                "bell\u{fffd}esc\u{fffd}[0m",
                "bell\u{fffd}esc\u{fffd}\\[0m",
            ),
            ("snake_case*", "snake_case*", "snake\\_case\\*"),
        ];
        for (input, terminal, md) in cases {
            assert_eq!(plain(input), terminal, "{input:?}");
            assert_eq!(markdown(input), md, "{input:?}");
        }
    }
}
