//! Origin modes (METHODS.md §6): by uploader, and by lineage root (METHODS.md §5).
//!
//! The root is computed by the caller (analytics, or the store for `who`) and passed in as the
//! root model's namespace: this crate knows facts about namespaces, not the lineage graph.

use hubcensus_model::{Attribution, Timestamp};

use crate::{AccountKind, Registry};

/// The root of a model's lineage, as the caller found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root<'a> {
    /// The model has no parents: it is its own root.
    Itself,
    /// A single root model, uploaded by this namespace (`None`: a legacy unnamespaced id).
    Model { namespace: Option<&'a str> },
    /// A merge whose parents lead to different roots.
    Mixed,
    /// The lineage is not known (no snapshot, or a parent outside it).
    Unknown,
}

/// Why the lineage mode answered with the uploader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fallback {
    /// The model is its own root.
    OwnRoot,
    /// The lineage is not known.
    UnknownLineage,
    /// The root's author has no country.
    RootUnattributed,
}

/// The lineage-mode origin of a model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineageOrigin {
    /// The root's author's attribution.
    Root {
        namespace: Option<String>,
        attribution: Attribution,
    },
    /// The uploader's attribution, and why.
    Uploader {
        attribution: Attribution,
        reason: Fallback,
    },
    /// A merge of different roots: no single country.
    Mixed,
}

impl LineageOrigin {
    /// The country this mode gives (`None` for unattributed and for mixed).
    #[must_use]
    pub fn country(&self) -> Option<&str> {
        match self {
            Self::Root { attribution, .. } | Self::Uploader { attribution, .. } => {
                attribution.country.as_deref()
            }
            Self::Mixed => None,
        }
    }

    #[must_use]
    pub fn is_mixed(&self) -> bool {
        matches!(self, Self::Mixed)
    }
}

/// A model's origin in both modes, side by side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub uploader: Attribution,
    pub lineage: LineageOrigin,
}

impl Registry {
    /// Both origin modes of a model uploaded by `uploader` (`None`: legacy, unnamespaced) whose
    /// lineage root is `root`, with the account kinds `account` knows (METHODS.md §6: they apply
    /// to the root's author as to the uploader). The lineage mode takes the root author's country and falls back
    /// to the uploader when the model is its own root, the lineage is unknown, or the root's
    /// author is unattributed; a merge of different roots is mixed.
    #[must_use]
    pub fn origin(
        &self,
        uploader: Option<&str>,
        root: Root<'_>,
        at: Timestamp,
        account: impl Fn(&str) -> Option<AccountKind>,
    ) -> Origin {
        let uploader_attribution = uploader.map_or(
            Attribution {
                organization: None,
                country: None,
                contributor: None,
            },
            |namespace| self.attribute(namespace, at, account(namespace)),
        );
        let fallback = |reason| LineageOrigin::Uploader {
            attribution: uploader_attribution.clone(),
            reason,
        };
        let lineage = match root {
            Root::Itself => fallback(Fallback::OwnRoot),
            Root::Unknown => fallback(Fallback::UnknownLineage),
            Root::Mixed => LineageOrigin::Mixed,
            Root::Model { namespace } => {
                let attribution =
                    namespace.map(|namespace| self.attribute(namespace, at, account(namespace)));
                match attribution {
                    Some(attribution) if attribution.country.is_some() => LineageOrigin::Root {
                        namespace: namespace.map(str::to_owned),
                        attribution,
                    },
                    _ => fallback(Fallback::RootUnattributed),
                }
            }
        };
        Origin {
            uploader: uploader_attribution,
            lineage,
        }
    }
}
