#!/usr/bin/env bash
# guardrail thread scaling: times the full scan and the parsing floor of one corpus with
# RAYON_NUM_THREADS=1, 2, 4, … and prints a Markdown table (speed-up and parallel efficiency
# against one thread). Usage and output: bench/README.md ("Scaling").
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/scaling.sh [--bin-dir DIR] [--corpus DIR] [--files N] [--threads "1 2 4 8 16"] [--runs R]

  --bin-dir DIR   take guardrail, xtask and parse_floor from DIR instead of building them
                  (for a machine without a Rust toolchain)
  --corpus DIR    where the corpus is generated (default target/scaling-corpus)
  --files N       corpus size (default 10000)
  --threads LIST  thread counts to time (default: 1 2 4 8 16, capped at nproc)
  --runs R        timed runs per measurement, after 1 warmup run (default 5)
EOF
}

BIN_DIR=
CORPUS=target/scaling-corpus
FILES=10000
THREADS=
RUNS=5
while [[ $# -gt 0 ]]; do
    case "$1" in
        --bin-dir) BIN_DIR=${2:?}; shift 2 ;;
        --corpus) CORPUS=${2:?}; shift 2 ;;
        --files) FILES=${2:?}; shift 2 ;;
        --threads) THREADS=${2:?}; shift 2 ;;
        --runs) RUNS=${2:?}; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench/scaling.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

cd "$(dirname "$0")/.."
NPROC=$(nproc)
if [[ -z $THREADS ]]; then
    THREADS=
    for t in 1 2 4 8 16 32 64; do
        [[ $t -le $NPROC ]] && THREADS="$THREADS $t"
    done
fi
if [[ -z $BIN_DIR ]]; then
    cargo build --release --quiet
    cargo build --release --quiet -p xtask
    cargo build --release --quiet --example parse_floor
    GR=target/release/guardrail
    XT=target/release/xtask
    FLOOR=target/release/examples/parse_floor
else
    GR=$BIN_DIR/guardrail
    XT=$BIN_DIR/xtask
    FLOOR=$BIN_DIR/parse_floor
fi

"$XT" gen-corpus --out "$CORPUS" --files "$FILES" --seed 1 --force >/dev/null
BYTES=$(find "$CORPUS" -type f -printf '%s\n' | awk '{s += $1} END {print s}')

# Median and minimum wall time (seconds) of RUNS runs of "$@", after one warmup run.
time_runs() {
    "$@" >/dev/null 2>&1 || true
    local i t0 t1
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        echo $(((t1 - t0) / 1000))
    done | sort -n | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.3f %.3f\n", m / 1e6, a[1] / 1e6}'
}

scan() { "$GR" scan "$CORPUS" --format json --output /dev/null --fail-on none; }
floor() { "$FLOOR" "$CORPUS" --runs 1; }

# The scan must succeed once, or the table would time an error.
"$GR" scan "$CORPUS" --format json --output /dev/null --fail-on none

echo "### Thread scaling, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $NPROC CPUs, kernel $(uname -r)."
echo "guardrail $("$GR" --version | awk '{print $2}'), corpus: $FILES files, $BYTES bytes (\`xtask gen-corpus --seed 1\`)."
echo "Wall time, median and minimum of $RUNS runs after 1 warmup; speed-up and efficiency from the medians."
echo
echo "| threads | scan median (s) | scan min (s) | speed-up | efficiency | floor median (s) | floor speed-up | scan / floor |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
BASE_SCAN=
BASE_FLOOR=
for t in $THREADS; do
    read -r sm smin < <(RAYON_NUM_THREADS=$t time_runs scan)
    read -r fm _ < <(RAYON_NUM_THREADS=$t time_runs floor)
    BASE_SCAN=${BASE_SCAN:-$sm}
    BASE_FLOOR=${BASE_FLOOR:-$fm}
    awk -v t="$t" -v sm="$sm" -v smin="$smin" -v fm="$fm" -v bs="$BASE_SCAN" -v bf="$BASE_FLOOR" 'BEGIN {
        printf "| %d | %.3f | %.3f | %.2f× | %.0f%% | %.3f | %.2f× | %.2f× |\n",
            t, sm, smin, bs / sm, 100 * bs / sm / t, fm, bf / fm, sm / fm }'
done
