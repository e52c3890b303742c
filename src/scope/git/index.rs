//! A reader for git's index file (`$GIT_DIR/index`, format:
//! <https://git-scm.com/docs/index-format>), for the staged diff of a pre-commit run.
//!
//! libgit2 hashes the whole file and validates every path each time it opens an index; git
//! trusts the file (its checksum is checked by `git fsck`, not on read) and so does this
//! reader. It is deliberately narrow: it reads versions 2 to 4 with their stage-0 entries and
//! the cache-tree (`TREE`) extension, and refuses — with [`Unsupported`], so that the caller
//! falls back to libgit2 — anything it does not fully handle: split or sparse indexes,
//! unmerged, intent-to-add, skip-worktree or assume-unchanged entries, unusual modes or paths,
//! and any malformed or truncated data. Every read is bounds-checked; a corrupt file never
//! panics.

use std::path::Path;

use memchr::memchr;

/// Length of an object id (SHA-1) and of the trailing checksum.
const OID_LEN: usize = 20;
/// ctime, mtime (seconds and nanoseconds), dev, ino, mode, uid, gid, size: ten 32-bit fields.
const STAT_LEN: usize = 40;
/// The fixed part of an entry: stat data, object id, 16-bit flags.
const ENTRY_FIXED: usize = STAT_LEN + OID_LEN + 2;
/// Longest path accepted in a version 4 index (libgit2's limit); guards the prefix expansion.
const MAX_PATH: usize = 4096;
/// Deepest cache-tree accepted: far beyond any real repository, shallow enough for the stack.
const MAX_TREE_DEPTH: usize = 512;

const FLAG_ASSUME_VALID: u16 = 0x8000;
const FLAG_EXTENDED: u16 = 0x4000;
const FLAG_STAGE: u16 = 0x3000;
const NAME_MASK: u16 = 0x0fff;

/// Why the reader gave up on an index (the caller falls back to libgit2, which decides).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// One index entry. `stage` is 0 except in indexes converted from libgit2 (the fallback),
/// which may hold conflicts.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    start: u32,
    len: u32,
    pub mode: u32,
    pub stage: u8,
    pub oid: [u8; OID_LEN],
}

/// Index entries sorted by path (bytes) then stage, their paths stored back to back.
#[derive(Debug, Default)]
pub struct Entries {
    paths: Vec<u8>,
    list: Vec<Entry>,
}

impl Entries {
    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn entry(&self, i: usize) -> &Entry {
        &self.list[i]
    }

    pub fn path(&self, i: usize) -> &[u8] {
        self.path_of(&self.list[i])
    }

    fn path_of(&self, e: &Entry) -> &[u8] {
        let start = e.start as usize;
        &self.paths[start..start + e.len as usize]
    }

    /// Builds a sorted list from unordered entries (the libgit2 fallback).
    pub fn from_unsorted(
        items: impl IntoIterator<Item = (Vec<u8>, u32, u8, [u8; OID_LEN])>,
    ) -> Entries {
        let mut items: Vec<_> = items.into_iter().collect();
        items.sort_by(|a, b| (&a.0, a.2).cmp(&(&b.0, b.2)));
        let mut out = Entries::default();
        for (path, mode, stage, oid) in items {
            let (Ok(start), Ok(len), Ok(_)) = (
                u32::try_from(out.paths.len()),
                u32::try_from(path.len()),
                u32::try_from(out.paths.len() + path.len()),
            ) else {
                break;
            };
            out.paths.extend_from_slice(&path);
            out.list.push(Entry {
                start,
                len,
                mode,
                stage,
                oid,
            });
        }
        out
    }

    /// The stage-0 entry of a path.
    pub fn find(&self, path: &[u8]) -> Option<&Entry> {
        let i = self
            .list
            .binary_search_by(|e| (self.path_of(e), e.stage).cmp(&(path, 0)))
            .ok()?;
        self.list.get(i)
    }

    /// The index of the first entry whose path is not below `path` in byte order.
    pub fn lower_bound(&self, path: &[u8]) -> usize {
        self.list.partition_point(|e| self.path_of(e) < path)
    }

