#!/usr/bin/env bash
# The static part of Lab 2's "GitHub Actions dry run": every workflow of the promotion lab
# (labs/promotion/.github/workflows/*.yml) through
#   - actionlint, built from its Go module (pinned in tools/actionlint/go.mod and go.sum: the npm
#     packages embed an old actionlint), cached like the control plane's build;
#   - zizmor, pinned in requirements-workflows.txt, in its own virtualenv .venvs/workflows, offline;
#   - our own checks (scripts/workflow-check.ts, lib/ops/workflow-check.ts): actions pinned by SHA,
#     the role ARN from vars.COHORT_LAB_CI_ROLE_ARN, id-token: write only where the role is
#     assumed, environments on those jobs, and each environment's subject trusted by the CI role in
#     the synthesised template of cohorts/demo.yaml.
# The same three run on the good fixtures (test/fixtures/workflows/good), which must pass, and our
# checks on the bad ones (test/fixtures/workflows/bad), each of which must fail (a tamper test).
# When the lab's workflows are not in the tree yet, that part is skipped with a message.
#
#   bash scripts/workflow-check.sh
#
# Binary: $COHORT_LAB_CACHE/actionlint-<hash of go.mod, go.sum>/actionlint (default
# ~/.cache/cohort-lab); the Go build cache (go env GOCACHE) is reused.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"

ACTIONLINT_VERSION=v1.7.12
tools="$repo/tools/actionlint"
cache_root="${COHORT_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cohort-lab}"
build_key="$(cat "$tools/go.mod" "$tools/go.sum" <(echo "$ACTIONLINT_VERSION") | sha256sum | cut -c1-12)"
cache="$cache_root/actionlint-$build_key"
workflows="labs/promotion/.github/workflows"

log() { printf 'workflow-check: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

build_actionlint() {
  if [ -x "$cache/actionlint" ]; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go (1.26 or newer) is needed to build actionlint: https://go.dev/dl/"
  local started tmp
  started=$(date +%s)
  tmp="$cache.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  log "building actionlint $ACTIONLINT_VERSION from its Go module into $cache"
  (cd "$tools" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0 \
    go build -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$ACTIONLINT_VERSION" \
    -o "$tmp/actionlint" github.com/rhysd/actionlint/cmd/actionlint)
  rm -rf "$cache"
  mv "$tmp" "$cache"
  log "built in $(($(date +%s) - started)) s"
}

build_actionlint
actionlint="$cache/actionlint"
venv="$(bash scripts/python-env.sh workflows requirements-workflows.txt)"
zizmor="$venv/bin/zizmor"
log "$("$actionlint" -version | head -1 | sed 's/^/actionlint /'), $("$zizmor" --version)"

# actionlint runs shellcheck on run: steps when it finds one; this machine has none, and the
# result must not depend on what happens to be installed.
lint() { # files...
  "$actionlint" -shellcheck= -pyflakes= -no-color "$@"
  "$zizmor" --offline --no-progress --min-severity low "$@"
  npx tsx scripts/workflow-check.ts "$@"
}

log "good fixtures (must pass): test/fixtures/workflows/good"
lint test/fixtures/workflows/good/*.yml

log "bad fixtures (each must fail our checks): test/fixtures/workflows/bad"
npx tsx scripts/workflow-check.ts --expect-fail test/fixtures/workflows/bad/*.yml

if compgen -G "$workflows/*.yml" >/dev/null; then
  log "the promotion lab's workflows: $workflows"
  lint "$workflows"/*.yml
else
  log "SKIPPED: $workflows holds no workflow yet (the promotion lab's sample repository is not in this tree); only the fixtures were checked"
fi
log "done"
