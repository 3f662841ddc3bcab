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

/// Runs `second` on a scoped thread while `first` runs on this one, and returns both results:
/// the two halves of a window's work (the sums by attribution key, and the other figures), each
/// deterministic, joined before the next window. `what` names the second half in the error a
/// panic there becomes.
pub(crate) fn on_two_cores<A: Send, B>(
    second: impl FnOnce() -> A + Send,
    first: impl FnOnce() -> B,
    what: &str,
) -> Result<(B, A), crate::QueryError> {
    std::thread::scope(|scope| {
        let running = scope.spawn(second);
        let done = first();
        joined(running, what).map(|other| (done, other))
    })
}

/// The result of a scoped thread; its panic becomes a `QueryError::Bug` naming `what`.
pub(crate) fn joined<T>(
    handle: std::thread::ScopedJoinHandle<'_, T>,
    what: &str,
) -> Result<T, crate::QueryError> {
    handle
        .join()
        .map_err(|_| crate::QueryError::Bug(format!("the {what} thread panicked")))
}
