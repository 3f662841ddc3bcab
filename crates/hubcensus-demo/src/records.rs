//! Slot traits and a week -> one [`ModelRecord`], and the chunked iterator over a snapshot.
//!
//! Everything here is a pure function of (world, slot, week): weekly downloads are drawn from
//! a stateless hash, so week 7 never needs weeks 0-6 to have been generated (it recomputes the
//! few weekly increments it sums, which is cheaper than storing them).

use std::fmt::Write as _;

use hubcensus_model::{Gated, Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};

use crate::rng::{hash, mix, unit};
use crate::vocabulary::{
    HUBS, LABS, LICENSES, LLM_SIZES, Lab, Modality, PIPELINES, SMALL_SIZES, TOPICS, pick,
    push_base36,
};
use crate::world::{Author, NEVER, NO_PARENT, Slot, Story, World};

const WEEK_MS: i64 = 7 * 86_400_000;

/// Hash streams: one per independent draw.
mod stream {
    pub const OBJECT_ID: u64 = 1;
    pub const NAME: u64 = 2;
    pub const PROFILE: u64 = 3;
    pub const WEEKLY: u64 = 4;
    pub const PRE: u64 = 5;
    pub const EXTRA: u64 = 6;
}

/// Records per chunk of [`Snapshot`].
pub const DEFAULT_CHUNK: usize = 16_384;

/// What a model is, independent of the week: derived from its own slot, or from its first
/// parent's for a derivative.
#[derive(Clone, Copy, Debug)]
struct Profile {
    stem: &'static str,
    pipeline: Option<&'static str>,
    library: Option<&'static str>,
    parameters: Option<u64>,
    license: Option<&'static str>,
    gated: bool,
    text: bool,
}

fn size_table_pick(table: &[(f64, u32)], u: f64) -> f64 {
    pick(table, u)
}

fn library_for(pipeline: Option<&str>) -> Option<&'static str> {
    match pipeline {
        Some("text-to-image" | "image-to-image") => Some("diffusers"),
        Some("sentence-similarity") => Some("sentence-transformers"),
        Some("reinforcement-learning") => Some("stable-baselines3"),
        Some("image-classification") => Some("timm"),
        None => None,
        Some(_) => Some("transformers"),
    }
}

fn stems_for(pipeline: Option<&str>) -> &'static [&'static str] {
    match pipeline {
        Some("text-generation") => &["llama", "qwen", "mistral", "gpt2", "phi", "tinyllama"],
        Some("text-classification") => &["distilbert", "roberta", "deberta", "bert"],
        Some("token-classification") => &["bert-ner", "xlm-roberta-ner"],
        Some("text-to-image") => &["sdxl", "flux", "sd15"],
        Some("image-text-to-text") => &["llava", "qwen-vl", "smolvlm"],
        Some("feature-extraction" | "sentence-similarity") => &["bge", "e5", "minilm", "gte"],
        Some("automatic-speech-recognition") => &["whisper", "wav2vec2"],
        Some("image-classification") => &["vit", "convnext", "resnet"],
        Some("reinforcement-learning") => &["ppo", "dqn", "a2c"],
        Some("text2text-generation" | "summarization" | "translation") => &["t5", "mt5", "bart"],
        Some("fill-mask") => &["bert", "roberta"],
        Some("question-answering") => &["bert-qa", "roberta-squad"],
        Some("object-detection") => &["yolo", "detr"],
        Some("text-to-speech") => &["vits", "kokoro"],
        Some("audio-classification") => &["ast", "hubert"],
        Some("image-to-image") => &["controlnet", "esrgan"],
        _ => &["model", "experiment", "checkpoint"],
    }
}

fn lab_profile(lab: &Lab, h: u64) -> Profile {
    let u = unit(h);
    let stem = lab.stems[(mix(h) % lab.stems.len() as u64) as usize];
    let pipeline = match lab.modality {
        Modality::Text if u < 0.75 => "text-generation",
        Modality::Text if u < 0.9 => "image-text-to-text",
        Modality::Image => "text-to-image",
        Modality::Embedding if u < 0.6 => "sentence-similarity",
        Modality::Text | Modality::Embedding => "feature-extraction",
    };
    let text = pipeline == "text-generation" || pipeline == "image-text-to-text";
    let parameters = parameters_for(text, mix(h ^ 0x51));
    Profile {
        stem,
        pipeline: Some(pipeline),
        library: library_for(Some(pipeline)),
        parameters: Some(parameters),
        license: Some(lab.license),
        gated: lab.gated && unit(mix(h ^ 0x6A7)) < 0.5,
        text,
    }
}

