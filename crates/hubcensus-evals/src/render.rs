//! Plain-text and Markdown renderings of an [`Audit`] and a [`Discovery`] (JSON is their serde
//! form). Pure: strings in, strings out. Figures are rounded here and only here.

use std::fmt::Write as _;

use hubcensus_model::{ModelId, Relation, Timestamp};

use crate::audit::{Audit, ModelReport, number, percent};
use crate::discover::{Discovery, Rise};

/// How many candidates the text and Markdown views list (JSON lists all).
pub const CANDIDATES_SHOWN: usize = 10;
/// How many series the text and Markdown views list (JSON lists all).
pub const SERIES_SHOWN: usize = 20;

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

fn model_lines(report: &ModelReport, out: &mut String, bullet: &str) {
    let _ = writeln!(
        out,
        "{bullet}origin: {} ({}); task {}; {}; license {}",
        opt(report.organization.as_deref(), "organization unknown"),
        report.contributor.map_or("type unknown", |c| c.as_str()),
        opt(report.task.as_deref(), "unknown"),
        params(report.parameters),
        opt(report.license.as_deref(), "unknown"),
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
        "{bullet}{rank}; downloads in the last window {}; 4-week change {}; 13-week change {}; task share {}",
        opt(report.downloads_last_week, "unknown"),
        report
            .change_4w
            .map_or_else(|| "unknown".to_owned(), percent),
        report
            .change_13w
            .map_or_else(|| "unknown".to_owned(), percent),
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
            "{bullet}{} · {}: {}{} ({}, {})",
            score.benchmark,
            score.metric,
            number(score.value),
            score
                .setting
                .as_ref()
                .map_or_else(String::new, |s| format!(" [{s}]")),
            score.source,
            opt(score.date.as_deref(), "undated"),
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
        audit.workload,
        audit.benchmarks.join(", ")
    );
    let _ = writeln!(
        out,
        "evidence: {}; window ending {}; working set = top {} by window downloads",
        if audit.provenance.is_empty() {
            "unstated"
        } else {
            &audit.provenance
        },
        audit
            .as_of
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        audit.working_set_size
    );
    out.push_str("\nwhy:\n");
    for reason in &audit.reasons {
        let _ = writeln!(out, "  - {reason}");
    }
    if !audit.missing.is_empty() {
        out.push_str("\nmissing evidence (not filled in):\n");
        for missing in &audit.missing {
            let _ = writeln!(out, "  - {missing}");
        }
    }
    let _ = writeln!(out, "\ndefault: {}", audit.default.id);
    model_lines(&audit.default, &mut out, "  ");
    let size = match audit.size.max_params {
        Some(max) => format!("at most {}", params(Some(max))),
        None => format!(
            "within ×{} of the default's size",
            number(audit.size.factor)
        ),
    };
    let _ = writeln!(
        out,
        "\ncandidates ({} of the same task, {size}, license {}; left out: {} other task, {} unknown size, {} other size, {} license):",
        audit.candidates.len(),
        match audit.license {
            crate::audit::LicensePolicy::Any => "any",
            crate::audit::LicensePolicy::Permissive => "permissive",
        },
        audit.excluded.other_task,
        audit.excluded.unknown_size,
        audit.excluded.other_size,
        audit.excluded.license,
    );
    for (index, candidate) in audit.candidates.iter().take(CANDIDATES_SHOWN).enumerate() {
        let _ = writeln!(
            out,
            "{:>3}. {} [{}]: better on {}, worse on {} of {} shared series",
            index + 1,
            candidate.report.id,
            candidate.origin,
            candidate.wins,
            candidate.losses,
            candidate.shared
        );
        model_lines(&candidate.report, &mut out, "       ");
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
                series.benchmark,
                series.metric,
                series.source,
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
        audit.default.id, audit.workload, audit.verdict
    );
    let _ = writeln!(
        out,
        "Benchmarks: {}. Evidence: {}, window ending {}; working set = top {} by window downloads.\n",
        audit.benchmarks.join(", "),
        if audit.provenance.is_empty() {
            "unstated"
        } else {
            &audit.provenance
        },
        audit
            .as_of
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        audit.working_set_size
    );
    out.push_str("### Why\n\n");
    for reason in &audit.reasons {
        let _ = writeln!(out, "- {reason}");
    }
    if !audit.missing.is_empty() {
        out.push_str("\n### Missing evidence\n\n");
        for missing in &audit.missing {
            let _ = writeln!(out, "- {missing}");
        }
    }
    out.push_str("\n### Default\n\n");
    model_lines(&audit.default, &mut out, "- ");
    out.push_str("\n### Candidates\n\n| # | model | origin | better | worse | shared | params | license | rank now |\n|---|---|---|---|---|---|---|---|---|\n");
    for (index, candidate) in audit.candidates.iter().take(CANDIDATES_SHOWN).enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} | {} | {} | {} | {} | {} |",
            index + 1,
            candidate.report.id,
            candidate.origin,
            candidate.wins,
            candidate.losses,
            candidate.shared,
            params(candidate.report.parameters),
            opt(candidate.report.license.as_deref(), "unknown"),
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
                series.benchmark,
                series.metric,
                series.source,
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
        discovery.task,
        contributors.join(", "),
        discovery.since_days,
        discovery
            .as_of
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        discovery
            .baseline
            .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
        if discovery.provenance.is_empty() {
            "unstated"
        } else {
            &discovery.provenance
        },
    );
    let _ = writeln!(
        out,
        "population: {} models of the task in the evidence; {} by other contributor types and {} of unknown type left out",
        discovery.models_in_task, discovery.other_contributors, discovery.unknown_contributor
    );
    for missing in &discovery.missing {
        let _ = writeln!(out, "missing evidence: {missing}");
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
            opt(riser.organization.as_deref(), "organization unknown"),
            riser.contributor.map_or("type unknown", |c| c.as_str()),
            riser
                .created_at
                .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
            params(riser.parameters),
            opt(riser.license.as_deref(), "unknown"),
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
                "     {} · {}: {} ({}, {})",
                score.benchmark,
                score.metric,
                number(score.value),
                score.source,
                opt(score.date.as_deref(), "undated")
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
}
