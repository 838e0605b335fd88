#!/usr/bin/env bash
# lab/ceph/ceph.sh - a local, loopback-only Ceph (Pacific, Debian packages) cluster
# for the kube-ceph lab: 3 mons (a b c on 127.0.0.11/.12/.13, msgr v2 :3300 +
# v1 :6789), 1 mgr (x), 3 memstore OSDs, 2 MDS (a b: standby, no filesystem;
# once one is made, one MDS is active and the other its standby), ceph-fuse, and
# one OpenSSH sshd per mon address (port 2222, key-only, root) whose sessions
# get CEPH_CONF pointing at the lab cluster, so a plain `ceph ...` / `rbd ...`
# run over ssh talks to it.
#
# Usage: lab/ceph/ceph.sh up|down|status|env|stop-mon|start-mon|stop-sshd|start-sshd
#   up               install packages if missing, start everything, wait for
#                    HEALTH_OK (idempotent: fast when already up and healthy;
#                    restarts stopped mons/mgr/MDSs/sshds; recreates the cluster
#                    from scratch when an OSD is gone or data is stale; fails,
#                    leaving it running, if it stays unhealthy for 45 s)
#   down             stop the recorded processes, remove data/ceph + data/ssh
#   status           print daemon state and `ceph -s`; exit 0 only if all up
#   env              print export lines (eval "$(lab/ceph/ceph.sh env)")
#   stop-mon  a|b|c            start-mon  a|b|c
#   stop-sshd 127.0.0.1X       start-sshd 127.0.0.1X
#
# Environment:
#   KUBE_CEPH_LAB_HOME   lab home (default /var/tmp/kube-ceph-lab); state in
#                        $KUBE_CEPH_LAB_HOME/data/ceph and .../data/ssh
#   KUBE_CEPH_LAB_CEPH_RECREATE=1  let `up` wipe and recreate a running
#                        cluster that stays unhealthy (default: fail instead)
set -euo pipefail

LOG_TAG=ceph.sh
# lib.sh is shared by every lab script, so it sits one level up, in lab/.
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

CEPH_DIR="$LAB_HOME/data/ceph"
SSH_DIR="$LAB_HOME/data/ssh"
# Fault tests put wrappers here (first on the PATH of every lab SSH session); empty otherwise.
FAULT_BIN="$SSH_DIR/fault-bin"
RUN_DIR="$CEPH_DIR/run"
LOG_DIR="$CEPH_DIR/log"
CONF="$CEPH_DIR/ceph.conf"
ADMIN_KEYRING="$CEPH_DIR/ceph.client.admin.keyring"
MON_KEYRING="$CEPH_DIR/mon.keyring"
FSID_FILE="$CEPH_DIR/fsid"
SSH_KEY="$SSH_DIR/id_ed25519"
KNOWN_HOSTS="$SSH_DIR/known_hosts"
LOCK_FILE="$LAB_HOME/ceph.lock"
APT_LOG="$LAB_HOME/ceph-apt.log"

MONS=(a b c)
declare -A MON_IP=([a]=127.0.0.11 [b]=127.0.0.12 [c]=127.0.0.13)
OSDS=(0 1 2)
MGR=x
MDSS=(a b)
SSH_PORT=2222
MEMSTORE_BYTES=$((1024 * 1024 * 1024))
PACKAGES=(ceph-mon ceph-osd ceph-mgr ceph-mds ceph-common ceph-fuse openssh-server openssh-client jq)

BIN_MON=/usr/bin/ceph-mon
BIN_MGR=/usr/bin/ceph-mgr
BIN_OSD=/usr/bin/ceph-osd
BIN_MDS=/usr/bin/ceph-mds
BIN_SSHD=/usr/sbin/sshd

mon_addrvec() { echo "[v2:${MON_IP[$1]}:3300,v1:${MON_IP[$1]}:6789]"; }
mon_host() {
  local m out=()
  for m in "${MONS[@]}"; do out+=("$(mon_addrvec "$m")"); done
  local IFS=,
  echo "${out[*]}"
}
all_mon_ips() { local m; for m in "${MONS[@]}"; do echo "${MON_IP[$m]}"; done; }

