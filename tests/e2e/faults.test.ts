// Faults the run must survive or refuse cleanly, on the real lab.
import test from "ava";
import { execFileSync, spawn } from "node:child_process";
import { AddressInfo, createServer, Socket } from "node:net";
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { labConfig, labStack, REPO } from "../../lab/pulumi/stack";
import { ceph, cephJson, labHost, MONS, SSH_DIR, SSH_PORT } from "../../lab/lab";
import { cleanupStack, escapeRegExp, kubectlJson, poolExists, quiet, waitHealth, waitQuorumLost } from "../lab";

const id = process.pid;
const lab = (...args: string[]) => execFileSync(join(REPO, "lab", "ceph", "ceph.sh"), args, { stdio: "pipe" });
const pool = `flt${id}`;
/** A mon host's sshd as the run names it, as a RegExp source. */
const sshAt = (address: string) => escapeRegExp(`${address}:${SSH_PORT}`);

/** Every process below `root`, found from the process table. */
function descendants(root: number): number[] {
    const table = execFileSync("ps", ["-eo", "pid=,ppid="], { encoding: "utf8" }).trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
    const found: number[] = [];
    const walk = (pid: number) => {
        for (const [child, parent] of table) {
            if (parent === pid) {
                found.push(child);
                walk(child);
            }
        }
    };
    walk(root);
    return found;
}

const config = () => labConfig({ pool: { name: pool, pgNum: 8, deletionPolicy: "delete" }, client: { name: `flt${id}` }, storageClass: { name: `flt-${id}` }, provisioner: { namespace: `flt-${id}` } });

test.serial("an unhealthy cluster (noout: HEALTH_WARN) is refused before any change, naming the check; once healthy, preflight passes", async (t) => {
    const stack = await labStack(`e2eflt${id}`, config());
    t.teardown(() => cleanupStack(t, stack, { restore: { "unset noout": () => ceph("osd", "unset", "noout") }, pools: [pool] }));
    ceph("osd", "set", "noout");
    waitHealth("HEALTH_WARN");
    const error = await t.throwsAsync(stack.up(quiet));
    t.regex(error!.message, /Ceph cluster is HEALTH_WARN[\s\S]*OSDMAP_FLAGS/);
    t.false(poolExists(pool), "nothing was created");
    ceph("osd", "unset", "noout");
    waitHealth("HEALTH_OK");
    // A preview runs the same preflight; what up then does is the lifecycle tests' (CI time).
    await t.notThrowsAsync(stack.preview(quiet));
});

test.serial("with the first mon host's sshd down the run goes through the next host and says so", async (t) => {
    const stack = await labStack(`e2essh${id}`, config());
    t.teardown(() => cleanupStack(t, stack, { restore: { [`start sshd on ${MONS[0]}`]: () => lab("start-sshd", MONS[0]) }, pools: [pool] }));
    lab("stop-sshd", MONS[0]);
    const lines: string[] = [];
    const up = await stack.up({ ...quiet, onOutput: (l) => lines.push(l) });
    t.is(up.summary.result, "succeeded");
    t.regex(lines.join(""), new RegExp(`mon host ${sshAt(MONS[0])} did not answer .*using ${sshAt(MONS[1])}`));
    t.is(up.outputs.cephHost.value, `${MONS[1]}:${SSH_PORT}`);
});

/** A port on `address` that accepts TCP connections and never says a word: an sshd stalled before its banner. */
async function stalledPort(address: string): Promise<{ port: number; close: () => Promise<void> }> {
    const held: Socket[] = [];
    const server = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    return {
        port: (server.address() as AddressInfo).port,
        close: () => new Promise((resolve) => {
            held.forEach((s) => s.destroy());
            server.close(() => resolve());
        }),
    };
}

