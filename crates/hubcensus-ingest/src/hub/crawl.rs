//! The resumable listing crawl and the reader of what it staged.
//!
//! Layout of `<staging>` (the binary uses `<data-dir>/crawl/<crawl-id>/`):
//!
//! ```text
//! state.json            CrawlState: parameters, start/end, phase, the next cursor, counts
//! listing/000001.json   page 1 of the full listing, the response body as received
//! listing/000002.json   ...
//! head/000001.json      page 1 of the closing re-crawl of the top N
//! ```
//!
//! Every file is written to a temporary name, fsynced and renamed. A page is staged before the
//! state that points past it, so a kill at any point loses at most the page in flight, which the
//! next run fetches again from the staged cursor.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::{Path, PathBuf};

use hubcensus_model::{ModelId, ModelKey, ModelRecord, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{Event, EventSink, HubClient, HubError, write_atomic};
use crate::api_json::{parse_model_array, parse_model_object};

/// The listing's `expand[]` set: every field the snapshot keeps. The Hub returns `_id` and `id`
/// with any `expand`, so `_id` needs no entry (and `expand` excludes `full`, `cardData`,
/// `config`: those come from `enrich`).
pub const LISTING_EXPAND: &[&str] = &[
    "author",
    "createdAt",
    "lastModified",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "tags",
    "pipeline_tag",
    "library_name",
    "gated",
    "safetensors",
    "gguf",
];

const STATE_VERSION: u32 = 1;

/// What defines a crawl: two runs with equal parameters are the same crawl (the second resumes).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrawlParams {
    pub endpoint: String,
    pub sort: String,
    pub page_size: u32,
    /// Stop after this many models (a top-N snapshot, partial).
    pub limit: Option<u64>,
    /// Models re-crawled at the end, whose values win.
    pub head: u64,
    pub expand: Vec<String>,
}

impl CrawlParams {
    /// A full crawl of `endpoint` by downloads, with the project's expand set.
    #[must_use]
    pub fn new(endpoint: &str, limit: Option<u64>, head: u64) -> Self {
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            sort: "downloads".to_owned(),
            page_size: 1000,
            limit,
            head,
            expand: LISTING_EXPAND.iter().map(|&e| e.to_owned()).collect(),
        }
    }

    fn page_size(&self) -> u64 {
        let size = u64::from(self.page_size.max(1));
        self.limit.map_or(size, |limit| size.min(limit.max(1)))
    }

    /// The first page's URL.
    #[must_use]
    pub fn first_url(&self) -> String {
        let mut url = format!(
            "{}/api/models?sort={}&direction=-1&limit={}",
            self.endpoint,
            self.sort,
            self.page_size()
        );
        for field in &self.expand {
            url.push_str("&expand[]=");
            url.push_str(field);
        }
        url
    }

    fn head_target(&self) -> u64 {
        self.limit.map_or(self.head, |limit| self.head.min(limit))
    }

    /// Whether the listing needs the closing head pass: not when it is itself no longer than
    /// the head (a `--limit` within the head, or a Hub smaller than the head).
    fn needs_head_pass(&self, listed: u64) -> bool {
        self.head > 0 && self.limit.is_none_or(|limit| limit > self.head) && listed > self.head
    }
}

/// The directory name of a crawl: a stable hash of its parameters (FNV-1a, hex).
#[must_use]
pub fn crawl_id(params: &CrawlParams) -> String {
    let text = serde_json::to_string(params).unwrap_or_default();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Where a crawl is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Walking the full listing.
    Listing,
    /// Re-crawling the top N.
    Head,
    /// Everything staged.
    Done,
}

/// `state.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CrawlState {
    pub version: u32,
    pub params: CrawlParams,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub phase: Phase,
    /// The next URL of the current phase (`None`: its first page).
    pub next: Option<String>,
    pub listing_pages: u64,
    pub listing_models: u64,
    pub head_pages: u64,
    pub head_models: u64,
    /// The listing ran to its last page (no `--limit` cut).
    pub listing_complete: bool,
    /// Objects that could not be read and were left out.
    pub skipped_objects: u64,
}

