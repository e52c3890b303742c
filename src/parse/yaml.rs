//! YAML with spans, built from saphyr's event stream.
//!
//! The stock saphyr loader recurses once per nesting level; this one keeps an explicit stack, so
//! depth is bounded by `limits.max_depth` and never by the thread's stack. Aliases are expanded
//! with a budget (billion-laughs documents stop with an error, not an allocation storm).
//! CloudFormation short tags (`!Ref x`, `!GetAtt a.b`, `!Sub …`) become their long form
//! (`{Ref: x}`, `{"Fn::GetAtt": [a, b]}`), so later stages see one shape for YAML and JSON.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use super::plain::Plain;

use super::{Limits, ParseError, SeenKeys};
use crate::model::{Key, Node, Span, Value};

/// One document of a YAML stream.
#[derive(Debug, Clone)]
pub struct Document {
    pub root: Node,
}

/// Maps saphyr's character offsets to byte offsets.
struct CharMap {
    /// Byte offset of every char (plus the end), or empty when the text is ASCII.
    offsets: Vec<usize>,
    len: usize,
}

impl CharMap {
    fn new(text: &str) -> CharMap {
        if text.is_ascii() {
            return CharMap {
                offsets: Vec::new(),
                len: text.len(),
            };
        }
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        CharMap {
            offsets,
            len: text.len(),
        }
    }
    fn byte(&self, char_index: usize) -> usize {
        if self.offsets.is_empty() {
            char_index.min(self.len)
        } else {
            self.offsets.get(char_index).copied().unwrap_or(self.len)
        }
    }
    fn span(&self, s: &YSpan) -> Span {
        Span::new(self.byte(s.start.index()), self.byte(s.end.index()))
    }
}

enum Frame {
    Seq {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
        tag: Option<String>,
    },
    Map {
        entries: Vec<(Key, Node)>,
        seen: SeenKeys,
        pending: Option<Key>,
        start: usize,
        anchor: usize,
        tag: Option<String>,
    },
}

