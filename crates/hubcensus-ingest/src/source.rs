//! Opening a path as one or more source snapshots: format detection, the as-of time and its
//! origin, the canonical columns present, and the streamed, validated record chunks.

use std::collections::HashMap;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hubcensus_model::{Era, ModelRecord, SourceKind, Timestamp};

use crate::error::{IngestError, Location, Reject};
use crate::{archive, hub_stats, json_file};

/// The canonical column names, in the order the store and the manifests list them.
pub const CANONICAL_COLUMNS: [&str; 20] = hubcensus_model::COLUMNS;

pub(crate) fn canonical_position(column: &str) -> usize {
    CANONICAL_COLUMNS
        .iter()
        .position(|c| *c == column)
        .unwrap_or(usize::MAX)
}

/// The input format; `Auto` detects it from the path and the first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Auto,
    /// One hub-stats `models.parquet` file.
    HubStats,
    /// A directory laid out as `models/<YYYY-MM-DD>/models.parquet`.
    WeeklyArchive,
    /// A JSON array of model objects, or a `{"date", "fetched_at", "models": [...]}` wrapper.
    Json,
    /// One model object per line.
    JsonLines,
}

impl Format {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::HubStats => "hub-stats",
            Self::WeeklyArchive => "weekly-archive",
            Self::Json => "json",
            Self::JsonLines => "jsonl",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        [
            Self::Auto,
            Self::HubStats,
            Self::WeeklyArchive,
            Self::Json,
            Self::JsonLines,
        ]
        .into_iter()
        .find(|format| format.as_str() == text)
        .ok_or_else(|| format!("unknown format {text:?}"))
    }
}

/// How to read a source.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    pub format: Format,
    /// Overrides any date the source carries.
    pub as_of: Option<Timestamp>,
    /// Skip invalid records (collected as [`Reject`]s) instead of failing on the first.
    pub skip_invalid: bool,
    /// Rows per Parquet record batch, and records per chunk.
    pub batch_size: usize,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            format: Format::Auto,
            as_of: None,
            skip_invalid: false,
            batch_size: 8192,
        }
    }
}

/// Where a snapshot's as-of time came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AsOfOrigin {
    /// `--as-of`.
    Flag,
    /// A field of the file itself (`fetched_at`, `date`).
    FileField(&'static str),
    /// The weekly archive's folder name (`models/<YYYY-MM-DD>/`).
    FolderName(String),
}

impl fmt::Display for AsOfOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Flag => f.write_str("--as-of"),
            Self::FileField(field) => write!(f, "the file's `{field}` field"),
            Self::FolderName(name) => write!(f, "the folder name {name}"),
        }
    }
}

/// One snapshot found in a source, not yet read.
#[derive(Debug)]
pub struct SourceSnapshot {
    pub as_of: Timestamp,
    pub as_of_origin: AsOfOrigin,
    /// When the source says it was fetched (the wrapper's `fetched_at`).
    pub crawl_ended: Option<Timestamp>,
    pub kind: SourceKind,
    /// The file the records come from.
    pub path: PathBuf,
    /// Canonical names (see [`CANONICAL_COLUMNS`]) of the columns the source carries.
    pub columns: Vec<&'static str>,
    /// The number of records (rows or objects) the source holds, before validation.
    pub rows: u64,
    pub(crate) body: Body,
    pub(crate) options: ReadOptions,
}

#[derive(Debug)]
pub(crate) enum Body {
    Parquet,
    Json(json_file::JsonDocument),
}

impl SourceSnapshot {
    /// The era the columns put the snapshot in.
    #[must_use]
    pub fn era(&self) -> Era {
        if self.columns.contains(&"downloads_all_time") {
            Era::AllTime
        } else {
            Era::ThirtyDayOnly
        }
    }

    #[must_use]
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.contains(&column)
    }

    /// Starts reading: chunks of at most `batch_size` valid records, in file order.
    pub fn chunks(self) -> Result<Chunks, IngestError> {
        let capacity = usize::try_from(self.rows).unwrap_or(0);
        let key_capacity = if self.has_column("object_id") {
            capacity
        } else {
            0
        };
        let rows = match self.body {
            Body::Parquet => RowSource::Parquet(Box::new(hub_stats::ParquetRows::open(
                &self.path,
                self.options.batch_size,
            )?)),
            Body::Json(document) => RowSource::Json(document.into_rows(self.options.batch_size)),
        };
        Ok(Chunks {
            path: self.path,
            skip_invalid: self.options.skip_invalid,
            rows,
            // Sized up front: growing a table of millions of entries briefly holds the old and
            // the new one (1.5x the memory).
            keys: HashMap::with_capacity_and_hasher(key_capacity, Prehashed::default()),
            ids: HashMap::with_capacity_and_hasher(capacity, Prehashed::default()),
            rejects: Vec::new(),
            finished: false,
        })
    }
}

