// The refusals that protect data and nodes, shown through real `pulumi up/destroy` runs.
import test, { ExecutionContext } from "ava";
import type { Stack } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { rbdClientCaps, userOwnerRecord } from "../../components/ceph";
import { loadKubeConfig } from "../../components/kubernetes";
import { labConfig, labStack, writeConfig } from "../../lab/pulumi/stack";
import { ceph, cephJson, labCephIdentity, rbd } from "../../lab/lab";
import { cleanupStack, createCsiVolume, escapeRegExp, kubectlJson, poolDetail, poolExists, quiet, waitHealth } from "../lab";

const id = process.pid;
/** A program that passes CephStorage an explicit kubernetes provider, as a user's own program may. */
const EXPLICIT_PROVIDER_PROGRAM = join(__dirname, "explicit-provider");

/**
 * With a stack up, a PersistentVolume on its pool makes destroy fail naming it and keep the pool;
 * once the volume is gone, destroy completes and the pool (deletionPolicy delete) goes.
 */
async function guardBlocksDestroy(t: ExecutionContext, stack: Stack, config: ReturnType<typeof guardConfig>, pvName: string, suffix: string): Promise<void> {
    const pool = String(config.pool.name);
    createCsiVolume({ name: pvName, fsid: labCephIdentity().fsid, pool, storageClassName: String(config.storageClass.name), reclaimPolicy: "Retain", suffix });
    const error = await t.throwsAsync(stack.destroy(quiet));
    t.regex(error!.message, new RegExp(`refusing to delete the Ceph pool "${pool}", its user and its Secrets: 1 PersistentVolume\\(s\\) still use them: ${pvName}`));
    t.true(poolExists(pool), "pool kept");
    execFileSync("kubectl", ["delete", "pv", pvName]);
    t.is((await stack.destroy(quiet)).summary.result, "succeeded");
    t.false(poolExists(pool));
}

/** The lab's kubeconfig with a decoy (an unreachable loopback port) as its current context, and the lab's context name. */
function decoyKubeconfig(): { kubeconfig: string; labContext: string } {
    const lab = loadKubeConfig(readFileSync(process.env.KUBECONFIG!, "utf8"));
    const labContext = lab.getContextObject(lab.getCurrentContext())!;
    const decoy = loadKubeConfig(undefined);
    decoy.loadFromOptions({
        clusters: [...lab.getClusters(), { name: "decoy", server: "https://127.0.0.1:1", skipTLSVerify: false }],
        users: lab.getUsers(),
        contexts: [...lab.getContexts(), { name: "decoy", cluster: "decoy", user: labContext.user }],
        currentContext: "decoy",
    });
    return { kubeconfig: decoy.exportConfig(), labContext: labContext.name };
}

const guardConfig = (suffix: string, extra: Parameters<typeof labConfig>[0] = {}) =>
    labConfig({
        pool: { name: `g${suffix}${id}`, pgNum: 8, deletionPolicy: "delete" },
        client: { name: `g${suffix}${id}` },
        storageClass: { name: `g-${suffix}-${id}` },
        // The guards are the Ceph side's and the VolumeGuard's, the same under either install;
        // kube-ceph's own manifests make the faster lab stack (operator.test.ts has the operator's destroy).
        provisioner: { namespace: `g-${suffix}-${id}`, install: "manifests" },
        ...extra,
    });

test.serial("deletionPolicy delete: destroy refuses while an RBD image is in the pool, then removes the pool once it is empty", async (t) => {
    const config = guardConfig("del");
    const pool = String(config.pool.name);
    const stack = await labStack(`e2eguard${id}`, config);
    t.teardown(() => cleanupStack(t, stack, { pools: [pool] }));
    await stack.up(quiet);
    rbd("create", `${pool}/precious`, "--size", "16");
    const error = await t.throwsAsync(stack.destroy(quiet));
    t.regex(error!.message, /refusing to delete pool .*1 RBD image\(s\): precious/);
    t.true(poolExists(pool));
    t.true(rbd("ls", "-p", pool).includes("precious"));
    rbd("rm", `${pool}/precious`);
    await stack.destroy(quiet);
    t.false(poolExists(pool));
});

