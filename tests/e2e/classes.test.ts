// Many classes in one stack, against the lab: a one-class stack moves to kube-ceph:pools and
// kube-ceph:storageClasses keeping its pool and class, gains an erasure-coded data pool and more
// classes with the user's caps changed in place, and the keys kube-ceph put into Kubernetes do
// what ceph-csi does with them. Removing a class whose pool holds data is refused. Tenants: rados
// namespaces of one pool, and CephFS subvolume groups, each with keys that reach only their own.
import test from "ava";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cephfsClientCaps, erasureCodeProfile, rbdClientCaps } from "../../components/ceph";
import { ceph, cephJson, rbd } from "../../lab/lab";
import { labConfig, LabConfig, labStack, writeConfig } from "../../lab/pulumi/stack";
import { cephAs, cleanupStack, kubectlJson, poolDetail, poolExists, quiet, radosAs, rbdAs, withCephfsMount } from "../lab";

const id = process.pid;
const STACK = `e2eclasses${id}`;
const USER = `e2ecls${id}`;
const NAMESPACE = `e2e-classes-${id}`;
/** The one-class stack's pool, then the many-class form's replicated second pool and erasure-coded data pool. */
const POOL = `cls${id}`;
const OTHER = `clsother${id}`;
const EC = `clsec${id}`;
const PLAIN = `plain-${id}`;
const BULK = `bulk-${id}`;
const SOLO = `solo-${id}`;

/** The one-class form: kube-ceph:pool and kube-ceph:storageClass. */
const oneClass = (): LabConfig => labConfig({
    pool: { name: POOL, pgNum: 8, deletionPolicy: "delete" },
    client: { name: USER },
    storageClass: { name: PLAIN },
    provisioner: { namespace: NAMESPACE },
});

/** The many-class form of the same stack, with `classes` of these pools. */
function many(classes: Record<string, unknown>[], pools: Record<string, Record<string, unknown>>): LabConfig {
    // The one-class keys are left out: Pulumi.yaml's defaults stand for them.
    const { pool: _pool, storageClass: _storageClass, ...rest } = oneClass();
    return { ...rest, pools, storageClasses: classes as unknown as Record<string, unknown> };
}

