# shellcheck shell=bash
# lab/lib.sh - the helpers lab/lab.sh, lab/ceph/ceph.sh, lab/kubernetes/kube.sh,
# lab/operator/operator.sh and lab/pulumi/pulumi.sh share, one copy of each so that the
# scripts cannot drift apart. Sourced, never run: the sourcing script sets LOG_TAG (the
# prefix of its log lines) first.

LAB_HOME="${KUBE_CEPH_LAB_HOME:-/var/tmp/kube-ceph-lab}"
# Built tools, keyed by version. KUBE_CEPH_LAB_CACHE lets a second lab home use the
# builds of another; build locks live in the cache (with_build_lock), so both may build.
# shellcheck disable=SC2034 # used by the scripts that source this file
LAB_CACHE="${KUBE_CEPH_LAB_CACHE:-$LAB_HOME/cache}"

log() { printf '[%s] %s\n' "$LOG_TAG" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The script's header comment (line 2 up to `set -euo`), as its usage.
usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Paths removed when the script exits. Signals are turned into exits so that this
# runs on Ctrl-C and kill too.
AT_EXIT_RM=()
rm_at_exit() { AT_EXIT_RM+=("$@"); }
trap '((${#AT_EXIT_RM[@]} == 0)) || rm -rf "${AT_EXIT_RM[@]}"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- locks
# Two locks, always on the same fds: 9 for a script's state in LAB_HOME (up, down,
# start, stop), 8 for building into LAB_CACHE. start_bg closes both in the daemons, or a
# daemon would hold the lock for its whole life. One timeout: the longest a holder
# legitimately keeps a lock is a cold Go build (kube.sh up builds under its state lock):
# the Pulumi builds took 25 min cold on 2 cores, kube 1.36 7 min, kube 1.30 8.5 min.
LOCK_TIMEOUT=3600

with_lock() { # lockfile
  mkdir -p "$(dirname "$1")"
  exec 9>"$1"
  flock -w "$LOCK_TIMEOUT" 9 || die "could not lock $1 in ${LOCK_TIMEOUT}s"
}

with_build_lock() { # lockfile
  mkdir -p "$(dirname "$1")"
  exec 8>"$1"
  flock -w "$LOCK_TIMEOUT" 8 || die "could not lock $1 in ${LOCK_TIMEOUT}s"
}

# ---------------------------------------------------------------- packages
pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

# Installs the Debian packages that are missing, output to LOGFILE. `apt-get update` runs
# only when one of them has no candidate: a fresh machine's package lists may be empty.
ensure_packages() { # logfile package...
  local logf="$1" p missing=() need_update=0
  shift
  for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
  ((${#missing[@]} == 0)) && return 0
  mkdir -p "$(dirname "$logf")"
  log "installing ${missing[*]} (log: $logf)"
  for p in "${missing[@]}"; do
    if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then need_update=1; fi
  done
  if ((need_update)); then
    apt-get update -q >>"$logf" 2>&1 || { tail -n 20 "$logf" >&2; die "apt-get update failed"; }
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}" >>"$logf" 2>&1 ||
    { tail -n 30 "$logf" >&2; die "apt-get install failed"; }
}

# ---------------------------------------------------------------- processes
# Alive while any of its threads is not a zombie. A daemon that died stays a zombie (state
# Z) until its parent, or pid 1, which may reap orphans late, collects it; but a
# multi-threaded daemon's main thread can be a zombie while its other threads still hold
# its sockets open (a restarted kube-controller-manager found its port taken).
pid_alive() { # pid
  local task st
  for task in /proc/"$1"/task/*; do
    st="$(awk '/^State:/ { print $2; exit }' "$task/status" 2>/dev/null)" || continue
    [[ -n "$st" && "$st" != Z && "$st" != X ]] && return 0
  done
  return 1
}

# The pid recorded in PIDFILE, printed only if that process is alive, runs BINARY and
# names this lab's data dir on its command line (a recycled pid, or the same program
# run for another lab home, is not ours); status 1 and nothing printed otherwise.
# /proc/PID/exe, not argv[0]: sshd rewrites its process title. exe is the resolved
# path (the cache may be reached through a symlink), with " (deleted)" once the file
# was replaced on disk after the start.
ourpid() { # pidfile binary
  local pid exe want cmdline
  [[ -f "$1" ]] || return 1
  pid="$(<"$1")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  pid_alive "$pid" || return 1
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  want="$(readlink -f "$2")" || return 1
  [[ "$exe" == "$want" || "$exe" == "$want (deleted)" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$LAB_HOME/data/"* ]] || return 1
  echo "$pid"
}

# Starts a daemon, its pid in PIDFILE, its output appended to LOGFILE. setsid: its own
# session, so the caller's job control or terminal does not take it down. 8>&- 9>&-:
# it must not inherit a lock (see with_lock).
start_bg() { # pidfile logfile command...
  local pidf="$1" logf="$2"
  shift 2
  mkdir -p "$(dirname "$pidf")" "$(dirname "$logf")"
  setsid "$@" >>"$logf" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$pidf"
}

# Waits until COMMAND succeeds while the daemon recorded in PIDFILE starts: 0 when it
# did, 1 as soon as the daemon is dead, 2 after SECONDS. Until its exec the recorded pid
# still runs setsid (or env), not BINARY (seen under load in CI): that is a daemon
# starting; only a dead pid, zombies included, is a failed start.
wait_started() { # seconds pidfile binary command...
  local deadline=$((SECONDS + $1)) pidf="$2" bin="$3" pid
  shift 3
  until "$@" >/dev/null 2>&1; do
    if ! ourpid "$pidf" "$bin" >/dev/null; then
      pid="$(cat "$pidf" 2>/dev/null)" || return 1
      pid_alive "$pid" || return 1
    fi
    ((SECONDS < deadline)) || return 2
    sleep 0.3
  done
}

# TERM every live recorded daemon, wait up to STOP_GRACE seconds for all, then KILL the
# rest. The pidfiles are removed; a stale one is reported.
STOP_GRACE=15
stop_pids() { # "label|pidfile|binary"...
  local spec label pidf bin pid i alive
  local -a pids=() labels=()
  for spec in "$@"; do
    IFS='|' read -r label pidf bin <<<"$spec"
    if pid="$(ourpid "$pidf" "$bin")"; then
      log "stopping $label (pid $pid)"
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid"); labels+=("$label")
    elif [[ -f "$pidf" ]]; then
      log "$label: stale pidfile (pid $(<"$pidf") is not ours or not running)"
    fi
    rm -f "$pidf"
  done
  ((${#pids[@]})) || return 0
  for ((i = 0; i < STOP_GRACE * 10; i++)); do
    alive=0
    for pid in "${pids[@]}"; do pid_alive "$pid" && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if pid_alive "${pids[$i]}"; then
      log "${labels[$i]} (pid ${pids[$i]}) did not stop in ${STOP_GRACE}s, sending KILL"
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  sleep 0.2
}

# ---------------------------------------------------------------- go
# The Go toolchain at /usr/local/go, and never a download of another one that a
# dependency's go/toolchain line asks for. Module and build caches: Go's defaults
# (~/go/pkg/mod, ~/.cache/go-build), shared with the rest of the machine.
use_local_go() {
  export PATH="/usr/local/go/bin:$PATH"
  export GOTOOLCHAIN=local
}

# Version of a required module, read from a committed go.mod. Comments are stripped
# first: on `require m v1.2.3 // indirect` the last field would be "indirect".
modver() { # modfile module
  awk -v m="$2" '{ sub(/[ \t]*\/\/.*/, "") } ($1 == m || $1 == "require" && $2 == m) { print $NF; exit }' "$1"
}

# Builds the main packages PKG of the module in MODDIR, in one `go build` (they share
# the compile work), static (CGO_ENABLED=0) and stripped, with LDFLAGS (-X ...) added,
# into BINDIR/NAME. The binaries are written to a temp dir inside BINDIR and then moved
# into place, so an interrupted build never leaves a half binary. Callers hold the build
# lock: a temp dir found in BINDIR is a killed build's and is removed.
gobuild() { # moddir bindir ldflags name=pkg...
  local moddir="$1" bindir="$2" ldflags="$3"
  shift 3
  local tmp spec out pkgs=()
  mkdir -p "$bindir"
  rm -rf "$bindir"/.build.*
  tmp="$(mktemp -d "$bindir/.build.XXXXXX")"
  rm_at_exit "$tmp"
  for spec in "$@"; do pkgs+=("${spec#*=}"); done
  # One package: -o names the file. Several: -o DIR/ names each after the last element
  # of its import path.
  if (($# == 1)); then out="$tmp/${1%%=*}"; else out="$tmp/"; fi
  (cd "$moddir" && CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false -mod=readonly" \
    go build -ldflags "-s -w $ldflags" -o "$out" "${pkgs[@]}") || die "go build failed in $moddir"
  if (($# == 1)); then
    mv -f "$out" "$bindir/${1%%=*}"
  else
    for spec in "$@"; do mv -f "$tmp/$(basename "${spec#*=}")" "$bindir/${spec%%=*}"; done
  fi
  rm -rf "$tmp"
}