/**
 * A guard stack that is up, and a PersistentVolume object in the pool as ceph-csi records
 * one. No kubelet or CSI driver runs here: the API object is what the guard reads.
 */
async function upWithVolume(t: ExecutionContext, suffix: string, volume: { reclaimPolicy: "Retain" | "Delete"; claim?: { namespace: string; name: string } }) {
    const config = guardConfig(suffix);
    const pool = String(config.pool.name);
    const pvName = `pvc-e2e-${suffix}-${id}`;
    const stack = await labStack(`e2e${suffix}${id}`, config);
    t.teardown(() => cleanupStack(t, stack, {
        restore: { [`delete PersistentVolume ${pvName}`]: () => execFileSync("kubectl", ["delete", "pv", pvName, "--ignore-not-found", "--wait=false"]) },
        pools: [pool],
    }));
    const fsid = String((await stack.up(quiet)).outputs.clusterId.value);
    createCsiVolume({ name: pvName, fsid, pool, storageClassName: String(config.storageClass.name), reclaimPolicy: volume.reclaimPolicy, suffix, claim: volume.claim });
    return { config, pool, pvName, stack, user: `client.${String(config.client.name)}` };
}

test.serial("destroy stops before the pool, user and Secrets while a PersistentVolume uses the pool, names it, and goes through once it is gone", async (t) => {
    const { config, pool, pvName, stack, user } = await upWithVolume(t, "pv", { reclaimPolicy: "Retain", claim: { namespace: "default", name: "data" } });
    const error = await t.throwsAsync(stack.destroy(quiet));
    t.regex(error!.message, new RegExp(`refusing to delete the Ceph pool "${pool}", its user and its Secrets: 1 PersistentVolume\\(s\\) still use them: ${pvName} \\(claim default/data\\)`));
    t.true(poolExists(pool), "pool kept");
    t.notThrows(() => ceph("auth", "get", user), "user kept");
    t.notThrows(() => execFileSync("kubectl", ["get", "secret", "-n", String(config.provisioner.namespace), `ceph-${String(config.client.name)}-csi-rbd`], { stdio: "pipe" }), "Secret kept");
    execFileSync("kubectl", ["delete", "pv", pvName]);
    await stack.destroy(quiet);
    t.false(poolExists(pool));
});

test.serial("kubernetes:context picks the cluster of kube-ceph's own reads: with a decoy as the kubeconfig's current context, preview, up and destroy work, and the VolumeGuard still blocks destroy while a PersistentVolume uses the pool", async (t) => {
    const config = guardConfig("ctx");
    const pool = String(config.pool.name);
    const pvName = `pvc-e2e-ctx-${id}`;
    const { kubeconfig: decoy, labContext } = decoyKubeconfig();
    const stack = await labStack(`e2ectx${id}`, config);
    t.teardown(() => cleanupStack(t, stack, {
        restore: { [`delete PersistentVolume ${pvName}`]: () => execFileSync("kubectl", ["delete", "pv", pvName, "--ignore-not-found", "--wait=false"]) },
        pools: [pool],
    }));
    await stack.setConfig("kubernetes:kubeconfig", { value: decoy, secret: true });
    await stack.setConfig("kubernetes:context", { value: labContext });

    await stack.preview(quiet);
    await stack.up(quiet);
    await stack.preview({ ...quiet, expectNoChanges: true });
    await guardBlocksDestroy(t, stack, config, pvName, "ctx");
});

