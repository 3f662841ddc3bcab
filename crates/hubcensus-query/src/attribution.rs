//! The one attribution path (METHODS.md §6): every view, `who` included, attributes a model
//! through an [`Attributor`], built on the embedded registry and the account kinds that
//! `hubcensus enrich` recorded.
//!
//! The rules, in one place:
//! - a model's uploader is its author in the window's snapshot; a model with no author there (a
//!   legacy unnamespaced id, or a model absent from the snapshot) is attributed as the namespace
//!   of its latest known id, and a legacy id the registry records as moved (`gpt2` to
//!   `openai-community`) as the namespace it moved to; only unlisted legacy ids stay "legacy,
//!   unnamespaced";
//! - a root's author is found by the same rule, so a root deleted from the window's snapshot
//!   keeps its maker;
//! - in the lineage mode a model takes its root author's whole attribution when that author has
//!   a country, else its uploader's whole attribution; a merge of different roots is "mixed";
//! - account kinds apply everywhere: an unknown namespace is `individual` when the account is a
//!   user and `unclassified organization` when it is an organization.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use hubcensus_analytics::lineage::{LineageGraph, Root as GraphRoot};
use hubcensus_analytics::shares::{AttributionTable, EXTRA, WindowGroups};
use hubcensus_analytics::window::WindowDownloads;
use hubcensus_model::{Attribution, Catalog, Ids, SnapshotFrame, Timestamp};
use hubcensus_registry::{AccountKind, Origin, Registry, Root};
use hubcensus_store::snapshot_dir_name;

use crate::QueryError;

/// The folder `hubcensus enrich` writes its results for one snapshot to.
#[must_use]
pub fn enrich_dir(data_dir: &Path, as_of: Timestamp) -> PathBuf {
    data_dir.join("enrich").join(snapshot_dir_name(as_of))
}

/// The files named `name` (`models.jsonl`, `accounts.jsonl`) that `hubcensus enrich` wrote,
/// oldest snapshot first; none when no run wrote one. Read through the store's enrichment
/// manifests (`manifests/enrich/`, docs/store.md), which record each finished run's files;
/// then, for stores written before those manifests (or a run killed between its files and its
/// manifest), any `<data-dir>/enrich/as_of=<time>/<name>` no manifest records, in the same
/// time order (folder names are `as_of=<time>`: name order is time order).
pub fn enrich_files(data_dir: &Path, name: &str) -> Result<Vec<PathBuf>, QueryError> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if let Some(store) =
        hubcensus_store::Store::open_existing(data_dir).map_err(|source| QueryError::Store {
            context: format!("cannot open the store at {}", data_dir.display()),
            source,
        })?
    {
        let manifests = store.enrichments().map_err(|source| QueryError::Store {
            context: format!(
                "cannot read the enrichment manifests of {}",
                data_dir.display()
            ),
            source,
        })?;
        let key = name.strip_suffix(".jsonl").unwrap_or(name);
        for manifest in manifests {
            if let Some(entry) = manifest.files.get(key) {
                let order = snapshot_dir_name(manifest.snapshot_as_of);
                files.push((order, data_dir.join(&entry.path)));
            }
        }
    }
    let root = data_dir.join("enrich");
    let entries = match std::fs::read_dir(&root) {
        Ok(entries) => Some(entries),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => return Err(QueryError::Io { path: root, source }),
    };
    for entry in entries.into_iter().flatten().filter_map(Result::ok) {
        let path = entry.path().join(name);
        if path.is_file() && !files.iter().any(|(_, known)| known == &path) {
            files.push((entry.file_name().to_string_lossy().into_owned(), path));
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, path)| path).collect())
}

/// The account kinds `hubcensus enrich` recorded, over every snapshot it ran for: the newest
/// answer per name wins.
#[derive(Clone, Debug, Default)]
pub struct Accounts {
    /// Hashed: a run attributes every namespace of the store once (316,000 on the 2M demo
    /// store, where a `BTreeMap`'s string comparisons were a tenth of `windows`' CPU time).
    kinds: HashMap<String, AccountKind>,
}

