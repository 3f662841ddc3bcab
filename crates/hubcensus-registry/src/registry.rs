//! The parsed registry and its answers: the attribution of a namespace at a time.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hubcensus_model::{Attribution, ContributorType, ModelId, Timestamp};
use sha2::{Digest, Sha256};

use crate::RegistryError;
use crate::file::{self, File};

/// The registry files compiled into the binary, in a fixed order (the version hash depends on
/// it). `registry.toml` carries the metadata.
const EMBEDDED: [(&str, &str); 7] = [
    (
        "registry.toml",
        include_str!("../../../registry/registry.toml"),
    ),
    ("us.toml", include_str!("../../../registry/us.toml")),
    ("china.toml", include_str!("../../../registry/china.toml")),
    ("europe.toml", include_str!("../../../registry/europe.toml")),
    ("other.toml", include_str!("../../../registry/other.toml")),
    (
        "individuals.toml",
        include_str!("../../../registry/individuals.toml"),
    ),
    ("legacy.toml", include_str!("../../../registry/legacy.toml")),
];

/// What kind of Hub account a namespace is, when known (from `hubcensus enrich`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccountKind {
    User,
    Organization,
}

/// How a namespace relates to its organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NamespaceRole {
    /// The organization's current namespace.
    Primary,
    /// A second namespace in use at the same time (e.g. a quantization or research hub).
    Alias,
    /// A namespace the organization renamed away from. Its ids keep resolving to the
    /// organization after `to` (the Hub redirects them), unless the name is taken again.
    Former,
}

impl NamespaceRole {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "primary",
            Self::Alias => "alias",
            Self::Former => "former",
        }
    }

    fn parse(text: Option<&str>) -> Option<Self> {
        match text {
            None | Some("primary") => Some(Self::Primary),
            Some("alias") => Some(Self::Alias),
            Some("former") => Some(Self::Former),
            Some(_) => None,
        }
    }
}

/// One namespace of an organization, with the dates it belonged to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamespaceLink {
    pub name: String,
    /// `None` when the file spells an unknown role (reported by `check`).
    pub role: Option<NamespaceRole>,
    pub role_text: Option<String>,
    /// Inclusive.
    pub from: Option<Timestamp>,
    /// Exclusive.
    pub to: Option<Timestamp>,
    pub source: Option<String>,
    pub note: Option<String>,
}

impl NamespaceLink {
    /// Whether the link holds at `at` (`from <= at < to`).
    #[must_use]
    pub fn holds_at(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|from| from <= at) && self.to.is_none_or(|to| at < to)
    }
}

/// The sources of an organization's facts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FactSources {
    pub country: Option<String>,
    pub contributor: Option<String>,
    pub parent: Option<String>,
}

/// One organization (or one individual) as the registry records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    /// A stable slug, unique in the registry (`alibaba`, `qwen`).
    pub id: String,
    /// The canonical display name.
    pub name: String,
    /// ISO 3166-1 alpha-2 as written (validated by `check`).
    pub country: Option<String>,
    /// Operates in several countries; `country` is its legal home.
    pub multinational: bool,
    /// The contributor type as written (validated by `check`).
    pub contributor_text: Option<String>,
    /// The `id` of the parent organization.
    pub parent: Option<String>,
    pub note: Option<String>,
    pub sources: FactSources,
    pub namespaces: Vec<NamespaceLink>,
    /// The registry file the entry is in.
    pub file: String,
}

impl Organization {
    /// The contributor type, when written and known.
    #[must_use]
    pub fn contributor(&self) -> Option<ContributorType> {
        self.contributor_text.as_deref()?.parse().ok()
    }
}

/// Legacy unnamespaced ids (`bert-base-uncased`) the Hub moved under a namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegacyMove {
    pub moved_to: String,
    pub ids: Vec<String>,
    pub source: Option<String>,
    pub file: String,
}

/// A fact with the organization it was taken from (itself or an ancestor).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fact<'a, T> {
    pub value: T,
    pub from: &'a Organization,
    pub source: Option<&'a str>,
}

