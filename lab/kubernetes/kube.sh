#!/usr/bin/env bash
# lab/kubernetes/kube.sh - a local, loopback-only Kubernetes control plane for the
# kube-ceph lab: etcd + kube-apiserver (+ a kube-controller-manager running
# only the namespace, garbage-collector and pv-protection controllers, and at
# 1.30 also the claim binder and pvc-protection), envtest style.
# No kubelet, no scheduler: Pods stay Pending.
#
# Usage: lab/kubernetes/kube.sh build|up|down|status|env|check|stop-apiserver|start-apiserver|restart-kcm|gomod
#   build   build etcd, kube-apiserver, kube-controller-manager (and kubectl) of
#           $KUBE_CEPH_LAB_K8S into the cache (skipped when the versioned binary
#           already exists)
#   up      build if needed, start everything, wait until ready (idempotent)
#   down    stop the recorded processes, remove $LAB_HOME/data/kube
#   status  print state; exit 0 only if the apiserver is ready
#   env     print export lines (eval "$(lab/kubernetes/kube.sh env)"): KUBECONFIG, PATH, and
#           KUBE_CEPH_LAB_SNAPSHOT_CRDS, the volume snapshot CRDs of Kubernetes' add-on
#   check   smoke test against the running lab (creates and deletes objects)
#   stop-apiserver / start-apiserver
#           fault injection for tests: the API goes away (etcd keeps the data)
#           and comes back on the same address with the same certificates, ready
#           once /readyz passes and discovery lists every CRD that etcd holds
#   restart-kcm [without-rbd]
#           restart kube-controller-manager; without-rbd: with a PATH that has
#           no rbd CLI on it (the in-tree RBD provisioner of 1.30 then fails
#           with "executable file not found in $PATH"); plain: PATH with /usr/bin
#   gomod K8S_VERSION [ETCD_VERSION]
#           regenerate lab/go/kube/kubernetes-<major.minor>/{go.mod,go.sum,tools.go}
#           from k8s.io/kubernetes@K8S_VERSION's go.mod, and with ETCD_VERSION
#           also lab/go/kube/etcd (maintainers only; the result is committed)
#
# Commands other than build, up and gomod act on the version that was started
# (recorded in data/kube), whatever KUBE_CEPH_LAB_K8S says.
#
# Environment:
#   KUBE_CEPH_LAB_HOME       lab home (default /var/tmp/kube-ceph-lab)
#   KUBE_CEPH_LAB_CACHE      built binaries (default $KUBE_CEPH_LAB_HOME/cache)
#   KUBE_CEPH_LAB_K8S        1.36 (default) or 1.30: the control plane's version,
#                            one per lab/go/kube/kubernetes-<version> module
#   KUBE_CEPH_LAB_KCM        1 (default): run kube-controller-manager with
#                            --controllers=namespace,garbagecollector,persistentvolume-protection-controller
#                            (a deleted PersistentVolume keeps its pv-protection finalizer otherwise),
#                            at 1.30 plus persistentvolume-binder-controller and
#                            persistentvolumeclaim-protection-controller;
#                            0: no controller manager, and the apiserver gets
#                            --enable-garbage-collector=false
#   KUBE_CEPH_LAB_APISERVER_PORT (16443)  KUBE_CEPH_LAB_KCM_PORT (16444)
#   KUBE_CEPH_LAB_ETCD_PORT (23790)       KUBE_CEPH_LAB_ETCD_PEER_PORT (23800)
set -euo pipefail

LOG_TAG=kube.sh
# lib.sh is shared by every lab script, so it sits one level up, in lab/.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

# The Go modules live in lab/go, beside this script's folder: the lab's systems share them.
LAB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GO_DIR="$LAB_DIR/go/kube"
ETCD_MOD_DIR="$GO_DIR/etcd"

DATA_DIR="$LAB_HOME/data/kube"
PKI_DIR="$DATA_DIR/pki"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"
KUBECONFIG_FILE="$DATA_DIR/kubeconfig"
# The minor version the control plane in DATA_DIR was started at.
STARTED_FILE="$DATA_DIR/k8s-version"
# kube-controller-manager's PATH when it runs without rbd: an empty directory.
NO_RBD_PATH="$DATA_DIR/kcm-path-without-rbd"
KCM_MODE_FILE="$RUN_DIR/kube-controller-manager.path"
LOCK_FILE="$LAB_HOME/kube.lock"
BUILD_LOCK_FILE="$LAB_CACHE/kube-build.lock"

