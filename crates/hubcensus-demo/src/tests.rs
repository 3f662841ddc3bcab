//! Calibration, determinism and invariant tests of the world, measured on the records it emits
//! (not on its internals) wherever the figure is about records.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

use hubcensus_model::{ModelRecord, Relation, Timestamp};
use proptest::prelude::*;

use crate::{DemoError, Story, TOP_K, World, WorldConfig};

fn world(models: usize, weeks: usize, seed: u64) -> World {
    World::new(WorldConfig {
        models,
        weeks,
        seed,
        start: WorldConfig::default_start(),
    })
    .unwrap()
}

fn records(world: &World, week: usize) -> Vec<ModelRecord> {
    world.snapshot(week).unwrap().flatten().collect()
}

/// Figures of a 200,000-model world's first window, computed once from its records.
struct Calibration {
    models: usize,
    under_200: usize,
    top_share: f64,
    with_lineage: usize,
    relations: BTreeMap<Relation, usize>,
    merges_with_one_parent: usize,
    /// Models per namespace, descending.
    namespace_counts: Vec<usize>,
    namespaces: BTreeSet<String>,
    legacy: usize,
    sentinel: usize,
}

fn calibration() -> &'static Calibration {
    static CALIBRATION: OnceLock<Calibration> = OnceLock::new();
    CALIBRATION.get_or_init(|| {
        let world = world(200_000, 2, 7);
        let before: BTreeMap<String, u64> = world
            .snapshot(0)
            .unwrap()
            .flatten()
            .map(|r| (r.object_id.unwrap(), r.downloads_all_time.unwrap()))
            .collect();
        let window_start = world.as_of(0);
        let mut window = Vec::new();
        let mut calibration = Calibration {
            models: 0,
            under_200: 0,
            top_share: 0.0,
            with_lineage: 0,
            relations: BTreeMap::new(),
            merges_with_one_parent: 0,
            namespace_counts: Vec::new(),
            namespaces: BTreeSet::new(),
            legacy: 0,
            sentinel: 0,
        };
        let mut per_namespace: BTreeMap<String, usize> = BTreeMap::new();
        for record in world.snapshot(1).unwrap().flatten() {
            let all_time = record.downloads_all_time.unwrap();
            calibration.models += 1;
            calibration.under_200 += usize::from(all_time < 200);
            // METHODS.md §2: in both snapshots, difference; new since t0, all of it.
            match before.get(record.object_id.as_ref().unwrap()) {
                Some(&earlier) => window.push(all_time.saturating_sub(earlier)),
                None if record.created_at.is_some_and(|c| c > window_start) => {
                    window.push(all_time);
                }
                None => {}
            }
            if let Some(lineage) = &record.lineage {
                calibration.with_lineage += 1;
                *calibration.relations.entry(lineage.relation).or_default() += 1;
                if lineage.relation == Relation::Merge && lineage.parents.len() < 2 {
                    calibration.merges_with_one_parent += 1;
                }
            }
            match record.author() {
                Some(namespace) => *per_namespace.entry(namespace.to_owned()).or_default() += 1,
                None => calibration.legacy += 1,
            }
            calibration.sentinel += usize::from(record.created_at.is_none());
        }
        let total: u64 = window.iter().sum();
        window.sort_unstable_by(|a, b| b.cmp(a));
        calibration.top_share = window.iter().take(TOP_K).sum::<u64>() as f64 / total as f64;
        calibration.namespace_counts = per_namespace.values().copied().collect();
        calibration
            .namespace_counts
            .sort_unstable_by(|a, b| b.cmp(a));
        calibration.namespaces = per_namespace.into_keys().collect();
        calibration
    })
}

#[test]
fn about_half_the_models_have_under_200_all_time_downloads() {
    let c = calibration();
    let share = c.under_200 as f64 / c.models as f64;
    assert!((0.4..=0.6).contains(&share), "{share}");
}

