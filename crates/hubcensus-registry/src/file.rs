//! The on-disk format of `registry/*.toml` (documented in docs/registry.md).
//!
//! Fields are kept as the text the reviewer wrote (codes as strings, dates as strings) so that
//! `registry check` can report an unknown code or a bad date as a problem with its location,
//! instead of the whole registry failing to load.

use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    /// Only in `registry.toml`: the registry's metadata.
    pub registry: Option<Meta>,
    #[serde(default)]
    pub organization: Vec<OrganizationEntry>,
    #[serde(default)]
    pub legacy: Vec<LegacyEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Meta {
    /// The date of the last reviewed change, `YYYY-MM-DD`.
    pub updated: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OrganizationEntry {
    pub id: String,
    pub name: String,
    pub country: Option<String>,
    #[serde(default)]
    pub multinational: bool,
    pub contributor: Option<String>,
    pub parent: Option<String>,
    pub note: Option<String>,
    #[serde(default)]
    pub sources: Sources,
    #[serde(default)]
    pub namespaces: Vec<NamespaceEntry>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Sources {
    pub country: Option<String>,
    pub contributor: Option<String>,
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NamespaceEntry {
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub source: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LegacyEntry {
    /// The namespace the legacy ids moved under.
    pub moved_to: String,
    pub ids: Vec<String>,
    pub source: Option<String>,
}
