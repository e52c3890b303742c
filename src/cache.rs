//! The parse cache of `guardrail diff`: parse trees kept on disk between runs, in the
//! repository's git directory (`.git/guardrail/parse-cache/`).
//!
//! A pre-commit run scans every file of a touched Terraform module and of the modules it
//! calls, at both snapshots, and most of those files did not change since the last commit:
//! parsing them again was a third of a run's CPU time. An entry is keyed by the git blob id
//! of the text it was parsed from (SHA-1 with collision detection, computed here from the
//! text) and by how it was parsed, so a changed file can never meet an old entry. Entries
//! live in a directory per build of guardrail and per set of parse limits (`limits:` in
//! `.guardrail.yaml`): another build or other limits start empty.
//!
//! The cache can only make a run faster, never change its result:
//! - an entry that is missing, truncated, from another format or fails its checksum is a
//!   miss: the file is parsed, and the entry written again;
//! - entries are written to a temporary file and renamed into place, so a reader never sees
//!   half an entry and two runs may write the same entry at once;
//! - a cache that cannot be written (a read-only `.git`, a full disk) is not written to for
//!   the rest of the run, without a message: the run is the same, only slower.
//!
//! Entries expire 30 days after they were written (checked at most once a day), and the
//! directories of other builds once unused for a day (checked when a build first writes).
//! `guardrail diff --no-cache` neither reads nor writes.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::parse::Limits;

/// The first bytes of every entry: the format, so that a file of another layout is a miss.
const MAGIC: &[u8; 8] = b"grparse1";
/// Magic, payload length, payload checksum.
const HEADER: usize = 24;
const EXPIRY: Duration = Duration::from_secs(30 * 24 * 3600);
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);
/// A file in each build's directory whose modification time says when it was last pruned.
const PRUNED_STAMP: &str = "pruned";

/// One build's entries in one repository.
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    /// Cleared at the first failed write.
    writable: AtomicBool,
    /// Whether `dir` exists (created at the first write).
    created: OnceLock<bool>,
}

/// The file name of an entry.
#[derive(Debug)]
struct Key(String);

/// Temporary names unique within the process (the process id makes them unique across).
static TMP_COUNTER: AtomicU64 = AtomicU64::new(0);

impl DiskCache {
    /// The cache of the repository whose (common) git directory is `git_dir`, for parses
    /// under `limits`. Nothing is created until an entry is written.
    pub fn open(git_dir: &Path, limits: &Limits) -> DiskCache {
        let mut h = DefaultHasher::new();
        env!("GUARDRAIL_BUILD_ID").hash(&mut h);
        format!("{limits:?}").hash(&mut h);
        let dir = git_dir
            .join("guardrail")
            .join("parse-cache")
            .join(format!("{:016x}", h.finish()));
        let cache = DiskCache {
            dir,
            writable: AtomicBool::new(true),
            created: OnceLock::new(),
        };
        cache.prune_if_due();
        cache
    }

    /// The directory of this build's entries.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The value cached for `text` parsed as `kind`, else `parse()`'s, which is then cached.
    /// `kind` names how the text is parsed (`tf`, `yaml`, …): the same text parsed another
    /// way is another entry.
    pub fn get_or_insert_with<T: Serialize + DeserializeOwned>(
        &self,
        kind: &str,
        text: &str,
        parse: impl FnOnce() -> T,
    ) -> T {
        let Some(key) = key(kind, text) else {
            return parse();
        };
        if let Some(v) = self.load(&key) {
            return v;
        }
        let v = parse();
        self.store(&key, &v);
        v
    }

    fn load<T: DeserializeOwned>(&self, key: &Key) -> Option<T> {
        let bytes = std::fs::read(self.dir.join(&key.0)).ok()?;
        let (header, payload) = bytes.split_at_checked(HEADER)?;
        let len = u64::from_le_bytes(header[8..16].try_into().ok()?);
        let sum = u64::from_le_bytes(header[16..24].try_into().ok()?);
        if &header[..8] != MAGIC || payload.len() as u64 != len || checksum(payload) != sum {
            return None;
        }
        match postcard::take_from_bytes(payload) {
            Ok((v, [])) => Some(v),
            _ => None,
        }
    }