# ---------------------------------------------------------------- processes
mon_pidf() { echo "$RUN_DIR/mon.$1.pid"; }
mgr_pidf() { echo "$RUN_DIR/mgr.$MGR.pid"; }
osd_pidf() { echo "$RUN_DIR/osd.$1.pid"; }
mds_pidf() { echo "$RUN_DIR/mds.$1.pid"; }
sshd_pidf() { echo "$SSH_DIR/run/sshd-$1.pid"; }
sshd_conf() { echo "$SSH_DIR/sshd-$1.conf"; }

mon_spec() { echo "mon.$1|$(mon_pidf "$1")|$BIN_MON"; }
mgr_spec() { echo "mgr.$MGR|$(mgr_pidf)|$BIN_MGR"; }
osd_spec() { echo "osd.$1|$(osd_pidf "$1")|$BIN_OSD"; }
mds_spec() { echo "mds.$1|$(mds_pidf "$1")|$BIN_MDS"; }
sshd_spec() { echo "sshd $1|$(sshd_pidf "$1")|$BIN_SSHD"; }

mon_running() { ourpid "$(mon_pidf "$1")" "$BIN_MON" >/dev/null; }
mgr_running() { ourpid "$(mgr_pidf)" "$BIN_MGR" >/dev/null; }
osd_running() { ourpid "$(osd_pidf "$1")" "$BIN_OSD" >/dev/null; }
mds_running() { ourpid "$(mds_pidf "$1")" "$BIN_MDS" >/dev/null; }
sshd_running() { ourpid "$(sshd_pidf "$1")" "$BIN_SSHD" >/dev/null; }

any_recorded_running() {
  local m o d ip
  for m in "${MONS[@]}"; do mon_running "$m" && return 0; done
  for o in "${OSDS[@]}"; do osd_running "$o" && return 0; done
  mgr_running && return 0
  for d in "${MDSS[@]}"; do mds_running "$d" && return 0; done
  for ip in $(all_mon_ips); do sshd_running "$ip" && return 0; done
  return 1
}

listening() { # ip port [pid]
  ss -Hltnp "src $1:$2" 2>/dev/null | grep -q "${3:+pid=$3,}"
}

# The daemon recorded in pidfile listens on ip:port (not something else on its address).
listens_as() { # ip port pidfile binary
  local pid
  pid="$(ourpid "$3" "$4")" && listening "$1" "$2" "$pid"
}

# wait until the process recorded in pidfile listens on ip:port; fail early
# if it exits (e.g. the address is taken by someone else).
wait_listen() { # seconds pidfile binary ip port
  wait_started "$1" "$2" "$3" listens_as "$4" "$5" "$2" "$3"
}

# ---------------------------------------------------------------- ceph cli
cephc() { timeout 30 ceph -c "$CONF" --connect-timeout 10 "$@"; }

status_json() { timeout 15 ceph -c "$CONF" --connect-timeout 8 status -f json 2>/dev/null; }

