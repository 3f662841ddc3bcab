//! The frame cache: a derived, rebuildable copy of decoded frame columns under
//! `<data>/cache/frames/`, so a frame the store has decoded once is read back as fixed-width
//! arrays (one read per column) instead of being decoded from Parquet again.
//!
//! The Parquet files stay the source of truth: an entry is named and keyed by the snapshot's
//! `models.parquet` sha256 from its manifest (and, for `author`, whose codes refer to the
//! namespaces of the store's current ids, by a checksum of those namespace codes as read and
//! the store's length), so a replaced snapshot or a newer dictionary never meets an old entry. Every entry
//! carries its key and a checksum over its contents; an entry that is missing, of another key,
//! truncated or damaged is ignored, the column decoded from Parquet, and the entry written
//! again. Entries are written to a temporary file, synced, then renamed: a crash leaves the old
//! entry or the new one, never a torn one (and the checksum would catch one anyway). Writing is
//! best effort: a read-only data directory only means no cache. `HUBCENSUS_CACHE=off` bypasses
//! it (nothing read, nothing written).
//!
//! An entry: `HCFRAME1`, the checksum (u64) of everything after it, then the key (u32 length,
//! bytes), the value width in bytes (u32), the number of values (u64), the values
//! (little-endian), and for a coded column its frame-local strings (u32 count, then u32 length
//! and bytes each).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use hubcensus_model::{Column, FrameColumns, Packed, Timestamp};

use crate::layout::Committed;

const MAGIC: &[u8; 8] = b"HCFRAME1";

/// The environment variable that turns the cache off (`off`, `0` or `no`).
pub const CACHE_ENV: &str = "HUBCENSUS_CACHE";

/// The cache directory of the store at `root`.
#[must_use]
pub fn cache_dir(root: &Path) -> PathBuf {
    root.join("cache").join("frames")
}

/// Whether the environment turns the cache off.
pub(super) fn disabled_by_env() -> bool {
    std::env::var(CACHE_ENV).is_ok_and(|value| {
        matches!(
            value.to_ascii_lowercase().as_str(),
            "off" | "0" | "no" | "false"
        )
    })
}

/// What an entry holds: one column of one snapshot (or the snapshot's presence).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    Present,
    Column(FrameColumns),
    /// The snapshot's lineage resolved to dense indices (`Store::lineage_with`) over this many
    /// indices, with or without the tag mentions: like `author`, keyed by the dictionary too
    /// (names resolve through the store's ids).
    Lineage {
        len: usize,
        mentions: bool,
    },
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Column(column) => column.names().next().unwrap_or("unknown"),
            Self::Lineage {
                mentions: false, ..
            } => "lineage",
            Self::Lineage { mentions: true, .. } => "lineage_mentions",
        }
    }

    /// Whether the entry depends on the store's dictionary (its ids' namespaces or names).
    fn by_dictionary(self) -> bool {
        matches!(self, Self::Column(column) if column == FrameColumns::AUTHOR)
            || matches!(self, Self::Lineage { .. })
    }
}

/// Where one snapshot's entries live and what they are keyed by.
pub(super) struct SnapshotKey {
    dir: PathBuf,
    /// The models file's sha256 (from the manifest) and size.
    models: String,
    /// The namespaces the author codes refer to: a checksum of the codes of the store's ids as
    /// read, and the store's length.
    dictionary: String,
    /// Values per entry: the snapshot's dictionary length.
    pub count: usize,
}

impl SnapshotKey {
    /// The key of `committed`'s entries in the store at `root` of `len` keys, whose current ids'
    /// namespace codes have the fingerprint `namespaces`. `None` when the manifest records no
    /// sha256 of its models file (then nothing is cached).
    pub(super) fn of(
        root: &Path,
        committed: &Committed,
        namespaces: &str,
        len: usize,
    ) -> Option<Self> {
        let models = committed.manifest.files.get("models")?;
        if models.sha256.len() < 16 || !models.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let count = usize::try_from(committed.manifest.dictionary_len).ok()?;
        Some(Self {
            dir: cache_dir(root),
            models: format!("{}:{}", models.sha256, models.bytes),
            dictionary: format!("{namespaces}:{len}"),
            count,
        })
    }

