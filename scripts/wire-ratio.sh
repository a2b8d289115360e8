#!/usr/bin/env bash
# mjconform's request rate over a fuzz campaign as a fraction of wrk's on the same server:
# the whole `mjconform check` process against `wrk` with the same concurrency and a new
# connection per request (`Connection: close`, mjconform's own policy), both against one
# `mjconform mock` (release build), in alternating rounds so load from other processes falls
# on both alike.
#
#   scripts/wire-ratio.sh [CASES]          (default 5000 fuzz cases per domain)
#   ROUNDS=5 CONCURRENCY=4 scripts/wire-ratio.sh 5000
#   MJCONFORM_BIN=target/debug/mjconform ROUNDS=1 scripts/wire-ratio.sh 50   (a smoke run)
#
# mjconform's rate is its JSON report's `requests_sent` over the process's wall time (start-up,
# generating the cases, sending, judging every property, writing the report: all of it).
# wrk's is its own "Requests/sec" over a fixed duration, fetching a known task (the 200 answer
# with a 1.7 KB body, the largest the mock sends) with the mock's key. Prints each round's
# ratio, the ratio of the best rounds of each side, and the median of the per-round ratios.
# wrk is Debian's `wrk` package; without it the script says so and exits 2.
set -euo pipefail

cases=${1:-5000}
rounds=${ROUNDS:-3}
concurrency=${CONCURRENCY:-4}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

say() { printf '%s\n' "$*" >&2; }
command -v wrk >/dev/null 2>&1 || { say "wire-ratio: wrk is not installed (apt-get install wrk)"; exit 2; }

NAME=wire-ratio
. "$root/scripts/release-mock.sh"
url=$(ready_field 'r["url"]')
ids=$(ready_field '",".join(r["task_ids"])')
first_id=${ids%%,*}

mj_round() {
    rm -rf "$work/report"
    local started ended
    started=$(date +%s.%N)
    "$bin" check --target-url "$url" --api-key "$key" --task-id "$ids" \
        --fuzz-cases "$cases" --concurrency "$concurrency" --snapshots off \
        --report json --report-dir "$work/report" >"$work/mj.stdout" 2>"$work/mj.stderr" \
        || { say "wire-ratio: mjconform's run failed; see $work/mj.stderr"; exit 1; }
    ended=$(date +%s.%N)
    python3 - "$work/report/report.json" "$started" "$ended" <<'PY'
import json, sys
sent = json.load(open(sys.argv[1]))["totals"]["requests_sent"]
wall = float(sys.argv[3]) - float(sys.argv[2])
print(f"{sent / wall:.0f} {sent} {wall:.3f}")
PY
}

wrk_round() {
    # As long as a mjconform round took, so both sides see the same stretch of load.
    wrk -c "$concurrency" -t 2 -d "${1}s" -H 'Connection: close' -H "Authorization: Bearer $key" \
        "${url}mj/task/$first_id/fetch" | awk '/^Requests\/sec:/ {printf "%.0f\n", $2}'
}

echo "wire-ratio: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "server: mjconform mock ($bin) on $url; --fuzz-cases $cases --concurrency $concurrency vs wrk -c$concurrency -t2, Connection: close"
mj_rates=(); wrk_rates=(); ratios=()
for round in $(seq 1 "$rounds"); do
    read -r mj_rate mj_sent mj_wall < <(mj_round)
    seconds=$(python3 -c "print(max(1, round($mj_wall)))")
    wrk_rate=$(wrk_round "$seconds")
    ratio=$(python3 -c "print(f'{$mj_rate / $wrk_rate:.2f}')")
    echo "  round $round: mjconform $mj_rate req/s ($mj_sent requests in $mj_wall s), wrk $wrk_rate req/s: $ratio"
    mj_rates+=("$mj_rate"); wrk_rates+=("$wrk_rate"); ratios+=("$ratio")
done
python3 - "${mj_rates[*]}" "${wrk_rates[*]}" "${ratios[*]}" <<'PY'
import statistics, sys
mj, wrk, ratios = ([float(x) for x in arg.split()] for arg in sys.argv[1:])
print(f"ratio: mjconform/wrk {max(mj) / max(wrk):.2f} (best of each: {max(mj):.0f} vs {max(wrk):.0f} req/s), "
      f"median of rounds {statistics.median(ratios):.2f}")
PY
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
