//! HCL (Terraform) with spans, via hcl-edit. Literals become values; every other expression
//! becomes the plain-data [`Expr`] IR (`crate::model::expr`), evaluated later with the module
//! context by `resources::terraform`.

use std::collections::HashMap;

use hcl_edit::expr::{BinaryOperator, Expression, ObjectKey, TraversalOperator, UnaryOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Directive, Element, Template};

use super::{check_nesting, Limits, ParseError};
use crate::model::expr::{
    BinaryOp, DynamicBlock, ForDirective, ForExpr, FuncCall, IfDirective, Step, UnaryOp,
};
use crate::model::{Expr, Key, Node, Span, Value};

/// A top-level block of a Terraform file.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HclBlock {
    /// `resource`, `data`, `variable`, `locals`, …
    pub ident: String,
    pub labels: Vec<String>,
    /// From the block identifier to the end of the last label: `resource "aws_s3_bucket" "b"`.
    pub header: Span,
    pub span: Span,
    pub body: Node,
}

/// Parses a `.tf` file into its top-level blocks; top-level attributes (`.tfvars`) are returned
/// as a map node.
pub fn parse(text: &str, limits: &Limits) -> Result<(Vec<HclBlock>, Node), ParseError> {
    check_nesting(text, limits.max_depth)?;
    let body = hcl_edit::parser::parse_body(text).map_err(|e| {
        let loc = e.location();
        let at = loc.offset().min(text.len());
        ParseError::new(format!("invalid HCL: {}", e.message()), Span::new(at, at))
    })?;
    let mut blocks = Vec::new();
    let mut attrs = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Block(b) => blocks.push(convert_block(b, text)),
            Structure::Attribute(a) => {
                let key = Key {
                    name: a.key.as_str().to_string(),
                    span: span_of(&a.key),
                };
                attrs.push((key, convert_expr(&a.value)));
            }
        }
    }
    let whole = Span::new(0, text.len());
    Ok((blocks, Node::new(Value::Map(attrs), whole)))
}

fn span_of<T: hcl_edit::Span>(t: &T) -> Span {
    t.span().map(Span::from_range).unwrap_or_default()
}

fn convert_block(b: &Block, _text: &str) -> HclBlock {
    let span = span_of(b);
    let ident_span = span_of(&b.ident);
    let header_end = b
        .labels
        .last()
        .map(|l| span_of(l).end)
        .unwrap_or(ident_span.end);
    let start = if ident_span.is_empty() && ident_span.start == 0 {
        span.start
    } else {
        ident_span.start
    };
    HclBlock {
        ident: b.ident.as_str().to_string(),
        labels: b.labels.iter().map(|l| l.as_str().to_string()).collect(),
        header: Span::new(start, header_end.max(start)),
        span,
        body: convert_body(&b.body, span),
    }
}

/// A block body: attributes are entries; nested blocks are entries whose value is the list of
/// every block with that name (blocks may repeat). A `dynamic "x"` block is an
/// [`Expr::Dynamic`] element of the `x` list: evaluation expands it (or makes it unknown),
/// so `x` never reads as absent.
/// Name → index of the first entry of that name in a body being built: a scan of the entries
/// while there are few (almost every body), a map once there are many, so that a body with
/// many distinct blocks stays linear.
#[derive(Default)]
struct FirstEntry {
    map: Option<HashMap<String, usize>>,
}

impl FirstEntry {
    const SCAN_UP_TO: usize = 16;

    fn get(&self, entries: &[(Key, Node)], name: &str) -> Option<usize> {
        match &self.map {
            Some(m) => m.get(name).copied(),
            None => entries.iter().position(|(k, _)| k.name == name),
        }
    }

    /// Records `name` as about to be pushed at the end of `entries`.
    fn note(&mut self, entries: &[(Key, Node)], name: &str) {
        if self.map.is_none() && entries.len() >= Self::SCAN_UP_TO {
            let mut m = HashMap::with_capacity(entries.len() * 2);
            for (i, (k, _)) in entries.iter().enumerate() {
                m.entry(k.name.clone()).or_insert(i);
            }
            self.map = Some(m);
        }
        if let Some(m) = &mut self.map {
            m.entry(name.to_string()).or_insert(entries.len());
        }
    }
}

