#!/usr/bin/env bash
# Fails the action the way guardrail's exit status says: 1 for findings at or above
# `fail-on`, 2 when the scan itself failed. Runs after the upload, so that a failing pull
# request still gets its code scanning results.
#   in: STATUS, FINDINGS
set -euo pipefail
case "${STATUS:-2}" in
  0) echo "guardrail: passed (${FINDINGS:-0} findings below the fail-on threshold)" ;;
  1) echo "guardrail: failed: findings at or above the fail-on threshold (see the annotations and the job summary)"; exit 1 ;;
  *) echo "guardrail: the scan did not complete (see the errors above)"; exit 2 ;;
esac
