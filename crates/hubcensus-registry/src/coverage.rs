//! How much of a population the registry attributes (METHODS.md §6, "Coverage").

use std::collections::BTreeMap;

use hubcensus_model::Timestamp;

use crate::{AccountKind, Registry};

/// One model of the population: its uploader's namespace (`None` for a legacy unnamespaced id
/// the registry cannot place), the account kind if known, and its downloads in the measure the
/// caller chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoverageInput<'a> {
    pub namespace: Option<&'a str>,
    pub account: Option<AccountKind>,
    pub downloads: u64,
}

/// A namespace without a country, for the registry's to-do list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unattributed {
    /// `None`: legacy, unnamespaced ids.
    pub namespace: Option<String>,
    pub downloads: u64,
    pub models: u64,
    /// Whether it still has a contributor type (e.g. an individual with no stated country).
    pub has_type: bool,
}

/// Coverage of one population. Shares are `None` when the denominator is zero.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub models: u64,
    pub downloads: u64,
    pub models_with_country: u64,
    pub models_with_type: u64,
    pub downloads_with_country: u64,
    pub downloads_with_type: u64,
    /// Namespaces without a country, by downloads (descending), then namespace (ascending,
    /// legacy last); at most the `top` asked for.
    pub top_unattributed: Vec<Unattributed>,
    /// How many namespaces (legacy counted as one) have no country, before truncation.
    pub unattributed_namespaces: u64,
}

fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

impl Coverage {
    #[must_use]
    pub fn downloads_share_with_country(&self) -> Option<f64> {
        share(self.downloads_with_country, self.downloads)
    }
    #[must_use]
    pub fn downloads_share_with_type(&self) -> Option<f64> {
        share(self.downloads_with_type, self.downloads)
    }
    #[must_use]
    pub fn models_share_with_country(&self) -> Option<f64> {
        share(self.models_with_country, self.models)
    }
    #[must_use]
    pub fn models_share_with_type(&self) -> Option<f64> {
        share(self.models_with_type, self.models)
    }
}

/// (namespace, account kind) -> (has a country, has a type).
type Seen<'n> = BTreeMap<(Option<&'n str>, Option<AccountKind>), (bool, bool)>;

impl Registry {
    /// Coverage of a population at `at`: a model has a country (a type) when its uploader's
    /// attribution has one. `top` bounds `top_unattributed`. A classified type counts; the
    /// `unclassified organization` bucket does not.
    #[must_use]
    pub fn coverage<'a>(
        &self,
        at: Timestamp,
        population: impl IntoIterator<Item = CoverageInput<'a>>,
        top: usize,
    ) -> Coverage {
        let mut coverage = Coverage {
            models: 0,
            downloads: 0,
            models_with_country: 0,
            models_with_type: 0,
            downloads_with_country: 0,
            downloads_with_type: 0,
            top_unattributed: Vec::new(),
            unattributed_namespaces: 0,
        };
        // Attribution is per namespace: resolve each once.
        let mut resolved: Seen<'_> = BTreeMap::new();
        let mut gaps: BTreeMap<Option<&str>, (u64, u64, bool)> = BTreeMap::new();
        for model in population {
            let (has_country, has_type) = *resolved
                .entry((model.namespace, model.account))
                .or_insert_with(|| match model.namespace {
                    Some(namespace) => {
                        let attribution = self.attribute(namespace, at, model.account);
                        (
                            attribution.country.is_some(),
                            attribution
                                .contributor
                                .is_some_and(hubcensus_model::ContributorType::is_classified),
                        )
                    }
                    None => (false, false),
                });
            coverage.models += 1;
            coverage.downloads += model.downloads;
            if has_country {
                coverage.models_with_country += 1;
                coverage.downloads_with_country += model.downloads;
            } else {
                let gap = gaps.entry(model.namespace).or_insert((0, 0, has_type));
                gap.0 += model.downloads;
                gap.1 += 1;
                gap.2 |= has_type;
            }
            if has_type {
                coverage.models_with_type += 1;
                coverage.downloads_with_type += model.downloads;
            }
        }
        coverage.unattributed_namespaces = gaps.len() as u64;
        let mut gaps: Vec<Unattributed> = gaps
            .into_iter()
            .map(|(namespace, (downloads, models, has_type))| Unattributed {
                namespace: namespace.map(str::to_owned),
                downloads,
                models,
                has_type,
            })
            .collect();
        gaps.sort_by(|a, b| {
            b.downloads
                .cmp(&a.downloads)
                .then_with(|| match (&a.namespace, &b.namespace) {
                    (Some(x), Some(y)) => x.cmp(y),
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, None) => std::cmp::Ordering::Equal,
                })
        });
        gaps.truncate(top);
        coverage.top_unattributed = gaps;
        coverage
    }
}
