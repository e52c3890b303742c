//! Git snapshots and changes (libgit2): what `guardrail diff` reads. Content always comes from
//! git objects — index blobs for `--staged`, the head commit for `--base` — never from the
//! work tree, so an unstaged edit cannot change the verdict.
//!
//! `--staged` is what the pre-commit hook runs, on every commit, so it has a fast path: the
//! index file is read directly ([`index`]) and compared with HEAD's tree the way git does it,
//! skipping every directory whose cache-tree entry says it is unchanged. Whatever that path
//! does not fully handle (see [`diff_staged_fast`]) goes through libgit2 as before.

pub mod index;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use git2::{
    Delta, DiffFindOptions, DiffOptions, ErrorCode, FileMode, Oid, Patch, Repository, Tree,
    TreeEntry,
};

use index::{CacheTree, Entries};

/// The mode of a submodule (a gitlink).
const MODE_GITLINK: u32 = 0o160000;

/// Why a diff could not be set up; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("not inside a git repository (run `guardrail scan` for a plain directory)")]
    NotARepository,
    #[error("unknown git revision `{0}` (fetch it first, e.g. `git fetch origin {0}`)")]
    UnknownRef(String),
    #[error("no merge base between `{base}` and `{head}`{hint}")]
    NoMergeBase {
        base: String,
        head: String,
        hint: String,
    },
    #[error("cannot read the git index: {0} (a corrupt index can be rebuilt with `git reset`)")]
    Index(String),
    #[error("git: {0}")]
    Other(String),
}

impl From<git2::Error> for GitError {
    fn from(e: git2::Error) -> GitError {
        GitError::Other(e.message().to_string())
    }
}

/// Which two snapshots to compare.
#[derive(Debug, Clone)]
pub enum DiffSpec {
    /// The index against HEAD (what `git commit` would record).
    Staged,
    /// merge-base(base, head) against head.
    Range { base: String, head: Option<String> },
}

/// One side of a diff: a tree of a commit, or the index (its entries, sorted by path).
pub enum Snapshot<'r> {
    Tree(Tree<'r>),
    Index(Entries),
    Empty,
}

/// A changed file: its paths on both sides (repository-relative, `/`), and the new-side lines
/// that changed (1-based; a deletion marks the line where it happened).
#[derive(Debug, Clone, Default)]
pub struct FileChange {
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    pub changed_lines: BTreeSet<usize>,
}

/// An open repository and the two snapshots of a diff.
pub struct GitDiff<'r> {
    pub repo: &'r Repository,
    pub base: Snapshot<'r>,
    pub new: Snapshot<'r>,
    pub changes: Vec<FileChange>,
    /// Contents of blobs the diff read (the changed files at both snapshots), for the
    /// scan that reads them next.
    pub blobs: HashMap<Oid, Vec<u8>>,
}

/// Opens the repository the way git hooks expect (`GIT_DIR`, `GIT_INDEX_FILE`, … honoured).
pub fn open() -> Result<Repository, GitError> {
    // libgit2 re-hashes every object it reads; git itself trusts its object store and checks
    // hashes only in `git fsck`. On a repository of 10,000 files the hashing of the trees that
    // a staged diff walks is a third of a pre-commit run, so do as git does.
    git2::opts::strict_hash_verification(false);
    Repository::open_from_env().map_err(|e| match e.code() {
        ErrorCode::NotFound => GitError::NotARepository,
        _ => GitError::Other(e.message().to_string()),
    })
}

/// The repository's work-tree root.
pub fn workdir(repo: &Repository) -> Result<PathBuf, GitError> {
    repo.workdir()
        .map(Path::to_path_buf)
        .ok_or_else(|| GitError::Other("a bare repository has no work tree to scan".into()))
}

fn commit_tree<'r>(repo: &'r Repository, rev: &str) -> Result<(Oid, Tree<'r>), GitError> {
    let obj = repo
        .revparse_single(rev)
        .map_err(|_| GitError::UnknownRef(rev.to_string()))?;
    let commit = obj
        .peel_to_commit()
        .map_err(|_| GitError::UnknownRef(rev.to_string()))?;
    Ok((commit.id(), commit.tree()?))
}

/// Computes the changes of a diff spec.
///
/// Only the changes of which `wanted` accepts a path (repository-relative, `/`-separated) are
/// kept: the changed lines of the others, which the caller would not read, are not computed.
pub fn diff<'r>(
    repo: &'r Repository,
    spec: &DiffSpec,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<GitDiff<'r>, GitError> {
    if let DiffSpec::Staged = spec {
        if let Some(gd) = diff_staged_fast(repo, wanted) {
            return Ok(gd);
        }
    }
    diff_libgit2(repo, spec, wanted)
}

/// The options of every diff and patch here: submodules ignored, no context lines (a hunk is
/// exactly the changed lines).
fn diff_options() -> DiffOptions {
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true).context_lines(0);
    opts
}

/// HEAD's tree, or `None` on an unborn branch (a first commit).
fn head_tree(repo: &Repository) -> Result<Option<Tree<'_>>, GitError> {
    match repo.head() {
        Ok(h) => Ok(Some(h.peel_to_tree()?)),
        Err(e) if e.code() == ErrorCode::UnbornBranch || e.code() == ErrorCode::NotFound => {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// Computes the changes of a diff spec with libgit2's diff machinery: the general path, and
/// the fallback of [`diff_staged_fast`].
pub fn diff_libgit2<'r>(
    repo: &'r Repository,
    spec: &DiffSpec,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<GitDiff<'r>, GitError> {
    let mut opts = diff_options();
    let (base, new, mut diff) = match spec {
        DiffSpec::Staged => {
            let head_tree = head_tree(repo)?;
            let index = repo
                .index()
                .map_err(|e| GitError::Index(e.message().to_string()))?;
            let diff =
                repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))?;
            let base = head_tree.map(Snapshot::Tree).unwrap_or(Snapshot::Empty);
            let entries = Entries::from_unsorted(index.iter().map(|e| {
                let stage = ((e.flags >> 12) & 3) as u8;
                let mut oid = [0; 20];
                let raw = e.id.as_bytes();
                if raw.len() == oid.len() {
                    oid.copy_from_slice(raw);
                }
                (e.path, e.mode, stage, oid)
            }));
            (base, Snapshot::Index(entries), diff)
        }
        DiffSpec::Range { base, head } => {
            let head_rev = head.as_deref().unwrap_or("HEAD");
            let (head_id, head_tree) = commit_tree(repo, head_rev)?;
            let (base_id, _) = commit_tree(repo, base)?;
            let mb = repo.merge_base(base_id, head_id).map_err(|_| GitError::NoMergeBase {
                base: base.clone(),
                head: head_rev.to_string(),
                hint: if repo.is_shallow() {
                    ": this is a shallow clone; fetch the full history (in GitHub Actions: `actions/checkout` with `fetch-depth: 0`)".into()
                } else {
                    " (unrelated histories?)".into()
                },
            })?;
            let base_tree = repo.find_commit(mb)?.tree()?;
            let diff =
                repo.diff_tree_to_tree(Some(&base_tree), Some(&head_tree), Some(&mut opts))?;
            (Snapshot::Tree(base_tree), Snapshot::Tree(head_tree), diff)
        }
    };
    let mut find = DiffFindOptions::new();
    find.renames(true);
    diff.find_similar(Some(&mut find))?;

    let mut changes = Vec::new();
    for (i, delta) in diff.deltas().enumerate() {
        let is_submodule = |m: FileMode| m == FileMode::Commit;
        if is_submodule(delta.old_file().mode()) || is_submodule(delta.new_file().mode()) {
            continue;
        }
        let path = |f: git2::DiffFile| f.path().map(|p| p.to_string_lossy().replace('\\', "/"));
        let mut fc = FileChange::default();
        match delta.status() {
            Delta::Added | Delta::Copied => fc.new_path = path(delta.new_file()),
            Delta::Deleted => fc.old_path = path(delta.old_file()),
            Delta::Modified | Delta::Renamed | Delta::Typechange => {
                fc.old_path = path(delta.old_file());
                fc.new_path = path(delta.new_file());
            }
            _ => continue,
        }
        if ![&fc.old_path, &fc.new_path]
            .into_iter()
            .flatten()
            .any(|p| wanted(p))
        {
            continue;
        }
        if let Ok(Some(patch)) = git2::Patch::from_diff(&diff, i) {
            match patch_lines(&patch) {
                Some(lines) => fc.changed_lines = lines,
                None => continue,
            }
        }
        changes.push(fc);
    }
    Ok(GitDiff {
        repo,
        base,
        new,
        changes,
        blobs: HashMap::new(),
    })
}

