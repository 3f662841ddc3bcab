//! A realistic small report view, written by hand: 13 weekly windows, a top-10 working set,
//! both origin modes. The numbers are made up but consistent (shares sum to one, ranks are a
//! permutation), so the rendered report reads like a real one.

use hubcensus_report::{
    ActionItem, ActionList, Actions, BaseRow, Builders, Concentration, DataQuality, Derivatives,
    FamilyRow, Figure, Filter, Geography, Move, OriginView, Population, RankChange, RelationCount,
    RelationShare, ReportView, Series, SeriesGroup, ShareRow, ShareTable, SnapshotRef, Unit,
    WindowQuality, WorkingSet, WorkingSetRow,
};

pub const WEEKS: [&str; 13] = [
    "2026-01-04",
    "2026-01-11",
    "2026-01-18",
    "2026-01-25",
    "2026-02-01",
    "2026-02-08",
    "2026-02-15",
    "2026-02-22",
    "2026-03-01",
    "2026-03-08",
    "2026-03-15",
    "2026-03-22",
    "2026-03-29",
];

pub const METHODOLOGY: &str = "# How the figures are computed

Window downloads are the difference of `downloadsAllTime` between two weekly snapshots.
Models seen only in the later snapshot count when they were created inside the window.

- Negative differences are kept as data and counted as **zero** in every aggregate.
- Unattributed downloads stay in the denominator.

## Sources

