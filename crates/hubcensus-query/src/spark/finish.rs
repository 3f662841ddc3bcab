//! The figures of each window from the Spark job's integers, with the analytics code the
//! embedded engine uses: equal to its figures, bit for bit.

use hubcensus_analytics::concentration::{Concentration, concentration_of_sorted};
use hubcensus_analytics::window::WindowCounts;
use hubcensus_analytics::working_set::{WorkingSet, churn, top_k};
use hubcensus_model::Timestamp;
use serde::Serialize;

use super::launch::{Intermediates, WindowIntermediates};
use crate::{Census, QueryError};

/// One window's figures from Spark (the fields of `WindowRow` it covers, same names).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SparkWindow {
    pub from: Timestamp,
    pub to: Timestamp,
    pub counts: WindowCounts,
    pub concentration: Concentration,
    pub long_tail_share: Option<f64>,
    pub working_set: Vec<String>,
    pub working_set_share: Option<f64>,
    pub entries: Option<Vec<String>>,
    pub exits: Option<Vec<String>>,
    pub churn: Option<f64>,
}

/// Finishes every window of `intermediates` (in order; churn between consecutive ones).
pub fn finish(
    census: &Census,
    intermediates: &Intermediates,
) -> Result<Vec<SparkWindow>, QueryError> {
    let ids = census.ids()?;
    let k = intermediates.k;
    let mut values = vec![0u64; ids.len()];
    let mut previous: Option<WorkingSet> = None;
    let mut out = Vec::with_capacity(intermediates.windows.len());
    for window in &intermediates.windows {
        let ascending = expand(window)?;
        let concentration = concentration_of_sorted(&ascending, k);
        // The working set: the candidates on the dense index, ranked by the METHODS tie-break
        // (downloads descending, then id ascending) with the store's ids.
        for &(index, x) in &window.candidates {
            let slot = values
                .get_mut(index as usize)
                .ok_or_else(|| QueryError::Spark {
                    message: format!(
                        "the Spark job named model index {index}; the store has {} models",
                        ids.len()
                    ),
                })?;
            *slot = x;
        }
        let ranked = top_k(&values, &ids, k, window.threshold);
        for &(index, _) in &window.candidates {
            values[index as usize] = 0;
        }
        let held: u64 = ranked.iter().map(|&(x, _)| x).sum();
        let total = window.total_downloads;
        let working_set = WorkingSet {
            k,
            members: ranked.iter().map(|&(_, m)| m).collect(),
            downloads: ranked.iter().map(|&(x, _)| x).collect(),
            held,
            share: (total > 0).then(|| held as f64 / total as f64),
        };
        let names = |members: &[u32]| -> Vec<String> {
            members
                .iter()
                .map(|&m| ids[m as usize].to_owned())
                .collect()
        };
        let change = previous.as_ref().map(|p| churn(p, &working_set));
        let models = window.matched + window.new;
        out.push(SparkWindow {
            from: Timestamp::from_millis(window.from),
            to: Timestamp::from_millis(window.to),
            counts: counts(window),
            long_tail_share: (models > 0).then(|| window.long_tail_models as f64 / models as f64),
            working_set: names(&working_set.members),
            working_set_share: working_set.share,
            entries: change.as_ref().map(|c| names(&c.entries)),
            exits: change.as_ref().map(|c| names(&c.exits)),
            churn: change.as_ref().map(|c| c.churn),
            concentration,
        });
        previous = Some(working_set);
    }
    Ok(out)
}

/// The counts of §2 the job returned for `window`.
pub(super) fn counts(window: &WindowIntermediates) -> WindowCounts {
    WindowCounts {
        models: window.matched + window.new,
        matched: window.matched,
        new: window.new,
        unmatched: window.unmatched,
        disappeared: window.disappeared,
        unmeasured: window.unmeasured,
        negative: window.negative,
        clamped_downloads: window.clamped_downloads,
        total_downloads: window.total_downloads,
    }
}

/// The ascending vector of clamped downloads the histogram stands for, checked against the
/// window's counts.
fn expand(window: &WindowIntermediates) -> Result<Vec<u64>, QueryError> {
    let models = window.matched + window.new;
    let mut ascending = Vec::with_capacity(usize::try_from(models).unwrap_or(0));
    let mut last = None;
    for &(value, count) in &window.histogram {
        if last.is_some_and(|last| last >= value) {
            return Err(QueryError::Spark {
                message: "the Spark job's histogram is not strictly ascending".into(),
            });
        }
        last = Some(value);
        ascending.extend(std::iter::repeat_n(
            value,
            usize::try_from(count).unwrap_or(0),
        ));
    }
    let sum: u64 = window.histogram.iter().map(|&(v, c)| v * c).sum();
    if ascending.len() as u64 != models || sum != window.total_downloads {
        return Err(QueryError::Spark {
            message: format!(
                "the Spark job's histogram holds {} models and {sum} downloads; its counts say {models} and {}",
                ascending.len(),
                window.total_downloads
            ),
        });
    }
    Ok(ascending)
}
