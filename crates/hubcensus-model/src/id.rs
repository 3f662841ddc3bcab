//! Model ids, namespaces and keys (METHODS.md §1).

use std::fmt;
use std::sync::Arc;

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
        Self::check(&id)?;
        Ok(Self(id))
    }

    /// Checks `id` as [`ModelId::new`] does, without taking it (allocating only for an error).
    pub fn check(id: &str) -> Result<(), IdError> {
        Self::check_namespace(id).map(|_| ())
    }

    /// [`ModelId::check`], returning the namespace (`None` for a legacy id): one pass over
    /// the bytes (a store reads two million ids at a time).
    pub fn check_namespace(id: &str) -> Result<Option<&str>, IdError> {
        /// The bytes an id may hold besides `/`.
        const ALLOWED: [bool; 256] = {
            let mut table = [false; 256];
            let mut b = 0;
            while b < 256 {
                let c = b as u8;
                table[b] = c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.');
                b += 1;
            }
            table
        };
        let bytes = id.as_bytes();
        if bytes.is_empty() {
            return Err(IdError::Empty);
        }
        let owned = || id.to_owned();
        if bytes.len() > 256 {
            return Err(IdError::TooLong { id: owned() });
        }
        let (mut slashes, mut slash, mut bad) = (0, 0, false);
        for (position, &b) in bytes.iter().enumerate() {
            if b == b'/' {
                slashes += 1;
                slash = position;
            } else {
                bad |= !ALLOWED[b as usize];
            }
        }
        if slashes > 1 {
            return Err(IdError::TooManySlashes { id: owned() });
        }
        if slashes == 1 && (slash == 0 || slash + 1 == bytes.len()) {
            return Err(IdError::EmptyPart { id: owned() });
        }
        if bad {
            let character = id
                .chars()
                .find(|&c| c != '/' && !(c.is_ascii() && ALLOWED[c as usize]))
                .expect("a byte is not allowed");
            return Err(IdError::BadCharacter {
                id: owned(),
                character,
            });
        }
        Ok((slashes == 1).then(|| &id[..slash]))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The namespace (the part before `/`); `None` for a legacy unnamespaced id, which is
    /// reported as "legacy, unnamespaced" and never as its own author.
    #[must_use]
    pub fn namespace(&self) -> Option<&str> {
        Self::namespace_of(&self.0)
    }

    /// The namespace of a checked id given as text ([`ModelId::namespace`]).
    #[must_use]
    pub fn namespace_of(id: &str) -> Option<&str> {
        id.split_once('/').map(|(namespace, _)| namespace)
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

    /// The checks as first written (`split`, then every byte): the one-pass check must give the
    /// same verdict, error variant included.
    fn naive_check(id: &str) -> Result<Option<&str>, IdError> {
        if id.is_empty() {
            return Err(IdError::Empty);
        }
        let owned = || id.to_owned();
        if id.len() > 256 {
            return Err(IdError::TooLong { id: owned() });
        }
        let mut parts = id.split('/');
        let first = parts.next().unwrap_or_default();
        let second = parts.next();
        if parts.next().is_some() {
            return Err(IdError::TooManySlashes { id: owned() });
        }
        if first.is_empty() || second.is_some_and(str::is_empty) {
            return Err(IdError::EmptyPart { id: owned() });
        }
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/');
        if let Some(character) = id.chars().find(|&c| !(c.is_ascii() && allowed(c as u8))) {
            return Err(IdError::BadCharacter {
                id: owned(),
                character,
            });
        }
        Ok(second.map(|_| first))
    }

    proptest::proptest! {
        #[test]
        fn one_pass_check_matches_the_naive_one(id in "[a-c/._ \u{e9}\u{7}-]{0,8}|[a/]{250,260}") {
            proptest::prop_assert_eq!(ModelId::check_namespace(&id), naive_check(&id));
        }
    }

    #[test]
    fn ids_hold_checked_ids_in_one_buffer() {
        let mut builder = IdsBuilder::default();
        for id in ["a/x", "gpt2", "b/old"] {
            builder.push(id).unwrap();
        }
        // Checked as `ModelId::new` checks: nothing half added.
        assert!(matches!(
            builder.push("a b/x"),
            Err(IdError::BadCharacter { .. })
        ));
        assert_eq!(builder.push(""), Err(IdError::Empty));
        assert_eq!(builder.pop(), Some(ModelId::new("b/old").unwrap()));
        let mut other = IdsBuilder::default();
        other.push("b/new").unwrap();
        builder.extend(&other);
        let ids = builder.finish();
        assert_eq!(ids.len(), 3);
        assert_eq!(ids.iter().collect::<Vec<_>>(), ["a/x", "gpt2", "b/new"]);
        assert_eq!(&ids[2], "b/new");
        assert_eq!(ids.get(3), None);
        assert_eq!(ids.id(1), Some(ModelId::new("gpt2").unwrap()));
        assert_eq!(ModelId::namespace_of(&ids[1]), None);
        assert_eq!(ModelId::namespace_of(&ids[0]), Some("a"));
        let same: Ids = ["a/x", "gpt2", "b/new"]
            .iter()
            .map(|t| ModelId::new(*t).unwrap())
            .collect();
        assert_eq!(ids, same);
        assert_eq!(format!("{ids:?}"), "Ids(3 ids)");
    }

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

/// The ids of a store's dense indices, in one shared buffer: id `i` is `ids[i]` (a `str`
/// checked as a [`ModelId`]). Two million `ModelId`s are two million allocations to make, to
/// read back (a cache miss each) and to free; this is two. Cloning shares the buffers.
///
/// The buffers are the builder's own, behind an `Arc` (`Arc<str>` would copy 60 MB and fault in
/// as many fresh pages at 2 million ids: 65 ms on the critical path of every view).
#[allow(clippy::rc_buffer)] // taken over from the builder without a copy
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Ids {
    text: Arc<String>,
    /// Where each id ends in `text` (it starts where the previous one ends).
    ends: Arc<Vec<usize>>,
}

impl Ids {
    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Id `index`, or `None` past the end.
    #[must_use]
    pub fn get(&self, index: usize) -> Option<&str> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(&self.text[start..end])
    }

    /// Id `index` as a [`ModelId`] (an allocation: for the few ids a result names).
    #[must_use]
    pub fn id(&self, index: usize) -> Option<ModelId> {
        self.get(index).map(|text| ModelId(text.to_owned()))
    }

    /// The ids in index order.
    #[must_use]
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|index| &self[index])
    }

    /// The buffers: every id's text in index order, and where each id ends in it.
    #[must_use]
    pub fn parts(&self) -> (&str, &[usize]) {
        (&self.text, &self.ends)
    }

    /// Ids from buffers that [`Ids::parts`] gave for checked ids (a store's cache of them,
    /// verified by its checksum): the ids are not checked again as [`ModelId`]s, only the
    /// layout is: `None` unless `ends` rise (an id is never empty) to `text`'s length, each on
    /// a character boundary.
    #[must_use]
    pub fn from_parts(text: String, ends: Vec<usize>) -> Option<Self> {
        let mut start = 0;
        for &end in &ends {
            if end <= start || !text.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        if start != text.len() {
            return None;
        }
        Some(Self {
            text: Arc::new(text),
            ends: Arc::new(ends),
        })
    }
}

