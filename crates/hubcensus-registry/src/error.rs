//! The registry crate's one error type.

/// A registry file that cannot be read as a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The TOML does not parse, or an entry lacks a required field.
    #[error("registry file {file}: invalid TOML or schema")]
    Syntax {
        file: String,
        #[source]
        source: toml::de::Error,
    },
    /// A date field that is not `YYYY-MM-DD` (or RFC 3339).
    #[error("registry file {file}: organization {organization:?}: invalid date {text:?}")]
    Date {
        file: String,
        organization: String,
        text: String,
    },
}
