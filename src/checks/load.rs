//! Reads a check file. Every mistake is reported with the line and column in the YAML file.

use super::condition::{parse_path, CheckRegex, CmpOp, Cond, Literal, Op, Path, RegexError};
use super::{Check, Rule, Scope, Severity};
use crate::model::{Framework, LineIndex, Node, Span, Value};
use crate::parse::{yaml, Limits};

/// A problem in a check file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct CheckError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

struct Loader<'a> {
    file: &'a str,
    text: &'a str,
    lines: LineIndex,
    errors: Vec<CheckError>,
    /// Regexes in checks are bounded so a check cannot make the scan slow or large (the
    /// `regex` crate matches in linear time; this bounds its compiled size).
    regex_size: usize,
    /// Compile regular expressions on first use (the built-in checks).
    lazy_regex: bool,
}

impl Loader<'_> {
    fn err(&mut self, span: Span, message: impl Into<String>) {
        let (line, column) = self.lines.position(self.text, span.start);
        self.errors.push(CheckError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    fn string(&mut self, n: &Node, what: &str) -> Option<String> {
        match n.scalar_text() {
            Some(s) if !matches!(n.value, Value::Null) => Some(s),
            _ => {
                self.err(n.span, format!("`{what}` must be a string"));
                None
            }
        }
    }

    fn strings(&mut self, n: &Node, what: &str) -> Vec<String> {
        match &n.value {
            Value::List(items) => items.iter().filter_map(|i| self.string(i, what)).collect(),
            _ => self.string(n, what).into_iter().collect(),
        }
    }

    fn map<'n>(&mut self, n: &'n Node, what: &str) -> Option<&'n [(crate::model::Key, Node)]> {
        match &n.value {
            Value::Map(m) => Some(m),
            _ => {
                self.err(n.span, format!("{what} must be a map"));
                None
            }
        }
    }

    fn path(&mut self, n: &Node, fw: Framework) -> Option<Path> {
        let s = self.string(n, "path")?;
        match parse_path(&s, Some(fw)) {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(n.span, e);
                None
            }
        }
    }

    fn literal(&mut self, n: &Node, what: &str) -> Option<Literal> {
        match &n.value {
            Value::String(_) | Value::Bool(_) | Value::Number(_) => Some(Literal(n.scalar_text()?)),
            _ => {
                self.err(
                    n.span,
                    format!("`{what}` takes a scalar (string, number or boolean)"),
                );
                None
            }
        }
    }

    fn literals(&mut self, n: &Node, what: &str) -> Option<Vec<Literal>> {
        match &n.value {
            Value::List(items) => items.iter().map(|i| self.literal(i, what)).collect(),
            _ => {
                self.err(n.span, format!("`{what}` takes a list"));
                None
            }
        }
    }

    fn boolean(&mut self, n: &Node, what: &str) -> Option<bool> {
        match n.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.err(n.span, format!("`{what}` takes true or false"));
                None
            }
        }
    }

    fn number(&mut self, n: &Node, what: &str) -> Option<f64> {
        match n.value {
            Value::Number(x) => Some(x),
            _ => {
                self.err(n.span, format!("`{what}` takes a number"));
                None
            }
        }
    }

    fn regex(&mut self, n: &Node, ignore_case: bool) -> Option<CheckRegex> {
        let s = self.string(n, "matches")?;
        if self.lazy_regex {
            return Some(CheckRegex::lazy(s, ignore_case, self.regex_size));
        }
        match CheckRegex::compiled(s, ignore_case, self.regex_size) {
            Ok(r) => Some(r),
            Err(RegexError::TooBig(limit)) => {
                self.err(
                    n.span,
                    format!("regular expression too large: compiled, it exceeds {limit} bytes (`limits.max-regex-size`)"),
                );
                None
            }
            Err(RegexError::Invalid(e)) => {
                self.err(n.span, format!("invalid regular expression: {e}"));
                None
            }
        }
    }

    fn types(&mut self, n: &Node) -> Vec<String> {
        self.strings(n, "resource")
    }

    fn cond(&mut self, n: &Node, fw: Framework) -> Option<Cond> {
        let m = self.map(n, "a condition")?;
        let keys: Vec<&str> = m.iter().map(|(k, _)| k.name.as_str()).collect();
        let get = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
        let allowed: &[&str];
        let cond = if let Some(v) = get("all").or_else(|| get("any")) {
            allowed = &["all", "any"];
            let list = match &v.value {
                Value::List(items) => items
                    .iter()
                    .map(|i| self.cond(i, fw))
                    .collect::<Option<Vec<_>>>()?,
                _ => {
                    self.err(v.span, "`all`/`any` take a list of conditions");
                    return None;
                }
            };
            if keys.contains(&"all") && keys.contains(&"any") {
                self.err(n.span, "use `all` and `any` in separate conditions");
                return None;
            }
            if keys.contains(&"all") {
                Cond::All(list)
            } else {
                Cond::Any(list)
            }
        } else if let Some(v) = get("not") {
            allowed = &["not"];
            Cond::Not(Box::new(self.cond(v, fw)?))
        } else if let Some(v) = get("every").or_else(|| get("some")) {
            allowed = &["every", "some", "assert"];
            let path = self.path(v, fw)?;
            let Some(a) = get("assert") else {
                self.err(
                    n.span,
                    "`every`/`some` need an `assert` condition for each element",
                );
                return None;
            };
            let cond = Box::new(self.cond(a, fw)?);
            if keys.contains(&"every") {
                Cond::Every { path, cond }
            } else {
                Cond::Some { path, cond }
            }
        } else if let Some(v) = get("ports") {
            allowed = &["ports", "includes"];
            let pm = self.map(v, "`ports`")?;
            let from = pm.iter().find(|(k, _)| k.name == "from").map(|(_, v)| v);
            let to = pm.iter().find(|(k, _)| k.name == "to").map(|(_, v)| v);
            let (Some(from), Some(to)) = (from, to) else {
                self.err(v.span, "`ports` needs `from` and `to` paths");
                return None;
            };
            let (from, to) = (self.path(from, fw)?, self.path(to, fw)?);
            let Some(inc) = get("includes") else {
                self.err(n.span, "`ports` needs `includes: PORT`");
                return None;
            };
            let port = self.number(inc, "includes")? as u32;
            Cond::Ports { from, to, port }
        } else if let Some(v) = get("referenced_by").or_else(|| get("references")) {
            allowed = &["referenced_by", "references"];
            let rm = self.map(v, "a cross-resource test")?;
            let mut types = Vec::new();
            let mut attribute = None;
            let mut where_ = None;
            for (k, val) in rm {
                match k.name.as_str() {
                    "resource" | "kind" => types = self.types(val),
                    "attribute" => attribute = Some(self.path(val, fw)?),
                    "where" => where_ = Some(Box::new(self.cond(val, fw)?)),
                    other => self.err(
                        k.span,
                        format!("unknown key `{other}` (expected resource, attribute, where)"),
                    ),
                }
            }
            if types.is_empty() {
                self.err(v.span, "a cross-resource test needs `resource: [TYPES]`");
                return None;
            }
            if keys.contains(&"referenced_by") {
                Cond::ReferencedBy {
                    types,
                    attribute,
                    where_,
                }
            } else {
                Cond::References {
                    types,
                    attribute,
                    where_,
                }
            }
        } else if let Some(v) = get("attribute") {
            let path = self.path(v, fw)?;
            let ignore_case = match get("ignore_case") {
                Some(b) => self.boolean(b, "ignore_case")?,
                None => false,
            };
            let ops: Vec<&(crate::model::Key, Node)> = m
                .iter()
                .filter(|(k, _)| k.name != "attribute" && k.name != "ignore_case")
                .collect();
            if ops.len() != 1 {
                self.err(n.span, "an `attribute` condition takes exactly one operator (exists, equals, not_equals, in, not_in, matches, not_matches, contains, not_contains, lt, le, gt, ge, world_open, port_includes, is_true, is_false)");
                return None;
            }
            let (k, val) = ops[0];
            let op = match k.name.as_str() {
                "exists" => Op::Exists(self.boolean(val, "exists")?),
                "equals" => Op::Equals(self.literal(val, "equals")?),
                "not_equals" => Op::NotEquals(self.literal(val, "not_equals")?),
                "in" => Op::In(self.literals(val, "in")?),
                "not_in" => Op::NotIn(self.literals(val, "not_in")?),
                "matches" => Op::Matches(self.regex(val, ignore_case)?),
                "not_matches" => Op::NotMatches(self.regex(val, ignore_case)?),
                "contains" => Op::Contains(self.literal(val, "contains")?),
                "not_contains" => Op::NotContains(self.literal(val, "not_contains")?),
                "lt" | "<" => Op::Cmp(CmpOp::Lt, self.number(val, "lt")?),
                "le" | "<=" => Op::Cmp(CmpOp::Le, self.number(val, "le")?),
                "gt" | ">" => Op::Cmp(CmpOp::Gt, self.number(val, "gt")?),
                "ge" | ">=" => Op::Cmp(CmpOp::Ge, self.number(val, "ge")?),
                "world_open" => Op::WorldOpen(self.boolean(val, "world_open")?),
                "port_includes" => Op::PortIncludes(self.number(val, "port_includes")? as u32),
                "is_true" => {
                    self.boolean(val, "is_true")?;
                    Op::IsTrue
                }
                "is_false" => {
                    self.boolean(val, "is_false")?;
                    Op::IsFalse
                }
                other => {
                    self.err(k.span, format!("unknown operator `{other}`"));
                    return None;
                }
            };
            return Some(Cond::Attr {
                path,
                op,
                ignore_case,
            });
        } else {
            self.err(
                n.span,
                format!(
                    "unknown condition with keys [{}]: expected all, any, not, every, some, attribute, ports, referenced_by or references",
                    keys.join(", ")
                ),
            );
            return None;
        };
        for (k, _) in m {
            if !allowed.contains(&k.name.as_str()) {
                self.err(
                    k.span,
                    format!("unexpected key `{}` in this condition", k.name),
                );
            }
        }
        Some(cond)
    }

    fn rule(&mut self, n: &Node, fw: Framework) -> Option<Rule> {
        let m = self.map(n, "a rule")?;
        let mut types = Vec::new();
        let mut scope = Scope::Object;
        let mut where_ = None;
        let mut assert = None;
        let mut kind_given = false;
        let mut assert_given = false;
        for (k, v) in m {
            match (k.name.as_str(), fw) {
                ("resource", Framework::Terraform | Framework::CloudFormation) => {
                    types = self.types(v)
                }
                ("kind", Framework::Kubernetes) => {
                    kind_given = true;
                    for t in self.strings(v, "kind") {
                        if t == "workload" {
                            types.extend(
                                crate::resources::kubernetes::WORKLOAD_KINDS
                                    .iter()
                                    .map(|s| s.to_string()),
                            );
                        } else {
                            types.push(t);
                        }
                    }
                }
                ("scope", Framework::Kubernetes) => {
                    scope = match self.string(v, "scope").as_deref() {
                        Some("object") => Scope::Object,
                        Some("pod") => Scope::Pod,
                        Some("container") => Scope::Container,
                        _ => {
                            self.err(v.span, "`scope` is one of object, pod, container");
                            return None;
                        }
                    }
                }
                ("where", _) => where_ = self.cond(v, fw),
                ("assert", _) => {
                    assert_given = true;
                    assert = self.cond(v, fw)
                }
                (other, _) => self.err(
                    k.span,
                    format!("unknown key `{other}` in a {} rule", fw.as_str()),
                ),
            }
        }
        if scope != Scope::Object && !kind_given {
            types.extend(
                crate::resources::kubernetes::WORKLOAD_KINDS
                    .iter()
                    .map(|s| s.to_string()),
            );
        }
        if fw != Framework::Kubernetes && types.is_empty() {
            self.err(n.span, "a rule needs `resource: [TYPES]`");
        }
        let Some(assert) = assert else {
            // An `assert` with errors was reported already.
            if !assert_given {
                self.err(n.span, "a rule needs an `assert` condition");
            }
            return None;
        };
        Some(Rule {
            framework: fw,
            types,
            scope,
            where_,
            assert,
        })
    }
}