impl Accounts {
    /// Reads `<data-dir>/enrich/*/accounts.jsonl` (lines `{"name": .., "kind": ..}`, kind
    /// `user`, `organization` or `unknown`). A torn or unreadable line is skipped, as enrich
    /// itself does; no folder is no account kinds.
    pub fn load(data_dir: &Path) -> Result<Self, QueryError> {
        #[derive(serde::Deserialize)]
        struct Line<'a> {
            #[serde(borrow)]
            name: std::borrow::Cow<'a, str>,
            #[serde(borrow)]
            kind: std::borrow::Cow<'a, str>,
        }
        let mut kinds = HashMap::new();
        for path in enrich_files(data_dir, "accounts.jsonl")? {
            let text =
                std::fs::read_to_string(&path).map_err(|source| QueryError::Io { path, source })?;
            for line in text.lines() {
                let Ok(line) = serde_json::from_str::<Line>(line) else {
                    continue;
                };
                let kind = match line.kind.as_ref() {
                    "user" => AccountKind::User,
                    "organization" => AccountKind::Organization,
                    _ => continue,
                };
                kinds.insert(line.name.into_owned(), kind);
            }
        }
        Ok(Self { kinds })
    }

    #[must_use]
    pub fn get(&self, namespace: &str) -> Option<AccountKind> {
        self.kinds.get(namespace).copied()
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    /// Every recorded account and its kind, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, AccountKind)> + '_ {
        let mut all: Vec<(&str, AccountKind)> = self
            .kinds
            .iter()
            .map(|(name, &kind)| (name.as_str(), kind))
            .collect();
        all.sort_unstable_by_key(|&(name, _)| name);
        all.into_iter()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.kinds.is_empty()
    }
}

/// The attribution of every namespace code of a catalog, and of the namespaces a view adds
/// (legacy moves, absent roots), at one time; kept across the windows of one run: a namespace
/// the registry does not name has the same attribution at every time, so only the named ones
/// (a few hundred of the hundreds of thousands) are redone per window, with their validity
/// dates.
pub struct Attributor<'a> {
    registry: &'static Registry,
    accounts: &'a Accounts,
    at: Option<Timestamp>,
    namespaces: Vec<Attribution>,
    named: Vec<usize>,
    extra_names: Vec<String>,
    extra_index: BTreeMap<String, u32>,
    extra: Vec<Attribution>,
    /// The key of each model asked for by [`Attributor::fallback_key`].
    fallback: BTreeMap<u32, Option<u32>>,
    /// Every namespace the registry names, lowercased as its index is: hashed, so that each of
    /// hundreds of thousands of namespaces is one lookup (`Registry::names` walks a
    /// `BTreeMap` of strings).
    registry_names: HashSet<String>,
}

const NOTHING_KNOWN: Attribution = Attribution {
    organization: None,
    country: None,
    contributor: None,
};

impl<'a> Attributor<'a> {
    #[must_use]
    pub fn new(accounts: &'a Accounts) -> Self {
        let registry = Registry::embedded();
        Self {
            registry,
            registry_names: registry
                .organizations()
                .iter()
                .flat_map(|organization| &organization.namespaces)
                .map(|link| link.name.to_lowercase())
                .collect(),
            accounts,
            at: None,
            namespaces: Vec::new(),
            named: Vec::new(),
            extra_names: Vec::new(),
            extra_index: BTreeMap::new(),
            extra: Vec::new(),
            fallback: BTreeMap::new(),
        }
    }

