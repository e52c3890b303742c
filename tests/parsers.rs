//! Parsers keep exact byte spans and never panic on bad input.

use guardrail::model::{Expr, LineIndex, Node, Value};
use guardrail::parse::{hcl, json, yaml, Limits};

fn text_of<'a>(src: &'a str, n: &Node) -> &'a str {
    &src[n.span.start..n.span.end]
}

#[test]
fn hcl_spans_for_blocks_attributes_and_nested_blocks() {
    let src = "resource \"aws_security_group\" \"web\" {\n  ingress {\n    cidr_blocks = [\"10.0.0.0/8\", \"0.0.0.0/0\"]\n  }\n  ingress {\n    from_port = 22\n  }\n}\n";
    let (blocks, _) = hcl::parse(src, &Limits::default()).unwrap();
    assert_eq!(
        &src[blocks[0].header.start..blocks[0].header.end],
        "resource \"aws_security_group\" \"web\""
    );
    let ingress = blocks[0].body.get("ingress").unwrap().as_list().unwrap();
    assert_eq!(ingress.len(), 2, "repeated blocks are a list");
    let cidrs = ingress[0].get("cidr_blocks").unwrap().as_list().unwrap();
    assert_eq!(text_of(src, &cidrs[1]), "\"0.0.0.0/0\"");
    assert_eq!(
        ingress[1].get("from_port").unwrap().value,
        Value::Number(22.0)
    );
}

#[test]
fn hcl_repeated_blocks_merge_in_small_and_large_bodies() {
    // Past 16 entries the body indexes names with a map instead of scanning: both must merge
    // a repeated block into the list of its first occurrence, wherever it repeats.
    for distinct in [3usize, 40] {
        let mut src = String::from("resource \"aws_security_group\" \"web\" {\n");
        src.push_str("  ingress {\n    from_port = 1\n  }\n");
        for i in 0..distinct {
            src.push_str(&format!(
                "  attr_{i} = {i}\n  block_{i} {{\n    n = {i}\n  }}\n"
            ));
        }
        src.push_str("  ingress {\n    from_port = 2\n  }\n  block_1 {\n    n = 100\n  }\n}\n");
        let (blocks, _) = hcl::parse(&src, &Limits::default()).unwrap();
        let body = &blocks[0].body;
        let ingress = body.get("ingress").unwrap().as_list().unwrap();
        assert_eq!(ingress.len(), 2, "{distinct} distinct blocks");
        assert_eq!(
            ingress[1].get("from_port").unwrap().value,
            Value::Number(2.0)
        );
        let b1 = body.get("block_1").unwrap().as_list().unwrap();
        assert_eq!(b1.len(), 2, "{distinct} distinct blocks");
        assert_eq!(b1[1].get("n").unwrap().value, Value::Number(100.0));
        let last = format!("block_{}", distinct - 1);
        assert_eq!(body.get(&last).unwrap().as_list().unwrap().len(), 1);
        let Value::Map(entries) = &body.value else {
            panic!("a body is a map")
        };
        assert_eq!(
            entries.len(),
            1 + 2 * distinct,
            "one entry per distinct name"
        );
    }
}

#[test]
fn hcl_references_stay_symbolic() {
    let src = "resource \"aws_s3_bucket_acl\" \"a\" {\n  bucket = aws_s3_bucket.b.id\n  acl = var.acl\n  x = \"${local.p}-x\"\n  y = lower(data.aws_caller_identity.me.id)\n}\n";
    let (blocks, _) = hcl::parse(src, &Limits::default()).unwrap();
    let body = &blocks[0].body;
    let refs = |key: &str| {
        let mut r = Vec::new();
        body.get(key).unwrap().collect_refs(&mut r);
        r
    };
    let bucket = body.get("bucket").unwrap();
    assert!(
        matches!(&bucket.value, Value::Expr(Expr::Traversal { steps, .. }) if steps.len() == 2),
        "{bucket:?}"
    );
    assert_eq!(text_of(src, bucket), "aws_s3_bucket.b.id");
    assert_eq!(refs("bucket"), vec!["aws_s3_bucket.b".to_string()]);
    assert!(matches!(body.get("acl").unwrap().value, Value::Expr(_)));
    assert!(refs("acl").is_empty(), "variables are not resources");
    assert!(matches!(
        body.get("x").unwrap().value,
        Value::Expr(Expr::Template(_))
    ));
    match &body.get("y").unwrap().value {
        Value::Expr(Expr::Call(c)) => {
            assert_eq!(c.name, "lower");
            assert_eq!(text_of(src, &c.args[0]), "data.aws_caller_identity.me.id");
        }
        v => panic!("{v:?}"),
    }
    assert_eq!(refs("y"), vec!["data.aws_caller_identity.me".to_string()]);
}