# kube-apiserver 1.36 is still running 15 s after TERM here (it stops listening at once and
# stays in its graceful termination), so it is KILLed after the grace: 10 s, as kube.sh always
# waited, not lib.sh's 15 s, so that stop-apiserver and down take no longer than they did.
STOP_GRACE=10

HOST=127.0.0.1
APISERVER_PORT="${KUBE_CEPH_LAB_APISERVER_PORT:-16443}"
KCM_PORT="${KUBE_CEPH_LAB_KCM_PORT:-16444}"
ETCD_PORT="${KUBE_CEPH_LAB_ETCD_PORT:-23790}"
ETCD_PEER_PORT="${KUBE_CEPH_LAB_ETCD_PEER_PORT:-23800}"
USE_KCM="${KUBE_CEPH_LAB_KCM:-1}"

# The version whose kubectl serves every lab version (kubectl is built only there).
KUBECTL_K8S=1.36
WANT_K8S="${KUBE_CEPH_LAB_K8S:-1.36}"
STARTED_K8S=""
[[ -f "$STARTED_FILE" ]] && STARTED_K8S="$(<"$STARTED_FILE")"

use_local_go

# The binaries a lab version builds: the k8s.io/kubernetes/cmd/* its tools.go imports.
kube_cmds() { # module-dir
  sed -n 's|^[[:space:]]*_ "k8s.io/kubernetes/cmd/\([a-z-]*\)"$|\1|p' "$1/tools.go"
}

# The versions the lab has a module for.
lab_versions() {
  local d out=()
  for d in "$GO_DIR"/kubernetes-*/go.mod; do d="${d%/go.mod}"; out+=("${d##*/kubernetes-}"); done
  echo "${out[*]}"
}

# Points K8S, KUBE_MOD_DIR, KUBE_VERSION and KUBE_BIN at lab version MINOR.
select_k8s() { # minor
  K8S="$1"
  KUBE_MOD_DIR="$GO_DIR/kubernetes-$K8S"
  [[ -f "$KUBE_MOD_DIR/go.mod" ]] || die "Kubernetes $K8S: no $KUBE_MOD_DIR/go.mod (lab versions: $(lab_versions))"
  KUBE_VERSION="$(modver "$KUBE_MOD_DIR/go.mod" k8s.io/kubernetes)"
  [[ "$KUBE_VERSION" =~ ^v1\.[0-9]+\.[0-9]+$ ]] || die "no k8s.io/kubernetes version in $KUBE_MOD_DIR/go.mod"
  KUBE_BIN="$LAB_CACHE/kube-$KUBE_VERSION/bin"
}

# The lab's kubectl (one for every version).
kubectl_bin() {
  echo "$LAB_CACHE/kube-$(modver "$GO_DIR/kubernetes-$KUBECTL_K8S/go.mod" k8s.io/kubernetes)/bin/kubectl"
}

ETCD_VERSION="$(modver "$ETCD_MOD_DIR/go.mod" go.etcd.io/etcd/server/v3)"
ETCD_BIN="$LAB_CACHE/etcd-$ETCD_VERSION/bin"

# build and up work on the version asked for; everything else on the one started.
case "${1:-}" in
  gomod) ;;
  build|up) select_k8s "$WANT_K8S" ;;
  *) select_k8s "${STARTED_K8S:-$WANT_K8S}" ;;
esac
KUBECTL="$(kubectl_bin)"

