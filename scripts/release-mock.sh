# Sourced by the measuring scripts (side-by-side.sh, wire-ratio.sh): the mjconform binary to
# measure and a mock started from it on a free port, its URL, key and task ids read from the
# JSON it writes once it listens (`--ready-file`), never from the lines it prints for people.
#
#   NAME=wire-ratio; . scripts/release-mock.sh
#
# Sets: work (scratch under cargo's target directory, CARGO_TARGET_DIR honoured), bin
# (MJCONFORM_BIN, else the release build), key, ready (the mock's ready file), mock_pid (killed
# on exit). Needs `say` and `root` from the caller.

# Where cargo puts what it builds: CARGO_TARGET_DIR, a config file's build.target-dir, or
# target/ (cargo metadata knows all three).
target_dir=$(cargo metadata --format-version 1 --no-deps 2>/dev/null \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])' 2>/dev/null) \
    || target_dir=${CARGO_TARGET_DIR:-$root/target}
work="$target_dir/$NAME"
mkdir -p "$work"

if [ -n "${MJCONFORM_BIN:-}" ]; then
    bin=$MJCONFORM_BIN
else
    cargo build --release --quiet --bin mjconform
    bin="$target_dir/release/mjconform"
fi
[ -x "$bin" ] || { say "$NAME: no mjconform binary at $bin"; exit 2; }

key="$NAME-$(date +%s)"
ready="$work/mock.ready.json"
rm -f "$ready"
"$bin" mock --port 0 --api-key "$key" --ready-file "$ready" >"$work/mock.out" 2>&1 &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
    [ -s "$ready" ] && break
    kill -0 "$mock_pid" 2>/dev/null || break
    sleep 0.1
done
[ -s "$ready" ] || { say "$NAME: the mock did not start: $(cat "$work/mock.out")"; exit 2; }

# ready_field EXPR: a Python expression over the ready file's JSON `r`, printed.
ready_field() {
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$ready" "$1"
}
