//! Writes a deterministic hub-stats-schema `models.parquet` of N synthetic models, for the import
//! benchmark (bench/import.py) and for trying the importer at scale.
//!
//! Realistic string sizes: ids of about 30 characters, about 8 tags, a `cardData` of about 300
//! bytes on 30% of rows, `baseModels` on 28%, a heavy-tailed download distribution. It is not a
//! model of the Hub (that is the demo world's job), only of the file's shape and weight.
//!
//! Usage: `cargo run --release -p hubcensus-ingest --example hub_stats_fixture -- OUT.parquet [ROWS]`

use std::path::PathBuf;
use std::process::ExitCode;

use hubcensus_ingest::HubStatsWriter;
use hubcensus_model::{Gated, Lineage, LineageSource, ModelId, ModelRecord, Relation, Timestamp};

/// `SplitMix64`: a tiny deterministic generator (no dependency, same output everywhere).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const ARCHITECTURES: [&str; 8] = [
    "llama", "qwen2", "mistral", "gemma", "bert", "t5", "phi3", "gpt2",
];
const TASKS: [&str; 6] = [
    "text-generation",
    "text-classification",
    "feature-extraction",
    "image-text-to-text",
    "automatic-speech-recognition",
    "text-to-image",
];
const LIBRARIES: [&str; 4] = ["transformers", "diffusers", "gguf", "sentence-transformers"];
const LICENSES: [&str; 5] = ["apache-2.0", "mit", "llama3.1", "other", "cc-by-nc-4.0"];
const LANGUAGES: [&str; 6] = ["en", "zh", "fr", "de", "ko", "ja"];

fn id(namespace: u64, model: u64) -> String {
    format!("author-{namespace:06}/model-name-{model:09}")
}

fn record(random: &mut Random, row: u64, authors: u64) -> ModelRecord {
    let namespace = random.below(authors);
    let model_id = ModelId::new(id(namespace, row)).expect("generated ids are valid");
    let mut record = ModelRecord::new(model_id);
    record.object_id = Some(format!(
        "{:024x}",
        row.wrapping_mul(0x9E37_79B9) ^ 0x65a0_0000_0000
    ));
    let created = 1_640_995_200 + random.below(4 * 365 * 86_400) as i64;
    record.created_at = Some(Timestamp::from_secs(created));
    record.last_modified = Some(Timestamp::from_secs(
        created + random.below(200 * 86_400) as i64,
    ));
    // Pareto-like tail: most models have a handful of downloads, a few have millions.
    let downloads = (1.0 / (1.0 - random.unit()).max(1e-9)).powf(1.6) as u64 - 1;
    record.downloads_30d = Some(downloads);
    record.downloads_all_time = Some(downloads * (1 + random.below(12)));
    record.likes = Some(downloads / 500 + random.below(3));
    record.trending_score = Some((random.below(100) as f64) / 4.0);
    let architecture = ARCHITECTURES[random.below(8) as usize];
    let task = TASKS[random.below(6) as usize];
    let license = LICENSES[random.below(5) as usize];
    let language = LANGUAGES[random.below(6) as usize];
    let mut tags = vec![
        "transformers".to_owned(),
        "safetensors".to_owned(),
        architecture.to_owned(),
        task.to_owned(),
        language.to_owned(),
        format!("license:{license}"),
        "endpoints_compatible".to_owned(),
        "region:us".to_owned(),
    ];
    let lineage = if random.below(100) < 28 && row > 0 {
        let relation = [
            Relation::Finetune,
            Relation::Adapter,
            Relation::Quantized,
            Relation::Merge,
        ][random.below(4) as usize];
        let parents: Vec<ModelId> = (0..if relation == Relation::Merge { 2 } else { 1 })
            .map(|_| {
                let parent_row = random.below(row);
                ModelId::new(id(parent_row % authors, parent_row)).expect("valid")
            })
            .collect();
        for parent in &parents {
            tags.push(format!("base_model:{}:{parent}", relation.as_str()));
        }
        Lineage::new(relation, parents, LineageSource::BaseModels)
    } else {
        None
    };
    record.pipeline_tag = Some(task.to_owned());
    record.library_name = Some(LIBRARIES[random.below(4) as usize].to_owned());
    record.gated = Some(if random.below(100) < 95 {
        Gated::No
    } else {
        Gated::Manual
    });
    if random.below(100) < 60 {
        record.parameters = Some(1_000_000 * (1 + random.below(70_000)));
    }
    if random.below(100) < 30 {
        let card = format!(
            concat!(
                r#"{{"license": "{}", "language": ["{}"], "library_name": "transformers", "#,
                r#""pipeline_tag": "{}", "tags": ["{}", "text-generation-inference", "unsloth", "trl"], "#,
                r#""datasets": ["HuggingFaceH4/ultrachat_200k", "allenai/tulu-3-sft-mixture"], "#,
                r#""model-index": [{{"name": "{}", "results": []}}]}}"#
            ),
            license, language, task, architecture, record.id
        );
        record.card_data = Some(card);
    }
    record.tags = Some(tags);
    record.lineage = lineage;
    record
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next().map(PathBuf::from) else {
        eprintln!("usage: hub_stats_fixture OUT.parquet [ROWS]");
        return ExitCode::from(2);
    };
    let rows: u64 = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2_000_000);
    let authors = (rows / 10).max(1);
    let mut random = Random(0x5EED);
    let mut writer = match HubStatsWriter::create(&path) {
        Ok(writer) => writer,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let mut row = 0;
    while row < rows {
        let end = (row + 122_880).min(rows);
        let chunk: Vec<ModelRecord> = (row..end)
            .map(|r| record(&mut random, r, authors))
            .collect();
        if let Err(error) = writer.write(&chunk) {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
        row = end;
    }
    if let Err(error) = writer.finish() {
        eprintln!("error: {error}");
        return ExitCode::from(2);
    }
    eprintln!("wrote {rows} rows to {}", path.display());
    ExitCode::SUCCESS
}