test.serial("an explicit kubernetes provider passed to CephStorage picks the cluster of kube-ceph's own reads: with a decoy as the default kubeconfig's current context, preview, up and destroy work, and the VolumeGuard still blocks destroy while a PersistentVolume uses the pool", async (t) => {
    const base = guardConfig("prov");
    const config = guardConfig("prov", { ceph: { ...base.ceph, ...labCephIdentity() } });
    const pool = String(config.pool.name);
    const pvName = `pvc-e2e-prov-${id}`;
    const { kubeconfig: decoy, labContext } = decoyKubeconfig();
    // The default kubeconfig of every process the stack runs is the decoy: only the explicit provider and what CephStorage is told reach the lab.
    const decoyFile = join(mkdtempSync(join(tmpdir(), "kube-ceph-decoy-")), "kubeconfig");
    writeFileSync(decoyFile, decoy, { mode: 0o600 });
    const stack = await labStack(`e2eprov${id}`, config, EXPLICIT_PROVIDER_PROGRAM);
    stack.workspace.envVars.KUBECONFIG = decoyFile;
    t.teardown(async () => {
        stack.workspace.envVars.KUBECONFIG = process.env.KUBECONFIG!;
        await cleanupStack(t, stack, {
            restore: { [`delete PersistentVolume ${pvName}`]: () => execFileSync("kubectl", ["delete", "pv", pvName, "--ignore-not-found", "--wait=false"]) },
            pools: [pool],
        });
        rmSync(dirname(decoyFile), { recursive: true, force: true });
    });
    await stack.setConfig("explicit:kubeconfig", { value: decoy, secret: true });
    await stack.setConfig("explicit:context", { value: labContext });

    await stack.preview(quiet);
    await stack.up(quiet);
    await stack.preview({ ...quiet, expectNoChanges: true });
    t.is(kubectlJson("get", "storageclass", String(config.storageClass.name)).metadata.name, String(config.storageClass.name), "the class is on the lab's cluster");
    await guardBlocksDestroy(t, stack, config, pvName, "prov");
});

test.serial("a volume on its way out (Released under reclaimPolicy Delete, as while ceph-csi removes its image) is waited for: destroy holds the pool and user until it is gone", async (t) => {
    const { pool, pvName, stack, user } = await upWithVolume(t, "pvw", { reclaimPolicy: "Delete" });
    // What the PV controller does once the claim is gone; no controller for that runs in the lab.
    execFileSync("kubectl", ["patch", "pv", pvName, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { phase: "Released" } })]);
    let finished = false;
    const destroying = stack.destroy(quiet).finally(() => { finished = true; });
    await new Promise((r) => setTimeout(r, 15_000));
    t.false(finished, "destroy waits while the volume is being deleted");
    t.true(poolExists(pool), "pool kept while the volume is leaving");
    t.notThrows(() => ceph("auth", "get", user), "user kept while the volume is leaving");
    execFileSync("kubectl", ["delete", "pv", pvName]);
    const result = await destroying;
    t.is(result.summary.result, "succeeded");
    t.false(poolExists(pool));
});

test.serial("an adopted pool keeps its owner's placement and survives destroy even under deletionPolicy delete", async (t) => {
    const base = guardConfig("adopt");
    const pool = String(base.pool.name);
    // No pgNum in config: the pool's placement is its owner's to keep.
    const config = { ...base, pool: { name: pool, deletionPolicy: "delete" } };
    ceph("osd", "pool", "create", pool, "8");
    ceph("osd", "pool", "set", pool, "pg_autoscale_mode", "off");
    const sizeBefore = poolDetail(pool).size;
    const stack = await labStack(`e2eadopt${id}`, config);
    t.teardown(() => cleanupStack(t, stack, { pools: [pool] }));
    const up = await stack.up(quiet);
    t.is(up.outputs.poolOrigin.value, "adopted");
    t.is(poolDetail(pool).pg_autoscale_mode, "off", "an adopted pool must not be handed to the autoscaler");
    t.is(poolDetail(pool).pg_num_target, 8);
    t.is(poolDetail(pool).size, sizeBefore);
    await stack.destroy(quiet);
    t.true(poolExists(pool));
});

