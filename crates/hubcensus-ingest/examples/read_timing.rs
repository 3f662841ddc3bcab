//! Reads a source with the importers and prints how long each phase took and what it held: the
//! reader's share of an import, without the store (for profiling the import benchmark).
//!
//! Usage: `cargo run --release -p hubcensus-ingest --example read_timing -- PATH [AS_OF]`

use std::process::ExitCode;
use std::time::Instant;

use hubcensus_ingest::ReadOptions;
use hubcensus_model::Timestamp;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: read_timing PATH [AS_OF]");
        return ExitCode::from(2);
    };
    let options = ReadOptions {
        as_of: args.next().and_then(|text| Timestamp::parse(&text).ok()),
        ..ReadOptions::default()
    };
    let started = Instant::now();
    let snapshots = match hubcensus_ingest::open(path.as_ref(), &options) {
        Ok(snapshots) => snapshots,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    eprintln!("open: {:.3} s", started.elapsed().as_secs_f64());
    for snapshot in snapshots {
        let started = Instant::now();
        let as_of = snapshot.as_of;
        let mut rows = 0usize;
        let mut tags = 0usize;
        let chunks = match snapshot.chunks() {
            Ok(chunks) => chunks,
            Err(error) => {
                eprintln!("error: {error}");
                return ExitCode::from(2);
            }
        };
        for chunk in chunks {
            match chunk {
                Ok(records) => {
                    rows += records.len();
                    tags += records
                        .iter()
                        .map(|r| r.tags.as_ref().map_or(0, Vec::len))
                        .sum::<usize>();
                }
                Err(error) => {
                    eprintln!("error: {error}");
                    return ExitCode::from(2);
                }
            }
        }
        eprintln!(
            "{as_of}: {rows} records, {tags} tags, read and validated in {:.3} s",
            started.elapsed().as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}
