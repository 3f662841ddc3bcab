//! The live Hub API: a paced, retrying client ([`HubClient`]), the resumable listing crawl
//! ([`crawl`]) that stages pages durably under a directory, the reader of staged pages
//! ([`StagedCrawl`]) that streams deduplicated [`hubcensus_model::ModelRecord`]s into a sink, and
//! per-model enrichment ([`enrich`]).
//!
//! It knows nothing of the store: the binary streams a finished crawl into the store's writer.

mod client;
mod crawl;
mod enrich;
mod ratelimit;
#[cfg(feature = "stand-in")]
pub mod standin;
mod token;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use client::{ClientConfig, ClientStats, DEFAULT_ENDPOINT, HubClient, Response, next_link};
pub use crawl::{
    CrawlConfig, CrawlOutcome, CrawlParams, CrawlState, LISTING_EXPAND, Phase, StagedCrawl, crawl,
    crawl_id, discard_staging,
};
pub use enrich::{AccountKind, EnrichConfig, EnrichOutcome, enrich};
pub use ratelimit::{Pacer, RateLimit, RateLimitPolicy};
pub use token::{Token, TokenSource};

/// What went wrong talking to the Hub or staging its answers.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("could not build the HTTP client")]
    Client(#[source] reqwest::Error),
    #[error("the token is not a valid HTTP header value")]
    TokenInvalid,
    #[error("could not read the token file {path}")]
    TokenFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{url}: HTTP {status}{} (request id {}){}: {message}",
        error_code.as_deref().map(|c| format!(" {c}")).unwrap_or_default(),
        request_id.as_deref().unwrap_or("none"),
        match status { 401 => " (bad token, or a private or missing repository)", 403 => " (gated or disabled)", _ => "" })]
    Status {
        url: String,
        status: u16,
        request_id: Option<String>,
        error_code: Option<String>,
        message: String,
    },
    /// A failure no retry cures: the name does not resolve, the connection is refused before
    /// the Hub ever answered, or TLS fails.
    #[error("{url}: {cause}; not retried")]
    Unreachable { url: String, cause: String },
    #[error("{url}: gave up after {attempts} failed attempts (last: {cause})")]
    GaveUp {
        url: String,
        attempts: u32,
        cause: String,
    },
    #[error("staging {path}")]
    Staging {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("staged file {path} is unreadable: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "staged crawl {path} was made with other parameters (staged: {staged}; asked: {asked})"
    )]
    ParamsMismatch {
        path: PathBuf,
        staged: String,
        asked: String,
    },
}

impl HubError {
    /// Whether re-running the same command may succeed (the crawl stopped resumably).
    #[must_use]
    pub fn is_resumable(&self) -> bool {
        matches!(self, Self::GaveUp { .. })
    }
}

/// What the crawler reports as it goes (for progress bars and JSON progress lines).
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A request is being sent.
    Request,
    /// A page was staged durably.
    PageStaged {
        phase: Phase,
        pages: u64,
        models: u64,
    },
    /// A transient failure; the request will be retried.
    Retry { attempt: u32, cause: String },
    /// Nothing will be sent for `wait` (rate limit).
    RateLimitWait { wait: Duration },
    /// One model or account was enriched.
    Enriched { done: u64, total: u64 },
}

/// Where events go: a callback shared by the client and the crawl (no-op by default).
#[derive(Clone, Default)]
pub struct EventSink(Option<Arc<Callback>>);

type Callback = dyn Fn(&Event) + Send + Sync;

impl EventSink {
    #[must_use]
    pub fn new(callback: impl Fn(&Event) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(callback)))
    }

    pub fn emit(&self, event: &Event) {
        if let Some(callback) = &self.0 {
            callback(event);
        }
    }
}

impl std::fmt::Debug for EventSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventSink")
    }
}

/// Writes `bytes` to `path` durably: a temporary file beside it, fsync, rename, fsync of the
/// directory. A reader sees the old file or the new one, never a part.
pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), HubError> {
    use std::io::Write;
    let staging = |source| HubError::Staging {
        path: path.to_owned(),
        source,
    };
    let directory = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(directory).map_err(staging)?;
    let temporary = path.with_extension("tmp");
    {
        let mut file = std::fs::File::create(&temporary).map_err(staging)?;
        file.write_all(bytes).map_err(staging)?;
        file.sync_all().map_err(staging)?;
    }
    std::fs::rename(&temporary, path).map_err(staging)?;
    if let Ok(dir) = std::fs::File::open(directory) {
        let _ = dir.sync_all();
    }
    Ok(())
}
