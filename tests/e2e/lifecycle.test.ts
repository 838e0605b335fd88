// `pulumi preview/up/destroy` of the real program, through the Automation API, against the
// lab: real Ceph over real SSH, a real kube-apiserver, the real Pulumi engine and plugins.
// Every assertion reads the real systems back.
import test from "ava";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { OWNER_KEY, rbdClientCaps } from "../../components/ceph";
import { modulesDigest, SERIALIZED_PROVIDERS_FILE, SerializedProviders } from "../../components/program";
import { labConfig, labStack, REPO, writeConfig } from "../../lab/pulumi/stack";
import { ceph, cephJson, MONS, rbd } from "../../lab/lab";
import { cleanupStack, kubectlJson, poolDetail, quiet, waitHealth } from "../lab";

const STACK = `e2e${process.pid}`;
const POOL = `e2epool${process.pid}`;
const CLIENT = `e2euser${process.pid}`;
const CLASS = `e2e-class-${process.pid}`;
const NAMESPACE = `e2e-csi-${process.pid}`;
/** The mons' msgr v1 addresses, the ones ceph-csi is given. */
const MON_V1 = MONS.map((mon) => `${mon}:6789`);

function kubectlGone(...args: string[]): boolean {
    try {
        execFileSync("kubectl", ["get", ...args], { stdio: "pipe" });
        return false;
    } catch (error) {
        return /NotFound/.test(String((error as { stderr?: Buffer }).stderr));
    }
}

const config = (extra: Parameters<typeof labConfig>[0] = {}) =>
    labConfig({
        pool: { name: POOL, pgNum: 8, deletionPolicy: "retain" },
        client: { name: CLIENT },
        storageClass: { name: CLASS },
        // kube-ceph's own (deprecated) manifests, whose objects these tests read back;
        // operator.test.ts covers the default install.
        provisioner: { namespace: NAMESPACE, install: "manifests" },
        ...extra,
    });

let stack: Stack;

test.before(async () => {
    stack = await labStack(STACK, config());
});

test.after.always((t) => cleanupStack(t, stack, { pools: [POOL] }));

test.serial("preview of the empty stack plans the whole graph with the cluster's real fsid and mons", async (t) => {
    const preview = await stack.preview({ ...quiet, diff: true });
    const fsid = cephJson<{ fsid: string }>("fsid").fsid;
    t.true((preview.changeSummary.create ?? 0) >= 20, JSON.stringify(preview.changeSummary));
    t.is(preview.changeSummary.update ?? 0, 0);
    t.true(preview.stdout.includes(fsid), "the plan carries the discovered fsid");
    for (const mon of MON_V1) {
        t.true(preview.stdout.includes(mon), `the plan carries ${mon}`);
    }
});

test.serial("up creates the pool, the user, the Secret, the driver and the class, as read back from Ceph and Kubernetes", async (t) => {
    const result = await stack.up(quiet);
    t.is(result.summary.result, "succeeded");
    const pool = poolDetail(POOL);
    t.is(pool.pg_num_target, 8);
    t.deepEqual(Object.keys(pool.application_metadata), ["rbd"]);
    t.is(pool.application_metadata.rbd[OWNER_KEY], `organization.kube-ceph.${STACK}`);
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${CLIENT}`)[0].caps, rbdClientCaps([POOL]));
    const key = ceph("auth", "get-key", `client.${CLIENT}`).trim();
    const secret = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-${CLIENT}-csi-rbd`);
    t.is(Buffer.from(secret.data.userKey, "base64").toString(), key);
    t.is(Buffer.from(secret.data.userID, "base64").toString(), CLIENT);
    t.deepEqual(Object.keys(secret.data).sort(), ["userID", "userKey"]);
    const sc = kubectlJson("get", "storageclass", CLASS);
    t.is(sc.provisioner, "rbd.csi.ceph.com");
    t.is(sc.parameters.clusterID, cephJson<{ fsid: string }>("fsid").fsid);
    t.is(sc.parameters.pool, POOL);
    t.is(sc.reclaimPolicy, "Delete");
    t.is(kubectlJson("get", "csidriver", "rbd.csi.ceph.com").spec.attachRequired, true);
    const csiConfig = JSON.parse(kubectlJson("get", "configmap", "-n", NAMESPACE, "ceph-csi-config").data["config.json"]);
    t.deepEqual(csiConfig[0].monitors, MON_V1);
    t.truthy(kubectlJson("get", "configmap", "-n", NAMESPACE, "ceph-csi-encryption-kms-config"));
    t.truthy(kubectlJson("get", "configmap", "-n", NAMESPACE, "ceph-config"));
    t.is(kubectlJson("get", "deployment", "-n", NAMESPACE, "csi-rbdplugin-provisioner").spec.template.spec.serviceAccountName, "rbd-csi-provisioner");
    t.is(kubectlJson("get", "daemonset", "-n", NAMESPACE, "csi-rbdplugin").spec.template.spec.serviceAccountName, "rbd-csi-nodeplugin");
    t.truthy(kubectlJson("get", "clusterrole", `${NAMESPACE}-rbd-external-provisioner-runner`));
    t.is(result.outputs.poolOrigin.value, "created");
    t.is(result.outputs.clusterId.value, cephJson<{ fsid: string }>("fsid").fsid);
});

