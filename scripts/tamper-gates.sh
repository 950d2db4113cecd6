#!/usr/bin/env bash
# Tamper tests of the CI gates: each gate must fail on a change that breaks its rule, and pass on
# the same input untouched (so a failure is the tamper's doing). Run by scripts/test-all.sh.
#
#  1. cdk-nag (the plan): a copy of the source with an SNS topic added to the data stack, neither
#     encrypted nor TLS-only and not acknowledged: `plan` must exit 1 naming the AwsSolutions rule.
#  2. cfn-lint: the data stack's template with a property its resource type does not have.
#  3. Kubernetes schemas: a Deployment whose replicas is a string.
#  4. checkov: a container made privileged.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
venv="$(bash scripts/python-env.sh tools requirements-tools.txt)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
failures=0

expect() { # expect <want: pass|fail> <name> <command...>
  local want="$1" name="$2" rc=0
  shift 2
  "$@" >"$out/last.log" 2>&1 || rc=$?
  if { [ "$want" = fail ] && [ "$rc" -ne 0 ]; } || { [ "$want" = pass ] && [ "$rc" -eq 0 ]; }; then
    echo "tamper: $name: $( [ "$want" = fail ] && echo "fails, as it must (exit $rc)" || echo "passes untouched")"
  else
    echo "tamper: $name: exit $rc, wanted $want" >&2
    tail -20 "$out/last.log" >&2
    failures=$((failures + 1))
  fi
}

# 1. cdk-nag: an unacknowledged finding added to the source.
copy="$out/source"
mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf - | tar -xf - -C "$copy"
ln -s "$root/node_modules" "$copy/node_modules"
python3 - "$copy/lib/stacks/data-stack.ts" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = "import * as tamperSns from 'aws-cdk-lib/aws-sns';\n" + s
s = s.replace("super(scope, id, props);", "super(scope, id, props);\n    new tamperSns.Topic(this, 'TamperedTopic');", 1)
open(p, "w").write(s)
PY
grep -q TamperedTopic "$copy/lib/stacks/data-stack.ts"
nag() { cd "$copy" && npx tsx bin/ops.ts plan cohorts/demo.yaml --today 2026-11-29 --out "$out/nag"; }
expect fail "cdk-nag: an SNS topic without encryption or TLS, unacknowledged" nag
cd "$root"
grep -q 'FINDING AwsSolutions-SNS' "$out/last.log" || { echo "tamper: the plan failed, but not on the tampered topic" >&2; failures=$((failures + 1)); }

# 2. cfn-lint: a property the resource type does not have.
npx tsx bin/ops.ts plan cohorts/demo.yaml --today 2026-11-29 --out "$out/clean" >/dev/null
data="$out/clean/cohortlab-demo-2027-spring-data.template.json"
python3 - "$data" "$out/tampered.template.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
bucket = next(r for r in t["Resources"].values() if r["Type"] == "AWS::S3::Bucket")
bucket["Properties"]["NotABucketProperty"] = True
json.dump(t, open(sys.argv[2], "w"), indent=1)
PY
expect pass "cfn-lint: the data stack's template" bash scripts/cfn-lint.sh "$data"
expect fail "cfn-lint: a bucket with a property S3 does not have" bash scripts/cfn-lint.sh "$out/tampered.template.json"

# 3 and 4. Kubernetes schemas and checkov on the demo cohort's manifests.
COHORT_FILE=cohorts/demo.yaml COHORT_ENVIRONMENT=cohorts/demo.environment.json COHORT_TODAY=2026-11-29 \
  CDK8S_OUTDIR="$out/k8s" npx tsx bin/manifests.ts >/dev/null
tamper_k8s() { # tamper_k8s <dir> <schema|privileged>
  mkdir -p "$1" && cp "$out/k8s"/*.k8s.yaml "$1"/
  "$venv/bin/python" - "$1" "$2" <<'PY'
import glob, sys, yaml
directory, how = sys.argv[1], sys.argv[2]
for path in sorted(glob.glob(f"{directory}/*.k8s.yaml")):
    docs = list(yaml.safe_load_all(open(path)))
    hit = next((d for d in docs if d and d.get("kind") == "Deployment"), None)
    if hit is None:
        continue
    if how == "schema":
        hit["spec"]["replicas"] = "two"
    else:
        hit["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = True
    yaml.safe_dump_all(docs, open(path, "w"), sort_keys=False)
    print(f"tampered {hit['metadata']['name']} in {path}")
    break
else:
    sys.exit("no Deployment to tamper with")
PY
}
expect pass "manifests: the demo cohort's, untouched" bash scripts/validate-manifests.sh --dir "$out/k8s"
tamper_k8s "$out/k8s-schema" schema >/dev/null
expect fail "manifests: a Deployment whose replicas is a string (schema error)" bash scripts/validate-manifests.sh --dir "$out/k8s-schema"
grep -q 'kubernetes-validate: errors' "$out/last.log" || { echo "tamper: not failed by the schema check" >&2; failures=$((failures + 1)); }
tamper_k8s "$out/k8s-privileged" privileged >/dev/null
expect fail "manifests: a privileged container (checkov)" bash scripts/validate-manifests.sh --dir "$out/k8s-privileged"
grep -q 'FAILED CKV_K8S_16' "$out/last.log" || { echo "tamper: not failed by checkov's privileged check" >&2; failures=$((failures + 1)); }

if [ "$failures" -gt 0 ]; then
  echo "tamper: $failures gate(s) did not behave" >&2
  exit 1
fi
echo "tamper: every gate fails on its tamper and passes untouched"
