//! hubcensus-registry: see ARCHITECTURE.md. Under construction.
