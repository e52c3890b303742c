//! Terraform's built-in functions over evaluated values. An argument that is unknown makes
//! the result unknown, except where the result does not depend on it (`length` of a list
//! with unknown elements, `concat` of known lists); a result is never guessed. A result
//! computed from a sensitive value is sensitive. `try`, `can`, `file`, `fileexists` and
//! `templatefile` need the evaluator and live there.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::model::{format_number, Key, Meta, Node, Span, Value};
use crate::parse::Limits;

use super::eval::{mark_sensitive, relocate, EvalError, R};

/// Strings longer than this (bytes) are unknown rather than built.
pub const MAX_STRING: usize = 1 << 20;
/// `range()` produces at most this many elements, as in Terraform.
const MAX_RANGE: usize = 1024;

fn err<T>(msg: impl Into<String>) -> Result<T, EvalError> {
    Err(EvalError(msg.into()))
}

/// An unknown node standing for an evaluation error at `n`.
pub fn unknown_from(e: &EvalError, n: &Node) -> Node {
    let mut refs = Vec::new();
    n.collect_refs(&mut refs);
    Node::unknown(e.0.clone(), refs, n.span)
}

/// True when the value or anything in it is unknown.
pub fn has_unknown(n: &Node) -> bool {
    match &n.value {
        Value::Unknown(_) | Value::Expr(_) => true,
        Value::List(items) => items.iter().any(has_unknown),
        Value::Map(entries) => entries.iter().any(|(_, v)| has_unknown(v)),
        _ => false,
    }
}

/// True when any argument is (or contains) an unknown.
pub fn any_unknown(args: &[Node]) -> bool {
    args.iter().any(has_unknown)
}

/// True when any of the values is (or contains) something sensitive.
pub fn any_sensitive(nodes: &[&Node]) -> bool {
    fn deep(n: &Node) -> bool {
        n.is_sensitive()
            || match &n.value {
                Value::List(items) => items.iter().any(deep),
                Value::Map(entries) => entries.iter().any(|(_, v)| deep(v)),
                _ => false,
            }
    }
    nodes.iter().any(|n| deep(n))
}

fn unknown_result(name: &str, args: &[Node], span: Span) -> Node {
    let mut refs = Vec::new();
    args.iter().for_each(|a| a.collect_refs(&mut refs));
    Node::unknown(format!("{name}(…)"), refs, span)
}

/// A number (or a string holding one), as Terraform converts.
pub fn num(n: &Node) -> Result<f64, EvalError> {
    match &n.value {
        Value::Number(x) => Ok(*x),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| EvalError(format!("{s:?} is not a number"))),
        _ => err("a number is required"),
    }
}

/// A string (numbers and bools convert), as Terraform converts.
pub fn text(n: &Node) -> Result<String, EvalError> {
    match &n.value {
        Value::String(s) => Ok(s.clone()),
        Value::Number(x) => Ok(format_number(*x)),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Null => err("a string is required, got null"),
        _ => err("a string is required"),
    }
}

fn list(n: &Node) -> Result<&[Node], EvalError> {
    match &n.value {
        Value::List(items) => Ok(items),
        _ => err("a list is required"),
    }
}

fn map(n: &Node) -> Result<&[(Key, Node)], EvalError> {
    match &n.value {
        Value::Map(entries) => Ok(entries),
        _ => err("a map or object is required"),
    }
}

fn int(n: &Node) -> Result<i64, EvalError> {
    let x = num(n)?;
    if x.fract() != 0.0 {
        return err(format!("{} is not a whole number", format_number(x)));
    }
    Ok(x as i64)
}

/// Structural equality that ignores spans; `None` when an unknown decides it.
pub fn value_eq(a: &Node, b: &Node) -> Option<bool> {
    match (&a.value, &b.value) {
        (Value::Unknown(_) | Value::Expr(_), _) | (_, Value::Unknown(_) | Value::Expr(_)) => None,
        (Value::Null, Value::Null) => Some(true),
        (Value::Bool(x), Value::Bool(y)) => Some(x == y),
        (Value::Number(x), Value::Number(y)) => Some(x == y),
        (Value::String(x), Value::String(y)) => Some(x == y),
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for (p, q) in x.iter().zip(y) {
                match value_eq(p, q) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            (!undecided).then_some(true)
        }
        (Value::Map(x), Value::Map(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            let mut undecided = false;
            for (k, v) in x {
                let Some((_, w)) = y.iter().find(|(k2, _)| k2.name == k.name) else {
                    return Some(false);
                };
                match value_eq(v, w) {
                    Some(false) => return Some(false),
                    None => undecided = true,
                    Some(true) => {}
                }
            }
            (!undecided).then_some(true)
        }
        _ => Some(false),
    }
}

/// The JSON form of a wholly known value (object keys sorted, as `jsonencode` writes them).
pub fn to_json(n: &Node) -> Option<serde_json::Value> {
    Some(match &n.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(x) => {
            if x.fract() == 0.0 && x.abs() < 1e15 {
                serde_json::Value::from(*x as i64)
            } else {
                serde_json::Number::from_f64(*x).map(serde_json::Value::Number)?
            }
        }
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => {
            serde_json::Value::Array(items.iter().map(to_json).collect::<Option<Vec<_>>>()?)
        }
        Value::Map(entries) => {
            let mut sorted: Vec<&(Key, Node)> = entries.iter().collect();
            sorted.sort_by(|a, b| a.0.name.cmp(&b.0.name));
            let mut m = serde_json::Map::new();
            for (k, v) in sorted {
                m.insert(k.name.clone(), to_json(v)?);
            }
            serde_json::Value::Object(m)
        }
        Value::Unknown(_) | Value::Expr(_) => return None,
    })
}