/// The new-side lines a patch changes (see [`FileChange::changed_lines`]), or `None` for a
/// binary patch (such a file is left out of the diff).
fn patch_lines(patch: &Patch) -> Option<BTreeSet<usize>> {
    if patch.delta().flags().is_binary() {
        return None;
    }
    let mut changed = BTreeSet::new();
    for h in 0..patch.num_hunks() {
        let Ok((hunk, lines)) = patch.hunk(h) else {
            continue;
        };
        let mut added = false;
        for l in 0..lines {
            if let Ok(line) = patch.line_in_hunk(h, l) {
                if line.origin() == '+' {
                    if let Some(n) = line.new_lineno() {
                        changed.insert(n as usize);
                        added = true;
                    }
                }
            }
        }
        if !added {
            // A deletion-only hunk: the lines around where the text was removed.
            let at = hunk.new_start() as usize;
            changed.insert(at.max(1));
            changed.insert(at + 1);
        }
    }
    Some(changed)
}

// ---- the staged diff without libgit2's index and diff machinery ----------------------------

const MODE_TYPE: u32 = 0o170000;
const MODE_TREE: u32 = 0o040000;
const MODE_FILE: u32 = 0o100000;
/// Deepest directory nesting the fast path walks (the fallback takes anything deeper).
const MAX_DEPTH: usize = 512;
/// libgit2's default `diff.renameLimit`.
const DEFAULT_RENAME_LIMIT: usize = 1000;

/// The index file that git (and `open()`'s libgit2) use: `GIT_INDEX_FILE` when set — git
/// sets it for a commit's hooks, to a temporary index for a partial commit — else
/// `$GIT_DIR/index`. `None` (an empty `GIT_INDEX_FILE`) is left to libgit2.
fn index_path(repo: &Repository) -> Option<PathBuf> {
    match std::env::var_os("GIT_INDEX_FILE") {
        None => Some(repo.path().join("index")),
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
    }
}

/// The staged diff (HEAD against the index) read the way git reads it, for a repository
/// opened with [`open`]. `None` means "use [`diff_libgit2`]"; see [`diff_staged_fast_at`].
pub fn diff_staged_fast<'r>(
    repo: &'r Repository,
    wanted: &dyn Fn(&str) -> bool,
) -> Option<GitDiff<'r>> {
    diff_staged_fast_at(repo, &index_path(repo)?, wanted)
}

/// The staged diff against the index file at `index_path`, without libgit2's index reader
/// (which hashes the whole file and validates every path) and without walking all of HEAD's
/// trees: a directory whose cache-tree entry is valid and names HEAD's tree is skipped
/// unread. The changes are the ones [`diff_libgit2`] finds: added, deleted and modified
/// files (a mode change is a modification; a change of type — file, symlink, directory,
/// submodule — is a deletion and an addition), exact renames paired, submodules left out.
///
/// `None` (fall back to libgit2) for anything this path does not fully handle: an index the
/// reader refuses ([`index::parse`]), a repository whose objects are not SHA-1, an unsorted
/// or unreadable tree, an unusual mode in HEAD, directories nested more than 512 deep, or a
/// deleted and an added file left after pairing exact renames (only libgit2's similarity
/// scoring can say whether they are a rename). Only changes with a path that `wanted` accepts
/// take part.
///
/// The repository's in-memory index is replaced with one that holds only the `.gitattributes`
/// entries (libgit2 reads attributes from it for the patches): open the repository again to
/// use its index after this.
pub fn diff_staged_fast_at<'r>(
    repo: &'r Repository,
    index_path: &Path,
    wanted: &dyn Fn(&str) -> bool,
) -> Option<GitDiff<'r>> {
    let rename_limit = fast_path_config(repo)?;
    let file = index::read(index_path).ok()?;
    let head = head_tree(repo).ok()?;
    let entries = file.entries;
    let cache = file.tree.as_ref();
    let mut walk = Walk {
        repo,
        idx: &entries,
        cache,
        prefix: Vec::new(),
        raw: Vec::new(),
    };
    let root = cache.map(|_| CacheTree::ROOT);
    let unchanged = match (&head, cache) {
        (Some(t), Some(c)) => c
            .valid_oid(CacheTree::ROOT, entries.len())
            .is_some_and(|oid| t.id().as_bytes() == oid),
        _ => false,
    };
    if !unchanged {
        walk.dir(head.as_ref(), root, 0, entries.len(), 0)?;
    }
    let path = |s: &Side| String::from_utf8_lossy(&s.path).replace('\\', "/");
    // Unwanted changes go before renames are paired: whether a wanted file was renamed from
    // an unwanted one (or added) changes nothing the caller reads, and a commit that deletes
    // one unwanted file and adds another would otherwise need libgit2's similarity scoring.
    let mut raw = walk.raw;
    raw.retain(|d| {
        [&d.old, &d.new]
            .into_iter()
            .flatten()
            .any(|s| wanted(&path(s)))
    });
    let raw = pair_exact_renames(raw, rename_limit)?;
    if !raw.is_empty() {
        attributes_index(repo, &entries)?;
    }
    let mut opts = diff_options();
    let mut changes = Vec::new();
    let mut blobs = HashMap::new();
    for d in raw {
        let (old, new) = (d.old.as_ref(), d.new.as_ref());
        if old.is_some_and(|s| s.mode == MODE_GITLINK)
            || new.is_some_and(|s| s.mode == MODE_GITLINK)
        {
            continue;
        }
        let mut fc = FileChange {
            old_path: old.map(path),
            new_path: new.map(path),
            changed_lines: BTreeSet::new(),
        };
        match side_patch(repo, old, new, &mut opts, &mut blobs) {
            Some(Ok(patch)) => match patch_lines(&patch) {
                Some(lines) => fc.changed_lines = lines,
                None => continue,
            },
            Some(Err(_)) => {}
            None => return None,
        }
        changes.push(fc);
    }
    Some(GitDiff {
        repo,
        base: head.map(Snapshot::Tree).unwrap_or(Snapshot::Empty),
        new: Snapshot::Index(entries),
        changes,
        blobs,
    })
}

