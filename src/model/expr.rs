//! The Terraform expression IR: what `parse::hcl` produces for every expression that is not a
//! literal, and what `resources::terraform` evaluates once the module context is known. It is
//! plain data (no parser types), so parsing can run in parallel and the model stays `Send`.
//! Every sub-expression is a [`Node`] and keeps its byte span.

use serde::{Deserialize, Serialize};

use super::Node;

/// An expression that needs the module context (variables, locals, `each`, functions, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// A bare name: `var`, `local`, `each`, `count`, `aws_s3_bucket`, a `for` variable.
    Var(String),
    /// `base.attr`, `base[index]`, `base[*].attr`: steps applied in order.
    Traversal { base: Box<Node>, steps: Vec<Step> },
    /// A string template: literal strings, interpolated nodes and directives
    /// ([`Expr::TemplateIf`], [`Expr::TemplateFor`]), concatenated. A template that is one
    /// interpolation and nothing else yields the value itself, as in HCL.
    Template(Vec<Node>),
    /// `%{ if cond }then%{ else }otherwise%{ endif }` inside a template.
    TemplateIf(Box<IfDirective>),
    /// `%{ for k, v in collection }body%{ endfor }` inside a template.
    TemplateFor(Box<ForDirective>),
    /// `name(args…)`.
    Call(Box<FuncCall>),
    /// `cond ? then : otherwise`.
    Conditional {
        cond: Box<Node>,
        then: Box<Node>,
        otherwise: Box<Node>,
    },
    /// `[for …]` / `{for …}`.
    For(Box<ForExpr>),
    /// `!x`, `-x`.
    Unary { op: UnaryOp, operand: Box<Node> },
    /// `a + b`, `a == b`, `a && b`, …
    Binary {
        op: BinaryOp,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    /// An object with at least one computed key: (key expression, value) pairs.
    Object(Vec<(Node, Node)>),
    /// A `dynamic "name"` block: one block per element of `for_each`.
    Dynamic(Box<DynamicBlock>),
}

/// A function call. (The large variants of [`Expr`] are boxed so that every [`Node`] stays
/// small: there is one per value of every scanned file.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuncCall {
    pub name: String,
    pub args: Vec<Node>,
    /// The `...` after the last argument.
    pub expand_final: bool,
}

/// `%{ if }` in a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IfDirective {
    pub cond: Node,
    pub then: Vec<Node>,
    pub otherwise: Vec<Node>,
}

/// `%{ for }` in a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForDirective {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Node,
    pub body: Vec<Node>,
}

/// One step of a traversal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Step {
    /// `.name`
    Attr(String),
    /// `[expr]` (also the legacy `.0`).
    Index(Node),
    /// `[*]` (full: every following step applies to each element) or `.*` (attribute-only:
    /// following attribute steps apply to each element).
    Splat { full: bool },
}

/// A `for` expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Node,
    /// Present for `{for …}` (object result).
    pub key: Option<Node>,
    pub value: Node,
    pub cond: Option<Node>,
    /// `...` after the value: group values with the same key into lists.
    pub grouping: bool,
}

