//! Integration tests of the importers: fixtures written by the tests themselves (with the
//! hub-stats writer, or as small JSON texts), and the real files in ../shared/data (tests named
//! `real_data`).

mod real_data;
mod support;
