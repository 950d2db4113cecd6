#!/usr/bin/env bash
# The whole test suite, in the order CI runs it. Run from the repo root after `npm ci`.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# The Kubernetes control plane the integration tests apply the manifests to: its build (several
# minutes of compiling on a fresh machine, nothing when cached) runs in the background from here,
# beside the steps that mostly wait on the network (the Python virtualenvs) or on one core, and
# is waited for before the integration tests. Its own state directory, stopped on any exit.
export COHORT_LAB_K8S_DIR="$(mktemp -d)/k8s"
k8s_build_log="$(mktemp)"
setsid bash scripts/k8s-control-plane.sh build >"$k8s_build_log" 2>&1 &
k8s_build=$!
cleanup() {
  kill -- -"$k8s_build" 2>/dev/null || true # a build still running when a step failed
  bash scripts/k8s-control-plane.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

step "Type check (strict)"
npx tsc -p tsconfig.json

step "Lint (ESLint + Prettier)"
npm run -s lint

step "Unit tests (jest + aws-cdk-lib/assertions + cdk-nag)"
npx jest --selectProjects unit --ci

step "Main job on the demo cohort"
# The date the example cohorts and fixtures were written for (test/support/cohort.ts TODAY), so the
# demo cohort (course end 2027-04-30) does not fail CI once that day has passed.
npm run -s plan -- cohorts/demo.yaml --today 2026-11-29 --out "$(mktemp -d)/cdk.out" >/dev/null

step "Python virtualenvs: tools (requirements-tools.txt), mlflow, feast and monitoring (the images' lock files), promotion (labs/promotion)"
bash scripts/python-env.sh tools requirements-tools.txt >/dev/null
bash scripts/python-env.sh mlflow images/mlflow/requirements.lock.txt >/dev/null
bash scripts/python-env.sh feast images/feast/requirements.lock.txt >/dev/null
bash scripts/python-env.sh monitoring images/monitoring/requirements.lock.txt >/dev/null
bash scripts/python-env.sh promotion labs/promotion/requirements-dev.txt >/dev/null

step "Python: ruff and mypy (strict) on images/, labs/ and scripts/"
bash scripts/python-lint.sh

step "Lab 2's sample repository: its unit and data tests (pytest, .venvs/promotion)"
(cd labs/promotion && ../../.venvs/promotion/bin/python -m pytest -p no:cacheprovider)

step "Lab 3: the drift job's tests, its figures and the validation suite (pytest, JUnit in artifacts/monitoring/)"
mkdir -p artifacts/monitoring
(cd labs/monitoring && ../../.venvs/monitoring/bin/python -m pytest -q -s --junitxml=../../artifacts/monitoring/junit.xml)

step "cfn-lint on every template of the example cohorts (0 errors)"
bash scripts/cfn-lint.sh

step "Kubernetes manifests: schemas of Kubernetes 1.36 and checkov (0 errors, 0 unacknowledged)"
bash scripts/validate-manifests.sh

step "CI gates tamper tests: an unacknowledged cdk-nag finding, a cfn-lint error, a schema error, a checkov failure"
bash scripts/tamper-gates.sh

step "GitHub Actions workflows (Lab 2): actionlint from its Go module, zizmor, our checks; bad fixtures must fail"
bash scripts/workflow-check.sh

step "Compliance report of the demo cohort: byte for byte, in headless Chromium (screenshot in artifacts/report/)"
bash scripts/report-check.sh

step "Services for the integration tests: PostgreSQL and Redis (Debian packages, loopback only)"
bash scripts/services.sh

step "Kubernetes 1.36 control plane on loopback: etcd, kube-apiserver, kube-controller-manager (scripts/k8s-control-plane.sh)"
if ! wait "$k8s_build"; then
  cat "$k8s_build_log" >&2
  echo "the control plane's build failed" >&2
  exit 1
fi
cat "$k8s_build_log"
bash scripts/k8s-control-plane.sh start

step "Integration tests: MLflow and Feast from the synthesised manifests, moto for AWS APIs, the manifests on the control plane"
npx jest --selectProjects integration --runInBand --ci

echo
echo "All checks passed."