# ---------------------------------------------------------------- gomod
cmd_gomod() {
  local kver="${1:-}" ever="${2:-}" moddir cmd cmds
  [[ "$kver" =~ ^v1\.([0-9]+)\.([0-9]+)$ ]] || die "usage: gomod v1.N.P [v3.N.P] (got '$kver')"
  local staging="v0.${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
  moddir="$GO_DIR/kubernetes-1.${BASH_REMATCH[1]}"
  # kubectl is built at KUBECTL_K8S only; the other versions use that one.
  cmds=(kube-apiserver kube-controller-manager)
  [[ "1.${BASH_REMATCH[1]}" == "$KUBECTL_K8S" ]] && cmds+=(kubectl)
  local upstream
  upstream="$(cd /tmp && go mod download -json "k8s.io/kubernetes@$kver" |
    sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
  [[ -f "$upstream" ]] || die "could not download k8s.io/kubernetes@$kver go.mod"
  mkdir -p "$moddir"
  {
    echo "// Generated by lab/kubernetes/kube.sh gomod from k8s.io/kubernetes@$kver's go.mod:"
    echo "// every ./staging/src/k8s.io/* replace is pointed at the published $staging."
    echo "module kube-ceph.local/lab/kube"
    echo
    grep -E '^(go|godebug) ' "$upstream"
    echo
    echo "require k8s.io/kubernetes $kver"
    echo
    echo "replace ("
    awk -v v="$staging" '$2 == "=>" && $3 ~ /^\.\/staging\// { printf "\t%s => %s %s\n", $1, $1, v }' "$upstream"
    echo ")"
  } >"$moddir/go.mod"
  {
    echo "//go:build tools"
    echo
    echo "// Generated by lab/kubernetes/kube.sh gomod. Package kubelab pins the Kubernetes binaries"
    echo "// that lab/kubernetes/kube.sh builds from the k8s.io/kubernetes module (it reads this"
    echo "// list). It is never compiled; it only keeps the commands' dependencies in go.mod / go.sum."
    echo "package kubelab"
    echo
    echo "import ("
    for cmd in "${cmds[@]}"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$cmd"; done
    echo ")"
  } >"$moddir/tools.go"
  rm -f "$moddir/go.sum"
  log "go mod tidy in $moddir"
  (cd "$moddir" && go mod tidy)

  [[ -n "$ever" ]] || return 0
  [[ "$ever" =~ ^v3\.[0-9]+\.[0-9]+$ ]] || die "bad etcd version: $ever"
  printf 'module kube-ceph.local/lab/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ever" >"$ETCD_MOD_DIR/go.mod"
  rm -f "$ETCD_MOD_DIR/go.sum"
  log "go mod tidy in $ETCD_MOD_DIR"
  (cd "$ETCD_MOD_DIR" && go mod tidy)
}

