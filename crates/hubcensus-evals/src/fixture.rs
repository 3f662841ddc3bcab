//! Fixture worlds for the decision tests: small, hand-written, with the right answer known.

use hubcensus_model::{ContributorType, ModelId, Timestamp};

use crate::{EvalRecord, ModelEvidence, World};

pub const WEEKS: usize = 14;

pub fn id(text: &str) -> ModelId {
    ModelId::new(text).unwrap()
}

pub fn weeks() -> Vec<Timestamp> {
    let last = Timestamp::parse("2026-08-23").unwrap();
    (0..WEEKS as i64)
        .map(|week| last.plus_days(-7 * (WEEKS as i64 - 1 - week)))
        .collect()
}

pub fn model(
    name: &str,
    billions: u64,
    license: &str,
    contributor: ContributorType,
    downloads: [u64; WEEKS],
    ranks: [Option<u32>; WEEKS],
) -> ModelEvidence {
    let mut model = ModelEvidence::new(id(name));
    model.task = Some("text-generation".into());
    model.parameters = Some(billions * 1_000_000_000);
    model.license = Some(license.into());
    model.contributor = Some(contributor);
    model.organization = model.id.namespace().map(str::to_owned);
    model.created_at = Some(Timestamp::parse("2025-01-01").unwrap());
    model.weekly_downloads = downloads.iter().map(|&d| Some(d)).collect();
    model.weekly_ranks = ranks.to_vec();
    model.weekly_likes = (0..WEEKS as u64).map(|w| Some(100 + w)).collect();
    model
}

pub fn world(models: Vec<ModelEvidence>) -> World {
    World {
        weeks: weeks(),
        working_set_size: 200,
        task_downloads: [("text-generation".to_owned(), 10_000_000)].into(),
        models,
        provenance: "fixture".into(),
    }
}

pub fn score(model: &str, benchmark: &str, value: f64) -> EvalRecord {
    EvalRecord {
        matched: None,
        model: model.into(),
        hub_id: Some(id(model)),
        benchmark: benchmark.into(),
        metric: "normalized score".into(),
        value,
        setting: None,
        higher_is_better: true,
        source: "Open LLM Leaderboard v2".into(),
        date: Some("2025-02-01".into()),
        format: "open-llm-leaderboard".into(),
    }
}

pub fn flat(value: u64) -> [u64; WEEKS] {
    [value; WEEKS]
}

pub fn ranked(rank: u32) -> [Option<u32>; WEEKS] {
    [Some(rank); WEEKS]
}

/// In the working set at `rank` for the first `weeks_in` weeks, then out.
pub fn left_after(rank: u32, weeks_in: usize) -> [Option<u32>; WEEKS] {
    let mut ranks = [None; WEEKS];
    for slot in ranks.iter_mut().take(weeks_in) {
        *slot = Some(rank);
    }
    ranks
}
