//! Canonical benchmark names, so that "GPQA (0-shot)", "gpqa" and "GPQA" are one benchmark.
//!
//! The rule: drop a trailing parenthesised shot count or config ("(0-shot)", "(5-Shot)"), trim,
//! then look the lowercased, separator-folded name up in [`KNOWN`]. A name not in the table is
//! kept as written (trimmed): an unknown benchmark is still evidence, it is just not mapped to a
//! workload unless a workload file names it.

/// Known benchmarks: folded spelling → canonical name.
const KNOWN: &[(&str, &str)] = &[
    ("ifeval", "IFEval"),
    ("bbh", "BBH"),
    ("big-bench-hard", "BBH"),
    ("math", "MATH"),
    ("math-lvl-5", "MATH"),
    ("math-level-5", "MATH"),
    ("gpqa", "GPQA"),
    ("gpqa-diamond", "GPQA"),
    ("musr", "MuSR"),
    ("mmlu-pro", "MMLU-Pro"),
    ("mmlu", "MMLU"),
    ("global-mmlu", "Global-MMLU"),
    ("global-mmlu-lite", "Global-MMLU-Lite"),
    ("mgsm", "MGSM"),
    ("mmlu-prox", "MMLU-ProX"),
    ("aime", "AIME"),
    ("aime-2024", "AIME"),
    ("aime-2025", "AIME"),
    ("ruler", "RULER"),
    ("livecodebench", "LiveCodeBench"),
    ("livecodebench-pro", "LiveCodeBench Pro"),
    ("humaneval", "HumanEval"),
    ("humaneval+", "HumanEval"),
    ("mteb", "MTEB"),
    ("gsm8k", "GSM8K"),
    ("omni-math", "Omni-MATH"),
    ("wildbench", "WildBench"),
    ("hellaswag", "HellaSwag"),
    ("truthfulqa", "TruthfulQA"),
    ("winogrande", "Winogrande"),
    ("ai2-reasoning-challenge", "ARC"),
    ("arc", "ARC"),
    ("mt-bench", "MT-Bench"),
];

/// Lowercase; spaces, underscores and runs of separators become one `-`.
#[must_use]
pub fn fold(name: &str) -> String {
    let mut folded = String::with_capacity(name.len());
    for character in name.trim().chars() {
        let character = match character {
            ' ' | '_' | '-' => '-',
            other => other.to_ascii_lowercase(),
        };
        if character == '-' && (folded.is_empty() || folded.ends_with('-')) {
            continue;
        }
        folded.push(character);
    }
    while folded.ends_with('-') {
        folded.pop();
    }
    folded
}

/// The canonical name of a benchmark as a source spells it.
#[must_use]
pub fn canonical(raw: &str) -> String {
    let mut name = raw.trim();
    if let Some(open) = name.rfind(" (")
        && name.ends_with(')')
    {
        name = name[..open].trim_end();
    }
    let folded = fold(name);
    KNOWN
        .iter()
        .find(|(spelling, _)| *spelling == folded)
        .map_or_else(|| name.to_owned(), |(_, canonical)| (*canonical).to_owned())
}

/// Whether two benchmark names denote the same benchmark (canonical names, case-insensitive).
#[must_use]
pub fn same(a: &str, b: &str) -> bool {
    fold(&canonical(a)) == fold(&canonical(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_names() {
        let cases = [
            ("IFEval (0-Shot)", "IFEval"),
            ("BBH (3-Shot)", "BBH"),
            ("MATH Lvl 5 (4-Shot)", "MATH"),
            ("GPQA (0-shot)", "GPQA"),
            ("MuSR (0-shot)", "MuSR"),
            ("MUSR", "MuSR"),
            ("MMLU-PRO (5-shot)", "MMLU-Pro"),
            ("Global MMLU Lite", "Global-MMLU-Lite"),
            ("global_mmlu_lite", "Global-MMLU-Lite"),
            ("  humaneval ", "HumanEval"),
            ("AI2 Reasoning Challenge (25-Shot)", "ARC"),
            ("Some New Bench (v2)", "Some New Bench"),
            ("NarrativeQA", "NarrativeQA"),
        ];
        for (raw, expected) in cases {
            assert_eq!(canonical(raw), expected, "{raw}");
        }
    }

    #[test]
    fn same_benchmark_ignores_spelling() {
        assert!(same("MATH Lvl 5", "math"));
        assert!(same("Global-MMLU-Lite", "global mmlu lite"));
        assert!(!same("MMLU", "MMLU-Pro"));
    }
}
