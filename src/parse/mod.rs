//! Parsers: HCL (hcl-edit), YAML (saphyr events), JSON (jsonc-parser), all into
//! [`crate::model::Node`] trees that keep byte spans.

pub mod hcl;
pub mod json;
pub(crate) mod plain;
pub mod yaml;

use std::collections::HashSet;

use crate::model::{Key, Node, Span};

/// A file that could not be parsed, with where.
#[derive(Debug, Clone, PartialEq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    pub span: Span,
}

impl ParseError {
    pub fn new(message: impl Into<String>, span: Span) -> ParseError {
        ParseError {
            message: message.into(),
            span,
        }
    }
}

/// Bounds on the work one file (or one check) may cause. Each is configurable under `limits:`
/// in `.guardrail.yaml` (see [`Limits::KEYS`]) and reported with its key when it is hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `max-file-size`: larger files are skipped with a note (bytes).
    pub max_file_size: u64,
    /// `max-depth`: nesting levels of a YAML or JSON document and of an HCL file's brackets;
    /// deeper is a `parse-error`.
    pub max_depth: usize,
    /// `max-alias-nodes`: nodes YAML aliases may expand to in one file (billion laughs).
    pub max_alias_nodes: usize,
    /// `max-documents`: YAML documents in one file.
    pub max_documents: usize,
    /// `max-regex-size`: compiled size of one regular expression of a check (bytes, the
    /// `regex` crate's size limit); larger is `check-invalid`.
    pub max_regex_size: usize,
    /// `max-eval-depth`: nested Terraform expressions and references (`local.a` → `local.b`
    /// → …) evaluated within one module; deeper values are unknown, with a note.
    pub max_eval_depth: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 10 * 1024 * 1024,
            max_depth: 500,
            max_alias_nodes: 1_000_000,
            max_documents: 10_000,
            max_regex_size: 1 << 20,
            max_eval_depth: 512,
        }
    }
}

impl Limits {
    /// The configuration keys, in the order of the fields.
    pub const KEYS: &'static [&'static str] = &[
        "max-file-size",
        "max-depth",
        "max-alias-nodes",
        "max-documents",
        "max-regex-size",
        "max-eval-depth",
    ];

    /// The largest value a key accepts. Depths are capped because parsing and evaluation
    /// recurse once per level on worker threads with a fixed stack
    /// ([`crate::engine::WORKER_STACK_SIZE`]); a stack overflow cannot be caught, so these
    /// caps are what `tests/hostile.rs` proves safe in an unoptimised build.
    pub fn max_of(key: &str) -> u64 {
        match key {
            "max-depth" => MAX_DEPTH_CAP as u64,
            "max-eval-depth" => MAX_EVAL_DEPTH_CAP as u64,
            "max-regex-size" => 1 << 30,
            _ => u64::MAX / 2,
        }
    }

    /// Sets the limit named by a configuration key; `false` for an unknown key.
    pub fn set(&mut self, key: &str, value: u64) -> bool {
        let as_usize = usize::try_from(value).unwrap_or(usize::MAX);
        match key {
            "max-file-size" => self.max_file_size = value,
            "max-depth" => self.max_depth = as_usize,
            "max-alias-nodes" => self.max_alias_nodes = as_usize,
            "max-documents" => self.max_documents = as_usize,
            "max-regex-size" => self.max_regex_size = as_usize,
            "max-eval-depth" => self.max_eval_depth = as_usize,
            _ => return false,
        }
        true
    }
}

/// The largest `max-depth` a configuration may set.
pub const MAX_DEPTH_CAP: usize = 10_000;
/// The largest `max-eval-depth` a configuration may set.
pub const MAX_EVAL_DEPTH_CAP: usize = 2_000;

/// A cheap bracket-depth prescan for the recursive parsers (hcl-edit, jsonc-parser): returns
/// the span of the first bracket that goes past `max`. Strings are skipped roughly (double
/// quotes with backslash escapes), which is enough to bound recursion.
pub fn check_nesting(text: &str, max: usize) -> Result<(), ParseError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut in_str = false;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            match c {
                b'\\' => i += 1,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_str = true,
                b'{' | b'[' | b'(' => {
                    depth += 1;
                    if depth > max {
                        return Err(ParseError::new(
                            format!("nesting deeper than {max} levels (`limits.max-depth`)"),
                            Span::new(i, i + 1),
                        ));
                    }
                }
                b'}' | b']' | b')' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        i += 1;
    }
    Ok(())
}

/// Duplicate-key detection in linear time: a map with hundreds of thousands of keys must not
/// make parsing quadratic. Small maps (most of them) are scanned; past a few keys a hash set
/// takes over.
#[derive(Default)]
pub(crate) struct SeenKeys {
    set: Option<HashSet<String>>,
}

impl SeenKeys {
    const SCAN_UP_TO: usize = 16;

    /// True when `entries` has no key `name` yet; `name` then counts as present (the caller
    /// pushes it).
    pub(crate) fn insert(&mut self, entries: &[(Key, Node)], name: &str) -> bool {
        if let Some(set) = &mut self.set {
            return set.insert(name.to_string());
        }
        if entries.iter().any(|(k, _)| k.name == name) {
            return false;
        }
        if entries.len() >= Self::SCAN_UP_TO {
            let mut set: HashSet<String> = entries.iter().map(|(k, _)| k.name.clone()).collect();
            set.insert(name.to_string());
            self.set = Some(set);
        }
        true
    }
}
