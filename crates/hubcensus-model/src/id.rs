//! Model ids, namespaces and keys (METHODS.md §1).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A malformed model id or namespace.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdError {
    #[error("empty model id")]
    Empty,
    #[error("model id {id:?} has more than one '/'")]
    TooManySlashes { id: String },
    #[error("model id {id:?} has an empty namespace or name")]
    EmptyPart { id: String },
    #[error("model id {id:?} contains a character the Hub does not allow ({character:?})")]
    BadCharacter { id: String, character: char },
    #[error("model id {id:?} is longer than 256 characters")]
    TooLong { id: String },
}

/// A Hub model id: `namespace/name`, or a legacy unnamespaced `name` (e.g. `gpt2`).
///
/// Validation is deliberately a little looser than the Hub's own rules (which have changed over
/// time) but rejects what can never be an id: empty parts, several slashes, whitespace, control
/// characters, and characters outside `[A-Za-z0-9._-]`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ModelId(String);

impl ModelId {
    pub fn new(id: impl Into<String>) -> Result<Self, IdError> {
        let id = id.into();
        if id.is_empty() {
            return Err(IdError::Empty);
        }
        if id.len() > 256 {
            return Err(IdError::TooLong { id });
        }
        let mut parts = id.split('/');
        let first = parts.next().unwrap_or_default();
        let second = parts.next();
        if parts.next().is_some() {
            return Err(IdError::TooManySlashes { id });
        }
        if first.is_empty() || second.is_some_and(str::is_empty) {
            return Err(IdError::EmptyPart { id });
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/');
        if !id.bytes().all(allowed) {
            let character = id
                .chars()
                .find(|&c| !(c.is_ascii() && allowed(c as u8)))
                .expect("a byte is not allowed");
            return Err(IdError::BadCharacter { id, character });
        }
        Ok(Self(id))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace (the part before `/`); `None` for a legacy unnamespaced id, which is
    /// reported as "legacy, unnamespaced" and never as its own author.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        self.0.split_once('/').map(|(namespace, _)| namespace)
    }

    /// The name (the part after `/`, or the whole legacy id).
    #[must_use]
    pub fn name(&self) -> &str {
        self.0.split_once('/').map_or(&self.0, |(_, name)| name)
    }

    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ModelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ModelId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::new(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

/// A Hub namespace: a user or organization account name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Namespace(String);

impl Namespace {
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Self(name.into())
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What identifies a model across snapshots: its `_id` (stable across renames) when the source
/// has it, else its `id` (METHODS.md §1).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum ModelKey {
    ObjectId(String),
    Id(ModelId),
}

impl ModelKey {
    /// The key of a record with the given `_id` (if any) and `id`.
    #[must_use]
    pub fn of(object_id: Option<&str>, id: &ModelId) -> Self {
        match object_id {
            Some(object_id) if !object_id.is_empty() => Self::ObjectId(object_id.to_owned()),
            _ => Self::Id(id.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_namespaces() {
        let id = ModelId::new("Qwen/Qwen3-8B").unwrap();
        assert_eq!(id.namespace(), Some("Qwen"));
        assert_eq!(id.name(), "Qwen3-8B");
        let legacy = ModelId::new("gpt2").unwrap();
        assert_eq!(legacy.namespace(), None);
        assert_eq!(legacy.name(), "gpt2");
    }

    #[test]
    fn malformed_ids_are_rejected_with_a_reason() {
        let cases = [
            ("", "empty model id"),
            ("a/b/c", "model id \"a/b/c\" has more than one '/'"),
            ("/x", "model id \"/x\" has an empty namespace or name"),
            ("x/", "model id \"x/\" has an empty namespace or name"),
            (
                "a/<script>",
                "model id \"a/<script>\" contains a character the Hub does not allow ('<')",
            ),
            (
                "a b/c",
                "model id \"a b/c\" contains a character the Hub does not allow (' ')",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(
                ModelId::new(input).unwrap_err().to_string(),
                message,
                "{input}"
            );
        }
    }

    #[test]
    fn key_prefers_object_id() {
        let id = ModelId::new("a/b").unwrap();
        assert_eq!(
            ModelKey::of(Some("65f0"), &id),
            ModelKey::ObjectId("65f0".into())
        );
        assert_eq!(ModelKey::of(Some(""), &id), ModelKey::Id(id.clone()));
        assert_eq!(ModelKey::of(None, &id), ModelKey::Id(id));
    }
}
