//! Integration tests: the real `hubcensus` binary in a temporary data directory.
//! One module per subcommand area; tests that read ../shared/data have `real_data` in their name.

mod analytics;
mod attribution;
mod demo;
mod durability;
mod evals;
mod export;
mod faults;
mod help;
mod import;
mod kills;
mod readme;
mod registry;
mod report;
mod serve;
mod store;
mod support;
mod sync;
mod views;
