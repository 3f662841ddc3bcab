//! `shares --engine spark`, uploader origin (METHODS.md §6-§7): the job sums each window's
//! counted models and clamped downloads per attribution key, joining the registry table written
//! here; the shares, coverage, HHI and period sums are finished with the embedded engine's
//! function ([`shares_of_tallies`]), so the view equals the embedded `shares` view byte for
//! byte.

use std::collections::{BTreeMap, BTreeSet};

use hubcensus_analytics::Filter;
use hubcensus_analytics::shares::{
    AttributionTable, Dimension, Origin, Period, Shares, shares_of_tallies, sum_over_periods,
};
use hubcensus_analytics::window::difference_population;
use hubcensus_model::{Attribution, Timestamp};
use hubcensus_registry::{AccountKind, Registry};
use serde::Serialize;

use super::finish::counts;
use super::launch::{Intermediates, SharesPlan, SparkOptions, plan, run_job};
use crate::attribution::{Accounts, Attributor};
use crate::views::shares::{SCHEMA, SharesQuery, SharesView};
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

/// Runs the job for the uploader shares of every window and finishes the views of each
/// dimension in `dimensions` and period in `periods`, dimension-major (as
/// [`crate::views::shares::shares_of`] orders them).
pub fn spark_shares(
    census: &Census,
    dimensions: &[Dimension],
    periods: &[Period],
    options: &SparkOptions,
) -> Result<Vec<SharesView>, QueryError> {
    // k = 1: the windows' top-k candidates are not used here.
    spark_windows_and_shares(census, 1, dimensions, periods, options).map(|(_, views)| views)
}

/// The windows' figures and the uploader shares from one run of the job (one Spark session).
pub fn spark_windows_and_shares(
    census: &Census,
    k: u64,
    dimensions: &[Dimension],
    periods: &[Period],
    options: &SparkOptions,
) -> Result<(Vec<super::SparkWindow>, Vec<SharesView>), QueryError> {
    crate::views::check_k(k)?;
    let mut plan = plan(census, k)?;
    let ends: Vec<Timestamp> = plan
        .windows
        .iter()
        .map(|w| Timestamp::from_millis(w.to))
        .collect();
    let table = registry_table(census.accounts(), &ends);
    plan.shares = Some(SharesPlan {
        registry: String::new(),
        table: table.clone(),
    });
    let intermediates = run_job(&plan, options)?;
    Ok((
        super::finish(census, &intermediates)?,
        finish_shares(census, &intermediates, &table, dimensions, periods)?,
    ))
}

/// The views from the job's sums: per window, the tallies by key (the authorless models
/// attributed here by the registry's legacy moves, as [`Attributor::fallback_key`] does), then
/// [`shares_of_tallies`] and [`sum_over_periods`].
pub fn finish_shares(
    census: &Census,
    intermediates: &Intermediates,
    table: &RegistryTable,
    dimensions: &[Dimension],
    periods: &[Period],
) -> Result<Vec<SharesView>, QueryError> {
    let ids = census.ids()?;
    let attributor = Attributor::new(census.accounts());
    let registry = attributor.registry();
    let bad = |message: String| QueryError::Spark { message };
    let mut weekly: Vec<Vec<Shares>> = vec![Vec::new(); dimensions.len()];
    for window in &intermediates.windows {
        let sums = window
            .shares
            .as_ref()
            .ok_or_else(|| bad("the Spark job returned no shares".into()))?;
        let (from, to) = (
            Timestamp::from_millis(window.from),
            Timestamp::from_millis(window.to),
        );
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
        for &(model, x) in &sums.authorless {
            let id = ids
                .get(model as usize)
                .ok_or_else(|| bad(format!("the Spark job named model index {model}")))?;
            let tally = match registry.namespace_of_text(id) {
                Some(namespace) => {
                    let key = *extra.entry(namespace).or_insert_with(|| {
                        attributions.push(attributor.attribute(namespace, to));
                        (attributions.len() - 1) as u32
                    });
                    tallies.entry(key).or_insert((0, 0))
                }
                None => &mut legacy,
            };
            tally.0 += 1;
            tally.1 += x;
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
        let flag = |f: fn(&hubcensus_model::SnapshotInfo) -> bool| {
            [from, to].iter().any(|&t| census.info(t).is_some_and(f))
        };
        let population = difference_population(
            from,
            to,
            &Filter::default(),
            &counts,
            flag(|info| info.partial),
            flag(|info| info.synthetic),
        );
        let attribution_table = AttributionTable::of_namespaces(&attributions);
        for (slot, &dimension) in weekly.iter_mut().zip(dimensions) {
            slot.push(shares_of_tallies(
                &population,
                counts.total_downloads,
                tallies.iter().map(|(&key, &tally)| (key, tally)),
                legacy,
                (0, 0),
                attribution_table,
                dimension,
                Origin::Uploader,
            ));
        }
    }
    let registry_version = registry.version();
    let mut views = Vec::with_capacity(dimensions.len() * periods.len());
    for (windows, &dimension) in weekly.iter().zip(dimensions) {
        for &period in periods {
            views.push(SharesView {
                schema: SCHEMA,
                by: dimension,
                period,
                registry_version: registry_version.clone(),
                results: sum_over_periods(windows, period),
            });
        }
    }
    Ok(views)
}

/// `shares --engine spark`: the uploader origin over the whole store (no filter); the lineage
/// origin is not computed on Spark.
pub fn spark_shares_view(
    census: &Census,
    query: &SharesQuery,
    options: &SparkOptions,
) -> Result<SharesView, QueryError> {
    if query.origins != [Origin::Uploader] {
        return Err(QueryError::invalid(
            "engine",
            "the Spark path computes the uploader origin only; the lineage origin needs the \
             lineage graph, which it does not read yet",
            "add --origin uploader, or drop --engine spark",
        ));
    }
    if !query.filter.is_all() {
        return Err(QueryError::invalid(
            "engine",
            format!(
                "the Spark path computes every model's shares; it does not filter yet ({})",
                query.filter.describe()
            ),
            "drop the filter, or drop --engine spark",
        ));
    }
    spark_shares(census, &[query.dimension], &[query.period], options)?
        .pop()
        .ok_or_else(|| QueryError::Bug("the Spark shares gave no view".into()))
}
