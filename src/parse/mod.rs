//! Parsers: HCL (hcl-edit), YAML (saphyr events), JSON (jsonc-parser), all into
//! [`crate::model::Node`] trees that keep byte spans.

pub mod hcl;
pub mod json;
pub mod yaml;

use crate::model::Span;

/// A file that could not be parsed, with where.
#[derive(Debug, Clone, thiserror::Error)]
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

/// Bounds on the work one file may cause.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_size: u64,
    pub max_depth: usize,
    pub max_alias_nodes: usize,
    pub max_documents: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 10 * 1024 * 1024,
            max_depth: 500,
            max_alias_nodes: 1_000_000,
            max_documents: 10_000,
        }
    }
}

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
                            format!("nesting deeper than {max} levels"),
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
