//! Workloads: what a team uses a model for, mapped to the benchmarks that measure it.
//!
//! The built-in map (documented in docs/evals.md) can be replaced by a TOML file:
//!
//! ```toml
//! [workloads]
//! multilingual = ["Global-MMLU-Lite", "Global-MMLU", "MGSM", "MMLU-ProX"]
//! legal = ["LegalBench"]
//! ```
//!
//! A file's workloads replace the built-in ones of the same name and add new ones. Benchmark
//! names are compared by [`crate::benchmark::same`], so spellings need not be exact.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::EvalsError;

/// The built-in workloads.
pub const BUILT_IN: &[(&str, &[&str])] = &[
    ("code", &["LiveCodeBench", "LiveCodeBench Pro", "HumanEval"]),
    ("embedding", &["MTEB"]),
    ("instruction-following", &["IFEval"]),
    ("long-context", &["RULER"]),
    (
        "multilingual",
        &["Global-MMLU-Lite", "Global-MMLU", "MGSM", "MMLU-ProX"],
    ),
    ("reasoning", &["GPQA", "MATH", "BBH", "MuSR", "AIME"]),
];

/// Workload name → benchmarks, sorted by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadMap {
    workloads: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadFile {
    workloads: BTreeMap<String, Vec<String>>,
}

impl Default for WorkloadMap {
    fn default() -> Self {
        Self {
            workloads: BUILT_IN
                .iter()
                .map(|(name, benchmarks)| {
                    (
                        (*name).to_owned(),
                        benchmarks.iter().map(|b| (*b).to_owned()).collect(),
                    )
                })
                .collect(),
        }
    }
}

impl WorkloadMap {
    /// The built-in map with a TOML file's workloads laid over it.
    pub fn with_file(text: &str) -> Result<Self, EvalsError> {
        let file: WorkloadFile =
            toml::from_str(text).map_err(|source| EvalsError::Workloads { source })?;
        let mut map = Self::default();
        map.workloads.extend(file.workloads);
        Ok(map)
    }

    /// The benchmarks of a workload, or an error listing the known workloads.
    pub fn benchmarks(&self, workload: &str) -> Result<&[String], EvalsError> {
        self.workloads
            .get(workload)
            .map(Vec::as_slice)
            .ok_or_else(|| EvalsError::UnknownWorkload {
                name: workload.to_owned(),
                known: self.names().collect::<Vec<_>>().join(", "),
            })
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.workloads.keys().map(String::as_str)
    }

    /// Whether `benchmark` belongs to `workload`.
    #[must_use]
    pub fn covers(&self, workload: &str, benchmark: &str) -> bool {
        self.workloads.get(workload).is_some_and(|benchmarks| {
            benchmarks
                .iter()
                .any(|b| crate::benchmark::same(b, benchmark))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_map() {
        let map = WorkloadMap::default();
        assert_eq!(
            map.names().collect::<Vec<_>>(),
            [
                "code",
                "embedding",
                "instruction-following",
                "long-context",
                "multilingual",
                "reasoning"
            ]
        );
        assert!(map.covers("reasoning", "MATH Lvl 5"));
        assert!(map.covers("multilingual", "global mmlu lite"));
        assert!(!map.covers("reasoning", "IFEval"));
        assert_eq!(
            map.benchmarks("poetry").unwrap_err().to_string(),
            "unknown workload \"poetry\" (known: code, embedding, instruction-following, long-context, multilingual, reasoning)"
        );
    }

    #[test]
    fn a_file_overrides_and_adds() {
        let map = WorkloadMap::with_file(
            "[workloads]\nreasoning = [\"GPQA\"]\nlegal = [\"LegalBench\"]\n",
        )
        .unwrap();
        assert_eq!(map.benchmarks("reasoning").unwrap(), ["GPQA"]);
        assert!(map.covers("legal", "legalbench"));
        assert!(map.covers("code", "HumanEval"));
        assert!(WorkloadMap::with_file("[workload]\n").is_err());
    }
}