test.serial("a second up changes nothing, and a preview expecting no changes passes", async (t) => {
    const again = await stack.up(quiet);
    // "read" is the stack reading its own last outputs (the pool-rename guard), not a change.
    const changes = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same" && op !== "read");
    t.deepEqual(changes, []);
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
});

test.serial("the program's dynamic providers are the build's serialization, which is the SDK's: the state holds the very text the build wrote", async (t) => {
    const dir = join(REPO, "bin", "components");
    const built: SerializedProviders = JSON.parse(readFileSync(join(dir, SERIALIZED_PROVIDERS_FILE), "utf8"));
    t.is(built.modules, modulesDigest(dir), "the build's serialization is of these very modules");
    const dynamic = (await stack.exportStack()).deployment.resources.filter((r: { type: string }) => r.type.startsWith("pulumi-nodejs:dynamic/kube-ceph:"));
    t.true(dynamic.length >= 3, dynamic.map((r: { type: string }) => r.type).join(", "));
    for (const resource of dynamic) {
        t.is(resource.inputs.__provider, built.providers[resource.type.split(":").pop()], resource.urn);
    }
    // Without the build's file the program serializes its providers as pulumi.dynamic.Resource
    // does, while it runs; the stack sees no change (and none would come from a new text alone:
    // every provider diffs its inputs, not its code).
    const file = join(dir, SERIALIZED_PROVIDERS_FILE);
    renameSync(file, `${file}.hidden`);
    try {
        await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
    } finally {
        renameSync(`${file}.hidden`, file);
    }
});

test.serial("changing pgNum updates the pool in place and nothing else", async (t) => {
    await writeConfig(stack, config({ pool: { name: POOL, pgNum: 16, deletionPolicy: "retain" } }));
    const preview = await stack.preview({ ...quiet, diff: true });
    t.deepEqual(preview.changeSummary, { same: preview.changeSummary.same, update: 1 }, preview.stdout);
    t.regex(preview.stdout, new RegExp(`~ command:remote:Command: \\(update\\)\\s*\\[id=kube-ceph-pool-${POOL}-pool[\\s\\S]*::kube-ceph-pool-${POOL}-pool\\]`));
    await stack.up(quiet);
    t.is(poolDetail(POOL).pg_num_target, 16);
    // The new placement groups peer in the background; the next run's preflight wants HEALTH_OK.
    waitHealth("HEALTH_OK", 180);
});

test.serial("changing a StorageClass parameter replaces the class, delete-first, and nothing else", async (t) => {
    await writeConfig(stack, config({ pool: { name: POOL, pgNum: 16, deletionPolicy: "retain" }, storageClass: { name: CLASS, imageFeatures: ["layering", "exclusive-lock"] } }));
    const preview = await stack.preview({ ...quiet, diff: true });
    t.deepEqual(preview.changeSummary, { same: preview.changeSummary.same, replace: 1 }, preview.stdout);
    t.regex(preview.stdout, /\+-kubernetes:storage\.k8s\.io\/v1:StorageClass: \(replace\)/);
    t.regex(preview.stdout, /imageFeatures\s*:\s*"layering" => "layering,exclusive-lock"/);
    t.false(/AQ[A-Za-z0-9+/]{30,}==/.test(preview.stdout), "no cephx key in the diff");
    await stack.up(quiet);
    t.is(kubectlJson("get", "storageclass", CLASS).parameters.imageFeatures, "layering,exclusive-lock");
});

test.serial("destroy removes the Kubernetes objects and the user, and keeps the pool under retain", async (t) => {
    rbd("create", `${POOL}/kept-volume`, "--size", "16");
    await stack.destroy(quiet);
    t.true(kubectlGone("storageclass", CLASS));
    t.true(kubectlGone("csidriver", "rbd.csi.ceph.com"));
    t.false(ceph("auth", "ls").includes(`client.${CLIENT}`));
    t.truthy(poolDetail(POOL), "retain keeps the pool");
    t.true(rbd("ls", "-p", POOL).includes("kept-volume"), "and its images");
});

test.serial("a source edited after the program's build stops the run before anything is read, naming it and `npm run build`", async (t) => {
    // A copy of the project, its files' times kept: the repository's own build is left alone.
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-stale-"));
    for (const entry of ["bin", "components", "index.ts", "Pulumi.yaml", "package.json"]) {
        cpSync(join(REPO, entry), join(dir, entry), { recursive: true, preserveTimestamps: true });
    }
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
    const copy = await labStack(`e2estale${process.pid}`, config(), dir);
    t.teardown(async () => {
        await copy.workspace.removeStack(copy.name, { force: true });
        rmSync(dir, { recursive: true, force: true });
    });
    const fresh = await copy.preview(quiet);
    t.true((fresh.changeSummary.create ?? 0) >= 20, "the copy as built plans the graph");
    const later = Date.now() / 1000 + 60;
    utimesSync(join(dir, "components", "ceph", "ceph-pool.ts"), later, later);
    const error = await t.throwsAsync(copy.preview(quiet));
    t.regex(error!.message, /components\/ceph\/ceph-pool\.ts changed after it was built\. Run `npm run build`/);
    t.notRegex(error!.message, /preflight|Ceph cluster/, "refused before the live reads");
});