fn string(s: String, span: Span) -> R {
    if s.len() > MAX_STRING {
        return Ok(Node::unknown("string too large", vec![], span));
    }
    Ok(Node::new(Value::String(s), span))
}

fn bool_node(b: bool, span: Span) -> R {
    Ok(Node::new(Value::Bool(b), span))
}

fn number(x: f64, span: Span) -> R {
    Ok(Node::new(Value::Number(x), span))
}

fn list_node(items: Vec<Node>, span: Span) -> R {
    Ok(Node::new(Value::List(items), span))
}

fn arity(name: &str, args: &[Node], min: usize, max: usize) -> Result<(), EvalError> {
    if args.len() < min || args.len() > max {
        return err(format!(
            "{name}() takes {min}..{max} arguments, got {}",
            args.len()
        ));
    }
    Ok(())
}

/// Calls a built-in function. `None`: not a function guardrail knows (the caller makes the
/// result unknown).
pub fn call(name: &str, args: &[Node], span: Span) -> Option<R> {
    let sensitive = name != "nonsensitive" && any_sensitive(&args.iter().collect::<Vec<_>>());
    let r = dispatch(name, args, span)?;
    Some(r.map(|mut n| {
        if sensitive {
            mark_sensitive(&mut n);
        }
        n
    }))
}

/// Functions whose result is unknown as soon as any argument contains an unknown.
const STRICT: &[&str] = &[
    "coalesce",
    "distinct",
    "flatten",
    "format",
    "join",
    "split",
    "replace",
    "lower",
    "upper",
    "trimspace",
    "zipmap",
    "toset",
    "tostring",
    "tonumber",
    "tobool",
    "jsondecode",
    "yamldecode",
    "cidrsubnet",
    "cidrhost",
    "startswith",
    "endswith",
    "trimprefix",
    "trimsuffix",
    "trim",
    "chomp",
    "title",
    "substr",
    "range",
    "min",
    "max",
    "abs",
    "ceil",
    "floor",
    "sort",
    "alltrue",
    "anytrue",
    "strrev",
];

fn dispatch(name: &str, args: &[Node], span: Span) -> Option<R> {
    if STRICT.contains(&name) && any_unknown(args) {
        return Some(Ok(unknown_result(name, args, span)));
    }
    Some(match name {
        "merge" => merge(args, span),
        "concat" => concat(args, span),
        "lookup" => lookup(args, span),
        "coalesce" => coalesce(args),
        "coalescelist" => coalescelist(args, span),
        "compact" => compact(args, span),
        "distinct" => distinct(args, span),
        "flatten" => flatten(args, span),
        "format" => format_fn(args, span),
        "join" => join(args, span),
        "split" => split(args, span),
        "replace" => replace(args, span),
        "lower" => one_string(name, args, span, |s| s.to_lowercase()),
        "upper" => one_string(name, args, span, |s| s.to_uppercase()),
        "trimspace" => one_string(name, args, span, |s| s.trim().to_string()),
        "chomp" => one_string(name, args, span, |s| {
            s.trim_end_matches(['\r', '\n']).to_string()
        }),
        "strrev" => one_string(name, args, span, |s| s.chars().rev().collect()),
        "title" => one_string(name, args, span, title),
        "length" => length(args, span),
        "contains" => contains(args, span),
        "element" => element(args, span),
        "keys" => keys_values(args, span, true),
        "values" => keys_values(args, span, false),
        "zipmap" => zipmap(args, span),
        "tolist" => tolist(args, span),
        "toset" => toset(args, span),
        "tomap" => tomap(args, span),
        "tostring" => tostring(args, span),
        "tonumber" => tonumber(args, span),
        "tobool" => tobool(args, span),
        "jsonencode" => jsonencode(args, span),
        "jsondecode" => jsondecode(args, span),
        "yamldecode" => yamldecode(args, span),
        "cidrsubnet" => cidrsubnet(args, span),
        "sensitive" | "nonsensitive" => sensitivity(name, args),
        "startswith" => two_strings(name, args, |a, b| Value::Bool(a.starts_with(b)), span),
        "endswith" => two_strings(name, args, |a, b| Value::Bool(a.ends_with(b)), span),
        "trimprefix" => two_strings(
            name,
            args,
            |a, b| Value::String(a.strip_prefix(b).unwrap_or(a).to_string()),
            span,
        ),
        "trimsuffix" => two_strings(
            name,
            args,
            |a, b| Value::String(a.strip_suffix(b).unwrap_or(a).to_string()),
            span,
        ),
        "trim" => two_strings(
            name,
            args,
            |a, b| Value::String(a.trim_matches(|c| b.contains(c)).to_string()),
            span,
        ),
        "substr" => substr(args, span),
        "range" => range(args, span),
        "min" | "max" => min_max(name, args, span),
        "abs" => one_number(name, args, span, f64::abs),
        "ceil" => one_number(name, args, span, f64::ceil),
        "floor" => one_number(name, args, span, f64::floor),
        "reverse" => reverse(args, span),
        "sort" => sort(args, span),
        "one" => one(args, span),
        "alltrue" | "anytrue" => all_any(name, args, span),
        _ => return None,
    })
}

fn merge(args: &[Node], span: Span) -> R {
    let mut out: Vec<(Key, Node)> = Vec::new();
    for a in args {
        match &a.value {
            Value::Null => continue,
            Value::Unknown(_) => return Ok(unknown_result("merge", args, span)),
            _ => {}
        }
        for (k, v) in map(a)? {
            match out.iter_mut().find(|(x, _)| x.name == k.name) {
                Some(slot) => *slot = (k.clone(), v.clone()),
                None => out.push((k.clone(), v.clone())),
            }
        }
    }
    Ok(Node::new(Value::Map(out), span))
}