fn parameters_for(text: bool, h: u64) -> u64 {
    let jitter = 0.95 + 0.1 * unit(mix(h));
    if text {
        (size_table_pick(LLM_SIZES, unit(h)) * 1e9 * jitter) as u64
    } else {
        (size_table_pick(SMALL_SIZES, unit(h)) * 1e6 * jitter) as u64
    }
}

fn own_profile(world: &World, slot_index: u32, slot: &Slot) -> Profile {
    let h = hash(world.config.seed, u64::from(slot_index), 0, stream::PROFILE);
    match slot.author() {
        Author::Lab(lab) => lab_profile(&LABS[lab], h),
        Author::Legacy => {
            let pipeline = if unit(h) < 0.5 {
                "fill-mask"
            } else {
                "text-generation"
            };
            Profile {
                stem: [
                    "bert-base",
                    "distilgpt2",
                    "roberta-base",
                    "t5-small",
                    "xlnet-base",
                ][(mix(h) % 5) as usize],
                pipeline: Some(pipeline),
                library: Some("transformers"),
                parameters: Some(parameters_for(false, mix(h ^ 3))),
                license: Some("apache-2.0"),
                gated: false,
                text: false,
            }
        }
        author => {
            let pipeline = pick(PIPELINES, unit(h));
            let text = matches!(pipeline, Some("text-generation" | "image-text-to-text"));
            let stems = stems_for(pipeline);
            let hub = matches!(author, Author::Hub(_));
            Profile {
                stem: stems[(mix(h) % stems.len() as u64) as usize],
                pipeline,
                // Hub uploads without a declared base are mostly GGUF files with no library.
                library: if hub { None } else { library_for(pipeline) },
                parameters: (unit(mix(h ^ 9)) < 0.75).then(|| parameters_for(text, mix(h ^ 0x51))),
                license: pick(LICENSES, unit(mix(h ^ 0x11C))),
                gated: false,
                text,
            }
        }
    }
}

/// The planted story models' fixed profiles (their names read like what they stand for).
fn story_profile(story: Story) -> Profile {
    let (stem, license, gated) = match story {
        Story::DecliningDefault => ("Llama-3.1", "llama3.1", true),
        Story::RisingChinaRelease => ("Kimi-K2", "other", false),
        Story::SmallTeamRelease => ("aurora", "apache-2.0", false),
    };
    Profile {
        stem,
        pipeline: Some("text-generation"),
        library: Some("transformers"),
        parameters: Some(if story == Story::RisingChinaRelease {
            32_000_000_000
        } else {
            8_000_000_000
        }),
        license: Some(license),
        gated,
        text: true,
    }
}

fn profile(world: &World, slot_index: u32) -> Profile {
    let slot = &world.slots[slot_index as usize];
    if let Some(story) = slot.story {
        return story_profile(story);
    }
    let Some(relation) = slot.relation else {
        return own_profile(world, slot_index, slot);
    };
    let parent = &world.slots[world.bases[slot.parents[0] as usize].slot as usize];
    let base = own_profile(world, world.bases[slot.parents[0] as usize].slot, parent);
    let h = hash(world.config.seed, u64::from(slot_index), 0, stream::PROFILE);
    let license = if unit(h) < 0.8 {
        base.license
    } else {
        pick(LICENSES, unit(mix(h)))
    };
    match relation {
        Relation::Quantized => Profile {
            library: if slot.author() == Author::Hub(2) {
                Some("mlx")
            } else if unit(mix(h ^ 1)) < 0.3 {
                Some("transformers")
            } else {
                None
            },
            license,
            gated: false,
            ..base
        },
        Relation::Adapter => Profile {
            library: if base.pipeline == Some("text-to-image") {
                Some("diffusers")
            } else {
                Some("peft")
            },
            parameters: (unit(mix(h ^ 2)) < 0.5)
                .then(|| 1_000_000 + (unit(mix(h ^ 4)) * 300_000_000.0) as u64),
            license,
            gated: false,
            ..base
        },
        Relation::Finetune | Relation::Unknown => Profile {
            license,
            gated: false,
            ..base
        },
        Relation::Merge => Profile {
            library: Some("transformers"),
            license,
            gated: false,
            ..base
        },
    }
}

