//! Terraform evaluation through the CLI: module calls, `count`/`for_each`, dynamic blocks,
//! functions, expressions, policy documents, variable precedence, cycles and sensitive
//! values. Fixture trees live under `fixtures/_terraform/`; their `# expect:` comments
//! must match the findings exactly (file, line, column when given, check id).

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{guardrail, repo, scan_json, tree};
use guardrail::testing::{parse_expect_comments, Expectation};
use serde_json::Value;

/// Real findings (not unknown notes) as (check, file, line, column).
fn findings(v: &Value) -> Vec<(String, String, u64, u64)> {
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "finding")
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Resource addresses of the real findings of one check, sorted.
fn resources_of(v: &Value, check: &str) -> Vec<String> {
    let mut out: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "finding" && f["check_id"] == check)
        .map(|f| f["resource"].as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

fn unknowns(v: &Value) -> Vec<&Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "unknown")
        .collect()
}

fn collect_expectations(dir: &Path, out: &mut Vec<Expectation>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect_expectations(&p, out);
        } else if p.extension().is_some_and(|e| e == "tf") {
            let rel = p
                .strip_prefix(repo())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.extend(parse_expect_comments(
                &rel,
                &std::fs::read_to_string(&p).unwrap(),
            ));
        }
    }
}

/// Scans `fixtures/_terraform/<name>` and asserts that the findings are exactly the
/// `# expect:` comments of its files.
fn assert_expected(name: &str, args: &[&str]) -> Value {
    let dir = format!("fixtures/_terraform/{name}");
    let mut all = vec![dir.as_str()];
    all.extend_from_slice(args);
    let (code, v) = scan_json(repo(), &all);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v}");
    let mut expected = Vec::new();
    collect_expectations(&repo().join(&dir), &mut expected);
    let mut missing = expected.clone();
    let mut unexpected = Vec::new();
    for f in findings(&v) {
        let hit = missing.iter().position(|e| {
            e.check == f.0
                && e.file == f.1
                && e.line as u64 == f.2
                && e.column.is_none_or(|c| c as u64 == f.3)
        });
        match hit {
            Some(i) => {
                missing.remove(i);
            }
            None => unexpected.push(f),
        }
    }
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "{name}: missing {missing:#?}\nunexpected {unexpected:#?}"
    );
    assert_eq!(code, if expected.is_empty() { 0 } else { 1 });
    v
}