fn concat(args: &[Node], span: Span) -> R {
    let mut out = Vec::new();
    for a in args {
        if a.is_unknown() {
            return Ok(unknown_result("concat", args, span));
        }
        out.extend(list(a)?.iter().cloned());
    }
    list_node(out, span)
}

fn lookup(args: &[Node], span: Span) -> R {
    arity("lookup", args, 2, 3)?;
    if args[0].is_unknown() || args[1].is_unknown() {
        return Ok(unknown_result("lookup", args, span));
    }
    let key = text(&args[1])?;
    match map(&args[0])?.iter().find(|(k, _)| k.name == key) {
        Some((_, v)) => Ok(v.clone()),
        None => match args.get(2) {
            Some(d) => Ok(d.clone()),
            None => err(format!("lookup(): no key {key:?} and no default")),
        },
    }
}

fn coalesce(args: &[Node]) -> R {
    for a in args {
        match &a.value {
            Value::Null => continue,
            Value::String(s) if s.is_empty() => continue,
            _ => return Ok(a.clone()),
        }
    }
    err("coalesce(): every argument is null or empty")
}

fn coalescelist(args: &[Node], span: Span) -> R {
    for a in args {
        if a.is_unknown() {
            return Ok(unknown_result("coalescelist", args, span));
        }
        if !list(a)?.is_empty() {
            return Ok(a.clone());
        }
    }
    err("coalescelist(): every list is empty")
}

fn one_list<'a>(name: &str, args: &'a [Node]) -> Result<&'a [Node], EvalError> {
    arity(name, args, 1, 1)?;
    list(&args[0])
}

fn compact(args: &[Node], span: Span) -> R {
    if args.first().is_some_and(|a| a.is_unknown()) {
        return Ok(unknown_result("compact", args, span));
    }
    let items = one_list("compact", args)?;
    // An unknown element might be "" (and dropped), except an encoded document whose
    // structure is known: that is never empty (`compact([data.x.json, var.policy])`).
    if items
        .iter()
        .any(|i| i.is_unknown() && i.structured().is_none())
    {
        return Ok(unknown_result("compact", args, span));
    }
    let kept = items
        .iter()
        .filter(|n| match &n.value {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        })
        .cloned()
        .collect();
    list_node(kept, span)
}

fn distinct(args: &[Node], span: Span) -> R {
    let items = one_list("distinct", args)?;
    let mut out: Vec<Node> = Vec::new();
    for i in items {
        if !out.iter().any(|o| value_eq(o, i) == Some(true)) {
            out.push(i.clone());
        }
    }
    list_node(out, span)
}

fn flatten(args: &[Node], span: Span) -> R {
    fn walk(n: &Node, out: &mut Vec<Node>, depth: usize) -> Result<(), EvalError> {
        if depth > 64 {
            return err("flatten(): nested too deeply");
        }
        match &n.value {
            Value::List(items) => items.iter().try_for_each(|i| walk(i, out, depth + 1)),
            _ => {
                out.push(n.clone());
                Ok(())
            }
        }
    }
    let items = one_list("flatten", args)?;
    let mut out = Vec::new();
    for i in items {
        walk(i, &mut out, 0)?;
    }
    list_node(out, span)
}

/// `format` with the verbs Terraform documents: `%s %d %f %v %q %t %x %X %o %b %e %%`, with
/// flags (`-`, `+`, `0`, space), width and precision.
fn format_fn(args: &[Node], span: Span) -> R {
    let Some(spec) = args.first() else {
        return err("format() needs a format string");
    };
    let spec = text(spec)?;
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        if chars.peek() == Some(&'%') {
            chars.next();
            out.push('%');
            continue;
        }
        let mut left = false;
        let mut zero = false;
        let mut plus = false;
        let mut space = false;
        while let Some(&f) = chars.peek() {
            match f {
                '-' => left = true,
                '0' => zero = true,
                '+' => plus = true,
                ' ' => space = true,
                '#' => {}
                _ => break,
            }
            chars.next();
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            return err("format(): the format string ends inside a verb");
        };
        let Some(arg) = args.get(next) else {
            return err("format(): not enough arguments");
        };
        next += 1;
        let sign = |x: f64, s: String| {
            if x >= 0.0 && plus {
                format!("+{s}")
            } else if x >= 0.0 && space {
                format!(" {s}")
            } else {
                s
            }
        };
        let body = match verb {
            's' => {
                let s = text(arg)?;
                match precision {
                    Some(p) => s.chars().take(p).collect(),
                    None => s,
                }
            }
            'v' => match &arg.value {
                Value::List(_) | Value::Map(_) => {
                    to_json(arg).map(|j| j.to_string()).unwrap_or_default()
                }
                _ => text(arg)?,
            },
            'q' => serde_json::Value::String(text(arg)?).to_string(),
            't' => match &arg.value {
                Value::Bool(b) => b.to_string(),
                _ => return err("format(): %t needs a bool"),
            },
            'd' => {
                let x = int(arg)?;
                sign(x as f64, x.to_string())
            }
            'f' | 'e' | 'E' | 'g' => {
                let x = num(arg)?;
                let p = precision.unwrap_or(6);
                let s = match verb {
                    'f' => format!("{x:.p$}"),
                    'e' => format!("{x:.p$e}"),
                    'E' => format!("{x:.p$E}"),
                    _ => format_number(x),
                };
                sign(x, s)
            }
            'x' => format!("{:x}", int(arg)?),
            'X' => format!("{:X}", int(arg)?),
            'o' => format!("{:o}", int(arg)?),
            'b' => format!("{:b}", int(arg)?),
            other => return err(format!("format(): unsupported verb %{other}")),
        };
        let w: usize = width.parse().unwrap_or(0);
        let len = body.chars().count();
        if len < w {
            let pad = w - len;
            if left {
                out.push_str(&body);
                out.push_str(&" ".repeat(pad));
            } else if zero && matches!(verb, 'd' | 'f' | 'e' | 'E' | 'g' | 'x' | 'X' | 'o' | 'b') {
                let (sign, digits) = match body.strip_prefix(['-', '+']) {
                    Some(rest) => (&body[..1], rest),
                    None => ("", body.as_str()),
                };
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&body);
            }
        } else {
            out.push_str(&body);
        }
        if out.len() > MAX_STRING {
            return Ok(Node::unknown("string too large", vec![], span));
        }
    }
    string(out, span)
}