/// How a crawl is run.
#[derive(Clone, Debug)]
pub struct CrawlConfig {
    pub params: CrawlParams,
    /// The staging directory of this crawl.
    pub staging: PathBuf,
    /// The wall clock (read for the start and end times only).
    pub clock: fn() -> Timestamp,
    /// Stop after staging this many pages in this run (tests of resumption); `None`: no stop.
    pub stop_after_pages: Option<u64>,
}

/// What a crawl run ended with.
#[derive(Clone, Debug)]
pub struct CrawlOutcome {
    pub state: CrawlState,
    /// Whether this run resumed a staged crawl.
    pub resumed: bool,
}

impl CrawlState {
    fn path(staging: &Path) -> PathBuf {
        staging.join("state.json")
    }

    /// Reads `state.json` (`None` when there is none).
    pub fn load(staging: &Path) -> Result<Option<Self>, HubError> {
        let path = Self::path(staging);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(HubError::Staging { path, source }),
        };
        let state: Self = serde_json::from_slice(&text).map_err(|e| HubError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if state.version != STATE_VERSION {
            return Err(HubError::Corrupt {
                path,
                reason: format!("state version {} (expected {STATE_VERSION})", state.version),
            });
        }
        Ok(Some(state))
    }

    fn save(&self, staging: &Path) -> Result<(), HubError> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| HubError::Corrupt {
            path: Self::path(staging),
            reason: e.to_string(),
        })?;
        write_atomic(&Self::path(staging), &text)
    }
}

/// Removes a staged crawl, its state first: a kill part-way through leaves pages without a
/// state (the next run starts over, reading only the pages it stages itself), never a state
/// that counts pages already removed, which a resume would fail on.
pub fn discard_staging(staging: &Path) -> Result<(), HubError> {
    let failed = |path: PathBuf| move |source| HubError::Staging { path, source };
    let state = CrawlState::path(staging);
    match std::fs::remove_file(&state) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            return Err(failed(state)(error));
        }
        _ => {}
    }
    match std::fs::remove_dir_all(staging) {
        Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
            Err(failed(staging.to_path_buf())(error))
        }
        _ => Ok(()),
    }
}

fn page_path(staging: &Path, phase: Phase, number: u64) -> PathBuf {
    let folder = if phase == Phase::Head {
        "head"
    } else {
        "listing"
    };
    staging.join(folder).join(format!("{number:06}.json"))
}

/// Checks a page body: a JSON array of objects (a truncated body fails here and is fetched
/// again). Returns how many objects it holds and how many of them are unreadable models.
fn check_page(body: &[u8]) -> Result<(u64, u64), String> {
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    if let Ok(records) = parse_model_array(text) {
        return Ok((records.len() as u64, 0));
    }
    let objects: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let bad = objects
        .iter()
        .filter(|raw| parse_model_object(raw.get()).is_err())
        .count();
    Ok(((objects.len() - bad) as u64, bad as u64))
}

