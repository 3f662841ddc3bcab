//! The report's sections, one function each, over the computed windows ([`Inputs`]).

use std::collections::BTreeSet;

use hubcensus_analytics::concentration::Hhi;
use hubcensus_analytics::series::WindowFigures;
use hubcensus_analytics::shares::{self, Origin, Shares};
use hubcensus_analytics::working_set::family_sizes;
use hubcensus_analytics::{Measure, lineage};
use hubcensus_model::{Attribution, ContributorType, Relation, Timestamp};
use hubcensus_registry::LineageOrigin;
use hubcensus_report as rv;

use super::{Inputs, population};

/// A figure of the report; undefined (with the reason) when the value is missing.
fn figure(
    id: &str,
    label: &str,
    value: Option<f64>,
    unit: rv::Unit,
    population: rv::Population,
) -> rv::Figure {
    rv::Figure {
        id: id.to_owned(),
        label: label.to_owned(),
        value,
        unit,
        population,
        note: value
            .is_none()
            .then(|| "undefined: the population has no downloads in the window".to_owned()),
    }
}

/// [`figure`], with the reason a missing value has (`why`).
fn figure_or(
    id: &str,
    label: &str,
    value: Option<f64>,
    unit: rv::Unit,
    population: rv::Population,
    why: &str,
) -> rv::Figure {
    rv::Figure {
        note: value.is_none().then(|| format!("undefined: {why}")),
        ..figure(id, label, value, unit, population)
    }
}

/// An HHI figure, with a note when some downloads are in no known group (then the HHI is a
/// lower bound).
fn hhi_figure(
    id: &str,
    label: &str,
    hhi: &Hhi,
    no_group: &str,
    grouping: &str,
    window_population: &rv::Population,
) -> rv::Figure {
    rv::Figure {
        note: hhi.unknown_share.filter(|share| *share > 0.0).map(|share| {
            format!(
                "{} of downloads are in no {no_group}; the HHI is a lower bound",
                rv::format::share(Some(share))
            )
        }),
        ..figure(
            id,
            label,
            hhi.value,
            rv::Unit::Hhi,
            rv::Population {
                attribution: grouping.to_owned(),
                ..window_population.clone()
            },
        )
    }
}

/// A share table; its caption's coverage is the one its rows measure (types: the type
/// coverage; countries and regions: the country coverage).
fn share_table(shares: &Shares, dimension: &str) -> rv::ShareTable {
    let coverage = match shares.dimension {
        shares::Dimension::Type => shares.population.coverage_type,
        _ => shares.population.coverage_country,
    };
    rv::ShareTable {
        dimension: dimension.to_owned(),
        population: population(&shares.population, "not attributed", coverage),
        total_downloads: shares.total,
        rows: shares
            .rows
            .iter()
            .map(|row| rv::ShareRow {
                group: row.group.clone(),
                models: row.models,
                downloads: row.downloads,
                share: row.share,
            })
            .collect(),
    }
}

/// One share series over the windows; groups in the order of the last window's rows.
fn share_series(title: &str, windows: &[&Shares], span: &rv::Population) -> rv::Series {
    let mut names: Vec<String> = Vec::new();
    if let Some(last) = windows.last() {
        names.extend(last.rows.iter().map(|row| row.group.clone()));
    }
    let mut seen: BTreeSet<String> = names.iter().cloned().collect();
    for shares in windows {
        for row in &shares.rows {
            if seen.insert(row.group.clone()) {
                names.push(row.group.clone());
            }
        }
    }
    rv::Series {
        title: title.to_owned(),
        unit: rv::Unit::Share,
        population: span.clone(),
        periods: windows
            .iter()
            .map(|s| s.population.to.date_string())
            .collect(),
        groups: names
            .into_iter()
            .map(|name| rv::SeriesGroup {
                values: windows
                    .iter()
                    .map(|shares| {
                        shares
                            .rows
                            .iter()
                            .find(|row| row.group == name)
                            .map_or(Some(0.0), |row| row.share)
                    })
                    .collect(),
                name,
            })
            .collect(),
    }
}

fn contributor_label(contributor: Option<ContributorType>) -> String {
    contributor.map_or_else(
        || shares::UNATTRIBUTED.to_owned(),
        |c| c.as_str().to_owned(),
    )
}