pub fn convert_body(body: &Body, span: Span) -> Node {
    let mut entries: Vec<(Key, Node)> = Vec::new();
    let mut first = FirstEntry::default();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = Key {
                    name: a.key.as_str().to_string(),
                    span: span_of(&a.key),
                };
                first.note(&entries, &key.name);
                entries.push((key, convert_expr(&a.value)));
            }
            Structure::Block(b) => {
                let bspan = span_of(b);
                let (name, kspan, node) = if b.ident.as_str() == "dynamic" && !b.labels.is_empty() {
                    let label = &b.labels[0];
                    (
                        label.as_str().to_string(),
                        span_of(label),
                        convert_dynamic(b, bspan),
                    )
                } else {
                    let mut n = convert_body(&b.body, bspan);
                    if !b.labels.is_empty() {
                        // Labelled nested blocks (provisioners) keep their labels as `__labels`.
                        if let Value::Map(m) = &mut n.value {
                            let labels = b
                                .labels
                                .iter()
                                .map(|l| {
                                    Node::new(Value::String(l.as_str().to_string()), span_of(l))
                                })
                                .collect();
                            m.push((
                                Key {
                                    name: "__labels".into(),
                                    span: bspan,
                                },
                                Node::new(Value::List(labels), bspan),
                            ));
                        }
                    }
                    (b.ident.as_str().to_string(), span_of(&b.ident), n)
                };
                if let Some((_, existing)) = first.get(&entries, &name).map(|i| &mut entries[i]) {
                    if let Value::List(items) = &mut existing.value {
                        existing.span = Span::new(
                            existing.span.start.min(node.span.start),
                            existing.span.end.max(node.span.end),
                        );
                        items.push(node);
                        continue;
                    }
                }
                let list_span = node.span;
                first.note(&entries, &name);
                entries.push((
                    Key { name, span: kspan },
                    Node::new(Value::List(vec![node]), list_span),
                ));
            }
        }
    }
    Node::new(Value::Map(entries), span)
}

/// `dynamic "x" { for_each = …, iterator = it, content { … } }`. Without `for_each` or
/// `content` it generates nothing guardrail can describe: unknown.
fn convert_dynamic(b: &Block, bspan: Span) -> Node {
    let name = b.labels[0].as_str().to_string();
    let mut for_each = None;
    let mut iterator = name.clone();
    let mut content = None;
    for s in b.body.iter() {
        match s {
            Structure::Attribute(a) => match a.key.as_str() {
                "for_each" => for_each = Some(convert_expr(&a.value)),
                "iterator" => {
                    if let Expression::Variable(v) = &a.value {
                        iterator = v.as_str().to_string();
                    }
                }
                _ => {}
            },
            Structure::Block(c) if c.ident.as_str() == "content" => {
                content = Some(convert_body(&c.body, span_of(c)));
            }
            Structure::Block(_) => {}
        }
    }
    match (for_each, content) {
        (Some(for_each), Some(content)) => Node::new(
            Value::Expr(Expr::Dynamic(Box::new(DynamicBlock {
                name,
                iterator,
                for_each,
                content,
            }))),
            bspan,
        ),
        _ => Node::unknown(format!("dynamic \"{name}\" block"), vec![], bspan),
    }
}

fn boxed(e: &Expression) -> Box<Node> {
    Box::new(convert_expr(e))
}

fn expr(e: Expr, span: Span) -> Node {
    Node::new(Value::Expr(e), span)
}

