//! Git snapshots and changes (libgit2): what `guardrail diff` reads. Content always comes from
//! git objects — index blobs for `--staged`, the head commit for `--base` — never from the
//! work tree, so an unstaged edit cannot change the verdict.

pub mod index;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use git2::{
    Delta, DiffFindOptions, DiffOptions, ErrorCode, FileMode, Oid, Patch, Repository, Tree,
};

use index::Entries;

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

/// Computes the changes of a diff spec.
pub fn diff<'r>(repo: &'r Repository, spec: &DiffSpec) -> Result<GitDiff<'r>, GitError> {
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

impl Snapshot<'_> {
    /// The content of a file, if the snapshot has it (and it is a blob).
    pub fn read(&self, repo: &Repository, path: &str) -> Option<Vec<u8>> {
        let id = match self {
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
        };
        repo.find_blob(id).ok().map(|b| b.content().to_vec())
    }

    /// The files directly inside a directory (`""` is the root), sorted.
    pub fn list_dir(&self, repo: &Repository, dir: &str) -> Vec<String> {
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
                            out.insert(format!("{prefix}{name}"));
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
                    if !rest.contains(&b'/') && i.entry(n).mode != MODE_GITLINK {
                        out.insert(String::from_utf8_lossy(path).into_owned());
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
