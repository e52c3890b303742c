//! Reads small YAML files (`.guardrail.yaml`, `guardrail-pack.yaml`) into typed values, keeping
//! every mistake with its line and column, and the spans that diagnostics point at later.

use crate::model::{Key, LineIndex, Node, Span, Value};
use crate::parse::{yaml, Limits};

/// A problem at a position in a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct Located {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A value with the span it was written at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// Collects typed values and located errors from one file.
pub struct Reader<'a> {
    pub file: &'a str,
    pub text: &'a str,
    lines: LineIndex,
    pub errors: Vec<Located>,
}

impl<'a> Reader<'a> {
    /// A reader for `text`, reporting errors against `file`.
    pub fn new(file: &'a str, text: &'a str) -> Reader<'a> {
        Reader {
            file,
            text,
            lines: LineIndex::new(text),
            errors: Vec::new(),
        }
    }

    /// Parses the file's single document; an empty file is an empty map.
    pub fn root(&mut self) -> Option<Node> {
        match yaml::parse(self.text, &Limits::default()) {
            Ok(docs) => match docs.into_iter().next() {
                Some(d) if !matches!(d.root.value, Value::Null) => Some(d.root),
                _ => Some(Node::new(Value::Map(vec![]), Span::new(0, 0))),
            },
            Err(e) => {
                self.err(e.span, e.message);
                None
            }
        }
    }

    /// Records an error at a span.
    pub fn err(&mut self, span: Span, message: impl Into<String>) {
        let (line, column) = self.lines.position(self.text, span.start);
        self.errors.push(Located {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    /// The entries of a map (else an error).
    pub fn map<'n>(&mut self, n: &'n Node, what: &str) -> Option<&'n [(Key, Node)]> {
        match &n.value {
            Value::Map(m) => Some(m),
            _ => {
                self.err(n.span, format!("{what} must be a map"));
                None
            }
        }
    }

    /// Reports keys that are not in `allowed`.
    pub fn known_keys(&mut self, m: &[(Key, Node)], allowed: &[&str], what: &str) {
        for (k, _) in m {
            if !allowed.contains(&k.name.as_str()) {
                self.err(
                    k.span,
                    format!(
                        "unknown key `{}` in {what} (expected one of: {})",
                        k.name,
                        allowed.join(", ")
                    ),
                );
            }
        }
    }

    /// A scalar as text (else an error).
    pub fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        match n.scalar_text() {
            Some(s) if !matches!(n.value, Value::Null) => Some(s),
            _ => {
                self.err(n.span, format!("`{what}` must be a string"));
                None
            }
        }
    }

    /// A scalar as text, with its span.
    pub fn spanned(&mut self, n: &Node, what: &str) -> Option<Spanned<String>> {
        self.string(n, what).map(|value| Spanned {
            value,
            span: n.span,
        })
    }

    /// A list of strings (a single string counts as a one-element list).
    pub fn strings(&mut self, n: &Node, what: &str) -> Vec<Spanned<String>> {
        match &n.value {
            Value::List(items) => items.iter().filter_map(|i| self.spanned(i, what)).collect(),
            _ => self.spanned(n, what).into_iter().collect(),
        }
    }

    /// `true` or `false` (else an error).
    pub fn boolean(&mut self, n: &Node, what: &str) -> Option<bool> {
        match n.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.err(n.span, format!("`{what}` takes true or false"));
                None
            }
        }
    }

    /// A whole, non-negative number (else an error).
    pub fn integer(&mut self, n: &Node, what: &str) -> Option<i64> {
        match n.value {
            Value::Number(x) if x.fract() == 0.0 && (0.0..1e12).contains(&x) => Some(x as i64),
            _ => {
                self.err(n.span, format!("`{what}` takes a whole number of days"));
                None
            }
        }
    }
}