const POOLS = {
    [POOL]: { pgNum: 8, deletionPolicy: "delete" },
    [OTHER]: { pgNum: 8, deletionPolicy: "delete" },
    [EC]: { pgNum: 8, erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" },
};
const CLASSES = [
    { name: PLAIN, pool: POOL },
    { name: BULK, pool: POOL, dataPool: EC, imageFeatures: "layering,exclusive-lock,object-map,fast-diff,deep-flatten" },
    { name: SOLO, pool: OTHER },
];

/** Polls `check` once a second until it holds or `seconds` pass; then fails with `describe()`. */
async function waitFor(check: () => boolean, seconds: number, describe: () => string): Promise<void> {
    for (let waited = 0; !check(); waited++) {
        if (waited >= seconds) {
            throw new Error(`not so after ${seconds} s: ${describe()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/** Removes every image (and its snapshots) a test left in `pool/namespace`, so that destroy can go through after a failure. */
function removeImages(spec: string): void {
    const [pool, namespace] = spec.split("/");
    if (!poolExists(pool) || !(JSON.parse(rbd("namespace", "ls", pool, "--format", "json")) as { name: string }[]).some((n) => n.name === namespace)) {
        return;
    }
    for (const image of rbd("ls", spec).trim().split("\n").filter((name) => name !== "")) {
        for (const snap of JSON.parse(rbd("snap", "ls", "--format", "json", `${spec}/${image}`)) as { name: string; protected: string }[]) {
            if (snap.protected === "true") {
                rbd("snap", "unprotect", `${spec}/${image}@${snap.name}`);
            }
        }
        rbd("snap", "purge", `${spec}/${image}`);
        rbd("rm", `${spec}/${image}`);
    }
    rbd("trash", "purge", spec);
}

/** Removes every subvolume of a filesystem the test made, in every group (none when it is gone). */
function removeSubvolumes(fs: string): void {
    if (!cephJson<{ name: string }[]>("fs", "ls").some((f) => f.name === fs)) {
        return;
    }
    for (const group of cephJson<{ name: string }[]>("fs", "subvolumegroup", "ls", fs)) {
        for (const subvolume of cephJson<{ name: string }[]>("fs", "subvolume", "ls", fs, "--group_name", group.name)) {
            ceph("fs", "subvolume", "rm", fs, subvolume.name, "--group_name", group.name);
        }
    }
}

/** The key of a Secret kube-ceph made (the provisioner's, or with "-node" the node plugin's), as the API server holds it. */
function keyFromKubernetes(suffix: "" | "-node" = ""): { user: string; key: string } {
    const secret = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-${USER}-csi-rbd${suffix}`);
    const field = (name: string) => Buffer.from(secret.data[name], "base64").toString("utf8");
    return { user: field("userID"), key: field("userKey") };
}

test.serial("a one-class stack moves to the many-class form keeping its pool and class; a new erasure-coded data pool and two classes come in, the user's caps change in place", async (t) => {
    const stack = await labStack(STACK, oneClass());
    t.teardown(async () => {
        await cleanupStack(t, stack, { pools: [POOL, OTHER, EC] });
        ceph("osd", "erasure-code-profile", "rm", erasureCodeProfile(EC));
    });
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    const classBefore = kubectlJson("get", "storageclass", PLAIN);

    await writeConfig(stack, many(CLASSES, POOLS));
    const steps: string[] = [];
    const onEvent = (event: EngineEvent) => {
        const step = event.resourcePreEvent?.metadata;
        if (step !== undefined && step.op !== "same" && step.op !== "read") {
            steps.push(`${step.op} ${step.type} ${step.urn.split("::").pop()}`);
        }
    };
    const preview = await stack.preview({ ...quiet, diff: true, onEvent });
    // Only what is new is created. Updated: the users' commands (the provisioner's and the node
    // plugin's), for their caps; the reads of their keys, which wait for those commands (the keys
    // stay, checked below); and the dynamic providers' host, whose configuration is the stack's
    // config, which changed.
    const notCreate = steps.filter((s) => !s.startsWith("create ")).sort();
    t.deepEqual(notCreate, [
        "update command:remote:Command kube-ceph-client-user",
        "update command:remote:Command kube-ceph-rbd-node-client-user",
        "update pulumi-nodejs:dynamic/kube-ceph:CephUserKey kube-ceph-client-key",
        "update pulumi-nodejs:dynamic/kube-ceph:CephUserKey kube-ceph-rbd-node-client-key",
        "update pulumi:providers:pulumi-nodejs default",
    ], preview.stdout);
    const keyBefore = ceph("auth", "get-key", `client.${USER}`);
    for (const name of [`kube-ceph-pool-${POOL}`, `kube-ceph-rbd-class-${PLAIN}`, `kube-ceph-guard-${POOL}`]) {
        t.false(steps.some((s) => s.endsWith(` ${name}`) || s.includes(` ${name}-`)), `${name} is the one-class stack's, under a new name: ${steps.join("\n")}`);
    }
    for (const name of [`kube-ceph-pool-${EC}-pool`, `kube-ceph-pool-${OTHER}-pool`, `kube-ceph-rbd-class-${BULK}-class`, `kube-ceph-rbd-class-${SOLO}-class`, `kube-ceph-guard-${OTHER}`]) {
        t.true(steps.some((s) => s.startsWith("create ") && s.endsWith(` ${name}`)), `${name} is created: ${steps.join("\n")}`);
    }
    const up = await stack.up(quiet);
    t.is(up.summary.result, "succeeded");
    t.deepEqual(up.outputs.storageClassNames.value, [PLAIN, BULK, SOLO]);
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));

    t.is(ceph("auth", "get-key", `client.${USER}`), keyBefore, "a caps change keeps the key");
    // The first class is the same object; the others say where their images and data go.
    t.is(kubectlJson("get", "storageclass", PLAIN).metadata.uid, classBefore.metadata.uid);
    const bulk = kubectlJson("get", "storageclass", BULK);
    t.like(bulk.parameters, { pool: POOL, dataPool: EC, imageFeatures: "layering,exclusive-lock,object-map,fast-diff,deep-flatten" });
    t.like(kubectlJson("get", "storageclass", SOLO).parameters, { pool: OTHER });
    t.true(poolDetail(EC).flags_names.split(",").includes("ec_overwrites"));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}`)[0].caps, rbdClientCaps([POOL, EC, OTHER].sort()));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}-rbd-node`)[0].caps, rbdClientCaps([POOL, EC, OTHER].sort(), undefined, "node"));

    // With the keys from Kubernetes alone, what ceph-csi's provisioner does for the bulk class: make
    // the image with the class's features and its data in the erasure-coded pool, then resize,
    // snapshot, clone, flatten (through the mgr, as ceph-csi asks it), move to the trash and purge;
    // and what its node plugin does: read, write and read back.
    const { user, key } = keyFromKubernetes();
    t.is(user, USER);
    const node = keyFromKubernetes("-node");
    t.is(node.user, `${USER}-rbd-node`);
    t.is(kubectlJson("get", "storageclass", BULK).parameters["csi.storage.k8s.io/node-stage-secret-name"], `ceph-${USER}-csi-rbd-node`);
    const image = `${POOL}/csi-vol-${id}`;
    const clone = `${POOL}/csi-clone-${id}`;
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-classes-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const written = randomBytes(256 * 1024);
    writeFileSync(join(dir, "in"), written);
    rbdAs(user, key, "import", "--image-feature", bulk.parameters.imageFeatures, "--data-pool", EC, join(dir, "in"), image);
    const info = rbdAs(user, key, "info", image);
    t.regex(info, new RegExp(`data_pool: ${EC}`));
    t.regex(info, /features: layering, exclusive-lock, object-map, fast-diff, deep-flatten, data-pool/);
    rbdAs(node.user, node.key, "export", image, join(dir, "out"));
    t.true(readFileSync(join(dir, "out")).equals(written), "the node reads back the data written");
    rbdAs(node.user, node.key, "bench", "--io-type", "write", "--io-size", "4K", "--io-total", "64K", image);
    rbdAs(node.user, node.key, "export", image, join(dir, "after"));
    t.false(readFileSync(join(dir, "after")).equals(written), "the node's write landed");
    const current = readFileSync(join(dir, "after"));
    rbdAs(user, key, "resize", "--size", "1M", image);
    rbdAs(user, key, "snap", "create", `${image}@snap`);
    rbdAs(user, key, "snap", "protect", `${image}@snap`);
    rbdAs(user, key, "clone", "--data-pool", EC, `${image}@snap`, clone);
    // The node plugin's user has no mgr caps: only the provisioner's may queue the flatten.
    const denied = t.throws(() => cephAs(node.user, node.key, "rbd", "task", "add", "flatten", clone));
    t.regex(denied!.message, /EACCES|access denied/);
    cephAs(user, key, "rbd", "task", "add", "flatten", clone);
    await waitFor(() => !rbdAs(user, key, "info", clone).includes("parent:"), 60, () => rbdAs(user, key, "info", clone));
    rbdAs(user, key, "trash", "mv", clone);
    rbdAs(user, key, "trash", "purge", POOL);
    t.false(rbd("ls", POOL).includes(`csi-clone-${id}`));

    // Removing a class with its pool while the pool holds an image: refused before anything
    // changes, naming the image (the user's caps would drop the pool first).
    rbdAs(user, key, "create", "--size", "4M", "--image-feature", "layering", `${OTHER}/kept-${id}`);
    await writeConfig(stack, many(CLASSES.filter((c) => c.name !== SOLO), { [POOL]: POOLS[POOL], [EC]: POOLS[EC] }));
    const refused = await t.throwsAsync(stack.up(quiet));
    t.regex(refused!.message, new RegExp(`kube-ceph:pools no longer declares "${OTHER}", which still holds RBD data: ${OTHER}: image kept-${id}[,.]`));
    t.truthy(kubectlJson("get", "storageclass", SOLO), "nothing changed: the class is still there");
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}`)[0].caps, rbdClientCaps([POOL, EC, OTHER].sort()));
    rbd("rm", `${OTHER}/kept-${id}`);
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    t.false(poolExists(OTHER));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}`)[0].caps, rbdClientCaps([POOL, EC].sort()));

    // The bulk class and its data pool leave together while an image's data is in it: refused
    // the same way, and the image stays readable.
    await writeConfig(stack, many(CLASSES.filter((c) => c.name === PLAIN), { [POOL]: POOLS[POOL] }));
    const dataKept = await t.throwsAsync(stack.up(quiet));
    t.regex(dataKept!.message, new RegExp(`kube-ceph:pools no longer declares "${EC}", which still holds RBD data: ${EC}: object rbd_data\\.`));
    t.truthy(kubectlJson("get", "storageclass", BULK), "nothing changed: the class is still there");
    rbdAs(user, key, "export", image, join(dir, "again"));
    // (It was grown to 1 MiB since: the data the node left is its start.)
    t.true(readFileSync(join(dir, "again")).subarray(0, current.length).equals(current));
    rbdAs(user, key, "snap", "unprotect", `${image}@snap`);
    rbdAs(user, key, "snap", "purge", image);
    rbd("rm", image);
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    t.false(poolExists(EC));
});

