#!/usr/bin/env bash
# Where the action's guardrail is installed, and the cache key for it.
#
# The key names the runner's OS and architecture, the action's ref, and a hash of the action's
# own source: `hashFiles` cannot see the action's directory, and a branch ref (or a local
# `uses: ./`) would otherwise restore a binary built from older source.
#   in:  GITHUB_ACTION_PATH, RUNNER_OS, RUNNER_ARCH, ACTION_REF, HOME
#   out: key, dir (GITHUB_OUTPUT)
set -euo pipefail
cd "$GITHUB_ACTION_PATH"
if command -v sha256sum >/dev/null; then
  sum=(sha256sum)
else
  sum=(shasum -a 256)
fi
# Everything `cargo install` compiles in, in a stable order.
hash=$(find Cargo.toml Cargo.lock build.rs src checks fixtures -type f -print0 |
  LC_ALL=C sort -z | xargs -0 "${sum[@]}" | "${sum[@]}" | cut -c1-16)
ref=${ACTION_REF:-local}
{
  echo "key=guardrail-${RUNNER_OS:-os}-${RUNNER_ARCH:-arch}-${ref//[^A-Za-z0-9._-]/_}-$hash"
  echo "dir=$HOME/.cache/guardrail-action/$hash"
} >> "$GITHUB_OUTPUT"
