//! `churn`: entries, exits and rank changes of the working set between two windows.

use hubcensus_analytics::working_set::{self, WorkingSet};
use hubcensus_analytics::{Filter, Population};
use hubcensus_model::FrameColumns;
use serde::Serialize;

use crate::{AsOf, Census, QueryError, WindowPlan};

pub const SCHEMA: &str = "hubcensus.churn/1";

/// What to compute.
#[derive(Clone, Debug)]
pub struct ChurnQuery {
    pub k: u64,
    /// The window ending at this snapshot, against the window before it (the latest when
    /// `None`).
    pub as_of: Option<AsOf>,
    pub filter: Filter,
}

/// A model entering, leaving or staying in the working set.
#[derive(Clone, Debug, Serialize)]
pub struct Move {
    pub id: String,
    pub previous_rank: Option<u64>,
    pub rank: Option<u64>,
    /// Positive: climbed.
    pub change: Option<i64>,
}

/// The working set of one window against the window before it.
#[derive(Clone, Debug, Serialize)]
pub struct ChurnView {
    pub schema: &'static str,
    pub k: u64,
    pub previous_population: Population,
    pub population: Population,
    pub churn: f64,
    pub entries: Vec<Move>,
    pub exits: Vec<Move>,
    pub stayers: Vec<Move>,
}

pub fn churn(census: &Census, query: &ChurnQuery) -> Result<ChurnView, QueryError> {
    super::check_k(query.k)?;
    let position = census.position(query.as_of.as_ref())?;
    let mut sets: Vec<(Population, WorkingSet)> = Vec::new();
    let plan = WindowPlan::ending(
        census,
        position.saturating_sub(1)..=position,
        query.filter.clone(),
        FrameColumns::NONE,
    );
    census.for_each_window(&plan, |catalog, window, _| {
        sets.push((
            window.population.clone(),
            WorkingSet::of_window(window, &catalog.ids, query.k, None),
        ));
        Ok(())
    })?;
    let Some([(previous_population, previous), (population, current)]) = sets
        .len()
        .checked_sub(2)
        .map(|at| [sets[at].clone(), sets[at + 1].clone()])
    else {
        return Err(QueryError::NeedsTwoWindows {
            end: census.times()[position],
        });
    };
    let ids = census.ids()?;
    let churn = working_set::churn(&previous, &current);
    let rank_of = |set: &WorkingSet, model: u32| {
        set.members
            .iter()
            .position(|&m| m == model)
            .map(|r| r as u64 + 1)
    };
    let id = |model: u32| ids[model as usize].to_owned();
    Ok(ChurnView {
        schema: SCHEMA,
        k: query.k,
        entries: churn
            .entries
            .iter()
            .map(|&m| Move {
                id: id(m),
                previous_rank: None,
                rank: rank_of(&current, m),
                change: None,
            })
            .collect(),
        exits: churn
            .exits
            .iter()
            .map(|&m| Move {
                id: id(m),
                previous_rank: rank_of(&previous, m),
                rank: None,
                change: None,
            })
            .collect(),
        stayers: churn
            .stayers
            .iter()
            .map(|s| Move {
                id: id(s.model),
                previous_rank: Some(s.previous_rank),
                rank: Some(s.rank),
                change: Some(s.change),
            })
            .collect(),
        churn: churn.churn,
        previous_population,
        population,
    })
}
