//! The world: every model slot's fixed traits, drawn once from the seed, and the calibration
//! that makes its download distribution match the published shape.
//!
//! A *slot* is one model over its whole life (one `_id`). Its traits (author, birth and death
//! week, lineage, expected weekly downloads and their trend) are drawn sequentially in
//! [`World::new`]; everything that varies by week (downloads, names after a rename) is a pure
//! function of (seed, slot, week), so any week can be generated alone, on any thread.

use hubcensus_model::{ModelId, Relation, Timestamp};

use crate::DemoError;
use crate::rng::SplitMix64;
use crate::vocabulary::{HUBS, LABS};

const DAY_MS: i64 = 86_400_000;
const WEEK_MS: i64 = 7 * DAY_MS;
/// Slots are numbered in 24 bits inside the synthetic `_id`.
pub const MAX_MODELS: usize = 1 << 24;
/// Weeks are stored in a byte.
pub const MAX_WEEKS: usize = 250;
/// "Never" for a week stored in a byte.
pub(crate) const NEVER: u8 = u8::MAX;
pub(crate) const NO_PARENT: u32 = u32::MAX;

/// The k of the "top 200" calibration target.
pub const TOP_K: usize = 200;
/// Target share of a week's downloads held by the top [`TOP_K`] models.
pub const TARGET_TOP_K_SHARE: f64 = 0.5;
/// Target median *expected* all-time downloads of the models present in the first snapshot.
/// Twice the published 200: the realized counts (noise, stochastic rounding) and the models born
/// in later weeks with little history pull the median down, and 400 puts the share of models
/// under 200 all-time downloads at 46-50% across a 13-week world (measured, docs/demo-world.md).
pub const TARGET_MEDIAN_ALL_TIME: f64 = 400.0;
/// Share of models with a declared base model.
pub const LINEAGE_SHARE: f64 = 0.28;
/// Relation mix of models with lineage: adapter, finetune, quantized, merge.
pub const RELATION_MIX: [(Relation, f64); 4] = [
    (Relation::Adapter, 0.43),
    (Relation::Finetune, 0.36),
    (Relation::Quantized, 0.19),
    (Relation::Merge, 0.02),
];
/// Zipf exponent of models per namespace.
pub const ZIPF_EXPONENT: f64 = 0.85;
/// Weekly probabilities of a model's disappearance, rename and falling all-time count.
const DEATH_PER_WEEK: f64 = 0.002;
const RENAME_PER_WEEK: f64 = 0.001;
const FALLING_PER_WEEK: f64 = 0.0002;
/// Share of the models present at the start that are legacy, unnamespaced ids.
const LEGACY_SHARE: f64 = 0.002;
/// The first date the Hub stored `createdAt`; earlier models carry the sentinel.
const SENTINEL_CUTOFF_MS: i64 = 1_646_263_745_000;
/// The earliest creation date in the world (2020-01-01).
const EPOCH_MS: i64 = 1_577_836_800_000;
/// The Hub's model count doubles about once a year (docs/demo-world.md).
const DOUBLING_DAYS: f64 = 365.0;

/// What the world is generated from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorldConfig {
    /// Distinct models over the world's whole life (each snapshot holds a little fewer: some are
    /// born in later weeks, some disappear).
    pub models: usize,
    /// Weekly snapshots (windows = weeks - 1).
    pub weeks: usize,
    pub seed: u64,
    /// The time of the first snapshot; snapshot `w` is at `start + 7w days`.
    pub start: Timestamp,
}

impl WorldConfig {
    pub const DEFAULT_MODELS: usize = 200_000;
    pub const DEFAULT_WEEKS: usize = 13;
    pub const DEFAULT_SEED: u64 = 2026;

    /// The default start: 2026-08-23T00:00:00Z, a Sunday, so the default 13 weeks end on
    /// 2026-11-15. Fixed, never the clock: the same command gives the same world.
    #[must_use]
    pub const fn default_start() -> Timestamp {
        Timestamp::from_secs(1_787_443_200)
    }
}