/// Gives the repository an in-memory index of just the index's `.gitattributes` files.
///
/// libgit2 looks up the attributes of each patched path (its diff driver: `binary`, `-diff`)
/// in the work tree's and the index's `.gitattributes`, and would load — hash, validate —
/// the whole index file for that. With this one the attributes, and so the patches, are the
/// same. The repository's index is not used otherwise after a diff; callers that need it
/// should open the repository again.
fn attributes_index(repo: &Repository, entries: &Entries) -> Option<()> {
    let mut idx = git2::Index::new().ok()?;
    for i in 0..entries.len() {
        let path = entries.path(i);
        if path == b".gitattributes" || path.ends_with(b"/.gitattributes") {
            let e = entries.entry(i);
            idx.add(&git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: e.mode,
                uid: 0,
                gid: 0,
                file_size: 0,
                id: Oid::from_bytes(&e.oid).ok()?,
                flags: 0,
                flags_extended: 0,
                path: path.to_vec(),
            })
            .ok()?;
        }
    }
    repo.set_index(&mut idx).ok()
}

/// What the fast path needs from the configuration: SHA-1 objects (the index reader knows no
/// other length), and libgit2's rename limit (`diff.renameLimit`).
fn fast_path_config(repo: &Repository) -> Option<usize> {
    let cfg = repo.config().ok()?;
    if let Ok(format) = cfg.get_string("extensions.objectformat") {
        if !format.eq_ignore_ascii_case("sha1") {
            return None;
        }
    }
    Some(match cfg.get_i32("diff.renamelimit") {
        Ok(n) if n > 0 => n as usize,
        _ => DEFAULT_RENAME_LIMIT,
    })
}

/// One side of a change: path, mode (as recorded), blob id.
struct Side {
    path: Vec<u8>,
    mode: u32,
    oid: Oid,
}

/// A change before rename pairing: one side (added, deleted) or both (modified, renamed).
struct RawDelta {
    old: Option<Side>,
    new: Option<Side>,
}

/// The walk over HEAD's trees and the index entries under the same directories.
struct Walk<'a, 'r> {
    repo: &'r Repository,
    idx: &'a Entries,
    cache: Option<&'a CacheTree>,
    /// The directory being compared, with its trailing `/` (empty at the root).
    prefix: Vec<u8>,
    raw: Vec<RawDelta>,
}

/// git's order of tree entries: by name, a directory's name as if it ended in `/`.
fn git_order(a: &[u8], a_dir: bool, b: &[u8], b_dir: bool) -> std::cmp::Ordering {
    let slash = |dir: bool| if dir { Some(&b'/') } else { None };
    a.iter()
        .chain(slash(a_dir))
        .cmp(b.iter().chain(slash(b_dir)))
}

fn is_tree_entry(e: &TreeEntry) -> bool {
    (e.filemode_raw() as u32) & MODE_TYPE == MODE_TREE
}

/// A tree entry as a change side, if its mode is one git writes (others go to libgit2).
fn tree_side(prefix: &[u8], e: &TreeEntry) -> Option<Side> {
    let mode = e.filemode_raw() as u32;
    if !matches!(mode, 0o100644 | 0o100755 | 0o120000 | MODE_GITLINK) {
        return None;
    }
    let mut path = prefix.to_vec();
    path.extend_from_slice(e.name_bytes());
    Some(Side {
        path,
        mode,
        oid: e.id(),
    })
}

impl Walk<'_, '_> {
    fn index_side(&self, i: usize) -> Option<Side> {
        let e = self.idx.entry(i);
        Some(Side {
            path: self.idx.path(i).to_vec(),
            mode: e.mode,
            oid: Oid::from_bytes(&e.oid).ok()?,
        })
    }

