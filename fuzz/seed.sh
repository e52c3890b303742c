#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the repository's fixtures, checks and docs (run from fuzz/).
set -euo pipefail
cd "$(dirname "$0")"
root=..
seed() { # target, files...
    local t=$1; shift
    mkdir -p "corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "corpus/$t/$(echo "${f#$root/}" | tr '/' '_')"
    done
}
shopt -s globstar nullglob
seed terraform $root/fixtures/**/*.tf $root/fixtures/**/*.tfvars
seed kubernetes_yaml $root/fixtures/**/*.k8s.yaml $root/fixtures/**/*k8s*.yml
seed cloudformation_yaml $root/fixtures/**/*.cfn.yaml $root/fixtures/**/*.template
seed cloudformation_json $root/fixtures/**/*.json
seed check_file $root/checks/**/*.yaml
seed config_file $root/fixtures/**/.guardrail.yaml $root/tests/**/*.guardrail.yaml
seed suppress_lexer $root/fixtures/**/*.tf $root/fixtures/**/*.yaml
seed renderers $root/fixtures/**/fail.tf
# Real index files (versions 2, 3 and 4, with a cache tree), from a scratch repository.
mkdir -p corpus/git_index
tmp=$(mktemp -d)
(
    cd "$tmp" && git init -q && mkdir -p a/b c && echo x >a/b/f.tf && echo y >c/g.yaml && echo z >top.tf
    git add -A && git -c user.name=f -c user.email=f@e.invalid commit -qm seed
    echo w >>a/b/f.tf && git add a/b/f.tf
) >/dev/null
for v in 2 3 4; do
    git -C "$tmp" update-index --index-version "$v"
    cp "$tmp/.git/index" "corpus/git_index/index-v$v"
done
rm -rf "$tmp"
# A configuration seed with every key, so the fuzzer starts from valid structure.
mkdir -p corpus/config_file
cat > corpus/config_file/full.yaml <<'YAML'
packs:
  - builtin
  - git: https://github.com/acme/security-guardrails.git
    rev: v3.2.0
  - path: ../platform-checks
checks: .guardrail/checks
fixtures: .guardrail/fixtures
exclude: ["vendor/**"]
fail-on: high
disable: [k8s-missing-probes]
severity: { k8s-image-latest-tag: high }
baseline: .guardrail-baseline.json
limits: { max-file-size: 10MiB, max-depth: 200, max-alias-nodes: 1000, max-documents: 10, max-regex-size: 65536, max-eval-depth: 64 }
waivers:
  - check: aws-s3-bucket-logging
    paths: ["legacy/**"]
    resources: ["aws_s3_bucket.old_logs"]
    reason: logs go to the central bucket
    owner: team-storage
    expires: 2027-03-01
YAML
for t in corpus/*; do echo "$t: $(ls "$t" | wc -l) seeds"; done