test.serial("a Ceph user someone else made is refused at preview; adopted, it only gains the caps it lacks and outlives destroy; a second stack is refused the first one's users", async (t) => {
    const config = guardConfig("user");
    const user = `client.${String(config.client.name)}`;
    const pool = String(config.pool.name);
    // Made by someone else: its caps and key are theirs.
    ceph("auth", "get-or-create", user, "mon", "allow r", "osd", "allow r pool=theirs");
    const key = ceph("auth", "get-key", user).trim();
    const stack = await labStack(`e2euser${id}`, config);
    const second = guardConfig("user2", { client: { name: String(config.client.name), adoptUsers: [user] } });
    const other = await labStack(`e2euser2${id}`, second);
    t.teardown(async () => {
        await other.workspace.removeStack(other.name, { force: true });
        await cleanupStack(t, stack, { pools: [pool, String(second.pool.name)] });
        ceph("auth", "rm", user);
        // The adoption record goes with destroy; a test that failed before it leaves it behind.
        ceph("config-key", "rm", userOwnerRecord(user));
    });
    const refused = await t.throwsAsync(stack.preview(quiet));
    t.true(refused!.message.includes(`Ceph user ${user} already exists and this stack did not make it`), refused!.message);
    t.true(refused!.message.includes("kube-ceph:client.adoptUsers"), refused!.message);
    t.false(poolExists(pool), "nothing was created");

    await writeConfig(stack, guardConfig("user", { client: { name: String(config.client.name), adoptUsers: [user] } }));
    const warnings: string[] = [];
    await stack.preview({ ...quiet, onEvent: (event) => void (event.diagnosticEvent?.severity === "warning" && warnings.push(event.diagnosticEvent.message)) });
    t.true(warnings.some((w) => w.includes(`Ceph user ${user} is adopted (kube-ceph never deletes it); its caps go from mon "allow r" osd "allow r pool=theirs" to `)), warnings.join("\n"));
    await stack.up(quiet);
    const caps = cephJson<any[]>("auth", "get", user)[0].caps;
    const wanted = rbdClientCaps([pool]);
    t.deepEqual(caps, { mon: `allow r, ${wanted.mon}`, osd: `allow r pool=theirs, ${wanted.osd}`, mgr: wanted.mgr });
    t.is(ceph("auth", "get-key", user).trim(), key, "an adopted user keeps its key");
    // The node user did not exist: it is this stack's own, recorded as such.
    const nodeUser = `client.${String(config.client.name)}-rbd-node`;
    t.regex(ceph("config-key", "get", userOwnerRecord(nodeUser)), new RegExp(`\\.e2euser${id}$`));

    // Another stack with the same user names: refused, adoptUsers or not, naming the first stack.
    const claimed = await t.throwsAsync(other.preview(quiet));
    t.regex(claimed!.message, new RegExp(`Ceph user ${escapeRegExp(user)} belongs to kube-ceph stack [^ ]*\\.e2euser${id}:`));
    t.regex(claimed!.message, new RegExp(`Ceph user ${escapeRegExp(nodeUser)} belongs to kube-ceph stack [^ ]*\\.e2euser${id}:`));
    t.false(poolExists(String(second.pool.name)), "nothing was created");

    await stack.destroy(quiet);
    t.is(ceph("auth", "get-key", user).trim(), key, "destroy keeps an adopted user");
    t.false(ceph("auth", "ls").includes(nodeUser), "destroy removes the stack's own user");
});