    /// The end of the run of entries from `from` (before `to`) whose paths start with `prefix`.
    /// Entries with a common prefix are contiguous in a sorted index.
    pub fn prefix_end(&self, from: usize, to: usize, prefix: &[u8]) -> usize {
        from + self.list[from..to].partition_point(|e| self.path_of(e).starts_with(prefix))
    }
}

/// The cache-tree extension: for each directory, the tree object that its index entries
/// would be written as, while still valid. Kept flat, in file order (a node, then its
/// subtrees); nodes are numbered from [`CacheTree::ROOT`].
#[derive(Debug, Clone, Default)]
pub struct CacheTree {
    names: Vec<u8>,
    nodes: Vec<TreeNode>,
}

#[derive(Debug, Clone)]
struct TreeNode {
    /// The path component (empty for the root): offset and length in `names`.
    name: (u32, u32),
    /// How many index entries the directory covers; negative when invalidated.
    entry_count: i32,
    /// The tree id, present while the node is valid.
    oid: Option<[u8; OID_LEN]>,
    subtrees: u32,
    /// Nodes in this node's subtree, itself included.
    size: u32,
}

impl CacheTree {
    pub const ROOT: usize = 0;

    fn name(&self, n: &TreeNode) -> &[u8] {
        let (start, len) = (n.name.0 as usize, n.name.1 as usize);
        self.names.get(start..start + len).unwrap_or_default()
    }

    /// The tree id of a node if it is valid and covers exactly `count` index entries.
    pub fn valid_oid(&self, node: usize, count: usize) -> Option<&[u8; OID_LEN]> {
        let n = self.nodes.get(node)?;
        if usize::try_from(n.entry_count).ok()? == count {
            n.oid.as_ref()
        } else {
            None
        }
    }

    /// The subdirectory nodes of a node, sorted by name (`None` for a name seen twice).
    pub fn children(&self, node: usize) -> Option<Vec<(&[u8], usize)>> {
        let n = self.nodes.get(node)?;
        let mut out = Vec::with_capacity(n.subtrees as usize);
        let mut c = node + 1;
        for _ in 0..n.subtrees {
            let child = self.nodes.get(c)?;
            out.push((self.name(child), c));
            c += child.size as usize;
        }
        // git keeps subtrees ordered by name length first; look-ups here want byte order.
        out.sort_unstable();
        if out.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        Some(out)
    }

    /// Whether the root is valid (every directory is, then).
    pub fn root_is_valid(&self) -> bool {
        self.nodes.first().is_some_and(|n| n.oid.is_some())
    }
}

/// A parsed index.
#[derive(Debug, Default)]
pub struct IndexFile {
    pub entries: Entries,
    pub tree: Option<CacheTree>,
}

/// Reads an index file; a missing file is an empty index (as for git and libgit2).
///
/// A large index is mapped, not read: it is parsed once, front to back, and copying 1 MB
/// into fresh memory first costs a pre-commit run more than parsing it.
pub fn read(path: &Path) -> Result<IndexFile, Unsupported> {
    const CANNOT: Unsupported = Unsupported("the index file cannot be read");
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(IndexFile::default()),
        Err(_) => return Err(CANNOT),
    };
    let len = file.metadata().map_err(|_| CANNOT)?.len();
    if len < 64 * 1024 {
        let mut data = Vec::with_capacity(len as usize);
        std::io::Read::read_to_end(&mut &file, &mut data).map_err(|_| CANNOT)?;
        return parse(&data);
    }
    // SAFETY: git never writes an index in place: it writes `index.lock` and renames it over
    // `index`, so the mapped file keeps its contents while it is mapped (git maps its index
    // the same way, and like git, a run would end with SIGBUS only if another program
    // truncated the file in place while it is read).
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|_| CANNOT)?;
    parse(&map)
}

