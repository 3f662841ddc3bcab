//! One module per subcommand.

use std::process::ExitCode;

use crate::context::Context;

pub mod audit;
pub mod churn;
pub mod demo;
pub mod derivatives;
pub mod discover;
pub mod enrich;
pub mod evals;
pub mod export;
pub mod import;
pub mod lineage;
pub mod registry;
pub mod report;
pub mod serve;
pub mod shares;
pub mod snapshots;
pub mod sync;
pub mod top;
pub mod views;
pub mod who;
pub mod windows;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import snapshots from hub-stats Parquet, a weekly archive, or Hub API JSON
    Import(import::Args),
    /// List the snapshots in the store
    Snapshots(snapshots::Args),
    /// Crawl the Hub API into a new snapshot (rate-limit aware, resumable)
    Sync(sync::Args),
    /// Fetch lineage, cards and account kinds for the top models of a snapshot
    Enrich(enrich::Args),
    /// Check the attribution registry, or measure its coverage of a snapshot
    Registry(registry::Args),
    /// Show who made a namespace or model, from where, as what, with sources
    Who(who::Args),
    /// Window downloads between consecutive snapshots, with concentration and the working set
    Windows(windows::Args),
    /// The top models by window downloads (the working set)
    Top(top::Args),
    /// Entries, exits and rank changes of the working set between weeks
    Churn(churn::Args),
    /// Download shares by country, region, contributor type or organization
    Shares(shares::Args),
    /// The lineage of one model: parents, root, children, descendants
    Lineage(lineage::Args),
    /// Base models by their derivative ecosystems
    Derivatives(derivatives::Args),
    /// Generate the synthetic demo world into the store and build its report
    Demo(demo::Args),
    /// Write the State of Open Source report (HTML, Markdown or JSON)
    Report(report::Args),
    /// Serve the dashboard and its JSON API on this machine (read-only)
    Serve(serve::Args),
    /// Export a table behind a figure as Parquet, CSV or JSON Lines
    Export(export::Args),
    /// Import and show benchmark evidence
    Evals(evals::Args),
    /// Tell whether a default model is still the right baseline for a workload
    Audit(audit::Args),
    /// Find credible releases from small teams and individuals in a domain
    Discover(discover::Args),
}

pub fn run(command: Command, context: &Context) -> anyhow::Result<ExitCode> {
    match command {
        Command::Import(args) => import::run(args, context),
        Command::Snapshots(args) => snapshots::run(args, context),
        Command::Sync(args) => sync::run(args, context),
        Command::Enrich(args) => enrich::run(args, context),
        Command::Registry(args) => registry::run(args, context),
        Command::Who(args) => who::run(args, context),
        Command::Windows(args) => windows::run(args, context),
        Command::Top(args) => top::run(args, context),
        Command::Churn(args) => churn::run(args, context),
        Command::Shares(args) => shares::run(args, context),
        Command::Lineage(args) => lineage::run(args, context),
        Command::Derivatives(args) => derivatives::run(args, context),
        Command::Demo(args) => demo::run(args, context),
        Command::Report(args) => report::run(args, context),
        Command::Serve(args) => serve::run(args, context),
        Command::Export(args) => export::run(args, context),
        Command::Evals(args) => evals::run(args, context),
        Command::Audit(args) => audit::run(args, context),
        Command::Discover(args) => discover::run(args, context),
    }
}
