//! `discover`: credible releases by small teams and individuals in one task.
//!
//! Pure: a [`World`], the benchmark records and a [`DiscoverQuery`] in, a [`Discovery`] out.
//! The rules (also in docs/evals.md):
//!
//! - **Population**: models of the task whose contributor type is one of the requested ones
//!   (default: individual, community). Models of other types, and models whose type is unknown
//!   (unless asked for), are left out and counted.
//! - **The window**: the weeks ending after `as_of - since`. The *baseline* week is the last week
//!   ending on or before `as_of - since` (the first week when the evidence is shorter).
//! - **Entered the working set**: in the working set now, not in it at the baseline (METHODS.md
//!   §7's credible release, measured over the window).
//! - **Rose**: weekly downloads now at least [`DiscoverQuery::min_growth`] times the baseline
//!   (a model absent or at zero at the baseline counts as rising when created inside the window),
//!   and at least [`DiscoverQuery::min_weekly_downloads`] now, so that 3 → 12 downloads is not a
//!   discovery.
//! - **Order**: entries first (by current rank), then risers by growth (descending), then by
//!   downloads now; ties by id.

use std::collections::{BTreeMap, BTreeSet};

use hubcensus_model::{ContributorType, Lineage, ModelId, Relation, Timestamp};
use serde::Serialize;

use crate::evidence::{Score, scores_of};
use crate::{EvalRecord, ModelEvidence, World};

#[derive(Clone, Debug, PartialEq)]
pub struct DiscoverQuery {
    pub task: String,
    pub contributors: BTreeSet<ContributorType>,
    /// Also list models whose contributor type is unknown (a namespace the registry does not
    /// know, whose account kind was not fetched); they are said to be of unknown type.
    pub include_unknown: bool,
    pub since_days: i64,
    pub min_growth: f64,
    pub min_weekly_downloads: u64,
}

