//! hubcensus-server: see ARCHITECTURE.md. Under construction.
