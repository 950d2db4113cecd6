#!/usr/bin/env bash
# ruff (lint rules and formatting) and mypy --strict on our Python: images/, labs/ and scripts/.
# Tools: requirements-lint.txt in .venvs/lint; configuration: pyproject.toml. mypy checks each group
# of modules against the packages they run with, through that venv's interpreter
# (--python-executable), so a call that does not match the pinned MLflow or Feast fails here:
#   mlflow: images/mlflow/*.py and labs/mlflow_quickstart.py   (.venvs/mlflow, the image's lock file)
#   feast:  images/feast/*.py and labs/feature_repo/*.py        (.venvs/feast, the image's lock file)
#   monitoring: labs/monitoring (drift job and validation suite) (.venvs/monitoring, the image's lock file)
#   scripts: scripts/*.py (the standard library only)             (.venvs/lint)
#   promotion: labs/promotion/ (a repository of its own once a learner copies it: checked from its
#              folder with its own pyproject.toml)           (.venvs/promotion, its requirements-dev.txt)
# Every .py file under images/, labs/ and scripts/ must be in one group. Prints one line per tool and group;
# exits 1 on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."

lint="$(bash scripts/python-env.sh lint requirements-lint.txt)"
mlflow="$(bash scripts/python-env.sh mlflow images/mlflow/requirements.lock.txt)"
feast="$(bash scripts/python-env.sh feast images/feast/requirements.lock.txt)"
promotion="$(bash scripts/python-env.sh promotion labs/promotion/requirements-dev.txt)"
monitoring="$(bash scripts/python-env.sh monitoring images/monitoring/requirements.lock.txt)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

# scripts/profiling/sitecustomize.py profiles the servers (Flask, SQLAlchemy): checked with MLflow's packages.
mlflow_files=(images/mlflow/*.py labs/mlflow_quickstart.py scripts/profiling/sitecustomize.py)
feast_files=(images/feast/*.py labs/feature_repo/*.py)
mapfile -t monitoring_files < <(find labs/monitoring -name '*.py' | sort)
script_files=(scripts/*.py)
mapfile -t promotion_files < <(find labs/promotion -name '*.py' | sort)
status=0

# Each file in exactly one mypy group.
mapfile -t all_files < <(find images labs scripts -name '*.py' -not -path '*/data/*' | sort)
mapfile -t grouped < <(printf '%s\n' "${mlflow_files[@]}" "${feast_files[@]}" "${monitoring_files[@]}" "${script_files[@]}" "${promotion_files[@]}" | sort)
if [ "${all_files[*]}" != "${grouped[*]}" ]; then
  echo "python-lint: the mypy groups do not cover exactly the Python files of images/, labs/ and scripts/:" >&2
  diff <(printf '%s\n' "${all_files[@]}") <(printf '%s\n' "${grouped[@]}") >&2 || true
  status=1
fi

if "$lint/bin/ruff" check --output-format concise images labs scripts >"$out/check.log" 2>&1; then
  echo "ruff check: ${#all_files[@]} files, 0 findings"
else
  cat "$out/check.log" >&2
  echo "ruff check: FINDINGS, listed above" >&2
  status=1
fi

if "$lint/bin/ruff" format --check images labs scripts >"$out/format.log" 2>&1; then
  echo "ruff format --check: $(tail -n 1 "$out/format.log")"
else
  cat "$out/format.log" >&2
  echo "ruff format --check: files to reformat (ruff format images labs scripts), listed above" >&2
  status=1
fi

# mypy finds stub-only packages (types-*) only on the search path of the interpreter it checks
# against: a directory holding just this venv's *-stubs packages goes on that path (PYTHONPATH),
# the image venvs stay as their lock files made them.
mkdir "$out/stubs"
shopt -s nullglob
for stub in "$lint"/lib/python3*/site-packages/*-stubs; do
  ln -s "$PWD/$stub" "$out/stubs/"
done
shopt -u nullglob

run_mypy() {
  local group="$1" python="$2"
  shift 2
  if PYTHONPATH="$out/stubs" "$lint/bin/mypy" --python-executable "$python" \
    --cache-dir ".mypy_cache/$group" "$@" >"$out/mypy-$group.log" 2>&1; then
    echo "mypy --strict ($group): $(tail -n 1 "$out/mypy-$group.log")"
  else
    cat "$out/mypy-$group.log" >&2
    echo "mypy --strict ($group): FINDINGS, listed above" >&2
    status=1
  fi
}
run_mypy mlflow "$mlflow/bin/python" "${mlflow_files[@]}"
run_mypy feast "$feast/bin/python" "${feast_files[@]}"
run_mypy monitoring "$monitoring/bin/python" "${monitoring_files[@]}"
run_mypy scripts "$lint/bin/python" "${script_files[@]}"
# The promotion lab from its own folder: its pyproject.toml, its module root (promotion, train).
if (cd labs/promotion && PYTHONPATH="$out/stubs" "../../$lint/bin/mypy" --python-executable "../../$promotion/bin/python" \
  --cache-dir "../../.mypy_cache/promotion" . >"$out/mypy-promotion.log" 2>&1); then
  echo "mypy --strict (promotion): $(tail -n 1 "$out/mypy-promotion.log")"
else
  cat "$out/mypy-promotion.log" >&2
  echo "mypy --strict (promotion): FINDINGS, listed above" >&2
  status=1
fi

exit "$status"
