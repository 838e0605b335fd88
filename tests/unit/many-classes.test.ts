// The many-class form (kube-ceph:pools, kube-ceph:storageClasses) as the program declares it
// under mocks: a pool per entry, one user for all of them, a class per entry, a guard per pool
// that classes put images in; and the names a one-class stack's pool and class keep.
import test from "ava";
import { erasureCodeProfile, rbdClientCaps } from "../../components/ceph";
import { baseConfig, byType, declaredBefore, fakeReader, healthyCeph, runProgram, unwrap } from "../harness";

/** A replicated pool, a second one, an erasure-coded one; a plain class, an erasure-coded one, one on the second pool. */
const MANY = {
    pools: {
        rbd: { replicas: 3 },
        fast: { pgNum: 32 },
        ec: { erasureCoded: { k: 4, m: 2 }, deletionPolicy: "delete" },
    },
    storageClasses: [
        { name: "standard", pool: "rbd", isDefault: true },
        { name: "bulk", pool: "rbd", dataPool: "ec", imageFeatures: "layering,exclusive-lock" },
        { name: "nvme", pool: "fast", mounter: "rbd-nbd", mapOptions: "nbd:try-netlink" },
    ],
};

test.serial("a pool per entry (the erasure-coded one with its profile), one user whose caps name every pool, a class per entry", async (t) => {
    const run = await runProgram(baseConfig(MANY));
    const commands = byType(run, "command:remote:Command");
    t.deepEqual(commands.map((c) => c.name).sort(), ["kube-ceph-client-user", "kube-ceph-pool-ec-pool", "kube-ceph-pool-fast-pool", "kube-ceph-pool-rbd-pool", "kube-ceph-rbd-node-client-user"]);
    const ec = commands.find((c) => c.name === "kube-ceph-pool-ec-pool")!;
    t.regex(ec.inputs.create, new RegExp(`EC_PROFILE=${erasureCodeProfile("ec")}`));
    t.regex(ec.inputs.create, /EC_K=4\nEC_M=2\n/);
    t.regex(ec.inputs.create, /EC_DOMAIN=host/);
    t.regex(ec.inputs.create, /allow_ec_overwrites true/);
    t.notRegex(ec.inputs.create, /rbd pool init/);
    // Replicated pools carry no erasure-coding values at all.
    t.notRegex(commands.find((c) => c.name === "kube-ceph-pool-rbd-pool")!.inputs.create, /EC_/);

    const user = commands.find((c) => c.name === "kube-ceph-client-user")!;
    const caps = rbdClientCaps(["ec", "fast", "rbd"]);
    t.regex(user.inputs.create, new RegExp(`OSD_CAPS='${caps.osd}'`));
    t.is(caps.osd, "profile rbd pool=ec, profile rbd pool=fast, profile rbd pool=rbd");
    // The same pools for the node plugin's user, without the mgr; one Secret each for every class.
    const nodeUser = commands.find((c) => c.name === "kube-ceph-rbd-node-client-user")!;
    t.regex(nodeUser.inputs.create, new RegExp(`OSD_CAPS='${caps.osd}'`));
    t.notRegex(nodeUser.inputs.create, /MGR_CAPS|mgr "/);
    t.deepEqual(byType(run, "kubernetes:core/v1:Secret").map((s) => s.name).sort(), ["kube-ceph-rbd-secrets-csi", "kube-ceph-rbd-secrets-csi-node"]);

    const classes = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass");
    const parameters = async (name: string) => (await unwrap(classes.find((c) => c.name === `kube-ceph-rbd-class-${name}-class`)!.inputs.parameters)).value;
    t.deepEqual(classes.map((c) => c.name), ["kube-ceph-rbd-class-standard-class", "kube-ceph-rbd-class-bulk-class", "kube-ceph-rbd-class-nvme-class"]);
    t.like(await parameters("standard"), { pool: "rbd", imageFeatures: "layering" });
    t.false("dataPool" in (await parameters("standard")));
    t.like(await parameters("bulk"), { pool: "rbd", dataPool: "ec", imageFeatures: "layering,exclusive-lock" });
    t.like(await parameters("nvme"), { pool: "fast", mounter: "rbd-nbd", mapOptions: "nbd:try-netlink" });
    t.deepEqual(run.outputs.storageClassNames, ["standard", "bulk", "nvme"]);
    t.is(run.outputs.storageClassName, "standard");
});

test.serial("a guard per pool that classes put images in, after the data pools of its classes; the smoke test is the first class's", async (t) => {
    const run = await runProgram(baseConfig(MANY));
    const guards = byType(run, "kube-ceph:kubernetes:VolumeGuard");
    t.deepEqual(guards.map((g) => g.name).sort(), ["kube-ceph-guard-fast", "kube-ceph-guard-rbd"]);
    const rbdGuard = guards.find((g) => g.name === "kube-ceph-guard-rbd")!;
    // Destroy deletes the guard before the data pool too: an erasure-coded pool goes only after the volumes whose data it holds.
    t.deepEqual([...rbdGuard.dependsOn].sort(), [
        "kube-ceph-client", "kube-ceph-pool-ec", "kube-ceph-pool-rbd", "kube-ceph-rbd-class-bulk", "kube-ceph-rbd-class-standard", "kube-ceph-rbd-node-client", "kube-ceph-rbd-secrets",
    ]);
    const [smokeTest] = byType(run, "kube-ceph:kubernetes:SmokeTest");
    t.true(smokeTest.dependsOn.includes("kube-ceph-guard-rbd"), smokeTest.dependsOn.join(", "));
    t.true(smokeTest.dependsOn.includes("kube-ceph-rbd-class-standard"), smokeTest.dependsOn.join(", "));
});

test.serial("kernel preflight checks the features of the krbd classes only: rbd-nbd maps in user space", async (t) => {
    const reader = () => fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "5.15.0-91-generic" }] });
    const withJournaling = (mounter?: string) => baseConfig({
        ...MANY,
        storageClasses: [MANY.storageClasses[0], { name: "journal", pool: "fast", imageFeatures: ["layering", "exclusive-lock", "journaling"], ...(mounter ? { mounter } : {}) }],
    });
    const error = await t.throwsAsync(runProgram(withJournaling(), reader()));
    t.regex(error!.message, /journaling/);
    t.deepEqual(declaredBefore(error), []);
    await t.notThrowsAsync(runProgram(withJournaling("rbd-nbd"), reader()));
});

