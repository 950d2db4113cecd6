#!/usr/bin/env bash
# Policy checks on the Kubernetes manifests of the example cohorts, as `cdk8s synth` writes them:
#  1. kubernetes-validate --strict against the Kubernetes 1.36 schemas (the cluster's version):
#     0 errors. Custom resources (ExternalSecret) have no schema there; their shape is asserted by
#     the chart unit tests, and the add-ons' CRD schemas check them on a real API server in
#     test/integration/control-plane.test.ts.
#  2. checkov's Kubernetes checks (probes, limits, image pinning, non-root, read-only root,
#     privilege escalation, capabilities, seccomp, service-account tokens, ...): 0 failures. Each
#     exception is a `checkov.io/skipN` annotation with its reason on the object; they are listed.
#
#   bash scripts/validate-manifests.sh              # the example cohorts' manifests, synthesised here
#   bash scripts/validate-manifests.sh --dir <dir>  # the *.k8s.yaml files in <dir> (scripts/tamper-gates.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
given_dir=""
if [ "${1:-}" = "--dir" ]; then
  given_dir="$(cd "$2" && pwd)"
fi

venv="$(bash scripts/python-env.sh tools requirements-tools.txt)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
k8s_version=1.36.0

cohorts=(demo sandbox-example)
[ -n "$given_dir" ] && cohorts=(given)
for cohort in "${cohorts[@]}"; do
  dir="$out/$cohort"
  if [ -n "$given_dir" ]; then
    mkdir -p "$dir" && cp "$given_dir"/*.k8s.yaml "$dir"/
  else
    COHORT_FILE="cohorts/$cohort.yaml" COHORT_ENVIRONMENT=cohorts/demo.environment.json COHORT_TODAY=2026-11-29 \
      CDK8S_OUTDIR="$dir" npx tsx bin/manifests.ts
  fi
  files=("$dir"/*.k8s.yaml)
  validated=$("$venv/bin/kubernetes-validate" -k "$k8s_version" --strict "${files[@]}" 2>&1 | tee "$dir/validate.log" | grep -c ' passed ' || true)
  if grep -qE '^(ERROR|FATAL)' "$dir/validate.log"; then
    grep -E '^(ERROR|FATAL)' "$dir/validate.log" >&2
    echo "kubernetes-validate: errors in the $cohort manifests" >&2
    exit 1
  fi
  skipped_kinds=$(grep -c "Couldn't find schema" "$dir/validate.log" || true)
  echo "kubernetes-validate $k8s_version --strict ($cohort): $validated objects valid, 0 errors, $skipped_kinds custom resources without a schema"

  "$venv/bin/checkov" -d "$dir" --framework kubernetes --compact --skip-download -o json >"$dir/checkov.json" || true
  python3 - "$dir/checkov.json" "$cohort" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
reports = data if isinstance(data, list) else [data]
failed, passed, skipped = [], 0, []
for r in reports:
    passed += r["summary"]["passed"]
    failed += r["results"]["failed_checks"]
    skipped += r["results"]["skipped_checks"]
print(f"checkov ({sys.argv[2]}): {passed} passed, {len(failed)} failed, {len(skipped)} acknowledged")
for s in skipped:
    reason = (s.get("check_result") or {}).get("suppress_comment") or ""
    if len(reason) < 20:
        print(f"  acknowledgement without a reason: {s['check_id']} on {s['resource']}", file=sys.stderr)
        sys.exit(1)
    print(f"  ack {s['check_id']} on {s['resource']}: {reason}")
for f in failed:
    print(f"  FAILED {f['check_id']} {f['check_name']} on {f['resource']}", file=sys.stderr)
sys.exit(1 if failed else 0)
PY
done