#[test]
fn yaml_spans_are_bytes_even_after_multibyte_characters() {
    let src = "# é ü\nname: \"wört\"\nimage: nginx # trailing\n";
    let docs = yaml::parse(src, &Limits::default()).unwrap();
    let root = &docs[0].root;
    assert_eq!(text_of(src, root.get("name").unwrap()), "\"wört\"");
    assert_eq!(text_of(src, root.get("image").unwrap()), "nginx");
}

#[test]
fn yaml_cloudformation_tags_become_long_form() {
    let src = "A: !Ref Param\nB: !GetAtt Res.Arn\nC: !Sub \"x-${Y}\"\n";
    let docs = yaml::parse(src, &Limits::default()).unwrap();
    let root = &docs[0].root;
    assert_eq!(
        root.get("A").unwrap().get("Ref").unwrap().as_str(),
        Some("Param")
    );
    let getatt = root
        .get("B")
        .unwrap()
        .get("Fn::GetAtt")
        .unwrap()
        .as_list()
        .unwrap();
    assert_eq!(getatt[0].as_str(), Some("Res"));
    assert_eq!(text_of(src, root.get("C").unwrap()), "!Sub \"x-${Y}\"");
}

#[test]
fn yaml_duplicate_keys_are_errors_with_a_location() {
    let src = "a: 1\nb: 2\na: 3\n";
    let e = yaml::parse(src, &Limits::default()).unwrap_err();
    assert!(e.message.contains("duplicate key `a`"));
    assert_eq!(e.span.start, 10);
}

#[test]
fn yaml_alias_bomb_is_stopped() {
    let mut src = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let prev = i - 1;
        src.push_str(&format!("a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
    }
    let e = yaml::parse(&src, &Limits::default()).unwrap_err();
    assert!(e.message.contains("alias"), "{}", e.message);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep_yaml = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = yaml::parse(&deep_yaml, &Limits::default()).unwrap_err();
    assert!(
        e.message.contains("nesting") || e.message.contains("recursion limit"),
        "{}",
        e.message
    );
    let deep_json = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(json::parse(&deep_json, &Limits::default())
        .unwrap_err()
        .message
        .contains("nesting"));
    let deep_hcl = format!("x = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    assert!(hcl::parse(&deep_hcl, &Limits::default())
        .unwrap_err()
        .message
        .contains("nesting"));
}

#[test]
fn json_keeps_spans_with_tabs_and_rejects_duplicates() {
    let src = "{\n\t\"a\": {\n\t\t\"b\": true\n\t}\n}";
    let root = json::parse(src, &Limits::default()).unwrap();
    let b = root.get("a").unwrap().get("b").unwrap();
    assert_eq!(text_of(src, b), "true");
    let lines = LineIndex::new(src);
    assert_eq!(
        lines.position(src, b.span.start),
        (3, 8),
        "a tab is one column"
    );
    assert!(json::parse("{\"a\": 1, \"a\": 2}", &Limits::default())
        .unwrap_err()
        .message
        .contains("duplicate"));
}

#[test]
fn line_index_handles_crlf_and_lone_cr() {
    let src = "a\r\nbb\rccc\nd";
    let l = LineIndex::new(src);
    assert_eq!(l.position(src, 3), (2, 1));
    assert_eq!(l.position(src, 4), (2, 2));
    assert_eq!(l.position(src, 6), (3, 1));
    assert_eq!(l.position(src, 10), (4, 1));
}

#[test]
fn garbage_never_panics() {
    let inputs: Vec<String> = vec![
        String::new(),
        "\u{0}\u{0}\u{0}".into(),
        "{".into(),
        "resource \"a\" {".into(),
        "- [ : }".into(),
        "key: 'unterminated".into(),
        "\t\tx: 1".into(),
        "*undefined".into(),
        "!Ref".into(),
        "a: !GetAtt".into(),
        "${".into(),
        "x = <<EOT\nabc".into(),
    ];
    for s in &inputs {
        let _ = yaml::parse(s, &Limits::default());
        let _ = json::parse(s, &Limits::default());
        let _ = hcl::parse(s, &Limits::default());
    }
}
