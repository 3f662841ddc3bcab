//! The figures of each window from the Spark job's integers, with the analytics code the
//! embedded engine uses, laid out as the embedded `windows` view's rows by the same function:
//! equal to its figures, bit for bit.

use hubcensus_analytics::Filter;
use hubcensus_analytics::concentration::{Hhi, concentration_of_sorted, hhi_of_sums};
use hubcensus_analytics::series::WindowFigures;
use hubcensus_analytics::shares::Shares;
use hubcensus_analytics::window::{Cadence, WindowCounts, difference_population};
use hubcensus_analytics::working_set::{WorkingSet, churn, top_k};
use hubcensus_model::{Ids, Timestamp};

use super::launch::{Intermediates, WindowIntermediates};
use crate::views::windows::{GroupHhi, WindowRow, row};
use crate::{Census, QueryError};

fn bad(message: String) -> QueryError {
    QueryError::Spark { message }
}

/// Finishes every window of `intermediates` (in order; churn between consecutive ones).
/// `groups` are the window's HHIs by organization and by country (from the shares' sums, in
/// window order).
pub(super) fn finish(
    census: &Census,
    intermediates: &Intermediates,
    filter: &Filter,
    cadence: Option<Cadence>,
    groups: Vec<GroupHhi>,
) -> Result<Vec<WindowRow>, QueryError> {
    let ids = census.ids()?;
    let k = intermediates.k;
    if groups.len() != intermediates.windows.len() {
        return Err(QueryError::Bug("one HHI pair per Spark window".into()));
    }
    let mut values = vec![0u64; ids.len()];
    let mut previous: Option<WorkingSet> = None;
    let mut out = Vec::with_capacity(intermediates.windows.len());
    for (window, groups) in intermediates.windows.iter().zip(groups) {
        let ascending = expand(window)?;
        let concentration = concentration_of_sorted(&ascending, k);
        let counts = counts(window);
        let working_set = ranked(
            &mut values,
            &ids,
            k,
            window.threshold,
            &window.candidates,
            counts.total_downloads,
        )?;
        let family_working_set = match &window.family {
            Some(family) => Some(ranked(
                &mut values,
                &ids,
                k,
                family.threshold,
                &family.candidates,
                counts.total_downloads,
            )?),
            None => None,
        };
        let (from, to) = (
            Timestamp::from_millis(window.from),
            Timestamp::from_millis(window.to),
        );
        let days = from.days_until(to);
        let models = counts.models;
        let figures = WindowFigures {
            population: population(census, from, to, filter, &counts),
            days,
            longer_than_cadence: cadence.is_some_and(|c| c.is_exceeded_by(days)),
            long_tail_share: (models > 0).then(|| window.long_tail_models as f64 / models as f64),
            hhi_author: author_hhi(window)?,
            churn: previous.as_ref().map(|p| churn(p, &working_set)),
            counts,
            concentration,
            working_set: working_set.clone(),
            family_working_set,
        };
        out.push(row(figures, &groups, &ids));
        previous = Some(working_set);
    }
    Ok(out)
}

/// The population of the all-time window `(from, to]` under `filter`, flagged as its
/// snapshots are.
pub(super) fn population(
    census: &Census,
    from: Timestamp,
    to: Timestamp,
    filter: &Filter,
    counts: &WindowCounts,
) -> hubcensus_analytics::Population {
    let flag = |f: fn(&hubcensus_model::SnapshotInfo) -> bool| {
        [from, to].iter().any(|&t| census.info(t).is_some_and(f))
    };
    difference_population(
        from,
        to,
        filter,
        counts,
        flag(|info| info.partial),
        flag(|info| info.synthetic),
    )
}

/// The top k of `candidates` (`(dense index, value)`, every one at or above `threshold`) by
/// the METHODS tie-break (value descending, then id ascending), with `top_k` on the dense index
/// (`values` is all zeros on entry and on return).
fn ranked(
    values: &mut [u64],
    ids: &Ids,
    k: u64,
    threshold: u64,
    candidates: &[(u32, u64)],
    total: u64,
) -> Result<WorkingSet, QueryError> {
    for &(index, x) in candidates {
        let slot = values.get_mut(index as usize).ok_or_else(|| {
            bad(format!(
                "the Spark job named model index {index}; the store has {} models",
                ids.len()
            ))
        })?;
        *slot = x;
    }
    let ranked = top_k(values, ids, k, threshold);
    for &(index, _) in candidates {
        values[index as usize] = 0;
    }
    let held: u64 = ranked.iter().map(|&(x, _)| x).sum();
    Ok(WorkingSet {
        k,
        members: ranked.iter().map(|&(_, m)| m).collect(),
        downloads: ranked.iter().map(|&(x, _)| x).collect(),
        held,
        share: (total > 0).then(|| held as f64 / total as f64),
    })
}

/// The HHI by author (METHODS.md §3): the authors' sums from their histogram, the models with
/// no author in the window's snapshot as the unknown share (as `WindowGroups::author_hhi`).
fn author_hhi(window: &WindowIntermediates) -> Result<Hhi, QueryError> {
    let (Some(histogram), Some(shares)) = (&window.authors, &window.shares) else {
        return Err(bad("the Spark job returned no sums by author".into()));
    };
    let mut sums = Vec::new();
    for &(sum, authors) in histogram {
        sums.extend(std::iter::repeat_n(
            sum,
            usize::try_from(authors).unwrap_or(0),
        ));
    }
    let unknown: u64 = shares.authorless.iter().map(|a| a.1).sum();
    let known: u64 = sums.iter().sum();
    if known + unknown != window.total_downloads {
        return Err(bad(format!(
            "the Spark job's sums by author hold {known} downloads and the authorless {unknown}; \
             the window's S is {}",
            window.total_downloads
        )));
    }
    Ok(hhi_of_sums(&sums, unknown))
}

/// The HHIs by organization and by country of one window, from its uploader shares.
pub(super) fn group_hhi(org: &Shares, country: &Shares) -> GroupHhi {
    GroupHhi {
        org: org.hhi.clone(),
        country: country.hhi.clone(),
    }
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
            return Err(bad(
                "the Spark job's histogram is not strictly ascending".into()
            ));
        }
        last = Some(value);
        ascending.extend(std::iter::repeat_n(
            value,
            usize::try_from(count).unwrap_or(0),
        ));
    }
    let sum: u64 = window.histogram.iter().map(|&(v, c)| v * c).sum();
    if ascending.len() as u64 != models || sum != window.total_downloads {
        return Err(bad(format!(
            "the Spark job's histogram holds {} models and {sum} downloads; its counts say {models} and {}",
            ascending.len(),
            window.total_downloads
        )));
    }
    Ok(ascending)
}
