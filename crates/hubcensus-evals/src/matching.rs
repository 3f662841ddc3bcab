//! Matching model names as sources write them to Hub ids, conservatively.
//!
//! The rules, tried in order; the first that yields exactly one candidate wins, and a rule that
//! yields several makes the name *ambiguous* (unmatched, with the candidates listed). Nothing is
//! guessed: a name no rule matches stays unmatched.
//!
//! 1. **exact**: the name is a candidate id, byte for byte.
//! 2. **normalised**: equal after [`normalise`] (lowercase; `_` and spaces become `-`; repeated
//!    `-` collapse). `Qwen/Qwen2.5-7B-Instruct` = `qwen/qwen2.5-7b-instruct`. Dots are kept:
//!    `2.5` and `25` are different versions.
//! 3. **organization alias**: the namespace is a provider's name for a Hub organization
//!    ([`ORG_ALIASES`], e.g. `alibaba` → `Qwen`, `meta` → `meta-llama`), and the normalised name
//!    part equals a candidate's under one of the aliased namespaces.
//! 4. **bare name**: the source wrote no namespace (`gte-Qwen2-7B-instruct`), and exactly one
//!    candidate's normalised name part equals it.
//!
//! Candidates are Hub ids: the store's catalog when there is one, else the ids the imported
//! files themselves carry. A name whose source carries its Hub id is not matched: it keeps that
//! id and is counted apart, by whether the id is a candidate ([`Carried`]).

use std::collections::{BTreeMap, BTreeSet};

use hubcensus_model::ModelId;
use serde::Serialize;

/// Provider spellings of an organization → the Hub namespaces it publishes under. Sources: the
/// namespaces the organizations use on the Hub (e.g. huggingface.co/Qwen, huggingface.co/meta-llama).
pub const ORG_ALIASES: &[(&str, &[&str])] = &[
    ("alibaba", &["Qwen"]),
    ("qwen", &["Qwen"]),
    ("meta", &["meta-llama", "facebook"]),
    ("meta-llama", &["meta-llama"]),
    ("deepseek", &["deepseek-ai"]),
    ("deepseek-ai", &["deepseek-ai"]),
    ("google", &["google"]),
    ("mistral", &["mistralai"]),
    ("mistralai", &["mistralai"]),
    ("moonshot", &["moonshotai"]),
    ("moonshotai", &["moonshotai"]),
    ("zhipu", &["zai-org", "THUDM"]),
    ("zai-org", &["zai-org", "THUDM"]),
    ("thudm", &["THUDM", "zai-org"]),
    ("ibm", &["ibm-granite"]),
    ("ibm-granite", &["ibm-granite"]),
    ("cohere", &["CohereLabs", "CohereForAI"]),
    ("coherelabs", &["CohereLabs", "CohereForAI"]),
    ("microsoft", &["microsoft"]),
    ("nvidia", &["nvidia"]),
    ("openai", &["openai"]),
    ("01-ai", &["01-ai"]),
    ("allenai", &["allenai"]),
    ("ai21", &["ai21labs"]),
    ("ai21labs", &["ai21labs"]),
];

/// How a name was matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    Exact,
    Normalised,
    OrganizationAlias,
    BareName,
}

impl MatchRule {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Normalised => "normalised",
            Self::OrganizationAlias => "organization alias",
            Self::BareName => "bare name",
        }
    }
}

/// The outcome of matching one name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum MatchOutcome {
    Matched {
        id: ModelId,
        rule: MatchRule,
    },
    Ambiguous {
        rule: MatchRule,
        candidates: Vec<ModelId>,
    },
    Unmatched,
}

/// Lowercase; `_` and whitespace become `-`; runs of `-` collapse; leading/trailing `-` go.
#[must_use]
pub fn normalise(name: &str) -> String {
    let mut normal = String::with_capacity(name.len());
    for character in name.trim().chars() {
        let character = if character == '_' || character.is_whitespace() {
            '-'
        } else {
            character.to_ascii_lowercase()
        };
        if character == '-' && (normal.is_empty() || normal.ends_with('-') || normal.ends_with('/'))
        {
            continue;
        }
        if character == '/' && normal.ends_with('-') {
            normal.pop();
        }
        normal.push(character);
    }
    while normal.ends_with('-') {
        normal.pop();
    }
    normal
}

/// The matcher over a fixed candidate set of Hub ids.
#[derive(Debug, Default)]
pub struct Matcher {
    exact: BTreeSet<ModelId>,
    by_normal: BTreeMap<String, BTreeSet<ModelId>>,
    /// normalised name part → ids (for the alias and bare-name rules).
    by_name: BTreeMap<String, BTreeSet<ModelId>>,
}

impl Matcher {
    pub fn new(candidates: impl IntoIterator<Item = ModelId>) -> Self {
        let mut matcher = Self::default();
        for id in candidates {
            matcher
                .by_normal
                .entry(normalise(id.as_str()))
                .or_default()
                .insert(id.clone());
            matcher
                .by_name
                .entry(normalise(id.name()))
                .or_default()
                .insert(id.clone());
            matcher.exact.insert(id);
        }
        matcher
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.exact.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty()
    }