#[test]
fn module_calls_report_in_the_child_with_the_call_site() {
    let v = assert_expected("modules", &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(
        resources_of(&v, "aws-s3-bucket-public-acl"),
        vec![
            "aws_s3_bucket.from_output",
            "module.per_team[\"analytics\"].aws_s3_bucket.this",
            "module.public_site.aws_s3_bucket.this",
            "module.replicas.aws_s3_bucket.this",
            "module.wrapped.module.inner.aws_s3_bucket.this",
        ]
    );
    // Four findings on one line of the child, from four calls: four fingerprints.
    let prints: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(prints.len(), 5);

    // SARIF: the call site and the argument that carried the value are related locations.
    let out = guardrail(repo())
        .args([
            "scan",
            "fixtures/_terraform/modules",
            "--check",
            "aws-s3-bucket-public-acl",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["locations"][0]["logicalLocations"][0]["name"]
                == "module.public_site.aws_s3_bucket.this"
        })
        .expect("a result for module.public_site");
    let related: Vec<(String, u64, String)> = result["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let loc = &r["physicalLocation"];
            (
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
                r["message"]["text"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let main = "fixtures/_terraform/modules/main.tf".to_string();
    assert!(
        related.contains(&(main.clone(), 7, "value comes from here".into())),
        "{related:?}"
    );
    assert!(
        related.contains(&(main, 4, "in module.public_site, called here".into())),
        "{related:?}"
    );

    // The human report shows the call site as a second snippet.
    let out = guardrail(repo())
        .args([
            "scan",
            "fixtures/_terraform/modules",
            "--check",
            "aws-s3-bucket-public-acl",
        ])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("::: fixtures/_terraform/modules/main.tf"),
        "{human}"
    );
    assert!(human.contains("in module.wrapped, called here"), "{human}");
    assert!(human.contains("in module.inner, called here"), "{human}");
}

#[test]
fn a_called_module_is_not_also_evaluated_on_its_own() {
    let files = [
        (
            "main.tf",
            "module \"site\" {\n  source = \"./child\"\n  acl    = \"public-read\"\n}\n",
        ),
        (
            "child/main.tf",
            "variable \"acl\" {}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n",
        ),
    ];
    let d = tree(&files);
    let args = ["--check", "aws-s3-bucket-public-acl", "--show-unknown"];
    let (code, v) = scan_json(d.path(), &args);
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        vec![(
            "aws-s3-bucket-public-acl".into(),
            "child/main.tf".into(),
            4,
            9
        )]
    );
    assert!(unknowns(&v).is_empty(), "no unknown-variant duplicate: {v}");

    // Scanned on its own, the child has only its defaults: the ACL is unknown.
    let mut alone = vec!["child"];
    alone.extend(args);
    let (code, v) = scan_json(d.path(), &alone);
    assert_eq!(code, 0);
    assert!(findings(&v).is_empty());
    let u = unknowns(&v);
    assert_eq!(u.len(), 1);
    assert!(u[0]["message"]
        .as_str()
        .unwrap()
        .contains("var.acl has no default"));
}

#[test]
fn modules_outside_the_scanned_path_are_followed() {
    let files = [
        (
            "examples/basic/main.tf",
            "module \"b\" {\n  source = \"../../\"\n  acl    = \"public-read\"\n}\n",
        ),
        (
            "main.tf",
            "variable \"acl\" {\n  default = \"private\"\n}\n\nresource \"aws_s3_bucket\" \"this\" {\n  acl = var.acl\n}\n",
        ),
    ];
    let d = tree(&files);
    let (code, v) = scan_json(
        d.path(),
        &["examples/basic", "--check", "aws-s3-bucket-public-acl"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        findings(&v),
        vec![("aws-s3-bucket-public-acl".into(), "main.tf".into(), 6, 9)]
    );
    assert_eq!(v["findings"][0]["resource"], "module.b.aws_s3_bucket.this");
}

#[test]
fn count_and_for_each_instances() {
    let v = assert_expected("count_for_each", &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(
        resources_of(&v, "aws-s3-bucket-public-acl"),
        vec![
            "aws_s3_bucket.first_public[0]",
            "aws_s3_bucket.identical",
            // Both instances fail alike: one finding about the block.
            "aws_s3_bucket.per_name",
            "aws_s3_bucket.per_team[\"web\"]",
            "aws_s3_bucket.unknown_count",
        ]
    );
}

#[test]
fn dynamic_blocks_expand_or_stay_unknown() {
    let checks = [
        "--check",
        "aws-security-group-ssh-open",
        "--check",
        "aws-ec2-imdsv2-required",
    ];
    assert_expected("dynamic", &checks);
    let mut args = vec!["fixtures/_terraform/dynamic", "--show-unknown"];
    args.extend(checks);
    let (_, v) = scan_json(repo(), &args);
    let undecided: BTreeSet<String> = unknowns(&v)
        .iter()
        .map(|u| u["resource"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        undecided,
        BTreeSet::from([
            "aws_instance.unknown_options".to_string(),
            "aws_security_group.unknown".to_string(),
        ]),
        "an unknown for_each is undecided, never absent"
    );
    for u in unknowns(&v) {
        assert!(
            u["message"].as_str().unwrap().contains("unknown for_each"),
            "{u}"
        );
    }
}

#[test]
fn functions() {
    assert_expected("functions", &["--check", "aws-s3-bucket-public-acl"]);
}

#[test]
fn expressions_and_workspace() {
    let v = assert_expected(
        "expressions",
        &["--check", "aws-s3-bucket-public-acl", "--workspace", "blue"],
    );
    assert!(resources_of(&v, "aws-s3-bucket-public-acl")
        .contains(&"aws_s3_bucket.workspace".to_string()));
    let (_, v) = scan_json(
        repo(),
        &[
            "fixtures/_terraform/expressions",
            "--check",
            "aws-s3-bucket-public-acl",
        ],
    );
    assert!(
        !resources_of(&v, "aws-s3-bucket-public-acl")
            .contains(&"aws_s3_bucket.workspace".to_string()),
        "terraform.workspace is `default` without --workspace"
    );
}

const MODULES_JSON: &str = r#"{"Modules":[{"Key":"","Source":"","Dir":"."},{"Key":"bucket","Source":"registry.terraform.io/terraform-aws-modules/s3-bucket/aws","Version":"4.1.0","Dir":".terraform/modules/bucket"},{"Key":"bucket.log","Source":"./modules/log","Dir":".terraform/modules/bucket/modules/log"}]}"#;

#[test]
fn downloaded_modules_resolve_through_modules_json() {
    let files = [
        (
            "main.tf",
            "module \"bucket\" {\n  source  = \"terraform-aws-modules/s3-bucket/aws\"\n  version = \"4.1.0\"\n  acl     = \"public-read\"\n}\n",
        ),
        (".terraform/modules/modules.json", MODULES_JSON),
        (
            ".terraform/modules/bucket/main.tf",
            "variable \"acl\" {\n  default = null\n}\n\nresource \"aws_s3_bucket\" \"this\" {\n  acl = var.acl\n}\n\nmodule \"log\" {\n  source = \"./modules/log\"\n}\n\nvariable \"unset\" {}\n\nresource \"aws_s3_bucket_acl\" \"unset\" {\n  acl = var.unset\n}\n",
        ),
        (
            ".terraform/modules/bucket/modules/log/main.tf",
            "resource \"aws_s3_bucket\" \"log\" {\n  acl = \"public-read-write\"\n}\n",
        ),
    ];
    let d = tree(&files);
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1);
    // Nobody edits a downloaded module: findings point at the call site in the repository.
    assert_eq!(
        findings(&v),
        vec![
            ("aws-s3-bucket-public-acl".into(), "main.tf".into(), 1, 1),
            ("aws-s3-bucket-public-acl".into(), "main.tf".into(), 4, 13),
        ]
    );
    assert_eq!(
        resources_of(&v, "aws-s3-bucket-public-acl"),
        vec![
            "module.bucket.aws_s3_bucket.this",
            "module.bucket.module.log.aws_s3_bucket.log",
        ]
    );
    let out = guardrail(d.path())
        .args(["scan", "--check", "aws-s3-bucket-public-acl"])
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&out.stdout);
    assert!(
        human.contains("::: .terraform/modules/bucket/main.tf"),
        "{human}"
    );
    assert!(human.contains("in the downloaded module"), "{human}");
    // Undecided checks inside the downloaded module are shown at the call site too.
    let (_, v) = scan_json(
        d.path(),
        &["--check", "aws-s3-bucket-public-acl", "--show-unknown"],
    );
    let u = unknowns(&v);
    assert_eq!(u.len(), 1, "{v}");
    assert_eq!(u[0]["file"], "main.tf");
    assert_eq!(u[0]["resource"], "module.bucket.aws_s3_bucket_acl.unset");

    // Without modules.json the call is unknown: no finding, no error.
    std::fs::remove_file(d.path().join(".terraform/modules/modules.json")).unwrap();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).is_empty());
    assert!(v["errors"].as_array().unwrap().is_empty());
}

/// The ACL detail of the one finding, or `None` when there is none.
fn acl_detail(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let mut c = guardrail(dir);
    c.args([
        "scan",
        "--check",
        "aws-s3-bucket-public-acl",
        "--format",
        "json",
    ])
    .args(args);
    for (k, val) in env {
        c.env(k, val);
    }
    let out = c.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["errors"].as_array().unwrap().is_empty(), "{v}");
    let f = v["findings"].as_array().unwrap();
    assert!(f.len() <= 1, "{v}");
    f.first().map(|f| f["detail"].as_str().unwrap().to_string())
}

