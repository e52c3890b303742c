//! JSON with spans (jsonc-parser's AST keeps byte ranges). Used for `.json` CloudFormation and
//! Kubernetes files and `.tf.json`; the YAML parser is not used for JSON because tab-indented
//! JSON, common in CloudFormation, is not valid YAML.

use jsonc_parser::ast;
use jsonc_parser::{CollectOptions, CommentCollectionStrategy, ParseOptions};

use super::{check_nesting, Limits, ParseError, SeenKeys};
use crate::model::{Key, Node, Span, Value};

/// Parses strict JSON (comments and trailing commas are errors).
pub fn parse(text: &str, limits: &Limits) -> Result<Node, ParseError> {
    check_nesting(text, limits.max_depth)?;
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let options = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    let result = jsonc_parser::parse_to_ast(text, &collect, &options).map_err(|e| {
        let r = e.range();
        ParseError::new(
            format!("invalid JSON: {}", e.kind()),
            Span::new(r.start, r.end),
        )
    })?;
    match result.value {
        Some(v) => convert(v),
        None => Err(ParseError::new("empty JSON document", Span::new(0, 0))),
    }
}

fn convert(v: ast::Value) -> Result<Node, ParseError> {
    Ok(match v {
        ast::Value::StringLit(s) => Node::new(Value::String(s.value.into_owned()), span(&s.range)),
        ast::Value::NumberLit(n) => {
            let value = n
                .value
                .parse::<f64>()
                .map(Value::Number)
                .unwrap_or(Value::String(n.value.to_string()));
            Node::new(value, span(&n.range))
        }
        ast::Value::BooleanLit(b) => Node::new(Value::Bool(b.value), span(&b.range)),
        ast::Value::NullKeyword(n) => Node::new(Value::Null, span(&n.range)),
        ast::Value::Array(a) => {
            let items = a
                .elements
                .into_iter()
                .map(convert)
                .collect::<Result<Vec<_>, _>>()?;
            Node::new(Value::List(items), span(&a.range))
        }
        ast::Value::Object(o) => {
            let whole = span(&o.range);
            let mut entries: Vec<(Key, Node)> = Vec::with_capacity(o.properties.len());
            let mut seen = SeenKeys::default();
            for p in o.properties {
                let (name, kspan) = match p.name {
                    ast::ObjectPropName::String(s) => (s.value.into_owned(), span(&s.range)),
                    ast::ObjectPropName::Word(w) => (w.value.to_string(), span(&w.range)),
                };
                if !seen.insert(&entries, &name) {
                    return Err(ParseError::new(
                        format!("duplicate key `{name}` in JSON object"),
                        kspan,
                    ));
                }
                entries.push((Key { name, span: kspan }, convert(p.value)?));
            }
            Node::new(Value::Map(entries), whole)
        }
    })
}

fn span(r: &jsonc_parser::common::Range) -> Span {
    Span::new(r.start, r.end)
}

/// True when the text is JSON with comments (JSONC): it fails as JSON, but parses once
/// comments are allowed. Such files (editor settings) are not infrastructure-as-code.
pub fn parses_with_comments(text: &str) -> bool {
    let collect = CollectOptions {
        comments: CommentCollectionStrategy::Off,
        tokens: false,
    };
    let options = ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..ParseOptions::default()
    };
    text.contains("/") && jsonc_parser::parse_to_ast(text, &collect, &options).is_ok()
}
