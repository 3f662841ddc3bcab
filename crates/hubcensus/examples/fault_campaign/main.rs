//! The `sync` fault campaign at full size (issue 17; docs/sync.md, "Fault campaign").
//!
//! ```text
//! cargo build --release -p hubcensus
//! cargo run --release -p hubcensus --example fault_campaign -- --faults 1000 --models 5000 --seed 1
//! ```
//!
//! Options: `--faults N` (injected faults wanted, default 1000), `--models N` (default 5000),
//! `--kills N` (kill -9 per round, default 3), `--page-size N` (default 20), `--head N`
//! (default 100), `--seed N` (default 1), `--binary PATH` (default: the `hubcensus` next to this
//! example's directory), `--work DIR` (default: a new directory under the system temp dir).
//! Prints the summary on stdout; exits 1 if a model was lost or duplicated or a request was sent
//! during a rate-limit wait.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line campaign: the summary on stdout, progress on stderr"
)]

mod campaign;

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
    let mut work = None;
    let mut config = campaign::CampaignConfig {
        binary: PathBuf::new(),
        work: PathBuf::new(),
        models: 5_000,
        faults: 1_000,
        kills_per_round: 3,
        page_size: 20,
        head: 100,
        seed: 1,
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--faults" => config.faults = number()?,
            "--models" => config.models = number()? as usize,
            "--kills" => config.kills_per_round = number()? as u32,
            "--page-size" => config.page_size = number()? as u32,
            "--head" => config.head = number()?,
            "--seed" => config.seed = number()?,
            "--binary" => binary = PathBuf::from(&value),
            "--work" => work = Some(PathBuf::from(&value)),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if !binary.is_file() {
        return Err(format!(
            "{} is not a file: build it first (cargo build --release -p hubcensus) or give --binary",
            binary.display()
        ));
    }
    config.binary = binary;
    config.work = work.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "hubcensus-fault-campaign-{}-{}",
            std::process::id(),
            config.seed
        ))
    });
    eprintln!("work directory: {}", config.work.display());
    let summary = campaign::run(&config, &mut |line| eprintln!("{line}"))?;
    println!("{summary}");
    let clean = summary.lost == 0 && summary.duplicated == 0 && summary.requests_during_wait == 0;
    Ok(if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
