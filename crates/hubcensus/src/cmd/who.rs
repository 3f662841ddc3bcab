//! `hubcensus who`: show who made a namespace or model, from where, as what, with sources.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_model::{Attribution, ModelId, Region, Timestamp};
use hubcensus_registry::{
    Fallback, LineageOrigin, LineageRoot, Origin, Registry, Root, lineage_root,
};

use crate::context::Context;
use crate::output::{Hint, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: instant for a namespace; for a model, decodes the snapshot's columns and lineage from the
store to find the model's root (time grows with the snapshot's size). No network.

Examples:
  hubcensus who Qwen                   # a namespace: organization, country, type, sources
  hubcensus who THUDM --at 2024-06-01  # a renamed namespace, at a date
  hubcensus who deepseek-ai/DeepSeek-R1 --format json  # a model: both origin modes")]
pub struct Args {
    /// A namespace (`Qwen`), a model id (`Qwen/Qwen3-8B`) or a legacy id (`gpt2`)
    #[arg(value_name = "NAMESPACE|MODEL_ID")]
    name: String,
    /// The time to attribute at (the registry's validity dates); default: the latest snapshot's
    /// time, or now when the store has none
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// The snapshot whose lineage gives a model's root; default: the latest
    #[arg(long, value_name = "AS_OF")]
    snapshot: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

/// What the user asked about, once parsed.
enum Subject {
    Namespace(String),
    Model(ModelId),
}

/// What the store says about a model's lineage.
enum LineageFacts {
    NoSnapshot,
    NotInSnapshot(Timestamp),
    Root {
        snapshot: Timestamp,
        root: LineageRoot,
        root_id: Option<ModelId>,
        cycle: bool,
    },
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let text = answer(&args, context)?;
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn answer(args: &Args, context: &Context) -> anyhow::Result<String> {
    let registry = Registry::embedded();
    let subject = parse_subject(&args.name, registry)?;
    let store_snapshot = match &subject {
        Subject::Model(_) | Subject::Namespace(_)
            if context.data_dir.is_dir() || args.snapshot.is_some() =>
        {
            match super::registry::open_snapshot(context, args.snapshot.as_deref()) {
                Ok(found) => Some(found),
                Err(error) if args.snapshot.is_some() => return Err(error),
                Err(_) => None,
            }
        }
        _ => None,
    };
    let accounts = match &store_snapshot {
        Some((_, info)) => super::registry::account_kinds(context, info.as_of)?,
        None => std::collections::BTreeMap::new(),
    };
    let account_of = |namespace: &str| accounts.get(namespace).copied();
    let at = match &args.at {
        Some(text) => Timestamp::parse(text).context(Hint(
            "--at takes a date (2026-03-29) or an RFC 3339 time (2026-03-29T00:00:00Z)".into(),
        ))?,
        None => store_snapshot
            .as_ref()
            .map_or_else(now, |(_, info)| info.as_of),
    };
    let text = match &subject {
        Subject::Namespace(namespace) => {
            let attribution = registry.attribute(namespace, at, account_of(namespace));
            match args.format {
                Format::Table => namespace_table(registry, namespace, at, &attribution),
                Format::Json => json_text(&serde_json::json!({
                    "schema": "hubcensus.who/1",
                    "query": args.name,
                    "kind": "namespace",
                    "at": at.to_string(),
                    "registry_version": registry.version(),
                    "namespace": namespace_json(registry, namespace, at, &attribution),
                }))?,
            }
        }
        Subject::Model(id) => {
            let lineage = match &store_snapshot {
                None => LineageFacts::NoSnapshot,
                Some((store, info)) => model_lineage(store, info.as_of, id)?,
            };
            let uploader = registry.namespace_of(id).map(str::to_owned);
            let root = match &lineage {
                LineageFacts::NoSnapshot | LineageFacts::NotInSnapshot(_) => Root::Unknown,
                LineageFacts::Root { root, root_id, .. } => match root {
                    LineageRoot::Itself => Root::Itself,
                    LineageRoot::Mixed => Root::Mixed,
                    LineageRoot::Model(_) => Root::Model {
                        namespace: root_id.as_ref().and_then(|id| registry.namespace_of(id)),
                    },
                },
            };
            let origin = registry.origin(
                uploader.as_deref(),
                uploader.as_deref().and_then(account_of),
                root,
                at,
            );
            match args.format {
                Format::Table => {
                    model_table(registry, id, uploader.as_deref(), at, &origin, &lineage)
                }
                Format::Json => json_text(&model_json(
                    registry,
                    &args.name,
                    id,
                    uploader.as_deref(),
                    at,
                    &origin,
                    &lineage,
                ))?,
            }
        }
    };
    Ok(text)
}

fn now() -> Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        });
    Timestamp::from_millis(millis)
}