    fn store<T: Serialize>(&self, key: &Key, value: &T) {
        if !self.writable.load(Ordering::Relaxed) {
            return;
        }
        let Ok(payload) = postcard::to_allocvec(value) else {
            return;
        };
        let mut entry = Vec::with_capacity(HEADER + payload.len());
        entry.extend_from_slice(MAGIC);
        entry.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        entry.extend_from_slice(&checksum(&payload).to_le_bytes());
        entry.extend_from_slice(&payload);
        if self.write(&key.0, &entry).is_err() {
            self.writable.store(false, Ordering::Relaxed);
        }
    }

    fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        let created = *self.created.get_or_init(|| {
            let new = !self.dir.is_dir();
            let ok = std::fs::create_dir_all(&self.dir).is_ok();
            if ok && new {
                self.prune_other_builds();
            }
            ok
        });
        if !created {
            return Err(std::io::ErrorKind::NotFound.into());
        }
        let tmp = self.dir.join(format!(
            ".tmp-{}-{}",
            std::process::id(),
            TMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, self.dir.join(name)))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&tmp);
            })
    }

    /// Removes this build's entries written more than [`EXPIRY`] ago (and temporary files
    /// a killed run left), at most once per [`PRUNE_EVERY`].
    fn prune_if_due(&self) {
        let stamp = self.dir.join(PRUNED_STAMP);
        let now = SystemTime::now();
        let due = match std::fs::metadata(&stamp).and_then(|m| m.modified()) {
            Ok(t) => now.duration_since(t).is_ok_and(|age| age >= PRUNE_EVERY),
            // No stamp: a new directory (nothing to prune yet) or none at all.
            Err(_) => {
                if self.dir.is_dir() {
                    let _ = std::fs::write(&stamp, b"");
                }
                false
            }
        };
        if !due || std::fs::write(&stamp, b"").is_err() {
            return;
        }
        remove_older_than(&self.dir, now, EXPIRY, |name, is_dir| {
            !is_dir && name != PRUNED_STAMP
        });
    }

    /// Removes the directories of other builds unused for a day: a new build of guardrail
    /// never reads them again. (Two builds in use side by side keep theirs.)
    fn prune_other_builds(&self) {
        let Some(parent) = self.dir.parent() else {
            return;
        };
        let own = self.dir.file_name();
        remove_older_than(parent, SystemTime::now(), PRUNE_EVERY, |name, is_dir| {
            is_dir && Some(std::ffi::OsStr::new(name)) != own
        });
    }
}

/// Removes the entries of `dir` that `pick` selects (by name, and whether a directory) and
/// that were last modified at least `age` before `now`. Errors are ignored: another run may
/// be removing the same entries.
fn remove_older_than(
    dir: &Path,
    now: SystemTime,
    age: Duration,
    pick: impl Fn(&str, bool) -> bool,
) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        let name = e.file_name();
        let old = meta
            .modified()
            .ok()
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|a| a >= age);
        if old && pick(&name.to_string_lossy(), meta.is_dir()) {
            let p = e.path();
            let _ = if meta.is_dir() {
                std::fs::remove_dir_all(&p)
            } else {
                std::fs::remove_file(&p)
            };
        }
    }
}

/// `<blob id of text>-<kind>`: git's hash of the text as a blob (SHA-1 with collision
/// detection: a crafted file cannot take another's entry). No extension such as `.tf` or
/// `.yaml`, so that no tool that looks for such files takes an entry for one.
fn key(kind: &str, text: &str) -> Option<Key> {
    let oid = git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).ok()?;
    Some(Key(format!("{oid}-{kind}")))
}

