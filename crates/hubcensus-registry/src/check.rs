//! `registry check`: what a reviewer must fix before the registry can be trusted.

use std::collections::BTreeMap;
use std::fmt;

use hubcensus_model::ContributorType;

use crate::country::is_iso_alpha2;
use crate::registry::{NamespaceLink, Organization, Registry};

/// One problem in the registry, with where it is.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    DuplicateOrganization {
        id: String,
        files: Vec<String>,
    },
    /// The same namespace twice in one organization with overlapping dates, or in two
    /// organizations whose links overlap in time.
    OverlappingNamespace {
        namespace: String,
        organizations: Vec<String>,
    },
    UnknownCountry {
        organization: String,
        code: String,
    },
    UnknownContributorType {
        organization: String,
        text: String,
    },
    UnknownRole {
        organization: String,
        namespace: String,
        text: String,
    },
    UnknownParent {
        organization: String,
        parent: String,
    },
    ParentCycle {
        organization: String,
    },
    MissingSource {
        organization: String,
        fact: String,
    },
    /// `from` not before `to`.
    EmptyValidity {
        organization: String,
        namespace: String,
    },
    /// A `former` namespace without the date it ended.
    FormerWithoutEnd {
        organization: String,
        namespace: String,
    },
    NoNamespace {
        organization: String,
    },
    /// A multinational entry without the country of its legal home, or with no note.
    MultinationalWithoutNote {
        organization: String,
    },
    DuplicateLegacyId {
        id: String,
    },
    LegacyTargetUnknown {
        id: String,
        moved_to: String,
    },
    NoVersionDate,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateOrganization { id, files } => {
                write!(
                    f,
                    "organization id {id:?} is defined more than once (in {})",
                    files.join(", ")
                )
            }
            Self::OverlappingNamespace {
                namespace,
                organizations,
            } => write!(
                f,
                "namespace {namespace:?} is claimed by overlapping validity periods ({})",
                organizations.join(", ")
            ),
            Self::UnknownCountry { organization, code } => write!(
                f,
                "{organization}: country {code:?} is not an ISO 3166-1 alpha-2 code"
            ),
            Self::UnknownContributorType { organization, text } => write!(
                f,
                "{organization}: contributor type {text:?} is not one of industry, academic, nonprofit, government, community, individual"
            ),
            Self::UnknownRole {
                organization,
                namespace,
                text,
            } => write!(
                f,
                "{organization}: namespace {namespace:?} has role {text:?} (expected primary, alias or former)"
            ),
            Self::UnknownParent {
                organization,
                parent,
            } => {
                write!(
                    f,
                    "{organization}: parent {parent:?} is not an organization id in the registry"
                )
            }
            Self::ParentCycle { organization } => {
                write!(f, "{organization}: its parent chain loops back to itself")
            }
            Self::MissingSource { organization, fact } => {
                write!(f, "{organization}: {fact} has no source")
            }
            Self::EmptyValidity {
                organization,
                namespace,
            } => write!(
                f,
                "{organization}: namespace {namespace:?} has a validity period that ends before it starts"
            ),
            Self::FormerWithoutEnd {
                organization,
                namespace,
            } => write!(
                f,
                "{organization}: former namespace {namespace:?} has no `to` date"
            ),
            Self::NoNamespace { organization } => {
                write!(
                    f,
                    "{organization}: no Hub namespace and no child organization"
                )
            }
            Self::MultinationalWithoutNote { organization } => write!(
                f,
                "{organization}: multinational without a country (its legal home) and a note"
            ),
            Self::DuplicateLegacyId { id } => {
                write!(f, "legacy id {id:?} is listed more than once")
            }
            Self::LegacyTargetUnknown { id, moved_to } => write!(
                f,
                "legacy id {id:?} moved to namespace {moved_to:?}, which the registry does not know"
            ),
            Self::NoVersionDate => {
                f.write_str("no `[registry] updated = \"YYYY-MM-DD\"` in any registry file")
            }
        }
    }
}

fn overlaps(a: &NamespaceLink, b: &NamespaceLink) -> bool {
    let a_before_b = matches!((a.to, b.from), (Some(to), Some(from)) if to <= from);
    let b_before_a = matches!((b.to, a.from), (Some(to), Some(from)) if to <= from);
    !(a_before_b || b_before_a)
}

fn missing(value: Option<&String>) -> bool {
    value.is_none_or(|text| text.trim().is_empty())
}

