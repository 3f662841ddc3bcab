//! How long does generating the demo world take, and does it hit its calibration targets?
//!
//! `cargo bench -p hubcensus-demo --bench generate -- [models] [weeks] [threads]`
//! (defaults 2,000,000 x 13 on 2 threads). Prints the time to draw the world, the time per week
//! single-threaded, the total for all weeks on the given threads against the 60 s budget, and
//! the headline figures of the last week against their targets.

use std::time::Instant;

use hubcensus_demo::{World, WorldConfig};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let models = args.first().copied().unwrap_or(2_000_000);
    let weeks = args.get(1).copied().unwrap_or(13);
    let threads = args.get(2).copied().unwrap_or(2).max(1);
    let config = WorldConfig {
        models,
        weeks,
        ..WorldConfig::default()
    };

    let started = Instant::now();
    let world = World::new(config).expect("valid config");
    let drawn = started.elapsed();
    eprintln!(
        "world of {models} models drawn in {:.2} s",
        drawn.as_secs_f64()
    );

    let one = Instant::now();
    let records: usize = world
        .snapshot(weeks - 1)
        .expect("week")
        .map(|chunk| chunk.len())
        .sum();
    let one = one.elapsed();
    eprintln!(
        "one week (the last, {records} records) single-threaded: {:.2} s (budget: well under 5 s)",
        one.as_secs_f64()
    );

    let all = Instant::now();
    let total: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let world = &world;
                scope.spawn(move || {
                    (thread..weeks)
                        .step_by(threads)
                        .map(|week| {
                            world
                                .snapshot(week)
                                .expect("week")
                                .map(|chunk| chunk.len())
                                .sum::<usize>()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).sum()
    });
    let all = all.elapsed() + drawn;
    eprintln!(
        "{models} x {weeks} weeks = {total} records on {threads} threads: {:.2} s including the draw (budget: 60 s)",
        all.as_secs_f64()
    );

    for week in [1.min(weeks - 1), weeks - 1] {
        let headline = world.headline(week).expect("week");
        eprintln!(
            "week {week} ({}): {} models, window downloads {:?}, top-200 share {:.3} (target 0.5), under-200 all-time share {:.3} (target 0.5), lineage share {:.3} (target 0.28)",
            headline.as_of.date_string(),
            headline.models,
            headline.window_downloads,
            headline.top_k_share.unwrap_or(f64::NAN),
            headline.under_200_share,
            headline.lineage_share,
        );
    }
    for story in world.stories() {
        eprintln!(
            "story {:?}: {} ({})",
            story.story,
            story.id,
            story.story.describe()
        );
    }
}