test.serial("the source's 4.4 kernel fails the run against jewel tunables, and passes after `ceph osd crush tunables hammer`", async (t) => {
    const node = `elrepo-node-${id}`;
    const manifest = JSON.stringify({ apiVersion: "v1", kind: "Node", metadata: { name: node } });
    execFileSync("kubectl", ["create", "-f", "-"], { input: manifest });
    const profile = cephJson<{ profile: string }>("osd", "crush", "show-tunables").profile;
    const stack = await labStack(`e2ekernel${id}`, guardConfig("kern"));
    t.teardown(() => cleanupStack(t, stack, {
        restore: {
            [`delete node ${node}`]: () => execFileSync("kubectl", ["delete", "node", node, "--wait=false"]),
            "restore the tunables profile": () => ceph("osd", "crush", "tunables", profile === "jewel" ? "optimal" : profile),
            // Data moves after a tunables change; later tests need HEALTH_OK again.
            "wait for HEALTH_OK": () => waitHealth("HEALTH_OK", 120),
        },
        pools: [String(guardConfig("kern").pool.name)],
    }));
    execFileSync("kubectl", ["patch", "node", node, "--subresource=status", "--type=merge", "-p", JSON.stringify({ status: { nodeInfo: { kernelVersion: "4.4.247-1.el7.elrepo.x86_64" } } })]);
    t.is(profile, "jewel", "the lab cluster starts with jewel tunables, as the source's cluster did");
    const error = await t.throwsAsync(stack.preview(quiet));
    t.regex(error!.message, new RegExp(`node ${node} \\(kernel 4\\.4\\.247-1\\.el7\\.elrepo\\.x86_64\\): CRUSH chooseleaf_stable, feature bit 400000000000000`));
    t.regex(error!.message, /ceph osd crush tunables hammer/);
    ceph("osd", "crush", "tunables", "hammer");
    await t.notThrowsAsync(stack.preview(quiet));
});

test.serial("a new pool name on a live stack is refused naming both pools, and goes through once confirmed: the new pool, the user's caps on it", async (t) => {
    const config = guardConfig("ren");
    const oldPool = String(config.pool.name);
    const newPool = `${oldPool}n`;
    const stack = await labStack(`e2eren${id}`, config);
    t.teardown(() => cleanupStack(t, stack, { pools: [oldPool, newPool] }));
    await stack.up(quiet);
    const renamed = guardConfig("ren", { pool: { name: newPool, pgNum: 8, deletionPolicy: "delete" } });
    await writeConfig(stack, renamed);
    const error = await t.throwsAsync(stack.preview(quiet));
    t.regex(error!.message, new RegExp(`kube-ceph:pool\\.name changed from "${oldPool}" to "${newPool}"[\\s\\S]*set kube-ceph:pool\\.renameConfirmedFrom to "${oldPool}"`));
    t.false(poolExists(newPool), "nothing was created");
    await writeConfig(stack, guardConfig("ren", { pool: { name: newPool, pgNum: 8, deletionPolicy: "delete", renameConfirmedFrom: oldPool } }));
    const up = await stack.up(quiet);
    // The pool's command is replaced (new pool first, then the old one's delete script) and its
    // guard updated: the same resources under their new names, none deleted outright.
    t.is(up.summary.resourceChanges?.delete, undefined, JSON.stringify(up.summary.resourceChanges));
    t.is(up.outputs.pool.value, newPool);
    t.true(poolExists(newPool));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${String(config.client.name)}`)[0].caps, rbdClientCaps([newPool]));
});

test.serial("on Kubernetes 1.36 the legacy kinds are refused before any change, naming the server version and the csi kind", async (t) => {
    const version = kubectlJson("version").serverVersion.gitVersion as string;
    t.regex(version, /^v1\.36\./);
    for (const kind of ["in-tree", "external"]) {
        const config = guardConfig("legacy", { provisioner: { kind, namespace: `g-legacy-${id}` } });
        const stack = await labStack(`e2elegacy${id}`, config);
        try {
            const error = await t.throwsAsync(stack.up(quiet));
            t.true(error!.message.includes(`kube-ceph:provisioner.kind is "${kind}", but this cluster runs Kubernetes ${version}`), error!.message);
            t.regex(error!.message, /Set kube-ceph:provisioner\.kind to "csi"/);
            t.false(poolExists(String(config.pool.name)), "nothing was created");
        } finally {
            await stack.workspace.removeStack(stack.name, { force: true });
        }
    }
});
