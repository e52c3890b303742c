//! Evaluates compiled conditions against resources. Three-valued: a condition is true, false
//! (with the spans that make it so) or unknown; unknown never becomes a finding.

use super::condition::{CmpOp, Cond, Literal, Op, Path, PathRoot, Segment};
use super::{Catalog, Scope};
use crate::model::{format_number, Node, Resource, Span, Value};
use crate::resources::ResourceIndex;

/// A span that explains an outcome, with a label that states the fact.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mark {
    pub span: Span,
    pub label: String,
    /// Which element (for the fingerprint): `ingress[1]`, `containers[web]`.
    pub key: String,
    /// The file the span is in, when it is not the resource's (a policy statement written
    /// in another file of the module).
    pub file: Option<usize>,
    /// Where the value was passed in from (module call arguments, tfvars): (file, span).
    pub via: Vec<(usize, Span)>,
}

#[derive(Debug, Clone)]
pub enum Outcome {
    True(Vec<Mark>),
    False(Vec<Mark>),
    Unknown(String),
}

/// Which outcomes' marks can reach a finding, so that only those get their labels and keys
/// written (formatting them was a fifth of evaluating checks, and most are thrown away: a
/// passing test's marks matter only under a `not`). Marks that cannot reach a finding are
/// still made, with their spans, which is all the evaluation itself looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    pub true_marks: bool,
    pub false_marks: bool,
}

impl Want {
    /// A rule's assertion: its false marks are the finding.
    pub const ASSERT: Want = Want {
        true_marks: false,
        false_marks: true,
    };
    /// A filter (`where`): only the outcome counts.
    pub const NONE: Want = Want {
        true_marks: false,
        false_marks: false,
    };
    fn not(self) -> Want {
        Want {
            true_marks: self.false_marks,
            false_marks: self.true_marks,
        }
    }
    fn marks(self, outcome: bool) -> bool {
        if outcome {
            self.true_marks
        } else {
            self.false_marks
        }
    }
}

/// What one rule found on one resource.
#[derive(Debug, Clone)]
pub struct RuleResult {
    pub check: usize,
    pub marks: Vec<Mark>,
    /// Set when the outcome was unknown: why.
    pub unknown: Option<(Span, String)>,
}

/// Evaluation context: the resource, where paths start, and what "missing" points at.
pub struct Ctx<'a> {
    pub index: &'a ResourceIndex,
    pub resource: &'a Resource,
    pub object: &'a Node,
    pub pod: Option<&'a Node>,
    pub list: Option<&'a Node>,
    pub anchor: Span,
    pub key: String,
}

impl<'a> Ctx<'a> {
    fn for_resource(index: &'a ResourceIndex, r: &'a Resource) -> Ctx<'a> {
        Ctx {
            index,
            resource: r,
            object: &r.body,
            pod: r.pod_spec(),
            list: None,
            anchor: r.anchor,
            key: String::new(),
        }
    }
    /// What a missing attribute's mark says, written only when it can reach a finding.
    fn missing_if(&self, what: &str, detailed: bool) -> Mark {
        if !detailed {
            return Mark {
                span: self.anchor,
                ..Mark::default()
            };
        }
        self.missing(what)
    }

    fn missing(&self, what: &str) -> Mark {
        Mark {
            span: self.anchor,
            label: format!("`{what}` is not set"),
            key: self.key.clone(),
            ..Mark::default()
        }
    }
}

/// The lists of a pod spec that hold containers.
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// The containers of a resource's pod spec (see `evaluate_resource`).
fn pod_containers(r: &Resource) -> Vec<(Node, &Node, Span, String)> {
    let mut out = Vec::new();
    let Some(pod) = r.pod_spec() else {
        return out;
    };
    for list in CONTAINER_LISTS {
        let Some(items) = pod.get(list).and_then(|l| l.as_list()) else {
            continue;
        };
        for c in items {
            if !matches!(c.value, Value::Map(_)) {
                continue;
            }
            let name = c.get("name");
            let anchor = name.map(|n| n.span).unwrap_or(c.span);
            let label = name
                .and_then(|n| n.scalar_text())
                .unwrap_or_else(|| "?".into());
            let list_node = Node::new(Value::String(list.to_string()), anchor);
            out.push((list_node, c, anchor, format!("{list}[{label}]")));
        }
    }
    out
}