#[test]
fn variable_precedence() {
    let d = tree(&[(
        "main.tf",
        "variable \"acl\" {\n  default = \"private\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n",
    )]);
    let p = d.path();
    let is = |v: &str| Some(format!("`acl` is \"{v}\""));
    assert_eq!(acl_detail(p, &[], &[]), None, "the default");
    let env = [("TF_VAR_acl", "public-read")];
    assert_eq!(
        acl_detail(p, &[], &env),
        is("public-read"),
        "TF_VAR_ beats the default"
    );
    std::fs::write(p.join("terraform.tfvars"), "acl = \"authenticated-read\"\n").unwrap();
    assert_eq!(
        acl_detail(p, &[], &env),
        is("authenticated-read"),
        "terraform.tfvars beats TF_VAR_"
    );
    std::fs::write(p.join("b.auto.tfvars"), "acl = \"public-read-write\"\n").unwrap();
    std::fs::write(p.join("a.auto.tfvars.json"), "{\"acl\": \"public-read\"}\n").unwrap();
    assert_eq!(
        acl_detail(p, &[], &env),
        is("public-read-write"),
        "*.auto.tfvars in lexical order"
    );
    std::fs::write(p.join("prod.tfvars"), "acl = \"public-read\"\n").unwrap();
    std::fs::write(p.join("safe.tfvars.json"), "{\"acl\": \"private\"}\n").unwrap();
    assert_eq!(
        acl_detail(p, &["--var", "acl=private"], &env),
        None,
        "--var beats files"
    );
    assert_eq!(
        acl_detail(
            p,
            &["--var", "acl=private", "--var-file", "prod.tfvars"],
            &env
        ),
        is("public-read"),
        "a later --var-file beats an earlier --var"
    );
    assert_eq!(
        acl_detail(
            p,
            &["--var-file", "prod.tfvars", "--var", "acl=private"],
            &env
        ),
        None,
        "a later --var beats an earlier --var-file"
    );
    assert_eq!(
        acl_detail(
            p,
            &[
                "--var-file",
                "prod.tfvars",
                "--var-file",
                "safe.tfvars.json"
            ],
            &env
        ),
        None,
        ".tfvars.json files, later wins"
    );

    // Complex types are read as HCL, as Terraform does.
    let d = tree(&[(
        "main.tf",
        "variable \"cidrs\" {\n  type = list(string)\n}\n\nresource \"aws_security_group_rule\" \"ssh\" {\n  type        = \"ingress\"\n  from_port   = 22\n  to_port     = 22\n  protocol    = \"tcp\"\n  cidr_blocks = var.cidrs\n}\n",
    )]);
    let (code, v) = scan_json(
        d.path(),
        &[
            "--check",
            "aws-security-group-ssh-open",
            "--var",
            "cidrs=[\"10.0.0.0/8\", \"0.0.0.0/0\"]",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        v["findings"][0]["detail"],
        "`cidr_blocks` contains \"0.0.0.0/0\""
    );

    // A malformed --var is a usage error.
    guardrail(p)
        .args(["scan", "--var", "novalue"])
        .assert()
        .code(2);
}

#[test]
fn sensitive_values_are_never_printed() {
    let d = tree(&[
        (
            "main.tf",
            "variable \"acl\" {\n  sensitive = true\n}\n\nvariable \"policy\" {\n  type      = string\n  sensitive = true\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n\nresource \"aws_iam_policy\" \"p\" {\n  policy = var.policy\n}\n",
        ),
        (
            "terraform.tfvars",
            "acl    = \"public-read\"\npolicy = <<EOT\n{\"Statement\": [{\"Sid\": \"TopSecretStatement\", \"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}\nEOT\n",
        ),
    ]);
    let args = [
        "--check",
        "aws-s3-bucket-public-acl",
        "--check",
        "aws-iam-policy-admin-access",
    ];
    let (code, v) = scan_json(d.path(), &args);
    assert_eq!(code, 1);
    let details: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["detail"].as_str().unwrap())
        .collect();
    assert_eq!(
        details,
        vec![
            "`acl` is (sensitive value)",
            "`Action` is (sensitive value)"
        ]
    );
    assert_eq!(
        findings(&v),
        vec![
            (
                "aws-iam-policy-admin-access".into(),
                "main.tf".into(),
                15,
                12
            ),
            ("aws-s3-bucket-public-acl".into(), "main.tf".into(), 11, 9),
        ]
    );
    for format in ["human", "json", "sarif"] {
        let out = guardrail(d.path())
            .args(["scan", "--format", format])
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("TopSecret"), "{format}: {text}");
        assert!(!text.contains("terraform.tfvars"), "{format}: {text}");
    }
}