/// Converts an expression: literals become values, everything else the [`Expr`] IR.
pub fn convert_expr(e: &Expression) -> Node {
    let span = span_of(e);
    match e {
        Expression::Null(_) => Node::new(Value::Null, span),
        Expression::Bool(b) => Node::new(Value::Bool(*b.value()), span),
        Expression::Number(n) => match n.value().as_f64() {
            Some(f) => Node::new(Value::Number(f), span),
            None => Node::unknown("number", vec![], span),
        },
        Expression::String(s) => Node::new(Value::String(s.value().to_string()), span),
        Expression::Array(a) => Node::new(Value::List(a.iter().map(convert_expr).collect()), span),
        Expression::Object(o) => {
            let mut entries = Vec::new();
            let mut computed = false;
            for (k, v) in o.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => {
                        Node::new(Value::String(i.as_str().to_string()), span_of(i))
                    }
                    ObjectKey::Expression(Expression::Variable(v)) => {
                        // `{ (x) = 1 }` needs parentheses to be a reference; a bare word is a
                        // literal key.
                        Node::new(Value::String(v.as_str().to_string()), span_of(v))
                    }
                    ObjectKey::Expression(other) => {
                        let n = convert_expr(other);
                        computed |= !matches!(n.value, Value::String(_));
                        n
                    }
                };
                entries.push((key, convert_expr(v.expr())));
            }
            if computed {
                return expr(Expr::Object(entries), span);
            }
            let entries = entries
                .into_iter()
                .map(|(k, v)| {
                    let name = k.as_str().unwrap_or_default().to_string();
                    (Key { name, span: k.span }, v)
                })
                .collect();
            Node::new(Value::Map(entries), span)
        }
        Expression::StringTemplate(t) => convert_template(t, span),
        Expression::HeredocTemplate(h) => {
            let mut h = (**h).clone();
            h.dedent();
            convert_template(&h.template, span)
        }
        Expression::Parenthesis(p) => {
            let mut n = convert_expr(p.inner());
            n.span = span;
            n
        }
        Expression::Variable(v) => expr(Expr::Var(v.as_str().to_string()), span),
        Expression::Traversal(t) => {
            let base = boxed(&t.expr);
            let mut steps = Vec::new();
            for op in &t.operators {
                steps.push(match op.value() {
                    TraversalOperator::GetAttr(i) => Step::Attr(i.as_str().to_string()),
                    TraversalOperator::Index(i) => Step::Index(convert_expr(i)),
                    TraversalOperator::LegacyIndex(i) => {
                        Step::Index(Node::new(Value::Number(*i.value() as f64), span_of(op)))
                    }
                    TraversalOperator::AttrSplat(_) => Step::Splat { full: false },
                    TraversalOperator::FullSplat(_) => Step::Splat { full: true },
                });
            }
            expr(Expr::Traversal { base, steps }, span)
        }
        Expression::FuncCall(f) => {
            let mut name = String::new();
            for ns in &f.name.namespace {
                name.push_str(ns.as_str());
                name.push_str("::");
            }
            name.push_str(f.name.name.as_str());
            expr(
                Expr::Call(Box::new(FuncCall {
                    name,
                    args: f.args.iter().map(convert_expr).collect(),
                    expand_final: f.args.expand_final(),
                })),
                span,
            )
        }
        Expression::Conditional(c) => expr(
            Expr::Conditional {
                cond: boxed(&c.cond_expr),
                then: boxed(&c.true_expr),
                otherwise: boxed(&c.false_expr),
            },
            span,
        ),
        Expression::ForExpr(f) => expr(
            Expr::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().to_string()),
                value_var: f.intro.value_var.as_str().to_string(),
                collection: convert_expr(&f.intro.collection_expr),
                key: f.key_expr.as_ref().map(convert_expr),
                value: convert_expr(&f.value_expr),
                cond: f.cond.as_ref().map(|c| convert_expr(&c.expr)),
                grouping: f.grouping,
            })),
            span,
        ),
        Expression::UnaryOp(u) => {
            let op = match u.operator.value() {
                UnaryOperator::Neg => UnaryOp::Neg,
                UnaryOperator::Not => UnaryOp::Not,
            };
            // `-5` is a literal to every reader: keep it one.
            if let (UnaryOp::Neg, Expression::Number(n)) = (op, &u.expr) {
                if let Some(f) = n.value().as_f64() {
                    return Node::new(Value::Number(-f), span);
                }
            }
            expr(
                Expr::Unary {
                    op,
                    operand: boxed(&u.expr),
                },
                span,
            )
        }
        Expression::BinaryOp(b) => {
            let op = match b.operator.value() {
                BinaryOperator::Eq => BinaryOp::Eq,
                BinaryOperator::NotEq => BinaryOp::NotEq,
                BinaryOperator::LessEq => BinaryOp::LessEq,
                BinaryOperator::GreaterEq => BinaryOp::GreaterEq,
                BinaryOperator::Less => BinaryOp::Less,
                BinaryOperator::Greater => BinaryOp::Greater,
                BinaryOperator::Plus => BinaryOp::Add,
                BinaryOperator::Minus => BinaryOp::Sub,
                BinaryOperator::Mul => BinaryOp::Mul,
                BinaryOperator::Div => BinaryOp::Div,
                BinaryOperator::Mod => BinaryOp::Mod,
                BinaryOperator::And => BinaryOp::And,
                BinaryOperator::Or => BinaryOp::Or,
            };
            expr(
                Expr::Binary {
                    op,
                    lhs: boxed(&b.lhs_expr),
                    rhs: boxed(&b.rhs_expr),
                },
                span,
            )
        }
    }
}