impl Registry {
    /// Every problem in the registry, sorted. Empty means clean.
    #[must_use]
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        if self.updated.is_none() {
            problems.push(Problem::NoVersionDate);
        }
        let mut ids: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for organization in &self.organizations {
            ids.entry(&organization.id)
                .or_default()
                .push(&organization.file);
        }
        for (id, files) in ids {
            if files.len() > 1 {
                problems.push(Problem::DuplicateOrganization {
                    id: id.to_owned(),
                    files: files.into_iter().map(str::to_owned).collect(),
                });
            }
        }
        let has_children = |organization: &Organization| {
            self.organizations
                .iter()
                .any(|other| other.parent.as_deref() == Some(organization.id.as_str()))
        };
        for organization in &self.organizations {
            check_organization(
                self,
                organization,
                has_children(organization),
                &mut problems,
            );
        }
        // Namespaces claimed twice at the same time (case-insensitive, as the Hub's names).
        let mut claims: BTreeMap<String, Vec<(&Organization, &NamespaceLink)>> = BTreeMap::new();
        for organization in &self.organizations {
            for link in &organization.namespaces {
                claims
                    .entry(link.name.to_lowercase())
                    .or_default()
                    .push((organization, link));
            }
        }
        for (namespace, links) in claims {
            let mut clashing = Vec::new();
            for (position, (first_org, first)) in links.iter().enumerate() {
                for (second_org, second) in &links[position + 1..] {
                    if overlaps(first, second) {
                        clashing.push(first_org.id.clone());
                        clashing.push(second_org.id.clone());
                    }
                }
            }
            if !clashing.is_empty() {
                clashing.sort();
                clashing.dedup();
                problems.push(Problem::OverlappingNamespace {
                    namespace,
                    organizations: clashing,
                });
            }
        }
        let mut legacy_ids: BTreeMap<String, usize> = BTreeMap::new();
        for moved in &self.legacy {
            for id in &moved.ids {
                *legacy_ids.entry(id.to_lowercase()).or_default() += 1;
                if !self
                    .organizations
                    .iter()
                    .flat_map(|organization| &organization.namespaces)
                    .any(|link| link.name.eq_ignore_ascii_case(&moved.moved_to))
                {
                    problems.push(Problem::LegacyTargetUnknown {
                        id: id.clone(),
                        moved_to: moved.moved_to.clone(),
                    });
                }
            }
            if missing(moved.source.as_ref()) {
                problems.push(Problem::MissingSource {
                    organization: format!("legacy ids moved to {}", moved.moved_to),
                    fact: "the move".to_owned(),
                });
            }
        }
        for (id, count) in legacy_ids {
            if count > 1 {
                problems.push(Problem::DuplicateLegacyId { id });
            }
        }
        problems.sort();
        problems.dedup();
        problems
    }
}

fn check_organization(
    registry: &Registry,
    organization: &Organization,
    has_children: bool,
    problems: &mut Vec<Problem>,
) {
    let name = || organization.id.clone();
    if let Some(code) = &organization.country {
        if !is_iso_alpha2(code) {
            problems.push(Problem::UnknownCountry {
                organization: name(),
                code: code.clone(),
            });
        }
        if missing(organization.sources.country.as_ref()) {
            problems.push(Problem::MissingSource {
                organization: name(),
                fact: "country".to_owned(),
            });
        }
    }
    if organization.multinational
        && (organization.country.is_none() || missing(organization.note.as_ref()))
    {
        problems.push(Problem::MultinationalWithoutNote {
            organization: name(),
        });
    }
    if let Some(text) = &organization.contributor_text {
        match text.parse::<ContributorType>() {
            Ok(kind) if kind.is_classified() => {}
            _ => problems.push(Problem::UnknownContributorType {
                organization: name(),
                text: text.clone(),
            }),
        }
        if missing(organization.sources.contributor.as_ref()) {
            problems.push(Problem::MissingSource {
                organization: name(),
                fact: "contributor type".to_owned(),
            });
        }
    }
    if let Some(parent) = &organization.parent {
        if registry.organization(parent).is_none() {
            problems.push(Problem::UnknownParent {
                organization: name(),
                parent: parent.clone(),
            });
        } else if parent_loops(registry, organization) {
            problems.push(Problem::ParentCycle {
                organization: name(),
            });
        }
        if missing(organization.sources.parent.as_ref()) {
            problems.push(Problem::MissingSource {
                organization: name(),
                fact: "parent".to_owned(),
            });
        }
    }
    if organization.namespaces.is_empty() && !has_children {
        problems.push(Problem::NoNamespace {
            organization: name(),
        });
    }
    for link in &organization.namespaces {
        if link.role.is_none() {
            problems.push(Problem::UnknownRole {
                organization: name(),
                namespace: link.name.clone(),
                text: link.role_text.clone().unwrap_or_default(),
            });
        }
        if missing(link.source.as_ref()) {
            problems.push(Problem::MissingSource {
                organization: name(),
                fact: format!("namespace {:?}", link.name),
            });
        }
        if let (Some(from), Some(to)) = (link.from, link.to)
            && from >= to
        {
            problems.push(Problem::EmptyValidity {
                organization: name(),
                namespace: link.name.clone(),
            });
        }
        if link.role == Some(crate::NamespaceRole::Former) && link.to.is_none() {
            problems.push(Problem::FormerWithoutEnd {
                organization: name(),
                namespace: link.name.clone(),
            });
        }
    }
}

fn parent_loops(registry: &Registry, organization: &Organization) -> bool {
    let mut seen = vec![organization.id.as_str()];
    let mut current = organization;
    while let Some(parent) = current.parent.as_deref() {
        if seen.contains(&parent) {
            return true;
        }
        seen.push(parent);
        match registry.organization(parent) {
            Some(next) => current = next,
            None => return false,
        }
    }
    false
}
