//! hubcensus-store: see ARCHITECTURE.md. Under construction.