/// Parses a YAML stream into documents.
pub fn parse(text: &str, limits: &Limits) -> Result<Vec<Document>, ParseError> {
    let map = CharMap::new(text);
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut alias_budget = limits.max_alias_nodes;
    let mut root: Option<Node> = None;

    while let Some(ev) = parser.next_event() {
        let (event, yspan) = ev.map_err(|e| {
            let mut at = map.byte(e.marker().index()).min(text.len());
            // saphyr reports a disallowed tab after consuming it: point at the tab itself.
            if e.info().contains("tab") {
                while at > 0 && text.as_bytes()[at - 1] == b'\t' {
                    at -= 1;
                }
            }
            ParseError::new(format!("invalid YAML: {}", e.info()), Span::new(at, at))
        })?;
        let span = map.span(&yspan);
        let node = match event {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                // Refused where it starts, before any of it is parsed.
                if docs.len() >= limits.max_documents {
                    return Err(ParseError::new(
                        format!(
                            "more than {} YAML documents in one file (`limits.max-documents`)",
                            limits.max_documents
                        ),
                        span,
                    ));
                }
                anchors.clear();
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                let r = root.take().unwrap_or_else(|| Node::new(Value::Null, span));
                docs.push(Document { root: r });
                continue;
            }
            Event::Alias(id) => {
                let Some(n) = anchors.get(&id) else {
                    return Err(ParseError::new("unknown YAML alias", span));
                };
                let cost = count_nodes(n);
                if cost > alias_budget {
                    return Err(ParseError::new(
                        format!(
                            "YAML aliases expand to more than {} nodes (an alias bomb? `limits.max-alias-nodes`)",
                            limits.max_alias_nodes
                        ),
                        span,
                    ));
                }
                alias_budget -= cost;
                let mut n = n.clone();
                n.span = span;
                n
            }
            Event::Scalar(v, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let value = scalar_value(v, style, tag.as_deref());
                let span = match style {
                    ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => {
                        quoted_span(text, span)
                    }
                    _ => span,
                };
                let node = Node::new(value, span);
                let node = match tag.as_deref() {
                    Some(t) if is_cfn_tag(t) => cfn_short_form(t, node, span),
                    _ => node,
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::SequenceStart(anchor, tag) => {
                if stack.len() >= limits.max_depth {
                    return Err(depth_error(limits, span));
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                stack.push(Frame::Seq {
                    items: Vec::new(),
                    start: span.start,
                    anchor,
                    tag,
                });
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                if stack.len() >= limits.max_depth {
                    return Err(depth_error(limits, span));
                }
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                stack.push(Frame::Map {
                    entries: Vec::new(),
                    seen: SeenKeys::default(),
                    pending: None,
                    start: span.start,
                    anchor,
                    tag,
                });
                continue;
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    items,
                    start,
                    anchor,
                    tag,
                }) = stack.pop()
                else {
                    return Err(ParseError::new("unbalanced YAML sequence", span));
                };
                let end = collection_end(text, items.last().map(|n| n.span.end), span);
                let whole = Span::new(start, end);
                let mut node = Node::new(Value::List(items), whole);
                if let Some(t) = tag.as_deref().filter(|t| is_cfn_tag(t)) {
                    node = cfn_short_form(t, node, Span::new(start, start));
                }
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    entries,
                    start,
                    anchor,
                    tag,
                    ..
                }) = stack.pop()
                else {
                    return Err(ParseError::new("unbalanced YAML mapping", span));
                };
                let end = collection_end(text, entries.last().map(|(_, n)| n.span.end), span);
                let whole = Span::new(start, end);
                let mut node = Node::new(Value::Map(entries), whole);
                if let Some(t) = tag.as_deref().filter(|t| is_cfn_tag(t)) {
                    node = cfn_short_form(t, node, Span::new(start, start));
                }
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
        };
        // Attach the finished node to its parent.
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                seen,
                pending,
                ..
            }) => match pending.take() {
                None => {
                    let name = match &node.value {
                        Value::String(s) => s.clone(),
                        _ => node.scalar_text().unwrap_or_else(|| "~".to_string()),
                    };
                    *pending = Some(Key {
                        name,
                        span: node.span,
                    });
                }
                Some(key) => {
                    if key.name == "<<" {
                        merge_into(entries, seen, node);
                    } else if !seen.insert(entries, &key.name) {
                        return Err(ParseError::new(
                            format!("duplicate key `{}` in YAML mapping", key.name),
                            key.span,
                        ));
                    } else {
                        entries.push((key, node));
                    }
                }
            },
        }
    }
    Ok(docs)
}

/// saphyr's end position for a quoted scalar can run past the closing quote (up to a
/// trailing comment); find the closing quote in the text instead.
fn quoted_span(text: &str, span: Span) -> Span {
    let bytes = text.as_bytes();
    // The span may start at a tag (`!Sub "…"`): find the opening quote first.
    let mut i = span.start;
    while i < bytes.len() && i < span.end && bytes[i] != b'"' && bytes[i] != b'\'' {
        i += 1;
    }
    let Some(&q) = bytes.get(i) else { return span };
    if q != b'"' && q != b'\'' {
        return span;
    }
    let mut j = i + 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' if q == b'"' => j += 2,
            b'\'' if q == b'\'' && bytes.get(j + 1) == Some(&b'\'') => j += 2,
            c if c == q => return Span::new(span.start, (j + 1).min(span.end.max(j + 1))),
            _ => j += 1,
        }
    }
    span
}

/// A flow collection ends at its closing bracket; a block collection at its last child (saphyr
/// reports the end event at the next token, which may be lines further on).
fn collection_end(text: &str, last_child: Option<usize>, end_event: Span) -> usize {
    let closes = matches!(text.as_bytes().get(end_event.start), Some(b']' | b'}'));
    match last_child {
        Some(c) if !closes => c,
        Some(c) => c.max(end_event.end),
        None => end_event.end,
    }
}