# 0 if: HEALTH_OK, 3 mons in quorum, 3 OSDs up+in, mgr available, both MDSs
# up (standby, or holding a rank of a filesystem), all PGs active+clean.
json_healthy() { # json
  jq -e --argjson n "${#OSDS[@]}" --argjson q "${#MONS[@]}" --argjson d "${#MDSS[@]}" '
    .health.status == "HEALTH_OK"
    and (.quorum_names | length) == $q
    and .osdmap.num_up_osds == $n and .osdmap.num_in_osds == $n
    and .mgrmap.available == true
    and ((.fsmap["up:standby"] // 0)
      + ([.fsmap.by_rank[]? | select(.status | startswith("up:"))] | length)) == $d
    and ([.pgmap.pgs_by_state[]? | select(.state_name != "active+clean")] | length) == 0
  ' <<<"$1" >/dev/null 2>&1
}

# Health checks that go away by themselves once the daemons are up and the
# PGs have peered (the MDS ones: once a restarted MDS has rejoined a
# filesystem a test left); anything else (e.g. POOL_APP_NOT_ENABLED left by a
# test) does not.
TRANSIENT_CHECKS='["PG_AVAILABILITY","PG_DEGRADED","MON_DOWN","MGR_DOWN","OSD_DOWN","OSD_HOST_DOWN","OSD_ROOT_DOWN","SLOW_OPS","MDS_ALL_DOWN","MDS_UP_LESS_THAN_MAX","MDS_INSUFFICIENT_STANDBY","FS_DEGRADED","FS_WITH_FAILED_MDS"]'

# 0 when healthy within the given seconds; 1 on timeout; 2 (only with
# "persistent" given) as soon as a non-transient health check shows up.
wait_healthy() { # seconds [persistent]
  local deadline=$((SECONDS + $1)) js
  while :; do
    js="$(status_json || true)"
    [[ -n "$js" ]] && json_healthy "$js" && return 0
    if [[ -n "$js" && "${2:-}" == persistent ]] && jq -e --argjson t "$TRANSIENT_CHECKS" \
      '((.health.checks // {}) | keys) - $t | length > 0' <<<"$js" >/dev/null 2>&1; then
      return 2
    fi
    ((SECONDS < deadline)) || return 1
    sleep 1
  done
}

# ---------------------------------------------------------------- config
write_conf() { # fsid
  {
    cat <<EOF
# generated by lab/ceph/ceph.sh - loopback-only lab cluster
[global]
fsid = $1
mon host = $(mon_host)
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
ms bind ipv4 = true
ms bind ipv6 = false
run dir = $RUN_DIR
crash dir = $CEPH_DIR/crash
osd pool default size = 3
osd pool default min size = 2
osd crush chooseleaf type = 0
mon allow pool delete = true
# All three OSDs run on one machine while the e2e tier creates and deletes about a hundred
# pools. An OSD over its placement-group limit withholds new PGs, which then stay
# "activating" (seen once in CI: a PG inactive for 97 s and a HEALTH_WARN). Ceph's defaults
# size the limit for real OSDs, not for this churn; the lab raises it well clear.
mon max pg per osd = 1000
osd max pg per osd hard ratio = 10
mon warn on pool no redundancy = false
mon data avail warn = 2
mon data avail crit = 1
mgr initial modules = iostat
# The OSDs keep their data in memory (memstore), and the mon lets RBD overwrite erasure-coded
# pools (allow_ec_overwrites) only on BlueStore; this lab-only switch lifts that check.
mon debug no require bluestore for ec overwrites = true

[client]
keyring = $ADMIN_KEYRING

[mon]
mon data = $CEPH_DIR/mon/\$cluster-\$id
keyring = \$mon_data/keyring
pid file = $RUN_DIR/\$type.\$id.pid
admin socket = $RUN_DIR/\$cluster-\$name.asok
log file = $LOG_DIR/\$cluster-\$name.log
mon cluster log file = $LOG_DIR/\$cluster.log
mon cluster log to file = true

[mgr]
mgr data = $CEPH_DIR/mgr/\$cluster-\$id
keyring = \$mgr_data/keyring
public addr = 127.0.0.1
pid file = $RUN_DIR/\$type.\$id.pid
admin socket = $RUN_DIR/\$cluster-\$name.asok
log file = $LOG_DIR/\$cluster-\$name.log

[mds]
mds data = $CEPH_DIR/mds/\$cluster-\$id
keyring = \$mds_data/keyring
public addr = 127.0.0.1
pid file = $RUN_DIR/\$type.\$id.pid
admin socket = $RUN_DIR/\$cluster-\$name.asok
log file = $LOG_DIR/\$cluster-\$name.log

[osd]
osd data = $CEPH_DIR/osd/\$cluster-\$id
keyring = \$osd_data/keyring
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES
public addr = 127.0.0.1
cluster addr = 127.0.0.1
pid file = $RUN_DIR/\$type.\$id.pid
admin socket = $RUN_DIR/\$cluster-\$name.asok
log file = $LOG_DIR/\$cluster-\$name.log
EOF
  } >"$CONF"
}

# ---------------------------------------------------------------- daemons
start_mon() { # id
  mon_running "$1" && return 0
  start_bg "$(mon_pidf "$1")" "$LOG_DIR/mon.$1.out" "$BIN_MON" -f -i "$1" -c "$CONF"
}
start_mgr() {
  mgr_running && return 0
  start_bg "$(mgr_pidf)" "$LOG_DIR/mgr.$MGR.out" "$BIN_MGR" -f -i "$MGR" -c "$CONF"
}
start_osd() { # id
  osd_running "$1" && return 0
  start_bg "$(osd_pidf "$1")" "$LOG_DIR/osd.$1.out" "$BIN_OSD" -f -i "$1" -c "$CONF"
}
mds_keyring() { echo "$CEPH_DIR/mds/ceph-$1/keyring"; }
start_mds() { # id
  mds_running "$1" && return 0
  start_bg "$(mds_pidf "$1")" "$LOG_DIR/mds.$1.out" "$BIN_MDS" -f -i "$1" -c "$CONF"
}

mon_in_quorum() { # id
  local st
  st="$(timeout 5 ceph --admin-daemon "$RUN_DIR/ceph-mon.$1.asok" mon_status 2>/dev/null |
    jq -r .state 2>/dev/null)" || return 1
  [[ "$st" == leader || "$st" == peon ]]
}

