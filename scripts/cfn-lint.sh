#!/usr/bin/env bash
# cfn-lint every template of the example cohorts: synthesise cohorts/demo.yaml and
# cohorts/sandbox-example.yaml offline (the same `plan` the README uses), then lint each
# *.template.json. Fails on any cfn-lint error; warnings are printed. Ignored rules and their
# reasons are in .cfnlintrc. cfn-lint comes from requirements-tools.txt in .venvs/tools.
#
#   bash scripts/cfn-lint.sh                  # the example cohorts, synthesised here
#   bash scripts/cfn-lint.sh <template>...    # these templates only (scripts/tamper-gates.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$(bash scripts/python-env.sh tools requirements-tools.txt)"

lint() { # lint <template> <what>: 0 clean or warnings only, 1 errors
  local rc=0
  # cfn-lint's exit code is a bit mask: 2 = error, 4 = warning, 8 = informational (1 = fatal).
  "$venv/bin/cfn-lint" --config-file .cfnlintrc -- "$1" || rc=$?
  if (((rc & 3) != 0)); then
    echo "cfn-lint: ERRORS in $(basename "$1") ($2)" >&2
    return 1
  elif (((rc & 4) != 0)); then
    echo "cfn-lint: $(basename "$1"): 0 errors, warnings listed above"
  else
    echo "cfn-lint: $(basename "$1"): clean"
  fi
}

if [ "$#" -gt 0 ]; then
  status=0
  for template in "$@"; do lint "$template" "given" || status=1; done
  exit "$status"
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

status=0
for cohort in cohorts/demo.yaml cohorts/sandbox-example.yaml; do
  dir="$out/$(basename "$cohort" .yaml)"
  npm run -s plan -- "$cohort" --out "$dir" --today 2026-11-29 >/dev/null
  shopt -s nullglob
  templates=("$dir"/*.template.json)
  shopt -u nullglob
  if [ "${#templates[@]}" -eq 0 ]; then
    echo "cfn-lint: no templates synthesised for $cohort" >&2
    exit 1
  fi
  for template in "${templates[@]}"; do
    lint "$template" "from $cohort" || status=1
  done
done
exit "$status"
