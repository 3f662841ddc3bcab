//! Opens the writer of the store at DIR, which migrates snapshots of formats 1 and 2 to the
//! current layout (docs/store.md), and prints how long that took and what the store holds.
//!
//!     cargo run --release -p hubcensus-store --example migrate -- DIR

use std::time::Instant;

#[allow(clippy::print_stdout, clippy::print_stderr)] // a command-line example: it prints its answer
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: migrate DIR");
        std::process::exit(2);
    };
    let started = Instant::now();
    drop(hubcensus_store::Writer::lock(&dir)?);
    let elapsed = started.elapsed();
    let store = hubcensus_store::Store::open(&dir)?;
    let versions: Vec<u32> = store
        .snapshots()
        .iter()
        .filter_map(|info| store.manifest(info.as_of).map(|m| m.schema_version))
        .collect();
    println!(
        "writer opened (migration included) in {:.1} s; {} snapshots, format versions {versions:?}",
        elapsed.as_secs_f64(),
        store.snapshots().len()
    );
    Ok(())
}
