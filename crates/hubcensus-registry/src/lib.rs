//! hubcensus-registry: who made each model, from where, as what.
//!
//! The registry maps a Hub namespace to an organization, its country (ISO 3166-1 alpha-2), its
//! contributor type and its parent organization, each fact with a source and the dates the
//! namespace belonged to the organization (renames such as THUDM -> zai-org included). The
//! reviewed data lives in `registry/*.toml` at the repository root and is compiled into the
//! binary ([`Registry::embedded`]); its format and rules are in docs/registry.md.
//!
//! This crate answers (METHODS.md §6): the attribution of a namespace at a time with the
//! unknown rules applied ([`Registry::attribute`]), both origin modes ([`Registry::origin`]),
//! coverage of a population ([`Registry::coverage`]) and the registry's own problems
//! ([`Registry::check`]). It does no I/O besides parsing the text it is given and reads no
//! clock. The lineage origin takes the root's namespace from the caller (roots are computed by
//! analytics' lineage graph).

mod check;
mod country;
mod coverage;
mod error;
mod file;
mod origin;
mod registry;

pub use check::Problem;
pub use country::is_iso_alpha2;
pub use coverage::{Coverage, CoverageInput, Unattributed};
pub use error::RegistryError;
pub use origin::{Fallback, LineageOrigin, Origin, Root};
pub use registry::{
    AccountKind, Entry, Fact, FactSources, LegacyMove, NamespaceLink, NamespaceRole, Organization,
    Registry,
};
#[cfg(test)]
mod tests;