fn join(args: &[Node], span: Span) -> R {
    if args.len() < 2 {
        return err("join() needs a separator and at least one list");
    }
    let sep = text(&args[0])?;
    let mut parts = Vec::new();
    for l in &args[1..] {
        for i in list(l)? {
            parts.push(text(i)?);
        }
    }
    string(parts.join(&sep), span)
}

fn split(args: &[Node], span: Span) -> R {
    arity("split", args, 2, 2)?;
    let sep = text(&args[0])?;
    let s = text(&args[1])?;
    let parts: Vec<Node> = if sep.is_empty() {
        s.chars()
            .map(|c| Node::new(Value::String(c.to_string()), span))
            .collect()
    } else {
        s.split(sep.as_str())
            .map(|p| Node::new(Value::String(p.to_string()), span))
            .collect()
    };
    list_node(parts, span)
}

fn replace(args: &[Node], span: Span) -> R {
    arity("replace", args, 3, 3)?;
    let s = text(&args[0])?;
    let find = text(&args[1])?;
    let with = text(&args[2])?;
    if find.len() >= 2 && find.starts_with('/') && find.ends_with('/') {
        let re = regex::RegexBuilder::new(&find[1..find.len() - 1])
            .size_limit(1 << 20)
            .build()
            .map_err(|e| EvalError(format!("replace(): invalid regular expression: {e}")))?;
        return string(re.replace_all(&s, with.as_str()).into_owned(), span);
    }
    if find.is_empty() {
        return string(s, span);
    }
    string(s.replace(&find, &with), span)
}

fn one_string(name: &str, args: &[Node], span: Span, f: impl Fn(&str) -> String) -> R {
    arity(name, args, 1, 1)?;
    string(f(&text(&args[0])?), span)
}

fn two_strings(name: &str, args: &[Node], f: impl Fn(&str, &str) -> Value, span: Span) -> R {
    arity(name, args, 2, 2)?;
    let (a, b) = (text(&args[0])?, text(&args[1])?);
    Ok(Node::new(f(&a, &b), span))
}

fn one_number(name: &str, args: &[Node], span: Span, f: impl Fn(f64) -> f64) -> R {
    arity(name, args, 1, 1)?;
    number(f(num(&args[0])?), span)
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut at_start = true;
    for c in s.chars() {
        if at_start && c.is_alphabetic() {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        at_start = !c.is_alphanumeric();
    }
    out
}

fn length(args: &[Node], span: Span) -> R {
    arity("length", args, 1, 1)?;
    match &args[0].value {
        Value::List(items) => number(items.len() as f64, span),
        Value::Map(entries) => number(entries.len() as f64, span),
        Value::String(s) => number(s.chars().count() as f64, span),
        Value::Unknown(_) | Value::Expr(_) => Ok(unknown_result("length", args, span)),
        _ => err("length() needs a collection or a string"),
    }
}

fn contains(args: &[Node], span: Span) -> R {
    arity("contains", args, 2, 2)?;
    if args[0].is_unknown() || has_unknown(&args[1]) {
        return Ok(unknown_result("contains", args, span));
    }
    let mut undecided = false;
    for i in list(&args[0])? {
        match value_eq(i, &args[1]) {
            Some(true) => return bool_node(true, span),
            None => undecided = true,
            Some(false) => {}
        }
    }
    if undecided {
        return Ok(unknown_result("contains", args, span));
    }
    bool_node(false, span)
}

fn element(args: &[Node], span: Span) -> R {
    arity("element", args, 2, 2)?;
    if args[0].is_unknown() || args[1].is_unknown() {
        return Ok(unknown_result("element", args, span));
    }
    let items = list(&args[0])?;
    if items.is_empty() {
        return err("element() of an empty list");
    }
    let i = int(&args[1])?;
    if i < 0 {
        return err("element() with a negative index");
    }
    Ok(items[i as usize % items.len()].clone())
}

fn keys_values(args: &[Node], span: Span, keys: bool) -> R {
    let name = if keys { "keys" } else { "values" };
    arity(name, args, 1, 1)?;
    if args[0].is_unknown() {
        return Ok(unknown_result(name, args, span));
    }
    let mut entries: Vec<&(Key, Node)> = map(&args[0])?.iter().collect();
    entries.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    let out = entries
        .into_iter()
        .map(|(k, v)| {
            if keys {
                Node::new(Value::String(k.name.clone()), k.span)
            } else {
                v.clone()
            }
        })
        .collect();
    list_node(out, span)
}

fn zipmap(args: &[Node], span: Span) -> R {
    arity("zipmap", args, 2, 2)?;
    let (ks, vs) = (list(&args[0])?, list(&args[1])?);
    if ks.len() != vs.len() {
        return err("zipmap(): the lists have different lengths");
    }
    let mut out: Vec<(Key, Node)> = Vec::new();
    for (k, v) in ks.iter().zip(vs) {
        let name = text(k)?;
        out.retain(|(x, _)| x.name != name);
        out.push((Key { name, span: k.span }, v.clone()));
    }
    Ok(Node::new(Value::Map(out), span))
}

fn tolist(args: &[Node], span: Span) -> R {
    arity("tolist", args, 1, 1)?;
    match &args[0].value {
        Value::List(_) => Ok(Node {
            span,
            ..args[0].clone()
        }),
        Value::Unknown(_) | Value::Expr(_) => Ok(unknown_result("tolist", args, span)),
        _ => err("tolist() needs a list or set"),
    }
}

fn toset(args: &[Node], span: Span) -> R {
    arity("toset", args, 1, 1)?;
    let items = list(&args[0])?;
    let mut out: Vec<Node> = Vec::new();
    for i in items {
        if !out.iter().any(|o| value_eq(o, i) == Some(true)) {
            out.push(i.clone());
        }
    }
    // Terraform orders sets of strings lexically and sets of numbers numerically.
    if out.iter().all(|n| matches!(n.value, Value::String(_))) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    } else if out.iter().all(|n| matches!(n.value, Value::Number(_))) {
        out.sort_by(|a, b| {
            let (Value::Number(x), Value::Number(y)) = (&a.value, &b.value) else {
                return std::cmp::Ordering::Equal;
            };
            x.total_cmp(y)
        });
    }
    list_node(out, span)
}