fn json_text(value: &serde_json::Value) -> anyhow::Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

const WHO_EXAMPLES: &str =
    "pass a namespace (`hubcensus who Qwen`) or a model id (`hubcensus who Qwen/Qwen3-8B`)";

fn parse_subject(name: &str, registry: &Registry) -> anyhow::Result<Subject> {
    let name = name.trim();
    if name.contains('/') {
        return Ok(Subject::Model(
            ModelId::new(name)
                .context("not a namespace or model id")
                .context(Hint(WHO_EXAMPLES.into()))?,
        ));
    }
    if name.is_empty() {
        return Err(anyhow::anyhow!("empty namespace").context(Hint(WHO_EXAMPLES.into())));
    }
    // A bare name is a legacy model id when the registry records its move, else a namespace.
    let known_namespace = registry
        .organizations()
        .iter()
        .flat_map(|organization| &organization.namespaces)
        .any(|link| link.name.eq_ignore_ascii_case(name));
    if !known_namespace && registry.legacy_move(name).is_some() {
        return Ok(Subject::Model(ModelId::new(name)?));
    }
    ModelId::new(name).context("not a namespace or model id")?;
    Ok(Subject::Namespace(name.to_owned()))
}

fn model_lineage(
    store: &hubcensus_store::Store,
    as_of: Timestamp,
    id: &ModelId,
) -> anyhow::Result<LineageFacts> {
    let Some(index) = store.resolve(id.as_str()) else {
        return Ok(LineageFacts::NotInSnapshot(as_of));
    };
    let frames = store
        .load_frames(&[as_of])
        .with_context(|| format!("cannot load the snapshot at {as_of}"))?;
    let present = frames
        .frames
        .first()
        .is_some_and(|frame| frame.present.get(index as usize).copied().unwrap_or(false));
    if !present {
        return Ok(LineageFacts::NotInSnapshot(as_of));
    }
    let table = store
        .lineage(as_of, &frames.catalog)
        .with_context(|| format!("cannot load the lineage of the snapshot at {as_of}"))?;
    let (root, cycle) = lineage_root(&table, index);
    let root_id = match root {
        LineageRoot::Model(root) => frames.catalog.ids.id(root as usize),
        LineageRoot::Itself | LineageRoot::Mixed => None,
    };
    Ok(LineageFacts::Root {
        snapshot: as_of,
        root,
        root_id,
        cycle,
    })
}

fn describe(attribution: &Attribution) -> String {
    let country = attribution.country.as_deref().map_or_else(
        || "country unattributed".to_owned(),
        |code| format!("{code} (region {})", Region::of_country(code)),
    );
    let kind = attribution
        .contributor
        .map_or("type unknown (account kind not known)", |kind| {
            kind.as_str()
        });
    let organization = attribution
        .organization
        .as_deref()
        .unwrap_or("not in the registry");
    format!("{country}, {kind}, {organization}")
}

fn namespace_table(
    registry: &Registry,
    namespace: &str,
    at: Timestamp,
    attribution: &Attribution,
) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{namespace}  (at {at})");
    write_namespace_lines(&mut text, registry, namespace, at, attribution);
    let _ = writeln!(text, "  registry      {}", registry.version());
    text
}