#[test]
fn the_top_200_hold_about_half_of_a_weeks_downloads() {
    let share = calibration().top_share;
    assert!((0.4..=0.6).contains(&share), "{share}");
}

#[test]
fn lineage_share_and_relation_mix_match_the_published_figures() {
    let c = calibration();
    let share = c.with_lineage as f64 / c.models as f64;
    assert!((0.25..=0.31).contains(&share), "lineage share {share}");
    for (relation, target) in crate::RELATION_MIX {
        let observed =
            c.relations.get(&relation).copied().unwrap_or(0) as f64 / c.with_lineage as f64;
        assert!(
            (observed - target).abs() <= 0.03,
            "{relation}: {observed} vs {target}"
        );
    }
    assert_eq!(c.merges_with_one_parent, 0);
    assert!(c.relations[&Relation::Merge] > 0);
}

#[test]
fn namespaces_follow_a_zipf_law_with_real_labs_hubs_and_synthetic_individuals() {
    let c = calibration();
    // Least-squares slope of log(count) on log(rank) over ranks 1..=1000.
    let points: Vec<(f64, f64)> = c
        .namespace_counts
        .iter()
        .take(1000)
        .enumerate()
        .map(|(rank, &count)| (((rank + 1) as f64).ln(), (count as f64).ln()))
        .collect();
    let n = points.len() as f64;
    let mean_x = points.iter().map(|p| p.0).sum::<f64>() / n;
    let mean_y = points.iter().map(|p| p.1).sum::<f64>() / n;
    let slope = points
        .iter()
        .map(|p| (p.0 - mean_x) * (p.1 - mean_y))
        .sum::<f64>()
        / points.iter().map(|p| (p.0 - mean_x).powi(2)).sum::<f64>();
    assert!((-1.1..=-0.6).contains(&slope), "slope {slope}");
    for namespace in [
        "meta-llama",
        "Qwen",
        "deepseek-ai",
        "google",
        "moonshotai",
        "bartowski",
        "unsloth",
        "mlx-community",
    ] {
        assert!(c.namespaces.contains(namespace), "{namespace}");
    }
    let synthetic = c
        .namespaces
        .iter()
        .filter(|n| n.starts_with("demo-user-") || n.starts_with("demo-team-"))
        .count();
    assert!(synthetic * 10 > c.namespaces.len() * 9, "{synthetic}");
    // Every namespace is a known lab or hub, or synthetic.
    let known: BTreeSet<&str> = crate::vocabulary::LABS
        .iter()
        .map(|lab| lab.namespace)
        .chain(crate::vocabulary::HUBS.iter().copied())
        .collect();
    for namespace in &c.namespaces {
        assert!(
            known.contains(namespace.as_str()) || namespace.starts_with("demo-"),
            "{namespace}"
        );
    }
}

#[test]
fn a_few_legacy_ids_and_sentinel_creation_dates() {
    let c = calibration();
    assert!(c.legacy > 0 && c.legacy * 100 < c.models, "{}", c.legacy);
    assert!(
        c.sentinel >= c.legacy && c.sentinel * 10 < c.models,
        "{}",
        c.sentinel
    );
}

fn digest(records: &[ModelRecord]) -> u64 {
    let mut hasher = DefaultHasher::new();
    format!("{records:?}").hash(&mut hasher);
    hasher.finish()
}

#[test]
fn same_seed_same_records_and_weeks_are_independent() {
    let first = world(3_000, 4, 42);
    let second = world(3_000, 4, 42);
    // Week 3 first, on a world that never generated weeks 0-2.
    let late = records(&second, 3);
    for week in 0..4 {
        assert_eq!(
            digest(&records(&first, week)),
            digest(&records(&second, week)),
            "week {week}"
        );
    }
    assert_eq!(digest(&late), digest(&records(&first, 3)));
    let other = world(3_000, 4, 43);
    assert_ne!(digest(&records(&first, 3)), digest(&records(&other, 3)));
}