/// The Hub account kind of a synthetic account's namespace, as `enrich` would record it
/// (`demo-team-*` are organizations, `demo-user-*` users); `None` for the real lab and hub
/// namespaces the registry knows, and for legacy ids.
pub(crate) fn account(author: Author) -> Option<(String, &'static str)> {
    let kind = match author {
        Author::Team(_) => "organization",
        Author::User(_) => "user",
        Author::Hub(_) | Author::Lab(_) | Author::Legacy => return None,
    };
    let mut name = String::new();
    namespace(&mut name, author);
    Some((name, kind))
}

fn namespace(out: &mut String, author: Author) {
    match author {
        Author::Hub(hub) => out.push_str(HUBS[hub]),
        Author::Lab(lab) => out.push_str(LABS[lab].namespace),
        Author::Team(rank) if rank == u32::MAX - 1 => out.push_str("demo-team-aurora"),
        Author::Team(rank) => {
            out.push_str("demo-team-");
            push_base36(out, u64::from(rank));
        }
        Author::User(rank) => {
            out.push_str("demo-user-");
            push_base36(out, u64::from(rank));
        }
        Author::Legacy => {}
    }
}

/// Writes a parameter count the way model names do: `8B`, `0.5B`, `110M` (integer arithmetic:
/// float formatting is a measurable share of generation time).
fn push_size(out: &mut String, parameters: u64) {
    if parameters >= 950_000_000 {
        let _ = write!(out, "{}B", (parameters + 500_000_000) / 1_000_000_000);
    } else if parameters >= 100_000_000 {
        let _ = write!(
            out,
            "0.{}B",
            ((parameters + 50_000_000) / 100_000_000).min(9)
        );
    } else {
        let _ = write!(out, "{}M", (parameters + 500_000) / 1_000_000);
    }
}

/// The model's id at `week` (before or after its rename). Unique: every name ends in a tag
/// derived from the slot number.
pub(crate) fn model_id(world: &World, slot_index: u32, week: usize) -> ModelId {
    model_id_with(world, slot_index, week, &profile(world, slot_index))
}

fn model_id_with(world: &World, slot_index: u32, week: usize, profile: &Profile) -> ModelId {
    let slot = &world.slots[slot_index as usize];
    let h = hash(world.config.seed, u64::from(slot_index), 0, stream::NAME);
    let author = slot.author();
    let mut id = String::with_capacity(64);
    namespace(&mut id, author);
    if author != Author::Legacy {
        id.push('/');
    }
    id.push_str(profile.stem);
    id.push('-');
    if let Some(parameters) = profile
        .parameters
        .filter(|_| slot.relation != Some(Relation::Adapter))
    {
        push_size(&mut id, parameters);
        id.push('-');
    }
    let topic = TOPICS[(mix(h) % TOPICS.len() as u64) as usize];
    match slot.relation {
        None if slot.story.is_some() => id.push_str("Instruct"),
        None => match author {
            Author::Lab(_) => {
                id.push_str(["Instruct", "Base", "it", "Chat", "Preview"][(h % 5) as usize]);
            }
            Author::Hub(_) => id.push_str("GGUF"),
            _ => id.push_str(topic),
        },
        Some(Relation::Quantized) => id.push_str(
            [
                "GGUF",
                "AWQ",
                "GPTQ-Int4",
                "4bit",
                "i1-GGUF",
                "Q4_K_M-GGUF",
                "8bit",
                "FP8",
            ][(h % 8) as usize],
        ),
        Some(Relation::Adapter) => {
            id.push_str("lora-");
            id.push_str(topic);
        }
        Some(Relation::Finetune | Relation::Unknown) => {
            id.push_str(topic);
            id.push_str(["", "-sft", "-dpo", "-v2"][(h % 4) as usize]);
        }
        Some(Relation::Merge) => {
            id.push_str(["merge-", "slerp-", "ties-"][(h % 3) as usize]);
            id.push_str(topic);
        }
    }
    // The slot tag: "d" + base 36, unique per slot. A planted story model goes without one, so
    // that the README's examples name it as a user would (`meta-llama/Llama-3.1-8B-Instruct`):
    // every other id carries a tag, so none can collide with it.
    if slot.story.is_none() {
        id.push_str("-d");
        push_base36(&mut id, u64::from(slot_index));
    }
    if slot.rename != NEVER && week >= usize::from(slot.rename) {
        id.push_str("-renamed");
    }
    ModelId::new(id).expect("bug: generated model ids are valid")
}

