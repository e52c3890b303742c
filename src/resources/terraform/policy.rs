//! IAM policy documents as structured values. A policy given as `jsonencode({…})`, a heredoc,
//! a JSON string, or `data "aws_iam_policy_document"` becomes a string whose metadata holds
//! the document as a tree (`Version`, `Statement` with `Effect`, `Action`, `Resource`,
//! `Principal`, `Condition`, …) so that checks can walk into it (`policy.Statement.Action`).
//! Every node of the tree points into the `.tf` source it was written in, tagged with that
//! file; parts of a template that are unknown become unknown strings.

use crate::model::{Key, Meta, Node, Span, Unknown, Value};
use crate::parse::Limits;

use super::functions;

/// Marks an unknown part inside a policy text while it is parsed as JSON (private-use
/// characters, which never occur in real policies).
const PH_START: char = '\u{E000}';
const PH_END: char = '\u{E001}';

/// A piece of a string being assembled: text (and whether it is written literally in the
/// source, so that its position can be found there) or an unknown value.
#[derive(Debug, Clone)]
pub enum Seg {
    Text(String, bool),
    Unknown(Node),
}

/// A cheap test before any parsing: a JSON object that mentions `Statement`.
pub fn looks_like_policy(s: &str) -> bool {
    s.trim_start().starts_with('{') && s.contains("Statement")
}

/// Parses a policy text made of segments. `source` is the text of `file` and `span` where
/// the string is written in it: nodes point at their own text where it can be found there,
/// else at `span`. Unknown segments become unknown strings.
pub fn structure(segs: &[Seg], source: Option<&str>, span: Span, file: usize) -> Option<Node> {
    let mut text = String::new();
    let mut breaks: Vec<(usize, usize)> = Vec::new();
    let mut unknowns: Vec<&Node> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    for seg in segs {
        let start = text.len();
        match seg {
            Seg::Text(t, literal) => {
                text.push_str(t);
                if !literal {
                    breaks.push((start, text.len()));
                }
                for c in t.chars() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' && in_string {
                        escaped = true;
                    } else if c == '"' {
                        in_string = !in_string;
                    }
                }
            }
            Seg::Unknown(n) => {
                let ph = format!("{PH_START}{}{PH_END}", unknowns.len());
                unknowns.push(n);
                if in_string {
                    text.push_str(&ph);
                } else {
                    // A whole JSON value (`"Action": ${jsonencode(var.x)}`): quote it so the
                    // text still parses.
                    text.push('"');
                    text.push_str(&ph);
                    text.push('"');
                }
                breaks.push((start, text.len()));
            }
        }
    }
    if !looks_like_policy(&text) {
        return None;
    }
    let mut node = crate::parse::json::parse(&text, &Limits::default()).ok()?;
    if !matches!(node.value, Value::Map(_)) {
        return None;
    }
    let map = SpanMap::new(&text, source, span, &breaks);
    finish(&mut node, &map, &unknowns, file);
    Some(node)
}

fn finish(n: &mut Node, map: &SpanMap, unknowns: &[&Node], file: usize) {
    n.span = map.span(n.span);
    if let Value::String(s) = &n.value {
        if s.contains(PH_START) {
            let mut refs = Vec::new();
            for part in s.split(PH_START).skip(1) {
                let idx = part
                    .split(PH_END)
                    .next()
                    .and_then(|i| i.parse::<usize>().ok());
                if let Some(u) = idx.and_then(|i| unknowns.get(i)) {
                    u.collect_refs(&mut refs);
                }
            }
            n.value = Value::Unknown(Box::new(Unknown {
                text: "string template".into(),
                refs,
            }));
        }
    }
    match &mut n.value {
        Value::List(items) => items
            .iter_mut()
            .for_each(|i| finish(i, map, unknowns, file)),
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                k.span = map.span(k.span);
                finish(v, map, unknowns, file);
            }
        }
        _ => {}
    }
    n.meta_mut().file.get_or_insert(file);
}

/// Maps offsets in a string to offsets in the source it was written in: the string verbatim
/// (a heredoc), else line by line (a heredoc with `<<-`, a template with interpolations).
struct SpanMap<'a> {
    source: Option<&'a str>,
    whole: Span,
    shift: Option<usize>,
    /// (offset of the line's first non-blank character in the string, length found,
    /// offset in the source).
    lines: Vec<(usize, usize, Option<usize>)>,
}

