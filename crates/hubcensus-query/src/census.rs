//! The store opened for reading, and the one rule for choosing snapshots: `--as-of`,
//! `--from`/`--to`, and the weekly spacing `audit` walks back with.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use hubcensus_analytics::Filter;
use hubcensus_analytics::lineage::LineageGraph;
use hubcensus_model::{FrameColumns, Ids, SnapshotInfo, Timestamp};
use hubcensus_store::{FrameSet, Store};

use crate::QueryError;
use crate::attribution::Accounts;

/// A model's facts as the newest snapshot that held it said ([`Census::facts_before`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarriedFacts {
    /// The oldest snapshot they come from.
    pub from: Timestamp,
    pub task: Option<String>,
    pub license: Option<String>,
    pub parameters: Option<u64>,
    pub created_at: Option<Timestamp>,
}

/// A snapshot as the user named it: an RFC 3339 time, or a date (the latest snapshot taken
/// that day, when none is at its midnight).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AsOf {
    pub time: Timestamp,
    /// Only a date was given.
    pub date_only: bool,
    pub text: String,
}

impl FromStr for AsOf {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let time = Timestamp::parse(text).map_err(|_| {
            format!(
                "{text:?} is not a date (2026-03-29) or an RFC 3339 time (2026-03-29T00:00:00Z)"
            )
        })?;
        Ok(Self {
            time,
            date_only: text.len() == 10,
            text: text.to_owned(),
        })
    }
}

impl From<Timestamp> for AsOf {
    fn from(time: Timestamp) -> Self {
        Self {
            time,
            date_only: false,
            text: time.to_string(),
        }
    }
}

/// A user error when `from` is after `to`.
pub fn check_span(from: Option<Timestamp>, to: Option<Timestamp>) -> Result<(), QueryError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => Err(QueryError::invalid(
            "from",
            format!("--from {from} is after --to {to}"),
            "swap --from and --to",
        )),
        _ => Ok(()),
    }
}

/// A store opened for reading (nothing is created), with its snapshot times in time order and
/// the account kinds `hubcensus enrich` recorded.
pub struct Census {
    store: Store,
    dir: PathBuf,
    times: Vec<Timestamp>,
    accounts: Accounts,
    /// The lineage graphs read so far (a long-lived reader such as the server asks for the
    /// same one again and again; reading a 2M-model graph takes seconds).
    graphs: Mutex<Vec<CachedGraph>>,
    /// The frame sets [`Census::load_shared`] read (one snapshot's frame, for views of one
    /// model), the newest last.
    frame_sets: Mutex<Vec<CachedFrames>>,
    /// Dense indices sorted by current id, once [`Census::prepare_lookups`] ran.
    id_order: std::sync::OnceLock<Vec<u32>>,
}

/// One frame set read for `times` with `columns`.
struct CachedFrames {
    times: Vec<Timestamp>,
    columns: FrameColumns,
    set: Arc<FrameSet>,
}

/// How many frame sets a [`Census`] keeps (one 2M-model frame with its author codes is about
/// 10 MB).
const CACHED_FRAME_SETS: usize = 4;

/// One lineage graph read for `as_of`, with or without the tag mentions.
struct CachedGraph {
    as_of: Timestamp,
    mentions: bool,
    graph: Arc<LineageGraph>,
    source: Option<Timestamp>,
}

/// How many lineage graphs a [`Census`] keeps (each is tens of megabytes on a 2M-model store).
const CACHED_GRAPHS: usize = 2;

impl Census {
    /// Opens the store in `dir`; an error when there is none (it is never created here). The
    /// store may have no snapshots: see [`Census::open_with_snapshots`].
    pub fn open(dir: &Path) -> Result<Self, QueryError> {
        let store = Store::open_existing(dir)
            .map_err(QueryError::store(format!(
                "cannot open the store in {}",
                dir.display()
            )))?
            .ok_or_else(|| QueryError::NoStore {
                dir: dir.to_path_buf(),
            })?;
        let mut times: Vec<Timestamp> = store.snapshots().iter().map(|s| s.as_of).collect();
        times.sort();
        times.dedup();
        let accounts = Accounts::load(dir)?;
        Ok(Self {
            store,
            dir: dir.to_path_buf(),
            times,
            accounts,
            graphs: Mutex::new(Vec::new()),
            frame_sets: Mutex::new(Vec::new()),
            id_order: std::sync::OnceLock::new(),
        })
    }

