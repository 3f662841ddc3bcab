//! `lineage MODEL_ID`: one model's parents, root, family, children and descendants.

use hubcensus_analytics::Filter;
use hubcensus_analytics::lineage::{ByRelation, Root};
use hubcensus_model::{Relation, Timestamp};
use serde::Serialize;

use crate::{AsOf, Census, QueryError};

pub const SCHEMA: &str = "hubcensus.lineage/1";

/// What to compute.
#[derive(Clone, Debug)]
pub struct LineageQuery {
    /// The model: its id, any former id, or its `_id` key.
    pub model: String,
    /// The snapshot whose lineage to read (the latest when `None`).
    pub as_of: Option<AsOf>,
    /// How many children and descendants to list (all are counted).
    pub limit: usize,
    /// Selects which children and descendants are listed and counted.
    pub filter: Filter,
}

/// One model's lineage.
#[derive(Clone, Debug, Serialize)]
pub struct LineageView {
    pub schema: &'static str,
    pub as_of: Timestamp,
    pub population: String,
    pub id: String,
    pub relation: Option<Relation>,
    pub parents: Vec<String>,
    /// A model id, or "mixed" for a merge of models with different roots.
    pub root: String,
    pub family: String,
    pub in_cycle: bool,
    pub direct: ByRelation,
    pub children: Vec<String>,
    pub descendants: u64,
    pub descendants_listed: Vec<String>,
    pub tag_mentions: u64,
}

pub fn lineage(census: &Census, query: &LineageQuery) -> Result<LineageView, QueryError> {
    let position = census.position(query.as_of.as_ref())?;
    let as_of = census.times()[position];
    let model = census
        .resolve(&query.model)?
        .ok_or_else(|| QueryError::UnknownModel {
            id: query.model.clone(),
        })? as usize;
    let ids = census.ids()?;
    let (graph, source) = census.lineage(as_of, true)?;
    let set = census.load_shared(&[as_of], &query.filter, hubcensus_model::FrameColumns::NONE)?;
    let frame = &set.frames[0];
    let matcher = query.filter.matcher(&set.catalog, as_of);
    let accepted = |m: u32| matcher.accepts(frame, m as usize);
    let children: Vec<u32> = graph
        .children(model)
        .iter()
        .copied()
        .filter(|&c| accepted(c))
        .collect();
    let mut direct = ByRelation::default();
    for &child in &children {
        direct.add(
            graph.relation(child as usize).unwrap_or(Relation::Unknown),
            1,
        );
    }
    let descendants: Vec<u32> = graph
        .descendants(model)
        .into_iter()
        .filter(|&d| accepted(d))
        .collect();
    let name = |m: u32| ids[m as usize].to_owned();
    Ok(LineageView {
        schema: SCHEMA,
        as_of,
        population: format!(
            "{}; children and descendants: {}",
            census.lineage_words(as_of, source),
            query.filter.describe()
        ),
        id: ids[model].to_owned(),
        relation: graph.relation(model),
        parents: graph.parents(model).iter().map(|&p| name(p)).collect(),
        root: match graph.root(model) {
            Root::Model(root) => name(root),
            Root::Mixed => "mixed".to_owned(),
        },
        family: name(graph.family(model)),
        in_cycle: graph
            .cycles()
            .iter()
            .any(|cycle| cycle.contains(&(model as u32))),
        direct,
        children: children
            .iter()
            .take(query.limit)
            .map(|&c| name(c))
            .collect(),
        descendants: descendants.len() as u64,
        descendants_listed: descendants
            .iter()
            .take(query.limit)
            .map(|&d| name(d))
            .collect(),
        tag_mentions: graph.tag_mentions(model),
    })
}

/// The version of the lineage edges table.
pub const EDGES_SCHEMA: &str = "hubcensus.lineage_edges/1";

/// One edge of the lineage graph: a model and one of its parents.
#[derive(Clone, Debug, Serialize)]
pub struct Edge {
    pub model: String,
    pub parent: String,
    /// The model's relation to its parents (one per model, METHODS.md §5).
    pub relation: Option<Relation>,
    /// How many parents the model has (more than one: a merge).
    pub parents: u64,
}

/// Every edge of the lineage graph at one snapshot (after cycle breaking), by model id then
/// parent id.
#[derive(Clone, Debug, Serialize)]
pub struct EdgesView {
    pub schema: &'static str,
    pub as_of: Timestamp,
    /// The snapshot the lineage was read from (the newest at or before `as_of` that carried
    /// lineage); `None` when none did.
    pub lineage_from: Option<Timestamp>,
    pub population: String,
    pub cycles_broken: u64,
    pub edges: Vec<Edge>,
}

/// The lineage graph's edges at `as_of` (the latest snapshot when `None`).
pub fn edges(census: &Census, as_of: Option<&AsOf>) -> Result<EdgesView, QueryError> {
    let position = census.position(as_of)?;
    let as_of = census.times()[position];
    let ids = census.ids()?;
    let (graph, source) = census.lineage(as_of, false)?;
    let mut edges: Vec<Edge> = Vec::new();
    for model in 0..graph.len() {
        let parents = graph.parents(model);
        for &parent in parents {
            edges.push(Edge {
                model: ids[model].to_owned(),
                parent: ids[parent as usize].to_owned(),
                relation: graph.relation(model),
                parents: parents.len() as u64,
            });
        }
    }
    edges.sort_by(|a, b| a.model.cmp(&b.model).then_with(|| a.parent.cmp(&b.parent)));
    Ok(EdgesView {
        schema: EDGES_SCHEMA,
        as_of,
        lineage_from: source,
        population: census.lineage_words(as_of, source),
        cycles_broken: graph.cycles().len() as u64,
        edges,
    })
}