impl<'a> SpanMap<'a> {
    fn new(
        text: &str,
        source: Option<&'a str>,
        whole: Span,
        breaks: &[(usize, usize)],
    ) -> SpanMap<'a> {
        let mut m = SpanMap {
            source,
            whole,
            shift: None,
            lines: Vec::new(),
        };
        let Some(region) = source.and_then(|s| s.get(whole.start..whole.end)) else {
            return m;
        };
        if breaks.is_empty() {
            if let Some(p) = region.find(text) {
                m.shift = Some(whole.start + p);
                return m;
            }
        }
        let mut cursor = 0;
        let mut ls = 0;
        for line in text.split('\n') {
            let lead = line.len() - line.trim_start().len();
            let start = ls + lead;
            let mut end = ls + line.trim_end().len();
            for (b, _) in breaks {
                if *b >= start && *b < end {
                    end = *b;
                }
            }
            let in_break = breaks.iter().any(|(b, e)| start >= *b && start < *e);
            let needle = if in_break || end <= start {
                ""
            } else {
                &text[start..end]
            };
            let found = if needle.is_empty() {
                None
            } else {
                region.get(cursor..).and_then(|r| r.find(needle)).map(|p| {
                    let at = cursor + p;
                    cursor = at + needle.len();
                    whole.start + at
                })
            };
            m.lines.push((start, needle.len(), found));
            ls += line.len() + 1;
        }
        m
    }

    fn offset(&self, off: usize) -> Option<usize> {
        if let Some(s) = self.shift {
            return Some(s + off);
        }
        let i = self.lines.partition_point(|(start, _, _)| *start <= off);
        let (start, len, found) = *self.lines.get(i.checked_sub(1)?)?;
        let rel = off - start;
        if rel <= len {
            found.map(|f| f + rel)
        } else {
            None
        }
    }

    fn span(&self, s: Span) -> Span {
        match (self.offset(s.start), self.offset(s.end)) {
            (Some(a), Some(b)) if a <= b => Span::new(a, b),
            (Some(a), _) => {
                // The end is in text that is not in the source (an interpolation): end the
                // span at the end of the source line.
                let line_end = self
                    .source
                    .and_then(|src| src.get(a..))
                    .and_then(|r| r.find('\n'))
                    .map(|e| a + e)
                    .unwrap_or(self.whole.end);
                Span::new(a, line_end.min(self.whole.end))
            }
            _ => self.whole,
        }
    }
}

/// Sets the file of every node that does not carry one yet.
pub fn tag_file(n: &mut Node, file: usize) {
    n.meta_mut().file.get_or_insert(file);
    match &mut n.value {
        Value::List(items) => items.iter_mut().for_each(|i| tag_file(i, file)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| tag_file(v, file)),
        _ => {}
    }
}

/// The document of an evaluated `data "aws_iam_policy_document"` body, as the JSON string
/// Terraform would compute (unknown if a part is) with the structure attached.
pub fn document_from_block(body: &Node, header: Span, file: usize) -> Node {
    let mut statements = Vec::new();
    for key in ["source_policy_documents", "source_json"] {
        extend_from_documents(body.get(key), &mut statements);
    }
    let stmt_span = body.get("statement").map(|s| s.span).unwrap_or(header);
    match body.get("statement").map(|s| &s.value) {
        Some(Value::List(items)) => statements.extend(items.iter().map(statement)),
        Some(_) => statements.push(
            body.get("statement")
                .cloned()
                .unwrap_or_else(|| Node::new(Value::Null, header)),
        ),
        None => {}
    }
    for key in ["override_policy_documents", "override_json"] {
        extend_from_documents(body.get(key), &mut statements);
    }
    let version = body
        .get("version")
        .cloned()
        .unwrap_or_else(|| Node::new(Value::String("2012-10-17".into()), header));
    let mut entries = vec![entry("Version", header, version)];
    if let Some((k, id)) = body.get_entry("policy_id") {
        entries.push(entry("Id", k.span, id.clone()));
    }
    entries.push(entry(
        "Statement",
        stmt_span,
        Node::new(Value::List(statements), stmt_span),
    ));
    let mut doc = Node::new(Value::Map(entries), header);
    tag_file(&mut doc, file);
    let mut out = match functions::to_json(&doc) {
        Some(j) => Node::new(Value::String(j.to_string()), header),
        None => {
            let mut refs = Vec::new();
            doc.collect_refs(&mut refs);
            Node::unknown("a policy document with unknown values", refs, header)
        }
    };
    out.meta = Some(Box::new(Meta {
        structured: Some(doc),
        ..Meta::default()
    }));
    out
}