test.serial("a one-class stack moving to the many-class form: its pool and class keep their names as aliases; a new one has none", async (t) => {
    const previous = { pool: "mypool", storageClass: "ceph-storageclass", manyClasses: false };
    const config = baseConfig({
        pools: { mypool: {}, ec: { erasureCoded: { k: 2, m: 1 } } },
        storageClasses: [{ name: "ceph-storageclass", pool: "mypool" }, { name: "bulk", pool: "mypool", dataPool: "ec" }],
    });
    const run = await runProgram(config, fakeReader(healthyCeph(), undefined, previous));
    const aliases = (type: string, name: string) => run.resources.find((r) => r.type === type && r.name === name)!.opts.aliases;
    t.deepEqual(aliases("kube-ceph:ceph:CephPool", "kube-ceph-pool-mypool")?.[0], { name: "kube-ceph-pool" });
    t.deepEqual(aliases("kube-ceph:kubernetes:RbdStorageClass", "kube-ceph-rbd-class-ceph-storageclass")?.[0], { name: "kube-ceph-rbd-class" });
    t.deepEqual(aliases("kube-ceph:kubernetes:VolumeGuard", "kube-ceph-guard-mypool")?.[0], { name: "kube-ceph-guard" });
    t.deepEqual(aliases("kube-ceph:ceph:CephPool", "kube-ceph-pool-ec"), []);
    t.deepEqual(aliases("kube-ceph:kubernetes:RbdStorageClass", "kube-ceph-rbd-class-bulk"), []);
    // Once the stack has used the many-class form, its resources have their own names: no alias.
    const again = await runProgram(config, fakeReader(healthyCeph(), undefined, { ...previous, manyClasses: true }));
    t.deepEqual(again.resources.find((r) => r.name === "kube-ceph-pool-mypool")!.opts.aliases, []);
});

test.serial("the many-class form has no pool-rename guard: a pool leaves the map, and its guard and delete keep its data", async (t) => {
    const run = await runProgram(baseConfig(MANY), fakeReader(healthyCeph(), undefined, { pool: "mypool", storageClass: "ceph-storageclass", manyClasses: true }));
    t.deepEqual(byType(run, "kube-ceph:ceph:CephPool").map((p) => p.name).sort(), ["kube-ceph-pool-ec", "kube-ceph-pool-fast", "kube-ceph-pool-rbd"]);
});

test.serial("a pool leaving the map while it holds RBD data is refused before anything is declared, naming its images; an empty one may go", async (t) => {
    const previous = { pool: "rbd", storageClass: "standard", manyClasses: true, pools: ["ec", "fast", "old", "rbd"] };
    const holding = fakeReader(healthyCeph({ poolData: { old: ["/rbd_data.10ab.0000", "/rbd_id.csi-vol-1", "team-a/rbd_id.csi-vol-2"] } }), undefined, previous);
    const error = await t.throwsAsync(runProgram(baseConfig(MANY), holding));
    t.regex(error!.message, /kube-ceph:pools no longer declares "old", which still holds RBD data: old: image csi-vol-1, image csi-vol-2 in rados namespace team-a, object rbd_data\.10ab\.0000\./);
    t.regex(error!.message, /keep the pool in kube-ceph:pools\. Nothing was changed\./);
    t.deepEqual(declaredBefore(error), []);
    // Gone from the cluster, or empty: the caps drop it and its own delete runs.
    await t.notThrowsAsync(runProgram(baseConfig(MANY), fakeReader(healthyCeph(), undefined, previous)));
});

test.serial("a confirmed pool rename in the one-class form: the pool and its guard stay the same resources, named after the old pool before", async (t) => {
    const config = baseConfig({ pool: { name: "newpool", renameConfirmedFrom: "mypool" } });
    const run = await runProgram(config, fakeReader(healthyCeph(), undefined, { pool: "mypool", storageClass: "ceph-storageclass" }));
    const aliases = (type: string) => run.resources.find((r) => r.type === type)!.opts.aliases;
    t.deepEqual(aliases("kube-ceph:ceph:CephPool"), [{ name: "kube-ceph-pool" }, { name: "kube-ceph-pool-mypool" }, { name: "ceph", parent: undefined }, { name: "rbd", parent: undefined }]);
    t.deepEqual(aliases("kube-ceph:kubernetes:VolumeGuard")?.slice(0, 2), [{ name: "kube-ceph-guard" }, { name: "kube-ceph-guard-mypool" }]);
});
