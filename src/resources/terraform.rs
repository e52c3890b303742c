//! Terraform modules: one directory = one module. Variables (defaults, `terraform.tfvars`,
//! `*.auto.tfvars`, `--var-file`) and `locals` are resolved where static; every other
//! expression stays unknown.

use std::collections::HashMap;

use crate::model::{Expr, Framework, Key, Node, Resource, Span, Unknown, Value};
use crate::parse::hcl::HclBlock;

/// How deep `local` → `local` chains may go before evaluation gives up (cycles end here too).
const MAX_EVAL_DEPTH: usize = 64;

/// One parsed `.tf`/`.tf.json` file of a module.
pub struct ModuleFile<'a> {
    pub file: usize,
    pub blocks: &'a [HclBlock],
}

/// Values a module's expressions can use.
#[derive(Default)]
pub struct ModuleContext {
    pub vars: HashMap<String, Node>,
    pub locals: HashMap<String, Node>,
}

impl ModuleContext {
    /// Collects variable defaults and locals from the module's files, then applies tfvars
    /// values (later maps win, in Terraform's precedence order).
    pub fn build(files: &[ModuleFile], tfvars: &[&Node]) -> ModuleContext {
        let mut ctx = ModuleContext::default();
        for f in files {
            for b in f.blocks {
                match b.ident.as_str() {
                    "variable" if !b.labels.is_empty() => {
                        if let Some(d) = b.body.get("default") {
                            ctx.vars.insert(b.labels[0].clone(), d.clone());
                        }
                    }
                    "locals" => {
                        if let Value::Map(m) = &b.body.value {
                            for (k, v) in m {
                                ctx.locals.insert(k.name.clone(), v.clone());
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        for vars in tfvars {
            if let Value::Map(m) = &vars.value {
                for (k, v) in m {
                    ctx.vars.insert(k.name.clone(), v.clone());
                }
            }
        }
        ctx
    }

    /// Replaces every `Expr` in the node by its value, or by an unknown.
    pub fn resolve(&self, node: &Node) -> Node {
        self.resolve_depth(node, 0)
    }

    fn resolve_depth(&self, node: &Node, depth: usize) -> Node {
        match &node.value {
            Value::List(items) => Node::new(
                Value::List(items.iter().map(|n| self.resolve_depth(n, depth)).collect()),
                node.span,
            ),
            Value::Map(entries) => Node::new(
                Value::Map(
                    entries
                        .iter()
                        .map(|(k, v)| (k.clone(), self.resolve_depth(v, depth)))
                        .collect(),
                ),
                node.span,
            ),
            Value::Expr(e) => self.eval(e, node.span, depth),
            _ => node.clone(),
        }
    }

    fn eval(&self, e: &Expr, span: Span, depth: usize) -> Node {
        if depth > MAX_EVAL_DEPTH {
            return Node::unknown("reference chain too deep (a cycle?)", vec![], span);
        }
        match e {
            Expr::Ref { root, path } => {
                let (table, what) = if root == "var" {
                    (&self.vars, "var")
                } else {
                    (&self.locals, "local")
                };
                let Some(base) = table.get(&path[0]) else {
                    let why = if root == "var" {
                        "has no default"
                    } else {
                        "is not defined"
                    };
                    return Node::unknown(format!("{what}.{} {why}", path[0]), vec![], span);
                };
                let mut value = self.resolve_depth(base, depth + 1);
                for seg in &path[1..] {
                    let next = match &value.value {
                        Value::Map(_) => value.get(seg).cloned(),
                        Value::List(items) => seg
                            .parse::<usize>()
                            .ok()
                            .and_then(|i| items.get(i).cloned()),
                        Value::Unknown(_) => Some(value.clone()),
                        _ => None,
                    };
                    match next {
                        Some(n) => value = n,
                        None => {
                            return Node::unknown(
                                format!("{what}.{}", path.join(".")),
                                vec![],
                                span,
                            );
                        }
                    }
                }
                // The value is reported where it is used, not where it was defined.
                relocate(value, span)
            }
            Expr::Template(parts) => {
                let mut out = String::new();
                let mut refs = Vec::new();
                let mut known = true;
                for p in parts {
                    let v = self.resolve_depth(p, depth + 1);
                    match v.scalar_text() {
                        Some(t) if !v.is_unknown() => out.push_str(&t),
                        _ => {
                            known = false;
                            v.collect_refs(&mut refs);
                        }
                    }
                }
                if known {
                    Node::new(Value::String(out), span)
                } else {
                    Node::new(
                        Value::Unknown(Unknown {
                            text: "string template".into(),
                            refs,
                        }),
                        span,
                    )
                }
            }
        }
    }
}

/// Gives a value (and its children) the span of the place that uses it.
fn relocate(mut n: Node, span: Span) -> Node {
    n.span = span;
    match &mut n.value {
        Value::List(items) => {
            for i in items.iter_mut() {
                *i = relocate(std::mem::replace(i, Node::new(Value::Null, span)), span);
            }
        }
        Value::Map(entries) => {
            for (k, v) in entries.iter_mut() {
                k.span = span;
                *v = relocate(std::mem::replace(v, Node::new(Value::Null, span)), span);
            }
        }
        _ => {}
    }
    n
}

/// Builds the resources of one module (all files of a directory share `group`).
pub fn module_resources(files: &[ModuleFile], ctx: &ModuleContext, group: usize) -> Vec<Resource> {
    let mut out = Vec::new();
    for f in files {
        for b in f.blocks {
            let (rtype, address) = match (b.ident.as_str(), b.labels.as_slice()) {
                ("resource", [t, n, ..]) => (t.clone(), format!("{t}.{n}")),
                ("data", [t, n, ..]) => (format!("data.{t}"), format!("data.{t}.{n}")),
                ("module", [n, ..]) => ("module".to_string(), format!("module.{n}")),
                _ => continue,
            };
            let body = ctx.resolve(&b.body);
            // `count = 0` means the resource does not exist.
            if let Some(Value::Number(n)) = body.get("count").map(|c| &c.value) {
                if *n == 0.0 {
                    continue;
                }
            }
            out.push(Resource {
                file: f.file,
                framework: Framework::Terraform,
                rtype,
                ref_name: address.clone(),
                address,
                anchor: b.header,
                span: b.span,
                body,
                pod_spec: None,
                partial: false,
                group,
                context: Vec::new(),
            });
        }
    }
    out
}

/// Converts a `.tf.json` document into top-level blocks, so JSON syntax shares the HCL model.
/// Strings holding `${…}` interpolations are parsed as HCL templates.
pub fn json_blocks(root: &Node) -> Vec<HclBlock> {
    let mut out = Vec::new();
    let Value::Map(top) = &root.value else {
        return out;
    };
    for (kind, v) in top {
        match kind.name.as_str() {
            "resource" | "data" => {
                for (t, by_name) in map_entries(v) {
                    for (name, body) in map_entries(by_name) {
                        for body in list_or_one(body) {
                            out.push(HclBlock {
                                ident: kind.name.clone(),
                                labels: vec![t.name.clone(), name.name.clone()],
                                header: name.span,
                                span: body.span,
                                body: json_body(body),
                            });
                        }
                    }
                }
            }
            "variable" | "module" | "output" => {
                for (name, body) in map_entries(v) {
                    for body in list_or_one(body) {
                        out.push(HclBlock {
                            ident: kind.name.clone(),
                            labels: vec![name.name.clone()],
                            header: name.span,
                            span: body.span,
                            body: json_body(body),
                        });
                    }
                }
            }
            "locals" => {
                for body in list_or_one(v) {
                    out.push(HclBlock {
                        ident: "locals".into(),
                        labels: vec![],
                        header: kind.span,
                        span: body.span,
                        body: json_body(body),
                    });
                }
            }
            _ => {}
        }
    }
    out
}

fn map_entries(n: &Node) -> &[(Key, Node)] {
    match &n.value {
        Value::Map(m) => m,
        _ => &[],
    }
}

fn list_or_one(n: &Node) -> Vec<&Node> {
    match &n.value {
        Value::List(items) => items.iter().collect(),
        _ => vec![n],
    }
}

fn json_body(n: &Node) -> Node {
    match &n.value {
        Value::String(s) if s.contains("${") || s.contains("%{") => {
            match hcl_edit::parser::parse_template(s) {
                Ok(t) => {
                    // Spans inside the template are relative to the string: keep the string's.
                    let parsed = crate::parse::hcl::convert_expr(
                        &hcl_edit::expr::Expression::StringTemplate(t.into()),
                    );
                    relocate(parsed, n.span)
                }
                Err(_) => Node::unknown("string template", vec![], n.span),
            }
        }
        Value::List(items) => Node::new(Value::List(items.iter().map(json_body).collect()), n.span),
        Value::Map(m) => Node::new(
            Value::Map(m.iter().map(|(k, v)| (k.clone(), json_body(v))).collect()),
            n.span,
        ),
        _ => n.clone(),
    }
}
