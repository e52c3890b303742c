//! The compiled condition language (see `docs/checks.md`).

use std::sync::OnceLock;

use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;

use super::Framework;

/// A parsed attribute path.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// Where the path starts.
    pub root: PathRoot,
    pub segments: Vec<Segment>,
    /// The path as written, for labels.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathRoot {
    /// The current node (resource body, list element, container).
    Current,
    /// `$pod.`: the pod spec (Kubernetes).
    Pod,
    /// `$object.`: the object root (Kubernetes).
    Object,
    /// `$list`: the name of the container list in `scope: container`.
    List,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String),
    /// `*`: every value of a map.
    Any,
}

/// A scalar literal in a check.
#[derive(Debug, Clone, PartialEq)]
pub struct Literal(pub String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Lt,
    Le,
    Gt,
    Ge,
}

/// Leaf operators.
#[derive(Debug, Clone)]
pub enum Op {
    Exists(bool),
    Equals(Literal),
    NotEquals(Literal),
    In(Vec<Literal>),
    NotIn(Vec<Literal>),
    Matches(CheckRegex),
    NotMatches(CheckRegex),
    Contains(Literal),
    NotContains(Literal),
    Cmp(CmpOp, f64),
    WorldOpen(bool),
    PortIncludes(u32),
    IsTrue,
    IsFalse,
}

/// A check's regular expression. A check file from a pack or a repository compiles its
/// expressions when it is loaded, so that an error is reported then, with its location; the
/// built-in checks, all compiled by the tests, compile theirs on first use (compiling costs
/// more than loading the rest of the catalog), or all at once where a core would otherwise
/// wait ([`super::Catalog::compile_regexes`]).
///
/// Checks only ask whether an expression matches, so it is compiled for that alone (the
/// syntax and semantics of the `regex` crate, without capture groups and without the
/// engines that only speed up finding where and what matched): that halves the cost of
/// compiling it, which a pre-commit run pays for every expression it uses.
#[derive(Debug, Clone)]
pub struct CheckRegex {
    pattern: String,
    ignore_case: bool,
    size_limit: usize,
    compiled: OnceLock<Option<Regex>>,
}

/// Why a check's regular expression does not compile.
#[derive(Debug, Clone, PartialEq)]
pub enum RegexError {
    /// Compiled, it would exceed this many bytes.
    TooBig(usize),
    /// The syntax error, as the `regex` crate words it.
    Invalid(String),
}

impl CheckRegex {
    /// An expression compiled on first use.
    pub fn lazy(pattern: String, ignore_case: bool, size_limit: usize) -> CheckRegex {
        CheckRegex {
            pattern,
            ignore_case,
            size_limit,
            compiled: OnceLock::new(),
        }
    }

    /// An expression compiled now.
    pub fn compiled(
        pattern: String,
        ignore_case: bool,
        size_limit: usize,
    ) -> Result<CheckRegex, RegexError> {
        let r = CheckRegex::lazy(pattern, ignore_case, size_limit);
        let compiled = r.build()?;
        let _ = r.compiled.set(Some(compiled));
        Ok(r)
    }

    fn build(&self) -> Result<Regex, RegexError> {
        Regex::builder()
            .configure(
                meta::Config::new()
                    .which_captures(WhichCaptures::None)
                    .nfa_size_limit(Some(self.size_limit))
                    .onepass(false)
                    .backtrack(false)
                    .dfa(false),
            )
            .syntax(syntax::Config::new().case_insensitive(self.ignore_case))
            .build(&self.pattern)
            .map_err(|e| match (e.size_limit(), e.syntax_error()) {
                (Some(limit), _) => RegexError::TooBig(limit),
                (None, Some(syntax)) => RegexError::Invalid(syntax.to_string()),
                (None, None) => RegexError::Invalid(e.to_string()),
            })
    }

    /// Compiles the expression now if it compiles on first use.
    pub fn prepare(&self) {
        self.compiled.get_or_init(|| self.build().ok());
    }

    /// Whether the expression is compiled (or found not to compile).
    pub fn is_compiled(&self) -> bool {
        self.compiled.get().is_some()
    }