/// The id a base model is referred to by (bases are never renamed).
pub(crate) fn base_id(world: &World, slot_index: u32) -> ModelId {
    model_id(world, slot_index, 0)
}

/// A 24-hex-digit `_id` shaped like a `MongoDB` `ObjectId`: creation seconds, 40 random bits, and
/// the slot number (so ids are unique by construction).
pub(crate) fn object_id(world: &World, slot_index: u32) -> String {
    let slot = &world.slots[slot_index as usize];
    let seconds = (slot.created_ms / 1000).clamp(0, i64::from(u32::MAX));
    let random = hash(
        world.config.seed,
        u64::from(slot_index),
        0,
        stream::OBJECT_ID,
    ) >> 24;
    format!("{seconds:08x}{random:010x}{slot_index:06x}")
}

/// The downloads of a slot in week `k` (the window ending at snapshot `k`), given the expected
/// level `r * exp(g k)` of that week. `k` may be negative (before the world's first snapshot)
/// for the 30-day figure.
fn weekly(seed: u64, slot_index: u32, level: f64, k: i64) -> u64 {
    let h = hash(seed, u64::from(slot_index), k as u64, stream::WEEKLY);
    let noise = 0.6 + 0.8 * unit(h);
    // Stochastic rounding keeps small expected counts honest (many weeks are 0).
    (level * noise + unit(mix(h))) as u64
}

/// How much more a model downloaded per week over its past life than it does now: downloads
/// concentrate shortly after release ("The Brief and Wondrous Life of Open Models", `FAccT` 2025),
/// so the all-time count of an old model is several times its current rate times its age.
pub(crate) fn lifetime_factor(age_weeks: f64) -> f64 {
    (1.0 + age_weeks / 13.0).min(8.0)
}

/// Extra downloads of a new model in its first week, relative to its settled rate (fading by a
/// factor e every three weeks).
const NEW_RELEASE_BOOST: f64 = 3.0;

/// A model's download counters at one snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Downloads {
    pub all_time: u64,
    /// The downloads of the week ending at the snapshot (0 in the model's first week).
    pub last_week: u64,
    /// The rolling 30-day count (`downloads`), never above `all_time`.
    pub thirty_days: u64,
}

/// The counters of a slot at snapshot `week`: one pass over the weeks since its birth (or the
/// four weeks before the first snapshot, for the 30-day count).
pub(crate) fn downloads(world: &World, slot_index: u32, week: usize) -> Downloads {
    let slot = &world.slots[slot_index as usize];
    let seed = world.config.seed;
    let birth = i64::from(slot.birth);
    let week = week as i64;
    let start = world.config.start.as_millis();
    let step = slot.growth.exp();
    let mut all_time = if birth == 0 {
        let age_weeks = ((start - slot.created_ms) as f64 / WEEK_MS as f64).max(0.0);
        let noise = 0.5 + unit(hash(seed, u64::from(slot_index), 0, stream::PRE));
        (slot.rate * age_weeks * lifetime_factor(age_weeks) * noise) as u64
    } else {
        0
    };
    let mut last_week = 0;
    let mut thirty_days = 0;
    let mut before_fall = 0;
    let first = if birth == 0 { (week - 3).min(1) } else { birth };
    let mut level = slot.rate * (slot.growth * first as f64).exp();
    for k in first..=week {
        let boost = if birth > 0 {
            // A new release's first weeks: extra attention that fades in about a month.
            1.0 + NEW_RELEASE_BOOST * (-((k - birth) as f64) / 3.0).exp()
        } else {
            1.0
        };
        let mut gained = weekly(seed, slot_index, level * boost, k);
        level *= step;
        if birth > 0 && k == birth {
            // Born inside this week: only the part since creation.
            let week_end = start + birth * WEEK_MS;
            let fraction = ((week_end - slot.created_ms) as f64 / WEEK_MS as f64).clamp(0.0, 1.0);
            gained = (gained as f64 * fraction) as u64;
        }
        if k >= week - 3 {
            thirty_days += gained;
        }
        if k < 1 && birth == 0 {
            continue; // before the first snapshot: only in the 30-day count
        }
        if k == i64::from(slot.falling) {
            before_fall = all_time;
        }
        all_time += gained;
        if k == i64::from(slot.falling) {
            // A recount: the count drops to 80% of the previous week's.
            all_time = before_fall - before_fall / 5;
        }
        if k > birth {
            last_week = gained;
        }
    }
    Downloads {
        all_time,
        last_week,
        thirty_days: ((thirty_days as f64 * 30.0 / 28.0) as u64).min(all_time),
    }
}

