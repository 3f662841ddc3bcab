//! `hubcensus windows`: window downloads between consecutive snapshots, with concentration and
//! the working set. Its JSON is a contract: docs/windows-json.md.

use std::fmt::Write as _;
use std::process::ExitCode;

use hubcensus_analytics::Measure;
use hubcensus_analytics::window::Cadence;
use hubcensus_query::Census;
use hubcensus_query::views::windows::{WindowRow, WindowsQuery, windows};
use hubcensus_report::format::{count, decimal, percent};

use crate::cmd::views::{EngineArgs, Table, ViewArgs};
use crate::context::Context;
use crate::output::{Format, json, write_stdout};

#[derive(clap::Args, Debug)]
#[command(after_help = "\
Cost: reads every snapshot in the store (a few at a time) and the latest lineage; no network.
On 13 weekly snapshots of 2 million models, 1.3-1.6 s and about 500 MB on two cores.

Examples:
  hubcensus windows
  hubcensus windows --k 100 --task text-generation --format json
  hubcensus windows --new-models --format csv > windows.csv
  hubcensus windows --engine spark --spark-master 'local[2]' --format json")]
pub struct Args {
    #[command(flatten)]
    pub view: ViewArgs,
    /// Working-set size and top-k share k
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..))]
    pub k: u64,
    /// The planned spacing of snapshots in days; longer windows are flagged (a missed week)
    #[arg(long, default_value_t = 7.0, value_name = "DAYS")]
    pub cadence_days: f64,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[allow(clippy::needless_pass_by_value)] // the signature every subcommand shares (cmd/mod.rs)
pub fn run(args: Args, context: &Context) -> anyhow::Result<ExitCode> {
    let query = WindowsQuery {
        k: args.k,
        filter: args.view.filter()?,
        cadence: (args.cadence_days > 0.0).then_some(Cadence {
            days: args.cadence_days,
        }),
    };
    let census = Census::open_with_snapshots(&context.data_dir)?;
    let view = match args.engine.spark()? {
        Some(spark) => hubcensus_query::spark::spark_windows_view(&census, &query, &spark)?,
        None => windows(&census, &query)?,
    };
    let text = match args.view.format {
        Format::Json => json(&view)?,
        Format::Csv => table(&view.windows, true).csv()?,
        _ => {
            let mut text = format!(
                "Windows: {} from {} snapshots; k = {}; population: {}\n\n",
                view.windows.len(),
                view.snapshots.len(),
                view.k,
                view.filter.describe()
            );
            text.push_str(&table(&view.windows, false).text());
            text.push_str("\nPopulations:\n");
            for window in &view.windows {
                let _ = writeln!(
                    text,
                    "  {}: {}",
                    window.population.to, window.population.words
                );
            }
            text
        }
    };
    write_stdout(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn table(windows: &[WindowRow], with_population: bool) -> Table {
    let mut headers = vec![
        "to",
        "measure",
        "days",
        "models",
        "new",
        "unmatched",
        "disappeared",
        "negative",
        "downloads",
        "top_k_share",
        "n50",
        "n80",
        "n90",
        "gini",
        "gini_nonzero",
        "hhi_author",
        "hhi_org",
        "hhi_country",
        "working_set_share",
        "churn",
        "flags",
    ];
    if with_population {
        headers.push("population");
    }
    let mut table = Table::new(headers);
    for w in windows {
        let mut flags = Vec::new();
        if w.longer_than_cadence {
            flags.push("missed-snapshot");
        }
        if w.population.partial {
            flags.push("partial");
        }
        if w.population.synthetic {
            flags.push("synthetic");
        }
        let mut row = vec![
            w.to.to_string(),
            match w.measure {
                Measure::AllTimeDifference => "difference".to_owned(),
                Measure::ThirtyDay => "30-day".to_owned(),
            },
            format!("{:.1}", w.days),
            w.models.to_string(),
            w.new.to_string(),
            w.unmatched.to_string(),
            w.disappeared.to_string(),
            w.negative.to_string(),
            w.total_downloads.to_string(),
            percent(w.top_k_share, 2),
            count(w.n50),
            count(w.n80),
            count(w.n90),
            decimal(w.gini, 4),
            decimal(w.gini_nonzero, 4),
            decimal(w.hhi_author, 1),
            decimal(w.hhi_org, 1),
            decimal(w.hhi_country, 1),
            percent(w.working_set_share, 2),
            w.churn
                .map_or_else(|| "-".to_owned(), |churn| percent(Some(churn), 2)),
            flags.join(" "),
        ];
        if with_population {
            row.push(w.population.words.clone());
        }
        table.push(row);
    }
    table
}