impl Default for WorldConfig {
    fn default() -> Self {
        Self {
            models: Self::DEFAULT_MODELS,
            weeks: Self::DEFAULT_WEEKS,
            seed: Self::DEFAULT_SEED,
            start: Self::default_start(),
        }
    }
}

/// Who a namespace rank stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Author {
    Hub(usize),
    Lab(usize),
    /// A synthetic small organization, `demo-team-<rank>`.
    Team(u32),
    /// A synthetic individual, `demo-user-<rank>`.
    User(u32),
    /// A legacy model without a namespace.
    Legacy,
}

/// The Zipf rank (0-based) of the first lab, and the spacing between labs.
const FIRST_LAB_RANK: usize = HUBS.len();
const LAB_RANK_STEP: usize = 3;

pub(crate) fn author_of_rank(rank: u32) -> Author {
    let r = rank as usize;
    if r < HUBS.len() {
        return Author::Hub(r);
    }
    if r >= FIRST_LAB_RANK
        && (r - FIRST_LAB_RANK).is_multiple_of(LAB_RANK_STEP)
        && (r - FIRST_LAB_RANK) / LAB_RANK_STEP < LABS.len()
    {
        return Author::Lab((r - FIRST_LAB_RANK) / LAB_RANK_STEP);
    }
    if crate::rng::mix(u64::from(rank) ^ 0x7EA3).is_multiple_of(10) {
        Author::Team(rank)
    } else {
        Author::User(rank)
    }
}

/// Rank of a lab's namespace, for planting story models.
fn lab_rank(namespace: &str) -> u32 {
    let index = LABS
        .iter()
        .position(|lab| lab.namespace == namespace)
        .expect("bug: story lab missing from the vocabulary");
    u32::try_from(FIRST_LAB_RANK + index * LAB_RANK_STEP).expect("bug: lab rank fits u32")
}

/// A rank for a planted team that no Zipf draw reaches (ranks are below 2^24 + 2^22).
const STORY_TEAM_RANK: u32 = u32::MAX - 1;
pub(crate) const LEGACY_RANK: u32 = u32::MAX;

/// One model over its life.
#[derive(Clone, Debug)]
pub(crate) struct Slot {
    /// Zipf rank of the namespace ([`LEGACY_RANK`] for a legacy id, [`STORY_TEAM_RANK`] for the
    /// planted small team).
    pub rank: u32,
    /// Indices into [`World::bases`]; [`NO_PARENT`] when unused.
    pub parents: [u32; 3],
    pub relation: Option<Relation>,
    /// First week present (0: present from the first snapshot).
    pub birth: u8,
    /// First week absent ([`NEVER`]: never disappears).
    pub death: u8,
    /// First week under the new name ([`NEVER`]: never renamed).
    pub rename: u8,
    /// Week whose all-time count is lower than the week before ([`NEVER`]: none).
    pub falling: u8,
    pub created_ms: i64,
    /// Expected weekly downloads at week 0.
    pub rate: f64,
    /// Weekly log-growth of the expected downloads.
    pub growth: f64,
    /// The planted story this slot carries, if any.
    pub story: Option<Story>,
}

impl Slot {
    pub fn is_alive(&self, week: usize) -> bool {
        usize::from(self.birth) <= week && week < usize::from(self.death)
    }

    pub fn author(&self) -> Author {
        match self.rank {
            LEGACY_RANK => Author::Legacy,
            STORY_TEAM_RANK => Author::Team(STORY_TEAM_RANK),
            rank => author_of_rank(rank),
        }
    }

    /// `createdAt` as the Hub reports it: unknown (the sentinel) before March 2022.
    pub fn created_at(&self) -> Option<Timestamp> {
        (self.created_ms >= SENTINEL_CUTOFF_MS).then(|| Timestamp::from_millis(self.created_ms))
    }
}