/// One record of slot `slot_index` at `week` (the slot must be alive then).
pub(crate) fn record(world: &World, slot_index: u32, week: usize) -> ModelRecord {
    let slot = &world.slots[slot_index as usize];
    let seed = world.config.seed;
    let profile = profile(world, slot_index);
    let id = model_id_with(world, slot_index, week, &profile);
    let Downloads {
        all_time,
        last_week,
        thirty_days,
    } = downloads(world, slot_index, week);
    let as_of = world.as_of(week).as_millis();
    let extra = hash(seed, u64::from(slot_index), 0, stream::EXTRA);
    let created_at = slot.created_at();
    // Last modified: a fixed fraction of the way from creation to the first snapshot it is in.
    let first_seen = world.as_of(usize::from(slot.birth)).as_millis();
    let last_modified =
        slot.created_ms + ((first_seen - slot.created_ms).max(0) as f64 * unit(mix(extra))) as i64;
    let likes = ((all_time as f64).sqrt() * 0.05 * (0.2 + 1.6 * unit(mix(extra ^ 1)))) as u64;
    let trending = (last_week as f64).sqrt().floor() / 10.0;

    let mut tags: Vec<String> = Vec::with_capacity(10);
    if let Some(library) = profile.library {
        tags.push(library.to_owned());
    }
    match (slot.relation, profile.library) {
        (Some(Relation::Quantized), None | Some("transformers")) => tags.push("gguf".to_owned()),
        (None, None) if matches!(slot.author(), Author::Hub(_)) => tags.push("gguf".to_owned()),
        (_, Some("transformers" | "diffusers" | "sentence-transformers")) => {
            tags.push("safetensors".to_owned());
        }
        _ => {}
    }
    if let Some(pipeline) = profile.pipeline {
        tags.push(pipeline.to_owned());
    }
    let mut parents: Vec<ModelId> = Vec::new();
    if let Some(relation) = slot.relation {
        for &parent in slot.parents.iter().take_while(|&&p| p != NO_PARENT) {
            let parent_id = &world.bases[parent as usize].id;
            tags.push(format!("base_model:{parent_id}"));
            tags.push(format!("base_model:{}:{parent_id}", relation.as_str()));
            parents.push(parent_id.clone());
        }
        if relation == Relation::Merge {
            tags.push("mergekit".to_owned());
            tags.push("merge".to_owned());
        }
    }
    let languages = (profile.text && unit(mix(extra ^ 2)) < 0.5).then(|| {
        if unit(mix(extra ^ 3)) < 0.8 {
            vec!["en".to_owned()]
        } else {
            vec!["en".to_owned(), "zh".to_owned()]
        }
    });
    if let Some(languages) = &languages {
        tags.extend(languages.iter().cloned());
    }
    if let Some(license) = profile.license {
        tags.push(format!("license:{license}"));
    }
    tags.push("region:us".to_owned());
    let lineage = slot
        .relation
        .and_then(|relation| Lineage::new(relation, parents, LineageSource::BaseModels));
    let card_data = (unit(mix(extra ^ 4)) < 0.35)
        .then(|| card_json(&profile, lineage.as_ref(), languages.as_ref()));

    ModelRecord {
        object_id: Some(object_id(world, slot_index)),
        id,
        created_at,
        last_modified: Some(Timestamp::from_millis(last_modified.min(as_of))),
        downloads_30d: Some(thirty_days),
        downloads_all_time: Some(all_time),
        likes: Some(likes),
        trending_score: Some(trending),
        tags: Some(tags),
        pipeline_tag: profile.pipeline.map(str::to_owned),
        library_name: profile.library.map(str::to_owned),
        gated: Some(if profile.gated {
            if unit(mix(extra ^ 5)) < 0.7 {
                Gated::Manual
            } else {
                Gated::Auto
            }
        } else {
            Gated::No
        }),
        parameters: profile.parameters,
        lineage,
        license: profile.license.map(str::to_owned),
        languages,
        card_data,
    }
}