impl DiscoverQuery {
    /// The defaults: individuals and community groups, the last 90 days, ×2 growth, 1,000
    /// downloads a week.
    #[must_use]
    pub fn new(task: impl Into<String>) -> Self {
        Self {
            task: task.into(),
            contributors: [ContributorType::Individual, ContributorType::Community]
                .into_iter()
                .collect(),
            include_unknown: false,
            since_days: 90,
            min_growth: 2.0,
            min_weekly_downloads: 1_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rise {
    EnteredWorkingSet,
    Grew,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Riser {
    pub id: ModelId,
    pub rise: Rise,
    pub organization: Option<String>,
    pub contributor: Option<ContributorType>,
    pub created_at: Option<Timestamp>,
    pub parameters: Option<u64>,
    pub license: Option<String>,
    pub rank_now: Option<u32>,
    pub downloads_baseline: Option<u64>,
    pub downloads_now: Option<u64>,
    /// downloads now / downloads at the baseline; `None` when the baseline is absent or zero.
    pub growth: Option<f64>,
    pub likes_baseline: Option<u64>,
    pub likes_now: Option<u64>,
    pub lineage: Option<Lineage>,
    pub children: BTreeMap<Relation, u64>,
    /// All benchmark scores on record (any workload); empty = no benchmark evidence.
    pub scores: Vec<Score>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Discovery {
    pub task: String,
    pub contributors: Vec<ContributorType>,
    pub since_days: i64,
    pub as_of: Option<Timestamp>,
    pub baseline: Option<Timestamp>,
    pub provenance: String,
    /// Models of the task in the evidence.
    pub models_in_task: usize,
    /// Of those, left out because their contributor type is another, or unknown.
    pub other_contributors: usize,
    pub unknown_contributor: usize,
    pub found: Vec<Riser>,
    /// Evidence that is missing (never filled in).
    pub missing: Vec<String>,
}

#[must_use]
pub fn discover(world: &World, records: &[EvalRecord], query: &DiscoverQuery) -> Discovery {
    let as_of = world.as_of();
    let now = world.now();
    let cutoff = as_of.map(|as_of| as_of.plus_days(-query.since_days));
    let baseline = cutoff.and_then(|cutoff| {
        world
            .weeks
            .iter()
            .rposition(|week| *week <= cutoff)
            .or(Some(0))
    });
    let mut missing = Vec::new();
    if world.weeks.len() < 2 {
        missing.push(format!(
            "at least two weekly windows (the evidence has {}): growth and entries need a baseline",
            world.weeks.len()
        ));
    } else if let (Some(cutoff), Some(first)) = (cutoff, world.weeks.first())
        && *first > cutoff
    {
        missing.push(format!(
            "weeks back to {} (the evidence starts {}): the baseline is its first week",
            cutoff.date_string(),
            first.date_string()
        ));
    }
    let (mut models_in_task, mut other_contributors, mut unknown_contributor) = (0, 0, 0);
    let mut found = Vec::new();
    for model in &world.models {
        if model.task.as_deref() != Some(query.task.as_str()) {
            continue;
        }
        models_in_task += 1;
        match model.contributor {
            None if !query.include_unknown => {
                unknown_contributor += 1;
                continue;
            }
            Some(kind) if !query.contributors.contains(&kind) => {
                other_contributors += 1;
                continue;
            }
            None | Some(_) => {}
        }
        let (Some(now), Some(baseline)) = (now, baseline) else {
            continue;
        };
        if now == baseline {
            continue;
        }
        let rank_now = ModelEvidence::at(&model.weekly_ranks, now);
        let rank_then = ModelEvidence::at(&model.weekly_ranks, baseline);
        let downloads_now = ModelEvidence::at(&model.weekly_downloads, now);
        let downloads_baseline = ModelEvidence::at(&model.weekly_downloads, baseline);
        let growth = downloads_now
            .zip(downloads_baseline)
            .filter(|(_, then)| *then > 0)
            .map(|(now, then)| now as f64 / then as f64);
        let created_in_window = model
            .created_at
            .zip(cutoff)
            .is_some_and(|(created, cutoff)| created > cutoff);
        let rise = if rank_now.is_some() && rank_then.is_none() {
            Rise::EnteredWorkingSet
        } else if downloads_now.unwrap_or(0) >= query.min_weekly_downloads
            && match growth {
                Some(growth) => growth >= query.min_growth,
                None => created_in_window,
            }
        {
            Rise::Grew
        } else {
            continue;
        };
        found.push(Riser {
            id: model.id.clone(),
            rise,
            organization: model.organization.clone(),
            contributor: model.contributor,
            created_at: model.created_at,
            parameters: model.parameters,
            license: model.license.clone(),
            rank_now,
            downloads_baseline,
            downloads_now,
            growth,
            likes_baseline: ModelEvidence::at(&model.weekly_likes, baseline),
            likes_now: ModelEvidence::at(&model.weekly_likes, now),
            lineage: model.lineage.clone(),
            children: model.children.clone(),
            scores: scores_of(records, &model.id, |_| true),
        });
    }
    found.sort_by(|a, b| {
        let entered = |r: &Riser| r.rise == Rise::EnteredWorkingSet;
        entered(b)
            .cmp(&entered(a))
            .then(
                a.rank_now
                    .unwrap_or(u32::MAX)
                    .cmp(&b.rank_now.unwrap_or(u32::MAX)),
            )
            .then(
                b.growth
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&a.growth.unwrap_or(f64::INFINITY)),
            )
            .then(b.downloads_now.cmp(&a.downloads_now))
            .then_with(|| a.id.cmp(&b.id))
    });
    Discovery {
        task: query.task.clone(),
        contributors: query.contributors.iter().copied().collect(),
        since_days: query.since_days,
        as_of,
        baseline: baseline.map(|index| world.weeks[index]),
        provenance: world.provenance.clone(),
        models_in_task,
        other_contributors,
        unknown_contributor,
        found,
        missing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{flat, id, model, ranked, score, world};
    use hubcensus_model::ContributorType::{Community, Individual, Industry};

    fn entering(rank: u32, weeks_in: usize) -> [Option<u32>; 14] {
        let mut ranks = [None; 14];
        for slot in ranks.iter_mut().rev().take(weeks_in) {
            *slot = Some(rank);
        }
        ranks
    }

    fn rising(from: u64, to: u64) -> [u64; 14] {
        let mut downloads = [from; 14];
        for slot in downloads.iter_mut().skip(10) {
            *slot = to;
        }
        downloads
    }

    fn discovery_world() -> World {
        let mut planted = model(
            "alice/tiny-reasoner-3B",
            3,
            "apache-2.0",
            Individual,
            rising(2_000, 60_000),
            entering(150, 3),
        );
        planted.lineage = hubcensus_model::Lineage::new(
            Relation::Finetune,
            vec![id("Qwen/Qwen3-4B")],
            hubcensus_model::LineageSource::BaseModels,
        );
        world(vec![
            planted,
            model(
                "bigcorp/Big-Model",
                70,
                "apache-2.0",
                Industry,
                rising(1_000, 90_000),
                entering(90, 3),
            ),
            model(
                "community-group/grower",
                7,
                "mit",
                Community,
                rising(2_000, 7_000),
                [None; 14],
            ),
            model(
                "bob/too-small",
                1,
                "mit",
                Individual,
                rising(10, 400),
                [None; 14],
            ),
            model(
                "carol/steady",
                8,
                "mit",
                Individual,
                flat(50_000),
                ranked(120),
            ),
        ])
    }

    #[test]
    fn finds_the_planted_small_team_riser_and_not_the_big_lab() {
        let records = vec![score("alice/tiny-reasoner-3B", "GPQA", 21.0)];
        let discovery = discover(
            &discovery_world(),
            &records,
            &DiscoverQuery::new("text-generation"),
        );
        let found: Vec<(&str, Rise)> = discovery
            .found
            .iter()
            .map(|r| (r.id.as_str(), r.rise))
            .collect();
        assert_eq!(
            found,
            [
                ("alice/tiny-reasoner-3B", Rise::EnteredWorkingSet),
                ("community-group/grower", Rise::Grew),
            ]
        );
        assert_eq!(
            (discovery.models_in_task, discovery.other_contributors),
            (5, 1)
        );
        let planted = &discovery.found[0];
        assert_eq!(planted.growth, Some(30.0));
        assert_eq!(planted.scores.len(), 1);
        assert_eq!(
            planted.lineage.as_ref().unwrap().parents,
            [id("Qwen/Qwen3-4B")]
        );
        assert_eq!(discovery.baseline.unwrap().date_string(), "2026-05-24");
        assert!(discovery.missing.is_empty());
    }

    #[test]
    fn contributor_filter_and_short_evidence() {
        let mut query = DiscoverQuery::new("text-generation");
        query.contributors = [Industry].into_iter().collect();
        let discovery = discover(&discovery_world(), &[], &query);
        let found: Vec<&str> = discovery.found.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(found, ["bigcorp/Big-Model"]);
        query.since_days = 365;
        let discovery = discover(&discovery_world(), &[], &query);
        assert_eq!(
            discovery.missing,
            [
                "weeks back to 2025-08-23 (the evidence starts 2026-05-24): the baseline is its first week"
            ]
        );
        let other_task = discover(
            &discovery_world(),
            &[],
            &DiscoverQuery::new("image-classification"),
        );
        assert_eq!((other_task.models_in_task, other_task.found.len()), (0, 0));
    }

    proptest::proptest! {
        /// The models listed are exactly those a naive reading of the rules selects, entries
        /// before risers, every riser above the floors.
        #[test]
        fn selection_matches_the_rules(specs in proptest::collection::vec((0u64..5_000, 0u64..20_000, proptest::bool::ANY, proptest::bool::ANY, 0usize..3), 1..12)) {
            let kinds = [Individual, Community, Industry];
            let mut models = Vec::new();
            for (index, &(then, now, in_then, in_now, kind)) in specs.iter().enumerate() {
                let mut downloads = [then; 14];
                downloads[13] = now;
                let mut ranks = [None; 14];
                for slot in ranks.iter_mut().take(13) {
                    *slot = in_then.then_some(50);
                }
                ranks[13] = in_now.then_some(60);
                models.push(model(&format!("org{index}/m"), 7, "mit", kinds[kind], downloads, ranks));
            }
            let query = DiscoverQuery::new("text-generation");
            let discovery = discover(&world(models), &[], &query);
            let mut naive: Vec<String> = Vec::new();
            for (index, &(then, now, in_then, in_now, kind)) in specs.iter().enumerate() {
                if kind == 2 {
                    continue;
                }
                let entered = in_now && !in_then;
                let grew = now >= 1_000 && then > 0 && now as f64 / then as f64 >= 2.0;
                if entered || grew {
                    naive.push(format!("org{index}/m"));
                }
            }
            let mut found: Vec<String> = discovery.found.iter().map(|r| r.id.to_string()).collect();
            let entries = discovery.found.iter().take_while(|r| r.rise == Rise::EnteredWorkingSet).count();
            proptest::prop_assert!(discovery.found[entries..].iter().all(|r| r.rise == Rise::Grew));
            found.sort();
            naive.sort();
            proptest::prop_assert_eq!(found, naive);
        }
    }
}