    fn key(&self, part: Part) -> String {
        let mut key = format!("{}|{}|{}", part.name(), self.models, self.count);
        if part.by_dictionary() {
            key.push('|');
            key.push_str(&self.dictionary);
        }
        if let Part::Lineage { len, .. } = part {
            key.push('|');
            key.push_str(&len.to_string());
        }
        key
    }

    fn path(&self, part: Part) -> PathBuf {
        let sha = &self.models[..self.models.find(':').unwrap_or(self.models.len())];
        let mut name = format!("{}-{}", &sha[..sha.len().min(40)], part.name());
        if part.by_dictionary() {
            // The dictionary's own hash: a newer dictionary does not overwrite (and race with) an
            // entry another reader of the older one still uses.
            name = format!("{name}-{:016x}", checksum(self.dictionary.as_bytes()));
        }
        name.push_str(".bin");
        self.dir.join(name)
    }

    /// The file-name prefix every entry of this snapshot starts with.
    fn prefix(&self) -> &str {
        let sha = &self.models[..self.models.find(':').unwrap_or(self.models.len())];
        &sha[..sha.len().min(40)]
    }
}

/// One entry read back and checked: its values' bytes and, for a coded column, its strings.
pub(super) struct Entry {
    bytes: Vec<u8>,
    values: std::ops::Range<usize>,
    pub strings: Vec<String>,
}

impl Entry {
    fn values(&self) -> &[u8] {
        &self.bytes[self.values.clone()]
    }

    /// Gives the entry's buffer back for the next read.
    pub(super) fn recycle(self) {
        BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            if self.bytes.capacity() > buffer.capacity() {
                *buffer = self.bytes;
            }
        });
    }
}