/// A small `cardData` object. Every value is from the fixed vocabulary or a valid model id, so
/// no escaping is needed.
fn card_json(
    profile: &Profile,
    lineage: Option<&Lineage>,
    languages: Option<&Vec<String>>,
) -> String {
    let mut json = String::with_capacity(128);
    json.push('{');
    let mut first = true;
    let mut field = |json: &mut String, name: &str| {
        if !first {
            json.push(',');
        }
        first = false;
        let _ = write!(json, "\"{name}\":");
    };
    if let Some(license) = profile.license {
        field(&mut json, "license");
        let _ = write!(json, "\"{license}\"");
    }
    if let Some(languages) = languages {
        field(&mut json, "language");
        json.push('[');
        for (at, language) in languages.iter().enumerate() {
            if at > 0 {
                json.push(',');
            }
            let _ = write!(json, "\"{language}\"");
        }
        json.push(']');
    }
    if let Some(lineage) = lineage {
        field(&mut json, "base_model");
        json.push('[');
        for (at, parent) in lineage.parents.iter().enumerate() {
            if at > 0 {
                json.push(',');
            }
            let _ = write!(json, "\"{parent}\"");
        }
        json.push(']');
    }
    if let Some(library) = profile.library {
        field(&mut json, "library_name");
        let _ = write!(json, "\"{library}\"");
    }
    if let Some(pipeline) = profile.pipeline {
        field(&mut json, "pipeline_tag");
        let _ = write!(json, "\"{pipeline}\"");
    }
    json.push('}');
    json
}

/// The records of one snapshot, in chunks of at most `chunk` records, in slot order (the same
/// order every time). Holds only the current chunk.
#[derive(Debug)]
pub struct Snapshot<'w> {
    world: &'w World,
    week: usize,
    next: usize,
    chunk: usize,
}

impl<'w> Snapshot<'w> {
    pub(crate) fn new(world: &'w World, week: usize, chunk: usize) -> Self {
        Self {
            world,
            week,
            next: 0,
            chunk: chunk.max(1),
        }
    }
}

impl Iterator for Snapshot<'_> {
    type Item = Vec<ModelRecord>;

    fn next(&mut self) -> Option<Vec<ModelRecord>> {
        let slots = &self.world.slots;
        let mut records =
            Vec::with_capacity(self.chunk.min(slots.len() - self.next.min(slots.len())));
        while self.next < slots.len() && records.len() < self.chunk {
            let index = self.next;
            self.next += 1;
            if slots[index].is_alive(self.week) {
                let index = u32::try_from(index).expect("bug: slot fits u32");
                records.push(record(self.world, index, self.week));
            }
        }
        (!records.is_empty()).then_some(records)
    }
}

#[cfg(test)]
mod tests {
    use super::push_size;

    #[test]
    fn sizes_read_like_model_names() {
        for (parameters, text) in [
            (8_030_000_000, "8B"),
            (960_000_000, "1B"),
            (494_000_000, "0.5B"),
            (110_000_000, "0.1B"),
            (66_400_000, "66M"),
            (671_000_000_000, "671B"),
        ] {
            let mut out = String::new();
            push_size(&mut out, parameters);
            assert_eq!(out, text, "{parameters}");
        }
    }
}