/// A base model that derivatives may name as a parent.
#[derive(Clone, Debug)]
pub(crate) struct Base {
    pub slot: u32,
    pub id: ModelId,
}

/// A planted story: a model whose trajectory the report is expected to tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Story {
    /// A well-known 2024 default whose downloads fall by a quarter each week until it leaves the
    /// top 200.
    DecliningDefault,
    /// A China-origin lab's new release entering the top of the working set.
    RisingChinaRelease,
    /// A small team's release that enters the top 200 within weeks of its creation.
    SmallTeamRelease,
}

impl Story {
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::DecliningDefault => {
                "a 2024 default (meta-llama) declining by a quarter a week until it leaves the top 200"
            }
            Self::RisingChinaRelease => {
                "a new release from a China-origin lab (moonshotai) entering the top of the working set"
            }
            Self::SmallTeamRelease => {
                "a small team's release (demo-team-aurora) entering the top 200 weeks after creation"
            }
        }
    }
}

/// A planted model, as the records will show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoryModel {
    pub story: Story,
    pub object_id: String,
    pub id: ModelId,
    /// First snapshot week it appears in.
    pub birth_week: usize,
}

/// The synthetic Hub. Immutable once built: `&World` is `Sync`, and weeks may be generated on
/// several threads at once.
#[derive(Clone, Debug)]
pub struct World {
    pub(crate) config: WorldConfig,
    pub(crate) slots: Vec<Slot>,
    pub(crate) bases: Vec<Base>,
    pub(crate) stories: Vec<(Story, u32)>,
}

/// Cumulative weights `sum_{r<=i} (r+1)^-s`, normalised to end at 1.
fn zipf_cdf(n: usize, exponent: f64) -> Vec<f64> {
    let mut total = 0.0;
    let mut cdf: Vec<f64> = (1..=n)
        .map(|r| {
            total += (r as f64).powf(-exponent);
            total
        })
        .collect();
    for value in &mut cdf {
        *value /= total;
    }
    cdf
}

fn draw_cdf(cdf: &[f64], u: f64) -> usize {
    cdf.partition_point(|&c| c <= u).min(cdf.len() - 1)
}

/// A week in `first..weeks` at which an event with the given weekly probability happens, or
/// [`NEVER`].
fn event_week(rng: &mut SplitMix64, per_week: f64, first: usize, weeks: usize) -> u8 {
    if first >= weeks {
        return NEVER;
    }
    let span = (weeks - first) as f64;
    let u = rng.unit();
    if u >= per_week * span {
        return NEVER;
    }
    let week = first + ((u / per_week) as usize).min(weeks - first - 1);
    u8::try_from(week).unwrap_or(NEVER)
}

fn draw_relation(u: f64) -> Relation {
    let mut rest = u;
    for (relation, share) in RELATION_MIX {
        rest -= share;
        if rest < 0.0 {
            return relation;
        }
    }
    Relation::Adapter
}