/// What the registry knows about one namespace at one time, for `who`.
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub organization: &'a Organization,
    pub link: &'a NamespaceLink,
    /// Parent, grandparent, ... (cycle-safe; a cycle is a `check` problem).
    pub ancestors: Vec<&'a Organization>,
    pub country: Option<Fact<'a, &'a str>>,
    pub contributor: Option<Fact<'a, ContributorType>>,
}

/// The attribution registry: reviewed facts about Hub namespaces.
#[derive(Clone, Debug)]
pub struct Registry {
    pub(crate) organizations: Vec<Organization>,
    pub(crate) legacy: Vec<LegacyMove>,
    pub(crate) updated: Option<String>,
    pub(crate) files: Vec<String>,
    hash: String,
    /// Lower-cased namespace -> (organization, link) positions, in file order.
    index: BTreeMap<String, Vec<(usize, usize)>>,
    by_id: BTreeMap<String, usize>,
    legacy_index: BTreeMap<String, usize>,
}

impl Registry {
    /// The registry compiled into this binary. Its files are checked by the crate's tests, so a
    /// failure to parse here is a bug.
    #[must_use]
    pub fn embedded() -> &'static Self {
        static EMBEDDED_REGISTRY: OnceLock<Registry> = OnceLock::new();
        EMBEDDED_REGISTRY.get_or_init(|| {
            Self::parse_files(EMBEDDED).unwrap_or_else(|error| {
                panic!("bug: the embedded registry does not parse: {error}")
            })
        })
    }

    /// The embedded files' names and texts.
    #[must_use]
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        &EMBEDDED
    }

    /// Parses one registry file (named `registry.toml` for error messages).
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        Self::parse_files([("registry.toml", text)])
    }

    /// Parses several registry files, in order, as one registry.
    pub fn parse_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, RegistryError> {
        let mut hasher = Sha256::new();
        let mut organizations = Vec::new();
        let mut legacy = Vec::new();
        let mut updated = None;
        let mut names = Vec::new();
        for (name, text) in files {
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(text.as_bytes());
            hasher.update([0]);
            names.push(name.to_owned());
            let parsed: File = toml::from_str(text).map_err(|source| RegistryError::Syntax {
                file: name.to_owned(),
                source,
            })?;
            if let Some(meta) = parsed.registry {
                updated = Some(meta.updated);
            }
            for entry in parsed.organization {
                organizations.push(organization(name, entry)?);
            }
            for entry in parsed.legacy {
                legacy.push(LegacyMove {
                    moved_to: entry.moved_to,
                    ids: entry.ids,
                    source: entry.source,
                    file: name.to_owned(),
                });
            }
        }
        let digest = hasher.finalize();
        let hash = digest.iter().take(6).fold(String::new(), |mut hex, byte| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{byte:02x}");
            hex
        });
        let mut index: BTreeMap<String, Vec<(usize, usize)>> = BTreeMap::new();
        let mut by_id = BTreeMap::new();
        for (org_position, organization) in organizations.iter().enumerate() {
            by_id.entry(organization.id.clone()).or_insert(org_position);
            for (link_position, link) in organization.namespaces.iter().enumerate() {
                index
                    .entry(link.name.to_lowercase())
                    .or_default()
                    .push((org_position, link_position));
            }
        }
        let mut legacy_index = BTreeMap::new();
        for (position, moved) in legacy.iter().enumerate() {
            for id in &moved.ids {
                legacy_index.entry(id.to_lowercase()).or_insert(position);
            }
        }
        Ok(Self {
            organizations,
            legacy,
            updated,
            files: names,
            hash,
            index,
            by_id,
            legacy_index,
        })
    }

    /// The registry version recorded in reports: the date of its last reviewed change and a
    /// hash of its files' text (`2026-11-26+3f2a9c01d4e5`).
    #[must_use]
    pub fn version(&self) -> String {
        format!(
            "{}+{}",
            self.updated.as_deref().unwrap_or("undated"),
            self.hash
        )
    }

    /// The names of the files the registry was parsed from, in order.
    #[must_use]
    pub fn files(&self) -> &[String] {
        &self.files
    }

    #[must_use]
    pub fn organizations(&self) -> &[Organization] {
        &self.organizations
    }

    #[must_use]
    pub fn legacy_moves(&self) -> &[LegacyMove] {
        &self.legacy
    }

    /// The organization with this `id`.
    #[must_use]
    pub fn organization(&self, id: &str) -> Option<&Organization> {
        self.by_id
            .get(id)
            .map(|&position| &self.organizations[position])
    }

    /// The link of `namespace` that holds at `at` (case-insensitive, as Hub names are).
    /// When none holds, a `former` link that ended at or before `at` still answers (renamed
    /// namespaces redirect on the Hub); when several hold (a `check` problem), the first in
    /// file order answers.
    fn lookup(&self, namespace: &str, at: Timestamp) -> Option<(usize, usize)> {
        let candidates = with_lowercase(namespace, |lower| self.index.get(lower))?;
        let link = |&(org, link): &(usize, usize)| &self.organizations[org].namespaces[link];
        if let Some(found) = candidates.iter().find(|c| link(c).holds_at(at)) {
            return Some(*found);
        }
        candidates
            .iter()
            .filter(|c| {
                let link = link(c);
                link.role == Some(NamespaceRole::Former) && link.to.is_some_and(|to| to <= at)
            })
            .max_by_key(|c| link(c).to)
            .copied()
    }

    /// Whether any entry names `namespace` (at any time): the attribution of a namespace it
    /// does not name is the same at every time.
    #[must_use]
    pub fn names(&self, namespace: &str) -> bool {
        with_lowercase(namespace, |lower| self.index.contains_key(lower))
    }

    /// What the registry knows about `namespace` at `at`, with the sources of each fact.
    #[must_use]
    pub fn entry(&self, namespace: &str, at: Timestamp) -> Option<Entry<'_>> {
        let (org_position, link_position) = self.lookup(namespace, at)?;
        let organization = &self.organizations[org_position];
        let ancestors = self.ancestors(organization);
        let chain = || std::iter::once(organization).chain(ancestors.iter().copied());
        let country = chain().find_map(|from| {
            from.country.as_deref().map(|value| Fact {
                value,
                from,
                source: from.sources.country.as_deref(),
            })
        });
        let contributor = chain().find_map(|from| {
            from.contributor().map(|value| Fact {
                value,
                from,
                source: from.sources.contributor.as_deref(),
            })
        });
        Some(Entry {
            organization,
            link: &organization.namespaces[link_position],
            ancestors,
            country,
            contributor,
        })
    }

    /// Parent, grandparent, ... of `organization`; stops at an unknown id or a cycle.
    #[must_use]
    pub fn ancestors<'a>(&'a self, organization: &'a Organization) -> Vec<&'a Organization> {
        let mut chain: Vec<&Organization> = Vec::new();
        let mut current = organization;
        while let Some(parent) = current
            .parent
            .as_deref()
            .and_then(|id| self.organization(id))
        {
            if parent.id == organization.id || chain.iter().any(|seen| seen.id == parent.id) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        chain
    }

    /// The attribution of `namespace` at `at` (METHODS.md §6). A namespace the registry does
    /// not know is `individual` when the account is a user, `unclassified organization` when
    /// it is an organization, with no type when the account kind is unknown either; its
    /// country is unattributed. A known entry without a type (own or inherited) falls back to
    /// the same account rule. Country and type are inherited from the parent when the entry
    /// does not state them.
    #[must_use]
    pub fn attribute(
        &self,
        namespace: &str,
        at: Timestamp,
        account: Option<AccountKind>,
    ) -> Attribution {
        let fallback = account.map(|kind| match kind {
            AccountKind::User => ContributorType::Individual,
            AccountKind::Organization => ContributorType::UnclassifiedOrganization,
        });
        match self.entry(namespace, at) {
            Some(entry) => Attribution {
                organization: Some(entry.organization.name.clone()),
                country: entry.country.map(|fact| fact.value.to_owned()),
                contributor: entry.contributor.map(|fact| fact.value).or(fallback),
            },
            None => Attribution {
                organization: None,
                country: None,
                contributor: fallback,
            },
        }
    }

    /// The namespace a model id belongs to: its own, or for a legacy unnamespaced id the
    /// namespace the Hub moved it under (`gpt2` -> `openai-community`), if recorded.
    #[must_use]
    pub fn namespace_of<'a>(&'a self, id: &'a ModelId) -> Option<&'a str> {
        self.namespace_of_text(id.as_str())
    }

    /// [`Registry::namespace_of`] for a checked id given as text (a store's ids).
    #[must_use]
    pub fn namespace_of_text<'a>(&'a self, id: &'a str) -> Option<&'a str> {
        ModelId::namespace_of(id).or_else(|| {
            with_lowercase(id, |lower| self.legacy_index.get(lower))
                .map(|&position| self.legacy[position].moved_to.as_str())
        })
    }

    /// The legacy move that covers `id`, if any.
    #[must_use]
    pub fn legacy_move(&self, id: &str) -> Option<&LegacyMove> {
        with_lowercase(id, |lower| self.legacy_index.get(lower))
            .map(|&position| &self.legacy[position])
    }

    /// The attribution of a model by its uploader: its namespace, or for a legacy id the
    /// namespace it moved under. An unknown legacy id is unattributed with no type.
    #[must_use]
    pub fn attribute_model(
        &self,
        id: &ModelId,
        at: Timestamp,
        account: Option<AccountKind>,
    ) -> Attribution {
        match (id.namespace(), self.namespace_of(id)) {
            (Some(namespace), _) => self.attribute(namespace, at, account),
            (None, Some(namespace)) => self.attribute(namespace, at, None),
            (None, None) => Attribution {
                organization: None,
                country: None,
                contributor: None,
            },
        }
    }
}

