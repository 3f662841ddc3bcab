//! The world's vocabulary: real namespaces of labs and community hubs (so the attribution
//! registry recognises them), synthetic individuals, and the realistic value sets of tasks,
//! libraries, licenses and sizes. Weights are approximate Hub proportions (see
//! docs/demo-world.md); they shape the demo, they are not measurements.

/// A lab: its real Hub namespace, the model family stems it publishes, its usual license, and
/// whether its flagship repositories are gated.
#[derive(Clone, Copy, Debug)]
pub struct Lab {
    pub namespace: &'static str,
    pub stems: &'static [&'static str],
    pub license: &'static str,
    pub gated: bool,
    /// Modality of most of its models.
    pub modality: Modality,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modality {
    Text,
    Image,
    Embedding,
}

const fn lab(
    namespace: &'static str,
    stems: &'static [&'static str],
    license: &'static str,
    gated: bool,
    modality: Modality,
) -> Lab {
    Lab {
        namespace,
        stems,
        license,
        gated,
        modality,
    }
}

/// Labs, in the order their namespaces are placed on the author Zipf ranks.
pub const LABS: &[Lab] = &[
    lab(
        "Qwen",
        &["Qwen3", "Qwen2.5", "Qwen2.5-Coder", "Qwen2.5-VL"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "google",
        &["gemma-3", "gemma-2", "t5gemma", "siglip2"],
        "gemma",
        true,
        Modality::Text,
    ),
    lab(
        "meta-llama",
        &["Llama-3.1", "Llama-3.2", "Llama-3.3", "Llama-4-Scout"],
        "llama3.1",
        true,
        Modality::Text,
    ),
    lab(
        "microsoft",
        &["Phi-4", "Phi-3.5", "deberta-v3", "Florence-2"],
        "mit",
        false,
        Modality::Text,
    ),
    lab(
        "deepseek-ai",
        &["DeepSeek-R1-Distill", "DeepSeek-V3", "deepseek-coder"],
        "mit",
        false,
        Modality::Text,
    ),
    lab(
        "mistralai",
        &["Mistral-Small", "Ministral", "Mistral-Nemo", "Devstral"],
        "apache-2.0",
        true,
        Modality::Text,
    ),
    lab(
        "sentence-transformers",
        &["all-MiniLM", "all-mpnet", "paraphrase-multilingual"],
        "apache-2.0",
        false,
        Modality::Embedding,
    ),
    lab(
        "nvidia",
        &["Nemotron", "parakeet", "Llama-Nemotron"],
        "other",
        false,
        Modality::Text,
    ),
    lab(
        "openai",
        &["gpt-oss", "whisper", "clip-vit"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "BAAI",
        &["bge-m3", "bge-reranker", "bge-small"],
        "mit",
        false,
        Modality::Embedding,
    ),
    lab(
        "moonshotai",
        &["Kimi-K2", "Kimi-VL", "Moonlight"],
        "other",
        false,
        Modality::Text,
    ),
    lab(
        "zai-org",
        &["GLM-4.5", "GLM-4.1V", "glm-4"],
        "mit",
        false,
        Modality::Text,
    ),
    lab(
        "ibm-granite",
        &["granite-3.3", "granite-embedding", "granite-vision"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "allenai",
        &["OLMo-2", "Molmo", "Tulu-3"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "HuggingFaceTB",
        &["SmolLM3", "SmolLM2", "SmolVLM"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "black-forest-labs",
        &["FLUX.1", "FLUX.1-Kontext"],
        "other",
        true,
        Modality::Image,
    ),
    lab(
        "stabilityai",
        &["stable-diffusion-3.5", "sdxl-turbo", "stable-audio"],
        "other",
        true,
        Modality::Image,
    ),
    lab(
        "facebook",
        &["dinov2", "bart-large", "wav2vec2"],
        "cc-by-nc-4.0",
        false,
        Modality::Text,
    ),
    lab(
        "intfloat",
        &["multilingual-e5", "e5-mistral"],
        "mit",
        false,
        Modality::Embedding,
    ),
    lab(
        "nomic-ai",
        &["nomic-embed-text", "nomic-embed-vision"],
        "apache-2.0",
        false,
        Modality::Embedding,
    ),
    lab(
        "tencent",
        &["Hunyuan", "HunyuanVideo"],
        "other",
        false,
        Modality::Text,
    ),
    lab("baidu", &["ERNIE-4.5"], "apache-2.0", false, Modality::Text),
    lab(
        "MiniMaxAI",
        &["MiniMax-M1", "MiniMax-Text"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "01-ai",
        &["Yi-1.5", "Yi-Coder"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "internlm",
        &["internlm3", "InternVL3"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "openbmb",
        &["MiniCPM4", "MiniCPM-V"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "tiiuae",
        &["Falcon3", "falcon-mamba"],
        "other",
        false,
        Modality::Text,
    ),
    lab(
        "CohereLabs",
        &["aya-expanse", "c4ai-command-r"],
        "cc-by-nc-4.0",
        true,
        Modality::Text,
    ),
    lab(
        "apple",
        &["OpenELM", "DFN5B-CLIP"],
        "other",
        false,
        Modality::Text,
    ),
    lab(
        "Salesforce",
        &["blip-image-captioning", "codet5p"],
        "bsd-3-clause",
        false,
        Modality::Text,
    ),
    lab("LiquidAI", &["LFM2"], "other", false, Modality::Text),
    lab(
        "ByteDance-Seed",
        &["Seed-Coder", "UI-TARS"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
    lab(
        "jinaai",
        &["jina-embeddings-v3", "jina-reranker"],
        "cc-by-nc-4.0",
        false,
        Modality::Embedding,
    ),
    lab(
        "Alibaba-NLP",
        &["gte-multilingual", "gte-Qwen2"],
        "apache-2.0",
        false,
        Modality::Embedding,
    ),
    lab(
        "FacebookAI",
        &["xlm-roberta", "roberta-large"],
        "mit",
        false,
        Modality::Text,
    ),
    lab(
        "EleutherAI",
        &["pythia", "gpt-neo"],
        "apache-2.0",
        false,
        Modality::Text,
    ),
];

/// Quantizer and community hubs: real namespaces that publish many derivatives.
pub const HUBS: &[&str] = &[
    "mradermacher",
    "bartowski",
    "mlx-community",
    "unsloth",
    "lmstudio-community",
    "RichardErkhov",
    "QuantFactory",
    "TheBloke",
    "NousResearch",
    "MaziyarPanahi",
    "DevQuasar",
    "second-state",
];

/// Topics for derivative and individual model names.
pub const TOPICS: &[&str] = &[
    "chat",
    "code",
    "math",
    "medical",
    "legal",
    "finance",
    "roleplay",
    "ner",
    "sentiment",
    "summarize",
    "translate",
    "japanese",
    "german",
    "korean",
    "vietnamese",
    "arabic",
    "hindi",
    "reasoning",
    "tool-use",
    "sql",
    "poetry",
    "news",
    "biology",
    "support",
    "instruct",
    "dpo",
];

/// Pipeline tags with approximate Hub weights (`None` = no pipeline tag).
pub const PIPELINES: &[(Option<&str>, u32)] = &[
    (Some("text-generation"), 300),
    (None, 170),
    (Some("text-classification"), 80),
    (Some("text-to-image"), 55),
    (Some("image-text-to-text"), 40),
    (Some("feature-extraction"), 35),
    (Some("sentence-similarity"), 30),
    (Some("automatic-speech-recognition"), 30),
    (Some("image-classification"), 35),
    (Some("token-classification"), 30),
    (Some("reinforcement-learning"), 30),
    (Some("text2text-generation"), 25),
    (Some("fill-mask"), 20),
    (Some("question-answering"), 15),
    (Some("translation"), 12),
    (Some("object-detection"), 10),
    (Some("text-to-speech"), 10),
    (Some("audio-classification"), 8),
    (Some("summarization"), 8),
    (Some("image-to-image"), 7),
];

/// Licenses of models that do not inherit their base's, with approximate weights.
pub const LICENSES: &[(Option<&str>, u32)] = &[
    (Some("apache-2.0"), 300),
    (None, 300),
    (Some("mit"), 120),
    (Some("other"), 60),
    (Some("cc-by-4.0"), 40),
    (Some("cc-by-nc-4.0"), 40),
    (Some("openrail"), 30),
    (Some("llama3.1"), 20),
    (Some("gpl-3.0"), 10),
    (Some("cc-by-sa-4.0"), 10),
    (Some("bsd-3-clause"), 5),
];

/// Text-generation parameter sizes in billions, with weights.
pub const LLM_SIZES: &[(f64, u32)] = &[
    (0.5, 60),
    (1.0, 50),
    (1.5, 60),
    (3.0, 90),
    (4.0, 50),
    (7.0, 140),
    (8.0, 120),
    (12.0, 40),
    (14.0, 50),
    (24.0, 30),
    (32.0, 40),
    (70.0, 30),
    (72.0, 10),
    (235.0, 5),
    (671.0, 3),
];

/// Sizes of other models (encoders, vision, audio), in millions of parameters.
pub const SMALL_SIZES: &[(f64, u32)] = &[
    (22.0, 40),
    (66.0, 50),
    (110.0, 100),
    (125.0, 60),
    (335.0, 60),
    (568.0, 30),
    (770.0, 20),
    (1_500.0, 15),
    (2_600.0, 10),
    (12_000.0, 5),
];

/// Picks from a weighted table with a uniform `u` in `[0, 1)`.
#[must_use]
pub fn pick<T: Copy>(table: &[(T, u32)], u: f64) -> T {
    let total: u32 = table.iter().map(|(_, w)| w).sum();
    let mut target = u * f64::from(total);
    for &(value, weight) in table {
        target -= f64::from(weight);
        if target < 0.0 {
            return value;
        }
    }
    table[table.len() - 1].0
}

/// Writes `n` in base 36 (lowercase), the synthetic part of names and namespaces.
pub fn push_base36(out: &mut String, mut n: u64) {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut buffer = [0u8; 13];
    let mut at = buffer.len();
    loop {
        at -= 1;
        buffer[at] = DIGITS[(n % 36) as usize];
        n /= 36;
        if n == 0 {
            break;
        }
    }
    for &byte in &buffer[at..] {
        out.push(char::from(byte));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base36_round_trips() {
        for (n, text) in [(0, "0"), (35, "z"), (36, "10"), (46_655, "zzz")] {
            let mut out = String::new();
            push_base36(&mut out, n);
            assert_eq!(out, text);
        }
    }

    #[test]
    fn pick_honours_weights_and_bounds() {
        let table = [("a", 1), ("b", 3)];
        assert_eq!(pick(&table, 0.0), "a");
        assert_eq!(pick(&table, 0.24), "a");
        assert_eq!(pick(&table, 0.26), "b");
        assert_eq!(pick(&table, 0.999_999), "b");
    }

    #[test]
    fn namespaces_are_valid_and_distinct() {
        let mut all: Vec<&str> = LABS
            .iter()
            .map(|lab| lab.namespace)
            .chain(HUBS.iter().copied())
            .collect();
        all.sort_unstable();
        let before = all.len();
        all.dedup();
        assert_eq!(before, all.len());
        for namespace in all {
            assert!(!namespace.starts_with("demo-"));
            assert!(hubcensus_model::ModelId::new(format!("{namespace}/x")).is_ok());
        }
    }
}
