#!/usr/bin/env bash
# A real pre-commit run against this checkout: the hook is installed the way users get it
# (pre-commit builds it with cargo), then exercised on a throwaway repository.
#   usage: .ci/pre-commit-test.sh   (needs python3; installs pre-commit into target/ci-venv)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
venv="$here/target/ci-venv"
[ -x "$venv/bin/pre-commit" ] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q pre-commit; }
export PRE_COMMIT_HOME="$here/target/pre-commit-home"
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
git init -q -b main
config() { printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: %s\ndata:\n  level: %s\n' "$1" "$2" > config.yaml; }
config prod info
git add config.yaml && git commit -q -m init

try() { "$venv/bin/pre-commit" try-repo "$here" guardrail "$@"; }
fail() { echo "pre-commit test failed: $*" >&2; exit 1; }

# 1. A staged insecure change fails the hook and prints the diagnostic.
printf 'resource "aws_s3_bucket" "site" {\n  acl = "public-read"\n}\n' > main.tf
git add main.tf
if out=$(try 2>&1); then fail "insecure staged change passed"; fi
grep -q 'error\[aws-s3-bucket-public-acl\]' <<<"$out" || fail "no diagnostic in: $out"
grep -q 'main.tf:2:9' <<<"$out" || fail "wrong location in: $out"
git rm -q --cached main.tf && rm main.tf

# 2. A clean change passes.
config prod debug
git add config.yaml
try >/dev/null 2>&1 || fail "clean change failed: $(try 2>&1)"

# 3. A clean staged file with an insecure unstaged edit passes (the index is judged).
config prod warn
git add config.yaml
config default warn
try >/dev/null 2>&1 || fail "unstaged insecure edit changed the verdict: $(try 2>&1)"
git checkout -q -- config.yaml && git commit -q -m clean

# 4. --all-files on a repository with a legacy finding fails.
printf 'resource "aws_s3_bucket" "legacy" {\n  acl = "public-read"\n}\n' > legacy.tf
git add legacy.tf && git commit -q --no-verify -m legacy
if out=$(try --all-files 2>&1); then fail "--all-files passed over a legacy finding"; fi
grep -q 'legacy.tf:2:9' <<<"$out" || fail "legacy finding not shown: $out"
echo "pre-commit: 4 passed, 0 failed"
