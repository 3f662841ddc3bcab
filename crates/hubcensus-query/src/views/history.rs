//! The store's weekly history held in memory, for a long-lived reader (the server): every
//! model's downloads in every window and each window's working set, read in one pass of the
//! window engine. From it, without reading the store again: the working set of any week with
//! its entries, exits, rank changes and tenure ([`working_set`]), and one model's weekly series
//! and rank history ([`model`], with its lineage and attribution from the `lineage` and `who`
//! views).
//!
//! The figures are those of `top` and `churn`: the same window engine, the same
//! [`WorkingSet::of_window`] and [`working_set::churn`] (METHODS.md §4).

use std::collections::BTreeMap;

use hubcensus_analytics::window::Status;
use hubcensus_analytics::working_set::{self, WorkingSet};
use hubcensus_analytics::{Filter, Population};
use hubcensus_model::{FrameColumns, Ids, Timestamp};
use serde::Serialize;

use crate::views::lineage::{LineageQuery, LineageView, lineage};
use crate::views::who::{ModelAnswer, WhoQuery, WhoView, who};
use crate::{AsOf, Census, QueryError, WindowPlan};

pub const WORKING_SET_SCHEMA: &str = "hubcensus.working-set/1";
pub const MODEL_SCHEMA: &str = "hubcensus.model/1";

/// A model not counted in a window (absent, unmatched, unmeasured or outside the filter).
const NOT_COUNTED: u32 = u32::MAX;
/// A count too large for 32 bits: the value is in the window's `overflow` map.
const OVERFLOW: u32 = u32::MAX - 1;

/// Every window of a store, with every model's downloads and the working set.
pub struct History {
    pub k: u64,
    pub filter: Filter,
    ids: Ids,
    windows: Vec<HistoryWindow>,
}

struct HistoryWindow {
    population: Population,
    /// Per dense index: the window downloads, [`NOT_COUNTED`] or [`OVERFLOW`]. Four bytes a
    /// model rather than eight (a 2M-model, 13-week store: 104 MB, not 208 MB).
    downloads: Vec<u32>,
    overflow: BTreeMap<u32, u64>,
    set: WorkingSet,
    /// The status of each working-set member (new or matched).
    status: Vec<Status>,
}

impl HistoryWindow {
    fn downloads(&self, model: usize) -> Option<u64> {
        match self.downloads.get(model).copied() {
            None | Some(NOT_COUNTED) => None,
            Some(OVERFLOW) => self.overflow.get(&(model as u32)).copied(),
            Some(value) => Some(u64::from(value)),
        }
    }

    fn rank(&self, model: u32) -> Option<u64> {
        self.set
            .members
            .iter()
            .position(|&m| m == model)
            .map(|r| r as u64 + 1)
    }
}

impl History {
    /// Reads every window of `census` for the population `filter`, with working sets of `k`.
    pub fn read(census: &Census, filter: Filter, k: u64) -> Result<Self, QueryError> {
        super::check_k(k)?;
        let plan = WindowPlan::all(census, filter.clone(), FrameColumns::NONE);
        let mut windows = Vec::new();
        census.for_each_window(&plan, |catalog, window, _| {
            let mut overflow = BTreeMap::new();
            let downloads = window
                .downloads
                .iter()
                .zip(&window.status)
                .enumerate()
                .map(|(i, (&d, status))| {
                    if !status.is_counted() {
                        NOT_COUNTED
                    } else if d >= u64::from(OVERFLOW) {
                        overflow.insert(i as u32, d);
                        OVERFLOW
                    } else {
                        d as u32
                    }
                })
                .collect();
            let set = WorkingSet::of_window(window, &catalog.ids, k, None);
            let status = set
                .members
                .iter()
                .map(|&m| window.status[m as usize])
                .collect();
            windows.push(HistoryWindow {
                population: window.population.clone(),
                downloads,
                overflow,
                set,
                status,
            });
            Ok(())
        })?;
        if windows.is_empty() {
            return Err(QueryError::NoSnapshots {
                dir: census.dir().to_path_buf(),
            });
        }
        Ok(Self {
            k,
            filter,
            ids: census.ids()?,
            windows,
        })
    }

