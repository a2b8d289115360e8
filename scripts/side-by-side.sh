#!/usr/bin/env bash
# Schemathesis and mjconform against the same `mjconform mock` (release build), with the
# same number of requests: wall time, request count and peak memory of each, and the ratios.
#
#   scripts/side-by-side.sh [REQUESTS]      (default 60, the figure the README quotes)
#   RUNS=5 scripts/side-by-side.sh          (runs of each tool, default 3; the median is shown)
#   MJCONFORM_BIN=target/debug/mjconform SCHEMATHESIS=skip RUNS=1 scripts/side-by-side.sh 60
#                                           (CI's short form: a given binary, no install)
#
# Schemathesis is installed with pip into a scratch virtual environment under
# side-by-side/ in cargo's target directory (CARGO_TARGET_DIR is honoured; reused on later
# runs); when that is not possible, or SCHEMATHESIS=skip and none is installed yet, the script
# says so and measures mjconform alone. The mock's URL, key and ids come from its
# `--ready-file` JSON. Every request goes to 127.0.0.1. Exits 1 if mjconform's run fails.
#
# Request counts: Schemathesis's from its HAR report (one entry per request), mjconform's
# from its JSON report (`requests_sent`). Schemathesis decides its own count from
# --max-examples, so it runs first and mjconform's --fuzz-cases is then chosen to send the
# same number (the suite itself sends a dozen; each fuzz case per domain one more at most).
# Peak memory is the maximum resident set size from /usr/bin/time -v, or VmHWM polled
# from /proc when GNU time is missing.
set -euo pipefail

requests=${1:-60}
runs=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

say() { printf '%s\n' "$*" >&2; }

# --- the binary and the server ----------------------------------------------------------
NAME=side-by-side
. "$root/scripts/release-mock.sh"
base=$(ready_field 'r["url"].rstrip("/")')
mapfile -t ids < <(ready_field '"\n".join(r["task_ids"])')
[ "${#ids[@]}" -gt 0 ] || { say "side-by-side: the mock's ready file lists no task ids: $(cat "$ready")"; exit 2; }

# --- measuring --------------------------------------------------------------------------
# measure OUT -- COMMAND...: runs COMMAND, writes "<wall seconds> <peak KiB>" to OUT.
measure() {
    local out=$1; shift; shift
    local started ended peak status=0
    started=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -v -o "$out.time" "$@" >"$out.stdout" 2>"$out.stderr" || status=$?
        ended=$(date +%s.%N)
        peak=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out.time")
    else
        "$@" >"$out.stdout" 2>"$out.stderr" &
        local pid=$! hwm
        peak=0
        while kill -0 "$pid" 2>/dev/null; do
            hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            [ "${hwm:-0}" -gt "$peak" ] && peak=$hwm
            sleep 0.01
        done
        wait "$pid" || status=$?
        ended=$(date +%s.%N)
    fi
    echo "$(echo "$ended - $started" | bc -l) ${peak:-0} $status" >"$out"
}

