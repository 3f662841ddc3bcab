//! `audit`: is a default model still the right baseline for a workload?
//!
//! Pure: a [`World`] (adoption evidence), the benchmark records and an [`AuditQuery`] in, an
//! [`Audit`] out. The rules (also in docs/evals.md):
//!
//! **Candidates.** Models of the default's task that are in the working set now, or whose parent
//! is (their families), or that the default's card names as `new_version`, or a same-organization
//! successor (same namespace and name stem, same task and size class, created later). Size
//! class: parameters within [`SizePolicy::factor`] of the default's either way, or
//! at most `--max-params` when given; a model of unknown size is excluded (and counted). With
//! `--license permissive`, only [`PERMISSIVE`] licenses pass; unknown licenses are excluded.
//!
//! **Comparison.** Per series (benchmark, metric, source) of the workload's benchmarks, every
//! model with a score is ranked (competition ranking, ties share a rank); coverage is how many of
//! the default and candidates have a score. Scores are never averaged across series. A candidate
//! *outscores* the default when, over the series both have, it is better on strictly more than it
//! is worse.
//!
//! **Verdict.**
//! - `review` when the default has no score for the workload's benchmarks (what is missing is
//!   listed), or the task or size needed to pick candidates is unknown;
//! - `replace` when a candidate outscores the default *and* the default's adoption has turned:
//!   it is no longer in the working set, or its downloads fell by at least
//!   [`DECLINE_THRESHOLD`] over 13 weeks, or its own card names a newer version;
//! - `review` when a candidate outscores it but adoption holds, when adoption turned but no
//!   candidate outscores it, when a newer version exists, or when no candidate has a comparable
//!   score;
//! - `keep` otherwise: the default is in the working set, has scores, at least one candidate was
//!   compared, and none outscores it.

use std::collections::BTreeSet;
use std::fmt;

use hubcensus_model::{ContributorType, ModelId, Relation, Timestamp};
use serde::Serialize;

use crate::evidence::{Score, Trend, better, change, scores_of, trend};
use crate::{EvalRecord, EvalsError, ModelEvidence, World};

/// A fall of this much (relative) over the quarter's trend ([`trend`]: 13 weeks, or the longest
/// span down to 8 the evidence holds) counts as declining adoption.
pub const DECLINE_THRESHOLD: f64 = -0.25;

