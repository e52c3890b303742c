//! Kubernetes objects, with one pod-spec view for every workload kind.

use crate::model::{Framework, Node, Resource, Value};

/// Kinds that carry a pod spec, and where it is.
pub const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// True when a document looks like a Kubernetes object.
pub fn is_object(n: &Node) -> bool {
    matches!(
        n.get("apiVersion").map(|v| &v.value),
        Some(Value::String(_))
    ) && matches!(n.get("kind").map(|v| &v.value), Some(Value::String(_)))
}

fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        k if WORKLOAD_KINDS.contains(&k) => &["spec", "template", "spec"],
        _ => return None,
    })
}

/// The objects of one YAML/JSON document (a `kind: List` yields its items). The document
/// is taken by value: each object becomes a resource body without a copy.
pub fn objects(root: Node, file: usize, group: usize, out: &mut Vec<Resource>) {
    if !is_object(&root) {
        return;
    }
    let kind = root
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or_default()
        .to_string();
    if kind == "List" || kind.ends_with("List") {
        let Value::Map(entries) = root.value else {
            return;
        };
        for (k, v) in entries {
            if k.name == "items" {
                if let Value::List(items) = v.value {
                    for item in items {
                        objects(item, file, group, out);
                    }
                }
                break;
            }
        }
        return;
    }
    let meta = root.get("metadata");
    let name_node = meta.and_then(|m| m.get("name"));
    let name = name_node
        .and_then(|n| n.scalar_text())
        .unwrap_or_else(|| "<unnamed>".into());
    let namespace = meta
        .and_then(|m| m.get("namespace"))
        .and_then(|n| n.scalar_text());
    let address = match &namespace {
        Some(ns) => format!("{kind}/{ns}/{name}"),
        None => format!("{kind}/{name}"),
    };
    let anchor = name_node
        .map(|n| n.span)
        .or_else(|| root.get("kind").map(|k| k.span))
        .unwrap_or(root.span);
    let (pod_spec_path, partial) = match pod_spec_path(&kind) {
        Some(path) => {
            let has_containers = root
                .get_path(path)
                .and_then(|s| s.get("containers"))
                .is_some_and(|c| matches!(c.value, Value::List(_)));
            (Some(path), !has_containers)
        }
        None => (None, false),
    };
    out.push(Resource {
        file,
        framework: Framework::Kubernetes,
        rtype: kind,
        address,
        ref_name: name,
        anchor,
        span: root.span,
        body: root,
        pod_spec_path,
        partial,
        group,
        context: Vec::new(),
    });
}