impl World {
    /// Draws the world. Cost: linear in `models` (about a second per million in release builds).
    ///
    /// # Errors
    /// When `models` or `weeks` is zero or above [`MAX_MODELS`] / [`MAX_WEEKS`].
    pub fn new(config: WorldConfig) -> Result<Self, DemoError> {
        if config.models == 0 || config.models > MAX_MODELS {
            return Err(DemoError::Models {
                models: config.models,
                max: MAX_MODELS,
            });
        }
        if config.weeks == 0 || config.weeks > MAX_WEEKS {
            return Err(DemoError::Weeks {
                weeks: config.weeks,
                max: MAX_WEEKS,
            });
        }
        let mut rng = SplitMix64::new(config.seed);
        let weeks = config.weeks;
        let start = config.start.as_millis();

        // New models: 1.5% of the world per week (the Hub adds 1-2% a week), at most half of it.
        let new_per_week = if weeks > 1 {
            ((config.models as f64 * 0.015).min(config.models as f64 * 0.5 / (weeks - 1) as f64))
                as usize
        } else {
            0
        };
        let existing = config.models - new_per_week * (weeks.saturating_sub(1));

        let namespaces = (config.models / 5).max(HUBS.len() + LABS.len() * LAB_RANK_STEP + 100);
        let namespace_cdf = zipf_cdf(namespaces, ZIPF_EXPONENT);
        let hub_cdf = zipf_cdf(HUBS.len(), ZIPF_EXPONENT);
        let span_days = (start - EPOCH_MS) as f64 / DAY_MS as f64;
        let growth_span = (span_days / DOUBLING_DAYS).exp2() - 1.0;

        let mut slots = Vec::with_capacity(config.models + 3);
        let mut log_rates = Vec::with_capacity(config.models);
        for index in 0..config.models {
            let birth = if index < existing {
                0
            } else {
                1 + (index - existing) / new_per_week.max(1)
            };
            let created_ms = if birth == 0 {
                // Creation times grow exponentially (doubling yearly) from 2020 to the start.
                let days = (1.0 + rng.unit() * growth_span).log2() * DOUBLING_DAYS;
                (EPOCH_MS + (days * DAY_MS as f64) as i64).min(start - 3_600_000)
            } else {
                let week_end = start + birth as i64 * WEEK_MS;
                week_end - 1 - (rng.unit() * (WEEK_MS - 1) as f64) as i64
            };
            let relation = (rng.unit() < LINEAGE_SHARE).then(|| draw_relation(rng.unit()));
            let mut rank = u32::try_from(draw_cdf(&namespace_cdf, rng.unit()))
                .expect("bug: namespace rank fits u32");
            // Labs publish base models here; a derivative drawn onto a lab's rank goes to the
            // next rank that is not a lab (labs' ranks are spaced apart, so one step is enough).
            while relation.is_some() && matches!(author_of_rank(rank), Author::Lab(_)) {
                rank += 1;
            }
            // Half of all quantizations come from the quantizer hubs.
            if relation == Some(Relation::Quantized) && rng.unit() < 0.5 {
                rank = u32::try_from(draw_cdf(&hub_cdf, rng.unit())).expect("bug: small");
            }
            let legacy = birth == 0 && relation.is_none() && rng.unit() < LEGACY_SHARE;
            let (rank, created_ms) = if legacy {
                let cutoff_days = (SENTINEL_CUTOFF_MS - EPOCH_MS) / DAY_MS;
                (
                    LEGACY_RANK,
                    EPOCH_MS + (rng.unit() * cutoff_days as f64) as i64 * DAY_MS,
                )
            } else {
                (rank, created_ms)
            };
            let death = event_week(&mut rng, DEATH_PER_WEEK, birth + 1, weeks);
            let rename = event_week(&mut rng, RENAME_PER_WEEK, birth + 1, weeks);
            let falling = event_week(&mut rng, FALLING_PER_WEEK, birth + 1, weeks);
            let rename = if death != NEVER && rename >= death {
                NEVER
            } else {
                rename
            };
            let author_offset = match author_of_rank(rank) {
                Author::Lab(_) => 3.0,
                Author::Hub(_) => 0.6,
                Author::Team(_) => 0.3,
                Author::Legacy => 1.5,
                Author::User(_) => 0.0,
            };
            let relation_offset = match relation {
                None | Some(Relation::Quantized | Relation::Unknown) => 0.0,
                Some(Relation::Finetune) => -0.3,
                Some(Relation::Adapter | Relation::Merge) => -1.0,
            };
            log_rates.push(author_offset + relation_offset + rng.normal());
            slots.push(Slot {
                rank,
                parents: [NO_PARENT; 3],
                relation,
                birth: u8::try_from(birth).expect("bug: weeks <= MAX_WEEKS"),
                death,
                rename,
                falling,
                created_ms,
                rate: 0.0,
                growth: 0.02 * rng.normal(),
                story: None,
            });
        }

        let (alpha, scale) = calibrate(&slots, &log_rates, start);
        for (slot, log_rate) in slots.iter_mut().zip(&log_rates) {
            slot.rate = scale * (alpha * log_rate).exp();
        }

        let mut world = Self {
            config,
            slots,
            bases: Vec::new(),
            stories: Vec::new(),
        };
        world.assign_parents(&mut rng);
        world.apply_trends();
        world.plant_stories(&mut rng);
        Ok(world)
    }