/// Licenses that allow commercial use and modification without field-of-use restrictions
/// (SPDX ids as the Hub tags them).
pub const PERMISSIVE: &[&str] = &[
    "apache-2.0",
    "mit",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "isc",
    "unlicense",
    "cc0-1.0",
    "cc-by-4.0",
    "zlib",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicensePolicy {
    Any,
    Permissive,
}

/// Which sizes count as "the same size class".
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SizePolicy {
    /// A candidate's parameters must be within this factor of the default's (both ways).
    pub factor: f64,
    /// Instead of the factor: at most this many parameters.
    pub max_params: Option<u64>,
}

impl Default for SizePolicy {
    fn default() -> Self {
        Self {
            factor: 2.0,
            max_params: None,
        }
    }
}

impl SizePolicy {
    fn admits(&self, default: Option<u64>, candidate: Option<u64>) -> Option<bool> {
        let candidate = candidate?;
        if let Some(max) = self.max_params {
            Some(candidate <= max)
        } else {
            let default = default? as f64;
            let candidate = candidate as f64;
            Some(candidate <= default * self.factor && candidate * self.factor >= default)
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AuditQuery {
    pub model: ModelId,
    pub workload: String,
    /// The workload's benchmarks (from the [`crate::workload::WorkloadMap`]).
    pub benchmarks: Vec<String>,
    pub size: SizePolicy,
    pub license: LicensePolicy,
    /// Compare an instruct or chat default with base models too (they are left out otherwise).
    pub include_base: bool,
}

/// What a model is tuned for, as its name says (docs/evals.md, "Like with like"): an instruct or
/// chat model (`Instruct`, `Chat`, `-it`) or a base model. Tags and cards are not read: the
/// name is what every source carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Instruct,
    Base,
}

impl Kind {
    /// The kind by name alone: `base` in the name is a base model; `instruct`, `chat` or a
    /// token `it`, `sft`, `dpo`, `rlhf` an instruct model; anything else a base model.
    #[must_use]
    pub fn of(id: &ModelId) -> Self {
        Self::by_name(id).unwrap_or(Self::Base)
    }

    fn by_name(id: &ModelId) -> Option<Self> {
        let name = id.name().to_ascii_lowercase();
        let tokens: Vec<&str> = name
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|t| !t.is_empty())
            .collect();
        if tokens.contains(&"base") {
            Some(Self::Base)
        } else if name.contains("instruct")
            || name.contains("chat")
            || tokens
                .iter()
                .any(|t| matches!(*t, "it" | "sft" | "dpo" | "rlhf"))
        {
            Some(Self::Instruct)
        } else {
            None
        }
    }

    /// The kind of a model of the evidence: by name where the name says; else a finetune or
    /// merge of another model is post-trained (`Qwen/Qwen3-8B` is a finetune of
    /// `Qwen/Qwen3-8B-Base`), and a model with no declared parent is a base model.
    #[must_use]
    pub fn of_model(model: &ModelEvidence) -> Self {
        let post_trained = model.lineage.as_ref().is_some_and(|lineage| {
            matches!(lineage.relation, Relation::Finetune | Relation::Merge)
                && !lineage.parents.is_empty()
        });
        Self::by_name(&model.id).unwrap_or(if post_trained {
            Self::Instruct
        } else {
            Self::Base
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Keep,
    Review,
    Replace,
}

impl Verdict {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Review => "review",
            Self::Replace => "replace",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One model's evidence as the audit shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelReport {
    pub id: ModelId,
    pub organization: Option<String>,
    pub contributor: Option<ContributorType>,
    pub task: Option<String>,
    pub parameters: Option<u64>,
    pub license: Option<String>,
    pub created_at: Option<Timestamp>,
    pub age_days: Option<i64>,
    /// Working-set rank in the last week.
    pub rank_now: Option<u32>,
    /// The last week the model was in the working set, when it is not now.
    pub last_in_working_set: Option<Timestamp>,
    pub downloads_last_week: Option<u64>,
    /// Relative change of weekly downloads over 4 weeks.
    pub change_4w: Option<f64>,
    /// The quarter's trend: the change over 13 weeks, or over the longest span down to 8 weeks
    /// the evidence holds with the model at both ends (its `weeks` says which).
    pub trend: Option<Trend>,
    /// Share of its task's window downloads in the last week.
    pub task_share: Option<f64>,
    pub children: std::collections::BTreeMap<Relation, u64>,
    pub new_version: Option<ModelId>,
    pub scores: Vec<Score>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Candidate {
    pub report: ModelReport,
    /// Why it is a candidate: "working set #3", "family of X (finetune)", ...
    pub origin: String,
    /// Over the series both have: where the candidate is better, worse, and how many there are.
    pub wins: usize,
    pub losses: usize,
    pub shared: usize,
}

impl Candidate {
    #[must_use]
    pub fn outscores(&self) -> bool {
        self.shared > 0 && self.wins > self.losses
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RankedScore {
    pub id: ModelId,
    pub value: f64,
    pub rank: usize,
}

/// One series' ranking among the default and the candidates.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeriesRanking {
    pub benchmark: String,
    pub metric: String,
    pub source: String,
    pub higher_is_better: bool,
    /// Models (default + candidates) with a score in this series, and how many were considered.
    pub covered: usize,
    pub considered: usize,
    pub ranking: Vec<RankedScore>,
}

/// Models left out of the candidate pool, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub other_task: usize,
    pub unknown_size: usize,
    pub other_size: usize,
    pub license: usize,
    /// Base models, for an instruct or chat default (unless asked for).
    pub base: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Audit {
    pub workload: String,
    pub benchmarks: Vec<String>,
    pub as_of: Option<Timestamp>,
    pub working_set_size: u32,
    pub provenance: String,
    pub size: SizePolicy,
    pub license: LicensePolicy,
    pub default: ModelReport,
    pub candidates: Vec<Candidate>,
    pub excluded: Excluded,
    pub series: Vec<SeriesRanking>,
    pub verdict: Verdict,
    /// The reasons, in plain words, with the figures behind them.
    pub reasons: Vec<String>,
    /// Evidence that is missing (never filled in).
    pub missing: Vec<String>,
}

fn report(world: &World, model: &ModelEvidence, scores: Vec<Score>) -> ModelReport {
    let now = world.now();
    let as_of = world.as_of();
    let rank_now = now.and_then(|now| ModelEvidence::at(&model.weekly_ranks, now));
    let last_in_working_set = if rank_now.is_some() {
        None
    } else {
        (0..world.weeks.len())
            .rev()
            .find(|&week| ModelEvidence::at(&model.weekly_ranks, week).is_some())
            .map(|week| world.weeks[week])
    };
    let downloads_last_week = now.and_then(|now| ModelEvidence::at(&model.weekly_downloads, now));
    let task_share = model.task.as_ref().and_then(|task| {
        let total = *world.task_downloads.get(task)?;
        let downloads = downloads_last_week?;
        (total > 0).then(|| downloads as f64 / total as f64)
    });
    ModelReport {
        id: model.id.clone(),
        organization: model.organization.clone(),
        contributor: model.contributor,
        task: model.task.clone(),
        parameters: model.parameters,
        license: model.license.clone(),
        created_at: model.created_at,
        age_days: model
            .created_at
            .zip(as_of)
            .map(|(created, as_of)| created.days_until(as_of).floor() as i64),
        rank_now,
        last_in_working_set,
        downloads_last_week,
        change_4w: change(&model.weekly_downloads, 4),
        trend: trend(&model.weekly_downloads),
        task_share,
        children: model.children.clone(),
        new_version: model.new_version.clone(),
        scores,
    }
}

/// The leading letters of a model name, lowercased: its family stem (`Llama-3.1-8B` → `llama`).
fn stem(id: &ModelId) -> String {
    id.name()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The origin of a candidate chosen for its scores.
const SCORED: &str = "scored on the workload";

/// Whether `benchmark` is one of the workload's.
fn in_workload(query: &AuditQuery, benchmark: &str) -> bool {
    query
        .benchmarks
        .iter()
        .any(|b| crate::benchmark::same(b, benchmark))
}

/// The models with at least one score on the query's workload: the audit's candidate pool
/// before its filters (task, size, kind, licence). The evidence must hold these models whatever
/// their adoption, so that the pool does not depend on which snapshots the store holds.
#[must_use]
pub fn scored_models(records: &[EvalRecord], query: &AuditQuery) -> BTreeSet<ModelId> {
    records
        .iter()
        .filter(|record| in_workload(query, &record.benchmark))
        .filter_map(|record| record.hub_id.clone())
        .collect()
}

/// Runs the audit. Errors only when the model is not in the world at all.
pub fn audit(
    world: &World,
    records: &[EvalRecord],
    query: &AuditQuery,
) -> Result<Audit, EvalsError> {
    let default_model = world
        .model(&query.model)
        .ok_or_else(|| EvalsError::UnknownModel {
            id: query.model.to_string(),
        })?;
    let in_workload = |benchmark: &str| in_workload(query, benchmark);
    let scored = scored_models(records, query);
    let now = world.now();
    let mut missing = Vec::new();
    let mut reasons = Vec::new();

    // The same-organization successor: same namespace and name stem, same task, created later,
    // most downloads last week (ties: id).
    let successor = world
        .models
        .iter()
        .filter(|m| {
            m.id != default_model.id
                && m.id.namespace().is_some()
                && m.id.namespace() == default_model.id.namespace()
                && stem(&m.id) == stem(&default_model.id)
                && !stem(&m.id).is_empty()
                && m.task.is_some()
                && m.task == default_model.task
                && matches!((m.created_at, default_model.created_at), (Some(a), Some(b)) if a > b)
                // A successor is of the default's kind and size band (within the size factor
                // both ways, whatever --max-params admits for candidates).
                && Kind::of_model(m) == Kind::of_model(default_model)
                && SizePolicy {
                    factor: query.size.factor,
                    max_params: None,
                }
                .admits(default_model.parameters, m.parameters)
                    == Some(true)
        })
        .max_by(|a, b| {
            let downloads = |m: &ModelEvidence| {
                now.and_then(|now| ModelEvidence::at(&m.weekly_downloads, now))
                    .unwrap_or(0)
            };
            downloads(a)
                .cmp(&downloads(b))
                .then_with(|| b.id.cmp(&a.id))
        });

    // The candidate pool, each with its origin: the card's newer version, the successor, and
    // every model with a score on the workload. Adoption orders and describes candidates but
    // does not choose them, so the pool is the same whichever snapshots the evidence holds.
    let mut excluded = Excluded::default();
    let mut pool: Vec<(&ModelEvidence, String)> = Vec::new();
    for model in &world.models {
        if model.id == default_model.id {
            continue;
        }
        let origin = if default_model.new_version.as_ref() == Some(&model.id) {
            "newer version named in the default's card".to_owned()
        } else if successor.is_some_and(|s| s.id == model.id) {
            "same-organization successor".to_owned()
        } else if scored.contains(&model.id) {
            SCORED.to_owned()
        } else {
            continue;
        };
        if default_model.task.is_none() || model.task != default_model.task {
            excluded.other_task += 1;
            continue;
        }
        match query
            .size
            .admits(default_model.parameters, model.parameters)
        {
            None => {
                excluded.unknown_size += 1;
                continue;
            }
            Some(false) => {
                excluded.other_size += 1;
                continue;
            }
            Some(true) => {}
        }
        if Kind::of_model(default_model) == Kind::Instruct
            && Kind::of_model(model) == Kind::Base
            && !query.include_base
        {
            excluded.base += 1;
            continue;
        }
        if query.license == LicensePolicy::Permissive
            && !model
                .license
                .as_deref()
                .is_some_and(|l| PERMISSIVE.contains(&l.to_ascii_lowercase().as_str()))
        {
            excluded.license += 1;
            continue;
        }
        pool.push((model, origin));
    }

    let default = report(
        world,
        default_model,
        scores_of(records, &default_model.id, in_workload),
    );
    let mut candidates: Vec<Candidate> = pool
        .into_iter()
        .map(|(model, origin)| {
            let report = report(world, model, scores_of(records, &model.id, in_workload));
            let (mut wins, mut losses, mut shared) = (0, 0, 0);
            for score in &report.scores {
                if let Some(theirs) = default.scores.iter().find(|d| {
                    (&d.benchmark, &d.metric, &d.source)
                        == (&score.benchmark, &score.metric, &score.source)
                }) {
                    shared += 1;
                    if better(score.value, theirs.value, score.higher_is_better) {
                        wins += 1;
                    } else if better(theirs.value, score.value, score.higher_is_better) {
                        losses += 1;
                    }
                }
            }
            Candidate {
                report,
                origin,
                wins,
                losses,
                shared,
            }
        })
        .collect();
    // Ranked by benchmark evidence against the default, then adoption, then id.
    candidates.sort_by(|a, b| {
        let margin = |c: &Candidate| c.wins as i64 - c.losses as i64;
        margin(b)
            .cmp(&margin(a))
            .then(b.shared.cmp(&a.shared))
            .then(
                b.report
                    .downloads_last_week
                    .unwrap_or(0)
                    .cmp(&a.report.downloads_last_week.unwrap_or(0)),
            )
            .then_with(|| a.report.id.cmp(&b.report.id))
    });

    let series = rankings(&default, &candidates);

    // Adoption.
    let adoption_known = !world.weeks.is_empty() && !default_model.weekly_ranks.is_empty();
    let left = adoption_known && default.rank_now.is_none();
    let declining = default.trend.is_some_and(|t| t.change <= DECLINE_THRESHOLD);
    if !adoption_known {
        missing.push(format!(
            "weekly working-set ranks for {} (no weekly snapshots in the evidence)",
            default.id
        ));
    } else if let Some(rank) = default.rank_now {
        reasons.push(format!(
            "{} is #{rank} in the working set (top {}) of the window ending {}",
            default.id,
            world.working_set_size,
            world
                .as_of()
                .map_or_else(String::new, Timestamp::date_string)
        ));
    } else {
        match default.last_in_working_set {
            Some(week) => reasons.push(format!(
                "{} left the working set (top {}): last in it the window ending {}",
                default.id,
                world.working_set_size,
                week.date_string()
            )),
            None => reasons.push(format!(
                "{} is not in the working set (top {}) in any of the {} windows",
                default.id,
                world.working_set_size,
                world.weeks.len()
            )),
        }
    }
    match default.trend {
        Some(trend) => reasons.push(format!(
            "its weekly downloads changed {} over {} weeks",
            percent(trend.change),
            trend.weeks
        )),
        None if adoption_known => missing.push(format!(
            "a downloads trend over at least 8 weeks for {} (needs the model in two weekly windows 8 to 13 weeks apart; the evidence has {} windows)",
            default.id,
            world.weeks.len()
        )),
        None => {}
    }
    let newer = default
        .new_version
        .clone()
        .or_else(|| successor.map(|s| s.id.clone()));
    if let Some(version) = &default.new_version {
        reasons.push(format!("its model card names a newer version: {version}"));
    } else if let Some(successor) = successor {
        reasons.push(format!(
            "{} is a newer model of the same organization and family",
            successor.id
        ));
    }

    // Benchmarks.
    if default.task.is_none() {
        missing.push(format!(
            "the task (pipeline_tag) of {}: candidates cannot be chosen",
            default.id
        ));
    }
    if default.parameters.is_none() && query.size.max_params.is_none() {
        missing.push(format!(
            "the size of {}: pass --max-params to choose candidates by size",
            default.id
        ));
    }
    if default.scores.is_empty() {
        missing.push(format!(
            "scores for {} on the {} benchmarks ({}); import them with `hubcensus evals import`",
            default.id,
            query.workload,
            query.benchmarks.join(", ")
        ));
    }
    let outscoring: Vec<&Candidate> = candidates.iter().filter(|c| c.outscores()).collect();
    let compared = candidates.iter().filter(|c| c.shared > 0).count();
    for candidate in outscoring.iter().take(3) {
        reasons.push(format!(
            "{} ({}) scores better on {} of the {} benchmark series both have{}",
            candidate.report.id,
            match candidate.report.rank_now {
                Some(rank) => format!("working set #{rank}"),
                // A scored model out of the working set says so; a successor says what it is.
                None if candidate.origin == SCORED => "not in the working set".to_owned(),
                None => candidate.origin.clone(),
            },
            candidate.wins,
            candidate.shared,
            head_to_head(&default, candidate)
        ));
    }
    if !default.scores.is_empty() && compared == 0 {
        missing.push(format!(
            "scores for any candidate on the series {} has ({} candidates considered)",
            default.id,
            candidates.len()
        ));
    }

    let adoption_turned = left || declining || default.new_version.is_some();
    let verdict = if default.scores.is_empty() || default.task.is_none() {
        Verdict::Review
    } else if !outscoring.is_empty() && adoption_turned {
        Verdict::Replace
    } else if !outscoring.is_empty() {
        reasons.push("adoption is holding, so weigh the better scores before switching".into());
        Verdict::Review
    } else if compared == 0 || !adoption_known {
        Verdict::Review
    } else if left || declining {
        reasons.push(format!(
            "no candidate outscores it on the {} benchmarks, but its adoption has turned",
            query.workload
        ));
        Verdict::Review
    } else if let Some(newer) = newer {
        reasons.push(format!(
            "no candidate outscores it; compare it with {newer} before keeping it"
        ));
        Verdict::Review
    } else {
        reasons.push(format!(
            "none of the {compared} candidates with comparable scores outscores it on the {} benchmarks",
            query.workload
        ));
        Verdict::Keep
    };

    Ok(Audit {
        workload: query.workload.clone(),
        benchmarks: query.benchmarks.clone(),
        as_of: world.as_of(),
        working_set_size: world.working_set_size,
        provenance: world.provenance.clone(),
        size: query.size,
        license: query.license,
        default,
        candidates,
        excluded,
        series,
        verdict,
        reasons,
        missing,
    })
}

/// ": GPQA 41.2 vs 35.0 (Open LLM Leaderboard v2), ..." for up to three shared series.
fn head_to_head(default: &ModelReport, candidate: &Candidate) -> String {
    let mut parts = Vec::new();
    for score in &candidate.report.scores {
        if let Some(theirs) = default.scores.iter().find(|d| {
            (&d.benchmark, &d.metric, &d.source) == (&score.benchmark, &score.metric, &score.source)
        }) {
            parts.push(format!(
                "{} {} {} vs {} ({})",
                score.benchmark,
                score.metric,
                number(score.value),
                number(theirs.value),
                score.source
            ));
        }
    }
    let more = parts.len().saturating_sub(3);
    parts.truncate(3);
    if parts.is_empty() {
        String::new()
    } else if more > 0 {
        format!(": {}, and {more} more", parts.join("; "))
    } else {
        format!(": {}", parts.join("; "))
    }
}

fn rankings(default: &ModelReport, candidates: &[Candidate]) -> Vec<SeriesRanking> {
    let models: Vec<&ModelReport> = std::iter::once(default)
        .chain(candidates.iter().map(|c| &c.report))
        .collect();
    let mut keys: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
    for model in &models {
        for score in &model.scores {
            keys.insert((&score.benchmark, &score.metric, &score.source));
        }
    }
    keys.into_iter()
        .map(|(benchmark, metric, source)| {
            let mut entries: Vec<(&ModelId, f64, bool)> = models
                .iter()
                .filter_map(|model| {
                    model
                        .scores
                        .iter()
                        .find(|s| {
                            (s.benchmark.as_str(), s.metric.as_str(), s.source.as_str())
                                == (benchmark, metric, source)
                        })
                        .map(|s| (&model.id, s.value, s.higher_is_better))
                })
                .collect();
            let higher_is_better = entries.first().is_none_or(|e| e.2);
            entries.sort_by(|a, b| {
                let order = a.1.total_cmp(&b.1);
                let order = if higher_is_better {
                    order.reverse()
                } else {
                    order
                };
                order.then_with(|| a.0.cmp(b.0))
            });
            let ranking = entries
                .iter()
                .map(|(id, value, _)| RankedScore {
                    id: (*id).clone(),
                    value: *value,
                    rank: 1 + entries
                        .iter()
                        .filter(|(_, other, _)| better(*other, *value, higher_is_better))
                        .count(),
                })
                .collect::<Vec<_>>();
            SeriesRanking {
                benchmark: benchmark.to_owned(),
                metric: metric.to_owned(),
                source: source.to_owned(),
                higher_is_better,
                covered: ranking.len(),
                considered: models.len(),
                ranking,
            }
        })
        .collect()
}

/// A figure for prose: up to 4 significant decimals, no trailing zeros.
#[must_use]
pub fn number(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// A relative change as a signed percentage with one decimal: `+12.5%`, `-40%`.
#[must_use]
pub fn percent(change: f64) -> String {
    let text = format!("{:.1}", change * 100.0);
    let text = text.trim_end_matches(".0");
    let text = if text == "-0" { "0" } else { text };
    if change > 0.0 {
        format!("+{text}%")
    } else {
        format!("{text}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{flat, id, left_after, model, ranked, score, world};
    use hubcensus_model::ContributorType::{Community, Industry};

    const LLAMA: &str = "meta-llama/Llama-3.1-8B-Instruct";
    const QWEN: &str = "Qwen/Qwen3-8B";
    const DEEPSEEK: &str = "deepseek-ai/DeepSeek-V3";

    fn query(model: &str) -> AuditQuery {
        AuditQuery {
            // The fixtures compare an instruct default with base models on purpose.
            include_base: true,
            model: id(model),
            workload: "reasoning".into(),
            benchmarks: ["GPQA", "MATH", "BBH", "MuSR", "AIME"]
                .map(String::from)
                .to_vec(),
            size: SizePolicy::default(),
            license: LicensePolicy::Any,
        }
    }

    fn falling() -> [u64; 14] {
        let mut downloads = [0; 14];
        for (week, slot) in downloads.iter_mut().enumerate() {
            *slot = 100_000 - 6_000 * week as u64;
        }
        downloads
    }

    /// A 2024 default that left the working set, a same-size candidate that scores better, and a
    /// much larger model that scores better still but is not in the size class.
    fn replace_world() -> (World, Vec<EvalRecord>) {
        let world = world(vec![
            model(LLAMA, 8, "llama3.1", Industry, falling(), left_after(40, 9)),
            model(QWEN, 8, "apache-2.0", Industry, flat(300_000), ranked(3)),
            model(DEEPSEEK, 671, "mit", Industry, flat(400_000), ranked(2)),
        ]);
        let records = vec![
            score(LLAMA, "GPQA", 8.0),
            score(LLAMA, "MATH", 15.0),
            score(QWEN, "GPQA", 12.0),
            score(QWEN, "MATH", 30.0),
            score(DEEPSEEK, "GPQA", 40.0),
            score(LLAMA, "IFEval", 80.0),
            score(QWEN, "IFEval", 20.0),
        ];
        (world, records)
    }

    #[test]
    fn left_the_working_set_and_outscored_by_a_same_size_model_is_replace() {
        let (world, records) = replace_world();
        let audit = audit(&world, &records, &query(LLAMA)).unwrap();
        assert_eq!(audit.verdict, Verdict::Replace);
        let ids: Vec<&str> = audit
            .candidates
            .iter()
            .map(|c| c.report.id.as_str())
            .collect();
        assert_eq!(ids, [QWEN]);
        assert_eq!(audit.excluded.other_size, 1);
        let qwen = &audit.candidates[0];
        assert_eq!((qwen.wins, qwen.losses, qwen.shared), (2, 0, 2));
        assert_eq!(qwen.origin, "scored on the workload");
        assert_eq!(
            audit.reasons,
            [
                "meta-llama/Llama-3.1-8B-Instruct left the working set (top 200): last in it the window ending 2026-07-19",
                "its weekly downloads changed -78% over 13 weeks",
                "Qwen/Qwen3-8B (working set #3) scores better on 2 of the 2 benchmark series both have: GPQA normalized score 12 vs 8 (Open LLM Leaderboard v2); MATH normalized score 30 vs 15 (Open LLM Leaderboard v2)",
            ]
        );
        // IFEval is not a reasoning benchmark: it is neither shown nor counted.
        assert!(audit.series.iter().all(|s| s.benchmark != "IFEval"));
        let gpqa = audit.series.iter().find(|s| s.benchmark == "GPQA").unwrap();
        assert_eq!((gpqa.covered, gpqa.considered), (2, 2));
        assert_eq!(gpqa.ranking[0].id.as_str(), QWEN);
        assert!(audit.missing.is_empty(), "{:?}", audit.missing);
    }

    #[test]
    fn a_default_that_still_leads_is_kept() {
        let world = world(vec![
            model(QWEN, 8, "apache-2.0", Industry, flat(300_000), ranked(3)),
            model(LLAMA, 8, "llama3.1", Industry, flat(100_000), ranked(40)),
        ]);
        let records = vec![
            score(LLAMA, "GPQA", 8.0),
            score(QWEN, "GPQA", 12.0),
            score(QWEN, "MATH", 30.0),
        ];
        let audit = audit(&world, &records, &query(QWEN)).unwrap();
        assert_eq!(audit.verdict, Verdict::Keep, "{:?}", audit.reasons);
        assert_eq!(
            audit.reasons.last().unwrap(),
            "none of the 1 candidates with comparable scores outscores it on the reasoning benchmarks"
        );
        assert_eq!(audit.default.rank_now, Some(3));
        assert_eq!(audit.default.task_share, Some(0.03));
    }

    #[test]
    fn no_evidence_is_review_and_says_what_is_missing() {
        let (world, mut records) = replace_world();
        records.retain(|r| r.model != LLAMA);
        let audit = audit(&world, &records, &query(LLAMA)).unwrap();
        assert_eq!(audit.verdict, Verdict::Review);
        assert_eq!(
            audit.missing,
            [
                "scores for meta-llama/Llama-3.1-8B-Instruct on the reasoning benchmarks (GPQA, MATH, BBH, MuSR, AIME); import them with `hubcensus evals import`"
            ]
        );
    }

    #[test]
    fn outscored_while_adoption_holds_is_review() {
        let (mut world, records) = replace_world();
        world.models[0].weekly_ranks = ranked(12).to_vec();
        world.models[0].weekly_downloads = flat(90_000).iter().map(|&d| Some(d)).collect();
        let audit = audit(&world, &records, &query(LLAMA)).unwrap();
        assert_eq!(audit.verdict, Verdict::Review);
        assert!(
            audit
                .reasons
                .last()
                .unwrap()
                .starts_with("adoption is holding")
        );
    }

    #[test]
    fn kinds_from_names() {
        let kind = |id: &str| Kind::of(&ModelId::new(id).unwrap());
        for id in [
            "meta-llama/Llama-3.1-8B-Instruct",
            "google/gemma-2-9b-it",
            "THUDM/chatglm3-6b",
            "someone/model-7b-dpo",
        ] {
            assert_eq!(kind(id), Kind::Instruct, "{id}");
        }
        for id in [
            "Qwen/Qwen2.5-7B",
            "mistralai/Mistral-7B-v0.1",
            "gpt2",
            "x/italian-7b",
        ] {
            assert_eq!(kind(id), Kind::Base, "{id}");
        }
    }

    #[test]
    fn size_and_license_policies() {
        let (world, records) = replace_world();
        let mut permissive = query(LLAMA);
        permissive.size.max_params = Some(700_000_000_000);
        permissive.license = LicensePolicy::Permissive;
        let audit_result = audit(&world, &records, &permissive).unwrap();
        let ids: Vec<&str> = audit_result
            .candidates
            .iter()
            .map(|c| c.report.id.as_str())
            .collect();
        // Under --max-params 700B both fit; DeepSeek (1 series, won) ranks after Qwen (2 won).
        assert_eq!(ids, [QWEN, DEEPSEEK]);
        let mut small = query(LLAMA);
        small.size.max_params = Some(7_000_000_000);
        let audit_result = audit(&world, &records, &small).unwrap();
        assert!(audit_result.candidates.is_empty());
        assert_eq!(audit_result.excluded.other_size, 2);
        assert_eq!(audit_result.verdict, Verdict::Review);
        assert!(audit_result.missing[0].starts_with("scores for any candidate"));
    }

    /// Candidates are chosen by scores on the workload, not by adoption: a working-set
    /// finetune with no score is not one, so the pool is the same whichever snapshots the
    /// evidence holds (issue #20).
    #[test]
    fn unscored_models_are_not_candidates_whatever_their_adoption() {
        let (mut world, records) = replace_world();
        let mut finetune = model(
            "alice/Qwen3-8B-tuned",
            8,
            "apache-2.0",
            Community,
            flat(5_000),
            ranked(7),
        );
        finetune.lineage = hubcensus_model::Lineage::new(
            Relation::Finetune,
            vec![id(QWEN)],
            hubcensus_model::LineageSource::BaseModels,
        );
        world.models.push(finetune);
        world.models[0].new_version = Some(id("meta-llama/Llama-3.3-8B-Instruct"));
        let audit = audit(&world, &records, &query(LLAMA)).unwrap();
        let origins: Vec<(&str, &str)> = audit
            .candidates
            .iter()
            .map(|c| (c.report.id.as_str(), c.origin.as_str()))
            .collect();
        assert_eq!(origins, [(QWEN, "scored on the workload")]);
        assert!(
            audit
                .reasons
                .iter()
                .any(|r| r
                    == "its model card names a newer version: meta-llama/Llama-3.3-8B-Instruct")
        );
    }

    #[test]
    fn unknown_model_is_an_error() {
        let (world, records) = replace_world();
        assert_eq!(
            audit(&world, &records, &query("nobody/none"))
                .unwrap_err()
                .to_string(),
            "model nobody/none is not in the evidence"
        );
    }

    proptest::proptest! {
        /// Every series ranking is a permutation of the models that have a score in it, ordered
        /// by value, with ranks that agree with a naive count of strictly better scores.
        #[test]
        fn rankings_are_ordered_permutations(values in proptest::collection::vec(proptest::option::of(0u8..20), 1..8)) {
            let mut models = vec![model(LLAMA, 8, "mit", Industry, flat(1), ranked(1))];
            let mut records = vec![score(LLAMA, "GPQA", 10.0)];
            for (index, value) in values.iter().enumerate() {
                let name = format!("org/m{index}");
                models.push(model(&name, 8, "mit", Industry, flat(1), ranked(2 + index as u32)));
                if let Some(value) = value {
                    records.push(score(&name, "GPQA", f64::from(*value)));
                }
            }
            let audit = audit(&world(models), &records, &query(LLAMA)).unwrap();
            let gpqa = &audit.series[0];
            proptest::prop_assert_eq!(gpqa.covered, 1 + values.iter().flatten().count());
            // Only models with a score are candidates.
            proptest::prop_assert_eq!(gpqa.considered, 1 + values.iter().flatten().count());
            for pair in gpqa.ranking.windows(2) {
                proptest::prop_assert!(pair[0].value >= pair[1].value);
            }
            for entry in &gpqa.ranking {
                let naive = 1 + gpqa.ranking.iter().filter(|o| o.value > entry.value).count();
                proptest::prop_assert_eq!(entry.rank, naive);
            }
            let wins = values.iter().flatten().filter(|v| f64::from(**v) > 10.0).count();
            let outscoring = audit.candidates.iter().filter(|c| c.outscores()).count();
            proptest::prop_assert_eq!(outscoring, wins);
        }
    }
}

#[cfg(test)]
mod format_tests {
    use super::{number, percent};

    #[test]
    fn figures_for_prose() {
        let cases = [
            (0.5, "+50%"),
            (-0.78, "-78%"),
            (-0.741_379, "-74.1%"),
            (0.0, "0%"),
            (-0.000_01, "0%"),
        ];
        for (change, text) in cases {
            assert_eq!(percent(change), text, "{change}");
        }
        assert_eq!(number(12.0), "12");
        assert_eq!(number(5.481_034), "5.481");
        assert_eq!(number(-0.000_01), "0");
    }
}