/// Runs (or resumes) a crawl into `config.staging` until every page is staged, the run is told
/// to stop (`stop_after_pages`), or a request fails for good (the error says whether re-running
/// resumes).
pub async fn crawl(
    client: &HubClient,
    config: &CrawlConfig,
    events: &EventSink,
) -> Result<CrawlOutcome, HubError> {
    let staging = &config.staging;
    let (mut state, resumed) = match CrawlState::load(staging)? {
        Some(state) if state.params != config.params => {
            return Err(HubError::ParamsMismatch {
                path: staging.clone(),
                staged: serde_json::to_string(&state.params).unwrap_or_default(),
                asked: serde_json::to_string(&config.params).unwrap_or_default(),
            });
        }
        Some(state) => (state, true),
        None => {
            let state = CrawlState {
                version: STATE_VERSION,
                params: config.params.clone(),
                started_at: (config.clock)(),
                finished_at: None,
                phase: Phase::Listing,
                next: None,
                listing_pages: 0,
                listing_models: 0,
                head_pages: 0,
                head_models: 0,
                listing_complete: false,
                skipped_objects: 0,
            };
            state.save(staging)?;
            (state, false)
        }
    };
    if resumed {
        tracing::info!(
            phase = ?state.phase,
            pages = state.listing_pages + state.head_pages,
            "resuming staged crawl"
        );
    }
    let first_url = config.params.first_url();
    let mut staged_this_run = 0u64;
    while state.phase != Phase::Done {
        if config
            .stop_after_pages
            .is_some_and(|stop| staged_this_run >= stop)
        {
            return Ok(CrawlOutcome { state, resumed });
        }
        let phase = state.phase;
        let url = state.next.clone().unwrap_or_else(|| first_url.clone());
        let response = client
            .get(&url, check_page)
            .await?
            .ok_or_else(|| HubError::Status {
                url: url.clone(),
                status: 404,
                request_id: None,
                error_code: None,
                message: "the listing endpoint answered 404".to_owned(),
            })?;
        let (models, bad) = response.value;
        let (pages, total) = if phase == Phase::Head {
            state.head_pages += 1;
            state.head_models += models;
            (state.head_pages, state.head_models)
        } else {
            state.listing_pages += 1;
            state.listing_models += models;
            (state.listing_pages, state.listing_models)
        };
        write_atomic(&page_path(staging, phase, pages), &response.body)?;
        if bad > 0 {
            tracing::warn!(url, bad, "unreadable model objects left out");
        }
        state.skipped_objects += bad;
        state.next.clone_from(&response.next);
        let finished_phase = match phase {
            Phase::Listing => {
                let cut = config.params.limit.is_some_and(|limit| total >= limit);
                state.listing_complete = response.next.is_none();
                response.next.is_none() || cut
            }
            Phase::Head => response.next.is_none() || total >= config.params.head_target(),
            Phase::Done => true,
        };
        if finished_phase {
            state.next = None;
            state.phase = match phase {
                // The head pass is needed only when the listing went beyond the head.
                Phase::Listing if config.params.needs_head_pass(state.listing_models) => {
                    Phase::Head
                }
                _ => Phase::Done,
            };
            if state.phase == Phase::Done {
                state.finished_at = Some((config.clock)());
            }
        }
        state.save(staging)?;
        staged_this_run += 1;
        events.emit(&Event::PageStaged {
            phase,
            pages,
            models: total,
        });
    }
    Ok(CrawlOutcome { state, resumed })
}

/// A finished crawl on disk, read back as deduplicated records.
#[derive(Debug)]
pub struct StagedCrawl {
    pub dir: PathBuf,
    pub state: CrawlState,
}

/// Just the key fields of a model object.
#[derive(Deserialize)]
struct KeyFields<'a> {
    #[serde(rename = "_id", borrow, default)]
    object_id: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<std::borrow::Cow<'a, str>>,
    #[serde(rename = "modelId", borrow, default)]
    model_id: Option<std::borrow::Cow<'a, str>>,
}

fn key_of(raw: &RawValue) -> Option<ModelKey> {
    let fields: KeyFields<'_> = serde_json::from_str(raw.get()).ok()?;
    let id = ModelId::new(fields.id.or(fields.model_id)?.into_owned()).ok()?;
    Some(ModelKey::of(fields.object_id.as_deref(), &id))
}

impl StagedCrawl {
    /// Opens a staged crawl; it must be finished (phase `done`).
    pub fn open(dir: &Path) -> Result<Self, HubError> {
        let state = CrawlState::load(dir)?.ok_or_else(|| HubError::Corrupt {
            path: dir.join("state.json"),
            reason: "no staged crawl here".to_owned(),
        })?;
        if state.phase != Phase::Done {
            return Err(HubError::Corrupt {
                path: dir.join("state.json"),
                reason: format!("the crawl is not finished (phase {:?})", state.phase),
            });
        }
        Ok(Self {
            dir: dir.to_owned(),
            state,
        })
    }

    /// The staged pages in reading order: the head re-crawl first, then the listing.
    fn pages(&self) -> Vec<PathBuf> {
        (1..=self.state.head_pages)
            .map(|n| page_path(&self.dir, Phase::Head, n))
            .chain((1..=self.state.listing_pages).map(|n| page_path(&self.dir, Phase::Listing, n)))
            .collect()
    }