fn country_label(attribution: &Attribution) -> String {
    attribution
        .country
        .clone()
        .unwrap_or_else(|| shares::UNATTRIBUTED.to_owned())
}

pub(super) fn headline(inputs: &Inputs<'_>) -> Vec<rv::Figure> {
    let figures = inputs.figures();
    let k = inputs.query.k;
    let window_population = inputs.window_population();
    let concentration = &figures.concentration;
    let mut headline = vec![
        figure(
            "top_k_share",
            &format!("Top-{k} share of the window's downloads"),
            concentration.top_k_share,
            rv::Unit::Share,
            window_population.clone(),
        ),
        figure(
            "n50",
            "N50: models holding half of the downloads",
            concentration.n50.map(|n| n as f64),
            rv::Unit::Count,
            window_population.clone(),
        ),
        figure(
            "gini",
            "Gini coefficient of window downloads",
            concentration.gini,
            rv::Unit::Coefficient,
            window_population.clone(),
        ),
    ];
    for (origin, table) in &inputs.latest().regions {
        for region in ["US", "China"] {
            let row = table.rows.iter().find(|row| row.group == region);
            headline.push(figure(
                &format!("{}_share_{}", region.to_lowercase(), origin.as_str()),
                &format!(
                    "Share of the window's downloads from {region} ({} origin)",
                    origin.as_str()
                ),
                row.map_or(table.total.gt(&0).then_some(0.0), |row| row.share),
                rv::Unit::Share,
                population(
                    &table.population,
                    "not attributed",
                    table.population.coverage_country,
                ),
            ));
        }
    }
    let no_all_time = figures.population.measure == Measure::ThirtyDay;
    headline.push(figure_or(
        "long_tail",
        "Models with fewer than 200 all-time downloads",
        figures.long_tail_share,
        rv::Unit::Share,
        rv::Population {
            downloads: format!(
                "downloadsAllTime at {}",
                figures.population.to.date_string()
            ),
            ..window_population
        },
        if no_all_time {
            "the snapshot has no all-time download counts (downloadsAllTime)"
        } else {
            "the population has no models"
        },
    ));
    headline
}

pub(super) fn geography(inputs: &Inputs<'_>) -> rv::Geography {
    let latest = inputs.latest();
    let span = inputs.span();
    let origins = latest
        .regions
        .keys()
        .map(|origin| {
            let regions: Vec<&Shares> = inputs.results.iter().map(|r| &r.regions[origin]).collect();
            let attribution = format!("origin: {}", origin.as_str());
            rv::OriginView {
                mode: origin.as_str().to_owned(),
                regions: share_table(&latest.regions[origin], "Region"),
                countries: share_table(&latest.countries[origin], "Country"),
                regions_over_time: share_series(
                    &format!("Share of window downloads by region ({attribution})"),
                    &regions,
                    &rv::Population {
                        attribution: attribution.clone(),
                        coverage: latest.regions[origin].population.coverage_country,
                        ..span.clone()
                    },
                ),
            }
        })
        .collect();
    rv::Geography { origins }
}

