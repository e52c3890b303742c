//! CloudFormation templates (YAML or JSON): `Resources` entries, with `Ref` to parameters
//! resolved to their `Default`, and every other intrinsic function kept as an unknown that
//! remembers the logical ids it refers to.

use std::collections::HashMap;

use crate::model::{Framework, Node, Resource, Unknown, Value};

/// True when a document is a CloudFormation template.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    match root.get("Resources").map(|r| &r.value) {
        Some(Value::Map(entries)) => entries.iter().any(|(_, r)| {
            r.get("Type").and_then(|t| t.as_str()).is_some_and(|t| {
                t.starts_with("AWS::") || t.starts_with("Custom::") || t.starts_with("Alexa::")
            })
        }),
        _ => false,
    }
}

/// The resources of a template (taken out of it: each body is resolved in place).
pub fn resources(mut root: Node, file: usize, group: usize, out: &mut Vec<Resource>) {
    let mut params: HashMap<String, Node> = HashMap::new();
    if let Some(Value::Map(ps)) = root.get("Parameters").map(|p| &p.value) {
        for (k, p) in ps {
            if let Some(d) = p.get("Default") {
                params.insert(k.name.clone(), d.clone());
            }
        }
    }
    let resources = match &mut root.value {
        Value::Map(m) => m
            .iter_mut()
            .find(|(k, _)| k.name == "Resources")
            .map(|(_, v)| std::mem::replace(&mut v.value, Value::Null)),
        _ => None,
    };
    let Some(Value::Map(entries)) = resources else {
        return;
    };
    for (key, entry) in entries {
        let rtype = entry
            .get("Type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_string();
        let span = entry.span;
        out.push(Resource {
            file,
            framework: Framework::CloudFormation,
            rtype,
            address: format!("Resources.{}", key.name),
            ref_name: key.name,
            anchor: key.span,
            span,
            body: resolve(entry, &params, 0),
            pod_spec_path: None,
            partial: false,
            group,
            context: Vec::new(),
        });
    }
}

fn intrinsic(n: &Node) -> Option<(&str, &Node)> {
    match &n.value {
        Value::Map(m)
            if m.len() == 1 && (m[0].0.name == "Ref" || m[0].0.name.starts_with("Fn::")) =>
        {
            Some((m[0].0.name.as_str(), &m[0].1))
        }
        _ => None,
    }
}

/// Resolves intrinsic functions in a body, reusing its nodes.
fn resolve(mut n: Node, params: &HashMap<String, Node>, depth: usize) -> Node {
    if let Some((name, arg)) = intrinsic(&n) {
        return resolve_intrinsic(name, arg, &n, params, depth);
    }
    n.value = match n.value {
        Value::List(items) => Value::List(
            items
                .into_iter()
                .map(|i| resolve(i, params, depth))
                .collect(),
        ),
        Value::Map(m) => Value::Map(
            m.into_iter()
                .map(|(k, v)| (k, resolve(v, params, depth)))
                .collect(),
        ),
        other => return Node { value: other, ..n },
    };
    // A list or a map is a new node, as a template's nodes have no evaluation facts.
    n.meta = None;
    n
}

fn resolve_intrinsic(
    name: &str,
    arg: &Node,
    whole: &Node,
    params: &HashMap<String, Node>,
    depth: usize,
) -> Node {
    if name == "Ref" {
        if let Some(target) = arg.as_str() {
            if let Some(default) = params.get(target) {
                let mut v = default.clone();
                v.span = whole.span;
                return v;
            }
            return Node::new(
                Value::Unknown(Box::new(Unknown {
                    text: format!("Ref {target}"),
                    refs: vec![target.to_string()],
                })),
                whole.span,
            );
        }
    }
    if name == "Fn::Sub" {
        if let Some(s) = arg.as_str() {
            if !s.contains("${") {
                return Node::new(Value::String(s.to_string()), whole.span);
            }
        }
    }
    let mut refs = Vec::new();
    collect_refs(arg, &mut refs, depth);
    Node::new(
        Value::Unknown(Box::new(Unknown {
            text: name.to_string(),
            refs,
        })),
        whole.span,
    )
}

/// Logical ids mentioned by an intrinsic's argument (`Ref`, `Fn::GetAtt`, `${X}` in `Fn::Sub`).
fn collect_refs(n: &Node, out: &mut Vec<String>, depth: usize) {
    if depth > 200 {
        return;
    }
    if let Some((name, arg)) = intrinsic(n) {
        match name {
            "Ref" => out.extend(arg.as_str().map(String::from)),
            "Fn::GetAtt" => {
                if let Some(first) = arg
                    .as_list()
                    .and_then(|l| l.first())
                    .and_then(|f| f.as_str())
                {
                    out.push(first.to_string());
                } else if let Some(s) = arg.as_str() {
                    out.push(s.split('.').next().unwrap_or(s).to_string());
                }
            }
            _ => {}
        }
        collect_refs(arg, out, depth + 1);
        return;
    }
    match &n.value {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("${") {
                rest = &rest[i + 2..];
                let end = rest.find('}').unwrap_or(rest.len());
                let id = rest[..end].split('.').next().unwrap_or("");
                if !id.is_empty() && !id.starts_with("AWS::") && !id.starts_with('!') {
                    out.push(id.to_string());
                }
            }
        }
        Value::List(items) => items.iter().for_each(|i| collect_refs(i, out, depth + 1)),
        Value::Map(m) => m.iter().for_each(|(_, v)| collect_refs(v, out, depth + 1)),
        _ => {}
    }
}
