#!/usr/bin/env bash
# lab/operator/operator.sh - the real ceph-csi-operator in the lab. The lab has no kubelet, so the
# Deployment that kube-ceph installs from the operator's install.yaml is never scheduled.
# This script stands in for the kubelet for that one Deployment, and for nothing else: while
# it exists, the operator binary built from the same release runs as a host process with a
# token of the Deployment's own ServiceAccount (so the installed RBAC is what it works with)
# and the Deployment's own environment and arguments. ceph-csi's pods, which the operator then
# generates, still cannot run here: no kubelet, and no ceph-csi binary is served.
#
# The operator's csi.ceph.io/v1 API (its nested Go module github.com/ceph/ceph-csi-operator/api)
# is not served by the Go proxy at any version. kube-ceph writes those types itself, from the
# CRD schemas of the release's install.yaml, in lab/go/kube/ceph-csi-operator-api; the wrapper
# module's go.mod replaces the api module with it. api-check proves them faithful.
#
# Usage: lab/operator/operator.sh build|up|down|status|env|pause|resume|api-check|api-gen
#   build   build the operator of lab/go/kube/ceph-csi-operator/go.mod into the cache
#   api-check  the API types against the release: controller-gen's CRDs of them equal
#           install.yaml's (descriptions aside), and the committed deepcopy file is current
#   api-gen regenerate the API module's zz_generated.deepcopy.go with controller-gen
#   up      build if needed, start the supervisor (idempotent); the Kubernetes lab must be up
#   down    stop the supervisor and the operator
#   status  print state
#   env     print export lines: KUBE_CEPH_LAB_OPERATOR_MANIFEST, the release's install.yaml
#           in the Go module cache, for kube-ceph:provisioner.operator.manifest; and
#           KUBE_CEPH_LAB_OPERATOR_KUBECONFIG, the kubeconfig the operator runs with
#   pause   stop the operator and keep it stopped (fault injection: a controller that is gone)
#   resume  let the supervisor start it again
set -euo pipefail

LOG_TAG=operator.sh
# lib.sh is shared by every lab script, so it sits one level up, in lab/.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The operator's Go modules sit with the control plane's in lab/go/kube: lab/go is beside
# this script's folder, shared by the lab's systems.
LAB_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"
GO_DIR="$LAB_DIR/go/kube"
MOD_DIR="$GO_DIR/ceph-csi-operator"
OPERATOR_MODULE=github.com/ceph/ceph-csi-operator
OPERATOR_VERSION="$(modver "$MOD_DIR/go.mod" "$OPERATOR_MODULE")"
API_DIR="$GO_DIR/ceph-csi-operator-api"
CONTROLLER_GEN_DIR="$GO_DIR/controller-gen"
CONTROLLER_GEN_VERSION="$(modver "$CONTROLLER_GEN_DIR/go.mod" sigs.k8s.io/controller-tools)"
CONTROLLER_GEN="$LAB_CACHE/controller-gen-$CONTROLLER_GEN_VERSION/bin/controller-gen"
BUILD_LOCK_FILE="$LAB_CACHE/operator-build.lock"

DATA_DIR="$LAB_HOME/data/operator"
RUN_DIR="$DATA_DIR/run"
LOG_DIR="$DATA_DIR/logs"
LOCK_FILE="$LAB_HOME/operator.lock"
PAUSE_FILE="$RUN_DIR/paused"
SUPERVISOR_PID="$RUN_DIR/supervisor.pid"
OPERATOR_PID="$RUN_DIR/operator.pid"
OPERATOR_KUBECONFIG="$RUN_DIR/operator.kubeconfig"
# The Deployment of install.yaml that this script runs, and its container.
DEPLOYMENT=ceph-csi-operator-controller-manager
CONTAINER=manager

use_local_go
# The checksum database does not answer for github.com/ceph modules.
export GONOSUMDB="github.com/ceph/*"