impl std::ops::Index<usize> for Ids {
    type Output = str;

    fn index(&self, index: usize) -> &str {
        self.get(index)
            .unwrap_or_else(|| panic!("id index {index} past {} ids", self.len()))
    }
}

impl fmt::Debug for Ids {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Ids({} ids)", self.len())
    }
}

/// Builds [`Ids`] one checked id at a time.
#[derive(Clone, Debug, Default)]
pub struct IdsBuilder {
    text: String,
    ends: Vec<usize>,
}

impl IdsBuilder {
    #[must_use]
    pub fn with_capacity(ids: usize, bytes: usize) -> Self {
        Self {
            text: String::with_capacity(bytes),
            ends: Vec::with_capacity(ids),
        }
    }

    #[must_use]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Adds `id`, checked as [`ModelId::new`] checks it, and returns its namespace.
    pub fn push<'a>(&mut self, id: &'a str) -> Result<Option<&'a str>, IdError> {
        let namespace = ModelId::check_namespace(id)?;
        self.text.push_str(id);
        self.ends.push(self.text.len());
        Ok(namespace)
    }

    /// Adds every id of `other` (already checked there), in order.
    pub fn extend(&mut self, other: &Self) {
        let offset = self.text.len();
        self.text.push_str(&other.text);
        self.ends.extend(other.ends.iter().map(|end| end + offset));
    }

    /// Removes the last id and returns it.
    pub fn pop(&mut self) -> Option<ModelId> {
        self.ends.pop()?;
        let start = self.ends.last().copied().unwrap_or(0);
        let id = self.text[start..].to_owned();
        self.text.truncate(start);
        Some(ModelId(id))
    }

    #[must_use]
    pub fn finish(self) -> Ids {
        Ids {
            text: Arc::new(self.text),
            ends: Arc::new(self.ends),
        }
    }
}

impl<'a> FromIterator<&'a ModelId> for Ids {
    fn from_iter<I: IntoIterator<Item = &'a ModelId>>(ids: I) -> Self {
        let mut builder = IdsBuilder::default();
        for id in ids {
            builder.text.push_str(id.as_str());
            builder.ends.push(builder.text.len());
        }
        builder.finish()
    }
}

impl FromIterator<ModelId> for Ids {
    fn from_iter<I: IntoIterator<Item = ModelId>>(ids: I) -> Self {
        let ids: Vec<ModelId> = ids.into_iter().collect();
        ids.iter().collect()
    }
}

impl From<Vec<ModelId>> for Ids {
    fn from(ids: Vec<ModelId>) -> Self {
        ids.iter().collect()
    }
}
