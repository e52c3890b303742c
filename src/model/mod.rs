//! The one spanned document model every format is parsed into and every check reads.

pub mod expr;
pub mod lines;

use serde::{Deserialize, Serialize};

pub use expr::Expr;
pub use lines::LineIndex;

/// A byte range in a source file.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }
    pub fn from_range(r: std::ops::Range<usize>) -> Span {
        Span::new(r.start, r.end)
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// A key in a map, with the span of the key text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Key {
    pub name: String,
    pub span: Span,
}

/// A value that could not be computed statically, with what it refers to.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Unknown {
    /// A short description of the expression, for `--show-unknown` notes.
    pub text: String,
    /// Addresses of resources the expression refers to (`aws_s3_bucket.logs`, a CloudFormation
    /// logical id), used by cross-resource tests.
    pub refs: Vec<String>,
}

/// The value of a node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<Node>),
    Map(Vec<(Key, Node)>),
    /// Not statically known. (Boxed: it is the largest variant, and rare in a parse tree.)
    Unknown(Box<Unknown>),
    /// Not yet evaluated (Terraform module context needed).
    Expr(Expr),
}

/// A value with the byte span it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// What evaluation learnt about the value; `None` for almost every node.
    pub meta: Option<Box<Meta>>,
}

/// Facts about an evaluated value that are not part of the value itself.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Meta {
    /// Declared `sensitive` (or derived from such a value): never printed.
    pub sensitive: bool,
    /// The span is in this source file rather than the resource's own file (a policy
    /// statement written in a `data` block or a `locals` block of another file).
    pub file: Option<usize>,
    /// Module call arguments the value was passed through, innermost first: (file, span).
    pub via: Vec<(usize, Span)>,
    /// The structure a string was encoded from or decodes to (a policy document given as
    /// `jsonencode({…})`, a heredoc or JSON string, or `aws_iam_policy_document`): paths
    /// in checks walk into it.
    pub structured: Option<Node>,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            meta: None,
        }
    }

    /// The metadata, created on first use.
    pub fn meta_mut(&mut self) -> &mut Meta {
        self.meta.get_or_insert_with(Default::default)
    }

    /// True when the value (or something it was computed from) is sensitive.
    pub fn is_sensitive(&self) -> bool {
        self.meta.as_ref().is_some_and(|m| m.sensitive)
    }

    /// The decoded structure of an encoded document, if known.
    pub fn structured(&self) -> Option<&Node> {
        self.meta.as_ref().and_then(|m| m.structured.as_ref())
    }

    pub fn unknown(text: impl Into<String>, refs: Vec<String>, span: Span) -> Node {
        Node::new(
            Value::Unknown(Box::new(Unknown {
                text: text.into(),
                refs,
            })),
            span,
        )
    }

    /// The entry for `key` if this node is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The key entry (key and value) for `key`.
    pub fn get_entry(&self, key: &str) -> Option<(&Key, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a dotted path of map keys.
    /// Drops every map entry that is not on one of `paths`; the subtree at the end of a path
    /// is kept whole. Used to shrink a resource body to what later stages still read.
    pub fn retain_paths(&mut self, paths: &[&[&str]]) {
        if paths.iter().any(|p| p.is_empty()) {
            return;
        }
        match &mut self.value {
            Value::Map(entries) => {
                entries.retain_mut(|(k, v)| {
                    let sub: Vec<&[&str]> = paths
                        .iter()
                        .filter(|p| p[0] == k.name)
                        .map(|p| &p[1..])
                        .collect();
                    if sub.is_empty() {
                        return false;
                    }
                    v.retain_paths(&sub);
                    true
                });
                entries.shrink_to_fit();
            }
            // Nothing on a path goes through a list or a scalar.
            _ => self.value = Value::Null,
        }
        self.meta = None;
    }

    pub fn get_path(&self, path: &[&str]) -> Option<&Node> {
        let mut cur = self;
        for p in path {
            cur = cur.get(p)?;
        }
        Some(cur)
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.value {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown(_) | Value::Expr(_))
    }

    /// The canonical text of a scalar (`true`, `22`, `abc`), used for comparisons.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            _ => None,
        }
    }

    /// Every resource address this node (and its children) refers to.
    pub fn collect_refs(&self, out: &mut Vec<String>) {
        match &self.value {
            Value::Unknown(u) => out.extend(u.refs.iter().cloned()),
            Value::List(l) => l.iter().for_each(|n| n.collect_refs(out)),
            Value::Map(m) => m.iter().for_each(|(_, n)| n.collect_refs(out)),
            Value::Expr(e) => e.collect_refs(out),
            _ => {}
        }
    }
}

/// Formats a number as Terraform and YAML users write it: `22`, not `22.0`.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The infrastructure language of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Framework {
    Terraform,
    Kubernetes,
    CloudFormation,
}

impl Framework {
    pub fn as_str(self) -> &'static str {
        match self {
            Framework::Terraform => "terraform",
            Framework::Kubernetes => "kubernetes",
            Framework::CloudFormation => "cloudformation",
        }
    }
    pub fn parse(s: &str) -> Option<Framework> {
        match s {
            "terraform" | "tf" => Some(Framework::Terraform),
            "kubernetes" | "k8s" => Some(Framework::Kubernetes),
            "cloudformation" | "cfn" => Some(Framework::CloudFormation),
            _ => None,
        }
    }
    pub const ALL: [Framework; 3] = [
        Framework::Terraform,
        Framework::Kubernetes,
        Framework::CloudFormation,
    ];
}

/// Where a missing-attribute finding points and how the resource is named.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Index of the source file in the scan.
    pub file: usize,
    pub framework: Framework,
    /// Terraform block type (`aws_s3_bucket`, `data.aws_iam_policy_document`), CloudFormation
    /// `Type`, Kubernetes `kind`.
    pub rtype: String,
    /// `aws_s3_bucket.logs`, `Resources.LogsBucket`, `Deployment/prod/web`.
    pub address: String,
    /// The name other resources use to refer to this one (Terraform address, CloudFormation
    /// logical id, Kubernetes name).
    pub ref_name: String,
    /// The resource header / logical-id key / `metadata.name` value.
    pub anchor: Span,
    /// The whole resource.
    pub span: Span,
    /// The resource body: Terraform block body, CloudFormation resource entry, Kubernetes object.
    pub body: Node,
    /// Kubernetes: where the pod spec is in `body`, if this object has one (a path rather
    /// than a copy: the pod spec is most of a workload, and resources are kept until the
    /// report is written). Read it with [`Resource::pod_spec`].
    pub pod_spec_path: Option<&'static [&'static str]>,
    /// Kubernetes: a workload without containers (a patch): "missing" findings are dropped.
    pub partial: bool,
    /// Group of resources that can refer to each other (module directory, template file).
    pub group: usize,
    /// Context every finding on this resource carries (e.g. the module call that created it):
    /// (file index, span, label).
    pub context: Vec<(usize, Span, String)>,
}

impl Resource {
    /// Kubernetes: the pod spec, if this object has one.
    pub fn pod_spec(&self) -> Option<&Node> {
        self.pod_spec_path.and_then(|p| self.body.get_path(p))
    }
}