#[test]
fn chunks_are_bounded_and_their_concatenation_does_not_depend_on_the_chunk_size() {
    let world = world(2_000, 2, 5);
    let chunks: Vec<Vec<ModelRecord>> = world.snapshot_chunked(1, 300).unwrap().collect();
    assert!(chunks.len() > 1 && chunks.iter().all(|c| !c.is_empty() && c.len() <= 300));
    let joined: Vec<ModelRecord> = chunks.into_iter().flatten().collect();
    assert_eq!(joined, records(&world, 1));
    assert_eq!(joined.len(), world.models_in(1));
}

#[test]
fn ids_are_unique_object_ids_are_24_hex_and_renames_keep_the_object_id() {
    let world = world(20_000, 13, 3);
    let mut names: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut previous: BTreeSet<String> = BTreeSet::new();
    let mut disappeared = 0;
    for week in 0..13 {
        let records = records(&world, week);
        let mut ids = BTreeSet::new();
        let mut object_ids = BTreeSet::new();
        let mut new = 0;
        for record in &records {
            let object_id = record.object_id.clone().unwrap();
            assert!(
                object_id.len() == 24 && object_id.bytes().all(|b| b.is_ascii_hexdigit()),
                "{object_id}"
            );
            assert!(
                ids.insert(record.id.to_string()),
                "duplicate id {}",
                record.id
            );
            assert!(object_ids.insert(object_id.clone()));
            names
                .entry(object_id.clone())
                .or_default()
                .insert(record.id.to_string());
            if week > 0 && !previous.contains(&object_id) {
                new += 1;
                let created = record.created_at.unwrap();
                assert!(created > world.as_of(week - 1) && created <= world.as_of(week));
            }
            assert!(record.downloads_30d.unwrap() <= record.downloads_all_time.unwrap());
        }
        if week > 0 {
            assert!(new > 0, "no new models in week {week}");
            disappeared += previous.difference(&object_ids).count();
        }
        previous = object_ids;
    }
    assert!(disappeared > 0);
    let renamed: Vec<&BTreeSet<String>> = names.values().filter(|n| n.len() > 1).collect();
    assert!(!renamed.is_empty());
    for ids in renamed {
        assert_eq!(ids.len(), 2, "{ids:?}");
        let mut ids = ids.iter();
        let (old, new) = (ids.next().unwrap(), ids.next().unwrap());
        assert_eq!(format!("{old}-renamed"), *new);
    }
}

