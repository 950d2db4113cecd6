#!/usr/bin/env bash
# Installs (Debian packages) and starts what the integration tests need, on loopback only:
# PostgreSQL 15 (TLS on, Debian's snakeoil certificate) with a superuser role for the current OS
# user (peer authentication over the Unix socket, no password). Redis is only installed: the tests
# start redis-server themselves from the Feast chart's own command.
set -euo pipefail

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "services.sh: need root to apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "Installing ${need[*]} from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" ssl-cert >/dev/null
fi

version=$(ls /etc/postgresql | sort -n | tail -1)
conf="/etc/postgresql/${version}/main/postgresql.conf"
# Loopback only, whatever the package default.
grep -q "^listen_addresses = 'localhost'" "$conf" || echo "listen_addresses = 'localhost'" >>"$conf"
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

me=$(id -un)
if [ "$me" = "root" ]; then
  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname='${me}'" | grep -q 1 ||
    runuser -u postgres -- psql -qc "CREATE ROLE \"${me}\" SUPERUSER LOGIN"
fi
echo "PostgreSQL ${version} on 127.0.0.1:5432 (ssl=$(psql -h /var/run/postgresql -d postgres -qtAc 'SHOW ssl')); redis-server $(redis-server --version | awk '{print $3}')"
