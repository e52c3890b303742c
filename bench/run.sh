#!/usr/bin/env bash
# guardrail benchmark: builds guardrail (release), generates a deterministic corpus with
# `cargo run -p xtask --release -- gen-corpus`, times full scans with hyperfine, measures peak
# RSS, and appends the results to bench/results.md. Optionally compares with checkov.
# Usage and output: bench/README.md.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--files N] [--seed S] [--runs R] [--with-checkov] [--checkov-files N] [--no-record]

  --files N          corpus size for the guardrail measurements (default 10000)
  --seed S           corpus seed (default 1)
  --runs R           timed runs per measurement (default 5, after 1 warmup run)
  --with-checkov     also time checkov once on a smaller corpus (venv in target/bench-venv)
  --checkov-files N  size of that smaller corpus, target/bench-corpus-small (default 1000)
  --no-record        do not append to bench/results.md

environment: BENCH_NO_HYPERFINE=1 forces the fallback timing loop; CHECKOV_EXTRA_ARGS adds
arguments to the checkov command (e.g. --skip-download).
EOF
}

FILES=10000
SEED=1
RUNS=5
WITH_CHECKOV=0
CHECKOV_FILES=1000
RECORD=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --files) FILES=${2:?--files needs a value}; shift 2 ;;
        --files=*) FILES=${1#*=}; shift ;;
        --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
        --seed=*) SEED=${1#*=}; shift ;;
        --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --with-checkov) WITH_CHECKOV=1; shift ;;
        --checkov-files) CHECKOV_FILES=${2:?--checkov-files needs a value}; shift 2 ;;
        --checkov-files=*) CHECKOV_FILES=${1#*=}; shift ;;
        --no-record) RECORD=0; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for v in "$FILES" "$SEED" "$RUNS" "$CHECKOV_FILES"; do
    [[ $v =~ ^[0-9]+$ && $v -gt 0 ]] || { echo "bench/run.sh: not a positive integer: $v" >&2; exit 2; }
done

cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
INSECURE_PERCENT=20
CORPUS=target/bench-corpus
SMALL=target/bench-corpus-small
VENV=target/bench-venv
OUT=target/bench-results
GR=target/release/guardrail
mkdir -p "$OUT"

log() { printf '\n==> %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }

# ---- tools ---------------------------------------------------------------------------------

# apt-get install PKG..., as root or through passwordless sudo; false when that is impossible.
apt_install() {
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null && sudo -n true 2>/dev/null || return 1
        sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null || return 1
    "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1 && return 0
    "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
    "${sudo[@]}" apt-get install -y -qq "$@" >/dev/null 2>&1
}

HAVE_HYPERFINE=0
if [[ ${BENCH_NO_HYPERFINE:-0} == 1 ]]; then
    warn "BENCH_NO_HYPERFINE=1: using the timing loop (date +%s%N)"
elif command -v hyperfine >/dev/null || { log "installing hyperfine"; apt_install hyperfine && command -v hyperfine >/dev/null; }; then
    HAVE_HYPERFINE=1
else
    warn "hyperfine is not available; falling back to a timing loop (date +%s%N)"
fi
HAVE_TIME=0
if [[ -x /usr/bin/time ]] || { log "installing GNU time"; apt_install time && [[ -x /usr/bin/time ]]; }; then
    HAVE_TIME=1
else
    warn "/usr/bin/time is not available; peak RSS is not measured"
fi

# ---- build ---------------------------------------------------------------------------------

log "cargo build --release"
cargo build --release
cargo build --release -p xtask
cargo build --release --example parse_floor
FLOOR=target/release/examples/parse_floor
VERSION=$("$GR" --version)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain 2>/dev/null) ]]; then
    COMMIT="$COMMIT (uncommitted changes)"
fi

# ---- corpus --------------------------------------------------------------------------------