    /// Compares HEAD's `tree` at `self.prefix` (`None`: not in HEAD) with the index entries
    /// `lo..hi` (all of those under the prefix), descending into a subdirectory only when its
    /// cache-tree `node` does not vouch that it is unchanged.
    fn dir(
        &mut self,
        tree: Option<&Tree>,
        node: Option<usize>,
        lo: usize,
        hi: usize,
        depth: usize,
    ) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let items: Vec<TreeEntry> = tree.map(|t| t.iter().collect()).unwrap_or_default();
        if items.windows(2).any(|w| {
            git_order(
                w[0].name_bytes(),
                is_tree_entry(&w[0]),
                w[1].name_bytes(),
                is_tree_entry(&w[1]),
            ) != std::cmp::Ordering::Less
        }) {
            return None;
        }
        // The cache-tree nodes of the subdirectories, by name.
        let cache = self.cache;
        let kids = match (cache, node) {
            (Some(c), Some(n)) => c.children(n)?,
            _ => Vec::new(),
        };
        let plen = self.prefix.len();
        let (mut t, mut j) = (0, lo);
        loop {
            let te = items.get(t);
            // The index's next item at this level: a file, or a directory spanning j..end.
            let ii = if j < hi {
                let path = self.idx.path(j);
                let rest = path.get(plen..)?;
                Some(match memchr::memchr(b'/', rest) {
                    Some(k) => {
                        let end = self.idx.prefix_end(j, hi, &path[..plen + k + 1]);
                        (&rest[..k], true, end)
                    }
                    None => (rest, false, j + 1),
                })
            } else {
                None
            };
            let ord = match (te, &ii) {
                (None, None) => break,
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(te), Some((name, is_dir, _))) => {
                    git_order(te.name_bytes(), is_tree_entry(te), name, *is_dir)
                }
            };
            match ord {
                std::cmp::Ordering::Less => {
                    // Only in HEAD.
                    let te = te?;
                    if is_tree_entry(te) {
                        let sub = self.repo.find_tree(te.id()).ok()?;
                        self.enter(te.name_bytes());
                        self.deleted_tree(&sub, depth + 1)?;
                        self.prefix.truncate(plen);
                    } else {
                        let old = tree_side(&self.prefix, te)?;
                        self.raw.push(RawDelta {
                            old: Some(old),
                            new: None,
                        });
                    }
                    t += 1;
                }
                std::cmp::Ordering::Greater => {
                    // Only in the index.
                    let (_, _, end) = ii?;
                    for k in j..end {
                        let new = self.index_side(k)?;
                        self.raw.push(RawDelta {
                            old: None,
                            new: Some(new),
                        });
                    }
                    j = end;
                }
                std::cmp::Ordering::Equal => {
                    let te = te?;
                    let (name, is_dir, end) = ii?;
                    if is_dir {
                        let child = kids
                            .binary_search_by(|(k, _)| (*k).cmp(name))
                            .ok()
                            .map(|k| kids[k].1);
                        let same = match (cache, child) {
                            (Some(c), Some(n)) => c
                                .valid_oid(n, end - j)
                                .is_some_and(|oid| te.id().as_bytes() == oid),
                            _ => false,
                        };
                        if !same {
                            let sub = self.repo.find_tree(te.id()).ok()?;
                            self.enter(name);
                            self.dir(Some(&sub), child, j, end, depth + 1)?;
                            self.prefix.truncate(plen);
                        }
                    } else {
                        // As libgit2: unchanged when modes and ids are equal (and the id is
                        // not the null id).
                        let (id, e) = (te.id(), self.idx.entry(j));
                        if te.filemode_raw() as u32 == e.mode
                            && id.as_bytes() == e.oid
                            && !id.is_zero()
                        {
                            t += 1;
                            j = end;
                            continue;
                        }
                        let old = tree_side(&self.prefix, te)?;
                        let new = self.index_side(j)?;
                        if old.mode & MODE_TYPE != new.mode & MODE_TYPE {
                            // libgit2 (without typechange detection) splits it in two.
                            self.raw.push(RawDelta {
                                old: Some(old),
                                new: None,
                            });
                            self.raw.push(RawDelta {
                                old: None,
                                new: Some(new),
                            });
                        } else {
                            self.raw.push(RawDelta {
                                old: Some(old),
                                new: Some(new),
                            });
                        }
                    }
                    t += 1;
                    j = end;
                }
            }
        }
        Some(())
    }

    fn enter(&mut self, name: &[u8]) {
        self.prefix.extend_from_slice(name);
        self.prefix.push(b'/');
    }

    /// Every file of a HEAD directory that the index no longer has.
    fn deleted_tree(&mut self, tree: &Tree, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        let plen = self.prefix.len();
        for te in tree.iter() {
            if is_tree_entry(&te) {
                let sub = self.repo.find_tree(te.id()).ok()?;
                self.enter(te.name_bytes());
                self.deleted_tree(&sub, depth + 1)?;
                self.prefix.truncate(plen);
            } else {
                let old = tree_side(&self.prefix, &te)?;
                self.raw.push(RawDelta {
                    old: Some(old),
                    new: None,
                });
            }
        }
        Some(())
    }
}

/// Pairs deleted and added regular files with the same blob into renames, as libgit2's
/// `find_similar` does for exact matches (only regular files take part, symlinks and
/// submodules never do). `None` when that is not the whole answer: a deleted and an added
/// file that remain unpaired (libgit2 scores their similarity), a blob shared by several of
/// either, or more deleted files than libgit2 examines (`diff.renameLimit`).
fn pair_exact_renames(raw: Vec<RawDelta>, rename_limit: usize) -> Option<Vec<RawDelta>> {
    let is_file = |s: &Option<Side>| s.as_ref().is_some_and(|s| s.mode & MODE_TYPE == MODE_FILE);
    let source = |d: &RawDelta| d.new.is_none() && is_file(&d.old);
    let target = |d: &RawDelta| d.old.is_none() && is_file(&d.new);
    let sources = raw.iter().filter(|d| source(d)).count();
    let targets = raw.iter().filter(|d| target(d)).count();
    if sources == 0 || targets == 0 {
        return Some(raw);
    }
    if sources > rename_limit {
        return None;
    }
    // Blob id → (deleted deltas, added deltas).
    let mut by_blob: HashMap<Oid, (Vec<usize>, Vec<usize>)> = HashMap::new();
    for (i, d) in raw.iter().enumerate() {
        if source(d) {
            by_blob.entry(d.old.as_ref()?.oid).or_default().0.push(i);
        } else if target(d) {
            by_blob.entry(d.new.as_ref()?.oid).or_default().1.push(i);
        }
    }
    // partner[added] = deleted, for the pairs; paired deltas disappear as deletions.
    let mut partner: Vec<Option<usize>> = vec![None; raw.len()];
    let mut consumed = vec![false; raw.len()];
    let mut paired = 0;
    for (dels, adds) in by_blob.values() {
        if let ([d], [a]) = (dels.as_slice(), adds.as_slice()) {
            partner[*a] = Some(*d);
            consumed[*d] = true;
            paired += 1;
        }
    }
    if sources > paired && targets > paired {
        return None;
    }
    let mut slots: Vec<Option<RawDelta>> = raw.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(slots.len() - paired);
    for i in 0..slots.len() {
        if consumed[i] {
            continue;
        }
        let Some(mut d) = slots[i].take() else {
            continue;
        };
        if let Some(from) = partner[i] {
            d.old = slots.get_mut(from)?.take()?.old;
        }
        out.push(d);
    }
    Some(out)
}

