//! What every request shares: the store opened read-only through the query layer, its state
//! (the snapshots' manifests, the registry version and the tool version, hashed: the `ETag` of
//! every response), and the memos of computed views, which live and die with that state. A
//! watcher re-reads the list of snapshots every few seconds; when a writer has committed one,
//! the store is opened again and the memos start empty.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hubcensus_analytics::Filter;
use hubcensus_model::{Era, SnapshotInfo, SourceKind};
use hubcensus_query::views::history::History;
use hubcensus_query::views::shares::SharesView;
use hubcensus_query::{Census, QueryError, TOOL_VERSION};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::memo::Memo;

/// How many computed responses are kept per store state.
const RESPONSES: usize = 2_048;
/// How many weekly histories (one per filter and k) are kept: each holds four bytes per model
/// and week (about 100 MB for 2M models and 13 weeks).
const HISTORIES: usize = 3;
/// How many shares views (one per dimension, origins, period and filter) are kept: the
/// shares API, Geography and every organization page read them.
const SHARES: usize = 32;
/// How often the watcher looks for new snapshots.
const WATCH_EVERY: Duration = Duration::from_secs(5);

/// A rendered response body and its content type.
pub struct Rendered {
    pub content_type: &'static str,
    pub body: axum::body::Bytes,
    /// A download's file name (sent as `Content-Disposition: attachment`).
    pub filename: Option<String>,
}

/// The store at one state, with the views computed over it.
pub struct Loaded {
    pub census: Census,
    /// Hex digest of the snapshots, registry and tool version: the `ETag`'s root.
    pub tag: String,
    pub snapshots: Vec<SnapshotInfo>,
    pub responses: Memo<String, Rendered>,
    pub histories: Memo<(String, u64), History>,
    /// Shares views by their query (`{query:?}`).
    pub shares: Memo<String, SharesView>,
}

impl Loaded {
    fn open(dir: &Path) -> Result<Self, QueryError> {
        let census = Census::open_with_snapshots(dir)?;
        let mut snapshots = census.store().snapshots().to_vec();
        snapshots.sort_by_key(|s| s.as_of);
        Ok(Self {
            tag: state_tag(&snapshots),
            snapshots,
            census,
            responses: Memo::new(RESPONSES),
            histories: Memo::new(HISTORIES),
            shares: Memo::new(SHARES),
        })
    }

    /// The weekly history for `filter` and `k`, read once per store state.
    pub async fn history(
        self: &Arc<Self>,
        filter: &Filter,
        k: u64,
    ) -> Result<Arc<History>, AppError> {
        let key = (format!("{filter:?}"), k);
        let loaded = Arc::clone(self);
        let filter = filter.clone();
        self.histories
            .get_or_try(key, || async move {
                blocking(move || History::read(&loaded.census, filter, k)).await
            })
            .await
    }

    /// The `meta` block of a view of one window: its population's words, its two snapshots.
    pub fn window_meta(&self, population: &hubcensus_analytics::Population) -> Meta {
        self.meta(&population.words, Some(&[population.from, population.to]))
    }

    /// The `meta` block of a response computed over `snapshots` (all the store's when `None`).
    pub fn meta(&self, population: &str, used: Option<&[hubcensus_model::Timestamp]>) -> Meta {
        let infos: Vec<&SnapshotInfo> = self
            .snapshots
            .iter()
            .filter(|s| used.is_none_or(|used| used.contains(&s.as_of)))
            .collect();
        let mut sources: Vec<&'static str> = infos.iter().map(|s| source_name(s.source)).collect();
        sources.sort_unstable();
        sources.dedup();
        let mut eras: Vec<&'static str> = infos.iter().map(|s| era_name(s.era())).collect();
        eras.sort_unstable();
        eras.dedup();
        let registry_version = hubcensus_registry::Registry::embedded().version();
        let first = infos
            .first()
            .map(|s| s.as_of.to_string())
            .unwrap_or_default();
        let last = infos
            .last()
            .map(|s| s.as_of.to_string())
            .unwrap_or_default();
        Meta {
            snapshots: infos.iter().map(|s| s.as_of.to_string()).collect(),
            source: sources,
            schema_era: eras,
            population: population.to_owned(),
            registry_version: registry_version.clone(),
            tool_version: TOOL_VERSION,
            store_state: self.tag.clone(),
            synthetic: infos.iter().any(|s| s.synthetic),
            partial: infos.iter().any(|s| s.partial),
            citation: format!(
                "hubcensus {TOOL_VERSION}, snapshots {first} to {last}, registry {registry_version}, \
                 store state {}{}",
                &self.tag[..12],
                if infos.iter().any(|s| s.synthetic) {
                    " (synthetic demo data)"
                } else {
                    ""
                }
            ),
        }
    }
}