test.serial("a mon host that accepts TCP and never speaks SSH: the run moves on to the next host within the handshake bound, naming the silent one; alone, it fails naming it", async (t) => {
    const stalled = await stalledPort(MONS[0]);
    const silent = `${MONS[0]}:${stalled.port}`;
    const stack = await labStack(`e2estall${id}`, labConfig({
        ...config(),
        ceph: { hosts: [{ host: MONS[0], port: stalled.port }, ...MONS.slice(1).map((m) => labHost(m))] },
    }));
    t.teardown(async () => {
        await stalled.close();
        await cleanupStack(t, stack, { pools: [pool] });
    });
    const lines: string[] = [];
    let started = Date.now();
    const up = await stack.up({ ...quiet, onOutput: (l) => lines.push(l) });
    t.is(up.summary.result, "succeeded");
    t.regex(lines.join(""), new RegExp(`mon host ${escapeRegExp(silent)} did not answer \\(.*handshake.*\\); using ${sshAt(MONS[1])}`));
    t.is(up.outputs.cephHost.value, `${MONS[1]}:${SSH_PORT}`);
    t.log(`up through the next host in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const alone = await labStack(`e2estall1${id}`, labConfig({ ...config(), pool: { name: `${pool}x`, pgNum: 8, deletionPolicy: "delete" }, ceph: { hosts: [{ host: MONS[0], port: stalled.port }] } }));
    t.teardown(() => cleanupStack(t, alone, { pools: [`${pool}x`] }));
    started = Date.now();
    const error = await t.throwsAsync(alone.up(quiet));
    const seconds = (Date.now() - started) / 1000;
    t.regex(error!.message, new RegExp(`${escapeRegExp(silent)}[\\s\\S]*handshake`));
    t.false(poolExists(`${pool}x`), "nothing was created");
    t.log(`failed after ${seconds.toFixed(1)} s`);
});

test.serial("destroy against a mon host whose host key changed stops within seconds at the host key mismatch, deleting nothing; with the key back it completes", async (t) => {
    const stack = await labStack(`e2ehk${id}`, config());
    const keyFile = join(SSH_DIR, "hosts", MONS[0], "ssh_host_ed25519_key");
    const restore = () => {
        for (const suffix of ["", ".pub"]) {
            renameSync(`${keyFile}${suffix}.orig`, `${keyFile}${suffix}`);
        }
        lab("stop-sshd", MONS[0]);
        lab("start-sshd", MONS[0]);
    };
    t.teardown(async () => {
        if (existsSync(`${keyFile}.orig`)) {
            restore();
        }
        await cleanupStack(t, stack, { pools: [pool] });
    });
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    // The host is "reinstalled": sshd comes back with a new key, while the stack pins the old one.
    for (const suffix of ["", ".pub"]) {
        renameSync(`${keyFile}${suffix}`, `${keyFile}${suffix}.orig`);
    }
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyFile]);
    lab("stop-sshd", MONS[0]);
    lab("start-sshd", MONS[0]);
    const started = Date.now();
    const error = await t.throwsAsync(stack.destroy(quiet));
    const seconds = (Date.now() - started) / 1000;
    t.regex(error!.message, /host key mismatch/);
    t.true(seconds < 60, `destroy took ${seconds.toFixed(1)} s to give up`);
    t.true(poolExists(pool), "the pool is still there");
    t.log(`destroy stopped after ${seconds.toFixed(1)} s`);
    restore();
    t.is((await stack.destroy(quiet)).summary.result, "succeeded");
    t.false(poolExists(pool));
});

test.serial("one mon down: quorum holds and up succeeds; two down: the run fails fast and changes nothing, then recovers", async (t) => {
    const stack = await labStack(`e2emon${id}`, config());
    t.teardown(() => cleanupStack(t, stack, { restore: { "start mon b": () => lab("start-mon", "b"), "start mon c": () => lab("start-mon", "c") }, pools: [pool] }));
    lab("stop-mon", "c");
    // One mon down is HEALTH_WARN (MON_DOWN): accepted only with preflight.health warn.
    await labStack(`e2emon${id}`, labConfig({ ...config(), preflight: { health: "warn" } }));
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    lab("stop-mon", "b");
    waitQuorumLost();
    const started = Date.now();
    const error = await t.throwsAsync(stack.preview(quiet));
    t.true(Date.now() - started < 120_000, "fails within the client timeouts");
    t.regex(error!.message, new RegExp(`reading the Ceph cluster through ${sshAt(MONS[0])} failed`));
    lab("start-mon", "b");
    lab("start-mon", "c");
    waitHealth("HEALTH_OK", 90);
    // Nothing changed, so an up would run no command: the preview's read and plan are the recovery.
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
});

test.serial("full OSDs (HEALTH_ERR) are refused even under preflight.health warn, naming OSD_FULL; preflight passes after the ratios are restored", async (t) => {
    const stack = await labStack(`e2efull${id}`, labConfig({ ...config(), preflight: { health: "warn" } }));
    const restoreRatios = () => {
        ceph("osd", "set-full-ratio", "0.95");
        ceph("osd", "set-backfillfull-ratio", "0.90");
        ceph("osd", "set-nearfull-ratio", "0.85");
        waitHealth("HEALTH_OK");
    };
    t.teardown(() => cleanupStack(t, stack, { restore: { "restore the full ratios": restoreRatios }, pools: [pool] }));
    // The lab's memstore OSDs are nearly empty: tiny ratios mark all of them full.
    ceph("osd", "set-nearfull-ratio", "0.000004");
    ceph("osd", "set-backfillfull-ratio", "0.000006");
    ceph("osd", "set-full-ratio", "0.00001");
    waitHealth("HEALTH_ERR");
    const error = await t.throwsAsync(stack.up(quiet));
    t.regex(error!.message, /Ceph cluster is HEALTH_ERR[\s\S]*OSD_FULL/);
    t.false(poolExists(pool), "nothing was created");
    restoreRatios();
    await t.notThrowsAsync(stack.preview(quiet));
});

test.serial("`pulumi up` killed (SIGKILL) after the pool was created converges on the next run: one pool, one user, the right key", async (t) => {
    const stackName = `e2ekill${id}`;
    const user = `flt${id}`;
    const stack = await labStack(stackName, config());
    t.teardown(() => cleanupStack(t, stack, { pools: [pool] }));
    const child = spawn("pulumi", ["up", "--yes", "--skip-preview", "--stack", stackName], { cwd: REPO, detached: true, stdio: "ignore" });
    for (let i = 0; i < 240 && !poolExists(pool); i++) {
        await new Promise((r) => setTimeout(r, 250));
    }
    t.true(poolExists(pool), "the pool was being created when the run was killed");
    // Kill the CLI and every plugin it started (each runs in its own process group), as a lost runner would.
    const tree = descendants(child.pid!);
    process.kill(-child.pid!, "SIGKILL");
    for (const pid of tree) {
        try {
            process.kill(pid, "SIGKILL");
        } catch {
            // already gone
        }
    }
    await new Promise((r) => child.once("exit", r));
    // What the README tells users to do after a killed run.
    execFileSync("pulumi", ["cancel", "--yes", "--stack", stackName], { cwd: REPO, stdio: "pipe" });
    execFileSync("pulumi", ["refresh", "--yes", "--clear-pending-creates", "--stack", stackName], { cwd: REPO, stdio: "pipe" });
    const up = await stack.up(quiet);
    t.is(up.summary.result, "succeeded");
    t.is(up.outputs.poolOrigin.value, "created", "the pool is recognised as this stack's own, from its Ceph owner tag");
    t.is(cephJson<string[]>("osd", "pool", "ls").filter((p) => p === pool).length, 1);
    t.is(ceph("auth", "ls").split("\n").filter((line) => line === `client.${user}`).length, 1);
    const secret = kubectlJson("get", "secret", "-n", `flt-${id}`, `ceph-${user}-csi-rbd`);
    t.is(Buffer.from(secret.data.userKey, "base64").toString(), ceph("auth", "get-key", `client.${user}`).trim());
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
});

test.serial("Kubernetes API gone mid-run (once the pool appears, seconds before the Secrets): the run fails, Ceph holds the one pool and user it should, and the next up completes", async (t) => {
    const stackName = `e2eapi${id}`;
    const user = `client.flt${id}`;
    const kube = (command: string) => execFileSync(join(REPO, "lab", "kubernetes", "kube.sh"), [command], { stdio: "pipe" });
    const stack = await labStack(stackName, config());
    t.teardown(() => cleanupStack(t, stack, { restore: { "start the API server": () => kube("start-apiserver") }, pools: [pool] }));
    // The pool appears seconds before its script ends and the user and Secrets follow; stopping on the
    // user itself lost the race to the Secrets once under CI load.
    const running = stack.up(quiet);
    let stopped = false;
    let stoppedAt = 0;
    for (let i = 0; i < 600 && !stopped; i++) {
        if (poolExists(pool)) {
            stoppedAt = Date.now();
            kube("stop-apiserver");
            stopped = true;
        } else {
            await new Promise((r) => setTimeout(r, 100));
        }
    }
    t.true(stopped, "the pool was created while the run was going");
    const error = await t.throwsAsync(running);
    const failedAfter = (Date.now() - stoppedAt) / 1000;
    t.log(`the run failed ${failedAfter.toFixed(1)} s after the API went away`);
    // Fails on the unreachable API, not after the operator install's 300 s wait for its CRDs.
    t.true(failedAfter < 120, `the run failed only ${failedAfter.toFixed(1)} s after the API went away`);
    t.regex(error!.message, /127\.0\.0\.1:16443|connection refused/);
    // The Ceph side is whole: the pool tagged as this stack's, and the user, if the run got to it
    // before the engine stopped on the API's errors (the operator's install makes many objects at
    // once, so under load it may not have), with exactly its caps; after the next up it must be there.
    const leastPrivilege = { mgr: `profile rbd pool=${pool}`, mon: "profile rbd", osd: `profile rbd pool=${pool}` };
    t.is(ceph("osd", "pool", "application", "get", pool, "rbd", "kube-ceph.owner").trim(), `organization.kube-ceph.${stackName}`);
    const made = cephJson<{ auth_dump: { entity: string; caps: Record<string, string> }[] }>("auth", "ls").auth_dump.find((u) => u.entity === user);
    if (made !== undefined) {
        t.deepEqual(made.caps, leastPrivilege);
    }
    t.log(`the user was ${made === undefined ? "not made yet" : "made"} when the run failed`);
    kube("start-apiserver");
    const up = await stack.up(quiet);
    t.is(up.summary.result, "succeeded");
    t.is(up.outputs.poolOrigin.value, "created", "the pool is still this stack's own after the interrupted run");
    t.deepEqual(cephJson<{ caps: Record<string, string> }[]>("auth", "get", user)[0].caps, leastPrivilege);
    const secret = kubectlJson("get", "secret", "-n", `flt-${id}`, `ceph-flt${id}-csi-rbd`);
    t.is(Buffer.from(secret.data.userKey, "base64").toString(), ceph("auth", "get-key", user).trim(), "the Secret holds the user's real key");
    const again = await stack.up({ ...quiet, expectNoChanges: true });
    t.is(again.summary.result, "succeeded");
});
