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

echo
echo "All checks passed."
