//! The namespace of every model's current id as a dense code: the vocabulary a frame's
//! `author` codes start from (METHODS.md §1: the author is the id's namespace).
//!
//! Each key-dictionary generation records a code per row (`namespace_code`, numbering the
//! namespaces of its ids in order of first appearance), so a reader gets the codes of two
//! million ids by decoding one integer column instead of hashing two million strings (about
//! 0.4 s, measured, on the 2M demo store). For a generation written before the column existed,
//! [`NamespaceCodes::of_ids`] computes them.

use hubcensus_model::ModelId;

use crate::fxhash::FxHashMap;

/// No namespace: a legacy unnamespaced id.
pub(crate) const NO_NAMESPACE: u32 = u32::MAX;

/// Namespace codes of one dictionary generation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NamespaceCodes {
    /// Per dense index: the code of its current id's namespace, or [`NO_NAMESPACE`].
    pub of: Vec<u32>,
    /// The namespaces by code, in one buffer: code `c` is `text[ends[c - 1]..ends[c]]`.
    text: String,
    ends: Vec<usize>,
}

impl NamespaceCodes {
    /// Codes for `ids` (the current id of each dense index), numbered in index order.
    pub(crate) fn of_ids<'a>(ids: impl ExactSizeIterator<Item = &'a str>) -> Self {
        let mut codes = Self {
            of: Vec::with_capacity(ids.len()),
            ..Self::default()
        };
        let mut known: FxHashMap<&'a str, u32> = FxHashMap::default();
        for id in ids {
            let code = ModelId::namespace_of(id).map_or(NO_NAMESPACE, |namespace| {
                *known
                    .entry(namespace)
                    .or_insert_with(|| codes.push(namespace))
            });
            codes.of.push(code);
        }
        codes
    }

    /// Adds a namespace (the caller knows it is new) and returns its code.
    pub(crate) fn push(&mut self, namespace: &str) -> u32 {
        let code = u32::try_from(self.ends.len()).expect("fewer than 2^32 namespaces");
        self.text.push_str(namespace);
        self.ends.push(self.text.len());
        code
    }

    /// The number of namespaces.
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// The namespace of `code`.
    pub(crate) fn text(&self, code: u32) -> &str {
        let code = code as usize;
        let start = if code == 0 { 0 } else { self.ends[code - 1] };
        &self.text[start..self.ends[code]]
    }

    /// The namespace of dense index `index`'s current id (`None` for a legacy id or an index
    /// past the generation): compared with every row's author, so bytes, unchecked.
    #[inline]
    pub(crate) fn of_index(&self, index: usize) -> Option<&[u8]> {
        let code = *self.of.get(index)?;
        (code != NO_NAMESPACE).then(|| self.text(code).as_bytes())
    }

    /// A checksum of every code and namespace: what the frame cache keys `author` entries by
    /// (their codes say "the namespace of this model's current id").
    pub(crate) fn fingerprint(&self) -> String {
        let codes: Vec<u8> = self.of.iter().flat_map(|code| code.to_le_bytes()).collect();
        let ends: Vec<u8> = self
            .ends
            .iter()
            .flat_map(|end| (*end as u64).to_le_bytes())
            .collect();
        format!(
            "{:016x}{:016x}{:016x}:{}",
            crate::store::checksum(&codes),
            crate::store::checksum(self.text.as_bytes()),
            crate::store::checksum(&ends),
            self.of.len()
        )
    }

    /// Every namespace, by code.
    pub(crate) fn texts(&self) -> impl Iterator<Item = &str> {
        (0..self.len() as u32).map(|code| self.text(code))
    }

    /// The namespaces' buffers: their text and where each ends in it (for the ids cache).
    pub(crate) fn text_parts(&self) -> (&str, &[usize]) {
        (&self.text, &self.ends)
    }

    /// Codes from the parts [`NamespaceCodes::text_parts`] and `of` gave: `None` unless the
    /// namespaces end in order within `text` on character boundaries, and every code is a
    /// namespace's or [`NO_NAMESPACE`].
    pub(crate) fn from_parts(of: Vec<u32>, text: String, ends: Vec<usize>) -> Option<Self> {
        let mut start = 0;
        for &end in &ends {
            if end < start || !text.is_char_boundary(end) {
                return None;
            }
            start = end;
        }
        if start != text.len()
            || of
                .iter()
                .any(|&code| code != NO_NAMESPACE && code as usize >= ends.len())
        {
            return None;
        }
        Some(Self { of, text, ends })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_number_namespaces_in_index_order() {
        let ids: Vec<ModelId> = ["b/x", "gpt2", "a/y", "b/z", "a/w"]
            .iter()
            .map(|t| ModelId::new(*t).unwrap())
            .collect();
        let codes = NamespaceCodes::of_ids(ids.iter().map(ModelId::as_str));
        assert_eq!(codes.of, vec![0, NO_NAMESPACE, 1, 0, 1]);
        assert_eq!(codes.texts().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(codes.of_index(3), Some(&b"b"[..]));
        assert_eq!(codes.of_index(1), None);
        assert_eq!(codes.of_index(9), None);
    }
}
