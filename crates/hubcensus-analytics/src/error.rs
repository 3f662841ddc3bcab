//! The errors of the analytics crate.

use hubcensus_model::Timestamp;

/// Inputs that cannot produce a figure.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AnalyticsError {
    #[error("frames are not aligned: {before} models at {from} but {after} at {to}")]
    FrameLengthMismatch {
        from: Timestamp,
        to: Timestamp,
        before: usize,
        after: usize,
    },
    #[error("a window must end after it starts ({from} is not before {to})")]
    WindowOrder { from: Timestamp, to: Timestamp },
    #[error("the snapshot at {at} has no downloadsAllTime: only its 30-day window can be measured")]
    NoAllTimeDownloads { at: Timestamp },
    #[error("k must be at least 1")]
    ZeroK,
    #[error("min-params {min} is greater than max-params {max}")]
    ParamsRange { min: u64, max: u64 },
}