fn tomap(args: &[Node], span: Span) -> R {
    arity("tomap", args, 1, 1)?;
    match &args[0].value {
        Value::Map(_) => Ok(Node {
            span,
            ..args[0].clone()
        }),
        Value::Unknown(_) | Value::Expr(_) => Ok(unknown_result("tomap", args, span)),
        _ => err("tomap() needs a map or object"),
    }
}

fn tostring(args: &[Node], span: Span) -> R {
    arity("tostring", args, 1, 1)?;
    match &args[0].value {
        Value::Null => Ok(Node::new(Value::Null, span)),
        Value::List(_) | Value::Map(_) => err("tostring() of a collection"),
        _ => string(text(&args[0])?, span),
    }
}

fn tonumber(args: &[Node], span: Span) -> R {
    arity("tonumber", args, 1, 1)?;
    match &args[0].value {
        Value::Null => Ok(Node::new(Value::Null, span)),
        _ => number(num(&args[0])?, span),
    }
}

fn tobool(args: &[Node], span: Span) -> R {
    arity("tobool", args, 1, 1)?;
    match &args[0].value {
        Value::Null => Ok(Node::new(Value::Null, span)),
        Value::Bool(b) => bool_node(*b, span),
        Value::String(s) if s == "true" => bool_node(true, span),
        Value::String(s) if s == "false" => bool_node(false, span),
        _ => err("tobool() needs true or false"),
    }
}

/// The JSON text when the value is wholly known, else unknown; either way the value itself
/// is kept as the structure (a policy given as `jsonencode({…})` stays readable).
fn jsonencode(args: &[Node], span: Span) -> R {
    arity("jsonencode", args, 1, 1)?;
    let v = &args[0];
    let mut out = match to_json(v) {
        Some(j) => string(j.to_string(), span)?,
        None => unknown_result("jsonencode", args, span),
    };
    if matches!(v.value, Value::Map(_)) {
        out.meta = Some(Box::new(Meta {
            structured: Some(v.clone()),
            ..Meta::default()
        }));
    }
    Ok(out)
}

fn jsondecode(args: &[Node], span: Span) -> R {
    arity("jsondecode", args, 1, 1)?;
    let s = text(&args[0])?;
    match crate::parse::json::parse(&s, &Limits::default()) {
        Ok(n) => Ok(relocate(n, span)),
        Err(e) => err(format!("jsondecode(): {}", e.message)),
    }
}

fn yamldecode(args: &[Node], span: Span) -> R {
    arity("yamldecode", args, 1, 1)?;
    let s = text(&args[0])?;
    match crate::parse::yaml::parse(&s, &Limits::default()) {
        Ok(docs) if docs.len() > 1 => err("yamldecode(): more than one document"),
        Ok(docs) => Ok(match docs.into_iter().next() {
            Some(d) => relocate(d.root, span),
            None => Node::new(Value::Null, span),
        }),
        Err(e) => err(format!("yamldecode(): {}", e.message)),
    }
}

