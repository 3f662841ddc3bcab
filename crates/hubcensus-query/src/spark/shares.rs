//! `shares --engine spark` (METHODS.md §6-§7), both origins: the job sums each window's
//! counted models and clamped downloads per attribution key, joining the registry table written
//! here, and for the lineage origin what moves to the roots' keys, joining the lineage graph's
//! roots as a table; the shares, coverage, HHI and period sums are finished with the embedded
//! engine's function ([`shares_of_tallies`]), so the view equals the embedded `shares` view byte
//! for byte. `windows --engine spark` takes its HHIs by organization and country from here.

use std::collections::{BTreeMap, BTreeSet};

use hubcensus_analytics::Filter;
use hubcensus_analytics::lineage::{LineageGraph, Root};
use hubcensus_analytics::shares::{
    AttributionTable, Dimension, Origin, Period, Shares, shares_of_tallies,
};
use hubcensus_model::{Attribution, Timestamp};
use hubcensus_registry::{AccountKind, Registry};
use serde::Serialize;

use super::finish::counts;
use super::launch::{
    FamilyTable, Intermediates, LineageTable, PlanFilter, SharesPlan, SparkOptions, plan, run_job,
};
use crate::attribution::{Accounts, Attributor};
use crate::views::shares::{SharesQuery, SharesView};
use crate::views::windows::{WindowsQuery, WindowsView};
use crate::{Census, QueryError};

/// The account kinds as the table spells them (`""`: not recorded).
const KINDS: [(&str, Option<AccountKind>); 3] = [
    ("", None),
    ("user", Some(AccountKind::User)),
    ("organization", Some(AccountKind::Organization)),
];

fn kind_name(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::User => "user",
        AccountKind::Organization => "organization",
    }
}

