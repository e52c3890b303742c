//! `.guardrail.lock`: the commit each git pack's `rev` resolved to when `guardrail packs update`
//! last ran. Commit it, like `Cargo.lock`: every scan then uses exactly those commits, and a tag
//! that was moved afterwards is an error instead of a silent change of rules.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::PackError;

/// The lock file's name (beside `.guardrail.yaml`).
pub const LOCK_FILE: &str = ".guardrail.lock";

/// One locked git pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockEntry {
    pub url: String,
    pub rev: String,
    pub commit: String,
    /// The pack's `name` and `version` at that commit (for people reading the lock).
    pub name: String,
    pub version: String,
}

/// The lock file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lock {
    pub version: u32,
    pub packs: Vec<LockEntry>,
}

impl Lock {
    /// Reads the lock file; `None` when there is none.
    pub fn read(path: &Path) -> Result<Option<Lock>, PackError> {
        let text = match crate::scope::read::read_own_file(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(PackError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| PackError::BadLock {
                path: path.display().to_string(),
                message: e.to_string(),
            })
    }

    /// The text of the lock file: stable JSON, one entry per pack in configuration order.
    pub fn to_text(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The entry for a pack URL at a rev.
    pub fn find(&self, url: &str, rev: &str) -> Option<&LockEntry> {
        self.packs.iter().find(|e| e.url == url && e.rev == rev)
    }
}