# The corpus is regenerated when its parameters or the generator's sources change.
generator_hash() {
    cat xtask/Cargo.toml xtask/src/*.rs | sha256sum | cut -c1-16
}

ensure_corpus() { # DIR N
    local dir=$1 n=$2 stamp
    stamp="files=$n seed=$SEED insecure-percent=$INSECURE_PERCENT generator=$(generator_hash)"
    if [[ -d $dir && -f $dir.stamp && $(cat "$dir.stamp") == "$stamp" ]]; then
        log "reusing $dir ($stamp)"
        return
    fi
    log "generating $dir ($n files)"
    rm -rf "$dir" "$dir.stamp"
    cargo run -q -p xtask --release -- gen-corpus --out "$dir" --files "$n" --seed "$SEED" \
        --insecure-percent "$INSECURE_PERCENT"
    echo "$stamp" >"$dir.stamp"
}

corpus_files() { find "$1" -type f | wc -l | tr -d ' '; }
corpus_bytes() { find "$1" -type f -printf '%s\n' | awk '{s += $1} END {printf "%d", s}'; }

# ---- measurement helpers -------------------------------------------------------------------

# time_cmd NAME CSV -- CMD...: 1 warmup + RUNS timed runs; writes "mean stddev min max user
# system" (seconds; user/system are mean CPU times, "n/a" without hyperfine) to CSV's sibling
# .txt and prints it.
time_cmd() {
    local name=$1 csv=$2
    shift 3
    if [[ $HAVE_HYPERFINE -eq 1 ]]; then
        hyperfine --warmup 1 --runs "$RUNS" --style basic --command-name "$name" \
            --export-csv "$csv" -- "$(printf '%q ' "$@")" >&2
        # command,mean,stddev,median,user,system,min,max (counted from the end: the command
        # name may be quoted and contain commas)
        awk -F, 'NR == 2 {print $(NF - 6), $(NF - 5), $(NF - 1), $NF, $(NF - 3), $(NF - 2)}' "$csv" | tee "${csv%.csv}.txt"
    else
        "$@" >/dev/null
        local i s e times=()
        for ((i = 0; i < RUNS; i++)); do
            s=$(date +%s%N)
            "$@" >/dev/null
            e=$(date +%s%N)
            times+=($((e - s)))
            printf '  %s run %d: %.3f s\n' "$name" $((i + 1)) "$(awk -v t=$((e - s)) 'BEGIN {print t / 1e9}')" >&2
        done
        printf '%s\n' "${times[@]}" | awk '
            {t[NR] = $1 / 1e9; sum += t[NR]}
            END {
                mean = sum / NR; min = t[1]; max = t[1]
                for (i = 1; i <= NR; i++) {
                    v += (t[i] - mean) ^ 2
                    if (t[i] < min) min = t[i]
                    if (t[i] > max) max = t[i]
                }
                sd = NR > 1 ? sqrt(v / (NR - 1)) : 0
                printf "%.6f %.6f %.6f %.6f n/a n/a\n", mean, sd, min, max
            }' | tee "${csv%.csv}.txt"
    fi
}

# peak_rss_kb CMD...: maximum resident set size in KiB (GNU time), or "n/a".
peak_rss_kb() {
    if [[ $HAVE_TIME -eq 0 ]]; then
        echo n/a
        return
    fi
    local f=$OUT/time-v.txt
    /usr/bin/time -v "$@" >/dev/null 2>"$f" || { warn "command failed under /usr/bin/time: $*"; cat "$f" >&2; exit 1; }
    awk -F': *' '/Maximum resident set size/ {print $2}' "$f"
}

# The measured command, for a corpus: guardrail scan CORPUS --format json --output /dev/null --fail-on none
scan_argv() { # CORPUS -> SCAN array
    SCAN=("$GR" scan "$1" --format json --output /dev/null --fail-on none)
}

# One scan whose report is kept: it must succeed, and its summary is reported.
check_scan() { # CORPUS REPORT
    local rc=0
    "$GR" scan "$1" --format json --output "$2" --fail-on none || rc=$?
    if [[ $rc -ne 0 ]]; then
        echo "bench/run.sh: guardrail exited with $rc on $1" >&2
        exit 1
    fi
}

json_num() { # FILE KEY: the first `"KEY": NUMBER` in a JSON file (0 when absent)
    local v
    v=$(grep -o "\"$2\": *[0-9][0-9]*" "$1" | awk -F': *' 'NR == 1 {print $2}' || true)
    echo "${v:-0}"
}

need() { # NAME VALUE: a measurement that failed leaves an empty value
    [[ -n $2 ]] || { echo "bench/run.sh: measurement failed: $1" >&2; exit 1; }
}

fmt() { awk -v x="$1" 'BEGIN {printf "%.3f", x}'; }
rate() { awk -v a="$1" -v t="$2" 'BEGIN {printf "%.0f", a / t}'; }
rate1() { awk -v a="$1" -v t="$2" 'BEGIN {printf "%.1f", a / 1e6 / t}'; }

# ---- guardrail on the main corpus ----------------------------------------------------------

ensure_corpus "$CORPUS" "$FILES"
NFILES=$(corpus_files "$CORPUS")
NBYTES=$(corpus_bytes "$CORPUS")
MB=$(awk -v b="$NBYTES" 'BEGIN {printf "%.1f", b / 1e6}')
log "corpus: $NFILES files, $NBYTES bytes ($MB MB)"

check_scan "$CORPUS" "$OUT/scan.json"
FINDINGS=$(json_num "$OUT/scan.json" findings)
SCANNED=$(json_num "$OUT/scan.json" files_scanned)
NOT_IAC=$(json_num "$OUT/scan.json" files_not_iac)
RESOURCES=$(json_num "$OUT/scan.json" resources)
PARSE_ERRORS=$(grep -c '"check_id": *"parse-error"' "$OUT/scan.json" || true)
SKIPPED=$(grep -c 'skipped' "$OUT/scan.json" || true)

# Other work on the machine distorts the timings: record the load, warn when it is high.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")
if awk -v l="${LOAD_BEFORE%% *}" -v n="$(nproc)" 'BEGIN {exit !(l + 0 > n * 0.25)}' 2>/dev/null; then
    warn "load average is $LOAD_BEFORE on $(nproc) CPUs: other processes will distort the timings"
fi

scan_argv "$CORPUS"
log "full scan ($(nproc) CPUs)"
read -r T_MEAN T_SD T_MIN T_MAX T_USR T_SYS < <(time_cmd "guardrail scan" "$OUT/full.csv" -- "${SCAN[@]}") || true
need "full scan" "${T_MEAN:-}"
log "single thread (RAYON_NUM_THREADS=1)"
read -r S_MEAN S_SD S_MIN S_MAX S_USR S_SYS < <(time_cmd "guardrail scan (1 thread)" "$OUT/single.csv" -- env RAYON_NUM_THREADS=1 "${SCAN[@]}") || true
need "single-thread scan" "${S_MEAN:-}"
# The parsing floor: the three parsers alone over the same files (examples/parse_floor.rs).
log "parsing floor ($(nproc) CPUs and 1 thread)"
read -r P_MEAN P_SD P_MIN P_MAX P_USR P_SYS < <(time_cmd "parse floor" "$OUT/floor.csv" -- "$FLOOR" "$CORPUS" --runs 1) || true
need "parse floor" "${P_MEAN:-}"
read -r P1_MEAN P1_SD P1_MIN P1_MAX P1_USR P1_SYS < <(time_cmd "parse floor (1 thread)" "$OUT/floor1.csv" -- env RAYON_NUM_THREADS=1 "$FLOOR" "$CORPUS" --runs 1) || true
need "parse floor (1 thread)" "${P1_MEAN:-}"
FLOOR_RATIO=$(awk -v a="$T_MEAN" -v b="$P_MEAN" 'BEGIN {printf "%.2f", a / b}')
FLOOR1_RATIO=$(awk -v a="$S_MEAN" -v b="$P1_MEAN" 'BEGIN {printf "%.2f", a / b}')
log "peak RSS (/usr/bin/time -v)"
RSS_KB=$(peak_rss_kb "${SCAN[@]}")
RSS1_KB=$(peak_rss_kb env RAYON_NUM_THREADS=1 "${SCAN[@]}")
FULL_CMD="${SCAN[*]}"
mib() {
    if [[ $1 == n/a ]]; then echo n/a; else awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; fi
}

# ---- guardrail diff --staged ---------------------------------------------------------------

# The corpus as a git repository (one commit, made once and cached like the corpus), with 5
# files changed and staged: what the pre-commit hook sees. Timed next to
# `git diff --cached --stat`, the floor for any tool that has to find the staged files.
REPO=target/bench-repo
DIFF_RUNS=$((RUNS > 10 ? RUNS : 10))
ensure_repo() {
    local stamp
    stamp="$(cat "$CORPUS.stamp") git"
    if [[ -d $REPO/.git && -f $REPO.stamp && $(cat "$REPO.stamp") == "$stamp" ]]; then
        log "reusing $REPO"
        git -C "$REPO" reset -q --hard HEAD
        return
    fi
    log "making $REPO a git repository of $CORPUS (once)"
    rm -rf "$REPO" "$REPO.stamp"
    cp -a "$CORPUS" "$REPO"
    git -C "$REPO" init -q
    git -C "$REPO" add -A
    git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid -c commit.gpgsign=false \
        commit -q -m corpus
    echo "$stamp" >"$REPO.stamp"
}
ensure_repo
# Five staged changes, chosen deterministically: two Terraform files (each brings its whole
# module directory into the evaluation), two Kubernetes manifests, one CloudFormation template.
mapfile -t STAGED < <(
    cd "$REPO" &&
        { git ls-files 'terraform/*main.tf' | sort | sed -n '1p;2p'
          git ls-files 'kubernetes/*.yaml' | sort | sed -n '1p;2p'
          git ls-files 'cloudformation/*.yaml' | sort | sed -n '1p'; }
)
[[ ${#STAGED[@]} -eq 5 ]] || { echo "bench/run.sh: could not pick 5 files in $REPO" >&2; exit 1; }
for f in "${STAGED[@]}"; do
    printf '\n# bench: staged change\n' >>"$REPO/$f"
done
git -C "$REPO" add -- "${STAGED[@]}"
[[ $(git -C "$REPO" diff --cached --name-only | wc -l) -eq 5 ]] || { echo "bench/run.sh: expected 5 staged files" >&2; exit 1; }
GR_ABS=$(realpath "$GR")
DIFF_CMD=("$GR_ABS" diff --staged --format json --output /dev/null --fail-on none)
# The parse cache starts empty: the warmup runs fill it, as a developer's first commit would.
rm -rf "$REPO/.git/guardrail"
log "guardrail diff --staged in $REPO (5 staged files), next to git diff --cached --stat"
diff_median() { # NAME CSV -- CMD...: median wall time (s) over DIFF_RUNS runs, in $REPO
    local name=$1 csv=$2
    shift 3
    if [[ $HAVE_HYPERFINE -eq 1 ]]; then
        (cd "$REPO" && hyperfine --warmup 3 --runs "$DIFF_RUNS" -N --style basic --command-name "$name" \
            --export-csv "$csv" -- "$(printf '%q ' "$@")" >&2)
        awk -F, 'NR == 2 {print $(NF - 4), $(NF - 1), $NF}' "$csv"
    else
        local i s e
        for ((i = 0; i < DIFF_RUNS; i++)); do
            s=$(date +%s%N)
            (cd "$REPO" && "$@" >/dev/null)
            e=$(date +%s%N)
            echo $((e - s))
        done | sort -n | awk '{t[NR] = $1 / 1e9} END {m = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; print m, t[1], t[NR]}'
    fi
}
read -r D_MED D_MIN D_MAX < <(diff_median "guardrail diff --staged" "$(realpath "$OUT")/diff.csv" -- "${DIFF_CMD[@]}") || true
need "guardrail diff --staged" "${D_MED:-}"
read -r GD_MED GD_MIN GD_MAX < <(diff_median "git diff --cached --stat" "$(realpath "$OUT")/git-diff.csv" -- git diff --cached --stat) || true
need "git diff --cached --stat" "${GD_MED:-}"
DIFF_RATIO=$(awk -v a="$D_MED" -v b="$GD_MED" 'BEGIN {printf "%.1f", a / b}')
# The same two commands again, alternated (guardrail, git, guardrail, git, …): on a busy
# machine the load can change between the two blocks above and move one median but not the
# other; alternated, it moves both. Times in seconds; bash's clock, no process per reading.
# Two more guardrail runs join each round: the first run after the 5 files changed again
# (restaged, untimed, before the round: a new commit's first hook run, which parses their
# new versions and adds them to the parse cache), and a run with `--no-cache`.
INTERLEAVED_RUNS=$((DIFF_RUNS * 3))
interleaved() {
    local i s e f LC_ALL=C
    [[ -n ${EPOCHREALTIME:-} ]] || return 1 # bash 5
    cd "$REPO" || return 1
    for ((i = 0; i < 3; i++)); do
        "${DIFF_CMD[@]}" >/dev/null
        git diff --cached --stat >/dev/null
    done
    for ((i = 0; i < INTERLEAVED_RUNS; i++)); do
        for f in "${STAGED[@]}"; do printf '# bench: round %d\n' "$i" >>"$f"; done
        git add -- "${STAGED[@]}"
        s=$EPOCHREALTIME; "${DIFF_CMD[@]}" >/dev/null; e=$EPOCHREALTIME; echo "f $s $e"
        s=$EPOCHREALTIME; "${DIFF_CMD[@]}" >/dev/null; e=$EPOCHREALTIME; echo "g $s $e"
        s=$EPOCHREALTIME; "${DIFF_CMD[@]}" --no-cache >/dev/null; e=$EPOCHREALTIME; echo "n $s $e"
        s=$EPOCHREALTIME; git diff --cached --stat >/dev/null; e=$EPOCHREALTIME; echo "d $s $e"
    done
}
(interleaved) >"$OUT/interleaved.txt" || true
median_of() { # KIND: median of that kind's times in interleaved.txt
    awk -v k="$1" '$1 == k {print $3 - $2}' "$OUT/interleaved.txt" | sort -g |
        awk '{t[NR] = $1} END {if (NR) print (NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2)}'
}
I_MED=$(median_of g)
IF_MED=$(median_of f)
IN_MED=$(median_of n)
IG_MED=$(median_of d)
need "guardrail diff --staged (alternated)" "${I_MED:-}"
need "guardrail diff --staged, first run after a change (alternated)" "${IF_MED:-}"
need "guardrail diff --staged --no-cache (alternated)" "${IN_MED:-}"
need "git diff --cached --stat (alternated)" "${IG_MED:-}"
I_RATIO=$(awk -v a="$I_MED" -v b="$IG_MED" 'BEGIN {printf "%.2f", a / b}')
IF_RATIO=$(awk -v a="$IF_MED" -v b="$IG_MED" 'BEGIN {printf "%.2f", a / b}')
IN_RATIO=$(awk -v a="$IN_MED" -v b="$IG_MED" 'BEGIN {printf "%.2f", a / b}')
git -C "$REPO" reset -q --hard HEAD
ms() { awk -v x="$1" 'BEGIN {printf "%.1f", x * 1000}'; }

# ---- checkov comparison --------------------------------------------------------------------

CK_DONE=0
if [[ $WITH_CHECKOV -eq 1 ]]; then
    if [[ ! -x $VENV/bin/checkov ]]; then
        log "installing checkov into $VENV"
        command -v python3 >/dev/null || { echo "bench/run.sh: python3 is needed for --with-checkov" >&2; exit 1; }
        [[ -x $VENV/bin/python ]] || python3 -m venv "$VENV"
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check checkov
    fi
    CK_VERSION=$("$VENV/bin/checkov" --version 2>/dev/null | tail -1)
    ensure_corpus "$SMALL" "$CHECKOV_FILES"
    SFILES=$(corpus_files "$SMALL")
    SBYTES=$(corpus_bytes "$SMALL")
    check_scan "$SMALL" "$OUT/scan-small.json"
    SFINDINGS=$(json_num "$OUT/scan-small.json" findings)
    log "guardrail on $SMALL ($SFILES files)"
    scan_argv "$SMALL"
    read -r G_MEAN G_SD _ _ G_USR G_SYS < <(time_cmd "guardrail scan (small corpus)" "$OUT/small.csv" -- "${SCAN[@]}") || true
    need "guardrail on the small corpus" "${G_MEAN:-}"
    log "checkov on $SMALL, once (slow)"
    ck_rc=0
    # CPU time (user + system, children included) through GNU time when available: unlike wall
    # time it hardly depends on what else the machine is doing.
    TIMER=()
    if [[ $HAVE_TIME -eq 1 ]]; then
        TIMER=(/usr/bin/time -f '%U %S %M' -o "$OUT/checkov.time")
    fi
    G_RSS_KB=$(peak_rss_kb "${SCAN[@]}")
    s=$(date +%s%N)
    # shellcheck disable=SC2086 # CHECKOV_EXTRA_ARGS is a list of words
    "${TIMER[@]}" "$VENV/bin/checkov" -d "$SMALL" --framework terraform kubernetes cloudformation --quiet \
        --compact -o json ${CHECKOV_EXTRA_ARGS:-} >"$OUT/checkov.json" 2>"$OUT/checkov.stderr" || ck_rc=$?
    e=$(date +%s%N)
    CK_USR=n/a
    CK_SYS=n/a
    CK_RSS_KB=n/a
    if [[ $HAVE_TIME -eq 1 ]]; then
        read -r CK_USR CK_SYS CK_RSS_KB < <(tail -1 "$OUT/checkov.time") || true
    fi
    RSS_PCT=n/a
    if [[ $CK_RSS_KB != n/a && $G_RSS_KB != n/a ]]; then
        RSS_PCT=$(awk -v g="$G_RSS_KB" -v c="$CK_RSS_KB" 'BEGIN {printf "%.1f%%", 100 * g / c}')
    fi
    # checkov exits 1 when it reports failed checks
    if [[ $ck_rc -gt 1 ]]; then
        warn "checkov exited with $ck_rc; see $OUT/checkov.stderr"
        tail -5 "$OUT/checkov.stderr" >&2
    fi
    CK_SECONDS=$(awk -v t=$((e - s)) 'BEGIN {printf "%.3f", t / 1e9}')
    CK_RATIO=$(awk -v c="$CK_SECONDS" -v g="$G_MEAN" 'BEGIN {printf "%.0f", c / g}')
    CK_CPU_RATIO=n/a
    if [[ $CK_USR != n/a && ${G_USR:-n/a} != n/a ]]; then
        CK_CPU_RATIO=$(awk -v cu="$CK_USR" -v cs="$CK_SYS" -v gu="$G_USR" -v gs="$G_SYS" 'BEGIN {printf "%.0f×", (cu + cs) / (gu + gs)}')
    fi
    # failed checks and parsing errors, from checkov's JSON (one report per framework)
    CK_SUMMARY=$("$VENV/bin/python" - "$OUT/checkov.json" <<'PY' || echo "summary unavailable"
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
failed = sum(r.get("summary", {}).get("failed", 0) for r in reports)
perr = sum(r.get("summary", {}).get("parsing_errors", 0) for r in reports)
res = sum(r.get("summary", {}).get("resource_count", 0) for r in reports)
print(f"{failed} failed checks, {res} resources, {perr} parsing errors")
PY
)
    CK_DONE=1
fi

# ---- report --------------------------------------------------------------------------------

CPU=$(awk -F': *' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
CPU=${CPU:-$(uname -m)}
NPROC=$(nproc)
MEM=$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo 2>/dev/null || echo "?")
TOOL=$([[ $HAVE_HYPERFINE -eq 1 ]] && echo "hyperfine $(hyperfine --version | awk '{print $2}'), --warmup 1 --runs $RUNS" || echo "timing loop (date +%s%N), 1 warmup + $RUNS runs")
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')

cpu() { # USER SYSTEM
    if [[ $1 == n/a ]]; then echo n/a; else echo "$(fmt "$1") + $(fmt "$2") s"; fi
}

row() { # NAME MEAN SD MIN MAX USER SYSTEM FILES BYTES
    printf '| %s | %s s ± %s | %s … %s s | %s | %s | %s |\n' "$1" "$(fmt "$2")" "$(fmt "$3")" "$(fmt "$4")" \
        "$(fmt "$5")" "$(cpu "$6" "$7")" "$(rate "$8" "$2")" "$(rate1 "$9" "$2")"
}

{
    echo
    echo "## $DATE — $VERSION ($COMMIT)"
    echo
    echo "- Machine: $CPU, nproc $NPROC, $MEM RAM, $(uname -sr); load average before the guardrail timings: $LOAD_BEFORE"
    echo "- Corpus: \`$CORPUS\`, $NFILES files, $MB MB (seed $SEED, ${INSECURE_PERCENT}% insecure); guardrail scanned $SCANNED files ($NOT_IAC not IaC), $RESOURCES resources, $FINDINGS findings, $PARSE_ERRORS parse errors, $SKIPPED files skipped"
    echo "- Timing: $TOOL, niceness $(nice)$(awk '{print ", autogroup nice", $3}' /proc/self/autogroup 2>/dev/null); command \`$FULL_CMD\`"
    echo
    echo "| measurement | wall time (mean ± σ) | min … max | CPU user + sys (mean) | files/s | MB/s |"
    echo "|---|---|---|---|---|---|"
    row "full scan ($NPROC threads)" "$T_MEAN" "$T_SD" "$T_MIN" "$T_MAX" "$T_USR" "$T_SYS" "$NFILES" "$NBYTES"
    row "RAYON_NUM_THREADS=1" "$S_MEAN" "$S_SD" "$S_MIN" "$S_MAX" "$S_USR" "$S_SYS" "$NFILES" "$NBYTES"
    row "parse floor ($NPROC threads)" "$P_MEAN" "$P_SD" "$P_MIN" "$P_MAX" "$P_USR" "$P_SYS" "$NFILES" "$NBYTES"
    row "parse floor, 1 thread" "$P1_MEAN" "$P1_SD" "$P1_MIN" "$P1_MAX" "$P1_USR" "$P1_SYS" "$NFILES" "$NBYTES"
    echo
    echo "Full scan / parse floor (\`examples/parse_floor.rs\`: hcl-edit, saphyr-parser events and jsonc-parser alone over the same files): **${FLOOR_RATIO}×** ($NPROC threads), **${FLOOR1_RATIO}×** (1 thread), wall time."
    echo
    echo "Peak RSS: $(mib "$RSS_KB") ($NPROC threads), $(mib "$RSS1_KB") (1 thread)."
    echo
    echo "\`guardrail diff --staged\` in \`$REPO\` (the corpus as one commit, 5 files changed and staged: ${STAGED[*]}), hyperfine -N, 3 warmup + $DIFF_RUNS runs:"
    echo
    echo "| command | median | min … max |"
    echo "|---|---|---|"
    echo "| \`guardrail diff --staged --format json --output /dev/null --fail-on none\` | $(ms "$D_MED") ms | $(ms "$D_MIN") … $(ms "$D_MAX") ms |"
    echo "| \`git diff --cached --stat\` | $(ms "$GD_MED") ms | $(ms "$GD_MIN") … $(ms "$GD_MAX") ms |"
    echo
    echo "guardrail diff / git diff: **${DIFF_RATIO}×** (median)."
    echo
    echo "Alternated, $INTERLEAVED_RUNS rounds after 3 warmup pairs (bash's clock); each round restages the 5 files with one more line, then runs the first three commands and git:"
    echo
    echo "| \`guardrail diff --staged\` | median | / git |"
    echo "|---|---|---|"
    echo "| first run after the change (its 5 new files parsed and cached) | $(ms "$IF_MED") ms | **${IF_RATIO}×** |"
    echo "| again (everything from the parse cache) | $(ms "$I_MED") ms | **${I_RATIO}×** |"
    echo "| \`--no-cache\` | $(ms "$IN_MED") ms | **${IN_RATIO}×** |"
    echo "| \`git diff --cached --stat\` | $(ms "$IG_MED") ms | 1 |"
    if [[ $CK_DONE -eq 1 ]]; then
        echo
        echo "checkov comparison on \`$SMALL\` ($SFILES files, $(awk -v b="$SBYTES" 'BEGIN {printf "%.1f", b / 1e6}') MB), checkov $CK_VERSION:"
        echo
        echo "| tool | wall time | CPU user + sys | files/s | peak RSS |"
        echo "|---|---|---|---|---|"
        echo "| guardrail ($SFINDINGS findings) | $(fmt "$G_MEAN") s ± $(fmt "$G_SD") (mean of $RUNS) | $(cpu "${G_USR:-n/a}" "${G_SYS:-n/a}") | $(rate "$SFILES" "$G_MEAN") | $(mib "$G_RSS_KB") |"
        echo "| checkov ($CK_SUMMARY; exit $ck_rc) | $CK_SECONDS s (one run) | $(cpu "$CK_USR" "$CK_SYS") | $(rate "$SFILES" "$CK_SECONDS") | $(mib "$CK_RSS_KB") |"
        echo
        echo "checkov / guardrail: **${CK_RATIO}×** wall time, **${CK_CPU_RATIO}** CPU time; guardrail's peak RSS is **${RSS_PCT}** of checkov's."
    fi
} >"$OUT/section.md"

cat "$OUT/section.md"
echo
printf 'guardrail: %s files/s, %s MB/s (%s threads, %s s); single thread %s s (%s files/s); peak RSS %s\n' \
    "$(rate "$NFILES" "$T_MEAN")" "$(rate1 "$NBYTES" "$T_MEAN")" "$NPROC" "$(fmt "$T_MEAN")" \
    "$(fmt "$S_MEAN")" "$(rate "$NFILES" "$S_MEAN")" "$(mib "$RSS_KB")"
printf 'full scan / parse floor: %s× (%s threads), %s× (1 thread)\n' "$FLOOR_RATIO" "$NPROC" "$FLOOR1_RATIO"
printf 'guardrail diff --staged: %s ms median (git diff --cached --stat: %s ms, %s×); alternated: %s ms / %s ms, %s× (first run after a change %s×, --no-cache %s×)\n' "$(ms "$D_MED")" "$(ms "$GD_MED")" "$DIFF_RATIO" "$(ms "$I_MED")" "$(ms "$IG_MED")" "$I_RATIO" "$IF_RATIO" "$IN_RATIO"
if [[ $CK_DONE -eq 1 ]]; then
    printf 'checkov: %s s vs guardrail %s s on %s files: %s× slower (CPU time: %s)\n' "$CK_SECONDS" "$(fmt "$G_MEAN")" \
        "$SFILES" "$CK_RATIO" "$CK_CPU_RATIO"
fi
if [[ $RECORD -eq 1 ]]; then
    if [[ ! -f bench/results.md ]]; then
        # shellcheck disable=SC2016
        printf '# Benchmark results\n\nAppended by `bench/run.sh` (see bench/README.md); newest last.\n' >bench/results.md
    fi
    cat "$OUT/section.md" >>bench/results.md
    log "appended to bench/results.md"
fi