fn depth_error(limits: &Limits, span: Span) -> ParseError {
    ParseError::new(
        format!(
            "YAML nesting deeper than {} levels (`limits.max-depth`)",
            limits.max_depth
        ),
        span,
    )
}

/// YAML merge keys (`<<: *base`): keys not already present are copied in.
fn merge_into(entries: &mut Vec<(Key, Node)>, seen: &mut SeenKeys, node: Node) {
    let sources = match node.value {
        Value::Map(_) => vec![node],
        Value::List(items) => items,
        _ => return,
    };
    for src in sources {
        if let Value::Map(m) = src.value {
            for (k, v) in m {
                if seen.insert(entries, &k.name) {
                    entries.push((k, v));
                }
            }
        }
    }
}

fn count_nodes(n: &Node) -> usize {
    // Iterative, so a deep anchor cannot overflow the stack.
    let mut count = 0;
    let mut todo = vec![n];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.value {
            Value::List(l) => todo.extend(l.iter()),
            Value::Map(m) => todo.extend(m.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    count
}

/// YAML 1.2 core schema resolution for plain scalars; quoted scalars are strings.
fn scalar_value(v: std::borrow::Cow<'_, str>, style: ScalarStyle, tag: Option<&str>) -> Value {
    if style != ScalarStyle::Plain {
        return Value::String(v.into_owned());
    }
    match tag {
        Some("tag:yaml.org,2002:str") | Some("!!str") => return Value::String(v.into_owned()),
        Some(t) if is_cfn_tag(t) => return Value::String(v.into_owned()),
        _ => {}
    }
    match super::plain::resolve(&v) {
        Plain::Null => Value::Null,
        Plain::Bool(b) => Value::Bool(b),
        Plain::Number(n) => Value::Number(n),
        Plain::String => Value::String(v.into_owned()),
    }
}

/// CloudFormation short-form intrinsic function tags.
fn is_cfn_tag(tag: &str) -> bool {
    cfn_long_name(tag).is_some()
}

fn cfn_long_name(tag: &str) -> Option<&'static str> {
    Some(match tag {
        "!Ref" => "Ref",
        "!Condition" => "Condition",
        "!GetAtt" => "Fn::GetAtt",
        "!Sub" => "Fn::Sub",
        "!Join" => "Fn::Join",
        "!Select" => "Fn::Select",
        "!Split" => "Fn::Split",
        "!If" => "Fn::If",
        "!Equals" => "Fn::Equals",
        "!And" => "Fn::And",
        "!Or" => "Fn::Or",
        "!Not" => "Fn::Not",
        "!FindInMap" => "Fn::FindInMap",
        "!GetAZs" => "Fn::GetAZs",
        "!ImportValue" => "Fn::ImportValue",
        "!Base64" => "Fn::Base64",
        "!Cidr" => "Fn::Cidr",
        "!Transform" => "Fn::Transform",
        "!ToJsonString" => "Fn::ToJsonString",
        "!Length" => "Fn::Length",
        "!ForEach" => "Fn::ForEach",
        _ => return None,
    })
}

/// `!GetAtt a.b` → `{"Fn::GetAtt": [a, b]}`; other tags wrap their value as is. The node's
/// span covers the tag and the value (the tagged scalar's own span is what saphyr reports).
fn cfn_short_form(tag: &str, inner: Node, tag_span: Span) -> Node {
    let long = cfn_long_name(tag).unwrap_or("Ref");
    let whole = Span::new(
        tag_span.start.min(inner.span.start),
        inner.span.end.max(tag_span.end),
    );
    let inner = if long == "Fn::GetAtt" {
        match &inner.value {
            Value::String(s) => {
                let parts = s
                    .splitn(2, '.')
                    .map(|p| Node::new(Value::String(p.to_string()), inner.span))
                    .collect();
                Node::new(Value::List(parts), inner.span)
            }
            _ => inner,
        }
    } else {
        inner
    };
    let key = Key {
        name: long.to_string(),
        span: Span::new(whole.start, whole.start),
    };
    Node::new(Value::Map(vec![(key, inner)]), whole)
}