pub(super) fn builders(inputs: &Inputs<'_>) -> rv::Builders {
    let k = inputs.query.k;
    let span = inputs.span();
    let latest = inputs.latest();
    let types: Vec<&Shares> = inputs.results.iter().map(|r| &r.types).collect();
    let sets: Vec<(Timestamp, &[u32])> = inputs
        .results
        .iter()
        .map(|r| {
            (
                r.figures.population.to,
                r.figures.working_set.members.as_slice(),
            )
        })
        .collect();
    let credible = shares::credible_releases(
        &sets,
        &inputs.last.created,
        |model| inputs.origin(model).uploader.contributor,
        90,
    );
    let quarters: Vec<String> = credible
        .iter()
        .map(|row| row.quarter.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let contributors: Vec<String> = credible
        .iter()
        .map(|row| row.contributor.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let credible_releases = rv::Series {
        title: format!(
            "Credible releases per quarter of creation (entered the top {k} within 90 days)"
        ),
        unit: rv::Unit::Count,
        population: rv::Population {
            models: format!(
                "models that entered a weekly top {k} within 90 days of creation ({})",
                inputs.query.filter.describe()
            ),
            attribution: "contributor type of the uploader".to_owned(),
            coverage: None,
            ..span.clone()
        },
        periods: quarters.clone(),
        groups: contributors
            .iter()
            .map(|contributor| rv::SeriesGroup {
                name: contributor.clone(),
                values: quarters
                    .iter()
                    .map(|quarter| {
                        Some(
                            credible
                                .iter()
                                .find(|row| {
                                    &row.quarter == quarter && &row.contributor == contributor
                                })
                                .map_or(0.0, |row| row.models as f64),
                        )
                    })
                    .collect(),
            })
            .collect(),
    };
    rv::Builders {
        types: share_table(&latest.types, "Contributor type"),
        types_over_time: share_series(
            "Share of window downloads by contributor type (uploader)",
            &types,
            &rv::Population {
                attribution: "contributor type of the uploader".to_owned(),
                coverage: latest.types.population.coverage_type,
                ..span
            },
        ),
        credible_releases,
    }
}

pub(super) fn concentration(inputs: &Inputs<'_>) -> rv::Concentration {
    let figures = inputs.figures();
    let k = inputs.query.k;
    let concentration = &figures.concentration;
    let window_population = inputs.window_population();
    let span = inputs.span();
    rv::Concentration {
        figures: [
            ("n50", "N50", concentration.n50),
            ("n80", "N80", concentration.n80),
            ("n90", "N90", concentration.n90),
        ]
        .into_iter()
        .map(|(id, label, n)| {
            figure(
                id,
                label,
                n.map(|n| n as f64),
                rv::Unit::Count,
                window_population.clone(),
            )
        })
        .chain([
            figure(
                "gini",
                "Gini (all models)",
                concentration.gini,
                rv::Unit::Coefficient,
                window_population.clone(),
            ),
            figure(
                "gini_nonzero",
                "Gini (models with downloads)",
                concentration.gini_nonzero,
                rv::Unit::Coefficient,
                rv::Population {
                    models: format!(
                        "the {} models with downloads in the window ({})",
                        rv::format::grouped(concentration.nonzero),
                        inputs.query.filter.describe()
                    ),
                    ..window_population.clone()
                },
            ),
            hhi_figure(
                "hhi_authors",
                "HHI over authors",
                &figures.hhi_author,
                "known author group (legacy ids)",
                "grouped by author namespace",
                &window_population,
            ),
            hhi_figure(
                "hhi_organizations",
                "HHI over organizations",
                &inputs.last.hhi_org,
                "known organization (namespaces the registry does not name, unlisted legacy ids)",
                "grouped by the uploader's organization in the registry",
                &window_population,
            ),
            hhi_figure(
                "hhi_countries",
                "HHI over countries",
                &inputs.last.hhi_country,
                "known country",
                "grouped by the uploader's country in the registry",
                &window_population,
            ),
        ])
        .collect(),
        top_k_share_over_time: rv::Series {
            title: format!("Top-{k} share of each window's downloads"),
            unit: rv::Unit::Share,
            population: span,
            periods: inputs
                .results
                .iter()
                .map(|r| r.figures.population.to.date_string())
                .collect(),
            groups: vec![rv::SeriesGroup {
                name: format!("top-{k} share"),
                values: inputs
                    .results
                    .iter()
                    .map(|r| r.figures.concentration.top_k_share)
                    .collect(),
            }],
        },
        lorenz: concentration
            .lorenz
            .iter()
            .map(|p| [p.models, p.downloads])
            .collect(),
        lorenz_population: window_population,
    }
}

pub(super) fn working_set(inputs: &Inputs<'_>) -> rv::WorkingSet {
    let figures = inputs.figures();
    let k = inputs.query.k;
    let working = &figures.working_set;
    let churn = figures.churn.as_ref();
    let previous = inputs
        .results
        .len()
        .checked_sub(2)
        .map(|i| &inputs.results[i].figures.working_set);
    let population = rv::Population {
        models: format!(
            "the {} models with the most window downloads, k = {k} ({})",
            working.members.len(),
            inputs.query.filter.describe()
        ),
        attribution: "origin: uploader and lineage".to_owned(),
        ..inputs.window_population()
    };
    // Rank changes as analytics computed them (METHODS.md §4).
    let change_of = |model: u32| match churn {
        None => rv::RankChange::Unknown,
        Some(churn) => match churn.stayers.iter().find(|s| s.model == model) {
            None => rv::RankChange::New,
            Some(stayer) if stayer.change > 0 => rv::RankChange::Up(stayer.change as u64),
            Some(stayer) if stayer.change < 0 => rv::RankChange::Down((-stayer.change) as u64),
            Some(_) => rv::RankChange::Same,
        },
    };
    let rows: Vec<rv::WorkingSetRow> = working
        .members
        .iter()
        .zip(&working.downloads)
        .enumerate()
        .map(|(index, (&model, &downloads))| {
            let origin = inputs.origin(model);
            rv::WorkingSetRow {
                rank: index as u64 + 1,
                model: inputs.id(model),
                change: change_of(model),
                downloads,
                country: country_label(&origin.uploader),
                lineage_country: match &origin.lineage {
                    LineageOrigin::Mixed => shares::MIXED.to_owned(),
                    LineageOrigin::Root { attribution, .. }
                    | LineageOrigin::Uploader { attribution, .. } => country_label(attribution),
                },
                contributor_type: contributor_label(origin.uploader.contributor),
            }
        })
        .collect();
    let type_of = |model: u32| contributor_label(inputs.origin(model).uploader.contributor);
    let entries: Vec<rv::Move> = churn
        .map(|churn| {
            churn
                .entries
                .iter()
                .filter_map(|model| {
                    let index = working.members.iter().position(|m| m == model)?;
                    Some(rv::Move {
                        model: inputs.id(*model),
                        rank: index as u64 + 1,
                        downloads: working.downloads[index],
                        contributor_type: type_of(*model),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let exits: Vec<rv::Move> = match (churn, previous) {
        (Some(churn), Some(previous)) => churn
            .exits
            .iter()
            .filter_map(|model| {
                let index = previous.members.iter().position(|m| m == model)?;
                Some(rv::Move {
                    model: inputs.id(*model),
                    rank: index as u64 + 1,
                    downloads: previous.downloads[index],
                    contributor_type: type_of(*model),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let families = figures
        .family_working_set
        .as_ref()
        .map(|set| {
            let sizes = family_sizes(inputs.graph, &inputs.last.end.present, &set.members);
            set.members
                .iter()
                .zip(&set.downloads)
                .zip(sizes)
                .enumerate()
                .map(|(index, ((base, downloads), size))| rv::FamilyRow {
                    rank: index as u64 + 1,
                    base: inputs.id(*base),
                    members: size.max(1),
                    downloads: *downloads,
                    share: (figures.counts.total_downloads > 0)
                        .then(|| *downloads as f64 / figures.counts.total_downloads as f64),
                })
                .take(50)
                .collect()
        })
        .unwrap_or_default();
    rv::WorkingSet {
        k,
        week: match figures.population.measure {
            Measure::AllTimeDifference => format!(
                "window {} to {}",
                figures.population.from.date_string(),
                figures.population.to.date_string()
            ),
            Measure::ThirtyDay => format!(
                "30-day window ending {} (the 30-day downloads field, not a weekly count)",
                figures.population.to.date_string()
            ),
        },
        population,
        share_of_downloads: working.share,
        churn: churn.map(|c| c.churn),
        rows,
        entries,
        exits,
        families,
    }
}

pub(super) fn derivatives(inputs: &Inputs<'_>) -> rv::Derivatives {
    let end = &inputs.last.end;
    let filter = &inputs.query.filter;
    let matcher = filter.matcher(&inputs.last.catalog, end.info.as_of);
    let bases = lineage::derivatives(inputs.graph, Some(20), |model| {
        end.present.get(model).copied().unwrap_or(false) && matcher.accepts(end, model)
    });
    let mix = inputs.graph.relation_mix();
    rv::Derivatives {
        population: rv::Population {
            models: format!(
                "models in the snapshot of {} with declared lineage ({}); {}",
                end.info.as_of.date_string(),
                filter.describe(),
                inputs.lineage
            ),
            downloads: "not used (lineage edges)".to_owned(),
            window: format!("snapshot of {}", end.info.as_of.date_string()),
            attribution: "not attributed".to_owned(),
            coverage: None,
        },
        top_bases: bases
            .iter()
            .map(|base| rv::BaseRow {
                model: inputs.id(base.model),
                direct: base.direct.total(),
                total: base.descendants,
                by_relation: Relation::ALL
                    .iter()
                    .map(|relation| rv::RelationCount {
                        relation: relation.as_str().to_owned(),
                        count: base.direct.get(*relation),
                    })
                    .filter(|count| count.count > 0)
                    .collect(),
            })
            .collect(),
        relation_mix: mix
            .shares
            .iter()
            .map(|(relation, share)| rv::RelationShare {
                relation: relation.as_str().to_owned(),
                edges: mix.counts.get(*relation),
                share: *share,
            })
            .collect(),
        cycles: inputs.graph.cycles().len() as u64,
    }
}

/// "What to do" (docs/methodology.md states these rules): defaults that left the working set
/// over the report's period and stayed out (in it in the first window, out of it in the last
/// quarter of the windows, at least the last two), biggest first;
/// small-team credible releases of the period (METHODS.md §7: entered the working set within 90
/// days of creation; every contributor type but industry and government, unattributed
/// included), best entry first; the working set to track.
pub(super) fn actions(inputs: &Inputs<'_>, working_set: &rv::WorkingSet) -> rv::Actions {
    let k = inputs.query.k;
    let results = inputs.results;
    let first = &results.first().expect("at least one window").figures;
    let last = &inputs.figures().working_set;
    let end = |figures: &WindowFigures| figures.population.to.date_string();
    // Out for the last quarter of the windows (at least the last two, at most all but the first).
    let stayed_out = (results.len() / 4)
        .max(2)
        .min(results.len().saturating_sub(1));
    let recent = &results[results.len() - stayed_out..];
    let review_defaults = if results.len() < 2 {
        Vec::new()
    } else {
        first
            .working_set
            .members
            .iter()
            .zip(&first.working_set.downloads)
            .zip(1u32..)
            .filter(|((model, _), _)| {
                recent
                    .iter()
                    .all(|r| !r.figures.working_set.members.contains(model))
            })
            .map(|((model, &then), rank)| {
                let last_in = results
                    .iter()
                    .rev()
                    .find(|r| r.figures.working_set.members.contains(model))
                    .map_or_else(String::new, |r| end(&r.figures));
                rv::ActionItem {
                    model: inputs.id(*model),
                    detail: format!(
                        "rank {rank} in the window ending {} ({} downloads); last in the top {k} the window ending {last_in}",
                        end(first),
                        rv::format::compact(then)
                    ),
                }
            })
            .collect()
    };
    let sets: Vec<(Timestamp, &[u32])> = results
        .iter()
        .map(|r| {
            (
                r.figures.population.to,
                r.figures.working_set.members.as_slice(),
            )
        })
        .collect();
    let small_team = |kind: Option<ContributorType>| {
        !matches!(
            kind,
            Some(ContributorType::Industry | ContributorType::Government)
        )
    };
    let mut newcomers: Vec<(shares::CredibleEntry, Option<ContributorType>)> =
        shares::credible_entries(&sets, &inputs.last.created, 90)
            .into_iter()
            // A model already in the first window's set entered before the period.
            .filter(|entry| results.len() < 2 || !first.working_set.members.contains(&entry.model))
            .map(|entry| (entry, inputs.origin(entry.model).uploader.contributor))
            .filter(|(_, kind)| small_team(*kind))
            .collect();
    let rank_now = |model: u32| last.members.iter().position(|m| *m == model);
    // Those still in the working set first, by their rank now; then by their entry rank.
    newcomers.sort_by(|(a, _), (b, _)| {
        let (now_a, now_b) = (rank_now(a.model), rank_now(b.model));
        now_a
            .is_none()
            .cmp(&now_b.is_none())
            .then(now_a.cmp(&now_b))
            .then(a.rank.cmp(&b.rank))
            .then(a.entered.cmp(&b.entered))
            .then_with(|| inputs.id(a.model).cmp(&inputs.id(b.model)))
    });
    let evaluate_newcomers = newcomers
        .into_iter()
        .map(|(entry, kind)| {
            let now = rank_now(entry.model).map_or_else(
                || "out of it now".to_owned(),
                |i| format!("rank {} now", i + 1),
            );
            rv::ActionItem {
                model: inputs.id(entry.model),
                detail: format!(
                    "{}; created {}; entered the top {k} at rank {} in the window ending {}; {now}",
                    kind.map_or("unattributed", ContributorType::as_str),
                    inputs
                        .last
                        .created
                        .get(entry.model as usize)
                        .map_or_else(|| "unknown".to_owned(), Timestamp::date_string),
                    entry.rank,
                    entry.entered.date_string(),
                ),
            }
        })
        .collect();
    let track = working_set
        .rows
        .iter()
        .map(|row| rv::ActionItem {
            model: row.model.clone(),
            detail: format!("rank {}", row.rank),
        })
        .collect();
    let population = working_set.population.clone();
    // The first two lists read every window of the period, not only the last.
    let period = rv::Population {
        window: format!(
            "the {} windows from {} to {}",
            results.len(),
            first.population.from.date_string(),
            end(inputs.figures())
        ),
        ..population.clone()
    };
    rv::Actions {
        review_defaults: rv::ActionList {
            title: "Well-known defaults that left the working set".to_owned(),
            rationale: format!(
                "These models were in the top {k} in the period's first window and have been out of it for the last {stayed_out} windows, biggest first: if your stack defaults to one, check what replaced it."
            ),
            population: period.clone(),
            items: review_defaults,
        },
        evaluate_newcomers: rv::ActionList {
            title: "Small-team releases that entered the working set".to_owned(),
            rationale: format!(
                "Credible releases of the period (entered the top {k} within 90 days of creation), uploaded by individuals, community groups, academia, non-profits or accounts the registry does not know: candidates to evaluate."
            ),
            population: period.clone(),
            items: evaluate_newcomers,
        },
        track: rv::ActionList {
            title: format!("The {} to track", working_set.rows.len()),
            rationale:
                "The current working set: the models that carry most of the window's downloads."
                    .to_owned(),
            population,
            items: track,
        },
    }
}

pub(super) fn data_quality(inputs: &Inputs<'_>, latest_types: &Shares) -> rv::DataQuality {
    let results = inputs.results;
    let windows: Vec<rv::WindowQuality> = results
        .iter()
        .map(|r| {
            let population = &r.figures.population;
            rv::WindowQuality {
                window: match population.measure {
                    Measure::AllTimeDifference => format!(
                        "{} to {}",
                        population.from.date_string(),
                        population.to.date_string()
                    ),
                    Measure::ThirtyDay => {
                        format!("30 days ending {}", population.to.date_string())
                    }
                },
                days: r.figures.days.round() as u64,
                missed_week: r.figures.longer_than_cadence,
                unmatched: r.figures.counts.unmatched,
                disappeared: r.figures.counts.disappeared,
                negative: r.figures.counts.negative,
                negative_downloads: r.figures.counts.clamped_downloads,
            }
        })
        .collect();
    let mut notes = Vec::new();
    if inputs.query.origins.contains(&Origin::Lineage) {
        notes.push(format!(
            "Lineage origin and the family view use one lineage for every window: the {}.",
            inputs.lineage
        ));
    }
    if inputs.infos.iter().any(|info| info.partial) {
        notes.push("Some snapshots are partial (a top-N listing or an interrupted crawl): their figures cover only the models listed.".to_owned());
    }
    if results
        .iter()
        .any(|r| r.figures.population.measure == Measure::ThirtyDay)
    {
        notes.push("Some windows use the 30-day downloads field of a single snapshot (no downloadsAllTime): they are labelled \"30 days ending\".".to_owned());
    }
    if results.iter().any(|r| r.figures.counts.unmeasured > 0) {
        notes.push(format!(
            "{} models were present without the downloads field the window needs (not counted).",
            rv::format::grouped(results.iter().map(|r| r.figures.counts.unmeasured).sum())
        ));
    }
    rv::DataQuality {
        windows,
        country_coverage: latest_types.population.coverage_country,
        type_coverage: latest_types.population.coverage_type,
        notes,
    }
}