/// `cidrsubnet(prefix, newbits, netnum)` for IPv4 and IPv6.
fn cidrsubnet(args: &[Node], span: Span) -> R {
    arity("cidrsubnet", args, 3, 3)?;
    let prefix = text(&args[0])?;
    let newbits = int(&args[1])?;
    let netnum = int(&args[2])?;
    let net: ipnet::IpNet = prefix
        .parse()
        .map_err(|_| EvalError(format!("cidrsubnet(): invalid prefix {prefix:?}")))?;
    if newbits < 0 || netnum < 0 {
        return err("cidrsubnet(): negative argument");
    }
    let newlen = net.prefix_len() as i64 + newbits;
    let out = match net {
        ipnet::IpNet::V4(n) => {
            if newlen > 32 {
                return err("cidrsubnet(): not enough bits");
            }
            if newbits < 63 && netnum >= (1i64 << newbits) {
                return err("cidrsubnet(): netnum too large");
            }
            let base = u32::from(n.network());
            let shift = 32 - newlen as u32;
            let add = if shift >= 32 {
                0
            } else {
                (netnum as u32) << shift
            };
            format!("{}/{newlen}", Ipv4Addr::from(base | add))
        }
        ipnet::IpNet::V6(n) => {
            if newlen > 128 {
                return err("cidrsubnet(): not enough bits");
            }
            if newbits < 63 && netnum >= (1i64 << newbits) {
                return err("cidrsubnet(): netnum too large");
            }
            let base = u128::from(n.network());
            let shift = 128 - newlen as u32;
            let add = if shift >= 128 {
                0
            } else {
                (netnum as u128) << shift
            };
            format!("{}/{newlen}", Ipv6Addr::from(base | add))
        }
    };
    string(out, span)
}

fn sensitivity(name: &str, args: &[Node]) -> R {
    arity(name, args, 1, 1)?;
    let mut v = args[0].clone();
    if name == "sensitive" {
        mark_sensitive(&mut v);
    } else {
        clear_sensitive(&mut v);
    }
    Ok(v)
}

fn clear_sensitive(n: &mut Node) {
    if let Some(m) = &mut n.meta {
        m.sensitive = false;
    }
    match &mut n.value {
        Value::List(items) => items.iter_mut().for_each(clear_sensitive),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| clear_sensitive(v)),
        _ => {}
    }
}

fn substr(args: &[Node], span: Span) -> R {
    arity("substr", args, 3, 3)?;
    let s: Vec<char> = text(&args[0])?.chars().collect();
    let offset = int(&args[1])?;
    let length = int(&args[2])?;
    let start = if offset < 0 {
        (s.len() as i64 + offset).max(0) as usize
    } else {
        (offset as usize).min(s.len())
    };
    let end = if length < 0 {
        s.len()
    } else {
        (start + length as usize).min(s.len())
    };
    string(s[start..end].iter().collect(), span)
}

fn range(args: &[Node], span: Span) -> R {
    arity("range", args, 1, 3)?;
    let nums = args.iter().map(num).collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match nums.as_slice() {
        [e] => (0.0, *e, 1.0),
        [s, e] => (*s, *e, if s <= e { 1.0 } else { -1.0 }),
        [s, e, st] => (*s, *e, *st),
        _ => unreachable!("arity checked"),
    };
    if step == 0.0 {
        return err("range(): step must not be zero");
    }
    let mut out = Vec::new();
    let mut x = start;
    while (step > 0.0 && x < end) || (step < 0.0 && x > end) {
        if out.len() >= MAX_RANGE {
            return err(format!("range(): more than {MAX_RANGE} elements"));
        }
        out.push(Node::new(Value::Number(x), span));
        x += step;
    }
    list_node(out, span)
}

fn min_max(name: &str, args: &[Node], span: Span) -> R {
    if args.is_empty() {
        return err(format!("{name}() needs arguments"));
    }
    let nums = args.iter().map(num).collect::<Result<Vec<_>, _>>()?;
    let pick = if name == "min" {
        nums.into_iter().fold(f64::INFINITY, f64::min)
    } else {
        nums.into_iter().fold(f64::NEG_INFINITY, f64::max)
    };
    number(pick, span)
}

fn reverse(args: &[Node], span: Span) -> R {
    if args.first().is_some_and(|a| a.is_unknown()) {
        return Ok(unknown_result("reverse", args, span));
    }
    let mut items = one_list("reverse", args)?.to_vec();
    items.reverse();
    list_node(items, span)
}

fn sort(args: &[Node], span: Span) -> R {
    let items = one_list("sort", args)?;
    let mut texts = items.iter().map(text).collect::<Result<Vec<_>, _>>()?;
    texts.sort();
    list_node(
        texts
            .into_iter()
            .map(|t| Node::new(Value::String(t), span))
            .collect(),
        span,
    )
}

fn one(args: &[Node], span: Span) -> R {
    if args.first().is_some_and(|a| a.is_unknown()) {
        return Ok(unknown_result("one", args, span));
    }
    match one_list("one", args)? {
        [] => Ok(Node::new(Value::Null, span)),
        [x] => Ok(x.clone()),
        _ => err("one(): more than one element"),
    }
}

fn all_any(name: &str, args: &[Node], span: Span) -> R {
    let items = one_list(name, args)?;
    let mut bools = Vec::new();
    for i in items {
        bools.push(match &i.value {
            Value::Bool(b) => *b,
            Value::String(s) if s == "true" => true,
            Value::String(s) if s == "false" => false,
            _ => return err(format!("{name}() needs a list of bools")),
        });
    }
    bool_node(
        if name == "alltrue" {
            bools.iter().all(|b| *b)
        } else {
            bools.iter().any(|b| *b)
        },
        span,
    )
}

#[cfg(test)]
mod tests {
    use super::super::eval::testing::{eval, eval_in};
    use super::to_json;
    use crate::model::Value;
    use serde_json::{json, Value as J};

    /// The value of a wholly known expression.
    fn j(expr: &str) -> J {
        let v = eval(expr).unwrap_or_else(|e| panic!("{expr}: {e:?}"));
        to_json(&v).unwrap_or_else(|| panic!("{expr} is not wholly known: {v:?}"))
    }

    /// The expression is unknown (never a guess).
    fn u(expr: &str) {
        match eval(expr) {
            Ok(v) if matches!(v.value, Value::Unknown(_)) => {}
            other => panic!("{expr} should be unknown, got {other:?}"),
        }
    }

