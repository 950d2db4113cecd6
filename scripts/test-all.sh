#!/usr/bin/env bash
# The whole test suite, in the order CI runs it. Run from the repo root after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Type check (strict)"
npx tsc -p tsconfig.json

step "Lint (ESLint + Prettier)"
npm run -s lint

step "Unit tests (jest + aws-cdk-lib/assertions + cdk-nag)"
npx jest --selectProjects unit --ci

step "Main job on the demo cohort"
npm run -s plan -- cohorts/demo.yaml --out "$(mktemp -d)/cdk.out" >/dev/null

step "Python tools virtualenv (.venvs/tools from requirements-tools.txt)"
bash scripts/python-env.sh tools requirements-tools.txt >/dev/null

step "cfn-lint on every template of the example cohorts (0 errors)"
bash scripts/cfn-lint.sh

echo
echo "All checks passed."
