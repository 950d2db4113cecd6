#!/usr/bin/env bash
# Create (or refresh) the Python virtualenv .venvs/<name> from a pinned requirements file.
#   scripts/python-env.sh <name> <requirements-file>
# Idempotent and fast on reruns: a stamp file inside the venv holds the SHA-256 of the requirements
# file it was installed from; when it matches, nothing is installed again. Prints the venv path.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -ne 2 ]; then
  echo "usage: $0 <name> <requirements-file>" >&2
  exit 64
fi
name="$1"
requirements="$2"
if ! [[ "$name" =~ ^[a-z0-9][a-z0-9._-]*$ ]]; then
  echo "python-env: venv name \"$name\" must be lower-case letters, digits, '.', '_' or '-'" >&2
  exit 64
fi
if [ ! -f "$requirements" ]; then
  echo "python-env: requirements file \"$requirements\" does not exist" >&2
  exit 66
fi

venv=".venvs/$name"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "$venv"
  exit 0
fi

python3 -m venv "$venv" >&2
# The stamp is removed first, so an interrupted install is redone on the next run.
rm -f "$stamp"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
echo "$want" >"$stamp"
echo "$venv"