    /// The window ends, oldest first.
    #[must_use]
    pub fn weeks(&self) -> Vec<Timestamp> {
        self.windows.iter().map(|w| w.population.to).collect()
    }

    /// The position of the window ending at the snapshot `as_of` names (the latest when
    /// `None`), by the one rule of [`Census::position`].
    fn position(&self, census: &Census, as_of: Option<&AsOf>) -> Result<usize, QueryError> {
        let end = census.times()[census.position(as_of)?];
        self.windows
            .iter()
            .position(|w| w.population.to == end)
            .ok_or_else(|| QueryError::NoSnapshotAt {
                asked: end.to_string(),
                available: self.weeks(),
            })
    }
}

/// Which week of the working set.
#[derive(Clone, Debug, Default)]
pub struct WorkingSetQuery {
    /// The window ending at this snapshot (the latest when `None`).
    pub as_of: Option<AsOf>,
}

/// One model of the working set.
#[derive(Clone, Debug, Serialize)]
pub struct WorkingSetRow {
    pub rank: u64,
    pub id: String,
    pub downloads: u64,
    pub share: Option<f64>,
    /// `matched` or `new` (first seen in this window).
    pub status: Status,
    /// Its rank in the previous window's working set; `None`: an entry (or no previous window).
    pub previous_rank: Option<u64>,
    /// Positive: climbed.
    pub change: Option<i64>,
    /// Consecutive windows in the working set, this one included.
    pub tenure: u64,
}

/// The working set of one week, against the week before.
#[derive(Clone, Debug, Serialize)]
pub struct WorkingSetView {
    pub schema: &'static str,
    pub k: u64,
    pub population: Population,
    pub previous_population: Option<Population>,
    /// The window ends the store has, oldest first (a week picker's choices).
    pub weeks: Vec<Timestamp>,
    pub held: u64,
    pub share_held: Option<f64>,
    /// `entries / k`; `None` for the first window.
    pub churn: Option<f64>,
    pub models: Vec<WorkingSetRow>,
    /// In the previous window's set, not this one's, in previous rank order.
    pub exits: Vec<WorkingSetExit>,
}

#[derive(Clone, Debug, Serialize)]
pub struct WorkingSetExit {
    pub id: String,
    pub previous_rank: u64,
    /// Its downloads in this window (`None`: not counted in it).
    pub downloads: Option<u64>,
}

