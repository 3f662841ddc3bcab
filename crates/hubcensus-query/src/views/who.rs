//! `who`: who made a namespace or a model, from where, as what, with sources. A model's answer
//! comes from the same [`Attributor`] as every share, so `who` and `shares` cannot disagree.

use hubcensus_analytics::lineage::LineageGraph;
use hubcensus_model::{Attribution, ContributorType, FrameColumns, ModelId, Region, Timestamp};
use hubcensus_registry::{Fallback, LineageOrigin, NamespaceRole, Origin, Registry, Root};
use serde::Serialize;

use crate::attribution::{Accounts, Attributor};
use crate::{AsOf, Census, QueryError};

pub const SCHEMA: &str = "hubcensus.who/1";

/// What to answer.
#[derive(Clone, Debug)]
pub struct WhoQuery {
    /// A namespace (`Qwen`), a model id (`Qwen/Qwen3-8B`) or a legacy id (`gpt2`).
    pub name: String,
    /// The time to attribute at; default: the snapshot's time, else `now`.
    pub at: Option<Timestamp>,
    /// The snapshot whose lineage gives a model's root; default: the latest.
    pub snapshot: Option<AsOf>,
    /// The caller's clock, for a store with no snapshot.
    pub now: Timestamp,
}

/// The answer: about a namespace, or about a model.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub enum WhoView {
    Namespace(Box<NamespaceAnswer>),
    Model(Box<ModelAnswer>),
}

#[derive(Clone, Debug, Serialize)]
pub struct NamespaceAnswer {
    pub schema: &'static str,
    pub query: String,
    pub kind: &'static str,
    pub at: String,
    pub registry_version: String,
    pub namespace: NamespaceFacts,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelAnswer {
    pub schema: &'static str,
    pub query: String,
    pub kind: &'static str,
    pub model: String,
    pub legacy: bool,
    pub at: String,
    pub registry_version: String,
    pub origin: OriginFacts,
    pub uploader: Option<NamespaceFacts>,
}

/// An attribution, with the region its country gives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AttributionFacts {
    pub organization: Option<String>,
    pub country: Option<String>,
    pub region: Option<&'static str>,
    pub contributor: Option<&'static str>,
}

impl From<&Attribution> for AttributionFacts {
    fn from(attribution: &Attribution) -> Self {
        Self {
            organization: attribution.organization.clone(),
            country: attribution.country.clone(),
            region: attribution.region().map(Region::as_str),
            contributor: attribution.contributor.map(ContributorType::as_str),
        }
    }
}

/// What the registry says of one namespace.
#[derive(Clone, Debug, Serialize)]
pub struct NamespaceFacts {
    pub name: String,
    pub in_registry: bool,
    pub attribution: AttributionFacts,
    #[serde(flatten)]
    pub entry: Option<EntryFacts>,
}