fn write_namespace_lines(
    text: &mut String,
    registry: &Registry,
    namespace: &str,
    at: Timestamp,
    attribution: &Attribution,
) {
    let Some(entry) = registry.entry(namespace, at) else {
        match attribution.contributor {
            Some(kind) => {
                let _ = writeln!(
                    text,
                    "  not in the registry: country unattributed; type {kind} (from the account \
                     kind `hubcensus enrich` recorded)"
                );
            }
            None => {
                let _ = writeln!(
                    text,
                    "  not in the registry: country unattributed; type `individual` if the account \
                     is a user, `unclassified organization` if it is an organization (account kind \
                     unknown until `hubcensus enrich`)"
                );
            }
        }
        return;
    };
    let organization = entry.organization;
    let _ = writeln!(
        text,
        "  organization  {} (registry id {}, {})",
        organization.name, organization.id, organization.file
    );
    for (position, ancestor) in entry.ancestors.iter().enumerate() {
        let child = if position == 0 {
            organization
        } else {
            entry.ancestors[position - 1]
        };
        let _ = writeln!(
            text,
            "  part of       {} ({})  source: {}",
            ancestor.name,
            ancestor.id,
            child.sources.parent.as_deref().unwrap_or("none")
        );
    }
    match &entry.country {
        Some(fact) => {
            let _ = writeln!(
                text,
                "  country       {} (region {}){}  source: {}{}",
                fact.value,
                Region::of_country(fact.value),
                if fact.from.multinational {
                    ", multinational"
                } else {
                    ""
                },
                fact.source.unwrap_or("none"),
                inherited(
                    fact.from.id.as_str(),
                    organization.id.as_str(),
                    &fact.from.name
                )
            );
        }
        None => {
            let _ = writeln!(text, "  country       unattributed (no sourced country)");
        }
    }
    match &entry.contributor {
        Some(fact) => {
            let _ = writeln!(
                text,
                "  type          {}  source: {}{}",
                fact.value,
                fact.source.unwrap_or("none"),
                inherited(
                    fact.from.id.as_str(),
                    organization.id.as_str(),
                    &fact.from.name
                )
            );
        }
        None => {
            let _ = writeln!(
                text,
                "  type          {}",
                attribution
                    .contributor
                    .map_or("unknown", |kind| kind.as_str())
            );
        }
    }
    let link = entry.link;
    let validity = match (link.from, link.to) {
        (None, None) => "always".to_owned(),
        (Some(from), None) => format!("from {}", from.date_string()),
        (None, Some(to)) => format!("until {}", to.date_string()),
        (Some(from), Some(to)) => format!("{} to {}", from.date_string(), to.date_string()),
    };
    let _ = writeln!(
        text,
        "  namespace     {} ({}, {validity})  source: {}",
        link.name,
        link.role.map_or("?", |role| role.as_str()),
        link.source.as_deref().unwrap_or("none")
    );
    for note in [link.note.as_deref(), organization.note.as_deref()]
        .into_iter()
        .flatten()
    {
        let _ = writeln!(text, "  note          {note}");
    }
}

fn inherited(from: &str, own: &str, name: &str) -> String {
    if from == own {
        String::new()
    } else {
        format!(" (stated for {name})")
    }
}

fn lineage_line(origin: &Origin, lineage: &LineageFacts) -> String {
    match (&origin.lineage, lineage) {
        (_, LineageFacts::NoSnapshot) => {
            "no snapshot; lineage origin unknown (falls back to the uploader)".to_owned()
        }
        (_, LineageFacts::NotInSnapshot(as_of)) => format!(
            "not in the snapshot at {as_of}; lineage origin unknown (falls back to the uploader)"
        ),
        (LineageOrigin::Mixed, LineageFacts::Root { snapshot, .. }) => {
            format!("mixed: a merge of models with different roots (snapshot {snapshot})")
        }
        (
            LineageOrigin::Root { attribution, .. },
            LineageFacts::Root {
                root_id, snapshot, ..
            },
        ) => {
            format!(
                "root {}: {} (snapshot {snapshot})",
                root_id.as_ref().map_or("?", ModelId::as_str),
                describe(attribution)
            )
        }
        (
            LineageOrigin::Uploader {
                attribution,
                reason,
            },
            LineageFacts::Root {
                root_id, snapshot, ..
            },
        ) => {
            let why = match reason {
                Fallback::OwnRoot => "the model is its own root".to_owned(),
                Fallback::UnknownLineage => "lineage unknown".to_owned(),
                Fallback::RootUnattributed => format!(
                    "its root {} has no attributed country",
                    root_id.as_ref().map_or("?", ModelId::as_str)
                ),
            };
            format!(
                "{} ({why}: falls back to the uploader; snapshot {snapshot})",
                describe(attribution)
            )
        }
    }
}

fn model_table(
    registry: &Registry,
    id: &ModelId,
    uploader: Option<&str>,
    at: Timestamp,
    origin: &Origin,
    lineage: &LineageFacts,
) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{id}  (at {at})");
    if id.namespace().is_none() {
        let moved = uploader.map_or_else(
            || "legacy, unnamespaced: the registry records no move".to_owned(),
            |namespace| format!("legacy, unnamespaced: moved to {namespace}/{}", id.name()),
        );
        let _ = writeln!(text, "  id            {moved}");
    }
    let _ = writeln!(text, "  origin (uploader)  {}", describe(&origin.uploader));
    let _ = writeln!(
        text,
        "  origin (lineage)   {}",
        lineage_line(origin, lineage)
    );
    if let LineageFacts::Root { cycle: true, .. } = lineage {
        let _ = writeln!(
            text,
            "  note          a lineage cycle was found and broken on the way to the root"
        );
    }
    if let Some(namespace) = uploader {
        let _ = writeln!(text, "uploader {namespace}");
        write_namespace_lines(&mut text, registry, namespace, at, &origin.uploader);
    }
    let _ = writeln!(text, "  registry      {}", registry.version());
    text
}

