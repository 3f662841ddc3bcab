//! hubcensus-ingest: see ARCHITECTURE.md. Under construction.
