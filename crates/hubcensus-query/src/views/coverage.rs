//! `registry coverage`: the share of a snapshot's downloads and models the registry attributes
//! to a country and to a contributor type, and the biggest unattributed namespaces.

use hubcensus_model::FrameColumns;
use hubcensus_registry::CoverageInput;
use serde::Serialize;

use crate::attribution::Attributor;
use crate::{AsOf, Census, QueryError};

pub const SCHEMA: &str = "hubcensus.registry.coverage/1";

/// Which downloads weigh the models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoverageMeasure {
    /// The Hub's rolling 30-day `downloads`.
    ThirtyDay,
    /// `downloadsAllTime`.
    AllTime,
}

impl CoverageMeasure {
    /// The store's column name.
    #[must_use]
    pub const fn column(self) -> &'static str {
        match self {
            Self::ThirtyDay => "downloads_30d",
            Self::AllTime => "downloads_all_time",
        }
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct CoverageQuery {
    /// The snapshot (the latest when `None`).
    pub snapshot: Option<AsOf>,
    /// Only the top K models by the measure (ties broken by model id).
    pub top: Option<usize>,
    pub measure: CoverageMeasure,
    /// How many unattributed namespaces to list.
    pub gaps: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct CoveragePopulation {
    pub snapshot: String,
    pub source: &'static str,
    pub partial_snapshot: bool,
    pub synthetic: bool,
    pub measure: &'static str,
    pub top: Option<usize>,
    pub models: u64,
    pub downloads: u64,
    pub account_kinds: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Gap {
    /// `None`: legacy, unnamespaced ids.
    pub namespace: Option<String>,
    pub downloads: u64,
    pub models: u64,
    pub has_type: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct CoverageView {
    pub schema: &'static str,
    pub registry_version: String,
    pub population: CoveragePopulation,
    pub downloads_share_with_country: Option<f64>,
    pub downloads_share_with_type: Option<f64>,
    pub models_share_with_country: Option<f64>,
    pub models_share_with_type: Option<f64>,
    pub downloads_with_country: u64,
    pub downloads_with_type: u64,
    pub models_with_country: u64,
    pub models_with_type: u64,
    pub unattributed_namespaces: u64,
    pub top_unattributed: Vec<Gap>,
}

pub fn coverage(census: &Census, query: &CoverageQuery) -> Result<CoverageView, QueryError> {
    let as_of = census.times()[census.position(query.snapshot.as_ref())?];
    let info = census
        .info(as_of)
        .ok_or_else(|| QueryError::Bug(format!("no manifest for {as_of}")))?
        .clone();
    let column = query.measure.column();
    if !info.has_column(column) {
        return Err(QueryError::invalid(
            "measure",
            format!("the snapshot at {as_of} has no {column} column"),
            "use --measure 30d (the only measure older snapshot eras carry)",
        ));
    }
    let wanted = match query.measure {
        CoverageMeasure::ThirtyDay => FrameColumns::DOWNLOADS_30D,
        CoverageMeasure::AllTime => FrameColumns::DOWNLOADS_ALL_TIME,
    };
    let set = census
        .store()
        .load_frames_with(&[as_of], wanted | FrameColumns::AUTHOR)
        .map_err(QueryError::store(format!(
            "cannot load the snapshot at {as_of}"
        )))?;
    let frame = &set.frames[0];
    let catalog = &set.catalog;
    let values = match query.measure {
        CoverageMeasure::ThirtyDay => &frame.downloads_30d,
        CoverageMeasure::AllTime => &frame.downloads_all_time,
    };
    let mut models: Vec<(usize, u64)> = (0..frame.len())
        .filter(|&index| frame.present[index])
        .map(|index| (index, values.at(index).unwrap_or(0)))
        .collect();
    if let Some(top) = query.top {
        models.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| catalog.ids[a.0].cmp(&catalog.ids[b.0]))
        });
        models.truncate(top);
    }
    let attributor = Attributor::new(census.accounts());
    let accounts = census.accounts();
    let inputs = models.iter().map(|&(index, downloads)| {
        let namespace = attributor.uploader(catalog, frame, index);
        CoverageInput {
            namespace,
            account: namespace.and_then(|namespace| accounts.get(namespace)),
            downloads,
        }
    });
    let registry = attributor.registry();
    let result = registry.coverage(as_of, inputs, query.gaps);
    Ok(CoverageView {
        schema: SCHEMA,
        registry_version: registry.version(),
        population: CoveragePopulation {
            snapshot: as_of.to_string(),
            source: info.source.as_str(),
            partial_snapshot: info.partial,
            synthetic: info.synthetic,
            measure: column,
            top: query.top,
            models: result.models,
            downloads: result.downloads,
            account_kinds: accounts.len(),
        },
        downloads_share_with_country: result.downloads_share_with_country(),
        downloads_share_with_type: result.downloads_share_with_type(),
        models_share_with_country: result.models_share_with_country(),
        models_share_with_type: result.models_share_with_type(),
        downloads_with_country: result.downloads_with_country,
        downloads_with_type: result.downloads_with_type,
        models_with_country: result.models_with_country,
        models_with_type: result.models_with_type,
        unattributed_namespaces: result.unattributed_namespaces,
        top_unattributed: result
            .top_unattributed
            .into_iter()
            .map(|gap| Gap {
                namespace: gap.namespace,
                downloads: gap.downloads,
                models: gap.models,
                has_type: gap.has_type,
            })
            .collect(),
    })
}