fn attribution_json(attribution: &Attribution) -> serde_json::Value {
    serde_json::json!({
        "organization": attribution.organization,
        "country": attribution.country,
        "region": attribution.region().map(Region::as_str),
        "contributor": attribution.contributor.map(hubcensus_model::ContributorType::as_str),
    })
}

fn namespace_json(
    registry: &Registry,
    namespace: &str,
    at: Timestamp,
    attribution: &Attribution,
) -> serde_json::Value {
    let Some(entry) = registry.entry(namespace, at) else {
        return serde_json::json!({
            "name": namespace,
            "in_registry": false,
            "attribution": attribution_json(attribution),
        });
    };
    let link = entry.link;
    let notes: Vec<&str> = [link.note.as_deref(), entry.organization.note.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    serde_json::json!({
        "name": namespace,
        "in_registry": true,
        "attribution": attribution_json(attribution),
        "registry_id": entry.organization.id,
        "multinational": entry.organization.multinational,
        "parents": entry.ancestors.iter().map(|parent| parent.id.as_str()).collect::<Vec<_>>(),
        "sources": {
            "country": entry.country.as_ref().and_then(|fact| fact.source),
            "country_stated_for": entry.country.as_ref().map(|fact| fact.from.id.as_str()),
            "contributor": entry.contributor.as_ref().and_then(|fact| fact.source),
            "contributor_stated_for": entry.contributor.as_ref().map(|fact| fact.from.id.as_str()),
            "parent": entry.organization.sources.parent,
            "namespace": link.source,
        },
        "link": {
            "name": link.name,
            "role": link.role.map(hubcensus_registry::NamespaceRole::as_str),
            "from": link.from.map(|t| t.to_string()),
            "to": link.to.map(|t| t.to_string()),
        },
        "notes": notes,
    })
}

fn model_json(
    registry: &Registry,
    query: &str,
    id: &ModelId,
    uploader: Option<&str>,
    at: Timestamp,
    origin: &Origin,
    lineage: &LineageFacts,
) -> serde_json::Value {
    let (lineage_mode, root_id, snapshot, cycle) = match (&origin.lineage, lineage) {
        (_, LineageFacts::NoSnapshot) => ("unknown_no_snapshot", None, None, false),
        (_, LineageFacts::NotInSnapshot(as_of)) => {
            ("unknown_not_in_snapshot", None, Some(*as_of), false)
        }
        (
            LineageOrigin::Mixed,
            LineageFacts::Root {
                snapshot, cycle, ..
            },
        ) => ("mixed", None, Some(*snapshot), *cycle),
        (
            LineageOrigin::Root { .. },
            LineageFacts::Root {
                root_id,
                snapshot,
                cycle,
                ..
            },
        ) => ("root", root_id.clone(), Some(*snapshot), *cycle),
        (
            LineageOrigin::Uploader { reason, .. },
            LineageFacts::Root {
                root_id,
                snapshot,
                cycle,
                ..
            },
        ) => (
            match reason {
                Fallback::OwnRoot => "uploader_own_root",
                Fallback::UnknownLineage => "uploader_lineage_unknown",
                Fallback::RootUnattributed => "uploader_root_unattributed",
            },
            root_id.clone(),
            Some(*snapshot),
            *cycle,
        ),
    };
    let lineage_attribution = match &origin.lineage {
        LineageOrigin::Root { attribution, .. } | LineageOrigin::Uploader { attribution, .. } => {
            Some(attribution_json(attribution))
        }
        LineageOrigin::Mixed => None,
    };
    serde_json::json!({
        "schema": "hubcensus.who/1",
        "query": query,
        "kind": "model",
        "model": id.as_str(),
        "legacy": id.namespace().is_none(),
        "at": at.to_string(),
        "registry_version": registry.version(),
        "origin": {
            "uploader": attribution_json(&origin.uploader),
            "lineage": {
                "mode": lineage_mode,
                "root": root_id.map(ModelId::into_string),
                "snapshot": snapshot.map(|t| t.to_string()),
                "cycle_broken": cycle,
                "attribution": lineage_attribution,
                "country": origin.lineage.country(),
            },
        },
        "uploader": uploader
            .map(|namespace| namespace_json(registry, namespace, at, &origin.uploader)),
    })
}
