//! hubcensus-report: see ARCHITECTURE.md. Under construction.
