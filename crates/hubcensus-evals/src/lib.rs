//! hubcensus-evals: see ARCHITECTURE.md. Under construction.