/// A record that did not convert: the field and the reason.
#[derive(Debug)]
pub(crate) struct Problem {
    pub(crate) field: String,
    pub(crate) reason: String,
}

impl Problem {
    pub(crate) fn new(field: impl Into<String>, reason: String) -> Self {
        Self {
            field: field.into(),
            reason,
        }
    }
}

/// One record as read, before the snapshot-wide checks.
#[derive(Debug)]
pub(crate) struct Row {
    pub(crate) location: Location,
    pub(crate) record: Result<ModelRecord, Problem>,
}

pub(crate) enum RowSource {
    Parquet(Box<hub_stats::ParquetRows>),
    Json(json_file::JsonRows),
}

impl RowSource {
    fn next_batch(&mut self) -> Option<Result<Vec<Row>, IngestError>> {
        match self {
            Self::Parquet(rows) => rows.next_batch(),
            Self::Json(rows) => rows.next_batch(),
        }
    }
}

/// The records of one snapshot, in chunks. Yields an error (and then nothing) at the first
/// invalid record, unless reading with `skip_invalid`, where invalid records are collected in
/// [`Chunks::rejects`]. A file-level error (corrupt Parquet) always ends the stream.
///
/// Duplicate keys (`_id`, else `id`) and duplicate ids within the snapshot are invalid records:
/// the first occurrence is kept, later ones are rejected.
pub struct Chunks {
    path: PathBuf,
    skip_invalid: bool,
    rows: RowSource,
    /// 128-bit fingerprints of the keys and ids seen, with where each was first seen. A
    /// fingerprint (not the string) keeps this at ~40 bytes per model on 2-million-row files;
    /// two distinct ids colliding in 128 bits does not happen in practice.
    keys: HashMap<u128, Location, Prehashed>,
    ids: HashMap<u128, Location, Prehashed>,
    rejects: Vec<Reject>,
    finished: bool,
}

impl fmt::Debug for Chunks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Chunks")
            .field("path", &self.path)
            .field("rejects", &self.rejects.len())
            .finish_non_exhaustive()
    }
}

/// The hasher of the fingerprint maps: a fingerprint is already a uniform hash, so hashing it
/// again (`SipHash`, twice per lookup) only cost time. Its low 64 bits are the hash.
type Prehashed = BuildHasherDefault<FingerprintHasher>;

#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u128` keys reach here (`write_u128`); stay correct for anything else.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64;
    }
}

fn fingerprint(kind: u8, text: &str) -> u128 {
    let mut first = DefaultHasher::new();
    (kind, 0u8, text).hash(&mut first);
    let mut second = DefaultHasher::new();
    (kind, 1u8, text).hash(&mut second);
    (u128::from(first.finish()) << 64) | u128::from(second.finish())
}

impl Chunks {
    /// The invalid records skipped so far (only with `skip_invalid`).
    #[must_use]
    pub fn rejects(&self) -> &[Reject] {
        &self.rejects
    }

    fn check_unique(&mut self, location: Location, record: &ModelRecord) -> Result<(), Reject> {
        let duplicate = |field: &str, what: &str, value: &str, first: Location| Reject {
            file: self.path.clone(),
            location,
            field: field.to_owned(),
            reason: format!("duplicate {what} {value:?} (first at {first})"),
        };
        // Each fingerprint is computed once, and each map probed once: a vacant entry is
        // filled only when both the key and the id are new.
        let key = record
            .object_id
            .as_deref()
            .map(|object_id| (object_id, fingerprint(0, object_id)));
        let key_entry = match key {
            Some((object_id, print)) => match self.keys.entry(print) {
                Entry::Occupied(first) => {
                    return Err(duplicate("_id", "key", object_id, *first.get()));
                }
                Entry::Vacant(vacant) => Some(vacant),
            },
            None => None,
        };
        match self.ids.entry(fingerprint(1, record.id.as_str())) {
            Entry::Occupied(first) => {
                return Err(duplicate("id", "id", record.id.as_str(), *first.get()));
            }
            Entry::Vacant(vacant) => {
                vacant.insert(location);
            }
        }
        if let Some(vacant) = key_entry {
            vacant.insert(location);
        }
        Ok(())
    }
}