    /// The base pool: stable lab (and a few community) models present from the start and never
    /// renamed or removed, weighted by popularity; then each derivative draws its parents.
    fn assign_parents(&mut self, rng: &mut SplitMix64) {
        let mut candidates: Vec<u32> = (0..self.slots.len())
            .filter(|&i| {
                let slot = &self.slots[i];
                slot.relation.is_none()
                    && slot.birth == 0
                    && slot.death == NEVER
                    && slot.rename == NEVER
                    && slot.falling == NEVER
                    && !matches!(slot.author(), Author::Legacy)
            })
            .map(|i| u32::try_from(i).expect("bug: slot fits u32"))
            .collect();
        // Labs first, then by expected downloads (ties: slot order).
        candidates.sort_by(|&a, &b| {
            let (sa, sb) = (&self.slots[a as usize], &self.slots[b as usize]);
            let lab = |s: &Slot| matches!(s.author(), Author::Lab(_));
            lab(sb)
                .cmp(&lab(sa))
                .then(sb.rate.total_cmp(&sa.rate))
                .then(a.cmp(&b))
        });
        let pool = (self.slots.len() / 200)
            .clamp(20, 5_000)
            .min(candidates.len());
        candidates.truncate(pool);
        candidates.sort_unstable();
        if candidates.is_empty() {
            // No base can exist: drop the lineage of every model (only in tiny worlds).
            for slot in &mut self.slots {
                slot.relation = None;
            }
            return;
        }
        let mut total = 0.0;
        let cdf: Vec<f64> = candidates
            .iter()
            .map(|&i| {
                total += self.slots[i as usize].rate.powf(0.6).max(1e-9);
                total
            })
            .collect();
        self.bases = candidates
            .iter()
            .map(|&slot| Base {
                slot,
                id: crate::records::base_id(self, slot),
            })
            .collect();
        for index in 0..self.slots.len() {
            let Some(relation) = self.slots[index].relation else {
                continue;
            };
            let count = if relation == Relation::Merge {
                2 + usize::from(rng.unit() < 0.3)
            } else {
                1
            };
            let mut parents = [NO_PARENT; 3];
            let mut latest_parent_ms = i64::MIN;
            for at in 0..count {
                let u = rng.unit() * total;
                let mut pick = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
                // Merges need distinct parents: step to the next base on a repeat.
                while parents[..at].contains(&(u32::try_from(pick).expect("bug: small"))) {
                    pick = (pick + 1) % cdf.len();
                }
                parents[at] = u32::try_from(pick).expect("bug: pool fits u32");
                latest_parent_ms =
                    latest_parent_ms.max(self.slots[candidates[pick] as usize].created_ms);
            }
            if relation == Relation::Merge && candidates.len() < 2 {
                self.slots[index].relation = Some(Relation::Finetune);
                parents[1] = NO_PARENT;
                parents[2] = NO_PARENT;
            }
            let slot = &mut self.slots[index];
            slot.parents = parents;
            // A derivative is created after its parents.
            if slot.created_ms <= latest_parent_ms {
                let bound = if slot.birth == 0 {
                    self.config.start.as_millis() - 3_600_000
                } else {
                    slot.created_ms.max(latest_parent_ms + 3_600_000)
                };
                let after = latest_parent_ms + (1 + rng.below(30) as i64) * DAY_MS;
                slot.created_ms = after.min(bound).max(latest_parent_ms + 1);
            }
        }
    }