fn parse_date(
    file: &str,
    organization: &str,
    text: Option<String>,
) -> Result<Option<Timestamp>, RegistryError> {
    text.map(|text| {
        Timestamp::parse(&text).map_err(|_| RegistryError::Date {
            file: file.to_owned(),
            organization: organization.to_owned(),
            text,
        })
    })
    .transpose()
}

fn organization(file: &str, entry: file::OrganizationEntry) -> Result<Organization, RegistryError> {
    let namespaces = entry
        .namespaces
        .into_iter()
        .map(|link| {
            Ok(NamespaceLink {
                role: NamespaceRole::parse(link.role.as_deref()),
                role_text: link.role,
                from: parse_date(file, &entry.id, link.from)?,
                to: parse_date(file, &entry.id, link.to)?,
                name: link.name,
                source: link.source,
                note: link.note,
            })
        })
        .collect::<Result<Vec<_>, RegistryError>>()?;
    Ok(Organization {
        id: entry.id,
        name: entry.name,
        country: entry.country,
        multinational: entry.multinational,
        contributor_text: entry.contributor,
        parent: entry.parent,
        note: entry.note,
        sources: FactSources {
            country: entry.sources.country,
            contributor: entry.sources.contributor,
            parent: entry.sources.parent,
        },
        namespaces,
        file: file.to_owned(),
    })
}

/// Calls `f` with `text` lower-cased as `str::to_lowercase` does it, without an allocation
/// for short ASCII text (every Hub namespace and id): a view attributes hundreds of thousands
/// of namespaces per run.
pub(crate) fn with_lowercase<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    let mut buffer = [0_u8; 128];
    match buffer.get_mut(..text.len()) {
        Some(lower) if text.is_ascii() => {
            lower.copy_from_slice(text.as_bytes());
            lower.make_ascii_lowercase();
            f(std::str::from_utf8(lower).expect("ASCII stays ASCII"))
        }
        _ => f(&text.to_lowercase()),
    }
}