#[test]
fn parents_are_present_and_older_than_their_children() {
    let world = world(20_000, 2, 9);
    let records = records(&world, 1);
    let created: BTreeMap<String, Option<Timestamp>> = records
        .iter()
        .map(|r| (r.id.to_string(), r.created_at))
        .collect();
    let mut checked = 0;
    for record in &records {
        let Some(lineage) = &record.lineage else {
            continue;
        };
        for parent in &lineage.parents {
            let parent_created = created
                .get(parent.as_str())
                .unwrap_or_else(|| panic!("parent {parent} of {} missing", record.id));
            if let (Some(parent_created), Some(child)) = (parent_created, record.created_at) {
                assert!(child > *parent_created, "{} before {parent}", record.id);
            }
            let tag = format!("base_model:{}:{parent}", lineage.relation);
            assert!(record.tags.as_ref().unwrap().contains(&tag), "{tag}");
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[test]
fn the_planted_stories_happen() {
    // Ranks by window downloads, from the world's own counts (cheaper than records).
    let world = world(50_000, 13, 1);
    let stories: BTreeMap<Story, u32> = world.stories.iter().copied().collect();
    let rank_of = |week: usize, target: u32| -> Option<usize> {
        let mut window: Vec<(u64, u32)> = Vec::new();
        for (index, slot) in world.slots.iter().enumerate() {
            let index = u32::try_from(index).unwrap();
            if !slot.is_alive(week) {
                continue;
            }
            let now = crate::records::downloads(&world, index, week).all_time;
            let before = if slot.is_alive(week - 1) {
                crate::records::downloads(&world, index, week - 1).all_time
            } else {
                0
            };
            window.push((now.saturating_sub(before), index));
        }
        window.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        window.iter().position(|&(_, index)| index == target)
    };
    let declining = stories[&Story::DecliningDefault];
    assert!(rank_of(1, declining).unwrap() < TOP_K);
    assert!(rank_of(12, declining).unwrap() >= TOP_K);
    let china = stories[&Story::RisingChinaRelease];
    assert!(rank_of(12, china).unwrap() < 20);
    let team = stories[&Story::SmallTeamRelease];
    assert!(rank_of(12, team).unwrap() < TOP_K);
    let models = world.stories();
    assert_eq!(models.len(), 3);
    // Story models carry no slot tag: the README's examples name them as written.
    let ids: Vec<&str> = models.iter().map(|model| model.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "meta-llama/Llama-3.1-8B-Instruct",
            "moonshotai/Kimi-K2-32B-Instruct",
            "demo-team-aurora/aurora-8B-Instruct"
        ]
    );
    // The synthetic accounts have the kinds enrich would record; real namespaces are left out.
    let accounts = world.accounts();
    assert!(accounts.contains(&("demo-team-aurora".to_owned(), "organization")));
    assert!(
        accounts
            .iter()
            .any(|(name, kind)| name.starts_with("demo-user-") && *kind == "user")
    );
    assert!(accounts.iter().all(|(name, _)| name.starts_with("demo-")));
}

#[test]
fn configuration_errors_are_reported() {
    let config = |models, weeks| WorldConfig {
        models,
        weeks,
        ..WorldConfig::default()
    };
    assert!(matches!(
        World::new(config(0, 13)),
        Err(DemoError::Models { .. })
    ));
    assert!(matches!(
        World::new(config(10, 0)),
        Err(DemoError::Weeks { .. })
    ));
    let world = World::new(config(10, 2)).unwrap();
    assert_eq!(
        world.snapshot(2).unwrap_err().to_string(),
        "week 2 is outside the world's 2 weekly snapshots (0 to 1)"
    );
    // Tiny worlds work: one week, one model.
    let tiny = World::new(config(1, 1)).unwrap();
    // One model and the three planted stories, all present in the only week.
    assert_eq!(records(&tiny, 0).len(), 4);
}

#[test]
fn planted_falling_models_fall_once() {
    let world = world(50_000, 13, 11);
    let planted: BTreeSet<String> = world.planted_falling().into_iter().collect();
    assert!(!planted.is_empty());
    let mut last: BTreeMap<String, u64> = BTreeMap::new();
    let mut falls = 0;
    for week in 0..13 {
        for record in world.snapshot(week).unwrap().flatten() {
            let key = record.object_id.unwrap();
            if !planted.contains(&key) {
                continue;
            }
            let now = record.downloads_all_time.unwrap();
            if last.get(&key).is_some_and(|&before| now < before) {
                falls += 1;
            }
            last.insert(key, now);
        }
    }
    assert!(
        falls > 0 && falls <= planted.len(),
        "{falls} of {}",
        planted.len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// All-time downloads never decrease from one week to the next, except for the planted
    /// falling models (which do fall when they had anything to lose).
    #[test]
    fn all_time_downloads_are_cumulative_except_planted_falls(seed in any::<u64>(), models in 500usize..3_000) {
        let world = world(models, 8, seed);
        let planted: BTreeSet<String> = world.planted_falling().into_iter().collect();
        let mut last: BTreeMap<String, u64> = BTreeMap::new();
        for week in 0..8 {
            for record in world.snapshot(week).unwrap().flatten() {
                let key = record.object_id.unwrap();
                let now = record.downloads_all_time.unwrap();
                if let Some(&before) = last.get(&key) {
                    prop_assert!(now >= before || planted.contains(&key), "{key}: {before} -> {now}");
                }
                last.insert(key, now);
            }
        }
    }
}
