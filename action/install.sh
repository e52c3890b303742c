#!/usr/bin/env bash
# Builds guardrail from the action's own source (nothing is downloaded but the crates that
# Cargo.lock pins), unless the cache restored it, and puts it on the PATH of later steps.
#   in:  GITHUB_ACTION_PATH, INSTALL_DIR, GITHUB_PATH
set -euo pipefail
bin="$INSTALL_DIR/bin"
if [ -x "$bin/guardrail" ]; then
  echo "guardrail: using the cached build in $bin"
else
  echo "guardrail: building from $GITHUB_ACTION_PATH (cached for later runs)"
  cargo install --locked --quiet --path "$GITHUB_ACTION_PATH" --root "$INSTALL_DIR"
fi
"$bin/guardrail" --version
echo "$bin" >> "$GITHUB_PATH"
