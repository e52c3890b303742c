//! Variable declarations and the values a root module's variables get, in Terraform's
//! precedence order (later wins): `TF_VAR_name` environment variables, `terraform.tfvars`,
//! `terraform.tfvars.json`, `*.auto.tfvars` / `*.auto.tfvars.json` (lexical order), then
//! `--var-file` and `--var` in command-line order. A child module's variables get the
//! caller's arguments instead. `validation` blocks are ignored.

use std::collections::HashMap;

use crate::model::expr::Expr;
use crate::model::{Node, Span, Value};
use crate::parse::hcl::HclBlock;

use super::modules::ModuleDir;

/// A command-line variable input.
#[derive(Debug, Clone)]
pub enum CliVar {
    /// The values of a `--var-file` (parsed `.tfvars` or `.tfvars.json`).
    File(Node),
    /// `--var NAME=VALUE`: the name and the raw value.
    Value(String, String),
}

/// The declared type of a variable, as far as conversions of raw strings need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeHint {
    String,
    Number,
    Bool,
    /// `list(…)`, `map(…)`, `object({…})`, …: raw strings are parsed as HCL expressions.
    Complex,
    /// No type, or `any`.
    Any,
}

/// A `variable` block.
#[derive(Debug, Clone)]
pub struct VarDecl<'a> {
    pub file: usize,
    pub default: Option<&'a Node>,
    pub sensitive: bool,
    pub nullable: bool,
    pub ty: TypeHint,
}

impl<'a> VarDecl<'a> {
    pub fn from_block(file: usize, b: &'a HclBlock) -> VarDecl<'a> {
        let flag = |k: &str, default: bool| match b.body.get(k).map(|n| &n.value) {
            Some(Value::Bool(v)) => *v,
            _ => default,
        };
        VarDecl {
            file,
            default: b.body.get("default"),
            sensitive: flag("sensitive", false),
            nullable: flag("nullable", true),
            ty: b.body.get("type").map(type_hint).unwrap_or(TypeHint::Any),
        }
    }
}

fn type_hint(n: &Node) -> TypeHint {
    match &n.value {
        Value::Expr(Expr::Var(t)) => match t.as_str() {
            "string" => TypeHint::String,
            "number" => TypeHint::Number,
            "bool" => TypeHint::Bool,
            _ => TypeHint::Any,
        },
        Value::Expr(Expr::Call(_)) => TypeHint::Complex,
        _ => TypeHint::Any,
    }
}

/// A value given to a variable, before it is used.
#[derive(Debug, Clone)]
pub struct Input {
    pub node: Node,
    /// Where it was written, for the "value comes from here" location: (file, span).
    pub via: Option<(usize, Span)>,
    /// Already evaluated (a caller's argument); else evaluated on use (a tfvars value).
    pub evaluated: bool,
}

/// Converts a raw string (`--var`, `TF_VAR_`) according to the declared type: complex types
/// are HCL expressions, as Terraform reads them; anything unparsable stays a string.
pub fn from_raw(raw: &str, ty: TypeHint) -> Node {
    let span = Span::new(0, 0);
    match ty {
        TypeHint::Complex => match hcl_edit::parser::parse_expr(raw) {
            Ok(e) => super::eval::relocate(crate::parse::hcl::convert_expr(&e), span),
            Err(_) => Node::new(Value::String(raw.to_string()), span),
        },
        _ => Node::new(Value::String(raw.to_string()), span),
    }
}

/// The inputs of a root module: every source in precedence order, later wins. Only
/// declared variables take values.
pub fn root_inputs(
    dir: &ModuleDir,
    decls: &HashMap<&str, VarDecl>,
    cli: &[CliVar],
    env: &[(String, String)],
) -> HashMap<String, Input> {
    let mut out: HashMap<String, Input> = HashMap::new();
    for (name, raw) in env {
        if let Some(d) = decls.get(name.as_str()) {
            out.insert(
                name.clone(),
                Input {
                    node: from_raw(raw, d.ty),
                    via: None,
                    evaluated: false,
                },
            );
        }
    }
    let mut files: Vec<&(String, Node, Option<usize>)> = dir
        .tfvars
        .iter()
        .filter(|(n, _, _)| {
            n == "terraform.tfvars"
                || n == "terraform.tfvars.json"
                || n.ends_with(".auto.tfvars")
                || n.ends_with(".auto.tfvars.json")
        })
        .collect();
    files.sort_by_key(|(n, _, _)| {
        let rank = match n.as_str() {
            "terraform.tfvars" => 0,
            "terraform.tfvars.json" => 1,
            _ => 2,
        };
        (rank, n.clone())
    });
    for (_, values, file) in files {
        apply_file(values, *file, decls, &mut out);
    }
    for c in cli {
        match c {
            CliVar::File(values) => apply_file(values, None, decls, &mut out),
            CliVar::Value(name, raw) => {
                if let Some(d) = decls.get(name.as_str()) {
                    out.insert(
                        name.clone(),
                        Input {
                            node: from_raw(raw, d.ty),
                            via: None,
                            evaluated: false,
                        },
                    );
                }
            }
        }
    }
    out
}

fn apply_file(
    values: &Node,
    file: Option<usize>,
    decls: &HashMap<&str, VarDecl>,
    out: &mut HashMap<String, Input>,
) {
    let Value::Map(entries) = &values.value else {
        return;
    };
    for (k, v) in entries {
        if decls.contains_key(k.name.as_str()) {
            out.insert(
                k.name.clone(),
                Input {
                    node: v.clone(),
                    via: file.map(|f| (f, v.span)),
                    evaluated: false,
                },
            );
        }
    }
}

/// Converts a value to the declared primitive type where Terraform would (`"8080"` for a
/// `number`); anything else is left as it is.
pub fn convert(mut n: Node, ty: TypeHint) -> Node {
    match (ty, &n.value) {
        (TypeHint::Number, Value::String(s)) => {
            if let Ok(x) = s.trim().parse::<f64>() {
                n.value = Value::Number(x);
            }
        }
        (TypeHint::Bool, Value::String(s)) => match s.as_str() {
            "true" => n.value = Value::Bool(true),
            "false" => n.value = Value::Bool(false),
            _ => {}
        },
        (TypeHint::String, Value::Number(_) | Value::Bool(_)) => {
            if let Some(t) = n.scalar_text() {
                n.value = Value::String(t);
            }
        }
        _ => {}
    }
    n
}