thread_local! {
    /// The buffer entries are read into, kept per thread: a fresh 16 MB buffer per entry cost
    /// as much in page faults as the read.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads the entry of `part` if it exists, has `key`'s key and width and is intact.
pub(super) fn read(key: &SnapshotKey, part: Part, width: usize) -> Option<Entry> {
    use std::io::Read;
    let mut bytes = BUFFER.with(|buffer| std::mem::take(&mut *buffer.borrow_mut()));
    bytes.clear();
    let read = fs::File::open(key.path(part)).and_then(|mut file| {
        let size = file.metadata().map_or(0, |m| m.len() as usize);
        bytes.reserve(size.saturating_add(1));
        file.read_to_end(&mut bytes)
    });
    if read.is_err() {
        return None;
    }
    parse(bytes, &key.key(part), width, key.count)
}

/// [`read`] for an entry of any number of values.
fn read_any(key: &SnapshotKey, part: Part, width: usize) -> Option<Entry> {
    use std::io::Read;
    let mut bytes = Vec::new();
    fs::File::open(key.path(part))
        .and_then(|mut file| file.read_to_end(&mut bytes))
        .ok()?;
    parse_counted(bytes, &key.key(part), width, None)
}

fn parse(bytes: Vec<u8>, expected_key: &str, width: usize, count: usize) -> Option<Entry> {
    parse_counted(bytes, expected_key, width, Some(count))
}

/// Parses an entry of `count` values (any number for `None`).
fn parse_counted(
    bytes: Vec<u8>,
    expected_key: &str,
    width: usize,
    count: Option<usize>,
) -> Option<Entry> {
    let mut reader = Reader {
        bytes: &bytes,
        at: 0,
    };
    if reader.take(8)? != MAGIC {
        return None;
    }
    let sum = reader.u64()?;
    if checksum(&bytes[16..]) != sum {
        return None;
    }
    let key_len = reader.u32()? as usize;
    if reader.take(key_len)? != expected_key.as_bytes() {
        return None;
    }
    if reader.u32()? as usize != width {
        return None;
    }
    let stored = usize::try_from(reader.u64()?).ok()?;
    if count.is_some_and(|count| count != stored) {
        return None;
    }
    let count = stored;
    let start = reader.at;
    reader.take(count.checked_mul(width)?)?;
    let values = start..reader.at;
    let mut strings = Vec::new();
    if reader.at < bytes.len() {
        let n = reader.u32()? as usize;
        strings.reserve(n.min(bytes.len()));
        for _ in 0..n {
            let len = reader.u32()? as usize;
            strings.push(String::from_utf8(reader.take(len)?.to_vec()).ok()?);
        }
    }
    if reader.at != bytes.len() {
        return None;
    }
    Some(Entry {
        bytes,
        values,
        strings,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.at.checked_add(n)?;
        let slice = self.bytes.get(self.at..end)?;
        self.at = end;
        Some(slice)
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// Writes the entry of `part`: `values` (already little-endian bytes, `count` of `width`
/// each) and `strings`. Best effort: any failure leaves no entry (or the previous one).
pub(super) fn write(
    key: &SnapshotKey,
    part: Part,
    width: usize,
    values: &[u8],
    strings: &[String],
) {
    debug_assert_eq!(values.len(), key.count * width);
    write_counted(key, part, width, values, strings);
}

/// [`write`] for an entry of any number of values (`values.len() / width`).
fn write_counted(key: &SnapshotKey, part: Part, width: usize, values: &[u8], strings: &[String]) {
    let name = key.key(part);
    let mut body = Vec::with_capacity(values.len() + name.len() + 64);
    body.extend_from_slice(&(name.len() as u32).to_le_bytes());
    body.extend_from_slice(name.as_bytes());
    body.extend_from_slice(&(width as u32).to_le_bytes());
    body.extend_from_slice(&((values.len() / width) as u64).to_le_bytes());
    body.extend_from_slice(values);
    if part.is_coded() {
        body.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        for text in strings {
            body.extend_from_slice(&(text.len() as u32).to_le_bytes());
            body.extend_from_slice(text.as_bytes());
        }
    }
    let path = key.path(part);
    if let Err(error) = write_atomically(&key.dir, &path, &body) {
        tracing::debug!("frame cache: cannot write {}: {error}", path.display());
    }
}

impl Part {
    fn is_coded(self) -> bool {
        matches!(
            self,
            Self::Column(column) if column == FrameColumns::AUTHOR
                || column == FrameColumns::PIPELINE_TAG
                || column == FrameColumns::LIBRARY_NAME
                || column == FrameColumns::LICENSE
        )
    }
}

/// Entries this process has started writing: part of each temporary file's name.
static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn write_atomically(dir: &Path, path: &Path, body: &[u8]) -> std::io::Result<()> {
    let sum = checksum(body).to_le_bytes();
    write_parts_atomically(dir, path, &[MAGIC, &sum, body])
}

/// Writes `parts` one after the other to a temporary file, syncs it and renames it to `path`.
fn write_parts_atomically(dir: &Path, path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("entry");
    // Unique per process and write: two threads or processes filling the same entry never
    // share a temporary file (each renames a whole one; the last rename wins, same content).
    let write = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = dir.join(format!(".{file_name}.{}-{write}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::File::create(&temporary)?;
        for part in parts {
            file.write_all(part)?;
        }
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    result
}

/// Removes the entries of snapshots no longer committed (`live`: the entry keys of every
/// committed snapshot) and author entries of another dictionary. Best effort.
pub(super) fn prune(root: &Path, live: &[SnapshotKey], lineage: &[SnapshotKey]) {
    let dir = cache_dir(root);
    let Ok(entries) = fs::read_dir(&dir) else {
        return;
    };
    let author = Part::Column(FrameColumns::AUTHOR);
    let current_authors: Vec<PathBuf> = live.iter().map(|key| key.path(author)).collect();
    // A lineage entry's name ends in the hash of the dictionary file (`lineage`: the keys of
    // its entries), as an author entry's does in that of the namespace codes.
    let dictionary_suffix: Vec<String> = lineage
        .iter()
        .map(|key| {
            let path = key.path(Part::Lineage {
                len: 0,
                mentions: false,
            });
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            name[name.rfind('-').unwrap_or(0)..].to_owned()
        })
        .collect();
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let bare = name.trim_start_matches('.');
        let owner = live.iter().find(|key| bare.starts_with(key.prefix()));
        let stale = match owner {
            None => true,
            Some(_) if !name.starts_with('.') && name.contains("-author-") => {
                !current_authors.contains(&path)
            }
            Some(_) if !name.starts_with('.') && name.contains("-lineage") => !dictionary_suffix
                .iter()
                .any(|suffix| name.ends_with(suffix.as_str())),
            Some(_) => false,
        };
        if stale {
            let _ = fs::remove_file(&path);
        }
    }
}

/// The lineage entry of `len` indices, with or without mentions, when present and intact:
/// relations (0 for none, else 1 + the position in [`Relation::ALL`]), then the parents' and
/// the mentions' offsets and lists, as u32 values after three counts.
pub(super) fn read_lineage(
    key: &SnapshotKey,
    len: usize,
    mentions: bool,
) -> Option<hubcensus_model::LineageTable> {
    use hubcensus_model::Relation;
    let entry = read_any(key, Part::Lineage { len, mentions }, 4)?;
    let values: Vec<u32> = entry
        .values()
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let (&stored, rest) = values.split_first()?;
    let (&parents, rest) = rest.split_first()?;
    let (&mentioned, rest) = rest.split_first()?;
    let (stored, parents, mentioned) = (stored as usize, parents as usize, mentioned as usize);
    if stored != len
        || rest.len()
            != len
                .checked_mul(3)?
                .checked_add(2)?
                .checked_add(parents)?
                .checked_add(mentioned)?
    {
        return None;
    }
    let (relations, rest) = rest.split_at(len);
    let relation = relations
        .iter()
        .map(|&code| match code {
            0 => Some(None),
            code => Relation::ALL.get(code as usize - 1).map(|&r| Some(r)),
        })
        .collect::<Option<Vec<Option<Relation>>>>()?;
    let (offsets, rest) = rest.split_at(len + 1);
    let (parent_list, rest) = rest.split_at(parents);
    let (mention_offsets, mention_list) = rest.split_at(len + 1);
    // Offsets rise from 0 to their list's length; every index is within the table.
    let csr = |offsets: &[u32], list: &[u32]| {
        offsets.first() == Some(&0)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && offsets
                .last()
                .is_some_and(|&last| last as usize == list.len())
            && list.iter().all(|&index| (index as usize) < len)
    };
    if !csr(offsets, parent_list) || !csr(mention_offsets, mention_list) {
        return None;
    }
    Some(hubcensus_model::LineageTable {
        relation,
        offsets: offsets.to_vec(),
        parents: parent_list.to_vec(),
        mention_offsets: mention_offsets.to_vec(),
        mentions: mention_list.to_vec(),
    })
}

/// Writes the lineage entry of `table` (best effort; see [`read_lineage`]).
pub(super) fn write_lineage(
    key: &SnapshotKey,
    mentions: bool,
    table: &hubcensus_model::LineageTable,
) {
    use hubcensus_model::Relation;
    let len = table.relation.len();
    if table.offsets.len() != len + 1 || table.mention_offsets.len() != len + 1 {
        return;
    }
    let (Ok(parents), Ok(mentioned), Ok(stored)) = (
        u32::try_from(table.parents.len()),
        u32::try_from(table.mentions.len()),
        u32::try_from(len),
    ) else {
        return;
    };
    let mut values: Vec<u32> =
        Vec::with_capacity(3 + 3 * len + 2 + table.parents.len() + table.mentions.len());
    values.extend([stored, parents, mentioned]);
    values.extend(table.relation.iter().map(|relation| {
        relation.map_or(0, |relation| {
            1 + Relation::ALL
                .iter()
                .position(|&r| r == relation)
                .unwrap_or(0) as u32
        })
    }));
    values.extend(&table.offsets);
    values.extend(&table.parents);
    values.extend(&table.mention_offsets);
    values.extend(&table.mentions);
    write_counted(
        key,
        Part::Lineage { len, mentions },
        4,
        &u32_bytes(&values),
        &[],
    );
}

/// The ids cache: the key dictionary's ids as [`Store::known_ids`](super::Store) reads them
/// (the current id of every index in one buffer, their namespace codes, the earlier ids of
/// renamed models), so a run reads two buffers instead of decoding and checking two million
/// ids from zstd Parquet (about 0.4 s of CPU time on the 2M demo store). Derived like the
/// frame cache: named and keyed by the dictionary file's sha256 and size from the manifests
/// and the store's length, checked by two checksums, written crash-safely, ignored (and
/// rewritten) when missing or damaged.
///
/// A file: `HCIDS001`, the checksum (u64) of the head, the checksum (u64) of the text, the
/// head's length (u64), the head, then the ids' text. The head: the key (u32 length, bytes),
/// the number of ids (u64) and where each ends in the text (u64 each), each id's namespace
/// code (u32), the namespaces' text (u64 length, bytes) and ends (u64 count, u64 each), and
/// the earlier ids (u64 count; u32 index, u32 length and bytes each).
const IDS_MAGIC: &[u8; 8] = b"HCIDS001";

/// Where the ids of one dictionary generation are cached, and what they are keyed by.
pub(super) struct IdsKey {
    dir: PathBuf,
    key: String,
    path: PathBuf,
}

impl IdsKey {
    /// The key of the ids of the dictionary file with `sha256` and `bytes` (from a manifest),
    /// read to `len` keys; `None` for a hash that is not hex.
    pub(super) fn of(root: &Path, sha256: &str, bytes: u64, len: usize) -> Option<Self> {
        if sha256.len() < 16 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let dir = root.join("cache").join("ids");
        let path = dir.join(format!("{}-{len}.bin", &sha256[..sha256.len().min(40)]));
        Some(Self {
            dir,
            key: format!("ids|{sha256}:{bytes}|{len}"),
            path,
        })
    }
}

/// The cached ids of `key`, when present, of that key and intact.
pub(super) fn read_ids(key: &IdsKey) -> Option<crate::dictionary::KnownIds> {
    use std::io::Read;
    let mut file = fs::File::open(&key.path).ok()?;
    let size = file.metadata().ok()?.len();
    let mut front = [0_u8; 32];
    file.read_exact(&mut front).ok()?;
    let mut reader = Reader {
        bytes: &front,
        at: 0,
    };
    if reader.take(8)? != IDS_MAGIC {
        return None;
    }
    let (head_sum, text_sum) = (reader.u64()?, reader.u64()?);
    let head_len = reader.u64()?;
    let text_len = size.checked_sub(32)?.checked_sub(head_len)?;
    let mut head = vec![0_u8; usize::try_from(head_len).ok()?];
    file.read_exact(&mut head).ok()?;
    if checksum(&head) != head_sum {
        return None;
    }
    let mut text = Vec::with_capacity(usize::try_from(text_len).ok()?.saturating_add(1));
    file.read_to_end(&mut text).ok()?;
    if text.len() as u64 != text_len || checksum(&text) != text_sum {
        return None;
    }
    parse_ids(&head, text, &key.key)
}

fn parse_ids(
    head: &[u8],
    text: Vec<u8>,
    expected_key: &str,
) -> Option<crate::dictionary::KnownIds> {
    let mut reader = Reader { bytes: head, at: 0 };
    let key_len = reader.u32()? as usize;
    if reader.take(key_len)? != expected_key.as_bytes() {
        return None;
    }
    let count = usize::try_from(reader.u64()?).ok()?;
    let ends: Vec<usize> = reader
        .take(count.checked_mul(8)?)?
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .collect();
    let of: Vec<u32> = reader
        .take(count.checked_mul(4)?)?
        .chunks_exact(4)
        .map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")))
        .collect();
    let namespace_text_len = usize::try_from(reader.u64()?).ok()?;
    let namespace_text = String::from_utf8(reader.take(namespace_text_len)?.to_vec()).ok()?;
    let namespaces = usize::try_from(reader.u64()?).ok()?;
    let namespace_ends: Vec<usize> = reader
        .take(namespaces.checked_mul(8)?)?
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")) as usize)
        .collect();
    let earlier_count = usize::try_from(reader.u64()?).ok()?;
    let mut earlier = Vec::with_capacity(earlier_count.min(head.len()));
    for _ in 0..earlier_count {
        let index = reader.u32()?;
        let len = reader.u32()? as usize;
        let id = std::str::from_utf8(reader.take(len)?).ok()?;
        if index as usize >= count {
            return None;
        }
        earlier.push((hubcensus_model::ModelId::new(id).ok()?, index));
    }
    if reader.at != head.len() || !text.is_ascii() {
        return None;
    }
    let current = hubcensus_model::Ids::from_parts(String::from_utf8(text).ok()?, ends)?;
    let namespaces =
        crate::namespaces::NamespaceCodes::from_parts(of, namespace_text, namespace_ends)?;
    Some(crate::dictionary::KnownIds {
        current,
        earlier,
        namespaces: std::sync::Arc::new(namespaces),
    })
}

/// Writes the ids cache entry of `key` (best effort), removing the entries of other
/// dictionaries.
pub(super) fn write_ids(key: &IdsKey, known: &crate::dictionary::KnownIds) {
    let (text, ends) = known.current.parts();
    let (namespace_text, namespace_ends) = known.namespaces.text_parts();
    if known.namespaces.of.len() != ends.len() {
        return;
    }
    let mut head = Vec::with_capacity(ends.len() * 12 + namespace_text.len() + 64);
    head.extend_from_slice(&(key.key.len() as u32).to_le_bytes());
    head.extend_from_slice(key.key.as_bytes());
    head.extend_from_slice(&(ends.len() as u64).to_le_bytes());
    for &end in ends {
        head.extend_from_slice(&(end as u64).to_le_bytes());
    }
    for &code in &known.namespaces.of {
        head.extend_from_slice(&code.to_le_bytes());
    }
    head.extend_from_slice(&(namespace_text.len() as u64).to_le_bytes());
    head.extend_from_slice(namespace_text.as_bytes());
    head.extend_from_slice(&(namespace_ends.len() as u64).to_le_bytes());
    for &end in namespace_ends {
        head.extend_from_slice(&(end as u64).to_le_bytes());
    }
    head.extend_from_slice(&(known.earlier.len() as u64).to_le_bytes());
    for (id, index) in &known.earlier {
        head.extend_from_slice(&index.to_le_bytes());
        head.extend_from_slice(&(id.as_str().len() as u32).to_le_bytes());
        head.extend_from_slice(id.as_str().as_bytes());
    }
    let mut front = Vec::with_capacity(32);
    front.extend_from_slice(IDS_MAGIC);
    front.extend_from_slice(&checksum(&head).to_le_bytes());
    front.extend_from_slice(&checksum(text.as_bytes()).to_le_bytes());
    front.extend_from_slice(&(head.len() as u64).to_le_bytes());
    if let Ok(entries) = fs::read_dir(&key.dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            let ours = path.file_name() == key.path.file_name();
            let temporary = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if !ours && !temporary {
                let _ = fs::remove_file(&path);
            }
        }
    }
    if let Err(error) =
        write_parts_atomically(&key.dir, &key.path, &[&front, &head, text.as_bytes()])
    {
        tracing::debug!("ids cache: cannot write {}: {error}", key.path.display());
    }
}

/// A fast 64-bit checksum (four multiply-rotate lanes over 8-byte words, then the tail): detects
/// damage, not an adversary.
#[must_use]
pub(crate) fn checksum(bytes: &[u8]) -> u64 {
    const P1: u64 = 0x9E37_79B1_85EB_CA87;
    const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
    let mut lanes = [P1, P2, P1 ^ P2, P1.wrapping_add(P2)];
    let mut blocks = bytes.chunks_exact(32);
    for block in &mut blocks {
        for (lane, word) in lanes.iter_mut().zip(block.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            *lane = (*lane ^ word.wrapping_mul(P2))
                .rotate_left(31)
                .wrapping_mul(P1);
        }
    }
    let mut sum = (bytes.len() as u64).wrapping_mul(P1);
    for lane in lanes {
        sum = (sum ^ lane).rotate_left(27).wrapping_mul(P2);
    }
    for &byte in blocks.remainder() {
        sum = (sum ^ u64::from(byte)).rotate_left(11).wrapping_mul(P1);
    }
    sum ^ (sum >> 29)
}

/// The packed values of `column`'s first `count` indices as little-endian bytes.
pub(super) fn u64_bytes(values: &[u64]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(values.len() * 8);
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

pub(super) fn u32_bytes(values: &[u32]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(values.len() * 4);
    for value in values {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

/// Fills the first values of `out` from an entry's little-endian bytes (the rest stay none).
pub(super) fn fill_u64(entry: &Entry, out: &mut [u64]) {
    for (value, bytes) in out.iter_mut().zip(entry.values().chunks_exact(8)) {
        *value = u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
    }
}

pub(super) fn fill_u32(entry: &Entry, out: &mut [u32]) {
    for (value, bytes) in out.iter_mut().zip(entry.values().chunks_exact(4)) {
        *value = u32::from_le_bytes(bytes.try_into().expect("4 bytes"));
    }
}

/// `present` from an entry of 0/1 bytes; `false` (and `present` untouched past what it
/// wrote) when a byte is neither.
pub(super) fn fill_present(entry: &Entry, out: &mut [bool]) -> bool {
    let values = entry.values();
    if values.iter().any(|&b| b > 1) {
        return false;
    }
    for (value, &byte) in out.iter_mut().zip(values) {
        *value = byte == 1;
    }
    true
}

pub(super) fn present_bytes(present: &[bool]) -> Vec<u8> {
    present.iter().map(|&p| u8::from(p)).collect()
}

/// A `created_at` column's packed values as bytes, and back.
pub(super) fn timestamp_bytes(column: &mut Column<Timestamp>, count: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(count * 8);
    for value in &column.packed_mut()[..count] {
        bytes.extend_from_slice(&value.as_millis().to_le_bytes());
    }
    bytes
}

pub(super) fn fill_timestamps(entry: &Entry, out: &mut [Timestamp]) {
    for (value, bytes) in out.iter_mut().zip(entry.values().chunks_exact(8)) {
        *value = Timestamp::from_millis(i64::from_le_bytes(bytes.try_into().expect("8 bytes")));
    }
}

/// Whether a count column's packed values are all counts a file can hold (none, or at most
/// `i64::MAX`): an entry claiming more is damaged.
pub(super) fn counts_valid(values: &[u64]) -> bool {
    values
        .iter()
        .all(|&v| v == <u64 as Packed>::NONE || i64::try_from(v).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_every_byte() {
        let bytes: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let sum = checksum(&bytes);
        for at in [0, 31, 32, 500, 999] {
            let mut damaged = bytes.clone();
            damaged[at] ^= 1;
            assert_ne!(checksum(&damaged), sum, "byte {at}");
        }
        assert_ne!(checksum(&bytes[..999]), sum);
    }

    #[test]
    fn an_entry_parses_only_with_its_key_width_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let key = SnapshotKey {
            dir: cache_dir(dir.path()),
            models: format!("{}:10", "ab".repeat(32)),
            dictionary: "cd:3".into(),
            count: 3,
        };
        let part = Part::Column(FrameColumns::PIPELINE_TAG);
        write(
            &key,
            part,
            4,
            &u32_bytes(&[1, 2, 3]),
            &["x".into(), "yz".into()],
        );
        let entry = read(&key, part, 4).expect("written");
        assert_eq!(entry.strings, ["x", "yz"]);
        let mut out = [0_u32; 3];
        fill_u32(&entry, &mut out);
        assert_eq!(out, [1, 2, 3]);
        assert!(read(&key, part, 8).is_none());
        let other = SnapshotKey {
            count: 4,
            ..SnapshotKey {
                dir: key.dir.clone(),
                models: key.models.clone(),
                dictionary: key.dictionary.clone(),
                count: 3,
            }
        };
        assert!(read(&other, part, 4).is_none());
        // Every truncation and every flipped byte is refused.
        let bytes = fs::read(key.path(part)).unwrap();
        for cut in 0..bytes.len() {
            assert!(parse(bytes[..cut].to_vec(), &key.key(part), 4, 3).is_none());
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x10;
            assert!(
                parse(damaged, &key.key(part), 4, 3).is_none(),
                "flipped byte {at}"
            );
        }
    }
}