    /// Whether `id` is one of the candidates.
    #[must_use]
    pub fn contains(&self, id: &ModelId) -> bool {
        self.exact.contains(id)
    }

    /// Matches one name by the rules in the module documentation.
    #[must_use]
    pub fn find(&self, name: &str) -> MatchOutcome {
        let name = name.trim();
        if let Some(id) = ModelId::new(name).ok().filter(|id| self.exact.contains(id)) {
            return MatchOutcome::Matched {
                id,
                rule: MatchRule::Exact,
            };
        }
        let normal = normalise(name);
        if let Some(outcome) = decide(self.by_normal.get(&normal), MatchRule::Normalised) {
            return outcome;
        }
        match normal.split_once('/') {
            Some((namespace, model)) => {
                let aliases = ORG_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == namespace)
                    .map_or(&[][..], |(_, namespaces)| *namespaces);
                let found: BTreeSet<ModelId> = self
                    .by_name
                    .get(model)
                    .into_iter()
                    .flatten()
                    .filter(|id| {
                        id.namespace().is_some_and(|candidate| {
                            aliases
                                .iter()
                                .any(|alias| alias.eq_ignore_ascii_case(candidate))
                        })
                    })
                    .cloned()
                    .collect();
                decide(Some(&found), MatchRule::OrganizationAlias)
                    .unwrap_or(MatchOutcome::Unmatched)
            }
            None => decide(self.by_name.get(&normal), MatchRule::BareName)
                .unwrap_or(MatchOutcome::Unmatched),
        }
    }
}

fn decide(found: Option<&BTreeSet<ModelId>>, rule: MatchRule) -> Option<MatchOutcome> {
    let found = found?;
    match found.len() {
        0 => None,
        1 => Some(MatchOutcome::Matched {
            id: found.iter().next()?.clone(),
            rule,
        }),
        _ => Some(MatchOutcome::Ambiguous {
            rule,
            candidates: found.iter().cloned().collect(),
        }),
    }
}

/// Per-rule counts and the names left unmatched, from matching a batch of records.
#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct MatchReport {
    /// Distinct names matched to a candidate, by rule. Names whose source carried a Hub id are
    /// not matched and not counted here: see `carried`.
    pub matched: BTreeMap<MatchRule, usize>,
    /// Distinct names whose source carried a Hub id (the leaderboard's `fullname`, RULER's
    /// `hf_id`), kept as given.
    pub carried: Carried,
    /// Distinct names with no match, sorted.
    pub unmatched: Vec<String>,
    /// Distinct names with several equally good candidates, sorted, with the candidates.
    pub ambiguous: Vec<(String, Vec<ModelId>)>,
}

/// Names whose source carried a Hub id: whether that id is one of the candidates.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Carried {
    /// The carried id is a candidate (with a snapshot store: a model the store has seen).
    pub among_candidates: usize,
    /// The carried id is not a candidate (with a snapshot store: no snapshot has held it).
    pub elsewhere: usize,
}

impl Carried {
    #[must_use]
    pub const fn total(self) -> usize {
        self.among_candidates + self.elsewhere
    }
}