    /// The stories carried by whole groups: a China-origin lab (Qwen) and its derivatives rise,
    /// the 2024 Llama generation declines.
    fn apply_trends(&mut self) {
        let qwen = lab_rank("Qwen");
        let llama = lab_rank("meta-llama");
        let base_ranks: Vec<u32> = self
            .bases
            .iter()
            .map(|base| self.slots[base.slot as usize].rank)
            .collect();
        for slot in &mut self.slots {
            let root_rank = if slot.parents[0] == NO_PARENT {
                slot.rank
            } else {
                base_ranks[slot.parents[0] as usize]
            };
            if root_rank == qwen {
                slot.growth += 0.05;
            } else if root_rank == llama {
                slot.growth -= 0.03;
            }
        }
    }

    fn plant_stories(&mut self, rng: &mut SplitMix64) {
        let weeks = self.config.weeks;
        let start = self.config.start.as_millis();
        let mut rates: Vec<f64> = self
            .slots
            .iter()
            .filter(|slot| slot.birth == 0)
            .map(|slot| slot.rate)
            .collect();
        rates.sort_unstable_by(|a, b| b.total_cmp(a));
        let level = |rank: usize| {
            rates
                .get(rank.min(rates.len().max(1) - 1))
                .copied()
                .unwrap_or(1.0)
        };
        let late = |fraction: f64| -> usize {
            if weeks <= 1 {
                0
            } else {
                ((weeks as f64 * fraction) as usize).clamp(1, weeks - 1)
            }
        };
        let created_in = |birth: usize, rng: &mut SplitMix64| -> i64 {
            if birth == 0 {
                start - (1 + rng.below(20) as i64) * DAY_MS
            } else {
                start + birth as i64 * WEEK_MS - (1 + rng.below(6) as i64) * DAY_MS
            }
        };
        let story_slot = |story, rank, birth: usize, created_ms, rate, growth| Slot {
            rank,
            parents: [NO_PARENT; 3],
            relation: None,
            birth: u8::try_from(birth).expect("bug: weeks <= MAX_WEEKS"),
            death: NEVER,
            rename: NEVER,
            falling: NEVER,
            created_ms,
            rate,
            growth,
            story: Some(story),
        };
        // 2024-07-23: a Llama 3.1 era default.
        let declining = story_slot(
            Story::DecliningDefault,
            lab_rank("meta-llama"),
            0,
            1_721_692_800_000,
            level(20),
            -0.3,
        );
        let china_birth = late(0.25);
        let china = story_slot(
            Story::RisingChinaRelease,
            lab_rank("moonshotai"),
            china_birth,
            created_in(china_birth, rng),
            level(5) * (-0.05 * china_birth as f64).exp(),
            0.05,
        );
        let team_birth = late(0.5);
        let team = story_slot(
            Story::SmallTeamRelease,
            STORY_TEAM_RANK,
            team_birth,
            created_in(team_birth, rng),
            level(150) * (-0.2 * team_birth as f64).exp(),
            0.2,
        );
        for (story, slot) in [
            (Story::DecliningDefault, declining),
            (Story::RisingChinaRelease, china),
            (Story::SmallTeamRelease, team),
        ] {
            let index = u32::try_from(self.slots.len()).expect("bug: slot fits u32");
            self.slots.push(slot);
            self.stories.push((story, index));
        }
    }

    #[must_use]
    pub const fn config(&self) -> &WorldConfig {
        &self.config
    }

    /// The time of snapshot `week`.
    #[must_use]
    pub fn as_of(&self, week: usize) -> Timestamp {
        self.config.start.plus_days(7 * week as i64)
    }