/// Runs every rule that applies to a resource.
pub fn evaluate_resource(
    catalog: &Catalog,
    index: &ResourceIndex,
    r: &Resource,
    show_unknown: bool,
) -> Vec<RuleResult> {
    let mut out = Vec::new();
    // The containers of a pod spec, found once per resource: (list name as a node at the
    // container's anchor, for `list` paths; the container; its anchor; its key).
    let mut containers: Option<Vec<(Node, &Node, Span, String)>> = None;
    for (ci, ri) in catalog.rules_for(r.framework, &r.rtype) {
        let rule = &catalog.checks[ci].rules[ri];
        let base_ctx = Ctx::for_resource(index, r);
        let mut contexts: Vec<(Ctx, &Node)> = Vec::new();
        match rule.scope {
            Scope::Object => contexts.push((base_ctx, &r.body)),
            Scope::Pod => {
                if let Some(pod) = r.pod_spec() {
                    contexts.push((base_ctx, pod));
                }
            }
            Scope::Container => {
                let found = containers.get_or_insert_with(|| pod_containers(r));
                for (list, c, anchor, key) in found.iter() {
                    let ctx = Ctx {
                        list: Some(list),
                        anchor: *anchor,
                        key: key.clone(),
                        ..Ctx::for_resource(index, r)
                    };
                    contexts.push((ctx, c));
                }
            }
        }
        for (ctx, base) in contexts {
            if let Some(w) = &rule.where_ {
                if !matches!(eval(w, base, &ctx, Want::NONE), Outcome::True(_)) {
                    continue;
                }
            }
            match eval(&rule.assert, base, &ctx, Want::ASSERT) {
                Outcome::False(marks) => {
                    let mut kept: Vec<Mark> = Vec::new();
                    for m in marks {
                        // A partial object (a patch) never reports what it does not set.
                        if r.partial && m.span == r.anchor {
                            continue;
                        }
                        if !kept.iter().any(|k| k.span == m.span) {
                            kept.push(m);
                        }
                    }
                    if !kept.is_empty() {
                        out.push(RuleResult {
                            check: ci,
                            marks: kept,
                            unknown: None,
                        });
                    }
                }
                Outcome::Unknown(why) if show_unknown => {
                    out.push(RuleResult {
                        check: ci,
                        marks: vec![],
                        unknown: Some((ctx.anchor, why)),
                    });
                }
                _ => {}
            }
        }
    }
    out
}

/// Nodes a path reaches, and whether it went through an unknown value.
struct Resolved<'n> {
    nodes: Vec<&'n Node>,
    unknown: Option<String>,
}

fn resolve<'n>(path: &Path, base: &'n Node, ctx: &'n Ctx) -> Resolved<'n> {
    let start = match path.root {
        PathRoot::Current => Some(base),
        PathRoot::Pod => ctx.pod,
        PathRoot::Object => Some(ctx.object),
        PathRoot::List => ctx.list,
    };
    let mut cur: Vec<&Node> = start.into_iter().collect();
    let mut unknown = None;
    for seg in &path.segments {
        let mut next = Vec::new();
        for n in cur {
            let expanded: &[Node] = match &n.value {
                Value::List(items) => items,
                _ => std::slice::from_ref(n),
            };
            for e in expanded {
                // An encoded document (a policy given as a JSON string) is walked as its
                // structure.
                let e = e.structured().unwrap_or(e);
                match &e.value {
                    Value::Map(entries) => match seg {
                        Segment::Key(k) => next.extend(
                            entries
                                .iter()
                                .filter(|(key, _)| &key.name == k)
                                .map(|(_, v)| v),
                        ),
                        Segment::Any => next.extend(entries.iter().map(|(_, v)| v)),
                    },
                    Value::Unknown(u) => unknown = Some(u.text.clone()),
                    Value::Expr(_) => unknown = Some("expression".into()),
                    _ => {}
                }
            }
        }
        cur = next;
    }
    cur.retain(|n| !matches!(n.value, Value::Null));
    for n in &cur {
        if let Value::Unknown(u) = &n.value {
            unknown.get_or_insert_with(|| u.text.clone());
        }
    }
    Resolved {
        nodes: cur,
        unknown,
    }
}

