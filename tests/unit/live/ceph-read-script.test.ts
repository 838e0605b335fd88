// The live read's script, run by a real sh and a real Python against a stand-in for the rados
// module (the ceph tier runs it against the lab's Ceph): which mon commands, as which client,
// and what reaches stdout.
import test from "ava";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cephReadScript, CephReadRequest, monReads, parseCephReading, parseVersions } from "../../../components/live";

const KEY = "AQBreadreadreadreadreadreadTESTONLYKEY==";

// Answers by prefix (and entity): what the mon would say. Records every call, and the client.
const FAKE_RADOS = `
import json, os
class Error(Exception):
    pass
ANSWERS = {
    "mon dump": [0, {"fsid": "fsid-1", "mons": [{"name": "a", "public_addrs": {"addrvec": [{"type": "v1", "addr": "10.0.0.1:6789"}]}}]}],
    "health": [0, {"status": "HEALTH_OK", "checks": {}}],
    "osd crush show-tunables": [0, {"profile": "jewel", "require_feature_tunables5": 1}],
    "config-key dump": [0, {"kube-ceph/user-owner/client.kube": "org/proj/stack"}],
    "auth get client.kube": [0, [{"entity": "client.kube", "key": "${KEY}", "caps": {"mon": "profile rbd", "osd": "profile rbd pool=p"}}]],
    "auth get client.new": [-2, ""],
    "auth get client.denied": [-13, ""],
}
class Rados:
    def __init__(self, conffile=None, name=None, rados_id=None):
        self.who = name or "client." + (rados_id or "admin")
        self.log = open(os.environ["FAKE_LOG"], "a")
        self.log.write("conffile=%r as %s\\n" % (conffile, self.who))
    def conf_parse_env(self):
        self.log.write("CEPH_ARGS=%s\\n" % os.environ.get("CEPH_ARGS", "").strip())
    def connect(self):
        if os.environ.get("FAKE_NO_QUORUM"):
            raise Error("[errno 110] RADOS timed out (error connecting to the cluster)")
    def mon_command(self, cmd, inbuf):
        c = json.loads(cmd)
        self.log.write("mon_command %s\\n" % cmd)
        ret, out = ANSWERS[(c["prefix"] + " " + c.get("entity", "")).strip()]
        return ret, (json.dumps(out) if out != "" else "").encode(), "" if ret == 0 else "the mon said no"
    def shutdown(self):
        pass
`;

/** A mon host stand-in: a `ceph` CLI whose first line names Python, and the fake rados module. */
function fakeMonHost(): { dir: string; run: (script: string, env?: Record<string, string>) => { status: number | null; stdout: string; stderr: string; log: string } } {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-read-"));
    writeFileSync(join(dir, "rados.py"), FAKE_RADOS);
    writeFileSync(join(dir, "ceph"), "#!/usr/bin/env python3\nraise SystemExit('the read must not start a ceph process')\n");
    chmodSync(join(dir, "ceph"), 0o755);
    const run = (script: string, env: Record<string, string> = {}) => {
        const log = join(dir, `log-${Math.random()}`);
        writeFileSync(log, "");
        const result = spawnSync("sh", ["-c", script], { encoding: "utf8", env: { PATH: `${dir}:${process.env.PATH}`, PYTHONPATH: dir, FAKE_LOG: log, ...env } });
        return { status: result.status, stdout: result.stdout, stderr: result.stderr, log: readFileSync(log, "utf8") };
    };
    return { dir, run };
}

const REQUEST: CephReadRequest = { discovery: true, health: true, tunables: true, userKeys: ["client.kube", "client.new"] };

test("the read's mon commands: only what the request asks for, the owner records in one, one auth get per user, a missing user read as none", (t) => {
    t.deepEqual(monReads(REQUEST).map((r) => [r.section, r.command.prefix, r.command.entity ?? r.command.key ?? "", r.absent ?? ""]), [
        ["mons", "mon dump", "", ""],
        ["health", "health", "", ""],
        ["tunables", "osd crush show-tunables", "", ""],
        ["owners", "config-key dump", "kube-ceph/user-owner/", ""],
        ["user_0", "auth get", "client.kube", "[]"],
        ["user_1", "auth get", "client.new", "[]"],
    ]);
    t.deepEqual(monReads({ discovery: false, health: true, tunables: false, mgrModules: true, mdsMap: true, releases: true }).map((r) => r.command.prefix), ["health", "mgr module ls", "fs dump", "versions"]);
    t.deepEqual(monReads({ discovery: false, health: false, tunables: false }), []);
    t.deepEqual(monReads({ discovery: false, health: false, tunables: false, poolDeletion: true }).map((r) => r.command), [
        { prefix: "config get", who: "mon", key: "mon_allow_pool_delete", format: "json" },
    ]);
});