The download counts come from the [Hub API](https://huggingface.co/docs/hub/api).
";

fn population(models: &str, attribution: &str, coverage: Option<f64>) -> Population {
    Population {
        models: models.to_owned(),
        downloads: "downloadsAllTime difference".to_owned(),
        window: "week ending 2026-03-29 (7 days)".to_owned(),
        attribution: attribution.to_owned(),
        coverage,
    }
}

fn weekly(models: &str, attribution: &str) -> Population {
    Population {
        window: "13 weekly windows, 2025-12-28 to 2026-03-29".to_owned(),
        ..population(models, attribution, Some(0.913))
    }
}

const ALL_MODELS: &str = "all 204,512 models present in both snapshots or new in the window";

fn share_table(dimension: &str, rows: &[(&str, u64, u64)], attribution: &str) -> ShareTable {
    let total: u64 = rows.iter().map(|r| r.2).sum();
    ShareTable {
        dimension: dimension.to_owned(),
        population: population(ALL_MODELS, attribution, Some(0.913)),
        total_downloads: total,
        rows: rows
            .iter()
            .map(|(group, models, downloads)| ShareRow {
                group: (*group).to_owned(),
                models: *models,
                downloads: *downloads,
                share: Some(*downloads as f64 / total as f64),
            })
            .collect(),
    }
}

/// A share series whose groups drift linearly from `start` to `end` shares (each sums to 1).
fn drifting(title: &str, names: &[&str], start: &[f64], end: &[f64], attribution: &str) -> Series {
    let last = (WEEKS.len() - 1) as f64;
    Series {
        title: title.to_owned(),
        unit: Unit::Share,
        population: weekly(ALL_MODELS, attribution),
        periods: WEEKS.iter().map(|w| (*w).to_owned()).collect(),
        groups: names
            .iter()
            .enumerate()
            .map(|(g, name)| SeriesGroup {
                name: (*name).to_owned(),
                values: (0..WEEKS.len())
                    .map(|w| Some(start[g] + (end[g] - start[g]) * w as f64 / last))
                    .collect(),
            })
            .collect(),
    }
}

fn origin(mode: &str, tilt: f64) -> OriginView {
    let attribution = format!("origin: {mode}");
    let regions = [
        ("US", 61_204, 41_200_000.0 - tilt),
        ("China", 18_733, 24_600_000.0 + tilt),
        ("Europe", 22_410, 12_900_000.0),
        ("Other", 9_871, 4_100_000.0),
        ("unattributed", 92_294, 8_000_000.0),
    ];
    let rows: Vec<(&str, u64, u64)> = regions
        .iter()
        .map(|(name, models, downloads)| (*name, *models, *downloads as u64))
        .collect();
    let countries = [
        ("US", 61_204, 41_200_000.0 - tilt),
        ("CN", 18_733, 24_600_000.0 + tilt),
        ("FR", 8_120, 6_300_000.0),
        ("DE", 7_012, 3_900_000.0),
        ("GB", 7_278, 2_700_000.0),
        ("CA", 3_102, 1_600_000.0),
        ("KR", 2_544, 1_300_000.0),
        ("JP", 4_225, 1_200_000.0),
        ("unattributed", 92_294, 8_000_000.0),
    ];
    let country_rows: Vec<(&str, u64, u64)> = countries
        .iter()
        .map(|(name, models, downloads)| (*name, *models, *downloads as u64))
        .collect();
    OriginView {
        mode: mode.to_owned(),
        regions: share_table("Region", &rows, &attribution),
        countries: share_table("Country", &country_rows, &attribution),
        regions_over_time: drifting(
            &format!("Share of weekly downloads by region (origin: {mode})"),
            &["US", "China", "Europe", "Other", "unattributed"],
            &[0.52, 0.20, 0.14, 0.04, 0.10],
            &[0.455, 0.272, 0.142, 0.045, 0.086],
            &attribution,
        ),
    }
}

fn figure(id: &str, label: &str, value: Option<f64>, unit: Unit, population: Population) -> Figure {
    Figure {
        id: id.to_owned(),
        label: label.to_owned(),
        value,
        unit,
        population,
        note: None,
    }
}

const TOP: [(&str, u64, RankChange, &str, &str, &str); 10] = [
    (
        "Qwen/Qwen2.5-7B-Instruct",
        9_812_334,
        RankChange::Same,
        "CN",
        "CN",
        "industry",
    ),
    (
        "meta-llama/Llama-3.1-8B-Instruct",
        8_410_009,
        RankChange::Up(1),
        "US",
        "US",
        "industry",
    ),
    (
        "sentence-transformers/all-MiniLM-L6-v2",
        8_390_120,
        RankChange::Down(1),
        "unattributed",
        "unattributed",
        "community",
    ),
    (
        "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",
        4_120_877,
        RankChange::Up(3),
        "CN",
        "CN",
        "industry",
    ),
    (
        "google/gemma-3-4b-it",
        3_950_441,
        RankChange::Same,
        "US",
        "US",
        "industry",
    ),
    (
        "openai-community/gpt2",
        3_001_200,
        RankChange::Down(2),
        "US",
        "US",
        "industry",
    ),
    (
        "bartowski/Qwen2.5-7B-Instruct-GGUF",
        2_804_113,
        RankChange::New,
        "unattributed",
        "CN",
        "individual",
    ),
    (
        "mistralai/Mistral-7B-Instruct-v0.3",
        2_400_785,
        RankChange::Down(1),
        "FR",
        "FR",
        "industry",
    ),
    (
        "allenai/OLMo-2-1124-7B",
        1_920_004,
        RankChange::Up(5),
        "US",
        "US",
        "nonprofit",
    ),
    (
        "FacebookAI/roberta-base",
        1_800_000,
        RankChange::Down(3),
        "US",
        "US",
        "industry",
    ),
];

#[must_use]
pub fn view() -> ReportView {
    let total_week = 90_800_000.0;
    let top_sum: u64 = TOP.iter().map(|t| t.1).sum();
    let working_population = population(
        "the 10 models with the most window downloads (k = 10)",
        "origin: uploader and lineage",
        Some(0.913),
    );
    ReportView {
        title: "State of Open Source on the Hugging Face Hub, Q1 2026".to_owned(),
        period: "13 weeks ending 2026-03-29".to_owned(),
        synthetic: false,
        partial: None,
        generator: "hubcensus 0.1.0".to_owned(),
        snapshots: WEEKS
            .iter()
            .enumerate()
            .map(|(index, week)| SnapshotRef {
                id: format!("snap-{week}"),
                taken_at: format!("{week}T23:59:00Z"),
                source: "hub-stats import".to_owned(),
                models: 190_000 + 1_120 * index as u64,
            })
            .collect(),
        registry_version: "registry 2026.03 (sha256 3f2a9c01)".to_owned(),
        filters: vec![Filter {
            name: "library".to_owned(),
            value: "transformers".to_owned(),
        }],
        headline: vec![
            figure(
                "top_k_share",
                "Top-10 share of weekly downloads",
                Some(top_sum as f64 / total_week),
                Unit::Share,
                population(ALL_MODELS, "not attributed", None),
            ),
            figure(
                "china_share_lineage",
                "China's share of weekly downloads (lineage origin)",
                Some(0.272),
                Unit::Share,
                population(ALL_MODELS, "origin: lineage", Some(0.913)),
            ),
            figure(
                "long_tail",
                "Models with fewer than 200 all-time downloads",
                Some(0.512),
                Unit::Share,
                Population {
                    downloads: "downloadsAllTime at 2026-03-29".to_owned(),
                    ..population("all 204,512 models in the snapshot of 2026-03-29", "not attributed", None)
                },
            ),
            figure(
                "gini",
                "Gini coefficient of weekly downloads",
                Some(0.971_234_5),
                Unit::Coefficient,
                population(ALL_MODELS, "not attributed", None),
            ),
        ],
        geography: Geography {
            origins: vec![origin("uploader", 0.0), origin("lineage", 1_400_000.0)],
        },
        builders: Builders {
            types: share_table(
                "Contributor type",
                &[
                    ("industry", 31_044, 58_300_000),
                    ("academic", 9_310, 4_200_000),
                    ("nonprofit", 2_101, 5_100_000),
                    ("government", 88, 90_000),
                    ("community", 5_742, 9_600_000),
                    ("individual", 140_220, 11_200_000),
                    ("unclassified organization", 16_007, 2_310_000),
                ],
                "contributor type of the uploader",
            ),
            types_over_time: drifting(
                "Share of weekly downloads by contributor type",
                &["industry", "academic", "nonprofit", "community", "individual", "unclassified organization"],
                &[0.66, 0.05, 0.05, 0.10, 0.11, 0.03],
                &[0.642, 0.046, 0.056, 0.106, 0.124, 0.026],
                "contributor type of the uploader",
            ),
            credible_releases: Series {
                title: "Credible releases per quarter of creation".to_owned(),
                unit: Unit::Count,
                population: Population {
                    window: "models created 2025-Q2 to 2026-Q1".to_owned(),
                    ..weekly("models that entered the weekly top 10 within 90 days of creation", "contributor type of the uploader")
                },
                periods: vec!["2025-Q2".into(), "2025-Q3".into(), "2025-Q4".into(), "2026-Q1".into()],
                groups: vec![
                    SeriesGroup { name: "industry".into(), values: vec![Some(14.0), Some(17.0), Some(12.0), Some(9.0)] },
                    SeriesGroup { name: "academic".into(), values: vec![Some(1.0), Some(0.0), Some(2.0), Some(1.0)] },
                    SeriesGroup { name: "community".into(), values: vec![Some(3.0), Some(4.0), Some(2.0), Some(5.0)] },
                    SeriesGroup { name: "individual".into(), values: vec![Some(6.0), Some(5.0), Some(8.0), Some(7.0)] },
                ],
            },
        },
        concentration: Concentration {
            figures: vec![
                figure("n50", "N50: models holding half of the downloads", Some(214.0), Unit::Count, population(ALL_MODELS, "not attributed", None)),
                figure("n80", "N80", Some(2_871.0), Unit::Count, population(ALL_MODELS, "not attributed", None)),
                figure("n90", "N90", Some(9_402.0), Unit::Count, population(ALL_MODELS, "not attributed", None)),
                figure("gini", "Gini (all models)", Some(0.971_234_5), Unit::Coefficient, population(ALL_MODELS, "not attributed", None)),
                figure("gini_positive", "Gini (models with downloads)", Some(0.902_1), Unit::Coefficient, population("the 81,950 models with at least one download in the window", "not attributed", None)),
                figure("hhi_authors", "HHI over authors", Some(612.402), Unit::Hhi, population(ALL_MODELS, "grouped by author namespace", None)),
                figure("hhi_countries", "HHI over countries", Some(2_710.9), Unit::Hhi, population(ALL_MODELS, "origin: uploader; unattributed as one group", Some(0.913))),
            ],
            top_k_share_over_time: Series {
                title: "Top-10 share of weekly downloads".to_owned(),
                unit: Unit::Share,
                population: weekly(ALL_MODELS, "not attributed"),
                periods: WEEKS.iter().map(|w| (*w).to_owned()).collect(),
                groups: vec![SeriesGroup {
                    name: "top-10 share".to_owned(),
                    values: (0..WEEKS.len()).map(|w| Some(0.53 - 0.004 * w as f64)).collect(),
                }],
            },
            lorenz: (0..=20)
                .map(|i| {
                    let x = f64::from(i) / 20.0;
                    [x, x.powi(12)]
                })
                .collect(),
            lorenz_population: population(ALL_MODELS, "not attributed", None),
        },
        working_set: WorkingSet {
            k: 10,
            week: "week ending 2026-03-29".to_owned(),
            population: working_population.clone(),
            share_of_downloads: Some(top_sum as f64 / total_week),
            churn: Some(0.1),
            rows: TOP
                .iter()
                .enumerate()
                .map(|(index, (model, downloads, change, country, lineage, kind))| WorkingSetRow {
                    rank: index as u64 + 1,
                    model: (*model).to_owned(),
                    change: *change,
                    downloads: *downloads,
                    country: (*country).to_owned(),
                    lineage_country: (*lineage).to_owned(),
                    contributor_type: (*kind).to_owned(),
                })
                .collect(),
            entries: vec![Move {
                model: "bartowski/Qwen2.5-7B-Instruct-GGUF".into(),
                rank: 7,
                downloads: 2_804_113,
                contributor_type: "individual".into(),
            }],
            exits: vec![Move {
                model: "google-bert/bert-base-uncased".into(),
                rank: 9,
                downloads: 1_650_220,
                contributor_type: "industry".into(),
            }],
            families: vec![
                FamilyRow { rank: 1, base: "Qwen/Qwen2.5-7B".into(), members: 4_210, downloads: 15_300_112, share: Some(15_300_112.0 / total_week) },
                FamilyRow { rank: 2, base: "meta-llama/Llama-3.1-8B".into(), members: 6_877, downloads: 11_020_300, share: Some(11_020_300.0 / total_week) },
                FamilyRow { rank: 3, base: "sentence-transformers/all-MiniLM-L6-v2".into(), members: 312, downloads: 8_500_001, share: Some(8_500_001.0 / total_week) },
            ],
        },
        derivatives: Derivatives {
            population: Population {
                downloads: "not used (lineage edges)".to_owned(),
                window: "snapshot of 2026-03-29".to_owned(),
                ..population("the 57,263 models with declared lineage (28.0% of 204,512)", "not attributed", None)
            },
            top_bases: vec![
                BaseRow {
                    model: "meta-llama/Llama-3.1-8B-Instruct".into(),
                    direct: 5_120,
                    total: 7_944,
                    by_relation: vec![
                        RelationCount { relation: "adapter".into(), count: 2_301 },
                        RelationCount { relation: "finetune".into(), count: 1_702 },
                        RelationCount { relation: "quantized".into(), count: 1_011 },
                        RelationCount { relation: "merge".into(), count: 106 },
                    ],
                },
                BaseRow {
                    model: "Qwen/Qwen2.5-7B-Instruct".into(),
                    direct: 3_980,
                    total: 6_210,
                    by_relation: vec![
                        RelationCount { relation: "adapter".into(), count: 1_500 },
                        RelationCount { relation: "finetune".into(), count: 1_480 },
                        RelationCount { relation: "quantized".into(), count: 930 },
                        RelationCount { relation: "merge".into(), count: 70 },
                    ],
                },
                BaseRow {
                    model: "mistralai/Mistral-7B-v0.1".into(),
                    direct: 2_702,
                    total: 5_003,
                    by_relation: vec![
                        RelationCount { relation: "finetune".into(), count: 1_390 },
                        RelationCount { relation: "adapter".into(), count: 1_010 },
                        RelationCount { relation: "merge".into(), count: 302 },
                    ],
                },
            ],
            relation_mix: [("adapter", 24_622u64), ("finetune", 20_615), ("quantized", 10_880), ("merge", 1_146)]
                .iter()
                .map(|(relation, edges)| RelationShare {
                    relation: (*relation).to_owned(),
                    edges: *edges,
                    share: Some(*edges as f64 / 57_263.0),
                })
                .collect(),
            cycles: 2,
        },
        actions: Actions {
            review_defaults: ActionList {
                title: "Well-known defaults that left the working set".into(),
                rationale: "These models were in the working set for at least 8 of the last 13 weeks and are no longer: if your stack defaults to one, check what replaced it.".into(),
                population: working_population.clone(),
                items: vec![ActionItem {
                    model: "google-bert/bert-base-uncased".into(),
                    detail: "in the top 10 for 12 of 13 weeks; rank 9 last week; 1.7M downloads".into(),
                }],
            },
            evaluate_newcomers: ActionList {
                title: "Small-team releases that entered the working set".into(),
                rationale: "Released by individuals or small organizations and already in the working set: candidates to evaluate.".into(),
                population: working_population.clone(),
                items: vec![ActionItem {
                    model: "bartowski/Qwen2.5-7B-Instruct-GGUF".into(),
                    detail: "individual; entered at rank 7; 2.8M downloads".into(),
                }],
            },
            track: ActionList {
                title: "The 10 to track".into(),
                rationale: "The current working set: the models that carry most of the week's downloads.".into(),
                population: working_population,
                items: TOP
                    .iter()
                    .map(|t| ActionItem { model: t.0.to_owned(), detail: String::new() })
                    .collect(),
            },
        },
        data_quality: DataQuality {
            // The fixture's quality table has one missed week (no snapshot on 2026-02-15).
            windows: WEEKS
                .iter()
                .filter(|week| **week != "2026-02-15")
                .collect::<Vec<_>>()
                .windows(2)
                .enumerate()
                .map(|(index, pair)| WindowQuality {
                    window: format!("{} to {}", pair[0], pair[1]),
                    days: if index == 5 { 14 } else { 7 },
                    missed_week: index == 5,
                    unmatched: 12 + index as u64,
                    disappeared: 310 + 7 * index as u64,
                    negative: u64::from(index % 4 == 1),
                    negative_downloads: if index % 4 == 1 { 4_210 } else { 0 },
                })
                .collect(),
            country_coverage: Some(0.913),
            type_coverage: Some(0.974),
            notes: vec!["The snapshot of 2026-02-15 is missing: the window 2026-02-08 to 2026-02-22 spans 14 days.".into()],
        },
        methodology: METHODOLOGY.to_owned(),
    }
}
