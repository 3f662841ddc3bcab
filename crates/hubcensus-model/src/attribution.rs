//! Who made a model, from where, as what (METHODS.md §6): the vocabulary shared by the registry
//! (which answers it) and analytics (which groups by it).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A world region as the reports group countries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Region {
    #[serde(rename = "US")]
    Us,
    China,
    /// EU member states plus UK, CH, NO, IS, LI.
    Europe,
    Other,
}

impl Region {
    pub const ALL: [Self; 4] = [Self::Us, Self::China, Self::Europe, Self::Other];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Us => "US",
            Self::China => "China",
            Self::Europe => "Europe",
            Self::Other => "Other",
        }
    }

    /// The region of an ISO 3166-1 alpha-2 code (upper case).
    #[must_use]
    pub fn of_country(code: &str) -> Self {
        const EUROPE: [&str; 32] = [
            "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
            "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "GB",
            "CH", "NO", "IS", "LI",
        ];
        match code {
            "US" => Self::Us,
            "CN" => Self::China,
            _ if EUROPE.contains(&code) => Self::Europe,
            _ => Self::Other,
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of contributor behind a namespace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContributorType {
    Industry,
    Academic,
    Nonprofit,
    Government,
    Community,
    Individual,
    /// An organization account the registry does not know (METHODS.md §6).
    UnclassifiedOrganization,
}

impl ContributorType {
    pub const ALL: [Self; 7] = [
        Self::Industry,
        Self::Academic,
        Self::Nonprofit,
        Self::Government,
        Self::Community,
        Self::Individual,
        Self::UnclassifiedOrganization,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Industry => "industry",
            Self::Academic => "academic",
            Self::Nonprofit => "nonprofit",
            Self::Government => "government",
            Self::Community => "community",
            Self::Individual => "individual",
            Self::UnclassifiedOrganization => "unclassified organization",
        }
    }

    /// Whether this is a known type (counts toward type coverage).
    #[must_use]
    pub const fn is_classified(self) -> bool {
        !matches!(self, Self::UnclassifiedOrganization)
    }
}

impl fmt::Display for ContributorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ContributorType {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text || (text == "unclassified" && !kind.is_classified()))
            .ok_or_else(|| format!("unknown contributor type {text:?}"))
    }
}

/// The attribution of one namespace at one time. `country == None` is the "unattributed"
/// bucket, which stays in every denominator; `contributor` is always answered (an unknown
/// user is `Individual`, an unknown organization `UnclassifiedOrganization`, and where the
/// account kind is not known either, `None`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Attribution {
    /// Canonical organization name, when the registry knows the namespace.
    pub organization: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
    pub contributor: Option<ContributorType>,
}

impl Attribution {
    #[must_use]
    pub fn region(&self) -> Option<Region> {
        self.country.as_deref().map(Region::of_country)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        let cases = [
            ("US", Region::Us),
            ("CN", Region::China),
            ("FR", Region::Europe),
            ("GB", Region::Europe),
            ("CH", Region::Europe),
            ("JP", Region::Other),
            ("AE", Region::Other),
        ];
        for (code, region) in cases {
            assert_eq!(Region::of_country(code), region, "{code}");
        }
    }

    #[test]
    fn contributor_types_round_trip() {
        for kind in ContributorType::ALL {
            assert_eq!(kind.as_str().parse::<ContributorType>(), Ok(kind));
        }
    }
}
