//! HCL (Terraform) with spans, via hcl-edit. Expressions that need the module context
//! (`var.*`, `local.*`, templates) become [`Expr`] nodes; everything else that is not a literal
//! becomes [`Value::Unknown`] carrying the resource addresses it refers to.

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body, Structure};
use hcl_edit::template::{Element, Template};
use hcl_edit::visit::{self, Visit};

use super::{check_nesting, Limits, ParseError};
use crate::model::{Expr, Key, Node, Span, Value};

/// A top-level block of a Terraform file.
#[derive(Debug, Clone)]
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
/// every block with that name (blocks may repeat). A `dynamic "x"` block makes `x` unknown:
/// it generates blocks guardrail does not expand here, so `x` must not read as absent.
pub fn convert_body(body: &Body, span: Span) -> Node {
    let mut entries: Vec<(Key, Node)> = Vec::new();
    for s in body.iter() {
        match s {
            Structure::Attribute(a) => {
                let key = Key {
                    name: a.key.as_str().to_string(),
                    span: span_of(&a.key),
                };
                entries.push((key, convert_expr(&a.value)));
            }
            Structure::Block(b) => {
                let bspan = span_of(b);
                let (name, kspan, node) = if b.ident.as_str() == "dynamic" && !b.labels.is_empty() {
                    let label = &b.labels[0];
                    let n = Node::unknown(
                        format!("dynamic \"{}\" block", label.as_str()),
                        refs_in_body(&b.body),
                        bspan,
                    );
                    (label.as_str().to_string(), span_of(label), n)
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
                if let Some((_, existing)) = entries.iter_mut().find(|(k, _)| k.name == name) {
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
                entries.push((
                    Key { name, span: kspan },
                    Node::new(Value::List(vec![node]), list_span),
                ));
            }
        }
    }
    Node::new(Value::Map(entries), span)
}

/// Converts an expression; literals become values, references stay symbolic.
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
            for (k, v) in o.iter() {
                let (name, kspan) = match k {
                    ObjectKey::Ident(i) => (i.as_str().to_string(), span_of(i)),
                    ObjectKey::Expression(Expression::String(s)) => {
                        (s.value().to_string(), span_of(s))
                    }
                    ObjectKey::Expression(other) => {
                        // A computed key: the whole object is not statically known.
                        return Node::unknown(
                            "object with a computed key",
                            refs_in_expr(other),
                            span,
                        );
                    }
                };
                entries.push((Key { name, span: kspan }, convert_expr(v.expr())));
            }
            Node::new(Value::Map(entries), span)
        }
        Expression::StringTemplate(t) => convert_template(t, span, e),
        Expression::HeredocTemplate(h) => {
            let mut h = (**h).clone();
            h.dedent();
            convert_template(&h.template, span, e)
        }
        Expression::Parenthesis(p) => {
            let mut n = convert_expr(p.inner());
            n.span = span;
            n
        }
        Expression::Traversal(t) => {
            if let Expression::Variable(root) = &t.expr {
                let root = root.as_str();
                if root == "var" || root == "local" {
                    let mut path = Vec::new();
                    for op in &t.operators {
                        match op.value() {
                            TraversalOperator::GetAttr(i) => path.push(i.as_str().to_string()),
                            TraversalOperator::Index(Expression::Number(n)) => path.push(
                                n.value()
                                    .as_f64()
                                    .map(crate::model::format_number)
                                    .unwrap_or_default(),
                            ),
                            TraversalOperator::Index(Expression::String(s)) => {
                                path.push(s.value().to_string())
                            }
                            TraversalOperator::LegacyIndex(i) => path.push(i.value().to_string()),
                            _ => return Node::unknown(expr_text(e), refs_in_expr(e), span),
                        }
                    }
                    if !path.is_empty() {
                        return Node::new(
                            Value::Expr(Expr::Ref {
                                root: root.to_string(),
                                path,
                            }),
                            span,
                        );
                    }
                }
            }
            Node::unknown(expr_text(e), refs_in_expr(e), span)
        }
        Expression::UnaryOp(u) => {
            if let (hcl_edit::expr::UnaryOperator::Neg, Expression::Number(n)) =
                (u.operator.value(), &u.expr)
            {
                if let Some(f) = n.value().as_f64() {
                    return Node::new(Value::Number(-f), span);
                }
            }
            Node::unknown(expr_text(e), refs_in_expr(e), span)
        }
        _ => Node::unknown(expr_text(e), refs_in_expr(e), span),
    }
}

