//! `hubcensus who`: show who made a namespace or model, from where, as what, with sources.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_model::Timestamp;
use hubcensus_query::views::who::{
    AttributionFacts, EntryFacts, ModelAnswer, NamespaceFacts, WhoQuery, WhoView, who,
};
use hubcensus_query::{AsOf, Census};

use crate::context::Context;
use crate::output::{Format, Hint, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: instant for a namespace; for a model, decodes the snapshot's authors and lineage from the
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
    /// The snapshot whose lineage gives a model's root (a time, or a date: that day's latest);
    /// default: the latest
    #[arg(long, value_name = "AS_OF")]
    snapshot: Option<AsOf>,
    #[arg(long, default_value = "table", value_parser = Format::parser(&[Format::Table, Format::Json]))]
    format: Format,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let at = args
        .at
        .as_deref()
        .map(Timestamp::parse)
        .transpose()
        .context(Hint(
            "--at takes a date (2026-03-29) or an RFC 3339 time (2026-03-29T00:00:00Z)".into(),
        ))?;
    // A store is optional for a namespace; a snapshot named on the command line needs one.
    let census = match Census::open(&context.data_dir) {
        Ok(census) => Some(census),
        Err(error) if args.snapshot.is_some() => return Err(error.into()),
        Err(_) => None,
    };
    let view = who(
        census.as_ref(),
        &WhoQuery {
            name: args.name.clone(),
            at,
            snapshot: args.snapshot.clone(),
            now: now(),
        },
    )?;
    let text = match (args.format, &view) {
        (Format::Json, _) => json(&view)?,
        (_, WhoView::Namespace(answer)) => {
            let mut text = String::new();
            let _ = writeln!(text, "{}  (at {})", answer.namespace.name, answer.at);
            namespace_lines(&mut text, &answer.namespace);
            let _ = writeln!(text, "  registry      {}", answer.registry_version);
            text
        }
        (_, WhoView::Model(answer)) => model_table(answer),
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

/// The caller's clock, passed to the query layer as a value.
fn now() -> Timestamp {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        });
    Timestamp::from_millis(millis)
}

fn describe(attribution: &AttributionFacts) -> String {
    let country = match (&attribution.country, attribution.region) {
        (Some(code), Some(region)) => format!("{code} (region {region})"),
        (Some(code), None) => code.clone(),
        (None, _) => "country unattributed".to_owned(),
    };
    let kind = attribution
        .contributor
        .unwrap_or("type unknown (account kind not known)");
    let organization = attribution
        .organization
        .as_deref()
        .unwrap_or("not in the registry");
    format!("{country}, {kind}, {organization}")
}

fn namespace_lines(text: &mut String, facts: &NamespaceFacts) {
    let Some(entry) = &facts.entry else {
        match facts.attribution.contributor {
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
    entry_lines(text, entry, &facts.attribution);
}

fn entry_lines(text: &mut String, entry: &EntryFacts, attribution: &AttributionFacts) {
    let _ = writeln!(
        text,
        "  organization  {} (registry id {}, {})",
        entry.organization, entry.registry_id, entry.file
    );
    for (name, id, source) in &entry.ancestors {
        let _ = writeln!(
            text,
            "  part of       {name} ({id})  source: {}",
            source.as_deref().unwrap_or("none")
        );
    }
    let stated = |stated_for: &Option<String>| {
        stated_for
            .as_ref()
            .map_or_else(String::new, |name| format!(" (stated for {name})"))
    };
    match &entry.country {
        Some(fact) => {
            let _ = writeln!(
                text,
                "  country       {} (region {}){}  source: {}{}",
                fact.value,
                attribution.region.unwrap_or("Other"),
                if fact.multinational {
                    ", multinational"
                } else {
                    ""
                },
                fact.source.as_deref().unwrap_or("none"),
                stated(&fact.stated_for)
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
                fact.source.as_deref().unwrap_or("none"),
                stated(&fact.stated_for)
            );
        }
        None => {
            let _ = writeln!(
                text,
                "  type          {}",
                attribution.contributor.unwrap_or("unknown")
            );
        }
    }
    let link = &entry.link;
    let date = |time: &str| time.get(..10).unwrap_or(time).to_owned();
    let validity = match (&link.from, &link.to) {
        (None, None) => "always".to_owned(),
        (Some(from), None) => format!("from {}", date(from)),
        (None, Some(to)) => format!("until {}", date(to)),
        (Some(from), Some(to)) => format!("{} to {}", date(from), date(to)),
    };
    let _ = writeln!(
        text,
        "  namespace     {} ({}, {validity})  source: {}",
        link.name,
        link.role.unwrap_or("?"),
        entry.sources.namespace.as_deref().unwrap_or("none")
    );
    for note in &entry.notes {
        let _ = writeln!(text, "  note          {note}");
    }
}

fn lineage_line(answer: &ModelAnswer) -> String {
    let lineage = &answer.origin.lineage;
    let snapshot = lineage.snapshot.as_deref().unwrap_or("?");
    let root = lineage.root.as_deref().unwrap_or("?");
    let attribution = lineage
        .attribution
        .as_ref()
        .map(describe)
        .unwrap_or_default();
    match lineage.mode {
        "unknown_no_snapshot" => {
            "no snapshot; lineage origin unknown (falls back to the uploader)".to_owned()
        }
        "unknown_not_in_snapshot" => format!(
            "not in the snapshot at {snapshot}; lineage origin unknown (falls back to the uploader)"
        ),
        "mixed" => format!("mixed: a merge of models with different roots (snapshot {snapshot})"),
        "root" => format!("root {root}: {attribution} (snapshot {snapshot})"),
        mode => {
            let why = match mode {
                "uploader_own_root" => "the model is its own root".to_owned(),
                "uploader_root_unattributed" => {
                    format!("its root {root} has no attributed country")
                }
                _ => "lineage unknown".to_owned(),
            };
            format!("{attribution} ({why}: falls back to the uploader; snapshot {snapshot})")
        }
    }
}

fn model_table(answer: &ModelAnswer) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}  (at {})", answer.model, answer.at);
    if answer.legacy {
        let name = &answer.model;
        let moved = answer.uploader.as_ref().map_or_else(
            || "legacy, unnamespaced: the registry records no move".to_owned(),
            |uploader| format!("legacy, unnamespaced: moved to {}/{name}", uploader.name),
        );
        let _ = writeln!(text, "  id            {moved}");
    }
    let _ = writeln!(
        text,
        "  origin (uploader)  {}",
        describe(&answer.origin.uploader)
    );
    let _ = writeln!(text, "  origin (lineage)   {}", lineage_line(answer));
    if answer.origin.lineage.cycle_broken {
        let _ = writeln!(
            text,
            "  note          a lineage cycle was found and broken on the way to the root"
        );
    }
    if let Some(uploader) = &answer.uploader {
        let _ = writeln!(text, "uploader {}", uploader.name);
        namespace_lines(&mut text, uploader);
    }
    let _ = writeln!(text, "  registry      {}", answer.registry_version);
    text
}