    fn read_page(path: &Path) -> Result<String, HubError> {
        let bytes = std::fs::read(path).map_err(|source| HubError::Staging {
            path: path.to_owned(),
            source,
        })?;
        String::from_utf8(bytes).map_err(|e| HubError::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    fn objects(path: &Path, text: &str) -> Result<Vec<Box<RawValue>>, HubError> {
        serde_json::from_str::<Vec<Box<RawValue>>>(text).map_err(|e| HubError::Corrupt {
            path: path.to_owned(),
            reason: e.to_string(),
        })
    }

    /// Streams the snapshot's records to `sink` in chunks of at most `chunk_size`, and returns
    /// how many were sent.
    ///
    /// One record per key (`_id`, else `id`): a model seen in the head re-crawl takes its values
    /// from there (the last sighting within it); any other takes them from its last sighting in
    /// the listing (a later page was fetched later). Records come in order of first sighting
    /// (head pages, then listing pages). With `--limit N`, the first N keys.
    pub fn for_each_chunk<E: From<HubError>>(
        &self,
        chunk_size: usize,
        mut sink: impl FnMut(Vec<ModelRecord>) -> Result<(), E>,
    ) -> Result<u64, E> {
        let pages = self.pages();
        let head_pages = self.state.head_pages as usize;
        // Pass 1: which sighting of each key wins. (page, index) of the winner, by key, and the
        // order of first sightings.
        let mut winners: HashMap<ModelKey, (usize, usize)> = HashMap::new();
        let mut first_seen: Vec<ModelKey> = Vec::new();
        for (page_number, path) in pages.iter().enumerate() {
            let text = Self::read_page(path)?;
            for (index, raw) in Self::objects(path, &text)?.iter().enumerate() {
                let Some(key) = key_of(raw) else { continue };
                match winners.entry(key) {
                    Entry::Vacant(slot) => {
                        first_seen.push(slot.key().clone());
                        slot.insert((page_number, index));
                    }
                    Entry::Occupied(mut slot) => {
                        let head_won = slot.get().0 < head_pages && page_number >= head_pages;
                        if !head_won {
                            slot.insert((page_number, index));
                        }
                    }
                }
            }
        }
        let keep = self.state.params.limit.map_or(first_seen.len(), |limit| {
            first_seen.len().min(limit as usize)
        });
        // Pass 2: the winners, page by page.
        let mut by_page: Vec<Vec<usize>> = vec![Vec::new(); pages.len()];
        for key in &first_seen[..keep] {
            let (page, index) = winners[key];
            by_page[page].push(index);
        }
        drop(winners);
        drop(first_seen);
        let mut sent = 0u64;
        let mut chunk = Vec::with_capacity(chunk_size.min(1 << 16));
        for (path, mut wanted) in pages.iter().zip(by_page) {
            if wanted.is_empty() {
                continue;
            }
            wanted.sort_unstable();
            let text = Self::read_page(path)?;
            let objects = Self::objects(path, &text)?;
            for index in wanted {
                match parse_model_object(objects[index].get()) {
                    Ok(record) => chunk.push(record),
                    Err(error) => {
                        tracing::debug!(path = %path.display(), index, %error, "left out");
                        continue;
                    }
                }
                if chunk.len() >= chunk_size {
                    sent += chunk.len() as u64;
                    sink(std::mem::take(&mut chunk))?;
                }
            }
        }
        if !chunk.is_empty() {
            sent += chunk.len() as u64;
            sink(chunk)?;
        }
        Ok(sent)
    }

    /// Every record in memory (tests, small crawls).
    pub fn records(&self) -> Result<Vec<ModelRecord>, HubError> {
        let mut all = Vec::new();
        self.for_each_chunk::<HubError>(10_000, |chunk| {
            all.extend(chunk);
            Ok(())
        })?;
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;

    /// Stages a finished crawl whose pages hold sightings `(key, value)`; returns its directory.
    fn stage(dir: &Path, listing: &[Vec<(u8, u32)>], head: &[Vec<(u8, u32)>], limit: Option<u64>) {
        let object = |(key, value): &(u8, u32)| {
            format!(r#"{{"_id":"k{key}","id":"ns/m{key}-{value}","downloads":{value}}}"#)
        };
        let write = |phase, pages: &[Vec<(u8, u32)>]| {
            for (number, page) in pages.iter().enumerate() {
                let text = format!(
                    "[{}]",
                    page.iter().map(object).collect::<Vec<_>>().join(",")
                );
                write_atomic(&page_path(dir, phase, number as u64 + 1), text.as_bytes()).unwrap();
            }
        };
        write(Phase::Listing, listing);
        write(Phase::Head, head);
        let mut params = CrawlParams::new("http://127.0.0.1:9", limit, 1);
        params.page_size = 3;
        CrawlState {
            version: STATE_VERSION,
            params,
            started_at: Timestamp::from_secs(0),
            finished_at: Some(Timestamp::from_secs(1)),
            phase: Phase::Done,
            next: None,
            listing_pages: listing.len() as u64,
            listing_models: 0,
            head_pages: head.len() as u64,
            head_models: 0,
            listing_complete: limit.is_none(),
            skipped_objects: 0,
        }
        .save(dir)
        .unwrap();
    }

    /// The rule stated on `for_each_chunk`, computed the slow way: every sighting in reading
    /// order; per key, the last head sighting if any, else the last listing sighting; keys in
    /// order of first sighting; the first `limit` keys.
    fn naive(
        listing: &[Vec<(u8, u32)>],
        head: &[Vec<(u8, u32)>],
        limit: Option<u64>,
    ) -> Vec<(u8, u32)> {
        let sightings: Vec<(bool, u8, u32)> = head
            .iter()
            .flatten()
            .map(|&(k, v)| (true, k, v))
            .chain(listing.iter().flatten().map(|&(k, v)| (false, k, v)))
            .collect();
        let mut order: Vec<u8> = Vec::new();
        for (_, key, _) in &sightings {
            if !order.contains(key) {
                order.push(*key);
            }
        }
        order.truncate(limit.map_or(usize::MAX, |l| l as usize));
        let mut winners: BTreeMap<u8, u32> = BTreeMap::new();
        for key in &order {
            let of_key: Vec<_> = sightings.iter().filter(|s| s.1 == *key).collect();
            let in_head: Vec<_> = of_key.iter().filter(|s| s.0).collect();
            let winner = in_head
                .last()
                .map_or_else(|| of_key.last().unwrap().2, |s| s.2);
            winners.insert(*key, winner);
        }
        winners.into_iter().collect()
    }

    fn pages() -> impl Strategy<Value = Vec<Vec<(u8, u32)>>> {
        prop::collection::vec(prop::collection::vec((0u8..12, 0u32..1000), 0..4), 0..5)
    }

    proptest! {
        // Each case stages files with fsync: 64 cases keep the test to a couple of seconds.
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn dedupe_matches_the_naive_rule(
            listing in pages(),
            head in pages(),
            limit in prop::option::of(1u64..10),
        ) {
            let dir = tempfile::tempdir().unwrap();
            stage(dir.path(), &listing, &head, limit);
            let records = StagedCrawl::open(dir.path()).unwrap().records().unwrap();
            let mut got: Vec<(u8, u32)> = records
                .iter()
                .map(|r| {
                    let key = r.object_id.as_deref().unwrap()[1..].parse().unwrap();
                    (key, r.downloads_30d.unwrap() as u32)
                })
                .collect();
            let keys: BTreeSet<u8> = got.iter().map(|(k, _)| *k).collect();
            prop_assert_eq!(keys.len(), got.len(), "one record per key");
            got.sort_unstable();
            prop_assert_eq!(got, naive(&listing, &head, limit));
        }
    }

    #[test]
    fn an_unfinished_crawl_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        stage(dir.path(), &[vec![(1, 1)]], &[], None);
        let mut state = CrawlState::load(dir.path()).unwrap().unwrap();
        state.phase = Phase::Head;
        state.save(dir.path()).unwrap();
        let error = StagedCrawl::open(dir.path()).unwrap_err().to_string();
        assert!(error.contains("not finished"), "{error}");
    }

    /// The order (state first) is what the CLI's random-kill test of `sync` exercises; this
    /// holds the two states a kill can leave.
    #[test]
    fn a_discarded_crawl_and_one_killed_while_discarded_leave_nothing_to_resume() {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join("crawl");
        stage(
            &staging,
            &[vec![(1, 1)], vec![(2, 2)]],
            &[vec![(1, 1)]],
            None,
        );
        discard_staging(&staging).unwrap();
        assert!(!staging.exists());
        // Killed after the state went, before the pages did: nothing resumes, and discarding
        // again (a --restart) finishes the job.
        stage(&staging, &[vec![(1, 1)], vec![(2, 2)]], &[], None);
        std::fs::remove_file(staging.join("state.json")).unwrap();
        assert!(CrawlState::load(&staging).unwrap().is_none());
        discard_staging(&staging).unwrap();
        assert!(!staging.exists());
        discard_staging(&staging).unwrap();
    }
}