    /// The times of all snapshots, oldest first.
    #[must_use]
    pub fn as_of_times(&self) -> Vec<Timestamp> {
        (0..self.config.weeks)
            .map(|week| self.as_of(week))
            .collect()
    }

    /// Models present in snapshot `week`.
    #[must_use]
    pub fn models_in(&self, week: usize) -> usize {
        self.slots.iter().filter(|slot| slot.is_alive(week)).count()
    }

    /// The planted story models.
    #[must_use]
    pub fn stories(&self) -> Vec<StoryModel> {
        self.stories
            .iter()
            .map(|&(story, slot)| StoryModel {
                story,
                object_id: crate::records::object_id(self, slot),
                id: crate::records::model_id(self, slot, self.config.weeks - 1),
                birth_week: usize::from(self.slots[slot as usize].birth),
            })
            .collect()
    }

    /// The synthetic accounts (`demo-team-*`, `demo-user-*`) of every model of the world, with
    /// the account kind the Hub would report (`organization` or `user`), sorted by name: what
    /// `hubcensus enrich` would record for them. The real lab and hub namespaces are left to the
    /// registry.
    #[must_use]
    pub fn accounts(&self) -> Vec<(String, &'static str)> {
        let mut accounts: Vec<(String, &'static str)> = self
            .slots
            .iter()
            .filter_map(|slot| crate::records::account(slot.author()))
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        accounts
    }

    /// `_id`s of the models whose all-time downloads are planted to fall once (a Hub recount).
    #[must_use]
    pub fn planted_falling(&self) -> Vec<String> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i].falling != NEVER)
            .map(|i| crate::records::object_id(self, u32::try_from(i).expect("bug: fits")))
            .collect()
    }
}

/// Finds the exponent `alpha` that gives the top [`TOP_K`] models [`TARGET_TOP_K_SHARE`] of
/// the expected weekly downloads (a monotone transform keeps the top set, so it is found once),
/// then the scale that puts the median expected all-time downloads at [`TARGET_MEDIAN_ALL_TIME`].
fn calibrate(slots: &[Slot], log_rates: &[f64], start_ms: i64) -> (f64, f64) {
    let present: Vec<usize> = (0..slots.len()).filter(|&i| slots[i].birth == 0).collect();
    if present.is_empty() {
        return (1.0, 1.0);
    }
    let mut logs: Vec<f64> = present.iter().map(|&i| log_rates[i]).collect();
    let k = TOP_K.min(logs.len());
    let max = logs.iter().copied().fold(f64::MIN, f64::max);
    if k < logs.len() {
        logs.select_nth_unstable_by(k, |a, b| b.total_cmp(a));
    }
    let share = |alpha: f64| -> f64 {
        let top: f64 = logs[..k].iter().map(|l| (alpha * (l - max)).exp()).sum();
        let rest: f64 = logs[k..].iter().map(|l| (alpha * (l - max)).exp()).sum();
        top / (top + rest)
    };
    let (mut low, mut high) = (0.05_f64, 8.0_f64);
    for _ in 0..40 {
        let mid = 0.5 * (low + high);
        if share(mid) < TARGET_TOP_K_SHARE {
            low = mid;
        } else {
            high = mid;
        }
    }
    let alpha = 0.5 * (low + high);
    let mut expected: Vec<f64> = present
        .iter()
        .map(|&i| {
            let age_weeks = ((start_ms - slots[i].created_ms) as f64 / WEEK_MS as f64).max(0.1);
            (alpha * log_rates[i]).exp() * age_weeks * crate::records::lifetime_factor(age_weeks)
        })
        .collect();
    let middle = expected.len() / 2;
    let (_, median, _) = expected.select_nth_unstable_by(middle, f64::total_cmp);
    let scale = if *median > 0.0 {
        TARGET_MEDIAN_ALL_TIME / *median
    } else {
        1.0
    };
    (alpha, scale)
}