/// What every API response says about where its figures come from.
#[derive(Clone, Debug, Serialize)]
pub struct Meta {
    pub snapshots: Vec<String>,
    pub source: Vec<&'static str>,
    /// `all_time` (downloadsAllTime differences) or `thirty_day_only`, for the snapshots used.
    pub schema_era: Vec<&'static str>,
    pub population: String,
    pub registry_version: String,
    pub tool_version: &'static str,
    pub store_state: String,
    pub synthetic: bool,
    pub partial: bool,
    pub citation: String,
}

pub fn source_name(source: SourceKind) -> &'static str {
    match source {
        SourceKind::HubApi => "hub_api",
        SourceKind::HubStatsParquet => "hub_stats_parquet",
        SourceKind::WeeklyArchive => "weekly_archive",
        SourceKind::HubApiJson => "hub_api_json",
        SourceKind::Synthetic => "synthetic",
    }
}

pub fn era_name(era: Era) -> &'static str {
    match era {
        Era::AllTime => "all_time",
        Era::ThirtyDayOnly => "thirty_day_only",
    }
}

/// The digest of everything a response depends on besides its request.
fn state_tag(snapshots: &[SnapshotInfo]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(TOOL_VERSION.as_bytes());
    hasher.update(
        hubcensus_registry::Registry::embedded()
            .version()
            .as_bytes(),
    );
    for snapshot in snapshots {
        hasher.update(serde_json::to_vec(snapshot).unwrap_or_default());
    }
    crate::respond::hex(&hasher.finalize())
}

/// The server's shared state: the store at its current state.
#[derive(Clone)]
pub struct AppState {
    dir: PathBuf,
    current: Arc<RwLock<Arc<Loaded>>>,
}

impl AppState {
    /// Opens the store in `dir` for reading (an error when there is none, or no snapshot).
    pub fn open(dir: &Path) -> Result<Self, QueryError> {
        let loaded = Loaded::open(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            current: Arc::new(RwLock::new(Arc::new(loaded))),
        })
    }

    pub fn loaded(&self) -> Arc<Loaded> {
        Arc::clone(
            &self
                .current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Looks for a change of the store's snapshots every few seconds, forever; opens the store
    /// again when there is one. Started by [`crate::serve`].
    pub async fn watch(self) {
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            let dir = self.dir.clone();
            let current = self.loaded().tag.clone();
            let reopened = tokio::task::spawn_blocking(move || {
                let census = Census::open(&dir).ok()?;
                let mut snapshots = census.store().snapshots().to_vec();
                snapshots.sort_by_key(|s| s.as_of);
                (state_tag(&snapshots) != current).then(|| Loaded::open(&dir))
            })
            .await;
            match reopened {
                Ok(Some(Ok(loaded))) => {
                    tracing::info!(
                        "the store changed: now {} snapshots",
                        loaded.snapshots.len()
                    );
                    *self
                        .current
                        .write()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(loaded);
                }
                Ok(Some(Err(error))) => tracing::warn!("cannot reopen the store: {error}"),
                _ => {}
            }
        }
    }

    /// Computes ahead of the first request what every visit needs: the weekly history, then
    /// the key dictionary (id lookups), then one model's view (which reads the lineage graph and
    /// the latest snapshot's frame, kept by the census for every later model page).
    pub async fn warm(self) {
        let loaded = self.loaded();
        let history = match loaded.history(&Filter::default(), 200).await {
            Ok(history) => history,
            Err(error) => {
                tracing::warn!("warming the weekly history failed: {error:?}");
                return;
            }
        };
        let inner = Arc::clone(&loaded);
        let warmed = blocking(move || {
            use hubcensus_query::views::history::{
                ModelQuery, WorkingSetQuery, model, working_set,
            };
            inner.census.prepare_lookups()?;
            let week = working_set(&inner.census, &history, &WorkingSetQuery::default())?;
            if let Some(top) = week.models.first() {
                model(
                    &inner.census,
                    &history,
                    &ModelQuery {
                        id: top.id.clone(),
                        limit: 20,
                    },
                )?;
            }
            Ok(())
        })
        .await;
        if let Err(error) = warmed {
            tracing::warn!("warming the model pages failed: {error:?}");
        }
    }
}

/// Runs `work` (a query-layer call: synchronous, reads the store) on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, QueryError> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result.map_err(AppError::from),
        Err(error) => Err(AppError::Internal(format!("a view's task failed: {error}"))),
    }
}