/// A registry entry with the source of every fact.
#[derive(Clone, Debug, Serialize)]
pub struct EntryFacts {
    pub registry_id: String,
    pub multinational: bool,
    pub parents: Vec<String>,
    pub sources: Sources,
    pub link: Link,
    pub notes: Vec<String>,
    /// The organization's display name and registry file (tables).
    #[serde(skip)]
    pub organization: String,
    #[serde(skip)]
    pub file: String,
    /// Parent, grandparent, ...: (name, id, the source of the link to it).
    #[serde(skip)]
    pub ancestors: Vec<(String, String, Option<String>)>,
    /// The country and type facts with the organization they were stated for.
    #[serde(skip)]
    pub country: Option<FactFacts>,
    #[serde(skip)]
    pub contributor: Option<FactFacts>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Sources {
    pub country: Option<String>,
    pub country_stated_for: Option<String>,
    pub contributor: Option<String>,
    pub contributor_stated_for: Option<String>,
    pub parent: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Link {
    pub name: String,
    pub role: Option<&'static str>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One fact: its value, source, and the organization it was stated for.
#[derive(Clone, Debug)]
pub struct FactFacts {
    pub value: String,
    pub source: Option<String>,
    /// `None` when stated for the entry's own organization.
    pub stated_for: Option<String>,
    /// The country of a multinational organization.
    pub multinational: bool,
}

/// A model's attribution in both origin modes.
#[derive(Clone, Debug, Serialize)]
pub struct OriginFacts {
    pub uploader: AttributionFacts,
    pub lineage: LineageFacts,
}

/// The lineage mode's answer and why.
#[derive(Clone, Debug, Serialize)]
pub struct LineageFacts {
    /// `root`, `mixed`, `uploader_own_root`, `uploader_lineage_unknown`,
    /// `uploader_root_unattributed`, `unknown_no_snapshot`, `unknown_not_in_snapshot`.
    pub mode: &'static str,
    pub root: Option<String>,
    pub snapshot: Option<String>,
    pub cycle_broken: bool,
    pub attribution: Option<AttributionFacts>,
    pub country: Option<String>,
}

/// Answers `query`; `census` is `None` without a store (a namespace needs none).
pub fn who(census: Option<&Census>, query: &WhoQuery) -> Result<WhoView, QueryError> {
    let registry = Registry::embedded();
    let no_accounts = Accounts::default();
    let attributor = Attributor::new(census.map_or(&no_accounts, Census::accounts));
    let snapshot = match census {
        Some(census) if !census.times().is_empty() || query.snapshot.is_some() => {
            Some(census.times()[census.position(query.snapshot.as_ref())?])
        }
        _ => None,
    };
    let at = query.at.or(snapshot).unwrap_or(query.now);
    let name = query.name.trim();
    let registry_version = registry.version();
    match parse_subject(name, registry)? {
        Subject::Namespace(namespace) => Ok(WhoView::Namespace(Box::new(NamespaceAnswer {
            schema: SCHEMA,
            query: query.name.clone(),
            kind: "namespace",
            at: at.to_string(),
            registry_version,
            namespace: namespace_facts(
                registry,
                &namespace,
                at,
                &attributor.attribute(&namespace, at),
            ),
        }))),
        Subject::Model(id) => {
            let (origin, lineage, uploader) =
                if let (Some(census), Some(snapshot)) = (census, snapshot) {
                    model_origin(census, &attributor, snapshot, &id, at)?
                } else {
                    let uploader = registry.namespace_of(&id).map(str::to_owned);
                    let origin = registry.origin(uploader.as_deref(), Root::Unknown, at, |n| {
                        attributor.accounts().get(n)
                    });
                    (origin, Place::NoSnapshot, uploader)
                };
            Ok(WhoView::Model(Box::new(ModelAnswer {
                schema: SCHEMA,
                query: query.name.clone(),
                kind: "model",
                model: id.as_str().to_owned(),
                legacy: id.namespace().is_none(),
                at: at.to_string(),
                registry_version,
                origin: OriginFacts {
                    uploader: (&origin.uploader).into(),
                    lineage: lineage_facts(&origin, &lineage),
                },
                uploader: uploader
                    .map(|namespace| namespace_facts(registry, &namespace, at, &origin.uploader)),
            })))
        }
    }
}

/// What the user asked about, once parsed.
enum Subject {
    Namespace(String),
    Model(ModelId),
}

fn parse_subject(name: &str, registry: &Registry) -> Result<Subject, QueryError> {
    let invalid = |message: &str| {
        QueryError::invalid(
            "name",
            message,
            "pass a namespace (`hubcensus who Qwen`) or a model id (`hubcensus who Qwen/Qwen3-8B`)",
        )
    };
    if name.contains('/') {
        return ModelId::new(name)
            .map(Subject::Model)
            .map_err(|error| invalid(&format!("not a namespace or model id: {error}")));
    }
    if name.is_empty() {
        return Err(invalid("empty namespace"));
    }
    // A bare name is a legacy model id when the registry records its move, else a namespace.
    let known_namespace = registry
        .organizations()
        .iter()
        .flat_map(|organization| &organization.namespaces)
        .any(|link| link.name.eq_ignore_ascii_case(name));
    let id = ModelId::new(name)
        .map_err(|error| invalid(&format!("not a namespace or model id: {error}")))?;
    if !known_namespace && registry.legacy_move(name).is_some() {
        return Ok(Subject::Model(id));
    }
    Ok(Subject::Namespace(name.to_owned()))
}

/// Where the store found the model.
enum Place {
    NoSnapshot,
    NotInSnapshot(Timestamp),
    Found {
        snapshot: Timestamp,
        root: Option<String>,
        cycle: bool,
    },
}

/// The model's origin at the snapshot, through the attributor every view uses.
fn model_origin(
    census: &Census,
    attributor: &Attributor<'_>,
    snapshot: Timestamp,
    id: &ModelId,
    at: Timestamp,
) -> Result<(Origin, Place, Option<String>), QueryError> {
    let registry = attributor.registry();
    let outside = |place| {
        let uploader = registry.namespace_of(id).map(str::to_owned);
        let origin = registry.origin(uploader.as_deref(), Root::Unknown, at, |n| {
            attributor.accounts().get(n)
        });
        Ok((origin, place, uploader))
    };
    let Some(index) = census.resolve(id.as_str())? else {
        return outside(Place::NotInSnapshot(snapshot));
    };
    let index = index as usize;
    let set = census.load_shared(
        &[snapshot],
        &hubcensus_analytics::Filter::default(),
        FrameColumns::AUTHOR,
    )?;
    let end = &set.frames[0];
    let (graph, source) = census.lineage(snapshot, false)?;
    // A model absent from the snapshot is still placed by the lineage it had in the snapshot the
    // lineage comes from (a listing that did not list it says nothing of its parents).
    let present = end.present.get(index).copied().unwrap_or(false);
    if !present && (source.is_none() || graph.parents(index).is_empty()) {
        return outside(Place::NotInSnapshot(snapshot));
    }
    // The lineage is known for the model only when the snapshot it comes from has the model.
    let known = match source {
        None => false,
        Some(source) if source == snapshot => true,
        Some(source) => census
            .load_shared(
                &[source],
                &hubcensus_analytics::Filter::default(),
                FrameColumns::NONE,
            )?
            .frames[0]
            .present
            .get(index)
            .copied()
            .unwrap_or(false),
    };
    let origin = attributor.origin(&set.catalog, end, known.then_some(&graph), index, at);
    let root = match graph.root(index) {
        hubcensus_analytics::lineage::Root::Model(root) if root as usize != index => {
            set.catalog.ids.get(root as usize).map(str::to_owned)
        }
        _ => None,
    };
    let uploader = attributor
        .uploader(&set.catalog, end, index)
        .map(str::to_owned);
    Ok((
        origin,
        Place::Found {
            snapshot: source.unwrap_or(snapshot),
            root,
            cycle: cycle_above(&graph, index),
        },
        uploader,
    ))
}

/// Whether a cycle was broken among the model's ancestors (itself included).
fn cycle_above(graph: &LineageGraph, model: usize) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    let mut stack = vec![model as u32];
    while let Some(next) = stack.pop() {
        if seen.insert(next) {
            stack.extend(graph.parents(next as usize).iter().copied());
        }
    }
    graph
        .cycles()
        .iter()
        .any(|cycle| cycle.iter().any(|m| seen.contains(m)))
}

fn lineage_facts(origin: &Origin, place: &Place) -> LineageFacts {
    let attribution = match &origin.lineage {
        LineageOrigin::Root { attribution, .. } | LineageOrigin::Uploader { attribution, .. } => {
            Some(attribution.into())
        }
        LineageOrigin::Mixed => None,
    };
    let (mode, root, snapshot, cycle) = match (place, &origin.lineage) {
        (Place::NoSnapshot, _) => ("unknown_no_snapshot", None, None, false),
        (Place::NotInSnapshot(at), _) => ("unknown_not_in_snapshot", None, Some(*at), false),
        (
            Place::Found {
                snapshot,
                root,
                cycle,
            },
            lineage,
        ) => {
            let mode = match lineage {
                LineageOrigin::Mixed => "mixed",
                LineageOrigin::Root { .. } => "root",
                LineageOrigin::Uploader { reason, .. } => match reason {
                    Fallback::OwnRoot => "uploader_own_root",
                    Fallback::UnknownLineage => "uploader_lineage_unknown",
                    Fallback::RootUnattributed => "uploader_root_unattributed",
                },
            };
            let root = if mode == "mixed" { None } else { root.clone() };
            (mode, root, Some(*snapshot), *cycle)
        }
    };
    LineageFacts {
        mode,
        root,
        snapshot: snapshot.map(|t| t.to_string()),
        cycle_broken: cycle,
        attribution,
        country: origin.lineage.country().map(str::to_owned),
    }
}

fn namespace_facts(
    registry: &Registry,
    namespace: &str,
    at: Timestamp,
    attribution: &Attribution,
) -> NamespaceFacts {
    let entry = registry.entry(namespace, at).map(|entry| {
        let organization = entry.organization;
        let link = entry.link;
        let own = organization.id.as_str();
        let stated_for =
            |from: &hubcensus_registry::Organization| (from.id != own).then(|| from.name.clone());
        EntryFacts {
            registry_id: organization.id.clone(),
            multinational: organization.multinational,
            parents: entry
                .ancestors
                .iter()
                .map(|parent| parent.id.clone())
                .collect(),
            sources: Sources {
                country: entry
                    .country
                    .as_ref()
                    .and_then(|f| f.source)
                    .map(str::to_owned),
                country_stated_for: entry.country.as_ref().map(|f| f.from.id.clone()),
                contributor: entry
                    .contributor
                    .as_ref()
                    .and_then(|f| f.source)
                    .map(str::to_owned),
                contributor_stated_for: entry.contributor.as_ref().map(|f| f.from.id.clone()),
                parent: organization.sources.parent.clone(),
                namespace: link.source.clone(),
            },
            link: Link {
                name: link.name.clone(),
                role: link.role.map(NamespaceRole::as_str),
                from: link.from.map(|t| t.to_string()),
                to: link.to.map(|t| t.to_string()),
            },
            notes: [link.note.as_deref(), organization.note.as_deref()]
                .into_iter()
                .flatten()
                .map(str::to_owned)
                .collect(),
            organization: organization.name.clone(),
            file: organization.file.clone(),
            ancestors: entry
                .ancestors
                .iter()
                .enumerate()
                .map(|(position, ancestor)| {
                    let child = if position == 0 {
                        organization
                    } else {
                        entry.ancestors[position - 1]
                    };
                    (
                        ancestor.name.clone(),
                        ancestor.id.clone(),
                        child.sources.parent.clone(),
                    )
                })
                .collect(),
            country: entry.country.as_ref().map(|fact| FactFacts {
                value: fact.value.to_owned(),
                source: fact.source.map(str::to_owned),
                stated_for: stated_for(fact.from),
                multinational: fact.from.multinational,
            }),
            contributor: entry.contributor.as_ref().map(|fact| FactFacts {
                value: fact.value.as_str().to_owned(),
                source: fact.source.map(str::to_owned),
                stated_for: stated_for(fact.from),
                multinational: false,
            }),
        }
    });
    NamespaceFacts {
        name: namespace.to_owned(),
        in_registry: entry.is_some(),
        attribution: attribution.into(),
        entry,
    }
}