/// Guards against entries damaged on disk (a crash before the data reached it), which could
/// otherwise decode into a wrong tree.
fn checksum(payload: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    payload.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> DiskCache {
        DiskCache::open(dir, &Limits::default())
    }

    #[test]
    fn a_stored_value_is_read_back_and_the_parser_not_called() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path());
        let v: Vec<String> = c.get_or_insert_with("tf", "text", || vec!["parsed".into()]);
        assert_eq!(v, ["parsed"]);
        let again = cache(tmp.path());
        let v: Vec<String> = again.get_or_insert_with("tf", "text", || panic!("parsed again"));
        assert_eq!(v, ["parsed"]);
        // The same text parsed another way, and another text, are other entries.
        let other: Vec<String> = again.get_or_insert_with("yaml", "text", || vec!["y".into()]);
        assert_eq!(other, ["y"]);
        let other: Vec<String> = again.get_or_insert_with("tf", "text2", || vec!["t2".into()]);
        assert_eq!(other, ["t2"]);
    }

    #[test]
    fn entries_are_named_by_the_git_blob_id_of_the_text() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path());
        let _: u32 = c.get_or_insert_with("tf", "hello\n", || 1);
        // `printf 'hello\n' | git hash-object --stdin`
        let entry = c.dir().join("ce013625030ba8dba906f756967f9e9ca394464a-tf");
        assert!(entry.is_file(), "{:?}", std::fs::read_dir(c.dir()).unwrap());
    }

    #[test]
    fn a_damaged_entry_is_a_miss_and_is_written_again() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path());
        let _: String = c.get_or_insert_with("tf", "t", || "good".into());
        let entry = c.dir().join(key("tf", "t").unwrap().0);
        let good = std::fs::read(&entry).unwrap();
        let damaged: Vec<Vec<u8>> = vec![
            Vec::new(),
            good[..HEADER].to_vec(),
            good[..good.len() - 1].to_vec(),
            // One payload byte flipped: the checksum differs.
            {
                let mut b = good.clone();
                *b.last_mut().unwrap() ^= 1;
                b
            },
            // Another format.
            {
                let mut b = good.clone();
                b[7] = b'0';
                b
            },
        ];
        for bad in damaged {
            std::fs::write(&entry, &bad).unwrap();
            let c = cache(tmp.path());
            let v: String = c.get_or_insert_with("tf", "t", || "parsed".into());
            assert_eq!(v, "parsed", "{bad:?}");
            let key = key("tf", "t").unwrap();
            assert_eq!(c.load::<String>(&key).as_deref(), Some("parsed"));
        }
    }

    #[test]
    fn an_unwritable_cache_only_parses() {
        let tmp = tempfile::tempdir().unwrap();
        // The cache's directory cannot be created: a file stands where it would be.
        std::fs::write(tmp.path().join("guardrail"), b"").unwrap();
        let c = cache(tmp.path());
        let mut calls = 0;
        for _ in 0..2 {
            let v: u8 = c.get_or_insert_with("tf", "t", || {
                calls += 1;
                7
            });
            assert_eq!(v, 7);
        }
        assert_eq!(calls, 2);
        assert!(!c.writable.load(Ordering::Relaxed));
    }

    #[test]
    fn limits_and_builds_get_directories_of_their_own() {
        let tmp = tempfile::tempdir().unwrap();
        let a = cache(tmp.path());
        let b = DiskCache::open(
            tmp.path(),
            &Limits {
                max_depth: 7,
                ..Limits::default()
            },
        );
        assert_ne!(a.dir(), b.dir());
        assert_eq!(a.dir().parent(), b.dir().parent());
    }

    #[test]
    fn old_entries_and_unused_builds_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let c = cache(tmp.path());
        let _: u8 = c.get_or_insert_with("tf", "old", || 1);
        let _: u8 = c.get_or_insert_with("tf", "new", || 2);
        let day = Duration::from_secs(24 * 3600);
        let set_age = |p: &Path, age: Duration| {
            let f = std::fs::File::options().write(true).open(p).unwrap();
            f.set_modified(SystemTime::now() - age).unwrap();
        };
        let old = c.dir().join(key("tf", "old").unwrap().0);
        let new = c.dir().join(key("tf", "new").unwrap().0);
        set_age(&old, 31 * day);
        set_age(&new, 29 * day);
        // Not due yet: pruned less than a day ago.
        drop(cache(tmp.path()));
        assert!(old.is_file());
        set_age(&c.dir().join(PRUNED_STAMP), 2 * day);
        drop(cache(tmp.path()));
        assert!(!old.exists());
        assert!(new.is_file());

        // Another build's directory, unused for two days, goes when a new build first writes;
        // one used an hour ago stays.
        let parent = c.dir().parent().unwrap().to_path_buf();
        let stale = parent.join("0000000000000001");
        let recent = parent.join("0000000000000002");
        for d in [&stale, &recent] {
            std::fs::create_dir(d).unwrap();
        }
        let dir_age = |d: &Path, age: Duration| {
            let f = std::fs::File::open(d).unwrap();
            f.set_modified(SystemTime::now() - age).unwrap();
        };
        dir_age(&stale, 2 * day);
        dir_age(&recent, Duration::from_secs(3600));
        std::fs::remove_dir_all(c.dir()).unwrap();
        let c = cache(tmp.path());
        let _: u8 = c.get_or_insert_with("tf", "x", || 3);
        assert!(!stale.exists());
        assert!(recent.is_dir());
        assert!(c.dir().is_dir());
    }
}
