//! A small document tree rendered as block YAML (with CloudFormation short-form tags) or as
//! pretty-printed JSON (tags become `{"Ref": …}` / `{"Fn::Sub": …}` objects).

#[derive(Clone, Debug)]
pub enum V {
    Null,
    Bool(bool),
    /// Rendered verbatim (a number, or YAML-only constructs such as an alias `*name`).
    Num(String),
    Str(String),
    /// Multi-line text: a `|` block scalar in YAML.
    Block(String),
    List(Vec<V>),
    /// A list rendered in flow style in YAML (`[a, b]`).
    Flow(Vec<V>),
    Map(Vec<(String, V)>),
    /// CloudFormation intrinsic: `!Ref x` / `{"Ref": "x"}`, `!Sub` / `{"Fn::Sub": …}`…
    Tag(&'static str, Box<V>),
    /// A comment line (a map entry whose value this is; skipped in JSON).
    Comment(String),
    /// A YAML anchor on a map value (`key: &name` then the map); JSON renders the map.
    Anchor(String, Box<V>),
    /// A YAML alias `*name` of an anchored value; JSON renders the value itself.
    Alias(String, Box<V>),
}

pub fn s(x: impl Into<String>) -> V {
    V::Str(x.into())
}
pub fn n(x: impl ToString) -> V {
    V::Num(x.to_string())
}
pub fn b(x: bool) -> V {
    V::Bool(x)
}
pub fn flow(items: &[&str]) -> V {
    V::Flow(items.iter().map(|i| s(*i)).collect())
}
pub fn list(items: Vec<V>) -> V {
    V::List(items)
}
pub fn tag(name: &'static str, v: V) -> V {
    V::Tag(name, Box::new(v))
}
pub fn cref(x: impl Into<String>) -> V {
    tag("Ref", s(x))
}
pub fn sub(x: impl Into<String>) -> V {
    tag("Sub", s(x))
}
pub fn getatt(x: impl Into<String>) -> V {
    tag("GetAtt", s(x))
}

/// Builder for a map, keeping insertion order.
#[derive(Default)]
pub struct M(pub Vec<(String, V)>);

impl M {
    pub fn new() -> M {
        M(Vec::new())
    }
    pub fn put(&mut self, k: &str, v: V) -> &mut M {
        self.0.push((k.to_string(), v));
        self
    }
    pub fn comment(&mut self, text: &str) -> &mut M {
        self.0.push((String::new(), V::Comment(text.to_string())));
        self
    }
    pub fn v(self) -> V {
        V::Map(self.0)
    }
}

pub fn map(entries: Vec<(&str, V)>) -> V {
    V::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

#[derive(Clone, Copy, PartialEq)]
pub enum Quote {
    Minimal,
    Double,
    Single,
}

#[derive(Clone, Copy)]
pub struct YamlStyle {
    /// `key:\n  - item` (true) or `key:\n- item` (false, kubectl's style).
    pub indent_seq: bool,
    pub quote: Quote,
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", "-.inf", "+.inf",
    ".nan", "<<", "=",
];

fn looks_numeric(t: &str) -> bool {
    let first = t.chars().next().unwrap_or('x');
    (first.is_ascii_digit() || first == '.' || first == '+')
        && t.chars()
            .all(|c| c.is_ascii_hexdigit() || "xXoO._:+-".contains(c))
}

fn needs_quote(t: &str) -> bool {
    let Some(first) = t.chars().next() else {
        return true;
    };
    RESERVED.contains(&t.to_ascii_lowercase().as_str())
        || "-?:,[]{}#&*!|>'\"%@` ".contains(first)
        || t.ends_with(' ')
        || t.ends_with(':')
        || t.contains(": ")
        || t.contains(" #")
        || t.chars().any(|c| c.is_control() || ",[]{}".contains(c))
        || looks_numeric(t)
}

fn double_quoted(t: &str) -> String {
    let mut o = String::with_capacity(t.len() + 2);
    o.push('"');
    for c in t.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            c if c.is_control() => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn scalar(t: &str, q: Quote) -> String {
    let simple = !t.chars().any(|c| c.is_control());
    match q {
        Quote::Single if simple => format!("'{}'", t.replace('\'', "''")),
        Quote::Double => double_quoted(t),
        _ if needs_quote(t) => double_quoted(t),
        _ => t.to_string(),
    }
}

fn key(k: &str) -> String {
    scalar(k, Quote::Minimal)
}

/// One-line rendering, if the value has one (`flow`: inside `[…]`/`{…}`).
fn inline(v: &V, st: &YamlStyle, in_flow: bool) -> Option<String> {
    Some(match v {
        V::Null => "null".into(),
        V::Bool(x) => x.to_string(),
        V::Num(x) => x.clone(),
        V::Alias(name, _) => format!("*{name}"),
        V::Str(x) => scalar(x, st.quote),
        V::Flow(items) => flow_list(items, st)?,
        V::List(items) if items.is_empty() => "[]".into(),
        V::List(items) if in_flow => flow_list(items, st)?,
        V::Map(e) if e.is_empty() => "{}".into(),
        V::Map(e) if in_flow => {
            let parts: Option<Vec<String>> = e
                .iter()
                .filter(|(_, v)| !matches!(v, V::Comment(_)))
                .map(|(k, v)| Some(format!("{}: {}", key(k), inline(v, st, true)?)))
                .collect();
            format!("{{{}}}", parts?.join(", "))
        }
        V::Tag(name, arg) => {
            let a = match &**arg {
                V::List(items) | V::Flow(items) => flow_list(items, st)?,
                V::Map(_) => return None,
                other => inline(other, st, true)?,
            };
            let line = format!("!{name} {a}");
            if line.len() > 100 {
                return None;
            }
            line
        }
        _ => return None,
    })
}

fn flow_list(items: &[V], st: &YamlStyle) -> Option<String> {
    let parts: Option<Vec<String>> = items.iter().map(|i| inline(i, st, true)).collect();
    Some(format!("[{}]", parts?.join(", ")))
}

fn block_lines(out: &mut String, text: &str, indent: usize) {
    for line in text.lines() {
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
        out.push('\n');
    }
}

fn after_key(out: &mut String, v: &V, indent: usize, st: &YamlStyle) {
    if let Some(x) = inline(v, st, false) {
        out.push(' ');
        out.push_str(&x);
        out.push('\n');
        return;
    }
    match v {
        V::Map(e) => {
            out.push('\n');
            write_map(out, e, indent + 2, st, false);
        }
        V::List(items) => {
            out.push('\n');
            write_list(out, items, indent + if st.indent_seq { 2 } else { 0 }, st);
        }
        V::Block(text) => {
            out.push_str(if text.ends_with('\n') {
                " |\n"
            } else {
                " |-\n"
            });
            block_lines(out, text, indent + 2);
        }
        V::Tag(name, arg) => match &**arg {
            V::Block(text) => {
                out.push_str(&format!(
                    " !{name} {}\n",
                    if text.ends_with('\n') { "|" } else { "|-" }
                ));
                block_lines(out, text, indent + 2);
            }
            V::List(items) | V::Flow(items) => {
                out.push_str(&format!(" !{name}\n"));
                write_list(out, items, indent + 2, st)
            }
            V::Map(e) => {
                out.push_str(&format!(" !{name}\n"));
                write_map(out, e, indent + 2, st, false)
            }
            _ => unreachable!("inline-able"),
        },
        V::Anchor(name, inner) => {
            out.push_str(&format!(" &{name}"));
            after_key(out, inner, indent, st);
        }
        _ => unreachable!("inline-able"),
    }
}

fn write_map(
    out: &mut String,
    entries: &[(String, V)],
    indent: usize,
    st: &YamlStyle,
    first_inline: bool,
) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if !(i == 0 && first_inline) {
            pad(out, indent);
        }
        if let V::Comment(c) = v {
            out.push_str("# ");
            out.push_str(c);
            out.push('\n');
            continue;
        }
        out.push_str(&key(k));
        out.push(':');
        after_key(out, v, indent, st);
    }
}

fn write_list(out: &mut String, items: &[V], indent: usize, st: &YamlStyle) {
    for item in items {
        pad(out, indent);
        out.push('-');
        if let Some(x) = inline(item, st, false) {
            out.push(' ');
            out.push_str(&x);
            out.push('\n');
            continue;
        }
        match item {
            V::Map(e) => {
                out.push(' ');
                write_map(out, e, indent + 2, st, true);
            }
            V::List(inner) => {
                out.push('\n');
                write_list(out, inner, indent + 2, st);
            }
            V::Block(text) => {
                out.push_str(if text.ends_with('\n') {
                    " |\n"
                } else {
                    " |-\n"
                });
                block_lines(out, text, indent + 2);
            }
            V::Tag(name, arg) => match &**arg {
                V::Block(text) => {
                    out.push_str(&format!(
                        " !{name} {}\n",
                        if text.ends_with('\n') { "|" } else { "|-" }
                    ));
                    block_lines(out, text, indent + 2);
                }
                V::List(x) | V::Flow(x) => {
                    out.push_str(&format!(" !{name}\n"));
                    write_list(out, x, indent + 2, st)
                }
                V::Map(e) => {
                    out.push_str(&format!(" !{name}\n"));
                    write_map(out, e, indent + 2, st, false)
                }
                _ => unreachable!("inline-able"),
            },
            _ => unreachable!("inline-able"),
        }
    }
}

/// One YAML document (without `---`).
pub fn to_yaml(v: &V, st: &YamlStyle) -> String {
    let mut out = String::new();
    match v {
        V::Map(e) if !e.is_empty() => write_map(&mut out, e, 0, st, false),
        V::List(items) if !items.is_empty() => write_list(&mut out, items, 0, st),
        other => {
            out.push_str(&inline(other, st, false).unwrap_or_default());
            out.push('\n');
        }
    }
    out
}

fn json_str(t: &str) -> String {
    let mut o = String::with_capacity(t.len() + 2);
    o.push('"');
    for c in t.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_value(out: &mut String, v: &V, depth: usize, unit: &str) {
    let nl = |out: &mut String, d: usize| {
        out.push('\n');
        for _ in 0..d {
            out.push_str(unit);
        }
    };
    match v {
        V::Null => out.push_str("null"),
        V::Bool(x) => out.push_str(if *x { "true" } else { "false" }),
        V::Num(x) => out.push_str(x),
        V::Str(x) | V::Block(x) => out.push_str(&json_str(x)),
        V::Comment(_) => out.push_str("null"),
        V::Anchor(_, inner) | V::Alias(_, inner) => json_value(out, inner, depth, unit),
        V::List(items) | V::Flow(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                json_value(out, it, depth + 1, unit);
            }
            nl(out, depth);
            out.push(']');
        }
        V::Map(entries) => {
            let entries: Vec<&(String, V)> = entries
                .iter()
                .filter(|(_, v)| !matches!(v, V::Comment(_)))
                .collect();
            if entries.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                nl(out, depth + 1);
                out.push_str(&json_str(k));
                out.push_str(": ");
                json_value(out, v, depth + 1, unit);
            }
            nl(out, depth);
            out.push('}');
        }
        V::Tag(name, arg) => {
            let fname = match *name {
                "Ref" | "Condition" => name.to_string(),
                other => format!("Fn::{other}"),
            };
            let arg = match (&**name, &**arg) {
                ("GetAtt", V::Str(x)) => {
                    let (a, b) = x.split_once('.').unwrap_or((x, "Arn"));
                    V::List(vec![s(a), s(b)])
                }
                (_, other) => other.clone(),
            };
            json_value(out, &V::Map(vec![(fname, arg)]), depth, unit);
        }
    }
}

/// Pretty JSON with the given indentation unit (`"\t"`, `"  "`, `"    "`).
pub fn to_json(v: &V, unit: &str) -> String {
    let mut out = String::new();
    json_value(&mut out, v, 0, unit);
    out.push('\n');
    out
}