/// A path for libgit2 (attributes are looked up by it, as in a diff).
#[cfg(unix)]
fn as_path(bytes: &[u8]) -> Option<&Path> {
    use std::os::unix::ffi::OsStrExt;
    Some(Path::new(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn as_path(bytes: &[u8]) -> Option<&Path> {
    std::str::from_utf8(bytes).ok().map(Path::new)
}

/// The patch of one change, computed from its blobs as libgit2's diff would. `None` (fall
/// back) only for a path this platform cannot name; `Some(Err)` when a blob cannot be read
/// (the change is kept without lines, as the libgit2 path does).
fn side_patch<'r>(
    repo: &'r Repository,
    old: Option<&Side>,
    new: Option<&Side>,
    opts: &mut DiffOptions,
    blobs: &mut HashMap<Oid, Vec<u8>>,
) -> Option<Result<Patch<'r>, git2::Error>> {
    let mut blob = |s: &Side| {
        let b = repo.find_blob(s.oid)?;
        blobs.entry(s.oid).or_insert_with(|| b.content().to_vec());
        Ok(b)
    };
    Some(match (old, new) {
        (Some(o), Some(n)) => {
            let (op, np) = (as_path(&o.path)?, as_path(&n.path)?);
            opts.reverse(false);
            blob(o).and_then(|ob| {
                let nb = blob(n)?;
                Patch::from_blobs(&ob, Some(op), &nb, Some(np), Some(opts))
            })
        }
        (Some(o), None) => {
            let op = as_path(&o.path)?;
            opts.reverse(false);
            blob(o).and_then(|ob| {
                Patch::from_blob_and_buffer(&ob, Some(op), &[], Some(op), Some(opts))
            })
        }
        (None, Some(n)) => {
            // An addition: the blob against nothing, computed as the reverse of a deletion
            // (libgit2 has no "buffer then blob" form, and a buffer would be hashed).
            let np = as_path(&n.path)?;
            opts.reverse(true);
            let p = blob(n).and_then(|nb| {
                Patch::from_blob_and_buffer(&nb, Some(np), &[], Some(np), Some(opts))
            });
            opts.reverse(false);
            p
        }
        (None, None) => return None,
    })
}

impl Snapshot<'_> {
    /// The content of a file, if the snapshot has it (and it is a blob).
    pub fn read(&self, repo: &Repository, path: &str) -> Option<Vec<u8>> {
        let id = self.blob_id(path)?;
        repo.find_blob(id).ok().map(|b| b.content().to_vec())
    }

    /// The blob id of a file, if the snapshot has it (and it is a blob).
    pub fn blob_id(&self, path: &str) -> Option<Oid> {
        Some(match self {
            Snapshot::Tree(t) => {
                let e = t.get_path(Path::new(path)).ok()?;
                if e.kind() != Some(git2::ObjectType::Blob) {
                    return None;
                }
                e.id()
            }
            Snapshot::Index(i) => {
                let e = i.find(path.as_bytes())?;
                if e.mode == MODE_GITLINK {
                    return None;
                }
                Oid::from_bytes(&e.oid).ok()?
            }
            Snapshot::Empty => return None,
        })
    }

    /// The files directly inside a directory (`""` is the root) with their blob ids, sorted.
    /// (Read from the directory's tree: looking each file up by its path would read every
    /// tree above it again, and a large one such as `modules/` costs more than the blob.)
    pub fn list_dir(&self, repo: &Repository, dir: &str) -> Vec<(String, Oid)> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let mut out = BTreeSet::new();
        match self {
            Snapshot::Tree(t) => {
                let sub = if dir.is_empty() {
                    None
                } else {
                    match t
                        .get_path(Path::new(dir))
                        .ok()
                        .and_then(|e| repo.find_tree(e.id()).ok())
                    {
                        Some(tr) => Some(tr),
                        None => return vec![],
                    }
                };
                for e in sub.as_ref().unwrap_or(t).iter() {
                    if e.kind() == Some(git2::ObjectType::Blob) {
                        if let Ok(name) = e.name() {
                            out.insert((format!("{prefix}{name}"), e.id()));
                        }
                    }
                }
            }
            Snapshot::Index(i) => {
                // Index entries are sorted by path: start at the first one under the directory
                // and stop at the first one past it, rather than look at all 10,000 paths of a
                // big repository for each touched directory.
                let start = i.lower_bound(prefix.as_bytes());
                for n in start..i.len() {
                    let path = i.path(n);
                    let Some(rest) = path.strip_prefix(prefix.as_bytes()) else {
                        break;
                    };
                    let e = i.entry(n);
                    if !rest.contains(&b'/') && e.mode != MODE_GITLINK {
                        if let Ok(id) = Oid::from_bytes(&e.oid) {
                            out.insert((String::from_utf8_lossy(path).into_owned(), id));
                        }
                    }
                }
            }
            Snapshot::Empty => {}
        }
        out.into_iter().collect()
    }
}