wait_until() { # seconds what cmd...
  local deadline=$((SECONDS + $1)) what="$2"; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "timed out waiting for $what"; return 1; }
    sleep 0.5
  done
}

quorum_full() {
  local js
  js="$(timeout 10 ceph -c "$CONF" --connect-timeout 5 quorum_status -f json 2>/dev/null)" || return 1
  jq -e --argjson q "${#MONS[@]}" '(.quorum_names | length) == $q' <<<"$js" >/dev/null
}

check_ports_free() {
  local ip port busy=()
  for ip in $(all_mon_ips); do
    for port in 3300 6789 "$SSH_PORT"; do
      listening "$ip" "$port" && busy+=("$ip:$port")
    done
  done
  if ((${#busy[@]})); then
    log "ports already in use: ${busy[*]}"
    log "processes mentioning $LAB_HOME/data: $(pgrep -f -- "$LAB_HOME/data/" | tr '\n' ' ' || true)"
    die "cannot start the lab cluster (an unrecorded lab, or something else, holds the ports)"
  fi
}

create_cluster() {
  local fsid m o d uuid id odir
  mkdir -p "$CEPH_DIR" "$RUN_DIR" "$LOG_DIR" "$CEPH_DIR/crash" "$CEPH_DIR/mon" \
    "$CEPH_DIR/mgr" "$CEPH_DIR/osd" "$CEPH_DIR/mds"
  fsid="$(</proc/sys/kernel/random/uuid)"
  echo "$fsid" >"$FSID_FILE"
  write_conf "$fsid"
  log "creating cluster fsid $fsid in $CEPH_DIR"

  ceph-authtool --create-keyring "$MON_KEYRING" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$ADMIN_KEYRING" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$MON_KEYRING" --import-keyring "$ADMIN_KEYRING" >/dev/null
  chmod 600 "$MON_KEYRING" "$ADMIN_KEYRING"
  # The MDS keys go in with the admin key at mkfs (no mon round trip later).
  for d in "${MDSS[@]}"; do
    mkdir -p "$CEPH_DIR/mds/ceph-$d"
    ceph-authtool --create-keyring "$(mds_keyring "$d")" --gen-key -n "mds.$d" \
      --cap mon 'allow profile mds' --cap mgr 'allow profile mds' \
      --cap mds 'allow *' --cap osd 'allow *' >/dev/null
    ceph-authtool "$MON_KEYRING" --import-keyring "$(mds_keyring "$d")" >/dev/null
  done

  local -a addv=()
  for m in "${MONS[@]}"; do addv+=(--addv "$m" "$(mon_addrvec "$m")"); done
  monmaptool --create --enable-all-features --set-min-mon-release pacific \
    --fsid "$fsid" "${addv[@]}" "$CEPH_DIR/monmap" >/dev/null

  for m in "${MONS[@]}"; do
    mkdir -p "$CEPH_DIR/mon/ceph-$m"
    "$BIN_MON" --mkfs -i "$m" -c "$CONF" --monmap "$CEPH_DIR/monmap" \
      --keyring "$MON_KEYRING" >>"$LOG_DIR/mon.$m.mkfs.log" 2>&1 ||
      { tail -n 20 "$LOG_DIR/mon.$m.mkfs.log" >&2; die "ceph-mon --mkfs $m failed"; }
  done
  for m in "${MONS[@]}"; do start_mon "$m"; done
  wait_until 60 "mon quorum" quorum_full || {
    tail -n 20 "$LOG_DIR/ceph-mon.a.log" >&2 || true
    die "mons did not form a quorum"
  }
  log "mons a b c in quorum"
  # The mgr's volumes module (`ceph fs volume rm`) reads this from the mon
  # config database, not from ceph.conf.
  cephc config set mon mon_allow_pool_delete true

  mkdir -p "$CEPH_DIR/mgr/ceph-$MGR"
  cephc auth get-or-create "mgr.$MGR" mon 'allow profile mgr' osd 'allow *' mds 'allow *' \
    -o "$CEPH_DIR/mgr/ceph-$MGR/keyring" 2>/dev/null
  start_mgr
  # Standbys until a filesystem exists (the lab makes none).
  for d in "${MDSS[@]}"; do start_mds "$d"; done

  for o in "${OSDS[@]}"; do
    uuid="$(</proc/sys/kernel/random/uuid)"
    id="$(cephc osd new "$uuid" 2>/dev/null)"
    [[ "$id" == "$o" ]] || die "ceph osd new gave id '$id', expected $o"
    odir="$CEPH_DIR/osd/ceph-$o"
    mkdir -p "$odir"
    cephc auth get-or-create "osd.$o" mon 'allow profile osd' mgr 'allow profile osd' \
      osd 'allow *' -o "$odir/keyring" 2>/dev/null
    "$BIN_OSD" --mkfs -i "$o" -c "$CONF" --osd-uuid "$uuid" >>"$LOG_DIR/osd.$o.mkfs.log" 2>&1 ||
      { tail -n 20 "$LOG_DIR/osd.$o.mkfs.log" >&2; die "ceph-osd --mkfs $o failed"; }
    start_osd "$o"
  done
  log "mgr.$MGR, mds.${MDSS[*]} and osd.0-2 started"
}

# ---------------------------------------------------------------- ssh
# sshd's privilege separation directory (normally made by its init script).
ensure_privsep_dir() { [[ -d /run/sshd ]] || install -d -m 0755 /run/sshd; }

root_locked() { [[ "$(getent shadow root 2>/dev/null | cut -d: -f2)" == '!'* ]]; }

write_ssh() {
  local ip hdir usepam=no
  # With UsePAM no, sshd refuses a root whose password is locked ("!").
  root_locked && usepam=yes
  ensure_privsep_dir
  mkdir -p "$SSH_DIR/run" "$SSH_DIR/log" "$SSH_DIR/hosts" "$FAULT_BIN"
  [[ -f "$SSH_KEY" ]] || ssh-keygen -q -t ed25519 -N '' -C kube-ceph-lab-client -f "$SSH_KEY"
  cp "$SSH_KEY.pub" "$SSH_DIR/authorized_keys"
  : >"$KNOWN_HOSTS"
  for ip in $(all_mon_ips); do
    hdir="$SSH_DIR/hosts/$ip"
    mkdir -p "$hdir"
    [[ -f "$hdir/ssh_host_ed25519_key" ]] ||
      ssh-keygen -q -t ed25519 -N '' -C "kube-ceph-lab-$ip" -f "$hdir/ssh_host_ed25519_key"
    cut -d' ' -f1,2 "$hdir/ssh_host_ed25519_key.pub" >"$SSH_DIR/hostkey-$ip.pub"
    ssh-keygen -l -E sha256 -f "$hdir/ssh_host_ed25519_key.pub" | cut -d' ' -f2 \
      >"$SSH_DIR/hostkey-$ip.sha256"
    printf '[%s]:%s %s\n' "$ip" "$SSH_PORT" "$(<"$SSH_DIR/hostkey-$ip.pub")" >>"$KNOWN_HOSTS"
    cat >"$(sshd_conf "$ip")" <<EOF
# generated by lab/ceph/ceph.sh - lab sshd for mon host $ip
Port $SSH_PORT
ListenAddress $ip:$SSH_PORT
AddressFamily inet
HostKey $hdir/ssh_host_ed25519_key
PidFile $(sshd_pidf "$ip")
AuthorizedKeysFile $SSH_DIR/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM $usepam
StrictModes no
LogLevel VERBOSE
PrintMotd no
X11Forwarding no
AcceptEnv LANG LC_*
SetEnv "CEPH_CONF=$CONF" "PATH=$FAULT_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
    "$BIN_SSHD" -t -f "$(sshd_conf "$ip")" || die "bad sshd config $(sshd_conf "$ip")"
  done
}

start_sshd() { # ip
  sshd_running "$1" && return 0
  ensure_privsep_dir
  start_bg "$(sshd_pidf "$1")" "$SSH_DIR/log/sshd-$1.out" \
    "$BIN_SSHD" -D -f "$(sshd_conf "$1")" -E "$SSH_DIR/log/sshd-$1.log"
  wait_listen 10 "$(sshd_pidf "$1")" "$BIN_SSHD" "$1" "$SSH_PORT" || {
    tail -n 10 "$SSH_DIR/log/sshd-$1.log" >&2 || true
    die "sshd on $1 did not start"
  }
}

lab_ssh() { # ip command...
  local ip="$1"; shift
  ssh -i "$SSH_KEY" -p "$SSH_PORT" -o BatchMode=yes -o ConnectTimeout=5 \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN_HOSTS" \
    -o LogLevel=ERROR "root@$ip" "$@"
}

ssh_check() {
  local ip out
  for ip in $(all_mon_ips); do
    out="$(lab_ssh "$ip" 'ceph health' 2>&1)" || die "ssh root@$ip 'ceph health' failed: $out"
    [[ "$out" == HEALTH_OK* ]] || die "ssh root@$ip 'ceph health' printed: $out"
  done
  log "ssh root@{$(all_mon_ips | tr '\n' ' ' | sed 's/ $//;s/ /,/g')}:$SSH_PORT 'ceph health' -> HEALTH_OK"
}

# ---------------------------------------------------------------- commands
all_running() {
  local m o d ip
  [[ -f "$CONF" && -f "$FSID_FILE" ]] || return 1
  for m in "${MONS[@]}"; do mon_running "$m" || return 1; done
  mgr_running || return 1
  for o in "${OSDS[@]}"; do osd_running "$o" || return 1; done
  for d in "${MDSS[@]}"; do mds_running "$d" || return 1; done
  for ip in $(all_mon_ips); do sshd_running "$ip" || return 1; done
}

stop_all() {
  local m o d ip specs=()
  for ip in $(all_mon_ips); do specs+=("$(sshd_spec "$ip")"); done
  for d in "${MDSS[@]}"; do specs+=("$(mds_spec "$d")"); done
  for o in "${OSDS[@]}"; do specs+=("$(osd_spec "$o")"); done
  specs+=("$(mgr_spec)")
  stop_pids "${specs[@]}"
  specs=()
  for m in "${MONS[@]}"; do specs+=("$(mon_spec "$m")"); done
  stop_pids "${specs[@]}"
}

wipe() {
  stop_all
  rm -rf "$CEPH_DIR" "$SSH_DIR"
}

banner() {
  log "up: fsid $(<"$FSID_FILE"), mons $(all_mon_ips | tr '\n' ' ')(v2 :3300, v1 :6789), ssh :$SSH_PORT"
  log "    CEPH_CONF=$CONF  (eval \"\$($0 env)\")"
}

cmd_up() {
  local t0=$SECONDS js m o d ip
  ensure_packages "$APT_LOG" "${PACKAGES[@]}"
  with_lock "$LOCK_FILE"
  # Fast path: every recorded daemon alive and the cluster healthy.
  if all_running; then
    js="$(status_json || true)"
    if [[ -n "$js" ]] && json_healthy "$js"; then
      log "already up and HEALTH_OK"
      banner
      return 0
    fi
  fi
  # Repair path: OSDs (memstore: state lives in their memory) and config are
  # intact, only mons / mgr / MDSs / sshds are down or the cluster is settling.
  # A cluster made before the lab had MDSs (no MDS keyring) is recreated.
  local repairable=1
  [[ -f "$CONF" && -f "$FSID_FILE" && -f "$SSH_DIR/sshd-127.0.0.11.conf" ]] || repairable=0
  for o in "${OSDS[@]}"; do osd_running "$o" || repairable=0; done
  for d in "${MDSS[@]}"; do [[ -f "$(mds_keyring "$d")" ]] || repairable=0; done
  if ((repairable)); then
    log "not (yet) healthy; starting any stopped mon/mgr/mds/sshd and waiting"
    for m in "${MONS[@]}"; do start_mon "$m"; done
    start_mgr
    for d in "${MDSS[@]}"; do start_mds "$d"; done
    for ip in $(all_mon_ips); do start_sshd "$ip"; done
    local rc=0
    wait_healthy 45 persistent || rc=$?
    if ((rc == 0)); then
      ssh_check
      log "repaired in $((SECONDS - t0))s"
      banner
      return 0
    fi
    if ((rc == 2)); then log "the cluster has a lasting health warning:"
    else log "not HEALTH_OK after 45s:"; fi
    timeout 15 ceph -c "$CONF" --connect-timeout 5 health detail >&2 || true
    timeout 15 ceph -c "$CONF" --connect-timeout 5 mds stat >&2 || true
    # Its daemons run and others may be using it: do not wipe it unasked.
    if [[ "${KUBE_CEPH_LAB_CEPH_RECREATE:-0}" != 1 ]]; then
      die "left as it is; recreate with: $0 down && $0 up (or KUBE_CEPH_LAB_CEPH_RECREATE=1 $0 up)"
    fi
    log "KUBE_CEPH_LAB_CEPH_RECREATE=1: recreating the cluster"
  elif [[ -e "$CEPH_DIR" || -e "$SSH_DIR" ]] || any_recorded_running; then
    log "stale lab data or dead daemons; recreating the cluster"
  fi
  wipe
  check_ports_free
  create_cluster
  write_ssh
  for ip in $(all_mon_ips); do start_sshd "$ip"; done
  if ! wait_healthy 120; then
    log "cluster not HEALTH_OK after 120s:"
    timeout 15 ceph -c "$CONF" --connect-timeout 5 -s >&2 || true
    exit 1
  fi
  ssh_check
  log "created in $((SECONDS - t0))s"
  banner
}

cmd_down() {
  local left
  with_lock "$LOCK_FILE"
  stop_all
  rm -rf "$CEPH_DIR" "$SSH_DIR"
  left="$(pgrep -f -- "-c $CONF|$SSH_DIR/sshd-" | tr '\n' ' ' || true)"
  [[ -z "$left" ]] || log "WARNING: unrecorded lab processes still running: $left"
  log "down: removed $CEPH_DIR and $SSH_DIR"
}

cmd_status() {
  local m o d ip pid rc=0
  for m in "${MONS[@]}"; do
    if pid="$(ourpid "$(mon_pidf "$m")" "$BIN_MON")"; then
      echo "mon.$m (${MON_IP[$m]}): running (pid $pid)"
    else echo "mon.$m (${MON_IP[$m]}): not running"; rc=1; fi
  done
  if pid="$(ourpid "$(mgr_pidf)" "$BIN_MGR")"; then echo "mgr.$MGR: running (pid $pid)"
  else echo "mgr.$MGR: not running"; rc=1; fi
  for o in "${OSDS[@]}"; do
    if pid="$(ourpid "$(osd_pidf "$o")" "$BIN_OSD")"; then echo "osd.$o: running (pid $pid)"
    else echo "osd.$o: not running"; rc=1; fi
  done
  for d in "${MDSS[@]}"; do
    if pid="$(ourpid "$(mds_pidf "$d")" "$BIN_MDS")"; then echo "mds.$d: running (pid $pid)"
    else echo "mds.$d: not running"; rc=1; fi
  done
  for ip in $(all_mon_ips); do
    if pid="$(ourpid "$(sshd_pidf "$ip")" "$BIN_SSHD")"; then echo "sshd $ip:$SSH_PORT: running (pid $pid)"
    else echo "sshd $ip:$SSH_PORT: not running"; rc=1; fi
  done
  if [[ -f "$CONF" ]] && timeout 15 ceph -c "$CONF" --connect-timeout 5 -s 2>/dev/null; then :
  else echo "ceph: not reachable"; rc=1; fi
  echo "CEPH_CONF=$CONF"
  return "$rc"
}

# export NAME="value" (plain double quotes when nothing in value needs
# escaping, else bash's %q).
export_line() { # name value
  if [[ "$2" =~ [\"\$\`\\] ]]; then printf 'export %s=%q\n' "$1" "$2"
  else printf 'export %s="%s"\n' "$1" "$2"; fi
}

cmd_env() {
  export_line CEPH_CONF "$CONF"
  export_line KUBE_CEPH_LAB_CEPH_CONF "$CONF"
  export_line KUBE_CEPH_LAB_CEPH_KEYRING "$ADMIN_KEYRING"
  if [[ -f "$FSID_FILE" ]]; then
    export_line KUBE_CEPH_LAB_CEPH_FSID "$(<"$FSID_FILE")"
  else
    log "no cluster data in $CEPH_DIR (run: $0 up)"
  fi
  export_line KUBE_CEPH_LAB_CEPH_MON_HOST "$(mon_host)"
  export_line KUBE_CEPH_LAB_MONS "$(all_mon_ips | tr '\n' ' ' | sed 's/ $//')"
  export_line KUBE_CEPH_LAB_SSH_USER root
  export_line KUBE_CEPH_LAB_SSH_PORT "$SSH_PORT"
  export_line KUBE_CEPH_LAB_SSH_KEY "$SSH_KEY"
  export_line KUBE_CEPH_LAB_SSH_KNOWN_HOSTS "$KNOWN_HOSTS"
}

need_mon() { [[ -n "${1:-}" && -n "${MON_IP[$1]:-}" ]] || die "expected a mon id: ${MONS[*]}"; }
need_ip() {
  local ip
  for ip in $(all_mon_ips); do [[ "${1:-}" == "$ip" ]] && return 0; done
  die "expected a mon address: $(all_mon_ips | tr '\n' ' ')"
}
need_data() { [[ -f "$CONF" ]] || die "no lab cluster in $CEPH_DIR (run: $0 up)"; }

cmd_stop_mon() {
  need_mon "${1:-}"; with_lock "$LOCK_FILE"
  if mon_running "$1"; then stop_pids "$(mon_spec "$1")"; else rm -f "$(mon_pidf "$1")"; log "mon.$1 already stopped"; fi
}

cmd_start_mon() {
  need_mon "${1:-}"; need_data; with_lock "$LOCK_FILE"
  if mon_running "$1"; then log "mon.$1 already running"; return 0; fi
  start_mon "$1"
  wait_listen 15 "$(mon_pidf "$1")" "$BIN_MON" "${MON_IP[$1]}" 3300 ||
    { tail -n 20 "$LOG_DIR/ceph-mon.$1.log" >&2 || true; die "mon.$1 did not start"; }
  if wait_until 30 "mon.$1 to join the quorum" mon_in_quorum "$1"; then
    log "mon.$1 started and in quorum"
  else
    log "mon.$1 started but not (yet) in quorum"
  fi
}

cmd_stop_sshd() {
  need_ip "${1:-}"; with_lock "$LOCK_FILE"
  if sshd_running "$1"; then stop_pids "$(sshd_spec "$1")"; else rm -f "$(sshd_pidf "$1")"; log "sshd $1 already stopped"; fi
}

cmd_start_sshd() {
  need_ip "${1:-}"; need_data; with_lock "$LOCK_FILE"
  [[ -f "$(sshd_conf "$1")" ]] || die "no sshd config for $1 (run: $0 up)"
  if sshd_running "$1"; then log "sshd $1 already running"; return 0; fi
  start_sshd "$1"
  log "sshd $1:$SSH_PORT started"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  stop-mon) cmd_stop_mon "${2:-}" ;;
  start-mon) cmd_start_mon "${2:-}" ;;
  stop-sshd) cmd_stop_sshd "${2:-}" ;;
  start-sshd) cmd_start_sshd "${2:-}" ;;
  *) usage ;;
esac