    /// The expression is an error (what `try` catches).
    fn e(expr: &str) {
        assert!(eval(expr).is_err(), "{expr} should be an error");
    }

    // `aws_s3_bucket.x.y` is always unknown: a resource attribute.
    const UNK: &str = "aws_s3_bucket.x.y";

    #[test]
    fn merge() {
        assert_eq!(
            j(r#"merge({a = 1, b = 1}, {b = 2}, null)"#),
            json!({"a": 1, "b": 2})
        );
        u(&format!("merge({{a = 1}}, {UNK})"));
        assert_eq!(
            j(&format!("keys(merge({{a = {UNK}}}, {{b = 2}}))")),
            json!(["a", "b"])
        );
        e("merge(1)");
    }

    #[test]
    fn concat() {
        assert_eq!(j(r#"concat([1], [], [2, 3])"#), json!([1, 2, 3]));
        assert_eq!(j(&format!("length(concat([{UNK}], [1]))")), json!(2));
        u(&format!("concat([1], {UNK})"));
    }

    #[test]
    fn lookup() {
        assert_eq!(j(r#"lookup({a = "x"}, "a", "d")"#), json!("x"));
        assert_eq!(j(r#"lookup({a = "x"}, "b", "d")"#), json!("d"));
        e(r#"lookup({a = "x"}, "b")"#);
        u(&format!(r#"lookup({UNK}, "a", "d")"#));
    }

    #[test]
    fn try_and_can() {
        assert_eq!(j(r#"try({a = 1}.b, "fallback")"#), json!("fallback"));
        assert_eq!(j(r#"try({a = 1}.a, "fallback")"#), json!(1));
        assert_eq!(j(r#"can({a = 1}.b)"#), json!(false));
        assert_eq!(j(r#"can({a = 1}.a)"#), json!(true));
        // An unknown value might still fail later: like Terraform, the result is unknown.
        u(&format!(r#"try({UNK}, "fallback")"#));
        u(&format!("can({UNK})"));
        e(r#"try({a = 1}.b, [][0])"#);
    }

    #[test]
    fn coalesce_and_coalescelist() {
        assert_eq!(j(r#"coalesce(null, "", "b", "c")"#), json!("b"));
        u(&format!(r#"coalesce(null, {UNK}, "b")"#));
        e("coalesce(null, \"\")");
        assert_eq!(j("coalescelist([], [1], [2])"), json!([1]));
        u(&format!("coalescelist([], {UNK})"));
    }

    #[test]
    fn compact_distinct_flatten() {
        assert_eq!(j(r#"compact(["a", "", null, "b"])"#), json!(["a", "b"]));
        u(&format!(r#"compact(["a", {UNK}])"#));
        let kept = eval(&format!(
            r#"compact([jsonencode({{Statement = [], Id = {UNK}}}), ""])"#
        ))
        .unwrap();
        assert_eq!(
            kept.as_list().map(|l| l.len()),
            Some(1),
            "a document is never empty"
        );
        assert_eq!(
            j(r#"distinct(["a", "b", "a", 1, 1])"#),
            json!(["a", "b", 1])
        );
        u(&format!(r#"distinct(["a", {UNK}])"#));
        assert_eq!(
            j(r#"flatten([["a"], [["b"], []], "c"])"#),
            json!(["a", "b", "c"])
        );
        u(&format!("flatten([[1], {UNK}])"));
    }

    #[test]
    fn format() {
        assert_eq!(
            j(r#"format("%s-%d-%03d-%.2f-%t", "a", 7, 5, 3.14159, true)"#),
            json!("a-7-005-3.14-true")
        );
        assert_eq!(
            j(r#"format("%q|%5s|%-3s|%%|%x|%v", "q", "r", "l", 255, [1])"#),
            json!("\"q\"|    r|l  |%|ff|[1]")
        );
        u(&format!(r#"format("%s", {UNK})"#));
        e(r#"format("%s %s", "one")"#);
        e(r#"format("%d", "x")"#);
    }

    #[test]
    fn join_split_replace() {
        assert_eq!(j(r#"join("-", ["a", "b"], ["c"])"#), json!("a-b-c"));
        u(&format!(r#"join("-", ["a", {UNK}])"#));
        assert_eq!(j(r#"split(",", "a,b,,c")"#), json!(["a", "b", "", "c"]));
        u(&format!(r#"split(",", {UNK})"#));
        assert_eq!(j(r#"replace("a_b_c", "_", "-")"#), json!("a-b-c"));
        assert_eq!(j(r##"replace("a1b22c", "/[0-9]+/", "#")"##), json!("a#b#c"));
        assert_eq!(
            j(r#"replace("key=val", "/(\\w+)=(\\w+)/", "$2=$1")"#),
            json!("val=key")
        );
        u(&format!(r#"replace({UNK}, "a", "b")"#));
        e(r#"replace("x", "/(/", "y")"#);
    }

    #[test]
    fn lower_upper_trimspace() {
        assert_eq!(j(r#"lower("AbC")"#), json!("abc"));
        assert_eq!(j(r#"upper("AbC")"#), json!("ABC"));
        assert_eq!(j("trimspace(\"  a b \\n\")"), json!("a b"));
        u(&format!("lower({UNK})"));
        u(&format!("upper({UNK})"));
        u(&format!("trimspace({UNK})"));
    }

    #[test]
    fn length_contains_element() {
        assert_eq!(j(r#"length([1, 2, 3])"#), json!(3));
        assert_eq!(j(r#"length({a = 1})"#), json!(1));
        assert_eq!(j(r#"length("héllo")"#), json!(5));
        u(&format!("length({UNK})"));
        assert_eq!(j(r#"contains(["a", "b"], "b")"#), json!(true));
        assert_eq!(j(r#"contains(["a", "b"], "c")"#), json!(false));
        assert_eq!(j(&format!(r#"contains(["a", {UNK}], "a")"#)), json!(true));
        u(&format!(r#"contains(["a", {UNK}], "c")"#));
        assert_eq!(j(r#"element(["a", "b"], 3)"#), json!("b"));
        u(&format!("element({UNK}, 0)"));
        e("element([], 0)");
    }

    #[test]
    fn keys_values_zipmap() {
        assert_eq!(j(r#"keys({b = 1, a = 2})"#), json!(["a", "b"]));
        assert_eq!(j(r#"values({b = 1, a = 2})"#), json!([2, 1]));
        u(&format!("keys({UNK})"));
        u(&format!("values({UNK})"));
        assert_eq!(j(r#"zipmap(["a", "b"], [1, 2])"#), json!({"a": 1, "b": 2}));
        u(&format!(r#"zipmap(["a"], {UNK})"#));
        e(r#"zipmap(["a"], [])"#);
    }

    #[test]
    fn type_conversions() {
        assert_eq!(j("tolist([1, 2])"), json!([1, 2]));
        u(&format!("tolist({UNK})"));
        assert_eq!(j(r#"toset(["b", "a", "b"])"#), json!(["a", "b"]));
        u(&format!("toset([{UNK}])"));
        assert_eq!(j("tomap({a = 1})"), json!({"a": 1}));
        u(&format!("tomap({UNK})"));
        e("tomap([1])");
        assert_eq!(j("tostring(5)"), json!("5"));
        assert_eq!(j("tostring(true)"), json!("true"));
        u(&format!("tostring({UNK})"));
        e("tostring([1])");
        assert_eq!(j(r#"tonumber("42")"#), json!(42));
        u(&format!("tonumber({UNK})"));
        e(r#"tonumber("x")"#);
        assert_eq!(j(r#"tobool("true")"#), json!(true));
        u(&format!("tobool({UNK})"));
        e(r#"tobool("yes")"#);
    }

    #[test]
    fn jsonencode_jsondecode_yamldecode() {
        assert_eq!(
            j(r#"jsonencode({b = [1, true], a = "x"})"#),
            json!(r#"{"a":"x","b":[1,true]}"#)
        );
        u(&format!("jsonencode({{a = {UNK}}})"));
        // The structure stays readable even when the text is unknown.
        let v = eval(&format!(
            r#"jsonencode({{Statement = [{{Action = "*", Resource = {UNK}}}]}})"#
        ))
        .unwrap();
        assert!(v.is_unknown());
        let st = v.structured().expect("structure kept");
        assert!(st.get("Statement").is_some());
        assert_eq!(j(r#"jsondecode("{\"a\": [1, 2]}").a[1]"#), json!(2));
        u(&format!("jsondecode({UNK})"));
        e(r#"jsondecode("{")"#);
        assert_eq!(
            j("yamldecode(\"a:\\n  - x\\n  - 2\\n\")"),
            json!({"a": ["x", 2]})
        );
        u(&format!("yamldecode({UNK})"));
        e("yamldecode(\"a: [\")");
    }

    #[test]
    fn cidrsubnet() {
        assert_eq!(
            j(r#"cidrsubnet("10.0.0.0/16", 8, 2)"#),
            json!("10.0.2.0/24")
        );
        assert_eq!(
            j(r#"cidrsubnet("10.1.2.0/24", 4, 15)"#),
            json!("10.1.2.240/28")
        );
        assert_eq!(
            j(r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#),
            json!("fd00:fd12:3456:7800:a200::/72")
        );
        u(&format!(r#"cidrsubnet({UNK}, 8, 1)"#));
        e(r#"cidrsubnet("10.0.0.0/30", 4, 1)"#);
        e(r#"cidrsubnet("10.0.0.0/16", 2, 4)"#);
    }

    #[test]
    fn file_and_templatefile_outside_the_tree_are_unknown() {
        // The test module lives in a directory that does not exist: nothing is readable.
        u(r#"file("/etc/hostname")"#);
        u(r#"templatefile("t.tftpl", {})"#);
        u(&format!("file({UNK})"));
    }

    #[test]
    fn sensitive_values_stay_sensitive() {
        let m = "variable \"s\" {\n  default   = \"secret\"\n  sensitive = true\n}\n";
        let v = eval_in(m, r#"upper(var.s)"#).unwrap();
        assert!(v.is_sensitive());
        let v = eval_in(m, r#""x-${var.s}""#).unwrap();
        assert!(v.is_sensitive());
        let v = eval_in(m, "nonsensitive(var.s)").unwrap();
        assert!(!v.is_sensitive());
        assert!(eval("sensitive(\"a\")").unwrap().is_sensitive());
    }

    #[test]
    fn other_helpers() {
        assert_eq!(j(r#"startswith("abc", "ab")"#), json!(true));
        assert_eq!(j(r#"trimprefix("abc", "a")"#), json!("bc"));
        assert_eq!(j(r#"substr("hello", 1, 3)"#), json!("ell"));
        assert_eq!(j("range(3)"), json!([0, 1, 2]));
        e("range(5000)");
        assert_eq!(j("max(1, 5, 3)"), json!(5));
        assert_eq!(j("one([])"), J::Null);
        assert_eq!(j(r#"alltrue([true, "true"])"#), json!(true));
        u(&format!("unknownfn({UNK})"));
        u("timestamp()");
    }
}
