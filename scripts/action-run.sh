#!/usr/bin/env bash
# The run step of the composite GitHub Action (action.yml): `mjconform check` with the
# Action's inputs, its reports in one directory, the exit code as a step output. Kept as a
# script so that tests/cli.rs runs these exact lines against the embedded mock (an Actions
# runner cannot run here); the Action only maps its inputs to these variables.
#
# Inputs (environment): INPUT_TARGET_URL (required), INPUT_TASK_IDS (comma separated),
# INPUT_DIALECT, INPUT_BASELINE, INPUT_DENY / INPUT_WARN / INPUT_ALLOW (see below),
# INPUT_REPORTS (default junit,json,markdown,html), INPUT_REPORT_DIR (default
# mjconform-reports), INPUT_FUZZ_CASES, INPUT_ARGS (more options, split on spaces).
# INPUT_API_KEY is the key (from a secret), handed over as MJ_API_KEY; an empty one (a secret
# that is not set) is left out, so mjconform refuses the run in one line unless INPUT_NO_KEY
# is `true` (a keyless check on purpose).
#
# Levels: `deny`, `warn` and `allow` take check names (comma separated), passed on as
# `--deny`, `--warn` and `--allow` (docs/http-rules.md lists each check's default level; an
# unknown name is refused, exit 2). The value `all` is the step's own level instead:
# `warn: all` makes a failing run a warning annotation and a green step, `allow: all` keeps
# it only in the reports (which still hold every trial); `deny: all` is the default.
set -uo pipefail

fail() { printf 'error: failed to run the mjconform action: %s\n' "$*" >&2; exit 2; }

: "${INPUT_TARGET_URL:?error: failed to run the mjconform action: the target-url input is empty}"
reports="${INPUT_REPORTS:-junit,json,markdown,html}"
report_dir="${INPUT_REPORT_DIR:-mjconform-reports}"
level="deny"
[ "${INPUT_WARN:-}" = "all" ] && level="warn"
[ "${INPUT_ALLOW:-}" = "all" ] && level="allow"
level_args=()
for pair in "deny:${INPUT_DENY:-}" "warn:${INPUT_WARN:-}" "allow:${INPUT_ALLOW:-}"; do
  name="${pair%%:*}" value="${pair#*:}"
  case "$value" in
    "" | all) ;;
    *) level_args+=("--$name" "$value") ;;
  esac
done

if [ -n "${INPUT_API_KEY:-}" ]; then
  export MJ_API_KEY="$INPUT_API_KEY"
fi
unset INPUT_API_KEY

args=(check --target-url "$INPUT_TARGET_URL" --report "$reports" --report-dir "$report_dir")
[ "${INPUT_NO_KEY:-false}" = "true" ] && args+=(--no-key)
[ -n "${INPUT_TASK_IDS:-}" ] && args+=(--task-id "$INPUT_TASK_IDS")
[ -n "${INPUT_DIALECT:-}" ] && args+=(--dialect "$INPUT_DIALECT")
[ -n "${INPUT_BASELINE:-}" ] && args+=(--baseline "$INPUT_BASELINE")
[ -n "${INPUT_FUZZ_CASES:-}" ] && args+=(--fuzz-cases "$INPUT_FUZZ_CASES")
args+=("${level_args[@]}")
if [ -n "${INPUT_ARGS:-}" ]; then
  # shellcheck disable=SC2206 # split on spaces, as the input's description says
  extra=($INPUT_ARGS)
  args+=("${extra[@]}")
fi

# mjconform appends its Markdown summary to $GITHUB_STEP_SUMMARY itself.
mjconform "${args[@]}"
code=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "report-dir=$report_dir"
  } >>"$GITHUB_OUTPUT"
fi

case "$code" in
  0) exit 0 ;;
  1)
    case "$level" in
      deny) exit 1 ;;
      warn)
        echo "::warning title=mjconform::the target broke the contract; see the step summary and $report_dir/"
        exit 0
        ;;
      allow) exit 0 ;;
    esac
    ;;
  *) exit "$code" ;; # bad input (2) or interrupted (130): never hidden by a level
esac