/// Fills `hub_id` on records that have none, by [`Matcher::find`] on their `model`. Records whose
/// source already carries a Hub id keep it; the report counts them apart, by whether the id is
/// a candidate, so that a count of matches is never a count of ids the source merely stated.
pub fn match_records(records: &mut [crate::EvalRecord], matcher: &Matcher) -> MatchReport {
    let mut outcomes: BTreeMap<String, MatchOutcome> = BTreeMap::new();
    for record in records.iter() {
        if record.hub_id.is_none() && !outcomes.contains_key(&record.model) {
            outcomes.insert(record.model.clone(), matcher.find(&record.model));
        }
    }
    let mut report = MatchReport::default();
    let carried: BTreeMap<&str, &ModelId> = records
        .iter()
        .filter_map(|record| Some((record.model.as_str(), record.hub_id.as_ref()?)))
        .collect();
    for id in carried.values() {
        if matcher.contains(id) {
            report.carried.among_candidates += 1;
        } else {
            report.carried.elsewhere += 1;
        }
    }
    for (name, outcome) in &outcomes {
        match outcome {
            MatchOutcome::Matched { rule, .. } => *report.matched.entry(*rule).or_default() += 1,
            MatchOutcome::Ambiguous { candidates, .. } => {
                report.ambiguous.push((name.clone(), candidates.clone()));
            }
            MatchOutcome::Unmatched => report.unmatched.push(name.clone()),
        }
    }
    for record in records.iter_mut() {
        if record.hub_id.is_none()
            && let Some(MatchOutcome::Matched { id, .. }) = outcomes.get(&record.model)
        {
            record.hub_id = Some(id.clone());
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matcher() -> Matcher {
        Matcher::new(
            [
                "Qwen/Qwen3-235B-A22B-Instruct-2507",
                "Qwen/Qwen2.5-7B-Instruct",
                "meta-llama/Llama-4-Maverick-17B-128E-Instruct",
                "Alibaba-NLP/gte-Qwen2-7B-instruct",
                "google/gemma-3-27b-it",
                "unsloth/gemma-3-27b-it",
                "gpt2",
            ]
            .map(|id| ModelId::new(id).unwrap()),
        )
    }

    #[test]
    fn rules_in_order() {
        let matcher = matcher();
        let found = |id: &str, rule| MatchOutcome::Matched {
            id: ModelId::new(id).unwrap(),
            rule,
        };
        let cases = [
            ("gpt2", found("gpt2", MatchRule::Exact)),
            (
                "qwen/qwen2.5-7b-instruct",
                found("Qwen/Qwen2.5-7B-Instruct", MatchRule::Normalised),
            ),
            (
                "Qwen/Qwen2.5 7B_Instruct",
                found("Qwen/Qwen2.5-7B-Instruct", MatchRule::Normalised),
            ),
            (
                "alibaba/qwen3-235b-a22b-instruct-2507",
                found(
                    "Qwen/Qwen3-235B-A22B-Instruct-2507",
                    MatchRule::OrganizationAlias,
                ),
            ),
            (
                "gte-Qwen2-7B-instruct",
                found("Alibaba-NLP/gte-Qwen2-7B-instruct", MatchRule::BareName),
            ),
            // Dots are versions: never dropped.
            ("Qwen/Qwen25-7B-Instruct", MatchOutcome::Unmatched),
            // An unknown provider namespace is not an alias.
            ("acme/qwen2.5-7b-instruct", MatchOutcome::Unmatched),
            // The alias only reaches the aliased organization, not re-uploads.
            ("meta/gemma-3-27b-it", MatchOutcome::Unmatched),
            (
                "gemma-3-27b-it",
                MatchOutcome::Ambiguous {
                    rule: MatchRule::BareName,
                    candidates: vec![
                        ModelId::new("google/gemma-3-27b-it").unwrap(),
                        ModelId::new("unsloth/gemma-3-27b-it").unwrap(),
                    ],
                },
            ),
            ("GPT-4o", MatchOutcome::Unmatched),
        ];
        for (name, expected) in cases {
            assert_eq!(matcher.find(name), expected, "{name}");
        }
    }

    fn record(model: &str, hub_id: Option<&str>) -> crate::EvalRecord {
        crate::EvalRecord {
            matched: None,
            model: model.into(),
            hub_id: hub_id.map(|id| ModelId::new(id).unwrap()),
            benchmark: "GPQA".into(),
            metric: "score".into(),
            value: 1.0,
            setting: None,
            higher_is_better: true,
            source: "test".into(),
            date: None,
            format: "csv".into(),
        }
    }

    #[test]
    fn carried_ids_are_counted_apart_by_whether_they_are_candidates() {
        let mut records = [
            // Carried, and a candidate; twice (one name counts once).
            record("Qwen2.5-7B", Some("Qwen/Qwen2.5-7B-Instruct")),
            record("Qwen2.5-7B", Some("Qwen/Qwen2.5-7B-Instruct")),
            // Carried, not a candidate: kept as given, never counted as a match.
            record("somebody/model", Some("somebody/model")),
            record("gpt2", None),
            record("google/GEMMA-3-27b-it", None),
            record("GPT-4o", None),
        ];
        let report = match_records(&mut records, &matcher());
        assert_eq!(
            report.carried,
            Carried {
                among_candidates: 1,
                elsewhere: 1
            }
        );
        assert_eq!(
            report.matched,
            BTreeMap::from([(MatchRule::Exact, 1), (MatchRule::Normalised, 1)])
        );
        assert_eq!(report.unmatched, ["GPT-4o"]);
        assert_eq!(
            records[2].hub_id,
            Some(ModelId::new("somebody/model").unwrap())
        );
        assert_eq!(
            records[4].hub_id,
            Some(ModelId::new("google/gemma-3-27b-it").unwrap())
        );
    }

    #[test]
    fn normalisation() {
        let cases = [
            ("Qwen/Qwen2.5-7B", "qwen/qwen2.5-7b"),
            ("  a__b  c ", "a-b-c"),
            ("org/ -x-", "org/x"),
            ("org -/x", "org/x"),
        ];
        for (raw, expected) in cases {
            assert_eq!(normalise(raw), expected, "{raw}");
        }
    }

    proptest::proptest! {
        /// Matching never invents an id: a match is always one of the candidates, and an exact
        /// candidate id always matches itself.
        #[test]
        fn matches_are_candidates(names in proptest::collection::vec("[a-zA-Z0-9]{1,4}(/[a-zA-Z0-9._-]{1,6})?", 1..20), probe in "[a-zA-Z0-9/._ -]{1,10}") {
            let ids: Vec<ModelId> = names.iter().filter_map(|n| ModelId::new(n.clone()).ok()).collect();
            let matcher = Matcher::new(ids.clone());
            if let MatchOutcome::Matched { id, .. } = matcher.find(&probe) {
                proptest::prop_assert!(ids.contains(&id));
            }
            for id in &ids {
                proptest::prop_assert_eq!(matcher.find(id.as_str()), MatchOutcome::Matched { id: id.clone(), rule: MatchRule::Exact });
            }
        }
    }
}