# ---------------------------------------------------------------- build
# What the binary is built from besides the release: the API module's sources and the wrapper
# module. Their digest keys the cache, so a change to the types builds the operator again.
# It hashes the files' contents and their paths relative to lab/go/kube, never where this
# script sits, so that moving the script keeps the cached build (about 10 min cold).
api_digest() {
  # No module: "missing", so that commands other than build (down, status) still run.
  [[ -d "$API_DIR" ]] || { echo missing; return 0; }
  (cd "$GO_DIR" &&
    find ceph-csi-operator-api ceph-csi-operator -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' \) \
      ! -name '*_test.go' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12
}
OPERATOR_BIN="$LAB_CACHE/ceph-csi-operator-$OPERATOR_VERSION-api-$(api_digest)/bin"

need_api_module() {
  [[ -f "$API_DIR/go.mod" && -f "$API_DIR/v1/zz_generated.deepcopy.go" ]] ||
    die "no API module in $API_DIR (go.mod and v1/zz_generated.deepcopy.go): the operator's github.com/ceph/ceph-csi-operator/api is not served by the Go proxy, and $MOD_DIR/go.mod replaces it with that folder; restore it from git (git checkout -- lab/go/kube/ceph-csi-operator-api)"
  grep -q "^replace github.com/ceph/ceph-csi-operator/api => ../ceph-csi-operator-api" "$MOD_DIR/go.mod" ||
    die "$MOD_DIR/go.mod does not replace github.com/ceph/ceph-csi-operator/api with ../ceph-csi-operator-api: the Go proxy serves no version of that module"
}

cmd_build() {
  need_api_module
  with_build_lock "$BUILD_LOCK_FILE"
  if [[ -x "$OPERATOR_BIN/ceph-csi-operator" ]]; then
    log "ceph-csi-operator $OPERATOR_VERSION cached in $OPERATOR_BIN"
    return 0
  fi
  local t0=$SECONDS
  log "building ceph-csi-operator $OPERATOR_VERSION with kube-ceph's API types -> $OPERATOR_BIN (about 10 min cold)"
  gobuild "$MOD_DIR" "$OPERATOR_BIN" "" "ceph-csi-operator=$OPERATOR_MODULE/cmd" ||
    die "could not build ceph-csi-operator $OPERATOR_VERSION (its output is above)"
  log "ceph-csi-operator built in $((SECONDS - t0))s"
}

# controller-gen, at the version the release's CRDs were generated with (their annotation).
build_controller_gen() {
  with_build_lock "$LAB_CACHE/controller-gen-build.lock"
  [[ -x "$CONTROLLER_GEN" ]] && return 0
  log "building controller-gen $CONTROLLER_GEN_VERSION -> $(dirname "$CONTROLLER_GEN")"
  gobuild "$CONTROLLER_GEN_DIR" "$(dirname "$CONTROLLER_GEN")" "" \
    "controller-gen=sigs.k8s.io/controller-tools/cmd/controller-gen"
}

# The deepcopy functions are generated, and committed so that the build needs no generator.
generate_deepcopy() { # module-dir
  (cd "$1" && GOFLAGS=-mod=readonly "$CONTROLLER_GEN" object paths=./...)
}

cmd_api_gen() {
  need_api_module
  build_controller_gen
  generate_deepcopy "$API_DIR"
  log "regenerated $API_DIR/v1/zz_generated.deepcopy.go"
}

# Faithfulness of the types: the schema test (v1/schema_test.go) runs controller-gen crd over
# them and compares all five CRDs with install.yaml's; then a fresh deepcopy in a copy of the
# module must equal the committed one.
cmd_api_check() {
  need_api_module
  build_controller_gen
  local manifest copy
  manifest="$(manifest_path)"
  (cd "$API_DIR" && CONTROLLER_GEN="$CONTROLLER_GEN" OPERATOR_INSTALL_YAML="$manifest" \
    GOFLAGS=-mod=readonly go test -count=1 -v ./v1/) || return 1
  copy="$(mktemp -d)"
  rm_at_exit "$copy"
  cp -r "$API_DIR/." "$copy/"
  generate_deepcopy "$copy" || return 1
  diff -u "$API_DIR/v1/zz_generated.deepcopy.go" "$copy/v1/zz_generated.deepcopy.go" ||
    { log "v1/zz_generated.deepcopy.go is stale: lab/operator/operator.sh api-gen"; return 1; }
  log "the API types match ceph-csi-operator $OPERATOR_VERSION's CRDs, and their deepcopy is current"
}

# The release's install.yaml, from the module cache (downloaded by the build if missing).
manifest_path() {
  local dir
  dir="$(cd "$MOD_DIR" && GOFLAGS=-mod=mod go mod download -json "$OPERATOR_MODULE@$OPERATOR_VERSION" | jq -r .Dir)"
  [[ -f "$dir/deploy/all-in-one/install.yaml" ]] || die "no deploy/all-in-one/install.yaml in $dir"
  echo "$dir/deploy/all-in-one/install.yaml"
}

# ---------------------------------------------------------------- the stand-in kubelet
kube() { "$KUBECTL_BIN" --kubeconfig="$LAB_KUBECONFIG" "$@"; }

# "namespace deletion-timestamp" of the operator Deployment, or nothing.
deployment_state() {
  kube get deployment -A --field-selector "metadata.name=$DEPLOYMENT" \
    -o jsonpath='{range .items[*]}{.metadata.namespace} {.metadata.deletionTimestamp}{"\n"}{end}' 2>/dev/null | head -n 1
}

container_field() { # namespace jsonpath-inside-the-container
  kube get deployment -n "$1" "$DEPLOYMENT" -o jsonpath="{.spec.template.spec.containers[?(@.name==\"$CONTAINER\")]$2}"
}

# A kubeconfig with the lab's server and CA, authenticated as the Deployment's ServiceAccount.
write_operator_kubeconfig() { # namespace serviceaccount file
  local token server ca
  token="$(kube create token -n "$1" "$2" --duration=24h)" || return 1
  server="$(kube config view --minify --raw -o jsonpath='{.clusters[0].cluster.server}')"
  ca="$(kube config view --minify --raw -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')"
  umask 077
  cat >"$3" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster: {server: "$server", certificate-authority-data: "$ca"}
users:
- name: operator
  user: {token: "$token"}
contexts:
- name: operator
  context: {cluster: lab, user: operator}
current-context: operator
EOF
}

operator_running() { ourpid "$OPERATOR_PID" "$OPERATOR_BIN/ceph-csi-operator" >/dev/null; }

# Starts the operator the way the Deployment's pod would run: its namespace, its env values,
# its args, but for two things. Probes and metrics are not served (no kubelet probes them).
# --leader-elect is dropped: outside a pod controller-runtime cannot find the lease's
# namespace (it reads the pod's service-account mount) and refuses to start; one process
# needs no election, so the lease RBAC is the one part of the install this does not use.
start_operator() { # namespace
  local ns="$1" sa envs args name value kubeconfig="$OPERATOR_KUBECONFIG"
  sa="$(kube get deployment -n "$ns" "$DEPLOYMENT" -o jsonpath='{.spec.template.spec.serviceAccountName}')"
  write_operator_kubeconfig "$ns" "$sa" "$kubeconfig" || return 1
  envs=(OPERATOR_NAMESPACE="$ns")
  while read -r name value; do
    [[ -n "$name" && "$name" != OPERATOR_NAMESPACE ]] && envs+=("$name=$value")
  done < <(kube get deployment -n "$ns" "$DEPLOYMENT" \
    -o jsonpath="{range .spec.template.spec.containers[?(@.name==\"$CONTAINER\")].env[*]}{.name} {.value}{\"\\n\"}{end}")
  read -r -a args <<<"$(container_field "$ns" '.args[*]')"
  local kept=() arg
  for arg in "${args[@]}"; do [[ "$arg" == --leader-elect* ]] || kept+=("$arg"); done
  args=("${kept[@]}")
  log "starting ceph-csi-operator for $ns/$DEPLOYMENT as $ns:$sa (${args[*]})"
  start_bg "$OPERATOR_PID" "$LOG_DIR/operator.log" env "${envs[@]}" \
    "$OPERATOR_BIN/ceph-csi-operator" "${args[@]}" --kubeconfig="$kubeconfig" \
    --health-probe-bind-address=0 --metrics-bind-address=0
}

stop_operator() { stop_pids "ceph-csi-operator|$OPERATOR_PID|$OPERATOR_BIN/ceph-csi-operator"; }

cmd_supervise() {
  local state ns deleting
  while :; do
    # An API that does not answer says nothing about the Deployment: a kubelet keeps its pods.
    if ! state="$(deployment_state)"; then
      sleep 1
      continue
    fi
    read -r ns deleting <<<"$state"
    if [[ -n "$ns" && -z "$deleting" && ! -f "$PAUSE_FILE" ]]; then
      operator_running || start_operator "$ns" || log "could not start the operator yet"
    elif operator_running; then
      stop_operator
    fi
    sleep 1
  done
}

# ---------------------------------------------------------------- commands
cmd_up() {
  with_lock "$LOCK_FILE"
  cmd_build
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  if ourpid "$SUPERVISOR_PID" /usr/bin/bash >/dev/null; then
    log "supervisor already running"
    return 0
  fi
  start_bg "$SUPERVISOR_PID" "$LOG_DIR/supervisor.log" bash "$SCRIPT_DIR/operator.sh" supervise "$DATA_DIR"
  log "up: the operator runs while deployment/$DEPLOYMENT exists (log: $LOG_DIR/operator.log)"
}

cmd_down() {
  with_lock "$LOCK_FILE"
  stop_pids "operator supervisor|$SUPERVISOR_PID|/usr/bin/bash"
  stop_operator
  rm -rf "$DATA_DIR"
}

cmd_status() {
  local pid
  if pid="$(ourpid "$SUPERVISOR_PID" /usr/bin/bash)"; then echo "operator supervisor: running (pid $pid)"; else echo "operator supervisor: not running"; fi
  if pid="$(ourpid "$OPERATOR_PID" "$OPERATOR_BIN/ceph-csi-operator")"; then echo "ceph-csi-operator: running (pid $pid)"; else echo "ceph-csi-operator: not running"; fi
  [[ -f "$PAUSE_FILE" ]] && echo "ceph-csi-operator: paused"
  return 0
}

cmd_env() {
  printf 'export KUBE_CEPH_LAB_OPERATOR_MANIFEST=%q\n' "$(manifest_path)"
  printf 'export KUBE_CEPH_LAB_OPERATOR_KUBECONFIG=%q\n' "$OPERATOR_KUBECONFIG"
}

LAB_KUBECONFIG="$LAB_HOME/data/kube/kubeconfig"
KUBECTL_BIN="$(command -v kubectl || true)"
need_kube() {
  [[ -n "$KUBECTL_BIN" ]] || die "no kubectl on PATH (eval \"\$(lab/lab.sh env)\")"
  [[ -f "$LAB_KUBECONFIG" ]] || die "no $LAB_KUBECONFIG: lab/kubernetes/kube.sh up first"
}

case "${1:-}" in
  build) cmd_build ;;
  up) need_kube; cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  api-check) cmd_api_check ;;
  api-gen) cmd_api_gen ;;
  supervise) need_kube; cmd_supervise ;;
  pause) mkdir -p "$RUN_DIR"; touch "$PAUSE_FILE"; stop_operator ;;
  resume) rm -f "$PAUSE_FILE" ;;
  *) usage ;;
esac
