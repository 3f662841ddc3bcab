//! `derivatives`: base models ranked by their derivative ecosystems.

use hubcensus_analytics::Filter;
use hubcensus_analytics::lineage::{self, ByRelation, EcosystemDownloads, RelationMix};
use hubcensus_model::{FrameColumns, Timestamp};
use serde::Serialize;

use crate::{AsOf, Census, QueryError, WindowPlan};

pub const SCHEMA: &str = "hubcensus.derivatives/1";

/// What to compute.
#[derive(Clone, Debug)]
pub struct DerivativesQuery {
    /// How many bases to list.
    pub top: usize,
    /// The snapshot whose lineage to read (the latest when `None`).
    pub as_of: Option<AsOf>,
    /// Selects the bases; their descendants are counted whatever they are.
    pub filter: Filter,
}

/// One base model.
#[derive(Clone, Debug, Serialize)]
pub struct Base {
    pub rank: u64,
    pub id: String,
    pub direct: ByRelation,
    pub descendants: u64,
    pub tag_mentions: u64,
    /// The window's downloads of the base and of its descendants (by relation), and the share
    /// that goes to the descendants (docs/methodology.md, "Families and derivatives"); `None`
    /// when no window ends at the snapshot.
    pub downloads: Option<EcosystemDownloads>,
}

/// Base models by derivative ecosystem.
#[derive(Clone, Debug, Serialize)]
pub struct DerivativesView {
    pub schema: &'static str,
    pub as_of: Timestamp,
    pub population: String,
    pub cycles_broken: u64,
    pub relation_mix: RelationMix,
    /// The window whose downloads the bases' `downloads` split (every model counted, whatever
    /// the filter): the window ending at `as_of`; `None` when there is none.
    pub downloads_population: Option<String>,
    pub bases: Vec<Base>,
}

pub fn derivatives(
    census: &Census,
    query: &DerivativesQuery,
) -> Result<DerivativesView, QueryError> {
    if query.top == 0 {
        return Err(QueryError::invalid(
            "top",
            "--top must be at least 1",
            "use --top 20 (the default) or another positive count",
        ));
    }
    let position = census.position(query.as_of.as_ref())?;
    let as_of = census.times()[position];
    let ids = census.ids()?;
    let (graph, source) = census.lineage(as_of, true)?;
    let set = census.load_for(&[as_of], &query.filter)?;
    let matcher = query.filter.matcher(&set.catalog, as_of);
    let frame = &set.frames[0];
    let mut ranked = lineage::derivatives(&graph, None, |m| matcher.accepts(frame, m));
    // Ties beyond descendants, direct children and mentions break by id, not dense index.
    ranked.sort_by(|a, b| {
        b.descendants
            .cmp(&a.descendants)
            .then(b.direct.total().cmp(&a.direct.total()))
            .then(b.tag_mentions.cmp(&a.tag_mentions))
            .then_with(|| ids[a.model as usize].cmp(&ids[b.model as usize]))
    });
    ranked.truncate(query.top);
    // The window ending at the lineage's snapshot, over every model: the derivatives of a base
    // are counted whatever the filter, so are their downloads.
    let bases: Vec<u32> = ranked.iter().map(|base| base.model).collect();
    let mut split: Option<(String, Vec<EcosystemDownloads>)> = None;
    if position > 0 {
        let plan = WindowPlan::ending(
            census,
            position..=position,
            Filter::default(),
            FrameColumns::NONE,
        );
        census.for_each_window(&plan, |_, window, _| {
            split = Some((
                window.population.words.clone(),
                lineage::ecosystem_downloads(&graph, &bases, &window.downloads),
            ));
            Ok(())
        })?;
    }
    let (downloads_population, split): (Option<String>, Vec<Option<EcosystemDownloads>>) =
        match split {
            Some((words, split)) => (Some(words), split.into_iter().map(Some).collect()),
            None => (None, vec![None; ranked.len()]),
        };
    Ok(DerivativesView {
        schema: SCHEMA,
        as_of,
        population: format!(
            "{}; bases: {}; {} edges",
            census.lineage_words(as_of, source),
            query.filter.describe(),
            graph.relation_mix().edges
        ),
        cycles_broken: graph.cycles().len() as u64,
        relation_mix: graph.relation_mix().clone(),
        downloads_population,
        bases: ranked
            .iter()
            .zip(split)
            .enumerate()
            .map(|(rank, (base, downloads))| Base {
                rank: rank as u64 + 1,
                id: ids[base.model as usize].to_owned(),
                direct: base.direct,
                descendants: base.descendants,
                tag_mentions: base.tag_mentions,
                downloads,
            })
            .collect(),
    })
}
