//! hubcensus-demo: see ARCHITECTURE.md. Under construction.