/// The directory part of a repository path (`""` for the root).
pub fn parent_dir(path: &str) -> &str {
    path.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

/// Files that have staged changes (for the pre-commit hook's "passed but unchanged" rule).
pub fn changed_new_paths(changes: &[FileChange]) -> BTreeMap<String, &FileChange> {
    changes
        .iter()
        .filter_map(|c| c.new_path.clone().map(|p| (p, c)))
        .collect()
}

#[cfg(test)]
mod tests {
    //! The fast staged diff against libgit2's, on repositories built with the git CLI.

    use super::*;
    use std::process::{Command, Output};

    fn run_git(dir: &Path, args: &[&str], index: Option<&Path>) -> Output {
        let mut cmd = Command::new("git");
        cmd.args(args)
            .current_dir(dir)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com");
        if let Some(i) = index {
            cmd.env("GIT_INDEX_FILE", i);
        }
        cmd.output().unwrap()
    }

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = run_git(dir, args, None);
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn repo() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        git(d.path(), &["init", "-q", "-b", "main"]);
        d
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn commit_all(dir: &Path) {
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-q", "-m", "c"]);
    }

    /// A blob written with `git hash-object`, for `update-index --cacheinfo`.
    fn blob(dir: &Path, text: &str) -> String {
        let p = dir.join(".git/blob-input");
        std::fs::write(&p, text).unwrap();
        git(dir, &["hash-object", "-w", p.to_str().unwrap()])
    }

    type Summary = Vec<(Option<String>, Option<String>, Vec<usize>)>;

    fn summary(gd: &GitDiff) -> Summary {
        let mut s: Summary = gd
            .changes
            .iter()
            .map(|c| {
                (
                    c.old_path.clone(),
                    c.new_path.clone(),
                    c.changed_lines.iter().copied().collect(),
                )
            })
            .collect();
        s.sort();
        s
    }

    fn ch(
        old: Option<&str>,
        new: Option<&str>,
        lines: &[usize],
    ) -> (Option<String>, Option<String>, Vec<usize>) {
        (old.map(String::from), new.map(String::from), lines.to_vec())
    }

    /// The fast path on `index` (default: the repository's own) and libgit2 on the same file.
    fn both(dir: &Path, index: Option<&Path>) -> (Option<Summary>, Summary) {
        // Separate handles: the fast path replaces the repository's in-memory index.
        let repo = Repository::open(dir).unwrap();
        let slow_repo = Repository::open(dir).unwrap();
        let index_path = index.map_or_else(|| repo.path().join("index"), Path::to_path_buf);
        let fast = diff_staged_fast_at(&repo, &index_path, &|_| true);
        if let Some(i) = index {
            let mut idx = git2::Index::open(i).unwrap();
            slow_repo.set_index(&mut idx).unwrap();
        }
        let slow = diff_libgit2(&slow_repo, &DiffSpec::Staged, &|_| true).unwrap();
        if let Some(fast) = &fast {
            // The index snapshots agree too.
            for dir in ["", "dir", "a", "nope"] {
                assert_eq!(
                    fast.new.list_dir(&repo, dir),
                    slow.new.list_dir(&slow_repo, dir),
                    "list_dir({dir:?})"
                );
                for (p, id) in fast.new.list_dir(&repo, dir) {
                    assert_eq!(fast.new.blob_id(&p), Some(id), "{p}");
                    assert_eq!(
                        fast.new.read(&repo, &p),
                        slow.new.read(&slow_repo, &p),
                        "{p}"
                    );
                }
            }
        }
        (fast.map(|g| summary(&g)), summary(&slow))
    }

    /// Asserts that the fast path is taken and agrees with libgit2; returns the changes.
    fn fast_agrees(dir: &Path) -> Summary {
        fast_agrees_on(dir, None)
    }

    fn fast_agrees_on(dir: &Path, index: Option<&Path>) -> Summary {
        let (fast, slow) = both(dir, index);
        assert_eq!(
            fast.as_ref(),
            Some(&slow),
            "fast path (left) against libgit2 (right)"
        );
        slow
    }

    /// Asserts that the fast path declines; returns libgit2's changes.
    fn falls_back(dir: &Path) -> Summary {
        let (fast, slow) = both(dir, None);
        assert_eq!(fast, None, "expected a fallback; libgit2 says {slow:?}");
        slow
    }

    const TEN: &str = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n";

    #[test]
    fn modified_added_and_deleted_files() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", TEN);
        write(p, "dir/b.tf", TEN);
        write(p, "dir/sub/c.tf", "c\n");
        write(p, "other/d.tf", "d\n");
        write(p, "z.tf", "z\n");
        commit_all(p);
        // An added line and a deletion-only hunk; a new file deep in an existing directory.
        write(p, "dir/b.tf", "1\n2\nnew\n3\n4\n5\n6\n7\n9\n10\n");
        write(p, "dir/sub/new.tf", "x\ny\n");
        git(p, &["add", "-A"]);
        assert_eq!(
            fast_agrees(p),
            vec![
                ch(None, Some("dir/sub/new.tf"), &[1, 2]),
                ch(Some("dir/b.tf"), Some("dir/b.tf"), &[3, 8, 9]),
            ]
        );
        // Deleting files (and a whole directory) next to a modification.
        git(p, &["commit", "-q", "-m", "c"]);
        git(p, &["rm", "-q", "z.tf"]);
        git(p, &["rm", "-q", "-r", "dir/sub"]);
        write(p, "a.tf", "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
        git(p, &["add", "a.tf"]);
        assert_eq!(
            fast_agrees(p),
            vec![
                ch(Some("a.tf"), Some("a.tf"), &[1]),
                ch(Some("dir/sub/c.tf"), None, &[1]),
                ch(Some("dir/sub/new.tf"), None, &[1]),
                ch(Some("z.tf"), None, &[1]),
            ]
        );
    }

    #[test]
    fn an_added_and_a_deleted_file_are_left_to_libgit2() {
        let d = repo();
        let p = d.path();
        write(p, "old.tf", TEN);
        commit_all(p);
        git(p, &["rm", "-q", "old.tf"]);
        write(p, "unrelated.tf", "something else\n");
        git(p, &["add", "-A"]);
        assert_eq!(
            falls_back(p),
            vec![
                ch(None, Some("unrelated.tf"), &[1]),
                ch(Some("old.tf"), None, &[1]),
            ]
        );
    }

    #[test]
    fn exact_renames_pair_up_and_edited_ones_fall_back() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", TEN);
        write(p, "keep.tf", "k\n");
        commit_all(p);
        std::fs::create_dir(p.join("moved")).unwrap();
        git(p, &["mv", "a.tf", "moved/a.tf"]);
        assert_eq!(
            fast_agrees(p),
            vec![ch(Some("a.tf"), Some("moved/a.tf"), &[])]
        );
        // With an edit, only libgit2's similarity can pair them.
        write(p, "moved/a.tf", "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n");
        git(p, &["add", "-A"]);
        assert_eq!(
            falls_back(p),
            vec![ch(Some("a.tf"), Some("moved/a.tf"), &[11])]
        );
    }

    #[test]
    fn renames_of_identical_files_are_left_to_libgit2() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", TEN);
        write(p, "b.tf", TEN);
        commit_all(p);
        git(p, &["mv", "a.tf", "c.tf"]);
        git(p, &["mv", "b.tf", "d.tf"]);
        assert_eq!(falls_back(p).len(), 2);
    }

    #[test]
    fn more_deleted_files_than_the_rename_limit_go_to_libgit2() {
        let d = repo();
        let p = d.path();
        for f in ["a", "b", "c"] {
            write(p, &format!("{f}.tf"), &format!("{f}\n"));
        }
        commit_all(p);
        std::fs::create_dir(p.join("moved")).unwrap();
        for f in ["a", "b", "c"] {
            git(p, &["mv", &format!("{f}.tf"), "moved/"]);
        }
        assert_eq!(fast_agrees(p).len(), 3);
        git(p, &["config", "diff.renameLimit", "2"]);
        assert_eq!(falls_back(p).len(), 3);
    }

    #[test]
    fn mode_changes() {
        let d = repo();
        let p = d.path();
        write(p, "run.sh", "echo\n");
        write(p, "edit.sh", "echo\n");
        commit_all(p);
        git(p, &["update-index", "--chmod=+x", "run.sh"]);
        write(p, "edit.sh", "echo\necho\n");
        git(p, &["add", "edit.sh"]);
        git(p, &["update-index", "--chmod=+x", "edit.sh"]);
        assert_eq!(
            fast_agrees(p),
            vec![
                ch(Some("edit.sh"), Some("edit.sh"), &[2]),
                ch(Some("run.sh"), Some("run.sh"), &[]),
            ]
        );
    }

    #[test]
    fn a_file_that_becomes_a_directory() {
        let d = repo();
        let p = d.path();
        write(p, "x", TEN);
        write(p, "y", "y\n");
        commit_all(p);
        // Same content: an exact rename x -> x/inner.
        git(p, &["rm", "-q", "x"]);
        write(p, "x/inner", TEN);
        git(p, &["add", "-A"]);
        assert_eq!(fast_agrees(p), vec![ch(Some("x"), Some("x/inner"), &[])]);
        // Other content: a deletion and an addition, which libgit2 may pair.
        git(p, &["rm", "-q", "--cached", "y"]);
        std::fs::remove_file(p.join("y")).unwrap();
        write(p, "y/inner", "other\n");
        git(p, &["add", "-A"]);
        assert_eq!(falls_back(p).len(), 3);
    }

    #[test]
    fn files_and_symlinks_swapped() {
        let d = repo();
        let p = d.path();
        write(p, "f", "target\n");
        let link = blob(p, "a.tf");
        git(p, &["add", "-A"]);
        git(
            p,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("120000,{link},l"),
            ],
        );
        git(p, &["commit", "-q", "-m", "c"]);
        // The file becomes a symlink: a deletion and an addition (a symlink is never a rename
        // source or target).
        git(p, &["rm", "-q", "--cached", "f"]);
        let target = blob(p, "elsewhere");
        git(
            p,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("120000,{target},f"),
            ],
        );
        assert_eq!(
            fast_agrees(p),
            vec![ch(None, Some("f"), &[1]), ch(Some("f"), None, &[1])]
        );
        // The symlink becomes a file.
        git(p, &["reset", "-q"]);
        git(p, &["rm", "-q", "--cached", "l"]);
        let file = blob(p, "now a file\n");
        git(
            p,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("100644,{file},l"),
            ],
        );
        assert_eq!(
            fast_agrees(p),
            vec![ch(None, Some("l"), &[1]), ch(Some("l"), None, &[1])]
        );
        // Both at once: a file deleted and another added, which libgit2 may pair.
        git(p, &["rm", "-q", "--cached", "f"]);
        git(
            p,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("120000,{target},f"),
            ],
        );
        assert_eq!(falls_back(p).len(), 4);
    }

    #[test]
    fn submodules_are_left_out() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", "a\n");
        commit_all(p);
        let head = git(p, &["rev-parse", "HEAD"]);
        git(
            p,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{head},sub"),
            ],
        );
        git(
            p,
            &[
                "update-index",
                "--add",
                "--cacheinfo",
                &format!("160000,{head},deep/sub"),
            ],
        );
        write(p, "a.tf", "b\n");
        git(p, &["add", "a.tf"]);
        assert_eq!(fast_agrees(p), vec![ch(Some("a.tf"), Some("a.tf"), &[1])]);
        // A submodule replaced by a file: only the file is reported.
        git(p, &["commit", "-q", "-m", "c"]);
        git(p, &["rm", "-q", "--cached", "sub"]);
        write(p, "sub", "now a file\n");
        git(p, &["add", "sub"]);
        assert_eq!(fast_agrees(p), vec![ch(None, Some("sub"), &[1])]);
    }

    #[test]
    fn directories_added_and_removed() {
        let d = repo();
        let p = d.path();
        write(p, "deep/a/b/c.tf", "c\n");
        write(p, "deep/a/d.tf", "d\n");
        write(p, "deep/e.tf", "e\n");
        write(p, "top.tf", "t\n");
        commit_all(p);
        git(p, &["rm", "-q", "-r", "--cached", "deep/a"]);
        assert_eq!(
            fast_agrees(p),
            vec![
                ch(Some("deep/a/b/c.tf"), None, &[1]),
                ch(Some("deep/a/d.tf"), None, &[1]),
            ]
        );
        git(p, &["reset", "-q"]);
        write(p, "new/x/y/z.tf", "z\n");
        write(p, "new/w.tf", "w\nw\n");
        write(p, "deep/a/b/more/m.tf", "m\n");
        git(p, &["add", "-A"]);
        assert_eq!(
            fast_agrees(p),
            vec![
                ch(None, Some("deep/a/b/more/m.tf"), &[1]),
                ch(None, Some("new/w.tf"), &[1, 2]),
                ch(None, Some("new/x/y/z.tf"), &[1]),
            ]
        );
    }

    #[test]
    fn git_tree_order_and_unusual_names() {
        let d = repo();
        let p = d.path();
        // `a-b` < `a.tf` < `a/` < `a0` in git's order; `a` the directory sorts as `a/`.
        for f in [
            "a-b",
            "a.tf",
            "a/b.tf",
            "a0",
            "dir with space/x.tf",
            "é/ü.tf",
        ] {
            write(p, f, "1\n");
        }
        commit_all(p);
        for f in ["a-b", "a/b.tf", "a0", "dir with space/x.tf", "é/ü.tf"] {
            write(p, f, "2\n");
        }
        write(p, "é/nöu.tf", "n\n");
        write(p, "a/c d.tf", "n\n");
        git(p, &["add", "-A"]);
        let s = fast_agrees(p);
        assert_eq!(s.len(), 7, "{s:?}");
        assert!(s.contains(&ch(None, Some("é/nöu.tf"), &[1])), "{s:?}");
        assert!(s.contains(&ch(
            Some("dir with space/x.tf"),
            Some("dir with space/x.tf"),
            &[1]
        )));
    }

    #[test]
    fn index_versions_and_cache_tree_states() {
        let d = repo();
        let p = d.path();
        for f in ["a/1.tf", "a/2.tf", "b/c/3.tf", "d.tf"] {
            write(p, f, "x\n");
        }
        commit_all(p);
        write(p, "b/c/3.tf", "y\n");
        write(p, "a/new.tf", "n\n");
        git(p, &["add", "-A"]);
        let expected = fast_agrees(p);
        assert_eq!(expected.len(), 2);
        // Version 4 (prefix-compressed paths).
        git(p, &["update-index", "--index-version", "4"]);
        let data = std::fs::read(p.join(".git/index")).unwrap();
        assert_eq!(&data[4..8], &4u32.to_be_bytes());
        assert_eq!(fast_agrees(p), expected);
        git(p, &["update-index", "--index-version", "3"]);
        assert_eq!(fast_agrees(p), expected);
        git(p, &["update-index", "--index-version", "2"]);
        // A fully valid cache-tree whose trees differ from HEAD's.
        git(p, &["write-tree"]);
        let tree = index::read(&p.join(".git/index")).unwrap().tree.unwrap();
        assert!(tree.root_is_valid());
        assert_eq!(fast_agrees(p), expected);
        // No cache-tree at all: every tree of HEAD is read.
        std::fs::remove_file(p.join(".git/index")).unwrap();
        git(p, &["add", "-A"]);
        assert!(index::read(&p.join(".git/index")).unwrap().tree.is_none());
        assert_eq!(fast_agrees(p), expected);
        // Nothing staged.
        git(p, &["commit", "-q", "-m", "c"]);
        assert_eq!(fast_agrees(p), vec![]);
    }

    #[test]
    fn git_index_file_elsewhere() {
        let d = repo();
        let p = d.path();
        write(p, "main.tf", "a\n");
        commit_all(p);
        let tmp = p.join(".git/tmp-index");
        std::fs::copy(p.join(".git/index"), &tmp).unwrap();
        write(p, "main.tf", "b\n");
        let out = run_git(p, &["add", "main.tf"], Some(&tmp));
        assert!(out.status.success());
        assert_eq!(fast_agrees(p), vec![]);
        assert_eq!(
            fast_agrees_on(p, Some(&tmp)),
            vec![ch(Some("main.tf"), Some("main.tf"), &[1])]
        );
        // A missing index file is an empty index: everything deleted.
        let missing = p.join(".git/no-such-index");
        let repo = Repository::open(p).unwrap();
        let gd = diff_staged_fast_at(&repo, &missing, &|_| true).unwrap();
        assert_eq!(summary(&gd), vec![ch(Some("main.tf"), None, &[1])]);
    }

    #[test]
    fn first_commit() {
        let d = repo();
        let p = d.path();
        write(p, "main.tf", "a\nb\n");
        write(p, "k8s/pod.yaml", "kind: Pod\n");
        write(p, "empty.tf", "");
        git(p, &["add", "-A"]);
        assert_eq!(
            fast_agrees(p),
            vec![
                ch(None, Some("empty.tf"), &[]),
                ch(None, Some("k8s/pod.yaml"), &[1]),
                ch(None, Some("main.tf"), &[1, 2]),
            ]
        );
    }

    #[test]
    fn binary_files_are_left_out() {
        let d = repo();
        let p = d.path();
        write(p, "bin.dat", "a\0b\n");
        write(p, "moved.dat", "c\0d\n");
        write(p, "text.tf", "t\n");
        commit_all(p);
        write(p, "bin.dat", "a\0c\n");
        write(p, "added.dat", "\0\0\0");
        git(p, &["mv", "moved.dat", "renamed.dat"]);
        write(p, "text.tf", "u\n");
        git(p, &["add", "-A"]);
        assert_eq!(
            fast_agrees(p),
            vec![ch(Some("text.tf"), Some("text.tf"), &[1])]
        );
    }

    #[test]
    fn gitattributes_in_the_work_tree_and_the_index_apply() {
        let d = repo();
        let p = d.path();
        write(p, ".gitattributes", "*.bin binary\n");
        write(p, "d/.gitattributes", "*.tf -diff\n");
        for f in ["a.bin", "a.tf", "d/x.tf", "d/y.yaml"] {
            write(p, f, "1\n");
        }
        commit_all(p);
        for f in ["a.bin", "a.tf", "d/x.tf", "d/y.yaml"] {
            write(p, f, "2\n");
        }
        git(p, &["add", "-A"]);
        let expected = vec![
            ch(Some("a.tf"), Some("a.tf"), &[1]),
            ch(Some("d/y.yaml"), Some("d/y.yaml"), &[1]),
        ];
        assert_eq!(fast_agrees(p), expected);
        // Only in the index: still applied.
        std::fs::remove_file(p.join("d/.gitattributes")).unwrap();
        std::fs::remove_file(p.join(".gitattributes")).unwrap();
        assert_eq!(fast_agrees(p), expected);
    }

    #[test]
    fn only_wanted_changes_are_kept_and_others_need_no_fallback() {
        let d = repo();
        let p = d.path();
        write(p, "main.tf", TEN);
        write(p, "old.go", "package old\n");
        write(p, "notes.md", "a\n");
        commit_all(p);
        // A deleted and an added file that exact renames do not pair: libgit2 would have to
        // score their similarity. Neither is wanted, so that question does not arise.
        std::fs::remove_file(p.join("old.go")).unwrap();
        write(p, "new.go", "package new\n");
        write(p, "notes.md", "b\n");
        write(p, "main.tf", &TEN.replace("3\n", "three\n"));
        git(p, &["add", "-A"]);
        falls_back(p);
        let tf = |path: &str| path.ends_with(".tf");
        let repo = Repository::open(p).unwrap();
        let fast = diff_staged_fast_at(&repo, &repo.path().join("index"), &tf)
            .expect("the fast path, since the unpaired files are not wanted");
        let expected = vec![ch(Some("main.tf"), Some("main.tf"), &[3])];
        assert_eq!(summary(&fast), expected);
        let repo = Repository::open(p).unwrap();
        let slow = diff_libgit2(&repo, &DiffSpec::Staged, &tf).unwrap();
        assert_eq!(summary(&slow), expected);
    }

    #[test]
    fn what_the_reader_refuses_goes_to_libgit2() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", "a\n");
        write(p, "b.tf", "b\n");
        commit_all(p);
        // Intent-to-add.
        write(p, "new.tf", "n\n");
        git(p, &["add", "-N", "new.tf"]);
        falls_back(p);
        git(p, &["reset", "-q"]);
        // Assume-unchanged.
        git(p, &["update-index", "--assume-unchanged", "a.tf"]);
        falls_back(p);
        git(p, &["update-index", "--no-assume-unchanged", "a.tf"]);
        // Skip-worktree.
        git(p, &["update-index", "--skip-worktree", "a.tf"]);
        falls_back(p);
        git(p, &["update-index", "--no-skip-worktree", "a.tf"]);
        fast_agrees(p);
        // A split index: libgit2 cannot read it either.
        git(p, &["update-index", "--split-index"]);
        let repo = Repository::open(p).unwrap();
        assert!(diff_staged_fast_at(&repo, &repo.path().join("index"), &|_| true).is_none());
        git(p, &["update-index", "--no-split-index"]);
        fast_agrees(p);
    }

    #[test]
    fn unmerged_entries_go_to_libgit2() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", "base\n");
        commit_all(p);
        git(p, &["checkout", "-q", "-b", "other"]);
        write(p, "a.tf", "other\n");
        commit_all(p);
        git(p, &["checkout", "-q", "main"]);
        write(p, "a.tf", "main\n");
        commit_all(p);
        let out = run_git(p, &["merge", "-q", "other"], None);
        assert!(!out.status.success(), "the merge conflicts");
        falls_back(p);
    }

    #[test]
    fn corrupt_indexes_fall_back_to_a_clear_error() {
        let d = repo();
        let p = d.path();
        write(p, "a.tf", "a\n");
        write(p, "dir/b.tf", "b\n");
        commit_all(p);
        let good = std::fs::read(p.join(".git/index")).unwrap();
        for bad in [
            good[..good.len() / 2].to_vec(),
            good[..good.len() - 21].to_vec(),
            b"garbage, not an index at all".to_vec(),
            b"DIRC".to_vec(),
        ] {
            std::fs::write(p.join(".git/index"), &bad).unwrap();
            let repo = Repository::open(p).unwrap();
            assert!(diff_staged_fast_at(&repo, &repo.path().join("index"), &|_| true).is_none());
            assert!(matches!(
                diff_libgit2(&repo, &DiffSpec::Staged, &|_| true),
                Err(GitError::Index(_))
            ));
        }
        // A wrong checksum is not checked (git does not either); libgit2 refuses the file.
        let mut sum = good.clone();
        let n = sum.len();
        sum[n - 1] ^= 1;
        std::fs::write(p.join(".git/index"), &sum).unwrap();
        let repo = Repository::open(p).unwrap();
        let gd = diff_staged_fast_at(&repo, &repo.path().join("index"), &|_| true).unwrap();
        assert!(gd.changes.is_empty());
    }
}
