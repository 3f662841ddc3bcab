//! hubcensus-analytics: see ARCHITECTURE.md. Under construction.
