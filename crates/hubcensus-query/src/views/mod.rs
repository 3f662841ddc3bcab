//! One module per view: a query type (what to compute), a result type (`Serialize`, with its
//! `schema` name `hubcensus.<view>/<major>`), and the function that computes it.

pub mod churn;
pub mod coverage;
pub mod derivatives;
pub mod evidence;
pub mod history;
pub mod lineage;
pub mod report;
pub mod shares;
pub mod top;
pub mod who;
pub mod windows;

/// The working-set size and top-k share's k must be at least 1.
pub(crate) fn check_k(k: u64) -> Result<(), crate::QueryError> {
    if k == 0 {
        return Err(crate::QueryError::invalid(
            "k",
            "--k must be at least 1",
            "use --k 200 (the default) or another positive size",
        ));
    }
    Ok(())
}