# ---------------------------------------------------------------- build
# Builds the binaries of lab version MINOR (all its tools.go names, or the NAMEs given)
# that are not in its cache dir yet.
build_kube() { # minor [name...]
  local K8S KUBE_MOD_DIR KUBE_VERSION KUBE_BIN names
  select_k8s "$1"
  shift
  [[ "$KUBE_VERSION" =~ ^v1\.([0-9]+)\.[0-9]+$ ]]
  local minor="${BASH_REMATCH[1]}" name todo=() t0
  if (($#)); then names=("$@"); else mapfile -t names < <(kube_cmds "$KUBE_MOD_DIR"); fi
  for name in "${names[@]}"; do
    [[ -x "$KUBE_BIN/$name" ]] || todo+=("$name=k8s.io/kubernetes/cmd/$name")
  done
  if ((${#todo[@]} == 0)); then
    log "kubernetes $KUBE_VERSION binaries cached in $KUBE_BIN"
    return 0
  fi
  # Build date: the release's publication time (reproducible), as the
  # Kubernetes release scripts would stamp it.
  local date x pkg ld=""
  date="$(cd "$KUBE_MOD_DIR" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    # gitCommit: the module zip carries no commit id; blank it rather
    # than leave the "$Format:%H$" placeholder.
    for x in "gitVersion=$KUBE_VERSION" gitMajor=1 "gitMinor=$minor" \
             gitCommit= gitTreeState=clean "buildDate=${date:-1970-01-01T00:00:00Z}"; do
      ld+=" -X $pkg.$x"
    done
  done
  log "building ${todo[*]%%=*} $KUBE_VERSION -> $KUBE_BIN"
  t0=$SECONDS
  gobuild "$KUBE_MOD_DIR" "$KUBE_BIN" "$ld" "${todo[@]}"
  log "kubernetes $KUBE_VERSION binaries built in $((SECONDS - t0))s"
}

cmd_build() {
  with_build_lock "$BUILD_LOCK_FILE"
  build_kube "$K8S"
  # kubectl comes from KUBECTL_K8S's build (for KUBECTL_K8S itself: done above).
  [[ -x "$KUBECTL" ]] || build_kube "$KUBECTL_K8S" kubectl
  local t0
  if [[ ! -x "$ETCD_BIN/etcd" ]]; then
    log "building etcd $ETCD_VERSION -> $ETCD_BIN"
    t0=$SECONDS
    gobuild "$ETCD_MOD_DIR" "$ETCD_BIN" "" "etcd=kube-ceph.local/lab/etcd"
    log "etcd built in $((SECONDS - t0))s"
  else
    log "etcd $ETCD_VERSION cached in $ETCD_BIN"
  fi
}

# ---------------------------------------------------------------- processes
pidfile() { echo "$RUN_DIR/$1.pid"; }
binary() { # component
  if [[ $1 == etcd ]]; then echo "$ETCD_BIN/etcd"; else echo "$KUBE_BIN/$1"; fi
}
running() { ourpid "$(pidfile "$1")" "$(binary "$1")" >/dev/null; }

port_busy() { # port
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

start_component() { # name command...
  local name="$1"
  shift
  start_bg "$(pidfile "$name")" "$LOG_DIR/$name.log" "$@"
}

stop_components() { # name...
  local name specs=()
  for name in "$@"; do specs+=("$name|$(pidfile "$name")|$(binary "$name")"); done
  stop_pids "${specs[@]}"
}

wait_for() { # what seconds name cmd...
  local what="$1" secs="$2" name="$3" rc=0
  shift 3
  wait_started "$secs" "$(pidfile "$name")" "$(binary "$name")" "$@" || rc=$?
  case $rc in
    0) ;;
    1) log "$name exited; last log lines ($LOG_DIR/$name.log):"
       tail -n 30 "$LOG_DIR/$name.log" >&2 || true
       die "$name failed to start" ;;
    *) die "timed out after ${secs}s waiting for $what (see $LOG_DIR/$name.log)" ;;
  esac
}

# ---------------------------------------------------------------- pki
gen_pki() {
  [[ -f "$PKI_DIR/admin.crt" ]] && return 0
  log "generating CA, serving/admin certificates and service-account key in $PKI_DIR"
  local d="$PKI_DIR.tmp"
  rm -rf "$d"; mkdir -p "$d"; chmod 700 "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
    -subj "/CN=kube-ceph-lab-ca" -keyout "$d/ca.key" -out "$d/ca.crt" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" 2>/dev/null
  cat >"$d/ext.cnf" <<EOF
[serving]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,IP:10.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
[client]
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
EOF
  local name subj ext
  for name in serving admin; do
    if [[ $name == serving ]]; then subj="/CN=kube-apiserver"; ext=serving
    else subj="/O=system:masters/CN=admin"; ext=client; fi
    openssl req -new -newkey rsa:2048 -nodes -subj "$subj" \
      -keyout "$d/$name.key" -out "$d/$name.csr" 2>/dev/null
    openssl x509 -req -sha256 -days 3650 -in "$d/$name.csr" \
      -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial \
      -extfile "$d/ext.cnf" -extensions "$ext" -out "$d/$name.crt" 2>/dev/null
  done
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  rm -f "$d"/*.csr
  mv "$d" "$PKI_DIR"
}

b64() { base64 -w0 <"$1"; }

write_kubeconfig() {
  cat >"$KUBECONFIG_FILE.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kube-ceph-lab
  cluster:
    server: https://$HOST:$APISERVER_PORT
    certificate-authority-data: $(b64 "$PKI_DIR/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(b64 "$PKI_DIR/admin.crt")
    client-key-data: $(b64 "$PKI_DIR/admin.key")
contexts:
- name: kube-ceph-lab
  context:
    cluster: kube-ceph-lab
    user: admin
current-context: kube-ceph-lab
EOF
  chmod 600 "$KUBECONFIG_FILE.tmp"
  mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"
}

# ---------------------------------------------------------------- checks
etcd_healthy() {
  curl -fsS --max-time 2 "http://$HOST:$ETCD_PORT/health" | grep -q '"health":"true"'
}

# One request to the lab's apiserver as its admin: path, then any further curl arguments.
admin_api() {
  local path="$1"
  shift
  curl -sS --max-time 3 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" \
    "$@" "https://$HOST:$APISERVER_PORT$path"
}

apiserver_ready() {
  [[ -f "$PKI_DIR/admin.crt" ]] || return 1
  [[ "$(admin_api /readyz 2>/dev/null)" == ok ]]
}

# /readyz can pass before a restarted apiserver serves the CustomResourceDefinitions it
# already holds, and a client that reads discovery then (the kubernetes provider caches it for
# its whole run) reports "no matches for kind". Ready here means every served version of
# every CRD in etcd is listed in discovery.
CRDS_PATH=/apis/apiextensions.k8s.io/v1/customresourcedefinitions
crds_served() {
  local crds group version plural
  crds="$(admin_api "$CRDS_PATH" 2>/dev/null)" || return 1
  while read -r group version plural; do
    [[ -n "$group" ]] || continue
    admin_api "/apis/$group/$version" 2>/dev/null |
      jq -e --arg p "$plural" 'any(.resources[]?; .name == $p)' >/dev/null || return 1
  done < <(jq -r '.items[]? | .spec.group as $g | .spec.names.plural as $p | .spec.versions[] | select(.served) | "\($g) \(.name) \($p)"' <<<"$crds")
}

# A CRD created in the seconds before the apiserver stopped can come back NamesAccepted but
# never Established (seen in the faults test: drivers.csi.ceph.io, minutes after the restart).
# The apiserver queues the establishing step when it sees a CRD updated, not when it lists the
# CRDs at start; on a control plane of one apiserver nothing updates it, where an HA one's
# other apiservers would establish it. Any update queues it again: an annotation, here.
establish_stuck_crds() {
  local name
  while read -r name; do
    [[ -n "$name" ]] || continue
    log "CRD $name has its names accepted but is not established: annotating it so the apiserver establishes it"
    admin_api "$CRDS_PATH/$name" -X PATCH -H 'Content-Type: application/merge-patch+json' \
      --data "{\"metadata\":{\"annotations\":{\"lab.kube-ceph/apiserver-restarted\":\"$(date +%s)\"}}}" >/dev/null || return 1
  done < <(admin_api "$CRDS_PATH" |
    jq -r '.items[]? | select(any(.status.conditions[]?; .type == "NamesAccepted" and .status == "True"))
      | select(any(.status.conditions[]?; .type == "Established" and .status == "True") | not) | .metadata.name')
}

kcm_healthy() {
  [[ "$(curl -sSk --max-time 2 "https://$HOST:$KCM_PORT/healthz" 2>/dev/null)" == ok ]]
}

all_up() {
  running etcd || return 1
  running kube-apiserver || return 1
  apiserver_ready || return 1
  if [[ $USE_KCM == 1 ]]; then
    running kube-controller-manager || return 1
  fi
}

# ---------------------------------------------------------------- up
start_etcd() {
  running etcd && return 0
  port_busy "$ETCD_PORT" && die "port $HOST:$ETCD_PORT is in use by another process"
  port_busy "$ETCD_PEER_PORT" && die "port $HOST:$ETCD_PEER_PORT is in use by another process"
  log "starting etcd on $HOST:$ETCD_PORT"
  mkdir -p "$DATA_DIR/etcd"
  chmod 700 "$DATA_DIR/etcd"
  start_component etcd "$ETCD_BIN/etcd" \
    --name=lab \
    --data-dir="$DATA_DIR/etcd" \
    --listen-client-urls="http://$HOST:$ETCD_PORT" \
    --advertise-client-urls="http://$HOST:$ETCD_PORT" \
    --listen-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls="http://$HOST:$ETCD_PEER_PORT" \
    --initial-cluster="lab=http://$HOST:$ETCD_PEER_PORT" \
    --unsafe-no-fsync=true \
    --log-level=warn
  wait_for "etcd /health" 60 etcd etcd_healthy
}

start_apiserver() {
  running kube-apiserver && return 0
  port_busy "$APISERVER_PORT" && die "port $HOST:$APISERVER_PORT is in use by another process"
  log "starting kube-apiserver $KUBE_VERSION on https://$HOST:$APISERVER_PORT"
  local gc=true
  [[ $USE_KCM == 1 ]] || gc=false
  start_component kube-apiserver "$KUBE_BIN/kube-apiserver" \
    --etcd-servers="http://$HOST:$ETCD_PORT" \
    --bind-address="$HOST" \
    --advertise-address="$HOST" \
    --secure-port="$APISERVER_PORT" \
    --cert-dir="$PKI_DIR" \
    --tls-cert-file="$PKI_DIR/serving.crt" \
    --tls-private-key-file="$PKI_DIR/serving.key" \
    --client-ca-file="$PKI_DIR/ca.crt" \
    --service-account-issuer="https://$HOST:$APISERVER_PORT" \
    --service-account-key-file="$PKI_DIR/sa.pub" \
    --service-account-signing-key-file="$PKI_DIR/sa.key" \
    --service-cluster-ip-range=10.0.0.0/24 \
    --disable-admission-plugins=ServiceAccount \
    --authorization-mode=RBAC \
    --allow-privileged=true \
    --endpoint-reconciler-type=none \
    --enable-garbage-collector="$gc" \
    --profiling=false \
    --v=1
  wait_for "kube-apiserver /readyz" 180 kube-apiserver apiserver_ready
  establish_stuck_crds || die "could not annotate the CRDs that are not established"
  wait_for "kube-apiserver to serve the CustomResourceDefinitions it holds" 120 kube-apiserver crds_served
}

# The controllers kube-controller-manager runs. namespace and garbagecollector: deletion
# as in a real cluster; pv-protection: a deleted PersistentVolume keeps its finalizer
# otherwise. Before 1.31, which removed the in-tree RBD plugin, also the claim binder
# (binds claims, provisions kubernetes.io/rbd volumes by running the rbd CLI, and deletes
# their images under reclaimPolicy Delete) and pvc-protection (a deleted claim keeps its
# finalizer otherwise). From 1.31 on the binder would only handle CSI claims, for which
# the lab runs no external provisioner, so it is left out there.
kcm_controllers() {
  local c=namespace,garbagecollector,persistentvolume-protection-controller
  [[ "$KUBE_VERSION" =~ ^v1\.([0-9]+)\. ]]
  if ((BASH_REMATCH[1] < 31)); then
    c+=,persistentvolume-binder-controller,persistentvolumeclaim-protection-controller
  fi
  echo "$c"
}

# kube-controller-manager runs with a clean environment (a lab CEPH_CONF must not reach
# the rbd CLI it runs: the StorageClass and its Secrets have to be enough) and only the
# PATH given: with-rbd is the system's (rbd is /usr/bin/rbd, from ceph-common),
# without-rbd is an empty directory, so the rbd CLI is not found. It needs nothing on
# PATH itself.
start_kcm() { # [with-rbd|without-rbd]
  local mode="${1:-with-rbd}" path
  [[ $USE_KCM == 1 ]] || return 0
  running kube-controller-manager && return 0
  port_busy "$KCM_PORT" && die "port $HOST:$KCM_PORT is in use by another process"
  case $mode in
    with-rbd) path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin ;;
    without-rbd) path="$NO_RBD_PATH"; mkdir -p "$path" ;;
    *) die "kube-controller-manager PATH: with-rbd or without-rbd, not '$mode'" ;;
  esac
  log "starting kube-controller-manager $KUBE_VERSION ($(kcm_controllers); $mode) on $HOST:$KCM_PORT"
  # No --authentication/--authorization-kubeconfig on purpose: its serving
  # port is only used for the anonymous, always-allowed /healthz, and with
  # them it logs "missing content for CA bundle ... requestheader-client-ca"
  # every few seconds (the lab apiserver has no front-proxy CA).
  mkdir -p "$RUN_DIR"
  echo "$mode" >"$KCM_MODE_FILE"
  start_component kube-controller-manager env -i PATH="$path" "$KUBE_BIN/kube-controller-manager" \
    --kubeconfig="$KUBECONFIG_FILE" \
    --controllers="$(kcm_controllers)" \
    --leader-elect=false \
    --bind-address="$HOST" \
    --secure-port="$KCM_PORT" \
    --cert-dir="$DATA_DIR/kcm-certs" \
    --profiling=false \
    --v=1
  wait_for "kube-controller-manager /healthz" 60 kube-controller-manager kcm_healthy
}

cmd_restart_kcm() { # [without-rbd]
  local mode=with-rbd
  case "${1:-}" in
    "") ;;
    without-rbd) mode=without-rbd ;;
    *) die "restart-kcm [without-rbd], not '$1'" ;;
  esac
  [[ $USE_KCM == 1 ]] || die "KUBE_CEPH_LAB_KCM=0: no kube-controller-manager to restart"
  with_lock "$LOCK_FILE"
  apiserver_ready || die "apiserver not ready (lab/kubernetes/kube.sh up)"
  stop_components kube-controller-manager
  start_kcm "$mode"
}

cmd_up() {
  with_lock "$LOCK_FILE"
  if [[ -n "$STARTED_K8S" && "$STARTED_K8S" != "$K8S" ]]; then
    # etcd's data of one minor is not for another (a downgrade is not supported at all).
    die "$DATA_DIR holds Kubernetes $STARTED_K8S; for $K8S: $0 down first, then up"
  fi
  if all_up; then
    log "already up (https://$HOST:$APISERVER_PORT, KUBECONFIG=$KUBECONFIG_FILE)"
    return 0
  fi
  cmd_build
  mkdir -p "$DATA_DIR" "$RUN_DIR" "$LOG_DIR"
  echo "$K8S" >"$STARTED_FILE"
  gen_pki
  write_kubeconfig
  start_etcd
  start_apiserver
  start_kcm
  "$KUBECTL" --kubeconfig="$KUBECONFIG_FILE" get --raw /readyz >/dev/null
  "$KUBECTL" --kubeconfig="$KUBECONFIG_FILE" get ns >/dev/null
  log "up: kube-apiserver $KUBE_VERSION at https://$HOST:$APISERVER_PORT"
  log "    KUBECONFIG=$KUBECONFIG_FILE  (eval \"\$($0 env)\")"
}

cmd_down() {
  with_lock "$LOCK_FILE"
  stop_components kube-controller-manager kube-apiserver
  stop_components etcd
  rm -rf "$DATA_DIR"
  log "down: removed $DATA_DIR"
}

cmd_status() {
  local name pid rc=0 extra
  for name in etcd kube-apiserver kube-controller-manager; do
    extra=""
    if [[ $name == kube-controller-manager && -f "$KCM_MODE_FILE" ]]; then extra=", $(<"$KCM_MODE_FILE")"; fi
    if pid="$(ourpid "$(pidfile "$name")" "$(binary "$name")")"; then
      echo "$name: running (pid $pid$extra)"
    else
      echo "$name: not running"
    fi
  done
  if apiserver_ready; then
    echo "apiserver: ready at https://$HOST:$APISERVER_PORT ($KUBE_VERSION)"
  else
    echo "apiserver: not ready"; rc=1
  fi
  echo "KUBECONFIG=$KUBECONFIG_FILE"
  return "$rc"
}

# The volume snapshot CRDs as Kubernetes publishes them for its snapshot add-on, in the module
# this control plane is built from (external-snapshotter's own copy is in its client module,
# which the Go proxy does not serve).
snapshot_crds_dir() {
  local dir
  dir="$(cd "$KUBE_MOD_DIR" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | jq -r .Dir)"
  [[ -f "$dir/cluster/addons/volumesnapshots/crd/snapshot.storage.k8s.io_volumesnapshotclasses.yaml" ]] ||
    die "no volume snapshot CRDs in $dir/cluster/addons/volumesnapshots/crd"
  echo "$dir/cluster/addons/volumesnapshots/crd"
}

cmd_env() {
  local path=("$KUBE_BIN")
  # A version without its own kubectl uses KUBECTL_K8S's, after its own binaries.
  [[ "$(dirname "$KUBECTL")" == "$KUBE_BIN" ]] || path+=("$(dirname "$KUBECTL")")
  path+=("$ETCD_BIN")
  printf 'export KUBECONFIG=%q\n' "$KUBECONFIG_FILE"
  printf 'export KUBE_CEPH_LAB_SNAPSHOT_CRDS=%q\n' "$(snapshot_crds_dir)"
  # shellcheck disable=SC2016
  printf 'export PATH=%s:"$PATH"\n' "$(IFS=:; printf '%q' "${path[*]}")"
}

# Smoke test of a running lab: create one of each kind the kube-ceph program
# uses, set Node status, check GC and namespace deletion, clean up.
cmd_check() {
  apiserver_ready || die "apiserver not ready (lab/kubernetes/kube.sh up)"
  local k=("$KUBECTL" --kubeconfig="$KUBECONFIG_FILE") ns=kube-lab-check uid
  "${k[@]}" delete ns "$ns" --ignore-not-found --timeout=60s >/dev/null
  "${k[@]}" delete node kube-lab-check-node --ignore-not-found >/dev/null
  "${k[@]}" delete clusterrole kube-lab-check --ignore-not-found >/dev/null
  "${k[@]}" delete storageclass kube-lab-check --ignore-not-found >/dev/null
  "${k[@]}" delete csidriver kube-lab-check.example.com --ignore-not-found >/dev/null
  "${k[@]}" create -f - <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $ns}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: $ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kube-lab-check}
rules: [{apiGroups: [""], resources: [nodes], verbs: [get, list]}]
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: $ns}
stringData: {key: value}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: $ns}
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: $ns}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {serviceAccountName: sa, containers: [{name: c, image: busybox}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: $ns}
spec:
  selector: {matchLabels: {app: ds}}
  template:
    metadata: {labels: {app: ds}}
    spec: {hostNetwork: true, containers: [{name: c, image: busybox, securityContext: {privileged: true}}]}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: kube-lab-check}
provisioner: kube-lab-check.example.com
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {name: kube-lab-check.example.com}
spec: {attachRequired: true}
---
apiVersion: v1
kind: Node
metadata: {name: kube-lab-check-node}
EOF
  "${k[@]}" patch node kube-lab-check-node --subresource=status --type=merge \
    -p '{"status":{"nodeInfo":{"kernelVersion":"6.1.0-lab"}}}' >/dev/null
  [[ "$("${k[@]}" get node kube-lab-check-node -o jsonpath='{.status.nodeInfo.kernelVersion}')" == 6.1.0-lab ]] ||
    die "node status patch did not stick"
  log "check: all kinds created, node status patched"
  # An owned ConfigMap: with the GC running, deleting the owner removes it.
  uid="$("${k[@]}" get cm cm -n "$ns" -o jsonpath='{.metadata.uid}')"
  "${k[@]}" create -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  namespace: $ns
  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: cm, uid: $uid, blockOwnerDeletion: true}]
EOF
  "${k[@]}" delete cm cm -n "$ns" --cascade=foreground --timeout=60s
  "${k[@]}" delete deployment d -n "$ns" --cascade=foreground --timeout=60s
  if [[ $USE_KCM == 1 ]]; then
    "${k[@]}" wait --for=delete cm/dependent -n "$ns" --timeout=60s >/dev/null 2>&1 ||
      die "garbage collector did not delete the dependent ConfigMap"
    log "check: foreground deletion + GC of dependents ok"
    "${k[@]}" delete ns "$ns" --timeout=120s
    log "check: namespace deletion completed"
  else
    # No namespace controller: drop the "kubernetes" finalizer by hand. The
    # namespace's objects stay in etcd and reappear if it is re-created.
    log "check: KUBE_CEPH_LAB_KCM=0: no GC (dependent left behind), finalizing namespace by hand"
    "${k[@]}" delete ns "$ns" --wait=false
    "${k[@]}" get ns "$ns" -o json |
      sed 's/"kubernetes"//' |
      "${k[@]}" replace --raw "/api/v1/namespaces/$ns/finalize" -f - >/dev/null
    "${k[@]}" wait --for=delete "ns/$ns" --timeout=30s
  fi
  "${k[@]}" delete node kube-lab-check-node
  "${k[@]}" delete clusterrole kube-lab-check
  "${k[@]}" delete storageclass kube-lab-check
  "${k[@]}" delete csidriver kube-lab-check.example.com
  "${k[@]}" version
  log "check: ok"
}

case "${1:-}" in
  build) cmd_build ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  check) cmd_check ;;
  stop-apiserver) with_lock "$LOCK_FILE"; stop_components kube-apiserver ;;
  start-apiserver) with_lock "$LOCK_FILE"; start_apiserver ;;
  restart-kcm) cmd_restart_kcm "${2:-}" ;;
  gomod) shift; with_build_lock "$BUILD_LOCK_FILE"; cmd_gomod "$@" ;;
  *) usage ;;
esac