fn convert_template(t: &Template, span: Span, e: &Expression) -> Node {
    let mut parts = Vec::new();
    for el in t.iter() {
        match el {
            Element::Literal(l) => {
                parts.push(Node::new(Value::String(l.value().to_string()), span_of(l)))
            }
            Element::Interpolation(i) => parts.push(convert_expr(&i.expr)),
            Element::Directive(_) => {
                return Node::unknown("template directive", refs_in_expr(e), span)
            }
        }
    }
    if parts.iter().all(|p| matches!(p.value, Value::String(_))) {
        let s: String = parts.iter().filter_map(|p| p.as_str()).collect();
        return Node::new(Value::String(s), span);
    }
    Node::new(Value::Expr(Expr::Template(parts)), span)
}

/// A short, single-line description of an expression for notes.
fn expr_text(e: &Expression) -> String {
    match e {
        Expression::FuncCall(f) => format!("{}(…)", f.name.name.as_str()),
        Expression::Conditional(_) => "conditional expression".into(),
        Expression::ForExpr(_) => "for expression".into(),
        Expression::BinaryOp(_) | Expression::UnaryOp(_) => "operator expression".into(),
        Expression::Traversal(t) => {
            let mut s = match &t.expr {
                Expression::Variable(v) => v.as_str().to_string(),
                _ => "(…)".into(),
            };
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(i) => {
                        s.push('.');
                        s.push_str(i.as_str());
                    }
                    TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                        s.push_str("[*]")
                    }
                    _ => s.push_str("[…]"),
                }
            }
            s
        }
        Expression::Variable(v) => v.as_str().to_string(),
        _ => "expression".into(),
    }
}

/// Collects the resource addresses an expression refers to.
#[derive(Default)]
struct RefCollector {
    refs: Vec<String>,
}

const NON_RESOURCE_ROOTS: &[&str] = &["var", "local", "each", "count", "path", "self", "terraform"];

impl Visit for RefCollector {
    fn visit_traversal(&mut self, node: &hcl_edit::expr::Traversal) {
        if let Expression::Variable(root) = &node.expr {
            let root = root.as_str();
            let attrs: Vec<&str> = node
                .operators
                .iter()
                .map_while(|op| match op.value() {
                    TraversalOperator::GetAttr(i) => Some(i.as_str()),
                    _ => None,
                })
                .collect();
            if !NON_RESOURCE_ROOTS.contains(&root) {
                let address = match root {
                    "data" if attrs.len() >= 2 => Some(format!("data.{}.{}", attrs[0], attrs[1])),
                    "module" if !attrs.is_empty() => Some(format!("module.{}", attrs[0])),
                    "data" | "module" => None,
                    _ if !attrs.is_empty() => Some(format!("{root}.{}", attrs[0])),
                    _ => None,
                };
                if let Some(a) = address {
                    if !self.refs.contains(&a) {
                        self.refs.push(a);
                    }
                }
            }
        }
        visit::visit_traversal(self, node);
    }
}

fn refs_in_expr(e: &Expression) -> Vec<String> {
    let mut c = RefCollector::default();
    c.visit_expr(e);
    c.refs
}

fn refs_in_body(b: &Body) -> Vec<String> {
    let mut c = RefCollector::default();
    c.visit_body(b);
    c.refs
}