test.serial("tenants: each rados namespace's and subvolume group's keys, read back from Kubernetes, do what ceph-csi does in their namespace or group and get a permission error anywhere else", async (t) => {
    const stackName = `e2etenants${id}`;
    const pool = `tnt${id}`;
    const data = `tntec${id}`;
    const elsewhere = `tntother${id}`;
    const fs = `tntfs${id}`;
    const { pool: _pool, storageClass: _storageClass, ...rest } = labConfig({ client: { name: USER }, provisioner: { namespace: NAMESPACE } });
    const config = (classes: Record<string, unknown>[]): LabConfig => ({
        ...rest,
        pools: { [pool]: { pgNum: 8, deletionPolicy: "delete" }, [data]: { pgNum: 8, erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" } },
        filesystems: { [fs]: { deletionPolicy: "delete" } },
        storageClasses: classes as unknown as Record<string, unknown>,
    });
    const TENANTS = [
        { name: `team-a-${id}`, pool, dataPool: data, radosNamespace: "team-a" },
        { name: `team-b-${id}`, pool, radosNamespace: "team-b" },
    ];
    // CephFS (ReadWriteMany): ceph-csi's default group, and a group of team b's.
    const FILES = [
        { name: `files-${id}`, type: "cephfs", filesystem: fs, mounter: "fuse" },
        { name: `files-b-${id}`, type: "cephfs", filesystem: fs, subvolumeGroup: "team-b", radosNamespace: "team-b" },
    ];
    const stack = await labStack(stackName, config([...TENANTS, ...FILES]));
    t.teardown(async () => {
        await cleanupStack(t, stack, {
            // The filesystem goes with destroy once no subvolume is left in it.
            restore: {
                "remove the test's images": () => ["team-a", "team-b"].forEach((tenant) => removeImages(`${pool}/${tenant}`)),
                "remove the test's subvolumes": () => removeSubvolumes(fs),
            },
            pools: [pool, data, elsewhere],
        });
        ceph("osd", "erasure-code-profile", "rm", erasureCodeProfile(data));
    });
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    const fsid = cephJson<{ fsid: string }>("fsid").fsid;

    // Each tenant's class names its own clusterID, whose ClientProfile carries the namespace, and
    // the operator has written it into ceph-csi's configuration.
    for (const tenant of ["team-a", "team-b"]) {
        t.is(kubectlJson("get", "storageclass", `${tenant}-${id}`).parameters.clusterID, `${fsid}-${tenant}`);
        t.deepEqual(kubectlJson("get", "clientprofile", "-n", "ceph-csi-operator-system", `${fsid}-${tenant}`).spec.rbd, { radosNamespace: tenant });
    }
    const csiConfig = () => JSON.parse(kubectlJson("get", "configmap", "-n", "ceph-csi-operator-system", "ceph-csi-config").data["config.json"]) as { clusterID: string; rbd?: { radosNamespace?: string } }[];
    await waitFor(() => csiConfig().some((c) => c.clusterID === `${fsid}-team-a` && c.rbd?.radosNamespace === "team-a"), 120, () => JSON.stringify(csiConfig()));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}-team-a`)[0].caps, rbdClientCaps([data, pool].sort(), "team-a"));

    t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}-team-a-rbd-node`)[0].caps, rbdClientCaps([data, pool].sort(), "team-a", "node"));

    const tenantKey = (tenant: string, suffix: "" | "-node" = "") => {
        const secret = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-${USER}-${tenant}-csi-rbd${suffix}`);
        return { user: Buffer.from(secret.data.userID, "base64").toString(), key: Buffer.from(secret.data.userKey, "base64").toString() };
    };
    const a = tenantKey("team-a");
    const b = tenantKey("team-b");
    const rbdNodeB = tenantKey("team-b", "-node");
    t.is(a.user, `${USER}-team-a`);
    t.is(rbdNodeB.user, `${USER}-team-b-rbd-node`);

    // Tenant a, as ceph-csi: an image in its namespace with its data in the erasure-coded pool;
    // write and read back, resize, snapshot, clone, flatten, trash and purge.
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-tenants-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const written = randomBytes(128 * 1024);
    writeFileSync(join(dir, "in"), written);
    const image = `${pool}/team-a/vol`;
    rbdAs(a.user, a.key, "import", "--image-feature", "layering", "--data-pool", data, join(dir, "in"), image);
    t.regex(rbdAs(a.user, a.key, "info", image), new RegExp(`data_pool: ${data}`));
    rbdAs(a.user, a.key, "export", image, join(dir, "out"));
    t.true(readFileSync(join(dir, "out")).equals(written));
    rbdAs(a.user, a.key, "resize", "--size", "1M", image);
    rbdAs(a.user, a.key, "snap", "create", `${image}@s`);
    rbdAs(a.user, a.key, "snap", "protect", `${image}@s`);
    rbdAs(a.user, a.key, "clone", "--data-pool", data, `${image}@s`, `${pool}/team-a/clone`);
    rbdAs(a.user, a.key, "flatten", `${pool}/team-a/clone`);
    rbdAs(a.user, a.key, "trash", "mv", `${pool}/team-a/clone`);
    rbdAs(a.user, a.key, "trash", "purge", `${pool}/team-a`);
    t.deepEqual(rbdAs(a.user, a.key, "ls", `${pool}/team-a`).trim().split("\n"), ["vol"]);
    // Tenant b: its provisioner makes an image; its node plugin's user reads it back in its own namespace.
    rbdAs(b.user, b.key, "import", "--image-feature", "layering", join(dir, "in"), `${pool}/team-b/vol`);
    rbdAs(rbdNodeB.user, rbdNodeB.key, "export", `${pool}/team-b/vol`, join(dir, "out-b"));
    t.true(readFileSync(join(dir, "out-b")).equals(written));

    // Isolation: the other tenant's namespace, the pool's default namespace, another pool.
    ceph("osd", "pool", "create", elsewhere, "8");
    rbd("pool", "init", elsewhere);
    const refused = (what: string, ...args: string[]) => {
        const error = t.throws(() => rbdAs(a.user, a.key, ...args), undefined, what);
        t.regex(String(error?.message), /Operation not permitted|permission denied|\(1\)/i, what);
    };
    // Tenant b's node plugin's user cannot read tenant a's images either.
    const nodeRefused = t.throws(() => rbdAs(rbdNodeB.user, rbdNodeB.key, "export", image, join(dir, "stolen-by-node")), undefined, "tenant b's node user, tenant a's image");
    t.regex(String(nodeRefused?.message), /Operation not permitted|permission denied|\(1\)/i);
    refused("another tenant's namespace: list", "ls", `${pool}/team-b`);
    refused("another tenant's namespace: read", "export", `${pool}/team-b/vol`, join(dir, "stolen"));
    refused("another tenant's namespace: create", "create", "--size", "1M", `${pool}/team-b/intruder`);
    refused("the pool's default namespace", "create", "--size", "1M", `${pool}/intruder`);
    refused("another pool", "create", "--size", "1M", `${elsewhere}/intruder`);
    t.deepEqual(rbd("ls", `${pool}/team-b`).trim().split("\n"), ["vol"]);

    // Removing tenant b's class while its namespace holds an image: refused, naming the image.
    await writeConfig(stack, config([TENANTS[0], ...FILES]));
    const kept = await t.throwsAsync(stack.up(quiet));
    t.regex(kept!.message, new RegExp(`refusing to delete rados namespace ${pool}/team-b: it holds 1 RBD image\\(s\\): vol`));
    t.deepEqual(rbd("ls", `${pool}/team-b`).trim().split("\n"), ["vol"]);
    rbd("rm", `${pool}/team-b/vol`);
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    t.false(rbd("namespace", "ls", pool).includes("team-b"));
    t.throws(() => ceph("auth", "get", `client.${USER}-team-b`));

    // CephFS: a clusterID per subvolume group, whose ClientProfile names the group and which the
    // operator wrote into ceph-csi's configuration; the CephFS driver reconciled; per group a
    // provisioner and a node user whose caps reach only that group.
    const operatorNamespace = "ceph-csi-operator-system";
    const files = kubectlJson("get", "storageclass", `files-${id}`);
    t.is(files.provisioner, "cephfs.csi.ceph.com");
    t.like(files.parameters, { clusterID: `${fsid}-cephfs-csi`, fsName: fs, mounter: "fuse" });
    t.is(kubectlJson("get", "storageclass", `files-b-${id}`).parameters.clusterID, `${fsid}-cephfs-team-b`);
    // Team b's group keeps ceph-csi's journal in a rados namespace of its own; the csi group in ceph-csi's default.
    for (const [group, radosNamespace] of [["csi", undefined], ["team-b", "team-b"]] as const) {
        t.deepEqual(kubectlJson("get", "clientprofile", "-n", operatorNamespace, `${fsid}-cephfs-${group}`).spec.cephFs, { subVolumeGroup: group, ...(radosNamespace ? { radosNamespace } : {}) });
        for (const role of ["provisioner", "node"] as const) {
            t.deepEqual(cephJson<any[]>("auth", "get", `client.${USER}-cephfs-${group}-${role}`)[0].caps, cephfsClientCaps(role, [fs], group, radosNamespace));
        }
    }
    type CsiCluster = { clusterID: string; cephFS?: { subvolumeGroup?: string; radosNamespace?: string } };
    const csiClusters = () => JSON.parse(kubectlJson("get", "configmap", "-n", operatorNamespace, "ceph-csi-config").data["config.json"]) as CsiCluster[];
    await waitFor(() => csiClusters().some((c) => c.clusterID === `${fsid}-cephfs-team-b` && c.cephFS?.subvolumeGroup === "team-b" && c.cephFS?.radosNamespace === "team-b"), 120, () => JSON.stringify(csiClusters()));
    // Another namespace for that group: preflight reads its live ClientProfile and refuses.
    await writeConfig(stack, config([...TENANTS, FILES[0], { ...FILES[1], radosNamespace: "team-c" }]));
    const moved = await t.throwsAsync(stack.preview(quiet));
    t.regex(moved!.message, new RegExp(`storageClasses\\[3\\]\\.radosNamespace is team-c, but subvolume group team-b's ClientProfile ${fsid}-cephfs-team-b keeps its journal in rados namespace team-b`));
    await writeConfig(stack, config([...TENANTS, ...FILES]));
    t.is(kubectlJson("get", "deployment", "-n", operatorNamespace, "cephfs.csi.ceph.com-ctrlplugin").metadata.ownerReferences[0].kind, "Driver");
    t.deepEqual(cephJson<{ name: string }[]>("fs", "subvolumegroup", "ls", fs).map((g) => g.name).sort(), ["csi", "team-b"]);

    const fsKey = (group: string, role: string) => {
        const secret = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-${USER}-${group}-csi-cephfs-${role}`);
        return { user: Buffer.from(secret.data.adminID, "base64").toString(), key: Buffer.from(secret.data.adminKey, "base64").toString() };
    };
    const provisioner = fsKey("csi", "provisioner");
    const node = fsKey("csi", "node");
    t.is(node.user, `${USER}-cephfs-csi-node`);
    // The provisioner, as ceph-csi through the mgr: a subvolume in its group, its path, a resize.
    cephAs(provisioner.user, provisioner.key, "fs", "subvolume", "create", fs, "vol", "--group_name", "csi", "--size", String(8 << 20));
    const path = cephAs(provisioner.user, provisioner.key, "fs", "subvolume", "getpath", fs, "vol", "--group_name", "csi").trim();
    t.regex(path, /^\/volumes\/csi\/vol\//);
    cephAs(provisioner.user, provisioner.key, "fs", "subvolume", "resize", fs, "vol", String(16 << 20), "--group_name", "csi");
    // The node, as ceph-csi's fuse mounter: mount the subvolume, write; mount again, read back.
    withCephfsMount(node.user, node.key, fs, path, (mounted) => writeFileSync(join(mounted, "file"), written));
    withCephfsMount(node.user, node.key, fs, path, (mounted) => t.true(readFileSync(join(mounted, "file")).equals(written), "the data read back is the data written"));
    // Isolation: team b's node key cannot mount the csi group's subvolume, nor the filesystem's root.
    const nodeB = fsKey("team-b", "node");
    for (const [what, where] of [["another group's subvolume", path], ["the filesystem's root", "/"]]) {
        const error = t.throws(() => withCephfsMount(nodeB.user, nodeB.key, fs, where, () => undefined), undefined, what);
        t.regex(String(error?.message), /Permission denied|Operation not permitted|EPERM|EACCES|\(1\)|\(13\)/i, what);
    }
    // Team b's own subvolume, made by its provisioner, is its node's to mount.
    const provisionerB = fsKey("team-b", "provisioner");
    cephAs(provisionerB.user, provisionerB.key, "fs", "subvolume", "create", fs, "vol-b", "--group_name", "team-b");
    const pathB = cephAs(provisionerB.user, provisionerB.key, "fs", "subvolume", "getpath", fs, "vol-b", "--group_name", "team-b").trim();
    withCephfsMount(nodeB.user, nodeB.key, fs, pathB, (mounted) => writeFileSync(join(mounted, "file"), written));
    // Its journal, as ceph-csi keeps it (omap in the metadata pool): team b's provisioner writes it
    // in team b's namespace and its node reads it there; neither reaches ceph-csi's default
    // namespace, where the csi group's journal is.
    const meta = `cephfs.${fs}.meta`;
    radosAs(provisioner.user, provisioner.key, "-p", meta, "-N", "csi", "setomapval", "csi.volumes.default", `csi.volume.${id}`, "vol");
    radosAs(provisionerB.user, provisionerB.key, "-p", meta, "-N", "team-b", "setomapval", "csi.volumes.default", `csi.volume.${id}`, "vol-b");
    t.is(radosAs(nodeB.user, nodeB.key, "-p", meta, "-N", "team-b", "getomapval", "csi.volumes.default", `csi.volume.${id}`).includes("vol-b"), true);
    for (const [who, key] of [["team b's provisioner", provisionerB], ["team b's node", nodeB]] as const) {
        const error = t.throws(() => radosAs(key.user, key.key, "-p", meta, "-N", "csi", "listomapkeys", "csi.volumes.default"), undefined, who);
        t.regex(String(error?.message), /Operation not permitted|Permission denied|EPERM|EACCES|\(1\)|\(13\)/i, who);
    }

    // Removing team b's CephFS class while its group holds a subvolume: refused, naming it; its
    // users are still there to reach it.
    await writeConfig(stack, config([TENANTS[0], FILES[0]]));
    const groupKept = await t.throwsAsync(stack.up(quiet));
    t.regex(groupKept!.message, new RegExp(`refusing to delete subvolume group ${fs}/team-b: it holds 1 subvolume\\(s\\): vol-b`));
    t.truthy(ceph("auth", "get", `client.${USER}-cephfs-team-b-node`));
    ceph("fs", "subvolume", "rm", fs, "vol-b", "--group_name", "team-b");
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    t.deepEqual(cephJson<{ name: string }[]>("fs", "subvolumegroup", "ls", fs).map((g) => g.name), ["csi"]);
    t.throws(() => ceph("auth", "get", `client.${USER}-cephfs-team-b-node`));

    // Tenant a's image goes too, and with it the last RBD class and the pools: the stack becomes
    // one of CephFS classes only. The RBD Driver, users and Secrets go; the CephFS class, its
    // users and the subvolume with its data stay; a second preview is empty.
    rbdAs(a.user, a.key, "snap", "unprotect", `${image}@s`);
    rbdAs(a.user, a.key, "snap", "purge", image);
    rbdAs(a.user, a.key, "rm", image);
    const filesBefore = kubectlJson("get", "storageclass", `files-${id}`).metadata.uid;
    await writeConfig(stack, { ...rest, filesystems: { [fs]: { deletionPolicy: "delete" } }, storageClasses: [FILES[0]] as unknown as Record<string, unknown> });
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
    t.deepEqual(kubectlJson<{ items: { metadata: { name: string } }[] }>("get", "driver", "-n", operatorNamespace).items.map((d) => d.metadata.name), ["cephfs.csi.ceph.com"]);
    for (const user of [USER, `${USER}-rbd-node`, `${USER}-team-a`]) {
        t.throws(() => ceph("auth", "get", `client.${user}`), undefined, `client.${user} is gone`);
    }
    t.false(poolExists(pool));
    t.is(kubectlJson("get", "storageclass", `files-${id}`).metadata.uid, filesBefore);
    withCephfsMount(node.user, node.key, fs, path, (mounted) => t.true(readFileSync(join(mounted, "file")).equals(written), "the subvolume's data is still there"));
});