# median_of PREFIX: of the files PREFIX.1 .. PREFIX.$runs, the line with the median wall
# time (the first field), so one run slowed by other processes does not decide the figure.
median_of() {
    local i
    for i in $(seq 1 "$runs"); do cat "$1.$i"; done | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

# --- Schemathesis -----------------------------------------------------------------------
venv="$work/venv"
st=""
if [ -x "$venv/bin/schemathesis" ]; then
    st="$venv/bin/schemathesis"
elif [ "${SCHEMATHESIS:-install}" = skip ]; then
    say "side-by-side: SCHEMATHESIS=skip and none installed in $venv; measuring mjconform alone"
elif python3 -m venv "$venv" >"$work/venv.log" 2>&1 \
    && "$venv/bin/pip" install --quiet schemathesis >>"$work/venv.log" 2>&1; then
    st="$venv/bin/schemathesis"
else
    say "side-by-side: Schemathesis could not be installed (python3 -m venv / pip install schemathesis failed; see $work/venv.log); measuring mjconform alone"
fi

st_requests=""
if [ -n "$st" ]; then
    # Examples per operation until it sends about the requested number (its coverage phase
    # adds requests of its own, so the count is read back, not assumed).
    # The first run after installing is slower (Python compiles the package's bytecode on
    # first import, once per install); the median of the runs leaves it out.
    for run in $(seq 1 "$runs"); do
        rm -rf "$work/st-report"
        # From the scratch directory: Schemathesis keeps a cache in its working directory.
        (cd "$work" && measure "$work/st.measure.$run" -- "$st" run "$root/spec/mj-task-fetch.openapi.yaml" \
            --url "$base" -H "Authorization: Bearer $key" \
            --max-examples "$requests" --seed 1 --workers 1 \
            --checks all --no-color --generation-database none \
            --report har --report-dir "$work/st-report")
    done
    st_requests=$(python3 -c 'import json,sys,glob
print(sum(len(json.load(open(p))["log"]["entries"]) for p in glob.glob(sys.argv[1]+"/*.json")))' "$work/st-report")
    read -r st_wall st_peak st_status < <(median_of "$work/st.measure")
fi

# --- mjconform --------------------------------------------------------------------------
target=${st_requests:-$requests}
id_args=()
for id in "${ids[@]}"; do id_args+=(--task-id "$id"); done
run_mjconform() {
    rm -rf "$work/mj-report"
    measure "$work/mj.measure" -- "$bin" check --target-url "$base" --api-key "$key" \
        "${id_args[@]}" --fuzz-cases "$1" --report json --report-dir "$work/mj-report"
    mj_requests=$(python3 -c 'import json,sys,glob
for p in glob.glob(sys.argv[1]+"/**/*.json", recursive=True):
    d=json.load(open(p))
    t=d.get("totals") or {}
    if "requests_sent" in t: print(t["requests_sent"]); break' "$work/mj-report")
}
# The suite alone, to learn what it sends; then fuzz cases to make up the difference.
run_mjconform 0
suite=${mj_requests:-0}
cases=$(( (target - suite + 1) / 2 ))
[ "$cases" -lt 0 ] && cases=0
run_mjconform "$cases"
# Identical generated requests are sent once, so top up if that left it short.
while [ "${mj_requests:-0}" -lt "$target" ] && [ "$cases" -lt $(( target * 4 )) ]; do
    cases=$(( cases + (target - mj_requests + 1) / 2 + 1 ))
    run_mjconform "$cases"
done
for run in $(seq 1 "$runs"); do
    run_mjconform "$cases"
    cp "$work/mj.measure" "$work/mj.measure.$run"
done
read -r mj_wall mj_peak mj_status < <(median_of "$work/mj.measure")

# --- the figures ------------------------------------------------------------------------
cores=$(nproc)
model=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
echo "side-by-side: $(date -u +%Y-%m-%dT%H:%MZ), $cores cores ($model), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: mjconform mock ($bin) on $base; median of $runs run(s) of each tool"
printf '%-12s %10s %10s %12s  %s\n' tool requests "wall (s)" "peak (MiB)" "exit"
if [ -n "$st" ]; then
    printf '%-12s %10s %10.2f %12.1f  %s\n' "schemathesis $("$st" --version | awk '{print $NF}')" \
        "$st_requests" "$st_wall" "$(echo "$st_peak / 1024" | bc -l)" "$st_status"
fi
printf '%-12s %10s %10.2f %12.1f  %s\n' "mjconform" "$mj_requests" "$mj_wall" \
    "$(echo "$mj_peak / 1024" | bc -l)" "$mj_status (--fuzz-cases $cases)"
if [ -n "$st" ] && [ "${st_requests:-0}" -gt 0 ] && [ "${mj_requests:-0}" -gt 0 ]; then
    python3 - "$st_requests" "$st_wall" "$st_peak" "$mj_requests" "$mj_wall" "$mj_peak" <<'PY'
import sys
sr, sw, sp, mr, mw, mp = (float(x) for x in sys.argv[1:])
print(f"ratio: mjconform took {sw / mw:.0f}x less wall time ({sw / sr * 1000:.2f} vs {mw / mr * 1000:.2f} ms per request) "
      f"and {sp / mp:.0f}x less peak memory")
PY
fi
# The script must not rot silently: mjconform's side has to run clean and be counted.
if [ "${mj_status:-1}" != 0 ] || [ "${mj_requests:-0}" -eq 0 ]; then
    say "side-by-side: mjconform's run failed (exit ${mj_status:-?}, ${mj_requests:-no} requests); see $work/mj.measure.stderr"
    exit 1
fi
