//! hubcensus-demo: the synthetic demo world. A deterministic, calibrated Hub of any size
//! (200,000 models by default, 2,000,000 for benchmarks) observed over weekly snapshots.
//!
//! The world is built to the published shape of the real Hub (docs/demo-world.md cites each
//! target): about half of the models under 200 all-time downloads, the top 200 models holding
//! about half of a week's downloads, 28% of models with a declared base (adapter 43%, finetune
//! 36%, quantized 19%, merge 2%), namespaces on a Zipf law with real lab and hub namespaces and
//! synthetic `demo-user-*`/`demo-team-*` accounts, new models every week, disappearances,
//! renames (same `_id`), a few falling all-time counts, legacy unnamespaced ids and sentinel
//! creation dates. Planted stories (a China-origin lab rising, a 2024 default declining, a small
//! team entering the top 200) give the report something true to say about the world.
//!
//! What it deliberately does not do: I/O, reading the clock, spawning threads, or claiming to be
//! real. Everything built from it must say "synthetic demo data". Same config, same records,
//! byte for byte; any week can be generated alone, so callers may generate weeks in parallel.

mod records;
mod rng;
#[cfg(test)]
mod tests;
mod vocabulary;
mod world;

pub use records::{DEFAULT_CHUNK, Snapshot};
pub use rng::SplitMix64;
pub use world::{
    LINEAGE_SHARE, MAX_MODELS, MAX_WEEKS, RELATION_MIX, Story, StoryModel, TARGET_MEDIAN_ALL_TIME,
    TARGET_TOP_K_SHARE, TOP_K, World, WorldConfig, ZIPF_EXPONENT,
};

/// The label every artefact built from the world must carry.
pub const SYNTHETIC_LABEL: &str = "synthetic demo data";

/// A world that cannot be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DemoError {
    #[error("the demo world needs between 1 and {max} models, not {models}")]
    Models { models: usize, max: usize },
    #[error("the demo world needs between 1 and {max} weekly snapshots, not {weeks}")]
    Weeks { weeks: usize, max: usize },
    #[error("week {week} is outside the world's {weeks} weekly snapshots (0 to {last})", last = weeks - 1)]
    Week { week: usize, weeks: usize },
}

/// Figures read straight from the world (not from the analytics engine), for a quick check.
#[derive(Clone, Debug, PartialEq)]
pub struct Headline {
    pub week: usize,
    pub as_of: hubcensus_model::Timestamp,
    pub models: usize,
    /// Sum over models present at `week` and `week - 1` (or new since) of the window's downloads,
    /// clamped at zero; `None` for week 0.
    pub window_downloads: Option<u64>,
    /// Share of the window's downloads held by the top [`TOP_K`] models.
    pub top_k_share: Option<f64>,
    /// Share of the models with all-time downloads under 200.
    pub under_200_share: f64,
    /// Share of the models with a declared base model.
    pub lineage_share: f64,
}

impl World {
    /// The records of snapshot `week` in chunks of [`DEFAULT_CHUNK`].
    ///
    /// # Errors
    /// When `week` is not below the configured number of weeks.
    pub fn snapshot(&self, week: usize) -> Result<Snapshot<'_>, DemoError> {
        self.snapshot_chunked(week, DEFAULT_CHUNK)
    }

    /// The records of snapshot `week` in chunks of at most `chunk` records.
    ///
    /// # Errors
    /// When `week` is not below the configured number of weeks.
    pub fn snapshot_chunked(&self, week: usize, chunk: usize) -> Result<Snapshot<'_>, DemoError> {
        if week >= self.config.weeks {
            return Err(DemoError::Week {
                week,
                weeks: self.config.weeks,
            });
        }
        Ok(Snapshot::new(self, week, chunk))
    }

    /// Headline figures of snapshot `week`, computed from the world's own counts (METHODS.md
    /// §2-§3 definitions: a model new since the previous snapshot counts its whole all-time
    /// downloads; a negative difference counts as zero).
    ///
    /// # Errors
    /// When `week` is not below the configured number of weeks.
    pub fn headline(&self, week: usize) -> Result<Headline, DemoError> {
        if week >= self.config.weeks {
            return Err(DemoError::Week {
                week,
                weeks: self.config.weeks,
            });
        }
        let mut models = 0;
        let mut under = 0;
        let mut lineage = 0;
        let mut window: Vec<u64> = Vec::new();
        for (index, slot) in self.slots.iter().enumerate() {
            if !slot.is_alive(week) {
                continue;
            }
            let index = u32::try_from(index).expect("bug: slot fits u32");
            models += 1;
            let (all_time, _) = records::downloads(self, index, week);
            under += usize::from(all_time < 200);
            lineage += usize::from(slot.relation.is_some());
            if week > 0 {
                if slot.is_alive(week - 1) {
                    let (before, _) = records::downloads(self, index, week - 1);
                    window.push(all_time.saturating_sub(before));
                } else if usize::from(slot.birth) == week {
                    window.push(all_time);
                }
            }
        }
        let share = |count: usize| {
            if models == 0 {
                0.0
            } else {
                count as f64 / models as f64
            }
        };
        let (window_downloads, top_k_share) = if week == 0 {
            (None, None)
        } else {
            let total: u64 = window.iter().sum();
            window.sort_unstable_by(|a, b| b.cmp(a));
            let top: u64 = window.iter().take(TOP_K).sum();
            (Some(total), (total > 0).then(|| top as f64 / total as f64))
        };
        Ok(Headline {
            week,
            as_of: self.as_of(week),
            models,
            window_downloads,
            top_k_share,
            under_200_share: share(under),
            lineage_share: share(lineage),
        })
    }
}
