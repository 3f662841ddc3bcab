//! `hubcensus enrich`: fetch lineage, cards and account kinds for the top models of a snapshot.
//!
//! Results go to `<data-dir>/enrich/as_of=<time>/` (`models.jsonl`, `accounts.jsonl`; see
//! docs/sync.md), and a finished run records them, with what was asked, in the store's
//! enrichment manifest `manifests/enrich/<stem>.json` (docs/store.md). Enrich holds the store's
//! writer lock while it runs: a second enrich, an import or a sync is refused meanwhile.

use std::collections::BTreeSet;
use std::process::ExitCode;

use anyhow::Context as _;
use hubcensus_ingest::hub::{EnrichConfig, HubClient, enrich};
use hubcensus_model::ModelId;

use super::sync::{HubArgs, ProgressView, runtime};
use crate::context::Context;
use crate::output::{Hint, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = format!("\
Cost: one request per model (the top N and their direct base models) and one or two per \
author; at the Hub's rate limits, --top 1000 takes minutes. Bounded by --top, and resumable: \
run the same command again after a kill.

{}

Examples:
  hubcensus enrich                           # top 1,000 of the latest snapshot
  hubcensus enrich --top 10000 --as-of 2026-08-23
  hubcensus enrich --top 200 --no-base-models --progress json", super::sync::RETRY_BUDGET))]
pub struct Args {
    #[command(flatten)]
    pub hub: HubArgs,
    /// How many of the snapshot's top models (by 30-day downloads) to enrich
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub top: usize,
    /// The snapshot (a time, or a date: that day's latest) [default: the latest]
    #[arg(long, value_name = "TIME")]
    pub as_of: Option<hubcensus_query::AsOf>,
    /// Skip the base models of the top N
    #[arg(long)]
    pub no_base_models: bool,
    /// Stop after this many requests (tests of resumption)
    #[arg(long, hide = true)]
    pub stop_after: Option<u64>,
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the signature every subcommand shares"
)]
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    // One rule for choosing the snapshot, as every view: a time, or a date (that day's latest).
    let census = hubcensus_query::Census::open_with_snapshots(&context.data_dir)?;
    // The results become part of the store's provenance: one writer at a time.
    let mut writer = hubcensus_store::Writer::lock(&context.data_dir).context(Hint(
        "another hubcensus command is writing to this store (import, sync, demo or enrich); \
         run again when it has finished"
            .into(),
    ))?;
    let started = super::sync::now();
    let as_of = census.times()[census.position(args.as_of.as_ref())?];
    let store = census.store();
    let info = store
        .snapshot(as_of)
        .context("bug: a census time without its snapshot")?
        .clone();
    // The top N by 30-day downloads, ties by id.
    let mut ranked: Vec<(u64, ModelId)> = Vec::new();
    for record in store.records(info.as_of)? {
        let record = record?;
        ranked.push((record.downloads_30d.unwrap_or(0), record.id));
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    ranked.truncate(args.top);
    let models: Vec<ModelId> = ranked.into_iter().map(|(_, id)| id).collect();
    let authors: BTreeSet<String> = models
        .iter()
        .filter_map(|id| id.namespace().map(str::to_owned))
        .collect();
    let out = hubcensus_query::attribution::enrich_dir(&context.data_dir, info.as_of);
    let config = EnrichConfig {
        models,
        base_models: !args.no_base_models,
        authors: authors.into_iter().collect(),
        out: out.clone(),
        stop_after: args.stop_after,
    };
    let endpoint = args.hub.endpoint();
    let view = ProgressView::new(args.hub.progress, context, "enrich");
    let client = HubClient::new(args.hub.client_config(&endpoint)?, view.sink())?;
    let outcome = runtime()?.block_on(enrich(&client, &config, &view.sink()));
    view.finish();
    let outcome = outcome.map_err(|error| {
        let resumable = error.is_resumable();
        let unreachable = matches!(error, hubcensus_ingest::hub::HubError::Unreachable { .. });
        let error = anyhow::Error::new(error);
        if unreachable {
            error.context(Hint(super::sync::UNREACHABLE_HINT.into()))
        } else if resumable {
            error.context(Hint(
                "the results so far are kept; run the same command again to resume".into(),
            ))
        } else {
            error
        }
    })?;
    if !outcome.finished {
        write_stdout(&format!(
            "enrichment of {} stopped early: {} models, {} base models, {} accounts this run; \
             run again to finish\n",
            info.as_of, outcome.models, outcome.base_models, outcome.accounts
        ))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut files = std::collections::BTreeMap::new();
    let mut counts = std::collections::BTreeMap::new();
    for (name, file) in [("models", "models.jsonl"), ("accounts", "accounts.jsonl")] {
        let path = out.join(file);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        counts.insert(name.to_owned(), text.lines().count() as u64);
        files.insert(name.to_owned(), path);
    }
    writer
        .record_enrichment(&hubcensus_store::EnrichmentDraft {
            snapshot_as_of: info.as_of,
            request: hubcensus_store::EnrichmentRequest {
                top: args.top as u64,
                base_models: !args.no_base_models,
                endpoint: endpoint.clone(),
            },
            started,
            finished: super::sync::now(),
            counts,
            files,
        })
        .context("cannot record the enrichment in the store")?;
    write_stdout(&format!(
        "enriched {}: {} models, {} base models, {} accounts fetched ({} from an earlier run) \
         -> {}\n",
        info.as_of,
        outcome.models,
        outcome.base_models,
        outcome.accounts,
        outcome.resumed,
        out.display()
    ))?;
    Ok(ExitCode::SUCCESS)
}
