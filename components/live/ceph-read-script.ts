// How the program asks the Ceph cluster what it needs to know: which mon commands a request
// takes, and the one read-only script (a single Python process on the mon host) that runs them
// all and prints each answer in its own section. mon-reader.ts carries it over SSH; ceph-reading.ts
// parses the answer.
import { remoteScript, USER_OWNER_PREFIX } from "../ceph";

export interface CephReadRequest {
    discovery: boolean;
    health: boolean;
    tunables: boolean;
    /** Read which mgr modules are on (ceph-csi needs some). */
    mgrModules?: boolean;
    /** Read the MDS map (CephFS filesystems need an MDS). */
    mdsMap?: boolean;
    /** Users (`client.<name>`) whose keys to read too, of those that exist. */
    userKeys?: string[];
    /** Pools to look into for RBD data (images' ids, headers and data objects), in every namespace. */
    poolData?: string[];
    /** Read the releases the daemons run (preflight refuses one kube-ceph does not support). */
    releases?: boolean;
    /** Read mon_allow_pool_delete (a stack that may delete a pool is told ahead when Ceph will refuse). */
    poolDeletion?: boolean;
}

export const SECTION = "----kube-ceph-section----";

/** One mon command of the read, its answer printed under `section`. */
export interface MonRead {
    section: string;
    /** The command as the `ceph` CLI sends it to the mon (its `-f json` included). */
    command: Record<string, string>;
    /** The answer when the object asked for does not exist (ENOENT): a user not made yet. */
    absent?: string;
}

/** The mon commands a request asks for, in the order they are sent. */
export function monReads(request: CephReadRequest): MonRead[] {
    const reads: MonRead[] = [];
    if (request.discovery) {
        // The monmap carries the fsid too: one command fewer than asking for it.
        reads.push({ section: "mons", command: { prefix: "mon dump", format: "json" } });
    }
    if (request.health) {
        reads.push({ section: "health", command: { prefix: "health", detail: "detail", format: "json" } });
    }
    if (request.tunables) {
        reads.push({ section: "tunables", command: { prefix: "osd crush show-tunables", format: "json" } });
    }
    if (request.mgrModules) {
        reads.push({ section: "modules", command: { prefix: "mgr module ls", format: "json" } });
    }
    if (request.mdsMap) {
        reads.push({ section: "fsmap", command: { prefix: "fs dump", format: "json" } });
    }
    if (request.releases) {
        reads.push({ section: "versions", command: { prefix: "versions", format: "json" } });
    }
    if (request.poolDeletion) {
        reads.push({ section: "pooldelete", command: { prefix: "config get", who: "mon", key: "mon_allow_pool_delete", format: "json" } });
    }
    const users = request.userKeys ?? [];
    if (users.length > 0) {
        // Every user's owner record in one command: the keys under the prefix, as a JSON object.
        reads.push({ section: "owners", command: { prefix: "config-key dump", key: USER_OWNER_PREFIX } });
    }
    // One `auth get` per user, so no other user's key (client.admin's included) is ever read.
    // A user that does not exist yet reads as none: the plan then takes its key from CephUserKey.
    users.forEach((entity, i) => reads.push({ section: `user_${i}`, command: { prefix: "auth get", entity, format: "json" }, absent: "[]" }));
    return reads;
}

/**
 * The mon commands of the read, in one Python process on the mon host with the `rados`
 * module the `ceph` CLI itself runs on. One `ceph` process per reading cost a few tenths of a
 * second of CPU each (the CLI asks the mon for its command table every time); this is one
 * connection. It is the client the CLI would be: CEPH_ARGS's --name/-n or --id/-i/--user,
 * else client.admin; the default ceph.conf and keyring (CEPH_CONF honoured); CEPH_ARGS's
 * options, among them the timeouts remoteScript sets, so a lost quorum costs one client
 * timeout. Nothing is printed until every command has answered; a failed command prints
 * what the mon said to stderr and exits 1. The answers (a user's key among them) go to
 * stdout only, never to a file.
 */
