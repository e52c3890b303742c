#!/usr/bin/env bash
# The action's scan: one guardrail run over the event's scope writes the annotations (log),
# the job summary and the exit status; the SARIF for code scanning always comes from a full
# scan of the repository (an upload replaces the category's earlier results, so a diff-only
# upload would close every alert outside the diff as "fixed").
#
# Scope: pull_request → `guardrail diff` from the pull request's base commit to HEAD; push →
# the pushed range (before..HEAD); anything else, or a new branch → a full scan, which then
# also writes the SARIF in the same run.
#
#   in:  INPUT_PATHS INPUT_SCOPE INPUT_FAIL_ON INPUT_CONFIG INPUT_SARIF_FILE INPUT_UPLOAD_SARIF
#        INPUT_CATEGORY INPUT_ARGS, EVENT_NAME PR_BASE_SHA PR_HEAD_REPO PUSH_BEFORE, and the
#        runner's GITHUB_* / RUNNER_TEMP variables. Inputs arrive through the environment,
#        never through expressions in this script.
#   out: findings, sarif-file, status (0 pass, 1 findings at or above fail-on, 2 failure),
#        upload (whether to upload the SARIF)
set -euo pipefail

notice() { printf '::notice title=guardrail::%s\n' "$1"; }
error() { printf '::error title=guardrail::%s\n' "$1"; }
# Prints guardrail's stderr (notes, file names) with workflow commands switched off, so that
# nothing read from the repository can pose as a command.
replay_stderr() {
  [ -s "$1" ] || return 0
  local token
  token=guardrail-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  echo "::stop-commands::$token"
  cat "$1"
  echo "::$token::"
}
is_sha() { [[ $1 =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]]; }

tmp=$(mktemp -d "${RUNNER_TEMP:-/tmp}/guardrail.XXXXXX")
sarif=${INPUT_SARIF_FILE:-}
[ -n "$sarif" ] || sarif="${RUNNER_TEMP:-$tmp}/guardrail.sarif"
mkdir -p "$(dirname "$sarif")"
# Outputs are written once, on every way out; until a run says otherwise the status is 2.
findings="" upload=false status=2
write_outputs() {
  printf 'findings=%s\nsarif-file=%s\nstatus=%s\nupload=%s\n' \
    "$findings" "$sarif" "$status" "$upload" >> "$GITHUB_OUTPUT"
}
trap write_outputs EXIT

# Word lists from the inputs (split on whitespace, never glob-expanded or evaluated).
read -r -d '' -a paths < <(printf '%s' "${INPUT_PATHS:-}") || true
read -r -d '' -a extra < <(printf '%s' "${INPUT_ARGS:-}") || true
common=()
[ -z "${INPUT_CONFIG:-}" ] || common+=(--config "$INPUT_CONFIG")
common+=(--sarif-category "${INPUT_CATEGORY:-guardrail/}")
if [ "${#extra[@]}" -gt 0 ]; then common+=("${extra[@]}"); fi
fail_on=()
[ -z "${INPUT_FAIL_ON:-}" ] || fail_on=(--fail-on "$INPUT_FAIL_ON")
scope=${INPUT_SCOPE:-lines}
case "$scope" in
  lines | files | all) ;;
  *) error "input scope must be lines, files or all, not '$scope'"; exit 0 ;;
esac

head=$(git rev-parse HEAD)
link=(--link-base "${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/blob/$head")

# What to compare with.
base=""
describe=""
case "${EVENT_NAME:-}" in
  pull_request | pull_request_target)
    base=${PR_BASE_SHA:-}
    is_sha "$base" || { error "the pull_request event has no base commit"; exit 0; }
    if ! git cat-file -e "$base^{commit}" 2>/dev/null; then
      error "the pull request's base commit $base is not in this checkout: check out the full history (actions/checkout with fetch-depth: 0)"
      exit 0
    fi
    describe="what this pull request changes (\`--scope $scope\` against ${base:0:12})"
    ;;
  push)
    before=${PUSH_BEFORE:-}
    if is_sha "$before" && [[ ! $before =~ ^0+$ ]]; then
      if git cat-file -e "$before^{commit}" 2>/dev/null; then
        base=$before
        describe="what this push changes (\`--scope $scope\` against ${base:0:12})"
      elif [ "$(git rev-parse --is-shallow-repository)" = true ]; then
        error "the commit before this push ($before) is not in this checkout: check out the full history (actions/checkout with fetch-depth: 0)"
        exit 0
      else
        notice "the commit before this push ($before) is gone (a force push?): scanning everything"
      fi
    fi
    ;;
esac

if [ -n "$base" ]; then
  set +e
  guardrail diff --base "$base" --head HEAD --scope "$scope" ${paths[@]+"${paths[@]}"} "${common[@]}" \
    ${fail_on[@]+"${fail_on[@]}"} "${link[@]}" --format github \
    --report markdown="$tmp/summary.md" --report json="$tmp/report.json" 2> "$tmp/stderr"
  status=$?
  set -e
  replay_stderr "$tmp/stderr"
  # The full scan for code scanning; findings never fail it (the diff decides).
  set +e
  guardrail scan ${paths[@]+"${paths[@]}"} "${common[@]}" --fail-on none --format sarif --output "$sarif" \
    2> "$tmp/stderr-full"
  full=$?
  set -e
  replay_stderr "$tmp/stderr-full"
else
  describe="the whole repository"
  set +e
  guardrail scan ${paths[@]+"${paths[@]}"} "${common[@]}" ${fail_on[@]+"${fail_on[@]}"} "${link[@]}" --format github \
    --report markdown="$tmp/summary.md" --report json="$tmp/report.json" \
    --report sarif="$sarif" 2> "$tmp/stderr"
  status=$?
  set -e
  replay_stderr "$tmp/stderr"
  full=$([ "$status" -eq 2 ] && echo 2 || echo 0)
fi

if [ -s "$tmp/summary.md" ]; then
  {
    cat "$tmp/summary.md"
    printf '\n*Scope: %s.' "$describe"
    [ -z "$base" ] || printf ' Code scanning receives the full scan of the repository.'
    printf '*\n'
  } >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
fi
if [ -s "$tmp/report.json" ]; then
  # `summary.findings` of the JSON report (its layout is fixed: docs/output.md), read without
  # needing jq on self-hosted runners.
  findings=$(sed -n 's/^    "findings": \([0-9][0-9]*\),$/\1/p' "$tmp/report.json")
fi
if [ "$full" -ne 0 ]; then
  error "the full scan for code scanning failed (exit $full); no SARIF to upload"
  status=2
elif [ "${INPUT_UPLOAD_SARIF:-true}" != true ]; then
  :
elif [[ $EVENT_NAME == pull_request* && -n ${PR_HEAD_REPO:-} && $PR_HEAD_REPO != "${GITHUB_REPOSITORY:-}" ]]; then
  notice "not uploading SARIF: pull requests from forks get a read-only token (the annotations and the summary have the findings)"
elif [[ $EVENT_NAME == pull_request* && ${GITHUB_ACTOR:-} == "dependabot[bot]" ]]; then
  notice "not uploading SARIF: Dependabot's pull requests get a read-only token"
else
  upload=true
fi