fn be16(d: &[u8], at: usize) -> Option<u16> {
    let b = d.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

fn be32(d: &[u8], at: usize) -> Option<u32> {
    let b = d.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn oid_at(d: &[u8], at: usize) -> Option<[u8; OID_LEN]> {
    d.get(at..at.checked_add(OID_LEN)?)?.try_into().ok()
}

/// git's offset varint (`decode_varint`): the value and the number of bytes it took.
fn varint(d: &[u8], at: usize) -> Option<(usize, usize)> {
    let mut i = at;
    let mut c = *d.get(i)?;
    i += 1;
    let mut val = u64::from(c & 0x7f);
    while c & 0x80 != 0 {
        val = val.checked_add(1)?;
        if val >> 57 != 0 {
            return None;
        }
        c = *d.get(i)?;
        i += 1;
        val = (val << 7) + u64::from(c & 0x7f);
    }
    Some((usize::try_from(val).ok()?, i - at))
}

/// The path checks libgit2 makes on every entry, in the form that matters here: no empty,
/// `.`, `..` or `.git` component (libgit2 refuses such an index; the fallback reports it).
/// Checks the components from byte `from`, the start of one, to the end.
fn components_are_plain(path: &[u8], from: usize) -> bool {
    let mut start = from;
    loop {
        let Some(rest) = path.get(start..) else {
            return false;
        };
        let end = memchr(b'/', rest).map_or(path.len(), |k| start + k);
        let c = &path[start..end];
        let dotted = |c: &[u8]| c == b"." || c == b".." || c.eq_ignore_ascii_case(b".git");
        if c.is_empty() || (c[0] == b'.' && dotted(c)) {
            return false;
        }
        if end == path.len() {
            return true;
        }
        start = end + 1;
    }
}

/// The length of the common prefix of two byte strings.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let (Ok(x), Ok(y)) = (
            <[u8; 8]>::try_from(&a[i..i + 8]),
            <[u8; 8]>::try_from(&b[i..i + 8]),
        ) else {
            break;
        };
        let diff = u64::from_le_bytes(x) ^ u64::from_le_bytes(y);
        if diff != 0 {
            return i + (diff.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

/// Parses the bytes of an index file. The trailing checksum is not verified (git does not
/// either when reading).
pub fn parse(data: &[u8]) -> Result<IndexFile, Unsupported> {
    const TRUNCATED: Unsupported = Unsupported("truncated or malformed index");
    if data.len() < 12 + OID_LEN {
        return Err(TRUNCATED);
    }
    let body = &data[..data.len() - OID_LEN];
    if !body.starts_with(b"DIRC") {
        return Err(Unsupported("not an index file"));
    }
    let version = be32(body, 4).ok_or(TRUNCATED)?;
    if !(2..=4).contains(&version) {
        return Err(Unsupported("unsupported index version"));
    }
    let count = be32(body, 8).ok_or(TRUNCATED)? as usize;
    let mut entries = Entries {
        paths: Vec::with_capacity(body.len().min(1 << 26)),
        list: Vec::with_capacity(count.min(body.len() / ENTRY_FIXED)),
    };
    // Version 4 expands shared prefixes: cap the expansion (a crafted file could otherwise
    // make it quadratic) well above what real indexes reach.
    let max_paths = body.len().saturating_mul(16).saturating_add(MAX_PATH);
    let mut pos = 12;
    for _ in 0..count {
        let fixed = body.get(pos..pos + ENTRY_FIXED).ok_or(TRUNCATED)?;
        let mode = be32(fixed, 24).ok_or(TRUNCATED)?;
        let oid = oid_at(fixed, STAT_LEN).ok_or(TRUNCATED)?;
        let flags = be16(fixed, STAT_LEN + OID_LEN).ok_or(TRUNCATED)?;
        let mut path_at = pos + ENTRY_FIXED;
        if flags & FLAG_EXTENDED != 0 {
            if version < 3 {
                return Err(TRUNCATED);
            }
            let extended = be16(body, path_at).ok_or(TRUNCATED)?;
            if extended != 0 {
                return Err(Unsupported("intent-to-add or skip-worktree entry"));
            }
            path_at += 2;
        }
        if flags & FLAG_STAGE != 0 {
            return Err(Unsupported("unmerged entries"));
        }
        if flags & FLAG_ASSUME_VALID != 0 {
            return Err(Unsupported("assume-unchanged entry"));
        }
        if !matches!(mode, 0o100644 | 0o100755 | 0o120000 | 0o160000) {
            return Err(Unsupported("unusual entry mode"));
        }
        let name_len = usize::from(flags & NAME_MASK);
        let start = entries.paths.len();
        if version == 4 {
            let (strip, n) = varint(body, path_at).ok_or(TRUNCATED)?;
            let suffix_at = path_at + n;
            let rest = body.get(suffix_at..).ok_or(TRUNCATED)?;
            let nul = memchr(0, rest).ok_or(TRUNCATED)?;
            let prev = entries.list.last().map_or(0..0, |e| {
                e.start as usize..e.start as usize + e.len as usize
            });
            let keep = prev.len().checked_sub(strip).ok_or(TRUNCATED)?;
            if keep + nul > MAX_PATH {
                return Err(Unsupported("path too long"));
            }
            entries
                .paths
                .extend_from_within(prev.start..prev.start + keep);
            entries.paths.extend_from_slice(&rest[..nul]);
            pos = suffix_at + nul + 1;
        } else {
            let rest = body.get(path_at..).ok_or(TRUNCATED)?;
            let len = if name_len < usize::from(NAME_MASK) {
                name_len
            } else {
                memchr(0, rest).ok_or(TRUNCATED)?
            };
            // The recorded length and the NUL terminator must agree.
            let path = rest.get(..len).ok_or(TRUNCATED)?;
            if rest.get(len) != Some(&0) || memchr(0, path).is_some() {
                return Err(TRUNCATED);
            }
            entries.paths.extend_from_slice(path);
            // NUL-padded to a multiple of 8 bytes (at least one NUL).
            pos += (path_at - pos + len + 8) & !7;
            if pos > body.len() {
                return Err(TRUNCATED);
            }
        }
        let len = entries.paths.len() - start;
        if len == 0 || (name_len < usize::from(NAME_MASK) && len != name_len) {
            return Err(TRUNCATED);
        }
        if entries.paths.len() > max_paths {
            return Err(Unsupported("index paths too long"));
        }
        // Offsets are 32-bit: the paths must fit in 4 GiB.
        let (Ok(start32), Ok(len32), Ok(_)) = (
            u32::try_from(start),
            u32::try_from(len),
            u32::try_from(entries.paths.len()),
        ) else {
            return Err(Unsupported("index too large"));
        };
        let path = &entries.paths[start..];
        // Paths must be strictly increasing (sorted, no duplicates). Sorted paths share long
        // prefixes: the components in common with the previous path were checked with it.
        let from = match entries.list.last() {
            None => 0,
            Some(prev) => {
                let prev = entries.path_of(prev);
                let i = common_prefix(prev, path);
                let increasing = match (prev.get(i), path.get(i)) {
                    (Some(a), Some(b)) => a < b,
                    (None, Some(_)) => true,
                    _ => false,
                };
                if !increasing {
                    return Err(Unsupported("index entries out of order"));
                }
                memchr::memrchr(b'/', &path[..i]).map_or(0, |k| k + 1)
            }
        };
        if !components_are_plain(path, from) {
            return Err(Unsupported("unusual path"));
        }
        entries.list.push(Entry {
            start: start32,
            len: len32,
            mode,
            stage: 0,
            oid,
        });
    }

    let mut tree = None;
    while pos < body.len() {
        let sig = body.get(pos..pos + 4).ok_or(TRUNCATED)?;
        let size = be32(body, pos + 4).ok_or(TRUNCATED)? as usize;
        let start = pos + 8;
        let ext = body
            .get(start..start.checked_add(size).ok_or(TRUNCATED)?)
            .ok_or(TRUNCATED)?;
        match sig {
            b"TREE" => tree = Some(parse_cache_tree(ext)?),
            // Optional extensions (resolve-undo, untracked cache, fsmonitor, offsets, …)
            // change nothing about the entries.
            [b'A'..=b'Z', ..] => {}
            // `link` (split index), `sdir` (sparse index) or unknown mandatory ones.
            _ => return Err(Unsupported("split or sparse index")),
        }
        pos = start + size;
    }
    Ok(IndexFile { entries, tree })
}

fn parse_cache_tree(data: &[u8]) -> Result<CacheTree, Unsupported> {
    const BAD: Unsupported = Unsupported("malformed cache-tree");
    let mut t = CacheTree::default();
    let mut pos = 0;
    let root = parse_tree_node(data, &mut pos, &mut t.names).ok_or(BAD)?;
    if root.name.1 != 0 {
        return Err(BAD);
    }
    // Nodes whose subtrees are still being read: (node, subtrees left).
    let mut open: Vec<(usize, u32)> = Vec::new();
    if root.subtrees > 0 {
        open.push((CacheTree::ROOT, root.subtrees));
    }
    t.nodes.push(root);
    while let Some((node, left)) = open.last_mut() {
        if *left == 0 {
            let node = *node;
            open.pop();
            t.nodes[node].size = u32::try_from(t.nodes.len() - node).map_err(|_| BAD)?;
            continue;
        }
        *left -= 1;
        let n = parse_tree_node(data, &mut pos, &mut t.names).ok_or(BAD)?;
        if n.subtrees > 0 {
            if open.len() >= MAX_TREE_DEPTH {
                return Err(BAD);
            }
            open.push((t.nodes.len(), n.subtrees));
        }
        t.nodes.push(n);
    }
    if pos != data.len() {
        return Err(BAD);
    }
    Ok(t)
}

/// An ASCII decimal number (optionally negative) followed by `end`.
fn parse_number(data: &[u8], pos: &mut usize, end: u8) -> Option<i64> {
    let rest = data.get(*pos..)?;
    let (neg, digits_at) = match rest.first()? {
        b'-' => (true, 1),
        _ => (false, 0),
    };
    let digits = rest.get(digits_at..)?;
    let n = digits.iter().take_while(|b| b.is_ascii_digit()).count();
    if n == 0 || n > 10 || digits.get(n) != Some(&end) {
        return None;
    }
    let mut v: i64 = 0;
    for &d in &digits[..n] {
        v = v * 10 + i64::from(d - b'0');
    }
    let v = if neg { -v } else { v };
    i32::try_from(v).ok()?;
    *pos += digits_at + n + 1;
    Some(v)
}

/// One node: `name NUL entry_count SP subtrees LF [oid]` (the oid only while valid).
fn parse_tree_node(data: &[u8], pos: &mut usize, names: &mut Vec<u8>) -> Option<TreeNode> {
    let rest = data.get(*pos..)?;
    let nul = memchr(0, rest)?;
    let name = (u32::try_from(names.len()).ok()?, u32::try_from(nul).ok()?);
    names.extend_from_slice(&rest[..nul]);
    *pos += nul + 1;
    let entry_count = i32::try_from(parse_number(data, pos, b' ')?).ok()?;
    let subtrees = u32::try_from(parse_number(data, pos, b'\n')?).ok()?;
    let oid = if entry_count >= 0 {
        let oid = oid_at(data, *pos)?;
        *pos += OID_LEN;
        Some(oid)
    } else {
        None
    };
    Some(TreeNode {
        name,
        entry_count,
        oid,
        subtrees,
        size: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 2/3 entry.
    fn entry(path: &[u8], mode: u32, flags_extra: u16) -> Vec<u8> {
        let mut e = fixed(path.len(), mode, flags_extra);
        if flags_extra & FLAG_EXTENDED != 0 {
            e.extend_from_slice(&0u16.to_be_bytes());
        }
        e.extend_from_slice(path);
        let len = e.len();
        e.resize((len + 8) & !7, 0);
        e
    }

    /// A version 4 entry: strip `strip` bytes of the previous path, append `suffix`.
    fn entry_v4(strip: u8, suffix: &[u8], full_len: usize) -> Vec<u8> {
        let mut e = fixed(full_len, 0o100644, 0);
        e.push(strip);
        e.extend_from_slice(suffix);
        e.push(0);
        e
    }

    fn fixed(name_len: usize, mode: u32, flags_extra: u16) -> Vec<u8> {
        let mut e = vec![0u8; STAT_LEN];
        e[24..28].copy_from_slice(&mode.to_be_bytes());
        e.extend_from_slice(&[0xab; OID_LEN]);
        let flags = (name_len.min(0xfff) as u16) | flags_extra;
        e.extend_from_slice(&flags.to_be_bytes());
        e
    }

    fn index(version: u32, entries: &[Vec<u8>], ext: &[u8]) -> Vec<u8> {
        let mut d = b"DIRC".to_vec();
        d.extend_from_slice(&version.to_be_bytes());
        d.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        for e in entries {
            d.extend_from_slice(e);
        }
        d.extend_from_slice(ext);
        d.extend_from_slice(&[0; OID_LEN]);
        d
    }

    fn tree_ext(tree: &[u8]) -> Vec<u8> {
        let mut ext = b"TREE".to_vec();
        ext.extend_from_slice(&(tree.len() as u32).to_be_bytes());
        ext.extend_from_slice(tree);
        ext
    }

    #[test]
    fn reads_entries_and_cache_tree() {
        let mut tree = b"\x002 1\n".to_vec();
        tree.extend_from_slice(&[1; OID_LEN]);
        tree.extend_from_slice(b"dir\x00-1 0\n");
        let d = index(
            2,
            &[
                entry(b"a.tf", 0o100644, 0),
                entry(b"dir/b c.tf", 0o100755, 0),
            ],
            &tree_ext(&tree),
        );
        let f = parse(&d).unwrap();
        assert_eq!(f.entries.len(), 2);
        assert_eq!(f.entries.path(1), b"dir/b c.tf");
        assert_eq!(f.entries.entry(1).mode, 0o100755);
        assert_eq!(f.entries.find(b"a.tf").unwrap().oid, [0xab; OID_LEN]);
        assert!(f.entries.find(b"a").is_none());
        assert_eq!(f.entries.lower_bound(b"dir/"), 1);
        assert_eq!(f.entries.prefix_end(0, 2, b"a"), 1);
        let t = f.tree.unwrap();
        assert!(t.root_is_valid());
        assert_eq!(t.valid_oid(CacheTree::ROOT, 2), Some(&[1; OID_LEN]));
        assert_eq!(t.valid_oid(CacheTree::ROOT, 1), None);
        assert_eq!(t.children(CacheTree::ROOT).unwrap(), vec![(&b"dir"[..], 1)]);
        assert_eq!(t.valid_oid(1, 1), None);
        assert_eq!((t.nodes[1].entry_count, t.nodes[1].oid), (-1, None));
    }

    #[test]
    fn cache_tree_subtrees_in_git_order() {
        // git orders subtrees by name length first: "b" (with "b/c") before "aa".
        let mut tree = b"\x003 2\n".to_vec();
        tree.extend_from_slice(&[1; OID_LEN]);
        tree.extend_from_slice(b"b\x002 1\n");
        tree.extend_from_slice(&[2; OID_LEN]);
        tree.extend_from_slice(b"c\x001 0\n");
        tree.extend_from_slice(&[3; OID_LEN]);
        tree.extend_from_slice(b"aa\x00-1 0\n");
        let t = parse_cache_tree(&tree).unwrap();
        let kids = t.children(CacheTree::ROOT).unwrap();
        assert_eq!(kids, vec![(&b"aa"[..], 3), (&b"b"[..], 1)]);
        assert_eq!(t.children(1).unwrap(), vec![(&b"c"[..], 2)]);
        assert_eq!(t.valid_oid(2, 1), Some(&[3; OID_LEN]));
        assert_eq!(t.valid_oid(3, 0), None);
        assert_eq!(t.children(3).unwrap(), vec![]);
        // A subtree named twice cannot be looked up.
        let mut twice = b"\x00-1 2\n".to_vec();
        twice.extend_from_slice(b"a\x00-1 0\na\x00-1 0\n");
        assert!(parse_cache_tree(&twice)
            .unwrap()
            .children(CacheTree::ROOT)
            .is_none());
        // Fewer subtrees than announced, or nesting beyond the limit, is refused.
        assert!(parse_cache_tree(b"\x00-1 2\na\x00-1 0\n").is_err());
        let mut deep = Vec::new();
        for _ in 0..=MAX_TREE_DEPTH {
            deep.extend_from_slice(b"d\x00-1 1\n");
        }
        deep[0] = 0;
        deep.remove(0);
        assert!(parse_cache_tree(&deep).is_err());
    }

    #[test]
    fn version_4_expands_prefixes() {
        let d = index(
            4,
            &[
                entry_v4(0, b"dir/a", 5),
                entry_v4(1, b"bb", 6),
                entry_v4(6, b"e", 1),
            ],
            b"",
        );
        let f = parse(&d).unwrap();
        assert_eq!(f.entries.path(0), b"dir/a");
        assert_eq!(f.entries.path(1), b"dir/bb");
        assert_eq!(f.entries.path(2), b"e");
        // Stripping more than the previous path has, or a length that disagrees, is refused.
        assert!(parse(&index(4, &[entry_v4(1, b"a", 1)], b"")).is_err());
        assert!(parse(&index(4, &[entry_v4(0, b"a", 2)], b"")).is_err());
    }

    #[test]
    fn refuses_what_it_does_not_handle() {
        let a = || entry(b"a", 0o100644, 0);
        let why = |d: &[u8]| parse(d).unwrap_err().0;
        assert_eq!(why(&index(5, &[a()], b"")), "unsupported index version");
        assert_eq!(
            why(&index(2, &[entry(b"a", 0o100644, 0x1000)], b"")),
            "unmerged entries"
        );
        assert_eq!(
            why(&index(2, &[entry(b"a", 0o100644, FLAG_ASSUME_VALID)], b"")),
            "assume-unchanged entry"
        );
        assert_eq!(
            why(&index(2, &[entry(b"a", 0o040000, 0)], b"")),
            "unusual entry mode"
        );
        for p in [&b"a/../b"[..], b".GIT/x", b"a//b", b"/a", b"a/", b"./a"] {
            assert_eq!(
                why(&index(2, &[entry(p, 0o100644, 0)], b"")),
                "unusual path",
                "{}",
                String::from_utf8_lossy(p)
            );
        }
        assert!(parse(&index(2, &[entry(b".github/x.yml", 0o100644, 0)], b"")).is_ok());
        assert_eq!(
            why(&index(2, &[entry(b"b", 0o100644, 0), a()], b"")),
            "index entries out of order"
        );
        assert_eq!(
            why(&index(2, &[a(), a()], b"")),
            "index entries out of order"
        );
        let mut link = b"link".to_vec();
        link.extend_from_slice(&0u32.to_be_bytes());
        assert_eq!(why(&index(2, &[a()], &link)), "split or sparse index");
        let mut ita = entry(b"a", 0o100644, FLAG_EXTENDED);
        ita[ENTRY_FIXED] = 0x20;
        assert_eq!(
            why(&index(3, &[ita], b"")),
            "intent-to-add or skip-worktree entry"
        );
        // Optional extensions are skipped.
        let mut reuc = b"REUC".to_vec();
        reuc.extend_from_slice(&3u32.to_be_bytes());
        reuc.extend_from_slice(b"xyz");
        assert!(parse(&index(2, &[a()], &reuc)).is_ok());
        // Trailing bytes that are not an extension are refused.
        assert!(parse(&index(2, &[a()], b"xyz")).is_err());
        // Garbage in the cache-tree is refused (libgit2 refuses the whole index).
        assert!(parse(&index(2, &[a()], &tree_ext(b"\x00x 0\n"))).is_err());
        assert!(parse(&index(2, &[a()], &tree_ext(b"\x00-1 0\nextra"))).is_err());
        assert!(parse(&index(2, &[a()], &tree_ext(b"\x00-1 0\n"))).is_ok());
    }

    /// Every truncation and every single-byte corruption of a valid index is either read or
    /// refused, never a panic.
    #[test]
    fn malformed_input_never_panics() {
        let mut tree = b"\x002 1\n".to_vec();
        tree.extend_from_slice(&[1; OID_LEN]);
        tree.extend_from_slice(b"d\x001 0\n");
        tree.extend_from_slice(&[2; OID_LEN]);
        let ext = tree_ext(&tree);
        let v2 = index(
            2,
            &[entry(b"a", 0o100644, 0), entry(b"d/b", 0o100644, 0)],
            &ext,
        );
        let v4 = index(4, &[entry_v4(0, b"a", 1), entry_v4(1, b"d/b", 3)], &ext);
        for d in [v2, v4] {
            let f = parse(&d).unwrap();
            assert_eq!(f.entries.path(1), b"d/b");
            assert!(f.tree.is_some());
            for n in 0..d.len() {
                let _ = parse(&d[..n]);
            }
            for i in 0..d.len() {
                for b in [0u8, 1, b'/', b'-', b'9', 0x7f, 0x80, 0xff] {
                    let mut c = d.clone();
                    c[i] = b;
                    let _ = parse(&c);
                }
            }
        }
    }
}