fn display(n: &Node) -> String {
    if n.is_sensitive() {
        return "(sensitive value)".into();
    }
    match &n.value {
        Value::String(s) => format!("{s:?}"),
        Value::Number(x) => format_number(*x),
        Value::Bool(b) => b.to_string(),
        Value::List(_) => "a list".into(),
        Value::Map(_) => "a block".into(),
        Value::Null => "null".into(),
        Value::Unknown(u) => format!("unknown ({})", u.text),
        Value::Expr(_) => "an expression".into(),
    }
}

fn is_world_open(s: &str) -> bool {
    let t = s.trim();
    matches!(t, "0.0.0.0/0" | "::/0" | "*" | "0.0.0.0" | "::" | "0::0/0")
        || t.eq_ignore_ascii_case("internet")
        || t.eq_ignore_ascii_case("any")
}

fn port_spec_includes(s: &str, port: u32) -> bool {
    let t = s.trim();
    if t == "*" || t.eq_ignore_ascii_case("any") {
        return true;
    }
    if let Some((a, b)) = t.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<u32>(), b.trim().parse::<u32>()) {
            return a <= port && port <= b;
        }
        return false;
    }
    t.parse::<f64>().map(|n| n == port as f64).unwrap_or(false)
}

fn as_number(n: &Node) -> Option<f64> {
    match &n.value {
        Value::Number(x) => Some(*x),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn lit_eq(text: &str, lit: &Literal, ignore_case: bool) -> bool {
    if ignore_case {
        text.eq_ignore_ascii_case(&lit.0)
    } else {
        text == lit.0
    }
}

/// The positive form of an operator on one item; `None` when the item is unknown.
fn positive(op: &Op, item: &Node, from_list: bool, ignore_case: bool) -> Option<bool> {
    if item.is_unknown() {
        return None;
    }
    let text = item.scalar_text();
    Some(match op {
        Op::Exists(_) => true,
        Op::Equals(l) | Op::NotEquals(l) => text.is_some_and(|t| lit_eq(&t, l, ignore_case)),
        Op::In(ls) | Op::NotIn(ls) => {
            text.is_some_and(|t| ls.iter().any(|l| lit_eq(&t, l, ignore_case)))
        }
        Op::Matches(r) | Op::NotMatches(r) => text.is_some_and(|t| r.is_match(&t)),
        Op::Contains(l) | Op::NotContains(l) => match text {
            Some(t) if from_list => lit_eq(&t, l, ignore_case),
            Some(t) if ignore_case => t.to_lowercase().contains(&l.0.to_lowercase()),
            Some(t) => t.contains(&l.0),
            None => false,
        },
        Op::Cmp(c, x) => as_number(item).is_some_and(|v| match c {
            CmpOp::Lt => v < *x,
            CmpOp::Le => v <= *x,
            CmpOp::Gt => v > *x,
            CmpOp::Ge => v >= *x,
        }),
        Op::WorldOpen(_) => text.is_some_and(|t| is_world_open(&t)),
        Op::PortIncludes(p) => text.is_some_and(|t| port_spec_includes(&t, *p)),
        Op::IsTrue => match &item.value {
            Value::Bool(b) => *b,
            Value::String(s) => s.eq_ignore_ascii_case("true"),
            _ => false,
        },
        Op::IsFalse => match &item.value {
            Value::Bool(b) => !*b,
            Value::String(s) => s.eq_ignore_ascii_case("false"),
            _ => false,
        },
    })
}

fn item_mark(
    path: &Path,
    item: &Node,
    from_list: bool,
    idx: usize,
    ctx: &Ctx,
    detailed: bool,
) -> Mark {
    if !detailed {
        return Mark {
            span: item.span,
            file: item.meta.as_ref().and_then(|m| m.file),
            ..Mark::default()
        };
    }
    let (label, key) = if from_list {
        (
            format!("`{}` contains {}", path.text, display(item)),
            format!("{}[{idx}]", path.text),
        )
    } else {
        (
            format!("`{}` is {}", path.text, display(item)),
            path.text.clone(),
        )
    };
    let key = if ctx.key.is_empty() {
        key
    } else {
        format!("{}.{key}", ctx.key)
    };
    Mark {
        span: item.span,
        label,
        key,
        file: item.meta.as_ref().and_then(|m| m.file),
        via: item
            .meta
            .as_ref()
            .map(|m| m.via.clone())
            .unwrap_or_default(),
    }
}

fn eval_attr(
    path: &Path,
    op: &Op,
    ignore_case: bool,
    base: &Node,
    ctx: &Ctx,
    want_marks: Want,
) -> Outcome {
    let r = resolve(path, base, ctx);
    if let Op::Exists(want) = op {
        let present = !r.nodes.is_empty();
        // Present: true marks when the test is `exists: true`, false marks otherwise.
        let detailed = want_marks.marks(*want);
        let marks: Vec<Mark> = r
            .nodes
            .iter()
            .map(|n| item_mark(path, n, false, 0, ctx, detailed))
            .collect();
        return match (present, want, &r.unknown) {
            (true, true, _) => Outcome::True(marks),
            (true, false, _) if detailed => Outcome::False(
                marks
                    .into_iter()
                    .map(|m| Mark {
                        label: format!("`{}` is set", path.text),
                        ..m
                    })
                    .collect(),
            ),
            (true, false, _) => Outcome::False(marks),
            (false, _, Some(u)) => Outcome::Unknown(u.clone()),
            (false, true, None) => {
                Outcome::False(vec![ctx.missing_if(&path.text, want_marks.false_marks)])
            }
            (false, false, None) => {
                Outcome::True(vec![ctx.missing_if(&path.text, want_marks.true_marks)])
            }
        };
    }
    // Flatten lists one level: operators apply to their elements.
    let mut items: Vec<(&Node, bool, usize)> = Vec::new();
    for n in &r.nodes {
        match &n.value {
            Value::List(l) => items.extend(l.iter().enumerate().map(|(i, e)| (e, true, i))),
            _ => items.push((n, false, 0)),
        }
    }
    let mut unknown = r.unknown.clone();
    // Marks are made only for the items that the outcome reports.
    let mut hits = Vec::new();
    let mut misses = Vec::new();
    for &(item, from_list, idx) in &items {
        match positive(op, item, from_list, ignore_case) {
            Some(true) => hits.push((item, from_list, idx)),
            Some(false) => misses.push((item, from_list, idx)),
            None => {
                unknown.get_or_insert_with(|| match &item.value {
                    Value::Unknown(u) => u.text.clone(),
                    _ => "expression".into(),
                });
            }
        }
    }
    let marks = |list: Vec<(&Node, bool, usize)>, outcome: bool| -> Vec<Mark> {
        let detailed = want_marks.marks(outcome);
        list.into_iter()
            .map(|(item, from_list, idx)| item_mark(path, item, from_list, idx, ctx, detailed))
            .collect()
    };
    if op.is_negative() {
        // True when every item satisfies the negative form: each hit of the positive form
        // is a violation.
        if !hits.is_empty() {
            Outcome::False(marks(hits, false))
        } else if let Some(u) = unknown {
            Outcome::Unknown(u)
        } else if r.nodes.is_empty() {
            Outcome::True(vec![ctx.missing_if(&path.text, want_marks.true_marks)])
        } else {
            Outcome::True(marks(misses, true))
        }
    } else if !hits.is_empty() {
        Outcome::True(marks(hits, true))
    } else if let Some(u) = unknown {
        Outcome::Unknown(u)
    } else if r.nodes.is_empty() {
        Outcome::False(vec![ctx.missing_if(&path.text, want_marks.false_marks)])
    } else {
        let first = r.nodes[0];
        let detailed = want_marks.false_marks;
        let mark = match &first.value {
            Value::List(_) if !detailed => item_mark(path, first, false, 0, ctx, false),
            Value::List(_) => Mark {
                span: first.span,
                label: format!("`{}` is {}", path.text, list_display(first)),
                key: path.text.clone(),
                file: first.meta.as_ref().and_then(|m| m.file),
                ..Mark::default()
            },
            _ => match misses.first() {
                Some(&(item, from_list, idx)) => {
                    item_mark(path, item, from_list, idx, ctx, detailed)
                }
                None => item_mark(path, first, false, 0, ctx, detailed),
            },
        };
        Outcome::False(vec![mark])
    }
}

fn list_display(n: &Node) -> String {
    match &n.value {
        Value::List(items) if items.is_empty() => "empty".into(),
        Value::List(items) if items.len() <= 4 => {
            format!(
                "[{}]",
                items.iter().map(display).collect::<Vec<_>>().join(", ")
            )
        }
        _ => "a list without it".into(),
    }
}

fn eval_ports(from: &Path, to: &Path, port: u32, base: &Node, ctx: &Ctx) -> Outcome {
    let f = resolve(from, base, ctx);
    let t = resolve(to, base, ctx);
    if let Some(u) = f.unknown.or(t.unknown) {
        return Outcome::Unknown(u);
    }
    let (Some(fnode), Some(tnode)) = (f.nodes.first(), t.nodes.first()) else {
        return Outcome::False(vec![ctx.missing(&format!("{}`/`{}", from.text, to.text))]);
    };
    if fnode.is_unknown() || tnode.is_unknown() {
        return Outcome::Unknown(format!("{} / {}", display(fnode), display(tnode)));
    }
    let (Some(a), Some(b)) = (as_number(fnode), as_number(tnode)) else {
        return Outcome::False(vec![ctx.missing(&from.text)]);
    };
    let inc = a <= port as f64 && port as f64 <= b;
    let label = format!(
        "ports {}-{} {} {port}",
        format_number(a),
        format_number(b),
        if inc { "include" } else { "do not include" }
    );
    let m = Mark {
        span: fnode.span,
        label,
        key: ctx.key.clone(),
        file: fnode.meta.as_ref().and_then(|m| m.file),
        ..Mark::default()
    };
    if inc {
        Outcome::True(vec![m])
    } else {
        Outcome::False(vec![m])
    }
}

/// String values at the top level of a resource body (names a literal reference may use).
fn literal_names(r: &Resource) -> Vec<String> {
    match &r.body.value {
        Value::Map(m) => m
            .iter()
            .filter_map(|(_, v)| v.as_str().map(String::from))
            .collect(),
        _ => vec![],
    }
}

fn eval_referenced_by(
    types: &[String],
    attribute: Option<&Path>,
    where_: Option<&Cond>,
    ctx: &Ctx,
) -> Outcome {
    let me = ctx.resource;
    let names = literal_names(me);
    let mut unknown = None;
    for t in types {
        for cand in ctx.index.of_type(me.group, t) {
            if std::ptr::eq(cand, me) {
                continue;
            }
            let cctx = Ctx::for_resource(ctx.index, cand);
            let values: Vec<&Node> = match attribute {
                Some(p) => {
                    let r = resolve(p, &cand.body, &cctx);
                    r.nodes
                }
                None => vec![&cand.body],
            };
            let mut refs = Vec::new();
            for v in &values {
                v.collect_refs(&mut refs);
            }
            let matched = refs.iter().any(|r| r == &me.ref_name)
                || (attribute.is_some()
                    && values
                        .iter()
                        .any(|v| v.as_str().is_some_and(|s| names.iter().any(|n| n == s))));
            let opaque = refs.is_empty() && values.iter().any(|v| v.is_unknown());
            if !matched && !opaque {
                continue;
            }
            let ok = match where_ {
                Some(w) => eval(w, &cand.body, &cctx, Want::NONE),
                None => Outcome::True(vec![]),
            };
            match (matched, ok) {
                (true, Outcome::True(_)) => {
                    return Outcome::True(vec![Mark {
                        span: me.anchor,
                        label: format!("referenced by {}", cand.address),
                        key: ctx.key.clone(),
                        ..Mark::default()
                    }])
                }
                (_, Outcome::False(_)) => {}
                (_, Outcome::Unknown(u)) => unknown = Some(u),
                (false, Outcome::True(_)) => {
                    unknown = Some(format!(
                        "{} refers to a resource guardrail cannot name",
                        cand.address
                    ))
                }
            }
        }
    }
    if let Some(u) = unknown {
        return Outcome::Unknown(u);
    }
    let what = types.join("` or `");
    let label = match where_ {
        Some(_) => format!("no compliant `{what}` refers to this resource"),
        None => format!("no `{what}` refers to this resource"),
    };
    Outcome::False(vec![Mark {
        span: ctx.anchor,
        label,
        key: ctx.key.clone(),
        ..Mark::default()
    }])
}

fn eval_references(
    types: &[String],
    attribute: Option<&Path>,
    where_: Option<&Cond>,
    base: &Node,
    ctx: &Ctx,
) -> Outcome {
    let me = ctx.resource;
    let (values, unknown_path) = match attribute {
        Some(p) => {
            let r = resolve(p, base, ctx);
            (r.nodes, r.unknown)
        }
        None => (vec![base], None),
    };
    let mut refs = Vec::new();
    for v in &values {
        v.collect_refs(&mut refs);
    }
    let span = values.first().map(|v| v.span).unwrap_or(ctx.anchor);
    let mut unknown = unknown_path;
    if refs.is_empty() && values.iter().any(|v| v.is_unknown()) {
        unknown.get_or_insert_with(|| "reference guardrail cannot resolve".into());
    }
    for name in &refs {
        let Some(target) = ctx.index.by_ref(me.group, name) else {
            unknown.get_or_insert_with(|| format!("{name} is not in this module/template"));
            continue;
        };
        if !types.iter().any(|t| t == &target.rtype) {
            continue;
        }
        let tctx = Ctx::for_resource(ctx.index, target);
        match where_
            .map(|w| eval(w, &target.body, &tctx, Want::NONE))
            .unwrap_or(Outcome::True(vec![]))
        {
            Outcome::True(_) => {
                return Outcome::True(vec![Mark {
                    span,
                    label: format!("refers to {}", target.address),
                    key: ctx.key.clone(),
                    ..Mark::default()
                }])
            }
            Outcome::Unknown(u) => unknown = Some(u),
            Outcome::False(_) => {}
        }
    }
    if let Some(u) = unknown {
        return Outcome::Unknown(u);
    }
    let label = match attribute {
        Some(p) if !values.is_empty() => format!(
            "`{}` does not refer to a compliant `{}`",
            p.text,
            types.join("` or `")
        ),
        Some(p) => format!("`{}` is not set", p.text),
        None => format!("does not refer to a compliant `{}`", types.join("` or `")),
    };
    Outcome::False(vec![Mark {
        span,
        label,
        key: ctx.key.clone(),
        ..Mark::default()
    }])
}

fn dedup(marks: Vec<Mark>) -> Vec<Mark> {
    let mut out: Vec<Mark> = Vec::with_capacity(marks.len());
    for m in marks {
        if !out.iter().any(|o| o.span == m.span) {
            out.push(m);
        }
    }
    out
}

/// Evaluates a condition with paths starting at `base`.
pub fn eval(cond: &Cond, base: &Node, ctx: &Ctx, want: Want) -> Outcome {
    match cond {
        Cond::All(cs) => {
            let mut false_marks = Vec::new();
            let mut any_false = false;
            let mut unknown = None;
            let mut first_true = None;
            for c in cs {
                match eval(c, base, ctx, want) {
                    Outcome::False(m) => {
                        any_false = true;
                        false_marks.extend(m);
                    }
                    Outcome::Unknown(u) => {
                        unknown.get_or_insert(u);
                    }
                    Outcome::True(m) => {
                        first_true.get_or_insert(m);
                    }
                }
            }
            if any_false {
                Outcome::False(dedup(false_marks))
            } else if let Some(u) = unknown {
                Outcome::Unknown(u)
            } else {
                Outcome::True(first_true.unwrap_or_default())
            }
        }
        Cond::Any(cs) => {
            let mut false_marks = Vec::new();
            let mut unknown = None;
            for c in cs {
                match eval(c, base, ctx, want) {
                    Outcome::True(m) => return Outcome::True(m),
                    Outcome::Unknown(u) => {
                        unknown.get_or_insert(u);
                    }
                    Outcome::False(m) => false_marks.extend(m),
                }
            }
            match unknown {
                Some(u) => Outcome::Unknown(u),
                None => Outcome::False(best_mark(false_marks, ctx)),
            }
        }
        Cond::Not(c) => match eval(c, base, ctx, want.not()) {
            Outcome::True(m) => Outcome::False(m),
            Outcome::False(m) => Outcome::True(m),
            u => u,
        },
        Cond::Every { path, cond } => eval_quantifier(true, path, cond, base, ctx, want),
        Cond::Some { path, cond } => eval_quantifier(false, path, cond, base, ctx, want),
        Cond::Attr {
            path,
            op,
            ignore_case,
        } => eval_attr(path, op, *ignore_case, base, ctx, want),
        Cond::Ports { from, to, port } => eval_ports(from, to, *port, base, ctx),
        Cond::ReferencedBy {
            types,
            attribute,
            where_,
        } => eval_referenced_by(types, attribute.as_ref(), where_.as_deref(), ctx),
        Cond::References {
            types,
            attribute,
            where_,
        } => eval_references(types, attribute.as_ref(), where_.as_deref(), base, ctx),
    }
}

/// `every` / `some` over the elements a path reaches.
fn eval_quantifier(
    every: bool,
    path: &Path,
    cond: &Cond,
    base: &Node,
    ctx: &Ctx,
    want: Want,
) -> Outcome {
    let r = resolve(path, base, ctx);
    let mut elements: Vec<&Node> = Vec::new();
    for n in &r.nodes {
        match &n.value {
            Value::List(items) => elements.extend(items.iter()),
            _ => elements.push(n),
        }
    }
    let mut unknown = r.unknown.clone();
    let mut false_marks = Vec::new();
    let mut true_marks = Vec::new();
    for (i, e) in elements.iter().enumerate() {
        if let Value::Unknown(u) = &e.value {
            unknown.get_or_insert_with(|| u.text.clone());
            continue;
        }
        let ectx = Ctx {
            index: ctx.index,
            resource: ctx.resource,
            object: ctx.object,
            pod: ctx.pod,
            list: ctx.list,
            anchor: ctx.anchor,
            // Keys are read only by marks that can reach a finding.
            key: if want == Want::NONE {
                String::new()
            } else if ctx.key.is_empty() {
                format!("{}[{i}]", path.text)
            } else {
                format!("{}.{}[{i}]", ctx.key, path.text)
            },
        };
        match eval(cond, e, &ectx, want) {
            Outcome::True(m) => {
                if !every {
                    return Outcome::True(m);
                }
                true_marks.extend(m);
            }
            Outcome::False(m) => {
                // One finding per failing element: its first mark.
                if every {
                    false_marks.extend(m.into_iter().take(1));
                } else {
                    false_marks.extend(m);
                }
            }
            Outcome::Unknown(u) => {
                unknown.get_or_insert(u);
            }
        }
    }
    if every {
        if !false_marks.is_empty() {
            Outcome::False(false_marks)
        } else if let Some(u) = unknown {
            Outcome::Unknown(u)
        } else {
            Outcome::True(true_marks)
        }
    } else if let Some(u) = unknown {
        Outcome::Unknown(u)
    } else if elements.is_empty() {
        Outcome::False(vec![ctx.missing(&path.text)])
    } else {
        Outcome::False(best_mark(false_marks, ctx))
    }
}

/// One mark to explain a failed `any`/`some`: a concrete value beats "is not set" on the
/// anchor, since it is what the developer has to change.
fn best_mark(marks: Vec<Mark>, ctx: &Ctx) -> Vec<Mark> {
    let pick = marks.iter().position(|m| m.span != ctx.anchor).unwrap_or(0);
    marks.into_iter().nth(pick).into_iter().collect()
}