    /// Whether the expression matches somewhere in `text` (false if it does not compile,
    /// which only a built-in check could get to, and the tests rule out).
    pub fn is_match(&self, text: &str) -> bool {
        self.compiled
            .get_or_init(|| self.build().ok())
            .as_ref()
            .is_some_and(|r| r.is_match(text))
    }
}

impl Op {
    /// Negative operators hold when every value satisfies them; positive ones when any does.
    pub fn is_negative(&self) -> bool {
        matches!(
            self,
            Op::NotEquals(_)
                | Op::NotIn(_)
                | Op::NotMatches(_)
                | Op::NotContains(_)
                | Op::WorldOpen(false)
        )
    }
}

/// A condition.
#[derive(Debug, Clone)]
pub enum Cond {
    All(Vec<Cond>),
    Any(Vec<Cond>),
    Not(Box<Cond>),
    Every {
        path: Path,
        cond: Box<Cond>,
    },
    Some {
        path: Path,
        cond: Box<Cond>,
    },
    Attr {
        path: Path,
        op: Op,
        ignore_case: bool,
    },
    Ports {
        from: Path,
        to: Path,
        port: u32,
    },
    ReferencedBy {
        types: Vec<String>,
        attribute: Option<Path>,
        where_: Option<Box<Cond>>,
    },
    References {
        types: Vec<String>,
        attribute: Option<Path>,
        where_: Option<Box<Cond>>,
    },
}

impl Cond {
    /// The regular expressions of the condition, added to `out`.
    pub fn regexes<'a>(&'a self, out: &mut Vec<&'a CheckRegex>) {
        match self {
            Cond::All(cs) | Cond::Any(cs) => cs.iter().for_each(|c| c.regexes(out)),
            Cond::Not(c) | Cond::Every { cond: c, .. } | Cond::Some { cond: c, .. } => {
                c.regexes(out)
            }
            Cond::Attr {
                op: Op::Matches(r) | Op::NotMatches(r),
                ..
            } => out.push(r),
            Cond::ReferencedBy {
                where_: Some(c), ..
            }
            | Cond::References {
                where_: Some(c), ..
            } => c.regexes(out),
            _ => {}
        }
    }
}

/// Parses a path; `framework` decides nothing yet but keeps the door open for per-language
/// path forms.
pub fn parse_path(text: &str, _framework: Option<Framework>) -> Result<Path, String> {
    let mut root = PathRoot::Current;
    let mut rest = text.trim();
    if rest.is_empty() {
        return Err("empty path".into());
    }
    for (prefix, r) in [
        ("$pod", PathRoot::Pod),
        ("$object", PathRoot::Object),
        ("$list", PathRoot::List),
    ] {
        if rest == prefix {
            return Ok(Path {
                root: r,
                segments: vec![],
                text: text.to_string(),
            });
        }
        if let Some(after) = rest.strip_prefix(prefix).and_then(|a| a.strip_prefix('.')) {
            root = r;
            rest = after;
            break;
        }
    }
    if root == PathRoot::Current && rest.starts_with('$') {
        return Err(format!(
            "unknown path root in `{text}` (use `$pod.`, `$object.` or `$list`)"
        ));
    }
    let mut segments = Vec::new();
    let chars = rest.chars();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    for c in chars {
        match c {
            '"' if cur.is_empty() && !quoted => {
                quoted = true;
                was_quoted = true;
            }
            '"' if quoted => quoted = false,
            '.' if !quoted => {
                segments.push(segment(std::mem::take(&mut cur), was_quoted, text)?);
                was_quoted = false;
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(format!("unterminated quote in path `{text}`"));
    }
    segments.push(segment(cur, was_quoted, text)?);
    Ok(Path {
        root,
        segments,
        text: text.to_string(),
    })
}

fn segment(s: String, quoted: bool, text: &str) -> Result<Segment, String> {
    if s.is_empty() {
        return Err(format!("empty segment in path `{text}`"));
    }
    Ok(if s == "*" && !quoted {
        Segment::Any
    } else {
        Segment::Key(s)
    })
}