/// A template: literals (with `~` strip markers applied), interpolations and directives. A
/// template of literals only is a plain string.
fn convert_template(t: &Template, span: Span) -> Node {
    let parts = template_parts(t);
    if parts.iter().all(|p| matches!(p.value, Value::String(_))) {
        let s: String = parts.iter().filter_map(|p| p.as_str()).collect();
        return Node::new(Value::String(s), span);
    }
    expr(Expr::Template(parts), span)
}

/// Strip markers of an element: (strip the preceding literal's end, strip the following
/// literal's start).
fn strips(el: &Element) -> (bool, bool) {
    match el {
        Element::Literal(_) => (false, false),
        Element::Interpolation(i) => (i.strip.strip_start(), i.strip.strip_end()),
        Element::Directive(d) => match &**d {
            Directive::If(d) => (
                d.if_expr.strip.strip_start(),
                d.endif_expr.strip.strip_end(),
            ),
            Directive::For(d) => (
                d.for_expr.strip.strip_start(),
                d.endfor_expr.strip.strip_end(),
            ),
        },
    }
}

fn template_parts(t: &Template) -> Vec<Node> {
    let elements: Vec<&Element> = t.iter().collect();
    let mut parts = Vec::new();
    for (i, el) in elements.iter().enumerate() {
        match el {
            Element::Literal(l) => {
                let mut text: &str = l.value();
                if i > 0 && strips(elements[i - 1]).1 {
                    text = text.trim_start();
                }
                if elements.get(i + 1).is_some_and(|n| strips(n).0) {
                    text = text.trim_end();
                }
                parts.push(Node::new(Value::String(text.to_string()), span_of(l)));
            }
            Element::Interpolation(x) => parts.push(convert_expr(&x.expr)),
            Element::Directive(dir) if matches!(**dir, Directive::If(_)) => {
                let Directive::If(d) = &**dir else { continue };
                let mut then = template_parts(&d.if_expr.template);
                let mut otherwise = d
                    .else_expr
                    .as_ref()
                    .map(|e| template_parts(&e.template))
                    .unwrap_or_default();
                // Strip markers inside the directive apply to its own first/last literals.
                let else_strip = d.else_expr.as_ref().map(|e| e.strip);
                if d.if_expr.strip.strip_end() {
                    trim_first(&mut then);
                }
                if let Some(s) = else_strip {
                    if s.strip_start() {
                        trim_last(&mut then);
                    }
                    if s.strip_end() {
                        trim_first(&mut otherwise);
                    }
                    if d.endif_expr.strip.strip_start() {
                        trim_last(&mut otherwise);
                    }
                } else if d.endif_expr.strip.strip_start() {
                    trim_last(&mut then);
                }
                parts.push(expr(
                    Expr::TemplateIf(Box::new(IfDirective {
                        cond: convert_expr(&d.if_expr.cond_expr),
                        then,
                        otherwise,
                    })),
                    span_of(*el),
                ));
            }
            Element::Directive(dir) => {
                let Directive::For(d) = &**dir else { continue };
                let mut body = template_parts(&d.for_expr.template);
                if d.for_expr.strip.strip_end() {
                    trim_first(&mut body);
                }
                if d.endfor_expr.strip.strip_start() {
                    trim_last(&mut body);
                }
                parts.push(expr(
                    Expr::TemplateFor(Box::new(ForDirective {
                        key_var: d.for_expr.key_var.as_ref().map(|k| k.as_str().to_string()),
                        value_var: d.for_expr.value_var.as_str().to_string(),
                        collection: convert_expr(&d.for_expr.collection_expr),
                        body,
                    })),
                    span_of(*el),
                ));
            }
        }
    }
    parts
}

fn trim_first(parts: &mut [Node]) {
    if let Some(Value::String(s)) = parts.first_mut().map(|p| &mut p.value) {
        *s = s.trim_start().to_string();
    }
}

fn trim_last(parts: &mut [Node]) {
    if let Some(Value::String(s)) = parts.last_mut().map(|p| &mut p.value) {
        *s = s.trim_end().to_string();
    }
}