/// The working set of the week `query` names, from `history`.
pub fn working_set(
    census: &Census,
    history: &History,
    query: &WorkingSetQuery,
) -> Result<WorkingSetView, QueryError> {
    let position = history.position(census, query.as_of.as_ref())?;
    let window = &history.windows[position];
    let previous = position.checked_sub(1).map(|p| &history.windows[p]);
    let churn = previous.map(|p| working_set::churn(&p.set, &window.set));
    let total = window.population.total_downloads;
    let tenure = |model: u32| {
        history.windows[..=position]
            .iter()
            .rev()
            .take_while(|w| w.set.members.contains(&model))
            .count() as u64
    };
    let models = window
        .set
        .members
        .iter()
        .zip(&window.set.downloads)
        .zip(&window.status)
        .enumerate()
        .map(|(rank, ((&m, &downloads), &status))| {
            let previous_rank = previous.and_then(|p| p.rank(m));
            let rank = rank as u64 + 1;
            WorkingSetRow {
                rank,
                id: history.ids[m as usize].to_owned(),
                downloads,
                share: (total > 0).then(|| downloads as f64 / total as f64),
                status,
                previous_rank,
                change: previous_rank.map(|p| p as i64 - rank as i64),
                tenure: tenure(m),
            }
        })
        .collect();
    let exits = match (&churn, previous) {
        (Some(churn), Some(previous)) => churn
            .exits
            .iter()
            .map(|&m| WorkingSetExit {
                id: history.ids[m as usize].to_owned(),
                previous_rank: previous.rank(m).unwrap_or(0),
                downloads: window.downloads(m as usize),
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(WorkingSetView {
        schema: WORKING_SET_SCHEMA,
        k: history.k,
        population: window.population.clone(),
        previous_population: previous.map(|p| p.population.clone()),
        weeks: history.weeks(),
        held: window.set.held,
        share_held: window.set.share,
        churn: churn.map(|c| c.churn),
        models,
        exits,
    })
}

/// One model in one window.
#[derive(Clone, Debug, Serialize)]
pub struct ModelWeek {
    pub from: Timestamp,
    pub to: Timestamp,
    /// `None`: not counted in this window (absent, first seen but created earlier, or without
    /// the downloads the measure needs).
    pub downloads: Option<u64>,
    /// Of the window's downloads (its population's total).
    pub share: Option<f64>,
    /// Rank in the window's working set; `None` outside it.
    pub rank: Option<u64>,
}

/// What to show of one model.
#[derive(Clone, Debug)]
pub struct ModelQuery {
    /// The model: its id, any former id, or its `_id` key.
    pub id: String,
    /// How many children and descendants to list.
    pub limit: usize,
}

/// One model: its weekly downloads and working-set rank, its lineage, and its attribution in
/// both origin modes with sources.
#[derive(Clone, Debug, Serialize)]
pub struct ModelView {
    pub schema: &'static str,
    pub id: String,
    /// The working set's size (ranks are within the top `k`).
    pub k: u64,
    /// The population of every window's downloads (the latest window's words).
    pub population: Population,
    pub weeks: Vec<ModelWeek>,
    pub lineage: LineageView,
    pub who: ModelAnswer,
}

/// Weeks of downloads and ranks of the model `query` names (an unknown model is
/// [`QueryError::UnknownModel`]).
pub fn model(
    census: &Census,
    history: &History,
    query: &ModelQuery,
) -> Result<ModelView, QueryError> {
    let lineage = lineage(
        census,
        &LineageQuery {
            model: query.id.clone(),
            as_of: None,
            limit: query.limit,
            filter: Filter::default(),
        },
    )?;
    let (_, weeks) = model_weeks(census, history, &query.id)?;
    let WhoView::Model(who) = who(
        Some(census),
        &WhoQuery {
            name: lineage.id.clone(),
            at: None,
            snapshot: None,
            now: census.latest().unwrap_or(Timestamp::from_millis(0)),
        },
    )?
    else {
        return Err(QueryError::Bug(format!(
            "{} read as a namespace, not a model",
            lineage.id
        )));
    };
    Ok(ModelView {
        schema: MODEL_SCHEMA,
        id: lineage.id.clone(),
        k: history.k,
        population: history.windows[history.windows.len() - 1]
            .population
            .clone(),
        weeks,
        lineage,
        who: *who,
    })
}

/// The weekly downloads and working-set ranks of the model `id` names (its id, a former id or
/// its `_id` key), with its current id; an unknown model is [`QueryError::UnknownModel`].
pub fn model_weeks(
    census: &Census,
    history: &History,
    id: &str,
) -> Result<(String, Vec<ModelWeek>), QueryError> {
    let index = census
        .resolve(id)?
        .ok_or_else(|| QueryError::UnknownModel { id: id.to_owned() })?;
    let weeks = history
        .windows
        .iter()
        .map(|window| {
            let downloads = window.downloads(index as usize);
            let total = window.population.total_downloads;
            ModelWeek {
                from: window.population.from,
                to: window.population.to,
                downloads,
                share: downloads
                    .filter(|_| total > 0)
                    .map(|d| d as f64 / total as f64),
                rank: window.rank(index),
            }
        })
        .collect();
    let current = history
        .ids
        .get(index as usize)
        .map_or_else(|| id.to_owned(), str::to_owned);
    Ok((current, weeks))
}

pub const SEARCH_SCHEMA: &str = "hubcensus.search/1";

/// Model ids and namespaces containing a text.
#[derive(Clone, Debug, Serialize)]
pub struct SearchView {
    pub schema: &'static str,
    pub query: String,
    /// How many model ids contain it.
    pub matched: u64,
    /// The best `limit` of them: an exact match first, then ids starting with the text, then
    /// shorter ids, then by id.
    pub models: Vec<String>,
    /// Namespaces containing the text (of models in the store), by name, at most 20.
    pub namespaces: Vec<String>,
}

/// The store's model ids (current ids) containing `text`, case-insensitively.
#[must_use]
pub fn search(history: &History, text: &str, limit: usize) -> SearchView {
    let needle = text.trim().to_lowercase();
    let mut matched: Vec<(u8, usize, &str)> = Vec::new();
    let mut namespaces = std::collections::BTreeSet::new();
    if !needle.is_empty() {
        for id in history.ids.iter() {
            let lower = id.to_lowercase();
            if let Some(at) = lower.find(&needle) {
                let class = if lower == needle {
                    0
                } else if at == 0 {
                    1
                } else {
                    2
                };
                matched.push((class, id.len(), id));
                if let Some((namespace, _)) = id.split_once('/')
                    && namespace.to_lowercase().contains(&needle)
                    && namespaces.len() < 20
                {
                    namespaces.insert(namespace.to_owned());
                }
            }
        }
    }
    let count = matched.len() as u64;
    if matched.len() > limit && limit > 0 {
        matched.select_nth_unstable(limit - 1);
        matched.truncate(limit);
    }
    matched.sort_unstable();
    matched.truncate(limit);
    SearchView {
        schema: SEARCH_SCHEMA,
        query: text.trim().to_owned(),
        matched: count,
        models: matched
            .into_iter()
            .map(|(_, _, id)| id.to_owned())
            .collect(),
        namespaces: namespaces.into_iter().collect(),
    }
}

/// One model derived from a namespace's model.
#[derive(Clone, Debug, Serialize)]
pub struct NamespaceDerivative {
    pub id: String,
    /// The namespace's model it descends from (its lineage root).
    pub root: String,
    /// Its own relation to its parents.
    pub relation: Option<hubcensus_model::Relation>,
    /// Downloads in the latest window; `None` when not counted there.
    pub downloads: Option<u64>,
}

/// The derivatives of a namespace's models: models of other namespaces whose lineage root is one
/// of its models (the organization page).
#[derive(Clone, Debug, Serialize)]
pub struct NamespaceDerivatives {
    pub namespace: String,
    /// Where the lineage comes from.
    pub lineage: String,
    /// The latest window, whose downloads are summed.
    pub population: String,
    /// How many models of other namespaces have a root in the namespace.
    pub count: u64,
    /// Their downloads in the latest window (those counted there).
    pub downloads: u64,
    /// The first `limit` by downloads descending (not counted last), then id.
    pub top: Vec<NamespaceDerivative>,
}

/// The models of other namespaces whose lineage root (in the latest snapshot's lineage) is a
/// model of `namespace`, with their downloads in the history's latest window.
pub fn namespace_derivatives(
    census: &Census,
    history: &History,
    namespace: &str,
    limit: usize,
) -> Result<NamespaceDerivatives, QueryError> {
    use hubcensus_analytics::lineage::Root;
    let latest = census.latest().ok_or_else(|| QueryError::NoSnapshots {
        dir: census.dir().to_path_buf(),
    })?;
    let (graph, source) = census.lineage(latest, false)?;
    let window = &history.windows[history.windows.len() - 1];
    let ids = &history.ids;
    let of = |id: &str| id.split_once('/').map(|(ns, _)| ns == namespace);
    let mut found: Vec<(u32, u32)> = Vec::new();
    for model in 0..graph.len().min(ids.len()) {
        if let Root::Model(root) = graph.root(model)
            && root as usize != model
            && (root as usize) < ids.len()
            && of(&ids[root as usize]) == Some(true)
            && of(&ids[model]) != Some(true)
        {
            found.push((model as u32, root));
        }
    }
    let downloads: u64 = found
        .iter()
        .filter_map(|&(m, _)| window.downloads(m as usize))
        .sum();
    let mut top: Vec<NamespaceDerivative> = found
        .iter()
        .map(|&(m, root)| NamespaceDerivative {
            id: ids[m as usize].to_owned(),
            root: ids[root as usize].to_owned(),
            relation: graph.relation(m as usize),
            downloads: window.downloads(m as usize),
        })
        .collect();
    top.sort_by(|a, b| b.downloads.cmp(&a.downloads).then_with(|| a.id.cmp(&b.id)));
    top.truncate(limit);
    Ok(NamespaceDerivatives {
        namespace: namespace.to_owned(),
        lineage: census.lineage_words(latest, source),
        population: window.population.words.clone(),
        count: found.len() as u64,
        downloads,
        top,
    })
}