test("the read runs its mon commands in one Python process with the ceph CLI's interpreter, as client.admin by default, and starts no ceph process", (t) => {
    const host = fakeMonHost();
    t.teardown(() => rmSync(host.dir, { recursive: true, force: true }));
    const result = host.run(cephReadScript(REQUEST));
    t.is(result.status, 0, result.stderr);
    t.regex(result.log, /^conffile='' as client\.admin\n/);
    t.regex(result.log, /CEPH_ARGS=--client_mount_timeout=30 --rados_mon_op_timeout=30\n/, "the client timeouts reach the connection");
    t.is(result.log.match(/^mon_command /gm)?.length, 6, "the six commands, in one process");
    const reading = parseCephReading(result.stdout, REQUEST, { host: "h", port: 22, user: "root" }, []);
    t.is(reading.fsid, "fsid-1");
    t.is(reading.health!.status, "HEALTH_OK");
    t.true(reading.tunables!.requireTunables5);
    t.deepEqual(reading.userKeys, { "client.kube": KEY });
    t.deepEqual(reading.userOwners, { "client.kube": "org/proj/stack" });
    t.false(cephReadScript(REQUEST).includes(KEY));
});

test("the client is the one CEPH_ARGS names, as for the ceph CLI", (t) => {
    const host = fakeMonHost();
    t.teardown(() => rmSync(host.dir, { recursive: true, force: true }));
    for (const [args, who] of [["--id kube-ceph", "client.kube-ceph"], ["--name=client.reader", "client.reader"], ["-n client.other --keyring /k", "client.other"]]) {
        const result = host.run(cephReadScript({ discovery: true, health: false, tunables: false }), { CEPH_ARGS: args });
        t.is(result.status, 0, result.stderr);
        t.regex(result.log, new RegExp(`as ${who.replace(".", "\\.")}\\n`), args);
    }
});

test("a command the mon refuses, or no connection, fails the read with what was said, and nothing of the answers (a key among them) is printed", (t) => {
    const host = fakeMonHost();
    t.teardown(() => rmSync(host.dir, { recursive: true, force: true }));
    const denied = host.run(cephReadScript({ ...REQUEST, userKeys: ["client.kube", "client.denied"] }));
    t.is(denied.status, 1);
    t.regex(denied.stderr, /ceph auth get: the mon said no \(EACCES\)/);
    t.is(denied.stdout, "", "the key read before the refusal is not printed");
    const lost = host.run(cephReadScript(REQUEST), { FAKE_NO_QUORUM: "1" });
    t.is(lost.status, 1);
    t.regex(lost.stderr, /connecting to the Ceph cluster as client\.admin failed: \[errno 110\] RADOS timed out/);
    t.notRegex(lost.log, /mon_command/);
});

test("a mon host without the ceph CLI is told to install ceph-common, before anything runs", (t) => {
    const result = spawnSync("/bin/sh", ["-c", cephReadScript(REQUEST)], { encoding: "utf8", env: { PATH: mkdtempSync(join(tmpdir(), "kube-ceph-empty-")) } });
    t.is(result.status, 127);
    t.regex(result.stderr, /the mon host has no ceph CLI: install ceph-common \(on a cephadm host: cephadm install ceph-common\)/);
});

test("pools' data is listed by rados in the background; the mon commands do not wait for it", (t) => {
    const script = cephReadScript({ discovery: false, health: true, tunables: false, poolData: ["p1"] });
    t.regex(script, /\} >"\$dir\/pooldata" &\npid_pooldata=\$!\n\$python - /);
    t.regex(script, /KUBE_CEPH_PY\nwait "\$pid_pooldata"/);
    t.notRegex(execFileSync("sh", ["-n", "-c", script], { encoding: "utf8" }), /./, "the script parses");
});

