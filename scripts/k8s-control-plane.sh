#!/usr/bin/env bash
# A real Kubernetes control plane on loopback, for the integration tests and for developers:
# etcd, kube-apiserver and kube-controller-manager of the version the cohort's EKS cluster runs,
# built from their Go modules with the machine's Go (no Docker, no kubelet: pods are created and
# admitted, and stay Pending).
#
#   bash scripts/k8s-control-plane.sh build         build the binaries and fetch the CRDs (cached)
#   bash scripts/k8s-control-plane.sh start         build if needed, start, install the CRDs, wait
#   bash scripts/k8s-control-plane.sh env           print the exports a shell needs (KUBECONFIG, ...)
#   bash scripts/k8s-control-plane.sh user NAME [GROUP...]   a bearer token and kubeconfig for NAME
#   bash scripts/k8s-control-plane.sh stop          stop everything, remove the state directory
#
# Versions (pinned): tools/k8s/go.mod (k8s.io/kubernetes with its staging modules replaced by their
# published v0.x, and go.etcd.io/etcd/server/v3) with go.sum; the CRDs' modules and their hashes below.
# Binaries and CRDs go to $COHORT_LAB_CACHE/k8s-<hash> (default ~/.cache/cohort-lab), outside the
# repository; the Go build cache (go env GOCACHE) is reused between builds.
# State (certificates, etcd data, logs, pids): $COHORT_LAB_K8S_DIR, default
# ${TMPDIR:-/tmp}/cohort-lab-k8s-<uid>; `stop` removes it. The certificates are a throwaway CA made
# by openssl at each start: a serving certificate for 127.0.0.1, a service-account key pair, an
# admin client certificate (group system:masters) and one for the controller manager.
# Users other than the admin authenticate as on EKS, with a bearer token the API server hands to a
# webhook token authenticator (scripts/k8s-token-webhook.py, standing in for EKS's IAM
# authenticator); `user` issues one.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"

K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.8
# The CRDs of the add-ons whose objects the charts emit, from their projects' Go modules. ESO's
# chart is pinned at 2.9.0 (constructs/secrets-sync), but ESO's v2 tags are not Go module versions
# (the module path has no /v2) and the module proxy serves no later ESO than v1.3.2: its
# external-secrets.io/v1 CRDs stand in. The load balancer controller's v3 tags are not module
# versions either; the pseudo-version below is v3.2.2 plus 7 commits (the version CohortCluster
# installs), with the same CRDs as the v3.2.2 tag.
ESO_MODULE=github.com/external-secrets/external-secrets@v1.3.2
ESO_SUM='h1:u2J8RjlHIeF0oZCqtl92adI/uZWUwOesJIDkfql6LqQ='
LBC_MODULE=sigs.k8s.io/aws-load-balancer-controller@v0.0.0-20260423195125-93ff3b5fdaad
LBC_SUM='h1:um5R2nbXcfFJoHX8WZJZU+1uwuofXwR0V9FCF4sdK7g='

tools="$repo/tools/k8s"
cache_root="${COHORT_LAB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/cohort-lab}"
ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1"
ldflags+=" -X k8s.io/component-base/version.gitMinor=36 -X k8s.io/component-base/version.gitTreeState=clean"
# No DWARF: nobody debugs these binaries, and leaving it out saves compile time and space.
gcflags="all=-dwarf=false"
build_key="$(cat "$tools/go.mod" "$tools/go.sum" <(echo "$ldflags $gcflags $ESO_MODULE $ESO_SUM $LBC_MODULE $LBC_SUM") | sha256sum | cut -c1-12)"
cache="$cache_root/k8s-$build_key"
state="${COHORT_LAB_K8S_DIR:-${TMPDIR:-/tmp}/cohort-lab-k8s-$(id -u)}"

# What start runs and the ports it takes (one file each in the state directory).
PROCESSES="etcd token-webhook kube-apiserver kube-controller-manager"
PORTS="etcd etcd-peer token-webhook api controller-manager"