const CHECK_KEYS: &[&str] = &[
    "id",
    "title",
    "severity",
    "category",
    "description",
    "remediation",
    "references",
    "related",
    "message",
    "terraform",
    "cloudformation",
    "kubernetes",
];

/// Compiles one check file with the default [`Limits`].
pub fn load_check(file: &str, text: &str) -> Result<Check, Vec<CheckError>> {
    load_check_with(file, text, &Limits::default())
}

/// Compiles one check file; `limits` bounds its regular expressions.
pub fn load_check_with(file: &str, text: &str, limits: &Limits) -> Result<Check, Vec<CheckError>> {
    load(file, text, limits, false)
}

/// Compiles a built-in check: its regular expressions are compiled on first use (the tests
/// load every built-in check with [`load_check`] too, which compiles them all). `json` is the
/// same check as JSON, converted at build time (see `build.rs`), or empty; it is what is
/// read when there is one, since it parses several times faster.
pub fn load_builtin_check(file: &str, yaml: &str, json: &str) -> Result<Check, Vec<CheckError>> {
    if json.is_empty() {
        load(file, yaml, &Limits::default(), true)
    } else {
        load_parsed(file, json, &Limits::default(), true, |text| {
            crate::parse::json::parse(text, &Limits::default())
        })
    }
}