#[test]
fn cycles_and_self_calls_end_with_a_note() {
    let d = tree(&[(
        "main.tf",
        "locals {\n  a = local.b\n  b = local.a\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = local.a\n}\n\nmodule \"again\" {\n  source = \"./\"\n}\n",
    )]);
    let start = std::time::Instant::now();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert!(start.elapsed().as_secs() < 20);
    assert_eq!(code, 0);
    let notes: Vec<&str> = v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("reference cycle through local.")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("module.again calls a module that contains it")),
        "{notes:?}"
    );
    assert_eq!(
        v["summary"]["resources"], 2,
        "the bucket and the module call, once"
    );
}

#[test]
fn evaluation_is_memoised() {
    // Each local refers to the previous one three times: 3^60 evaluations without a memo.
    let mut locals = String::from("locals {\n  l0 = \"public-read\"\n");
    for i in 1..=60 {
        let p = i - 1;
        locals.push_str(&format!(
            "  l{i} = local.l{p} == local.l{p} ? local.l{p} : \"private\"\n"
        ));
    }
    locals.push_str("}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = local.l60\n}\n");
    let d = tree(&[("main.tf", &locals)]);
    let start = std::time::Instant::now();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["detail"], "`acl` is \"public-read\"");
}

#[test]
fn reports_are_byte_identical_across_runs() {
    let run = || {
        guardrail(repo())
            .args([
                "scan",
                "fixtures/_terraform",
                "--format",
                "sarif",
                "--fail-on",
                "none",
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(run(), run());
}

/// A tree in the style of the terraform-aws-modules repositories: the module at the root,
/// a submodule, and `examples/` calling the module with `source = "../../"`.
#[test]
fn terraform_aws_modules_style_repository() {
    let (code, v) = scan_json(repo(), &["fixtures/_terraform/s3-bucket-module"]);
    assert_eq!(code, 1);
    let root = "fixtures/_terraform/s3-bucket-module";
    let got: Vec<(String, String, u64, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap().to_string(),
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches(root)
                    .to_string(),
                f["line"].as_u64().unwrap(),
                f["resource"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = |c: &str, f: &str, l: u64, r: &str| (c.to_string(), f.to_string(), l, r.to_string());
    assert_eq!(
        got,
        vec![
            // The example's policy, merged by compact() into the module's combined
            // aws_iam_policy_document through source_policy_documents, points where the
            // example wrote it.
            want(
                "aws-resource-policy-public-principal",
                "/examples/public-website/main.tf",
                14,
                "module.website.aws_s3_bucket_policy.this"
            ),
            // The website example: no encryption, logging or versioning resource, and a
            // public access block with every switch off.
            want(
                "aws-s3-bucket-encryption",
                "/main.tf",
                7,
                "module.website.aws_s3_bucket.this"
            ),
            want(
                "aws-s3-bucket-logging",
                "/main.tf",
                7,
                "module.s3_bucket.aws_s3_bucket.this"
            ),
            want(
                "aws-s3-bucket-logging",
                "/main.tf",
                7,
                "module.website.aws_s3_bucket.this"
            ),
            want(
                "aws-s3-bucket-public-access-block",
                "/main.tf",
                7,
                "module.website.aws_s3_bucket.this"
            ),
            want(
                "aws-s3-bucket-versioning",
                "/main.tf",
                7,
                "module.website.aws_s3_bucket.this"
            ),
            // `acl = var.acl == "null" ? null : var.acl` with the example's "public-read".
            want(
                "aws-s3-bucket-public-acl",
                "/main.tf",
                19,
                "module.website.aws_s3_bucket_acl.this"
            ),
            want(
                "aws-s3-bucket-public-access-block",
                "/main.tf",
                99,
                "module.website.aws_s3_bucket_public_access_block.this"
            ),
            want(
                "aws-s3-bucket-public-access-block",
                "/main.tf",
                100,
                "module.website.aws_s3_bucket_public_access_block.this"
            ),
            want(
                "aws-s3-bucket-public-access-block",
                "/main.tf",
                101,
                "module.website.aws_s3_bucket_public_access_block.this"
            ),
            want(
                "aws-s3-bucket-public-access-block",
                "/main.tf",
                102,
                "module.website.aws_s3_bucket_public_access_block.this"
            ),
            // The complete example's SNS notification submodule has no KMS key.
            want(
                "aws-sns-topic-encryption",
                "/modules/notification/main.tf",
                9,
                "module.s3_bucket.module.notification.aws_sns_topic.this"
            ),
        ]
    );
}

#[test]
fn runaway_evaluation_is_bounded() {
    let d = tree(&[(
        "main.tf",
        "locals {\n  cube = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : a + b + c]]]\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = length(local.cube) > 0 ? \"public-read\" : \"private\"\n}\n",
    )]);
    let start = std::time::Instant::now();
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert!(start.elapsed().as_secs() < 60, "took {:?}", start.elapsed());
    assert_eq!(code, 0, "{v}");
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n["message"]
        .as_str()
        .unwrap()
        .contains("evaluation stopped")));
}

#[test]
fn modules_outside_the_scanned_tree_are_not_read() {
    let d = tree(&[
        (
            "repo/main.tf",
            "module \"m\" {\n  source = \"../elsewhere\"\n  acl    = \"public-read\"\n}\n",
        ),
        (
            "elsewhere/main.tf",
            "variable \"acl\" {}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n",
        ),
    ]);
    let repo_dir = d.path().join("repo");
    let (code, v) = scan_json(&repo_dir, &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 0, "{v}");
    assert!(findings(&v).is_empty());
    assert!(v["notes"].as_array().unwrap().iter().any(|n| n["message"]
        .as_str()
        .unwrap()
        .contains("outside the scanned tree")));
    // Named on the command line, the directory is part of the scan.
    let (code, v) = scan_json(
        &repo_dir,
        &[".", "../elsewhere", "--check", "aws-s3-bucket-public-acl"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["findings"][0]["resource"], "module.m.aws_s3_bucket.b");
}

/// Modules are evaluated in components joined by a prescan of their sources; a call the
/// prescan cannot read (an escaped source) still makes the called directory a module of its
/// caller, not a root of its own.
#[test]
fn a_call_the_prescan_does_not_read_is_still_followed() {
    let d = tree(&[
        (
            "live/main.tf",
            "module \"m\" {\n  source = \"\\u002e/mod\"\n  acl    = \"public-read\"\n}\n",
        ),
        (
            "live/mod/main.tf",
            "variable \"acl\" {\n  default = \"private\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n",
        ),
    ]);
    let (code, v) = scan_json(d.path(), &["--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        findings(&v),
        vec![(
            "aws-s3-bucket-public-acl".to_string(),
            "live/mod/main.tf".to_string(),
            6,
            9
        )]
    );
    assert_eq!(v["findings"][0]["resource"], "module.m.aws_s3_bucket.b");
}

/// A module outside the scanned paths that calls back into them: the scanned module is
/// evaluated on its own (a root) and through the call.
#[test]
fn a_loaded_module_calling_back_into_the_scanned_tree_reaches_it() {
    let d = tree(&[
        (
            "live/app/main.tf",
            "module \"wrap\" {\n  source = \"../../shared/wrap\"\n}\n",
        ),
        (
            "shared/wrap/main.tf",
            "module \"inner\" {\n  source = \"../../live/bucket\"\n  acl    = \"public-read\"\n}\n",
        ),
        (
            "live/bucket/main.tf",
            "variable \"acl\" {\n  default = \"private\"\n}\n\nresource \"aws_s3_bucket\" \"b\" {\n  acl = var.acl\n}\n",
        ),
    ]);
    let (code, v) = scan_json(d.path(), &["live", "--check", "aws-s3-bucket-public-acl"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(
        findings(&v),
        vec![(
            "aws-s3-bucket-public-acl".to_string(),
            "live/bucket/main.tf".to_string(),
            6,
            9
        )]
    );
    assert_eq!(
        v["findings"][0]["resource"],
        "module.wrap.module.inner.aws_s3_bucket.b"
    );
}

/// A module called from two roots, with `count`: one finding per call, whatever the path of
/// the checkout (finding fingerprints depend on it, and once decided how instances merged).
#[test]
fn instances_of_a_module_called_twice_merge_per_call_whatever_the_checkout_path() {
    let module = "resource \"aws_rds_cluster_instance\" \"aurora\" {\n  count               = 2\n  identifier          = \"db-${count.index}\"\n  cluster_identifier  = \"c\"\n  instance_class      = \"db.r6g.large\"\n  engine              = \"aurora-postgresql\"\n  publicly_accessible = true\n}\n";
    let one = "module \"db\" {\n  source = \"../../../modules/db\"\n}\n";
    let two = "locals {\n  x = 1\n}\n\nmodule \"db\" {\n  source = \"../../../modules/db\"\n}\n";
    let prefixes = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff", "g-7", "h_8"];
    let mut files = Vec::new();
    for p in prefixes {
        files.push((format!("{p}/modules/db/main.tf"), module));
        files.push((format!("{p}/live/dev/one/main.tf"), one));
        files.push((format!("{p}/live/prod/two/main.tf"), two));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let d = tree(&files);
    for p in prefixes {
        let (code, v) = scan_json(d.path(), &[p, "--check", "aws-rds-public-access"]);
        assert_eq!(code, 1, "{v}");
        let got: Vec<(String, u64, u64, String)> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["file"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["resource"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want = (
            format!("{p}/modules/db/main.tf"),
            7,
            25,
            "module.db.aws_rds_cluster_instance.aurora".to_string(),
        );
        assert_eq!(got, vec![want.clone(), want], "under {p}/");
    }
}
