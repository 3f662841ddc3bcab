//! A weekly archive laid out as `hfmlsoc/hub_weekly_snapshots`: `models/<YYYY-MM-DD>/models.parquet`,
//! one hub-stats snapshot per folder, the folder's date being the week's as-of time.
//!
//! The schema changed over the archive's life (no `downloadsAllTime` before 2025-02-26, no
//! `trendingScore` or `cardData` before late 2024): each week's columns are read from its own
//! file's schema, never assumed from its date.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use hubcensus_model::Timestamp;

use crate::error::IngestError;
use crate::source::{ReadOptions, SourceSnapshot, open_parquet};

/// The date a folder named exactly `YYYY-MM-DD` stands for, at midnight UTC.
pub(crate) fn folder_date(name: &str) -> Option<Timestamp> {
    let date = NaiveDate::parse_from_str(name, "%Y-%m-%d").ok()?;
    // chrono accepts unpadded fields ("2025-3-3"); a week folder is always padded.
    (date.format("%Y-%m-%d").to_string() == name).then(|| {
        Timestamp::from_millis(
            date.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis(),
        )
    })
}

/// The week folders of an archive: `PATH/models/<date>/models.parquet`, or `PATH/<date>/...`
/// when PATH is the `models` folder itself, or PATH itself when it is one week's folder. Sorted
/// by date.
pub(crate) fn weeks(path: &Path) -> Result<Vec<(Timestamp, String, PathBuf)>, IngestError> {
    // One week's folder given directly.
    if let Some(name) = path.file_name().and_then(|name| name.to_str())
        && let Some(date) = folder_date(name)
        && path.join("models.parquet").is_file()
    {
        return Ok(vec![(date, name.to_owned(), path.join("models.parquet"))]);
    }
    let root = if path.join("models").is_dir() {
        path.join("models")
    } else {
        path.to_owned()
    };
    let io_error = |source| IngestError::Io {
        path: root.clone(),
        source,
    };
    let mut weeks = Vec::new();
    for entry in std::fs::read_dir(&root).map_err(io_error)? {
        let entry = entry.map_err(io_error)?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(date) = folder_date(&name) else {
            continue;
        };
        let file = entry.path().join("models.parquet");
        if file.is_file() {
            weeks.push((date, name, file));
        }
    }
    weeks.sort();
    if weeks.is_empty() {
        return Err(IngestError::UnknownFormat {
            path: path.to_owned(),
            reason:
                "a directory with no weekly snapshots (expected models/<YYYY-MM-DD>/models.parquet)"
                    .to_owned(),
        });
    }
    Ok(weeks)
}

pub(crate) fn open(path: &Path, options: &ReadOptions) -> Result<Vec<SourceSnapshot>, IngestError> {
    let weeks = weeks(path)?;
    if options.as_of.is_some() && weeks.len() > 1 {
        return Err(IngestError::AsOfForSeveral {
            path: path.to_owned(),
            count: weeks.len(),
        });
    }
    weeks
        .into_iter()
        .map(|(date, name, file)| open_parquet(&file, options, Some((date, name))))
        .collect()
}