/// The registry as the job joins it: small (the namespaces the registry names, times the
/// windows, times three account kinds), whatever the store's size.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RegistryTable {
    /// `(window end in epoch ms, namespace lowercased, account kind, attribution key)` for
    /// every namespace the registry names (it matches names case-insensitively).
    pub named: Vec<(i64, String, &'static str, u32)>,
    /// The account kinds `hubcensus enrich` recorded, by exact name.
    pub accounts: Vec<(String, &'static str)>,
    /// The key of a namespace the registry does not name, per account kind.
    pub unnamed: BTreeMap<&'static str, u32>,
    /// The attribution of each key.
    #[serde(skip)]
    pub attributions: Vec<Attribution>,
}

/// The table for windows ending at `ends`, attributions by [`Registry::attribute`] with the
/// account kinds of `accounts` (the rules of [`Attributor`]).
#[must_use]
pub fn registry_table(accounts: &Accounts, ends: &[Timestamp]) -> RegistryTable {
    let registry = Registry::embedded();
    let mut index: BTreeMap<Attribution, u32> = BTreeMap::new();
    let mut attributions: Vec<Attribution> = Vec::new();
    let mut key_of = |attribution: Attribution| -> u32 {
        *index.entry(attribution.clone()).or_insert_with(|| {
            attributions.push(attribution);
            (attributions.len() - 1) as u32
        })
    };
    // The empty name is named by no entry: the registry's answer for an unnamed namespace.
    let at = ends.first().copied().unwrap_or(Timestamp::from_millis(0));
    let unnamed = KINDS
        .iter()
        .map(|&(name, kind)| (name, key_of(registry.attribute("", at, kind))))
        .collect();
    let names: BTreeSet<String> = registry
        .organizations()
        .iter()
        .flat_map(|organization| &organization.namespaces)
        .map(|link| link.name.to_lowercase())
        .collect();
    let mut rows = Vec::with_capacity(names.len() * ends.len() * KINDS.len());
    for &end in ends {
        for name in &names {
            for &(kind_text, kind) in &KINDS {
                let key = key_of(registry.attribute(name, end, kind));
                rows.push((end.as_millis(), name.clone(), kind_text, key));
            }
        }
    }
    RegistryTable {
        named: rows,
        accounts: accounts
            .iter()
            .map(|(name, kind)| (name.to_owned(), kind_name(kind)))
            .collect(),
        unnamed,
        attributions,
    }
}

/// Runs the job for the shares of every window and finishes the views of each dimension in
/// `dimensions` and period in `periods` (each origin of `origins`), dimension-major (as
/// [`crate::views::shares::shares_of`] orders them).
pub fn spark_shares(
    census: &Census,
    filter: &Filter,
    dimensions: &[Dimension],
    origins: &[Origin],
    periods: &[Period],
    options: &SparkOptions,
) -> Result<Vec<SharesView>, QueryError> {
    // k = 1: the windows' top-k candidates are not used here.
    let (intermediates, table) = run(
        census,
        1,
        filter,
        origins.contains(&Origin::Lineage),
        false,
        options,
    )?;
    let weekly = weekly_shares(census, &intermediates, &table, filter, dimensions, origins)?;
    Ok(crate::views::shares::views_of(&weekly, dimensions, periods))
}

/// The `windows` view (every field, as the embedded engine's) and the shares of every
/// dimension, origin and period asked for, from one run of the job (one Spark session).
pub fn spark_windows_and_shares(
    census: &Census,
    query: &WindowsQuery,
    dimensions: &[Dimension],
    origins: &[Origin],
    periods: &[Period],
    options: &SparkOptions,
) -> Result<(WindowsView, Vec<SharesView>), QueryError> {
    crate::views::check_k(query.k)?;
    let latest = census.latest().ok_or_else(|| QueryError::NoSnapshots {
        dir: census.dir().to_path_buf(),
    })?;
    let (intermediates, table) = run(
        census,
        query.k,
        &query.filter,
        origins.contains(&Origin::Lineage),
        true,
        options,
    )?;
    // The HHIs by organization and country: the uploader shares' (as the embedded view).
    let mut asked: Vec<Dimension> = vec![Dimension::Organization, Dimension::Country];
    asked.extend(dimensions.iter().copied());
    let mut origins_asked = vec![Origin::Uploader];
    origins_asked.extend(origins.iter().copied().filter(|&o| o != Origin::Uploader));
    let mut weekly = weekly_shares(
        census,
        &intermediates,
        &table,
        &query.filter,
        &asked,
        &origins_asked,
    )?;
    let groups = weekly[0][0]
        .iter()
        .zip(&weekly[1][0])
        .map(|(org, country)| super::finish::group_hhi(org, country))
        .collect();
    let rows = super::finish(census, &intermediates, &query.filter, query.cadence, groups)?;
    // The shares asked for, origins in the order asked.
    let asked_weekly: Vec<Vec<Vec<Shares>>> = weekly
        .drain(2..)
        .map(|per_origin| {
            origins
                .iter()
                .map(|origin| {
                    let at = origins_asked
                        .iter()
                        .position(|o| o == origin)
                        .expect("every origin asked is computed");
                    per_origin[at].clone()
                })
                .collect()
        })
        .collect();
    let (_, lineage_from) = census.lineage(latest, false)?;
    let view = WindowsView {
        schema: crate::views::windows::SCHEMA,
        tool_version: crate::TOOL_VERSION,
        k: query.k,
        snapshots: census.times().to_vec(),
        lineage_as_of: latest,
        lineage_from,
        windows: rows,
        filter: query.filter.clone(),
    };
    Ok((
        view,
        crate::views::shares::views_of(&asked_weekly, dimensions, periods),
    ))
}

/// `windows --engine spark`: the embedded `windows` view, every field, computed from the Spark
/// job's integers (whole store, all-time windows: see [`plan`]).
pub fn spark_windows_view(
    census: &Census,
    query: &WindowsQuery,
    options: &SparkOptions,
) -> Result<WindowsView, QueryError> {
    spark_windows_and_shares(census, query, &[], &[], &[], options).map(|(view, _)| view)
}

/// Runs the job on the plan for `k`, with the registry table (and the lineage table when
/// `lineage`; the family table when `families`).
fn run(
    census: &Census,
    k: u64,
    filter: &Filter,
    lineage: bool,
    families: bool,
    options: &SparkOptions,
) -> Result<(Intermediates, RegistryTable), QueryError> {
    let mut plan = plan(census, k)?;
    plan.filter = PlanFilter::of(filter);
    let ends: Vec<Timestamp> = plan
        .windows
        .iter()
        .map(|w| Timestamp::from_millis(w.to))
        .collect();
    let table = registry_table(census.accounts(), &ends);
    let graph = match (lineage || families, census.latest()) {
        (true, Some(latest)) => Some(census.graph(latest, false)?),
        _ => None,
    };
    let lineage_table = match (&graph, lineage) {
        (Some(graph), true) => Some(lineage_table(census, graph)?),
        _ => None,
    };
    plan.shares = Some(SharesPlan {
        registry: String::new(),
        table: table.clone(),
        lineage: None,
        lineage_table,
    });
    if families && let Some(graph) = &graph {
        plan.family_table = Some(FamilyTable {
            families: graph
                .families()
                .iter()
                .enumerate()
                .filter(|&(model, &family)| family as usize != model)
                .map(|(model, &family)| (model as u32, family))
                .collect(),
        });
    }
    let intermediates = run_job(&plan, options)?;
    Ok((intermediates, table))
}

/// The lineage graph's roots as the job joins them, with the namespace each root is attributed
/// as when it has no author in a window's snapshot ([`Attributor::fallback_key`]'s rule).
fn lineage_table(census: &Census, graph: &LineageGraph) -> Result<LineageTable, QueryError> {
    let ids = census.ids()?;
    let registry = Registry::embedded();
    let mut table = LineageTable::default();
    let mut roots = BTreeSet::new();
    for model in 0..graph.len() {
        match graph.root(model) {
            Root::Mixed => table.mixed.push(model as u32),
            Root::Model(root) if root as usize != model => {
                table.roots.push((model as u32, root));
                roots.insert(root);
            }
            Root::Model(_) => {}
        }
    }
    table.namespaces = roots
        .into_iter()
        .filter_map(|root| {
            ids.get(root as usize)
                .and_then(|id| registry.namespace_of_text(id))
                .map(|namespace| (root, namespace.to_owned()))
        })
        .collect();
    Ok(table)
}

/// Moves `(models, downloads)` from one tally to another, refusing sums that do not hold them.
fn transfer(
    from: &mut (u64, u64),
    to: &mut (u64, u64),
    tally: (u64, u64),
) -> Result<(), QueryError> {
    from.0 = from.0.checked_sub(tally.0).ok_or_else(inconsistent)?;
    from.1 = from.1.checked_sub(tally.1).ok_or_else(inconsistent)?;
    to.0 += tally.0;
    to.1 += tally.1;
    Ok(())
}

fn inconsistent() -> QueryError {
    QueryError::Spark {
        message: "the Spark job's lineage moves take more than its groups hold".into(),
    }
}

/// Per dimension, per origin, the weekly shares from the job's sums: per window, the tallies
/// by key (the authorless models attributed here by the registry's legacy moves, as
/// [`Attributor::fallback_key`] does; in the lineage origin, the job's moves applied by the
/// rule of `WindowGroups::shares`), then [`shares_of_tallies`].
fn weekly_shares(
    census: &Census,
    intermediates: &Intermediates,
    table: &RegistryTable,
    filter: &Filter,
    dimensions: &[Dimension],
    origins: &[Origin],
) -> Result<Vec<Vec<Vec<Shares>>>, QueryError> {
    let ids = census.ids()?;
    let attributor = Attributor::new(census.accounts());
    let registry = attributor.registry();
    let bad = |message: String| QueryError::Spark { message };
    let mut weekly: Vec<Vec<Vec<Shares>>> = vec![vec![Vec::new(); origins.len()]; dimensions.len()];
    for window in &intermediates.windows {
        let sums = window
            .shares
            .as_ref()
            .ok_or_else(|| bad("the Spark job returned no shares".into()))?;
        let to = Timestamp::from_millis(window.to);
        let mut attributions = table.attributions.clone();
        let mut tallies: BTreeMap<u32, (u64, u64)> = BTreeMap::new();
        for &(key, models, downloads) in &sums.groups {
            if key as usize >= attributions.len() {
                return Err(bad(format!(
                    "the Spark job named attribution key {key}; the table has {}",
                    attributions.len()
                )));
            }
            let tally = tallies.entry(key).or_insert((0, 0));
            tally.0 += models;
            tally.1 += downloads;
        }
        // Models with no author: the namespace of the id, or the one a legacy id moved to.
        let mut legacy = (0_u64, 0_u64);
        let mut extra: BTreeMap<&str, u32> = BTreeMap::new();
        let mut own_keys: Vec<Option<u32>> = Vec::with_capacity(sums.authorless.len());
        for &(model, x, _, _) in &sums.authorless {
            let id = ids
                .get(model as usize)
                .ok_or_else(|| bad(format!("the Spark job named model index {model}")))?;
            let key = registry.namespace_of_text(id).map(|namespace| {
                *extra.entry(namespace).or_insert_with(|| {
                    attributions.push(attributor.attribute(namespace, to));
                    (attributions.len() - 1) as u32
                })
            });
            let tally = match key {
                Some(key) => tallies.entry(key).or_insert((0, 0)),
                None => &mut legacy,
            };
            tally.0 += 1;
            tally.1 += x;
            own_keys.push(key);
        }
        let counts = counts(window);
        let (models, downloads) = tallies
            .values()
            .fold(legacy, |(m, d), &(tm, td)| (m + tm, d + td));
        if models != counts.models || downloads != counts.total_downloads {
            return Err(bad(format!(
                "the Spark job's groups hold {models} models and {downloads} downloads; the \
                 window's counts say {} and {}",
                counts.models, counts.total_downloads
            )));
        }
        let population = super::finish::population(
            census,
            Timestamp::from_millis(window.from),
            to,
            filter,
            &counts,
        );
        let has_country = |key: u32| {
            attributions
                .get(key as usize)
                .is_some_and(|a| a.country.is_some())
        };
        let mut per_origin = Vec::with_capacity(origins.len());
        for &origin in origins {
            let (mut tallies, mut legacy, mut mixed) = (tallies.clone(), legacy, (0_u64, 0_u64));
            if origin == Origin::Lineage {
                for &(own, root, models, downloads) in &sums.rooted {
                    if has_country(root) && own != root {
                        let mut moving = tallies.remove(&own).unwrap_or((0, 0));
                        let target = tallies.entry(root).or_insert((0, 0));
                        transfer(&mut moving, target, (models, downloads))?;
                        tallies.insert(own, moving);
                    }
                }
                for &(own, models, downloads) in &sums.mixed {
                    let slot = tallies.entry(own).or_insert((0, 0));
                    transfer(slot, &mut mixed, (models, downloads))?;
                }
                for (&(_, x, root, merge), &own) in sums.authorless.iter().zip(&own_keys) {
                    let mut from = match own {
                        Some(key) => tallies.remove(&key).unwrap_or((0, 0)),
                        None => legacy,
                    };
                    if merge == 1 {
                        transfer(&mut from, &mut mixed, (1, x))?;
                    } else if let Some(root) = root.filter(|&root| has_country(root)) {
                        transfer(&mut from, tallies.entry(root).or_insert((0, 0)), (1, x))?;
                    }
                    match own {
                        Some(key) => {
                            tallies.insert(key, from);
                        }
                        None => legacy = from,
                    }
                }
            }
            per_origin.push((origin, tallies, legacy, mixed));
        }
        let attribution_table = AttributionTable::of_namespaces(&attributions);
        for (slot, &dimension) in weekly.iter_mut().zip(dimensions) {
            for (windows, (origin, tallies, legacy, mixed)) in slot.iter_mut().zip(&per_origin) {
                windows.push(shares_of_tallies(
                    &population,
                    counts.total_downloads,
                    tallies.iter().map(|(&key, &tally)| (key, tally)),
                    *legacy,
                    *mixed,
                    attribution_table,
                    dimension,
                    *origin,
                ));
            }
        }
    }
    Ok(weekly)
}

/// `shares --engine spark`: either origin or both, any population filter.
pub fn spark_shares_view(
    census: &Census,
    query: &SharesQuery,
    options: &SparkOptions,
) -> Result<SharesView, QueryError> {
    spark_shares(
        census,
        &query.filter,
        &[query.dimension],
        &query.origins,
        &[query.period],
        options,
    )?
    .pop()
    .ok_or_else(|| QueryError::Bug("the Spark shares gave no view".into()))
}
