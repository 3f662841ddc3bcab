//! The one error type of the query layer: what a CLI turns into `error:`/`hint:` lines and a
//! server into a 4xx response (client faults) or a 500 (everything else).

use std::path::PathBuf;

use hubcensus_analytics::AnalyticsError;
use hubcensus_evals::EvalsError;
use hubcensus_model::Timestamp;
use hubcensus_store::StoreError;

/// Everything a view can fail with.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("no store at {} (no snapshot imported yet)", dir.display())]
    NoStore { dir: PathBuf },
    #[error("the store in {} has no snapshots", dir.display())]
    NoSnapshots { dir: PathBuf },
    #[error("no snapshot at {asked}")]
    NoSnapshotAt {
        asked: String,
        available: Vec<Timestamp>,
    },
    #[error("no snapshot in the chosen range")]
    EmptyRange,
    #[error("no model {id:?} in the store")]
    UnknownModel { id: String },
    /// A parameter the user gave that cannot be answered; `hint` says what would work.
    #[error("{message}")]
    Invalid {
        parameter: &'static str,
        message: String,
        hint: String,
    },
    #[error("churn needs two windows, and the store has none before the one ending {end}")]
    NeedsTwoWindows { end: Timestamp },
    #[error("{context}")]
    Store {
        context: String,
        #[source]
        source: StoreError,
    },
    #[error("cannot compute the window ending {end}")]
    Analytics {
        end: Timestamp,
        #[source]
        source: AnalyticsError,
    },
    #[error("{context}")]
    Evals {
        context: String,
        #[source]
        source: EvalsError,
    },
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The Spark path failed (the job, or what it returned): docs/spark.md.
    #[error("{message}")]
    Spark { message: String },
    #[error("bug: {0}")]
    Bug(String),
}

impl QueryError {
    /// What the user can do next, when there is something.
    #[must_use]
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::NoStore { .. } => Some(
                "import one first (`hubcensus import FILE`), crawl one (`hubcensus sync`), or try \
                 `hubcensus demo`; or pass --data-dir"
                    .to_owned(),
            ),
            Self::NoSnapshots { .. } => Some(
                "import one (`hubcensus import FILE`), crawl one (`hubcensus sync`), or try \
                 `hubcensus demo`"
                    .to_owned(),
            ),
            Self::NoSnapshotAt { available, .. } => Some(format!(
                "snapshots in the store: {} (see `hubcensus snapshots`)",
                available
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Self::EmptyRange => Some(
                "list the snapshots with `hubcensus snapshots` and choose --from/--to around them"
                    .to_owned(),
            ),
            Self::UnknownModel { .. } => Some(
                "ids are case-sensitive (`org/name`); `hubcensus top` lists models in the store"
                    .to_owned(),
            ),
            Self::Invalid { hint, .. } => Some(hint.clone()),
            Self::NeedsTwoWindows { .. } => Some(
                "add a snapshot (`hubcensus sync` or `hubcensus import`), or see `hubcensus top`"
                    .to_owned(),
            ),
            Self::Spark { .. } => Some(
                "check that PySpark 4.3 and Java 17 are installed (pip install -r \
                 spark/requirements.txt), and the master or Spark Connect address; see docs/spark.md"
                    .to_owned(),
            ),
            Self::Store { .. }
            | Self::Analytics { .. }
            | Self::Evals { .. }
            | Self::Io { .. }
            | Self::Bug(_) => None,
        }
    }

    /// Whether the request was at fault (a server answers 4xx), rather than the store or the
    /// program (500).
    #[must_use]
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            Self::NoSnapshotAt { .. }
                | Self::EmptyRange
                | Self::UnknownModel { .. }
                | Self::Invalid { .. }
                | Self::NeedsTwoWindows { .. }
        )
    }

    /// A user's mistake in `parameter`.
    pub fn invalid(
        parameter: &'static str,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            parameter,
            message: message.into(),
            hint: hint.into(),
        }
    }

    pub(crate) fn store(context: impl Into<String>) -> impl FnOnce(StoreError) -> Self {
        let context = context.into();
        move |source| Self::Store { context, source }
    }
}