fn load(
    file: &str,
    text: &str,
    limits: &Limits,
    lazy_regex: bool,
) -> Result<Check, Vec<CheckError>> {
    load_parsed(file, text, limits, lazy_regex, |text| {
        let docs = yaml::parse(text, &Limits::default())?;
        docs.into_iter()
            .next()
            .map(|d| d.root)
            .ok_or_else(|| crate::parse::ParseError::new("empty check file", Span::new(0, 0)))
    })
}

fn load_parsed(
    file: &str,
    text: &str,
    limits: &Limits,
    lazy_regex: bool,
    parse: impl FnOnce(&str) -> Result<Node, crate::parse::ParseError>,
) -> Result<Check, Vec<CheckError>> {
    let mut l = Loader {
        file,
        text,
        lines: LineIndex::new(text),
        errors: Vec::new(),
        regex_size: limits.max_regex_size,
        lazy_regex,
    };
    let root = match parse(text) {
        Ok(root) => root,
        Err(e) => {
            l.err(e.span, e.message);
            return Err(l.errors);
        }
    };
    let Some(m) = l.map(&root, "a check") else {
        return Err(l.errors);
    };
    let get = |k: &str| m.iter().find(|(key, _)| key.name == k).map(|(_, v)| v);
    for (k, _) in m {
        if !CHECK_KEYS.contains(&k.name.as_str()) {
            l.err(
                k.span,
                format!(
                    "unknown key `{}` (expected one of: {})",
                    k.name,
                    CHECK_KEYS.join(", ")
                ),
            );
        }
    }
    let required = |l: &mut Loader, k: &str| -> String {
        match get(k) {
            Some(v) => l.string(v, k).unwrap_or_default(),
            None => {
                l.err(root.span, format!("missing required key `{k}`"));
                String::new()
            }
        }
    };
    let id = required(&mut l, "id");
    let title = required(&mut l, "title");
    let sev_text = required(&mut l, "severity");
    let description = required(&mut l, "description");
    let remediation = required(&mut l, "remediation");
    let category = get("category")
        .and_then(|v| l.string(v, "category"))
        .unwrap_or_default();
    let references = get("references")
        .map(|v| l.strings(v, "references"))
        .unwrap_or_default();
    let related = get("related")
        .map(|v| l.strings(v, "related"))
        .unwrap_or_default();
    let message = get("message").and_then(|v| l.string(v, "message"));
    let kebab = id
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    if !id.is_empty() && !kebab {
        l.err(
            get("id").map(|v| v.span).unwrap_or_default(),
            format!("check id `{id}` must be kebab-case (a-z, 0-9, -)"),
        );
    }
    let severity = match Severity::parse(&sev_text) {
        Some(s) => s,
        None => {
            if !sev_text.is_empty() {
                l.err(
                    get("severity").map(|v| v.span).unwrap_or_default(),
                    format!("unknown severity `{sev_text}` (critical, high, medium, low, info)"),
                );
            }
            Severity::Info
        }
    };
    let mut rules = Vec::new();
    for fw in Framework::ALL {
        if let Some(section) = get(fw.as_str()) {
            match &section.value {
                Value::List(items) => {
                    for i in items {
                        rules.extend(l.rule(i, fw));
                    }
                }
                _ => rules.extend(l.rule(section, fw)),
            }
        }
    }
    if rules.is_empty() && l.errors.is_empty() {
        l.err(
            root.span,
            "a check needs at least one of: terraform, cloudformation, kubernetes",
        );
    }
    if !l.errors.is_empty() {
        return Err(l.errors);
    }
    Ok(Check {
        id,
        title,
        severity,
        category,
        description,
        remediation,
        references,
        related,
        message,
        rules,
        source: file.to_string(),
        origin: super::Origin::builtin(),
    })
}
