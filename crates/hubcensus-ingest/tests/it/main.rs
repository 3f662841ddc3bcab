//! Integration tests of the importers: fixtures written by the tests themselves (with the
//! hub-stats writer, Arrow directly, or as small JSON texts), and the real files in
//! ../shared/data (tests named `real_data`).

mod archive;
mod hub_stats;
mod json;
mod real_data;
mod support;