fn entry(name: &str, span: Span, v: Node) -> (Key, Node) {
    (
        Key {
            name: name.to_string(),
            span,
        },
        v,
    )
}

/// Statements of other documents (`source_policy_documents = [data.x.json]`).
fn extend_from_documents(v: Option<&Node>, out: &mut Vec<Node>) {
    let Some(v) = v else { return };
    let docs: Vec<&Node> = match &v.value {
        Value::List(items) => items.iter().collect(),
        _ => vec![v],
    };
    for d in docs {
        match d.structured().and_then(|s| s.get("Statement")) {
            Some(Node {
                value: Value::List(items),
                ..
            }) => out.extend(items.iter().cloned()),
            Some(single) => out.push(single.clone()),
            None if d.is_unknown() => out.push(d.clone()),
            None => {}
        }
    }
}

/// One `statement` block in the JSON shape.
fn statement(st: &Node) -> Node {
    if !matches!(st.value, Value::Map(_)) {
        return st.clone();
    }
    let mut e = Vec::new();
    if let Some((k, v)) = st.get_entry("sid") {
        e.push(entry("Sid", k.span, v.clone()));
    }
    match st.get_entry("effect") {
        Some((k, v)) => e.push(entry("Effect", k.span, v.clone())),
        None => {
            // `effect` defaults to Allow: point at the `statement` keyword.
            let at = Span::new(st.span.start, st.span.start + "statement".len());
            e.push(entry(
                "Effect",
                at,
                Node::new(Value::String("Allow".into()), at),
            ));
        }
    }
    for (from, to) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some((k, v)) = st.get_entry(from) {
            e.push(entry(to, k.span, v.clone()));
        }
    }
    for (from, to) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        if let Some((k, v)) = st.get_entry(from) {
            e.push(entry(to, k.span, principals(v)));
        }
    }
    if let Some((k, v)) = st.get_entry("condition") {
        e.push(entry("Condition", k.span, conditions(v)));
    }
    Node::new(Value::Map(e), st.span)
}

/// `principals { type = "AWS" identifiers = [...] }` blocks → `{"AWS": [...]}`; the type
/// `*` is the JSON `"Principal": "*"`.
fn principals(v: &Node) -> Node {
    let Some(blocks) = v.as_list() else {
        return v.clone();
    };
    let mut out: Vec<(Key, Node)> = Vec::new();
    for b in blocks {
        let (Some((tk, t)), Some(ids)) = (b.get_entry("type"), b.get("identifiers")) else {
            return Node::unknown("principals", vec![], v.span);
        };
        let Some(t) = t.as_str() else {
            return Node::unknown("principals with an unknown type", vec![], v.span);
        };
        if t == "*" {
            return ids.clone();
        }
        match out.iter_mut().find(|(k, _)| k.name == t) {
            Some((
                _,
                Node {
                    value: Value::List(existing),
                    ..
                },
            )) => {
                if let Some(more) = ids.as_list() {
                    existing.extend(more.iter().cloned());
                }
            }
            _ => out.push((
                Key {
                    name: t.to_string(),
                    span: tk.span,
                },
                ids.clone(),
            )),
        }
    }
    Node::new(Value::Map(out), v.span)
}

/// `condition { test, variable, values }` blocks → `{"test": {"variable": values}}`.
fn conditions(v: &Node) -> Node {
    let Some(blocks) = v.as_list() else {
        return v.clone();
    };
    let mut out: Vec<(Key, Node)> = Vec::new();
    for b in blocks {
        let test = b
            .get("test")
            .and_then(|t| t.scalar_text())
            .unwrap_or_else(|| "?".into());
        let var = b
            .get("variable")
            .and_then(|t| t.scalar_text())
            .unwrap_or_else(|| "?".into());
        let values = b
            .get("values")
            .cloned()
            .unwrap_or_else(|| Node::new(Value::Null, b.span));
        let key = |name: String| Key { name, span: b.span };
        match out.iter_mut().find(|(k, _)| k.name == test) {
            Some((
                _,
                Node {
                    value: Value::Map(m),
                    ..
                },
            )) => m.push((key(var), values)),
            _ => out.push((
                key(test),
                Node::new(Value::Map(vec![(key(var), values)]), b.span),
            )),
        }
    }
    Node::new(Value::Map(out), v.span)
}