    #[must_use]
    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    #[must_use]
    pub fn accounts(&self) -> &'a Accounts {
        self.accounts
    }

    /// The attribution of `namespace` at `at`, account kinds applied.
    #[must_use]
    pub fn attribute(&self, namespace: &str, at: Timestamp) -> Attribution {
        self.registry
            .attribute(namespace, at, self.accounts.get(namespace))
    }

    /// Brings the table up to `catalog` (which only grows) at `at`.
    pub fn update(&mut self, catalog: &Catalog, at: Timestamp) {
        if self.at != Some(at) {
            for &code in &self.named {
                self.namespaces[code] = self.attribute(&catalog.namespaces[code], at);
            }
            for (index, name) in self.extra_names.iter().enumerate() {
                self.extra[index] = self.registry.attribute(name, at, self.accounts.get(name));
            }
            self.at = Some(at);
        }
        // A namespace the registry does not name has no entry at any time, so its attribution
        // is the registry's answer for no entry and its account kind: asked once per kind (the
        // empty name is named by no entry), not once for each of hundreds of thousands.
        let unnamed = |kind| self.registry.attribute("", at, Some(kind));
        let (user, organization) = (
            unnamed(AccountKind::User),
            unnamed(AccountKind::Organization),
        );
        self.namespaces.reserve(catalog.namespaces.len());
        for code in self.namespaces.len()..catalog.namespaces.len() {
            let namespace = &catalog.namespaces[code];
            let attribution = if self.registry_names(namespace) {
                self.named.push(code);
                self.attribute(namespace, at)
            } else {
                match self.accounts.get(namespace) {
                    Some(AccountKind::User) => user.clone(),
                    Some(AccountKind::Organization) => organization.clone(),
                    None => NOTHING_KNOWN,
                }
            };
            self.namespaces.push(attribution);
        }
    }

    /// Whether the registry names `namespace` ([`Registry::names`], case-insensitively).
    fn registry_names(&self, namespace: &str) -> bool {
        if namespace
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            self.registry_names.contains(namespace)
        } else {
            self.registry_names.contains(&namespace.to_lowercase())
        }
    }

    /// The table the window's shares read.
    #[must_use]
    pub fn table(&self) -> AttributionTable<'_> {
        AttributionTable {
            namespaces: &self.namespaces,
            extra: &self.extra,
        }
    }

    /// The key of `model` when it has no author in the window's snapshot (see
    /// [`WindowGroups::new`]), added to the table's extra namespaces on first use.
    pub fn fallback_key(&mut self, ids: &Ids, model: usize) -> Option<u32> {
        if let Some(&key) = self.fallback.get(&(model as u32)) {
            return key;
        }
        let key = ids
            .get(model)
            .and_then(|id| self.registry.namespace_of_text(id))
            .map(|namespace| {
                if let Some(&key) = self.extra_index.get(namespace) {
                    return key;
                }
                let key = EXTRA + self.extra.len() as u32;
                let attribution = self.at.map_or(NOTHING_KNOWN, |at| {
                    self.registry
                        .attribute(namespace, at, self.accounts.get(namespace))
                });
                self.extra.push(attribution);
                self.extra_names.push(namespace.to_owned());
                self.extra_index.insert(namespace.to_owned(), key);
                key
            });
        self.fallback.insert(model as u32, key);
        key
    }

    /// The window's sums by attribution key (call [`Attributor::update`] for the window first).
    pub fn groups<'w>(
        &mut self,
        window: &'w WindowDownloads,
        end: &SnapshotFrame,
        graph: Option<&LineageGraph>,
        ids: &Ids,
    ) -> WindowGroups<'w> {
        WindowGroups::new(window, end, graph, |model| self.fallback_key(ids, model))
    }

    /// The namespace `model` is attributed as at `end` (its author there, else by its latest
    /// id); `None` for a legacy id the registry does not list.
    #[must_use]
    pub fn uploader<'c>(
        &self,
        catalog: &'c Catalog,
        end: &SnapshotFrame,
        model: usize,
    ) -> Option<&'c str> {
        match end.author.get(model) {
            Some(code) if end.present.get(model).copied().unwrap_or(false) => {
                catalog.namespaces.get(code as usize).map(String::as_str)
            }
            _ => catalog
                .ids
                .get(model)
                .and_then(|id| self.registry.namespace_of_text(id)),
        }
    }

    /// Both origin modes of one model at `end`, attributed at `at` (the same rules as the
    /// window's shares): the answer of `who`, and of every table that names models.
    #[must_use]
    pub fn origin(
        &self,
        catalog: &Catalog,
        end: &SnapshotFrame,
        graph: Option<&LineageGraph>,
        model: usize,
        at: Timestamp,
    ) -> Origin {
        let root = match graph.map(|graph| graph.root(model)) {
            None => Root::Unknown,
            Some(GraphRoot::Mixed) => Root::Mixed,
            Some(GraphRoot::Model(root)) if root as usize == model => Root::Itself,
            Some(GraphRoot::Model(root)) => Root::Model {
                namespace: self.uploader(catalog, end, root as usize),
            },
        };
        self.registry
            .origin(self.uploader(catalog, end, model), root, at, |namespace| {
                self.accounts.get(namespace)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_agree_with_the_registry_whatever_the_case() {
        let accounts = Accounts::default();
        let attributor = Attributor::new(&accounts);
        let registry = Registry::embedded();
        let mut names: Vec<String> = registry
            .organizations()
            .iter()
            .flat_map(|organization| &organization.namespaces)
            .flat_map(|link| {
                [
                    link.name.clone(),
                    link.name.to_uppercase(),
                    format!("{}x", link.name),
                    link.name[1..].to_owned(),
                ]
            })
            .collect();
        names.extend(["", "demo-user-1", "Ünïcode", "meta-LLAMA"].map(str::to_owned));
        assert!(names.len() > 100);
        let mut registered = 0;
        for name in &names {
            assert_eq!(
                attributor.registry_names(name),
                registry.names(name),
                "{name}"
            );
            registered += usize::from(registry.names(name));
        }
        assert!(registered > 50, "the registry names its own namespaces");
    }
}