/// A `dynamic` block before expansion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DynamicBlock {
    /// The block type it generates (`ingress`).
    pub name: String,
    /// The iterator name (`iterator = x`; default: the block type).
    pub iterator: String,
    pub for_each: Node,
    /// The `content` block body (may itself hold expressions and dynamic blocks).
    pub content: Node,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinaryOp {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

/// Roots of references that never name a resource.
pub const NON_RESOURCE_ROOTS: &[&str] =
    &["var", "local", "each", "count", "path", "self", "terraform"];

impl Expr {
    /// Short text for notes: `lower(…)`, `var.acl`, `conditional expression`.
    pub fn describe(&self) -> String {
        match self {
            Expr::Var(v) => v.clone(),
            Expr::Traversal { base, steps } => {
                let mut s = match &base.value {
                    super::Value::Expr(e @ (Expr::Var(_) | Expr::Traversal { .. })) => e.describe(),
                    super::Value::Expr(Expr::Call(c)) => format!("{}(…)", c.name),
                    _ => "(…)".into(),
                };
                for st in steps {
                    match st {
                        Step::Attr(a) => {
                            s.push('.');
                            s.push_str(a);
                        }
                        Step::Index(i) => match i.scalar_text() {
                            Some(t) if matches!(i.value, super::Value::Number(_)) => {
                                s.push_str(&format!("[{t}]"))
                            }
                            Some(t) => s.push_str(&format!("[{t:?}]")),
                            None => s.push_str("[…]"),
                        },
                        Step::Splat { .. } => s.push_str("[*]"),
                    }
                }
                s
            }
            Expr::Template(_) | Expr::TemplateIf(_) | Expr::TemplateFor(_) => {
                "string template".into()
            }
            Expr::Call(c) => format!("{}(…)", c.name),
            Expr::Conditional { .. } => "conditional expression".into(),
            Expr::For(_) => "for expression".into(),
            Expr::Unary { .. } | Expr::Binary { .. } => "operator expression".into(),
            Expr::Object(_) => "object with a computed key".into(),
            Expr::Dynamic(d) => format!("dynamic \"{}\" block", d.name),
        }
    }

    /// Addresses of resources, data sources and modules the expression refers to
    /// (`aws_s3_bucket.b`, `data.aws_caller_identity.me`, `module.web`).
    pub fn collect_refs(&self, out: &mut Vec<String>) {
        let mut push = |a: String| {
            if !out.contains(&a) {
                out.push(a);
            }
        };
        match self {
            Expr::Traversal { base, steps } => {
                if let super::Value::Expr(Expr::Var(root)) = &base.value {
                    let attrs: Vec<&str> = steps
                        .iter()
                        .map_while(|s| match s {
                            Step::Attr(a) => Some(a.as_str()),
                            _ => None,
                        })
                        .collect();
                    if let Some(a) = reference_address(root, &attrs) {
                        push(a);
                    }
                } else {
                    base.collect_refs(out);
                }
                for s in steps {
                    if let Step::Index(i) = s {
                        i.collect_refs(out);
                    }
                }
            }
            Expr::Var(_) => {}
            Expr::Template(parts) => parts.iter().for_each(|n| n.collect_refs(out)),
            Expr::TemplateIf(d) => {
                d.cond.collect_refs(out);
                d.then
                    .iter()
                    .chain(&d.otherwise)
                    .for_each(|n| n.collect_refs(out));
            }
            Expr::TemplateFor(d) => {
                d.collection.collect_refs(out);
                d.body.iter().for_each(|n| n.collect_refs(out));
            }
            Expr::Call(c) => c.args.iter().for_each(|n| n.collect_refs(out)),
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                cond.collect_refs(out);
                then.collect_refs(out);
                otherwise.collect_refs(out);
            }
            Expr::For(f) => {
                f.collection.collect_refs(out);
                if let Some(k) = &f.key {
                    k.collect_refs(out);
                }
                f.value.collect_refs(out);
                if let Some(c) = &f.cond {
                    c.collect_refs(out);
                }
            }
            Expr::Unary { operand, .. } => operand.collect_refs(out),
            Expr::Binary { lhs, rhs, .. } => {
                lhs.collect_refs(out);
                rhs.collect_refs(out);
            }
            Expr::Object(entries) => entries.iter().for_each(|(k, v)| {
                k.collect_refs(out);
                v.collect_refs(out);
            }),
            Expr::Dynamic(d) => {
                d.for_each.collect_refs(out);
                d.content.collect_refs(out);
            }
        }
    }

    /// Calls `f` on every direct child node (for span rewriting).
    pub fn children_mut(&mut self, f: &mut dyn FnMut(&mut Node)) {
        match self {
            Expr::Var(_) => {}
            Expr::Traversal { base, steps } => {
                f(base);
                for s in steps {
                    if let Step::Index(i) = s {
                        f(i);
                    }
                }
            }
            Expr::Template(parts) => parts.iter_mut().for_each(f),
            Expr::TemplateIf(d) => {
                f(&mut d.cond);
                d.then.iter_mut().chain(d.otherwise.iter_mut()).for_each(f);
            }
            Expr::TemplateFor(d) => {
                f(&mut d.collection);
                d.body.iter_mut().for_each(f);
            }
            Expr::Call(c) => c.args.iter_mut().for_each(f),
            Expr::Conditional {
                cond,
                then,
                otherwise,
            } => {
                f(cond);
                f(then);
                f(otherwise);
            }
            Expr::For(x) => {
                f(&mut x.collection);
                if let Some(k) = &mut x.key {
                    f(k);
                }
                f(&mut x.value);
                if let Some(c) = &mut x.cond {
                    f(c);
                }
            }
            Expr::Unary { operand, .. } => f(operand),
            Expr::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            Expr::Object(entries) => entries.iter_mut().for_each(|(k, v)| {
                f(k);
                f(v);
            }),
            Expr::Dynamic(d) => {
                f(&mut d.for_each);
                f(&mut d.content);
            }
        }
    }
}

/// The address a reference root plus leading attribute names designates, if it names a
/// resource, data source or module.
pub fn reference_address(root: &str, attrs: &[&str]) -> Option<String> {
    if NON_RESOURCE_ROOTS.contains(&root) {
        return None;
    }
    match root {
        "data" if attrs.len() >= 2 => Some(format!("data.{}.{}", attrs[0], attrs[1])),
        "module" if !attrs.is_empty() => Some(format!("module.{}", attrs[0])),
        "data" | "module" => None,
        _ if !attrs.is_empty() => Some(format!("{root}.{}", attrs[0])),
        _ => None,
    }
}
