//! `.tf.json`: the JSON syntax of Terraform, converted into the same top-level blocks as HCL.

use crate::model::{Key, Node, Value};
use crate::parse::hcl::HclBlock;

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
                    super::eval::relocate(parsed, n.span)
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