impl Iterator for Chunks {
    type Item = Result<Vec<ModelRecord>, IngestError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.finished {
            let rows = match self.rows.next_batch() {
                None => {
                    self.finished = true;
                    return None;
                }
                Some(Err(error)) => {
                    self.finished = true;
                    return Some(Err(error));
                }
                Some(Ok(rows)) => rows,
            };
            let mut records = Vec::with_capacity(rows.len());
            for row in rows {
                let checked = match row.record {
                    Ok(record) => self.check_unique(row.location, &record).map(|()| record),
                    Err(problem) => Err(Reject {
                        file: self.path.clone(),
                        location: row.location,
                        field: problem.field,
                        reason: problem.reason,
                    }),
                };
                match checked {
                    Ok(record) => records.push(record),
                    Err(reject) if self.skip_invalid => self.rejects.push(reject),
                    Err(reject) => {
                        self.finished = true;
                        return Some(Err(IngestError::Invalid(reject)));
                    }
                }
            }
            if !records.is_empty() {
                return Some(Ok(records));
            }
        }
        None
    }
}

/// Opens `path` as the snapshots it holds: one for a file, one per week for a weekly archive.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Vec<SourceSnapshot>, IngestError> {
    let format = match options.format {
        Format::Auto => detect(path)?,
        format => format,
    };
    let snapshots = match format {
        Format::WeeklyArchive => archive::open(path, options)?,
        Format::HubStats => vec![open_parquet(path, options, None)?],
        Format::Json => vec![json_file::open(path, options, Some(false))?],
        Format::JsonLines => vec![json_file::open(path, options, Some(true))?],
        Format::Auto => vec![json_file::open(path, options, None)?],
    };
    if options.as_of.is_some() && snapshots.len() > 1 {
        return Err(IngestError::AsOfForSeveral {
            path: path.to_owned(),
            count: snapshots.len(),
        });
    }
    Ok(snapshots)
}

/// A hub-stats file. Its as-of time is `--as-of`, else its folder's date when the folder is
/// named `YYYY-MM-DD` (a weekly archive's week), else unknown: a hub-stats file carries no date
/// of its own, and a file's modification time is not when the Hub was observed.
pub(crate) fn open_parquet(
    path: &Path,
    options: &ReadOptions,
    folder_date: Option<(Timestamp, String)>,
) -> Result<SourceSnapshot, IngestError> {
    let inspection = hub_stats::inspect(path)?;
    let folder_date = folder_date.or_else(|| {
        path.parent()
            .and_then(Path::file_name)
            .and_then(|name| name.to_str())
            .and_then(|name| archive::folder_date(name).map(|date| (date, name.to_owned())))
    });
    let (as_of, as_of_origin, kind) = match (options.as_of, folder_date) {
        (Some(as_of), Some(_)) => (as_of, AsOfOrigin::Flag, SourceKind::WeeklyArchive),
        (Some(as_of), None) => (as_of, AsOfOrigin::Flag, SourceKind::HubStatsParquet),
        (None, Some((date, name))) => (
            date,
            AsOfOrigin::FolderName(name),
            SourceKind::WeeklyArchive,
        ),
        (None, None) => {
            return Err(IngestError::NoAsOf {
                path: path.to_owned(),
                reason: "a hub-stats file carries no date of its own and its folder is not named YYYY-MM-DD".to_owned(),
            });
        }
    };
    Ok(SourceSnapshot {
        as_of,
        as_of_origin,
        crawl_ended: None,
        kind,
        path: path.to_owned(),
        columns: inspection.columns,
        rows: inspection.rows,
        body: Body::Parquet,
        options: options.clone(),
    })
}

/// Detects the format from what the path is and its first bytes.
fn detect(path: &Path) -> Result<Format, IngestError> {
    let io_error = |source| IngestError::Io {
        path: path.to_owned(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if metadata.is_dir() {
        return Ok(Format::WeeklyArchive);
    }
    let mut head = [0u8; 512];
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut filled = 0;
    while filled < head.len() {
        let read = file.read(&mut head[filled..]).map_err(io_error)?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    let head = &head[..filled];
    if head.starts_with(b"PAR1") {
        return Ok(Format::HubStats);
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("parquet") => return Ok(Format::HubStats),
        Some("jsonl" | "ndjson") => return Ok(Format::JsonLines),
        _ => {}
    }
    match head.iter().find(|byte| !byte.is_ascii_whitespace()) {
        // `{` is a wrapper object or the first line of JSON Lines: the JSON reader tells.
        Some(b'[' | b'{') => Ok(Format::Auto),
        _ => Err(IngestError::UnknownFormat {
            path: path.to_owned(),
            reason: "not Parquet (no PAR1 magic), not JSON, not a directory".to_owned(),
        }),
    }
}
