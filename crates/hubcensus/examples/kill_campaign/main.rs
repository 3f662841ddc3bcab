//! The `kill -9` campaign at full size (issue 17; docs/store.md, "Kill campaign").
//!
//! ```text
//! cargo build --release -p hubcensus --bins --example kill_campaign
//! cargo run --release -p hubcensus-ingest --example hub_stats_fixture -- /tmp/2m.parquet 2000000
//! ./target/release/examples/kill_campaign import /tmp/2m.parquet --kills 20
//! ./target/release/examples/kill_campaign sync --models 20000 --kills 20
//! ```
//!
//! Options: `--kills N` (default 20), `--models N` (sync; default 20000), `--page-size N` (sync;
//! default 100), `--head N` (sync; default 1000), `--seed N` (default 1), `--nice` (run the
//! binary under `nice`), `--binary PATH` (default: the `hubcensus` next to this example's
//! directory), `--work DIR` (default: a new directory under the system temp dir). Prints the
//! summary on stdout; exits 1 unless every round's store equals the reference.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line campaign: the summary on stdout, progress on stderr"
)]

mod kills;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1);
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut binary = exe
        .parent()
        .and_then(|examples| examples.parent())
        .map(|profile| profile.join("hubcensus"))
        .ok_or("cannot find the hubcensus binary: give --binary")?;
    let mode = args
        .next()
        .ok_or("usage: kill_campaign import FILE | sync [options]")?;
    let mut target = match mode.as_str() {
        "import" => kills::Target::Import {
            file: PathBuf::from(args.next().ok_or("import needs a hub-stats Parquet file")?),
            extra: Vec::new(),
        },
        "sync" => kills::Target::Sync {
            models: 20_000,
            page_size: 100,
            head: 1_000,
        },
        other => return Err(format!("unknown mode {other}: import FILE | sync")),
    };
    let mut work = None;
    let mut kills = 20;
    let mut seed = 1;
    let mut nice = false;
    while let Some(flag) = args.next() {
        if flag == "--nice" {
            nice = true;
            continue;
        }
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match (flag.as_str(), &mut target) {
            ("--kills", _) => kills = number()? as u32,
            ("--seed", _) => seed = number()?,
            ("--binary", _) => binary = PathBuf::from(&value),
            ("--work", _) => work = Some(PathBuf::from(&value)),
            ("--models", kills::Target::Sync { models, .. }) => *models = number()? as usize,
            ("--page-size", kills::Target::Sync { page_size, .. }) => {
                *page_size = number()? as u32;
            }
            ("--head", kills::Target::Sync { head, .. }) => *head = number()?,
            _ => return Err(format!("unknown option {flag} for {mode}")),
        }
    }
    if !binary.is_file() {
        return Err(format!(
            "{} is not a file: build it first (cargo build --release -p hubcensus) or give --binary",
            binary.display()
        ));
    }
    let work = work.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("hubcensus-kill-campaign-{}", std::process::id()))
    });
    eprintln!("work directory: {}", work.display());
    let config = kills::KillConfig {
        binary,
        work,
        target,
        kills,
        seed,
        nice,
    };
    let summary = kills::run(&config, &mut |line| eprintln!("{line}"))?;
    println!("{summary}");
    let clean = summary.hashes_differ == 0
        && summary.lost == 0
        && summary.duplicated == 0
        && summary.extra == 0;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