    /// [`Census::open`], and an error when the store has no snapshot.
    pub fn open_with_snapshots(dir: &Path) -> Result<Self, QueryError> {
        let census = Self::open(dir)?;
        if census.times.is_empty() {
            return Err(QueryError::NoSnapshots {
                dir: dir.to_path_buf(),
            });
        }
        Ok(census)
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The snapshot times, in time order.
    #[must_use]
    pub fn times(&self) -> &[Timestamp] {
        &self.times
    }

    #[must_use]
    pub fn latest(&self) -> Option<Timestamp> {
        self.times.last().copied()
    }

    #[must_use]
    pub fn info(&self, as_of: Timestamp) -> Option<&SnapshotInfo> {
        self.store.snapshot(as_of)
    }

    /// The account kinds `hubcensus enrich` recorded (newest first per name).
    #[must_use]
    pub fn accounts(&self) -> &Accounts {
        &self.accounts
    }

    /// The position of the snapshot the user named (the latest when `None`): an exact time,
    /// or for a bare date the latest snapshot taken that day.
    pub fn position(&self, as_of: Option<&AsOf>) -> Result<usize, QueryError> {
        let Some(as_of) = as_of else {
            return self
                .times
                .len()
                .checked_sub(1)
                .ok_or(QueryError::NoSnapshots {
                    dir: self.dir.clone(),
                });
        };
        if let Ok(position) = self.times.binary_search(&as_of.time) {
            return Ok(position);
        }
        let date = as_of.time.date_string();
        as_of
            .date_only
            .then(|| self.times.iter().rposition(|t| t.date_string() == date))
            .flatten()
            .ok_or_else(|| QueryError::NoSnapshotAt {
                asked: as_of.text.clone(),
                available: self.times.clone(),
            })
    }

    /// The positions of the snapshots from `from` to `to` (inclusive; the whole store when
    /// unbounded).
    pub fn range(
        &self,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
    ) -> Result<RangeInclusive<usize>, QueryError> {
        check_span(from, to)?;
        if self.times.is_empty() {
            return Err(QueryError::NoSnapshots {
                dir: self.dir.clone(),
            });
        }
        let first = self
            .times
            .iter()
            .position(|t| from.is_none_or(|from| *t >= from));
        let last = self
            .times
            .iter()
            .rposition(|t| to.is_none_or(|to| *t <= to));
        match (first, last) {
            (Some(first), Some(last)) if first <= last => Ok(first..=last),
            _ => Err(QueryError::EmptyRange),
        }
    }

    /// Up to `count` snapshot positions spaced at least `min_days` apart, walking back from
    /// `end`, in time order (`audit`'s weekly evidence: a daily store gives weekly windows).
    #[must_use]
    pub fn spaced(&self, end: usize, count: usize, min_days: f64) -> Vec<usize> {
        let mut picked: Vec<usize> = Vec::new();
        for position in (0..=end.min(self.times.len().saturating_sub(1))).rev() {
            if picked.len() >= count {
                break;
            }
            if picked
                .last()
                .is_none_or(|&last| self.times[position].days_until(self.times[last]) >= min_days)
            {
                picked.push(position);
            }
        }
        picked.reverse();
        picked
    }

    /// Sorts the dense indices by current id once, so that a later lookup of a current id
    /// ([`Census::resolve`]: `lineage`, `who`, a model's weekly series) is a binary search
    /// rather than a pass over the key dictionary's file (0.2 s each at 2 million models). Four
    /// bytes per model (building the whole dictionary instead took the server from 0.5 to 1.3
    /// GB). For a long-lived reader such as the server.
    pub fn prepare_lookups(&self) -> Result<(), QueryError> {
        let ids = self.ids()?;
        let mut order: Vec<u32> = (0..ids.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| ids[a as usize].cmp(&ids[b as usize]));
        let _ = self.id_order.set(order);
        Ok(())
    }

    /// The dense index of a model id (any id in its history) or `_id` key: a current id by
    /// binary search once [`Census::prepare_lookups`] ran, anything else by the store's one
    /// pass over the dictionary's file.
    pub fn resolve(&self, id_or_key: &str) -> Result<Option<u32>, QueryError> {
        if let Some(order) = self.id_order.get() {
            let ids = self.ids()?;
            if let Ok(position) =
                order.binary_search_by(|&index| ids[index as usize].cmp(id_or_key))
            {
                return Ok(Some(order[position]));
            }
        }
        self.store
            .resolve_one(id_or_key)
            .map_err(QueryError::store("cannot read the store's key dictionary"))
    }

    /// The current id of every dense index (read once, then shared).
    pub fn ids(&self) -> Result<Ids, QueryError> {
        self.store
            .ids()
            .map_err(QueryError::store("cannot read the store's key dictionary"))
    }

    /// The lineage graph at `as_of` over the store's dense index, read from the newest snapshot
    /// at or before `as_of` whose source carried lineage (METHODS.md §5: a listing without
    /// lineage does not erase it), and that snapshot; no snapshot carried any: an empty graph
    /// and `None`. With the `base_model:` tag mentions only when `mentions` (reading every tag
    /// costs most of it). Kept: the same graph asked again is shared, not read again.
    pub fn lineage(
        &self,
        as_of: Timestamp,
        mentions: bool,
    ) -> Result<(Arc<LineageGraph>, Option<Timestamp>), QueryError> {
        // A graph with the mentions serves a caller that does not need them.
        let cached = |graphs: &[CachedGraph]| {
            graphs
                .iter()
                .find(|c| c.as_of == as_of && (c.mentions || !mentions))
                .map(|c| (Arc::clone(&c.graph), c.source))
        };
        if let Some(hit) = cached(
            &self
                .graphs
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        ) {
            return Ok(hit);
        }
        let len = self.store.len();
        let read = self
            .store
            .lineage_as_of(as_of, len, mentions)
            .map_err(QueryError::store(format!(
                "cannot read the lineage of the snapshot at {as_of}"
            )))?;
        let (graph, source) = match read {
            Some((source, table)) => (LineageGraph::new(&table, len), Some(source)),
            None => (
                LineageGraph::new(&hubcensus_model::LineageTable::default(), len),
                None,
            ),
        };
        let graph = Arc::new(graph);
        let mut graphs = self
            .graphs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        graphs.retain(|c| !(c.as_of == as_of && !c.mentions && mentions));
        if graphs.len() >= CACHED_GRAPHS {
            graphs.remove(0);
        }
        graphs.push(CachedGraph {
            as_of,
            mentions,
            graph: Arc::clone(&graph),
            source,
        });
        Ok((graph, source))
    }

    /// [`Census::lineage`]'s graph alone.
    pub fn graph(&self, as_of: Timestamp, mentions: bool) -> Result<Arc<LineageGraph>, QueryError> {
        self.lineage(as_of, mentions).map(|(graph, _)| graph)
    }

    /// Where the lineage at `as_of` comes from, in words (every view that shows lineage says).
    #[must_use]
    pub fn lineage_words(&self, as_of: Timestamp, source: Option<Timestamp>) -> String {
        match source {
            Some(source) if source == as_of => format!("lineage of the snapshot at {as_of}"),
            Some(source) => format!(
                "lineage of the snapshot at {source}, the newest at or before {as_of} that carries \
                 lineage"
            ),
            None => format!(
                "no snapshot at or before {as_of} carries lineage (an API listing without \
                 expand has none): no parents are known"
            ),
        }
    }
    /// The facts of models a partial snapshot at `as_of` does not list (METHODS.md §1: a
    /// model's lasting facts come from the newest snapshot that carried that field for it):
    /// walking back from the snapshot before `as_of`, each of the task, licence, parameters and
    /// creation date comes from the newest snapshot that holds the model and whose source
    /// carried that field. `from` is the oldest snapshot used for the model. Models no earlier
    /// snapshot holds are left out.
    pub fn facts_before(
        &self,
        as_of: Timestamp,
        models: &[usize],
    ) -> Result<BTreeMap<usize, CarriedFacts>, QueryError> {
        const FIELDS: [&str; 4] = ["pipeline_tag", "license", "parameters", "created_at"];
        let columns = FrameColumns::PIPELINE_TAG
            | FrameColumns::LICENSE
            | FrameColumns::PARAMETERS
            | FrameColumns::CREATED_AT;
        // Per model, the fields still unresolved (all four at first).
        let mut open: BTreeMap<usize, [bool; 4]> =
            models.iter().map(|&index| (index, [true; 4])).collect();
        let mut found: BTreeMap<usize, CarriedFacts> = BTreeMap::new();
        for &time in self.times.iter().rev().filter(|&&time| time < as_of) {
            if open.is_empty() {
                break;
            }
            let Some(info) = self.info(time) else {
                continue;
            };
            let carried: [bool; 4] = FIELDS.map(|field| info.has_column(field));
            if !carried.iter().any(|&c| c) {
                continue;
            }
            let set = self
                .store
                .load_frames_with(&[time], columns)
                .map_err(QueryError::store("cannot load snapshot frames"))?;
            let frame = &set.frames[0];
            let name = |codes: &hubcensus_model::Column<u32>, names: &[String], index: usize| {
                codes
                    .get(index)
                    .and_then(|code| names.get(code as usize).cloned())
            };
            open.retain(|&index, fields| {
                if !frame.present.get(index).copied().unwrap_or(false) {
                    return true;
                }
                let facts = found.entry(index).or_insert_with(|| CarriedFacts {
                    from: time,
                    task: None,
                    license: None,
                    parameters: None,
                    created_at: None,
                });
                for (field, open_field) in fields.iter_mut().enumerate() {
                    if !(*open_field && carried[field]) {
                        continue;
                    }
                    *open_field = false;
                    facts.from = time;
                    match field {
                        0 => {
                            facts.task =
                                name(&frame.pipeline_tag, &set.catalog.pipeline_tags, index);
                        }
                        1 => facts.license = name(&frame.license, &set.catalog.licenses, index),
                        2 => facts.parameters = frame.parameters.get(index),
                        _ => facts.created_at = frame.created_at.get(index),
                    }
                }
                fields.iter().any(|&f| f)
            });
        }
        Ok(found)
    }

    /// The frames at `times` holding what `filter` reads (for views over one snapshot).
    /// A filter value no frame holds is an error with a hint naming values that exist.
    pub fn load_for(&self, times: &[Timestamp], filter: &Filter) -> Result<FrameSet, QueryError> {
        let set = self
            .store
            .load_frames_with(times, filter.columns())
            .map_err(QueryError::store("cannot load snapshot frames"))?;
        match crate::engine::unknown_value(filter, &set.catalog) {
            Some(error) => Err(error),
            None => Ok(set),
        }
    }

    /// [`Census::load_for`] with `columns` besides the filter's, kept: the same frames asked
    /// again (a server's model pages) are shared, not decoded again.
    pub fn load_shared(
        &self,
        times: &[Timestamp],
        filter: &Filter,
        columns: FrameColumns,
    ) -> Result<Arc<FrameSet>, QueryError> {
        let wanted = columns | filter.columns();
        {
            let sets = self
                .frame_sets
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(hit) = sets
                .iter()
                .find(|c| c.times == times && c.columns.contains(wanted))
            {
                if let Some(error) = crate::engine::unknown_value(filter, &hit.set.catalog) {
                    return Err(error);
                }
                return Ok(Arc::clone(&hit.set));
            }
        }
        let set = self
            .store
            .load_frames_with(times, wanted)
            .map_err(QueryError::store("cannot load snapshot frames"))?;
        if let Some(error) = crate::engine::unknown_value(filter, &set.catalog) {
            return Err(error);
        }
        let set = Arc::new(set);
        let mut sets = self
            .frame_sets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if sets.len() >= CACHED_FRAME_SETS {
            sets.remove(0);
        }
        sets.push(CachedFrames {
            times: times.to_vec(),
            columns: wanted,
            set: Arc::clone(&set),
        });
        Ok(set)
    }
}