export const MON_READ_PY = `
import errno, json, os, shlex, sys
try:
    import rados
except ImportError:
    sys.stderr.write("the mon host's Python (%s) has no rados module, which the ceph CLI runs on: install ceph-common\\n" % sys.executable)
    sys.exit(1)
section, reads = sys.argv[1], json.loads(sys.argv[2])
args, who = shlex.split(os.environ.get("CEPH_ARGS", "")), {}
for i, arg in enumerate(args):
    for flags, field in ((("--name", "-n"), "name"), (("--id", "-i", "--user"), "rados_id")):
        for flag in flags:
            if arg == flag and i + 1 < len(args):
                who[field] = args[i + 1]
            elif flag.startswith("--") and arg.startswith(flag + "="):
                who[field] = arg[len(flag) + 1:]
cluster = rados.Rados(conffile="", **who)
cluster.conf_parse_env()
try:
    cluster.connect()
except rados.Error as error:
    sys.stderr.write("connecting to the Ceph cluster as %s failed: %s\\n" % (who.get("name") or "client." + who.get("rados_id", "admin"), error))
    sys.exit(1)
answers = []
for read in reads:
    ret, out, status = cluster.mon_command(json.dumps(read["command"]), b"")
    if ret == -errno.ENOENT and "absent" in read:
        out = read["absent"].encode()
    elif ret != 0:
        sys.stderr.write("ceph %s: %s (%s)\\n" % (read["command"]["prefix"], status or os.strerror(-ret), errno.errorcode.get(-ret, ret)))
        sys.exit(1)
    answers.append("%s %s\\n%s\\n" % (section, read["section"], out.decode()))
cluster.shutdown()
sys.stdout.write("".join(answers))
`.trim();

/**
 * The read-only script run for discovery and preflight; it changes nothing on the cluster.
 * One SSH round trip: the mon commands in one Python process (MON_READ_PY), and the pools'
 * data, when asked for, listed by rados in the background meanwhile. The Python runs with the
 * interpreter the `ceph` CLI names, so a host where `ceph` works can read; one without the CLI
 * is told to install ceph-common.
 */
export function cephReadScript(request: CephReadRequest): string {
    const reads = monReads(request);
    const poolData = request.poolData ?? [];
    const lines = [
        // What kube-ceph's scripts run on the mon host, checked before anything else runs.
        'ceph_cli=$(command -v ceph) || { echo "the mon host has no ceph CLI: install ceph-common (on a cephadm host: cephadm install ceph-common)" >&2; exit 127; }',
        'for tool in rados rbd; do command -v "$tool" >/dev/null || { echo "the mon host has ceph but no $tool CLI: install ceph-common" >&2; exit 127; }; done',
        'command -v sha256sum >/dev/null || { echo "the mon host has no sha256sum, which kube-ceph\'s scripts use: install coreutils" >&2; exit 127; }',
        // The interpreter the CLI starts with (`#!/usr/bin/python3`, `#!/usr/bin/env python3`, ...).
        "python=$(sed -n '1s/^#![[:space:]]*//p' \"$ceph_cli\")",
        // A `ceph` that is a wrapper (a shell script in front of the CLI): the first Python that has
        // the rados module, the system's before any other on the PATH.
        'case "$python" in *python*) ;; *)',
        "  python=python3",
        "  for candidate in /usr/bin/python3 /usr/libexec/platform-python python3; do",
        "    if command -v \"$candidate\" >/dev/null && \"$candidate\" -c 'import rados' 2>/dev/null; then python=$candidate; break; fi",
        "  done ;;",
        "esac",
    ];
    if (poolData.length > 0) {
        // rados lists every namespace; five objects are enough to name, and grep stops the listing
        // there. Odd characters in object names become '?': the answer stays JSON without a parser.
        lines.push('dir=$(mktemp -d)', 'trap \'rm -rf "$dir"\' EXIT', ["{", ...[
            "pools=$(ceph osd pool ls)",
            "tab=$(printf '\\t')",
            "printf '{'; sep=''",
            `for p in ${poolData.map((_, i) => `"$DATA_POOL_${i}"`).join(" ")}; do`,
            `  printf '%s"%s":[' "$sep" "$p"; sep=','`,
            `  if printf '%s\\n' "$pools" | grep -qxF -- "$p"; then`,
            `    rados -p "$p" ls --all | grep -m 5 -E "(^|$tab)rbd_(id|header|data)[.]" | tr -c 'A-Za-z0-9_.\\t\\n-' '?' | sed 's/\\t/\\//; s/.*/"&"/' | paste -sd, -`,
            "  fi",
            "  printf ']'",
            "done; printf '}'",
        ].map((line) => `  ${line}`), '} >"$dir/pooldata" &'].join("\n"), "pid_pooldata=$!");
    }
    if (reads.length > 0) {
        // $python unquoted: an `env python3` interpreter is two words.
        lines.push(`$python - "$SECTION" "$MON_READS" <<'KUBE_CEPH_PY'\n${MON_READ_PY}\nKUBE_CEPH_PY`);
    }
    if (poolData.length > 0) {
        // Under set -e a failed listing ends the script with its status; its stderr is already out.
        lines.push('wait "$pid_pooldata"', `printf '%s %s\\n' "$SECTION" pooldata`, 'cat "$dir/pooldata"', "echo");
    }
    return remoteScript({
        SECTION,
        ...(reads.length > 0 ? { MON_READS: JSON.stringify(reads) } : {}),
        ...Object.fromEntries(poolData.map((pool, i) => [`DATA_POOL_${i}`, pool])),
    }, lines.join("\n"));
}