log() { printf 'k8s-control-plane: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# build

fetch_module() { # $1 = module@version, $2 = expected h1 sum; prints the module's directory
  local json dir sum outside
  # Outside any module, so the tools module's requirements do not apply; the checksum database
  # verifies the download, and the pinned sum below makes the version immutable here.
  outside="$(mktemp -d)"
  json="$(cd "$outside" && GOFLAGS=-mod=mod go mod download -json "$1")"
  rmdir "$outside"
  dir="$(sed -n 's/^\t"Dir": "\(.*\)",$/\1/p' <<<"$json")"
  sum="$(sed -n 's/^\t"Sum": "\(.*\)",$/\1/p' <<<"$json")"
  [ "$sum" = "$2" ] || die "$1: checksum $sum is not the pinned $2"
  [ -d "$dir" ] || die "$1: no directory in: $json"
  echo "$dir"
}

build() {
  if [ -f "$cache/.complete" ]; then
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "Go (1.26 or newer) is needed to build the control plane: https://go.dev/dl/"
  local started tmp
  started=$(date +%s)
  tmp="$cache.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp/bin" "$tmp/crds"
  log "building kube-apiserver and kube-controller-manager $K8S_VERSION and etcd $ETCD_VERSION into $cache"
  log "(Go build cache: $(go env GOCACHE); a cold build takes several minutes on 2 cores)"
  (
    cd "$tools"
    GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local CGO_ENABLED=0 go build -trimpath -gcflags "$gcflags" -ldflags "$ldflags" \
      -o "$tmp/bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
      go.etcd.io/etcd/server/v3
  )
  mv "$tmp/bin/server" "$tmp/bin/etcd"
  local eso lbc
  eso="$(fetch_module "$ESO_MODULE" "$ESO_SUM")"
  lbc="$(fetch_module "$LBC_MODULE" "$LBC_SUM")"
  # What the add-ons' charts install: every CRD of ESO (config/crds/bases, without the kustomize
  # conversion-webhook patch, which needs ESO's webhook) and of the load balancer controller.
  cp "$eso"/config/crds/bases/*.io_*.yaml "$tmp/crds/"
  cp "$lbc"/config/crd/bases/*.yaml "$tmp/crds/"
  chmod -R u+w "$tmp"
  echo "$K8S_VERSION etcd $ETCD_VERSION $ESO_MODULE $LBC_MODULE" >"$tmp/.complete"
  rm -rf "$cache"
  mv "$tmp" "$cache"
  log "built in $(($(date +%s) - started)) s: $(ls "$cache/bin" | tr '\n' ' ')"
}

# ---------------------------------------------------------------------------------------------
# certificates

issue() { # $1 = file prefix, $2 = subject, $3 = extensions (openssl -addext lines, ; separated)
  local ext=() e
  IFS=';' read -ra exts <<<"$3"
  for e in "${exts[@]}"; do ext+=(-addext "$e"); done
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" \
    -subj "$2" "${ext[@]}" -out "$1.csr" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$state/pki/ca.crt" -CAkey "$state/pki/ca.key" -CAcreateserial \
    -days 2 -copy_extensions copyall -out "$1.crt" 2>/dev/null
  rm -f "$1.csr"
}

make_pki() {
  local p="$state/pki"
  mkdir -p "$p"
  chmod 700 "$state" "$p"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=cohort-lab-throwaway-ca" -keyout "$p/ca.key" -out "$p/ca.crt" 2>/dev/null
  local server_ext="subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc"
  issue "$p/apiserver" "/CN=kube-apiserver" "$server_ext;extendedKeyUsage=serverAuth"
  issue "$p/etcd" "/CN=etcd" "subjectAltName=IP:127.0.0.1,DNS:localhost;extendedKeyUsage=serverAuth,clientAuth"
  issue "$p/apiserver-etcd-client" "/CN=kube-apiserver-etcd-client" "extendedKeyUsage=clientAuth"
  issue "$p/admin" "/O=system:masters/CN=cohort-lab-admin" "extendedKeyUsage=clientAuth"
  issue "$p/controller-manager" "/CN=system:kube-controller-manager" "extendedKeyUsage=clientAuth"
  issue "$p/token-webhook" "/CN=token-webhook" "subjectAltName=IP:127.0.0.1;extendedKeyUsage=serverAuth"
  issue "$p/apiserver-webhook-client" "/CN=kube-apiserver-webhook-client" "extendedKeyUsage=clientAuth"
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$p/sa.key" 2>/dev/null
  openssl pkey -in "$p/sa.key" -pubout -out "$p/sa.pub" 2>/dev/null
}

kubeconfig() { # $1 = output file, $2 = client cert prefix, [$3 = server URL]
  credentials "$1" "${3:-https://127.0.0.1:$(cat "$state/api.port")}" <<EOF
      client-certificate: $2.crt
      client-key: $2.key
EOF
}

credentials() { # $1 = output file, $2 = server URL; stdin = the user's fields (mode 0600)
  local fields
  fields="$(cat)"
  (
    umask 077
    cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: cohort-lab-local
    cluster:
      server: $2
      certificate-authority: $state/pki/ca.crt
users:
  - name: cohort-lab-user
    user:
$fields
contexts:
  - name: cohort-lab-local
    context: { cluster: cohort-lab-local, user: cohort-lab-user }
current-context: cohort-lab-local
EOF
  )
}

# ---------------------------------------------------------------------------------------------
# start / stop

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

api() { # $1 = method, $2 = path, [$3 = body file, $4 = content type]; prints the body, fails on >= 400
  local args=(-sS --fail-with-body --max-time 30 --cacert "$state/pki/ca.crt" --cert "$state/pki/admin.crt"
    --key "$state/pki/admin.key" -X "$1")
  if [ $# -ge 3 ]; then args+=(-H "Content-Type: $4" --data-binary "@$3"); fi
  curl "${args[@]}" "https://127.0.0.1:$(cat "$state/api.port")$2"
}

running() { # true when every process of the state directory is alive
  local f
  for f in $PROCESSES; do
    [ -f "$state/$f.pid" ] && kill -0 "$(cat "$state/$f.pid")" 2>/dev/null || return 1
  done
}

wait_for() { # $1 = what, $2 = seconds, $3... = command that succeeds when ready
  local what="$1" limit="$2" i
  shift 2
  for ((i = 0; i < limit * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    running_or_die
    sleep 0.2
  done
  die "$what not ready after ${limit}s; logs in $state/*.log"
}

running_or_die() {
  local f
  for f in $PROCESSES; do
    if [ -f "$state/$f.pid" ] && ! kill -0 "$(cat "$state/$f.pid")" 2>/dev/null; then
      tail -20 "$state/$f.log" >&2 || true
      die "$f exited; its log: $state/$f.log"
    fi
  done
}

launch() { # $1 = name, $2... = command; runs it in the background, in its own session
  local name="$1"
  shift
  setsid "$@" >"$state/$name.log" 2>&1 </dev/null &
  echo $! >"$state/$name.pid"
}

install_crds() {
  local f name body
  for f in "$cache"/crds/*.yaml; do
    # controller-gen names each file <group>_<plural>.yaml; the CRD is <plural>.<group>.
    name="$(basename "$f" .yaml)"
    name="${name#*_}.${name%%_*}"
    body="$state/crd-body.yaml"
    sed '/^---$/d' "$f" >"$body"
    api PATCH "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$name?fieldManager=cohort-lab-addons&force=true" \
      "$body" application/apply-patch+yaml >/dev/null || die "CRD $name (from $f) was refused"
  done
  rm -f "$body"
  for f in "$cache"/crds/*.yaml; do
    name="$(basename "$f" .yaml)"
    name="${name#*_}.${name%%_*}"
    wait_for "CRD $name" 60 crd_established "$name"
  done
}

crd_established() {
  local crd
  crd="$(api GET "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$1?pretty=false")" &&
    grep -q '"type":"Established","status":"True"' <<<"$crd"
}

start() {
  build
  if running; then
    log "already running ($state)"
    return 0
  fi
  [ ! -e "$state" ] || stop_processes
  rm -rf "$state"
  mkdir -p "$state"
  local started bin="$cache/bin" p="$state/pki"
  started=$(date +%s.%N)
  # A start that fails half-way leaves no process behind.
  trap 'stop_processes' EXIT
  make_pki
  for f in $PORTS; do free_port >"$state/$f.port"; done
  local etcd_url="https://127.0.0.1:$(cat "$state/etcd.port")"
  local peer_url="http://127.0.0.1:$(cat "$state/etcd-peer.port")"
  launch etcd "$bin/etcd" --name cohort-lab --data-dir "$state/etcd" \
    --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
    --listen-peer-urls "$peer_url" --initial-advertise-peer-urls "$peer_url" \
    --initial-cluster "cohort-lab=$peer_url" --initial-cluster-state new \
    --cert-file "$p/etcd.crt" --key-file "$p/etcd.key" --client-cert-auth --trusted-ca-file "$p/ca.crt" \
    --log-level warn
  launch token-webhook python3 "$repo/scripts/k8s-token-webhook.py" "$state" "$(cat "$state/token-webhook.port")"
  kubeconfig "$state/token-webhook.kubeconfig" "$p/apiserver-webhook-client" \
    "https://127.0.0.1:$(cat "$state/token-webhook.port")/authenticate"
  launch kube-apiserver "$bin/kube-apiserver" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$(cat "$state/api.port")" \
    --etcd-servers "$etcd_url" --etcd-cafile "$p/ca.crt" \
    --etcd-certfile "$p/apiserver-etcd-client.crt" --etcd-keyfile "$p/apiserver-etcd-client.key" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" \
    --client-ca-file "$p/ca.crt" --anonymous-auth=false \
    --authentication-token-webhook-config-file "$state/token-webhook.kubeconfig" \
    --authentication-token-webhook-version v1 \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
    --service-cluster-ip-range 10.100.0.0/16 \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota,DefaultTolerationSeconds,NodeRestriction,PodSecurity,Priority,StorageObjectInUseProtection,PersistentVolumeClaimResize,RuntimeClass,DefaultIngressClass,ExtendedResourceToleration,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy \
    --allow-privileged=true --profiling=false --endpoint-reconciler-type none
  kubeconfig "$state/admin.kubeconfig" "$p/admin"
  kubeconfig "$state/controller-manager.kubeconfig" "$p/controller-manager"
  wait_for kube-apiserver 120 api GET /readyz
  launch kube-controller-manager "$bin/kube-controller-manager" \
    --kubeconfig "$state/controller-manager.kubeconfig" \
    --authentication-kubeconfig "$state/controller-manager.kubeconfig" \
    --authorization-kubeconfig "$state/controller-manager.kubeconfig" \
    --bind-address 127.0.0.1 --secure-port "$(cat "$state/controller-manager.port")" \
    --use-service-account-credentials --service-account-private-key-file "$p/sa.key" \
    --root-ca-file "$p/ca.crt" --cluster-signing-cert-file "$p/ca.crt" --cluster-signing-key-file "$p/ca.key" \
    --leader-elect=false --profiling=false
  install_crds
  # The controllers are working once the namespace `default` has its service account.
  wait_for kube-controller-manager 120 api GET /api/v1/namespaces/default/serviceaccounts/default
  local took
  took=$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
  echo "$took" >"$state/start-seconds"
  trap - EXIT
  log "Kubernetes $K8S_VERSION on https://127.0.0.1:$(cat "$state/api.port") in ${took}s ($(ls "$cache/crds" | wc -l) CRDs); state: $state"
  log "use it with: eval \"\$(bash scripts/k8s-control-plane.sh env)\""
}

stop_processes() {
  local f pid i
  for f in kube-controller-manager kube-apiserver token-webhook etcd; do
    [ -f "$state/$f.pid" ] || continue
    pid="$(cat "$state/$f.pid")"
    kill -TERM "$pid" 2>/dev/null || continue
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  done
}

stop() {
  if [ ! -d "$state" ]; then
    log "not running ($state does not exist)"
    return 0
  fi
  stop_processes
  local f port
  for f in $PORTS; do
    [ -f "$state/$f.port" ] || continue
    port="$(cat "$state/$f.port")"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port ($f) still answers after stop"
    fi
  done
  rm -rf "$state"
  log "stopped"
}

user() { # $1 = user name, $2... = groups; prints the path of a kubeconfig with a new bearer token
  [ $# -ge 1 ] || die "usage: user NAME [GROUP...]"
  running || die "not running; start it first"
  local token file
  token="$(openssl rand -hex 32)"
  # A file name from the user name (an ARN has / and :), one per token.
  file="$state/users/$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-80)-${token:0:8}.kubeconfig"
  mkdir -p "$state/users"
  # The webhook reads tokens.json on every review: the token's hash, never the token.
  flock "$state/tokens.lock" python3 - "$state/tokens.json" "$token" "$@" <<'EOF'
import hashlib, json, os, sys
path, token, username, groups = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
issued = json.load(open(path)) if os.path.exists(path) else {}
issued[hashlib.sha256(token.encode()).hexdigest()] = {"username": username, "groups": groups}
with open(path + ".new", "w") as f:
    json.dump(issued, f)
os.replace(path + ".new", path)
EOF
  credentials "$file" "https://127.0.0.1:$(cat "$state/api.port")" <<<"      token: $token"
  echo "$file"
}

env_cmd() {
  running || die "not running; start it with: bash scripts/k8s-control-plane.sh start"
  echo "export KUBECONFIG=$state/admin.kubeconfig"
  echo "export COHORT_LAB_K8S_DIR=$state"
  echo "export COHORT_LAB_K8S_SERVER=https://127.0.0.1:$(cat "$state/api.port")"
}

case "${1:-}" in
  build) build ;;
  start) start ;;
  stop) stop ;;
  env) env_cmd ;;
  user) user "${@:2}" ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
    ;;
esac
