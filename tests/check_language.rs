//! Check files: mistakes are reported with the line and column in the YAML file.

use guardrail::checks::load_check;

const HEAD: &str =
    "id: test-check\ntitle: T\nseverity: high\ncategory: c\ndescription: D\nremediation: R\n";

fn errors(body: &str) -> Vec<(usize, usize, String)> {
    let text = format!("{HEAD}{body}");
    match load_check("checks/x/y/test-check.yaml", &text) {
        Ok(_) => vec![],
        Err(es) => es
            .into_iter()
            .map(|e| (e.line, e.column, e.message))
            .collect(),
    }
}

#[test]
fn a_valid_check_loads() {
    assert!(errors("terraform:\n  resource: [aws_s3_bucket]\n  assert: { attribute: acl, not_in: [public-read] }\n").is_empty());
}

#[test]
fn unknown_top_level_key() {
    let e = errors(
        "colour: red\nterraform:\n  resource: [a]\n  assert: { attribute: x, exists: true }\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (7, 1));
    assert!(e[0].2.contains("unknown key `colour`"));
}

#[test]
fn unknown_operator_points_at_it() {
    let e = errors("terraform:\n  resource: [a]\n  assert:\n    attribute: x\n    equalz: 1\n");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (11, 5));
    assert!(e[0].2.contains("unknown operator `equalz`"));
}

#[test]
fn bad_regex_points_at_the_pattern() {
    let e = errors(
        "kubernetes:\n  scope: container\n  assert: { attribute: image, matches: \"(unclosed\" }\n",
    );
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!((e[0].0, e[0].1), (9, 40));
    assert!(e[0].2.contains("invalid regular expression"));
}

#[test]
fn missing_fields_and_bad_severity() {
    let text = "id: Not_Kebab\ntitle: T\nseverity: severe\nterraform:\n  resource: [a]\n  assert: { attribute: x, exists: true }\n";
    let es = load_check("checks/x/y/z.yaml", text).unwrap_err();
    let msgs: Vec<&str> = es.iter().map(|e| e.message.as_str()).collect();
    assert!(msgs.iter().any(|m| m.contains("kebab-case")), "{msgs:?}");
    assert!(
        msgs.iter().any(|m| m.contains("unknown severity `severe`")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("missing required key `remediation`")),
        "{msgs:?}"
    );
}

#[test]
fn rule_without_assert_and_bad_scope() {
    let e = errors("kubernetes:\n  scope: node\n  assert: { attribute: x, exists: true }\n");
    assert!(e.iter().any(|e| e.2.contains("`scope` is one of")), "{e:?}");
    let e = errors("terraform:\n  resource: [a]\n");
    assert!(e.iter().any(|e| e.2.contains("needs an `assert`")), "{e:?}");
}