test("a mon host without rados, rbd or sha256sum is told what to install, before anything runs", (t) => {
    const host = fakeMonHost();
    t.teardown(() => rmSync(host.dir, { recursive: true, force: true }));
    // Only what the check looks for, each found or not as the case asks.
    const bin = mkdtempSync(join(tmpdir(), "kube-ceph-tools-"));
    t.teardown(() => rmSync(bin, { recursive: true, force: true }));
    const tools = (present: string[]) => {
        rmSync(bin, { recursive: true, force: true });
        execFileSync("mkdir", ["-p", bin]);
        for (const tool of ["sed", "python3", "env", "mktemp", ...present]) {
            // (python3 may be a wrapper script that needs more of PATH: the interpreter itself.)
            const found = tool === "python3"
                ? execFileSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).trim()
                : execFileSync("/bin/sh", ["-c", `command -v ${tool} || true`], { encoding: "utf8" }).trim();
            writeFileSync(join(bin, tool), `#!/bin/sh\nexec ${found || "false"} "$@"\n`);
            chmodSync(join(bin, tool), 0o755);
        }
        return `${host.dir}:${bin}`;
    };
    for (const [present, said] of [[["rbd", "sha256sum"], /no rados CLI: install ceph-common/], [["rados", "sha256sum"], /no rbd CLI: install ceph-common/], [["rados", "rbd"], /no sha256sum, which kube-ceph's scripts use: install coreutils/]] as const) {
        const result = spawnSync("/bin/sh", ["-c", cephReadScript(REQUEST)], { encoding: "utf8", env: { PATH: tools([...present]), PYTHONPATH: host.dir, FAKE_LOG: "/dev/null" } });
        t.is(result.status, 127, result.stderr);
        t.regex(result.stderr, said);
    }
    const all = spawnSync("/bin/sh", ["-c", cephReadScript(REQUEST)], { encoding: "utf8", env: { PATH: tools(["rados", "rbd", "sha256sum"]), PYTHONPATH: host.dir, FAKE_LOG: "/dev/null" } });
    t.is(all.status, 0, all.stderr);
});

test("`ceph versions`: one release per daemon type and version, the overall sum and unknown lines left out", (t) => {
    const line = (v: string, name: string) => `ceph version ${v} (618f440892089921c3e944a991122ddc44e60516) ${name} (stable)`;
    t.deepEqual(parseVersions({
        mon: { [line("16.2.15", "pacific")]: 3 },
        osd: { [line("16.2.15", "pacific")]: 2, [line("15.2.17", "octopus")]: 1 },
        mds: { "something else": 1 },
        overall: { [line("16.2.15", "pacific")]: 5 },
    }), [
        { daemon: "mon", version: "16.2.15", major: 16, name: "pacific" },
        { daemon: "osd", version: "15.2.17", major: 15, name: "octopus" },
        { daemon: "osd", version: "16.2.15", major: 16, name: "pacific" },
    ]);
    t.deepEqual(parseVersions({ mon: { "ceph version 20.2.4-1 (abc123) tentacle (stable)": 3 } }), [{ daemon: "mon", version: "20.2.4", major: 20, name: "tentacle" }]);
    t.deepEqual(parseVersions(undefined), []);
});

test("a `ceph` that is a wrapper script (not Python) reads through the system's Python with the rados module, not the first python3 on the PATH", (t) => {
    const host = fakeMonHost();
    t.teardown(() => rmSync(host.dir, { recursive: true, force: true }));
    // The lab's fault tests and some sites put a shell script in front of the CLI; a python3 without rados comes first on the PATH.
    writeFileSync(join(host.dir, "ceph"), "#!/bin/sh\nexec /usr/bin/ceph \"$@\"\n");
    writeFileSync(join(host.dir, "python3"), `#!/bin/sh\necho "python3 on the PATH was used" >>"$FAKE_LOG"\nexit 1\n`);
    chmodSync(join(host.dir, "python3"), 0o755);
    const result = host.run(cephReadScript(REQUEST));
    t.is(result.status, 0, result.stderr);
    t.false(result.log.includes("python3 on the PATH was used"), result.log);
    t.is(result.log.match(/^mon_command /gm)?.length, 6);
});
