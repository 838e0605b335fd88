// ceph-csi's RBD node plugin's own users: who gets them (new stacks, and stacks that ask), what
// they may do (no mgr), the Secrets and class parameters that carry them, and the two refusals.
import test from "ava";
import { rbdClientCaps } from "../../../components/ceph";
import { nodeUsersFor, NODE_USER_OUTPUT } from "../../../components/live";
import { baseConfig, byType, declaredBefore, FAKE_CEPH_KEY, fakeReader, healthyCeph, runProgram, unwrap } from "../../harness";

/** What a stack made by an earlier release (one user) recorded. */
const EARLIER = { provisionerKind: "csi", csiInstall: "manifests", pool: "mypool", storageClass: "ceph-storageclass" };

const classParameters = async (run: Awaited<ReturnType<typeof runProgram>>) =>
    (await unwrap(byType(run, "kubernetes:storage.k8s.io/v1:StorageClass")[0].inputs.parameters)).value as Record<string, string>;

test("nodeUsersFor: new stacks and stacks that have them, yes; earlier stacks, only when asked; never for the legacy kinds", (t) => {
    t.true(nodeUsersFor(undefined, "csi", { manyClasses: false }));
    t.false(nodeUsersFor(undefined, "csi", { ...EARLIER, manyClasses: false }));
    t.true(nodeUsersFor(true, "csi", { ...EARLIER, manyClasses: false }));
    t.true(nodeUsersFor(undefined, "csi", { ...EARLIER, manyClasses: true, nodeUser: "client.kube-rbd-node" }));
    t.false(nodeUsersFor(false, "csi", { manyClasses: false }));
    t.false(nodeUsersFor(undefined, "external", { manyClasses: false }));
    t.false(nodeUsersFor(undefined, "in-tree", { manyClasses: false }));
    const error = t.throws(() => nodeUsersFor(false, "csi", { ...EARLIER, manyClasses: false, nodeUser: "client.kube-rbd-node" }));
    t.regex(error!.message, /^kube-ceph:client\.separateNodeUsers is false on a stack whose RBD node plugin logs in as client\.kube-rbd-node/);
    t.regex(error!.message, /Remove the key or set it to true\. Nothing was changed\./);
});

test.serial("a new stack: the node plugin's own user (the same pools, no mgr) in a node Secret the class's node-stage parameters name", async (t) => {
    const run = await runProgram(baseConfig());
    const node = byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-rbd-node-client-user")!;
    t.regex(node.inputs.create, /ENTITY=client\.kube-rbd-node\n/);
    t.regex(node.inputs.create, new RegExp(`OSD_CAPS='${rbdClientCaps(["mypool"]).osd}'`));
    t.regex(node.inputs.create, /ceph auth caps "\$ENTITY" mon "\$MON_CAPS" osd "\$OSD_CAPS" >&2/);
    t.notRegex(node.inputs.create, /MGR_CAPS|mgr "/);
    // In a lane of its own: it waits for no command of the provisioner's user's lane.
    t.deepEqual(node.dependsOn, []);
    t.deepEqual(byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!.dependsOn, ["kube-ceph-pool-mypool-pool"]);
    // The provisioner's user still has the mgr (ceph-csi's background flatten and trash purge).
    t.regex(byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!.inputs.create, /MGR_CAPS='profile rbd pool=mypool'/);

    const secret = byType(run, "kubernetes:core/v1:Secret").find((s) => s.name === "kube-ceph-rbd-secrets-csi-node")!;
    t.is((await unwrap(secret.inputs.metadata.name)).value, "ceph-kube-csi-rbd-node");
    t.is((await unwrap(secret.inputs.stringData.userID)).value, "kube-rbd-node");
    const key = await unwrap(secret.inputs.stringData.userKey);
    t.is(key.value, FAKE_CEPH_KEY);
    t.true(key.secret, "the node user's key is a secret");

    const parameters = await classParameters(run);
    t.is(parameters["csi.storage.k8s.io/node-stage-secret-name"], "ceph-kube-csi-rbd-node");
    t.is(parameters["csi.storage.k8s.io/provisioner-secret-name"], "ceph-kube-csi-rbd");
    t.is(parameters["csi.storage.k8s.io/controller-expand-secret-name"], "ceph-kube-csi-rbd");
    t.is(run.outputs[NODE_USER_OUTPUT], "client.kube-rbd-node");
});

test.serial("a stack an earlier release made keeps its one user: no node user, Secret or output, and the class's parameters as they were", async (t) => {
    const run = await runProgram(baseConfig(), fakeReader(healthyCeph(), undefined, EARLIER));
    t.deepEqual(byType(run, "command:remote:Command").map((c) => c.name).sort(), ["kube-ceph-client-user", "kube-ceph-pool-mypool-pool"]);
    t.deepEqual(byType(run, "kubernetes:core/v1:Secret").map((s) => s.name), ["kube-ceph-rbd-secrets-csi"]);
    t.is((await classParameters(run))["csi.storage.k8s.io/node-stage-secret-name"], "ceph-kube-csi-rbd");
    t.false(NODE_USER_OUTPUT in run.outputs);
});

test.serial("separateNodeUsers: true on such a stack adds them; the provisioner's user and Secret keep their names, so existing volumes keep theirs", async (t) => {
    const run = await runProgram(baseConfig({ client: { separateNodeUsers: true } }), fakeReader(healthyCeph(), undefined, EARLIER));
    t.deepEqual(byType(run, "kubernetes:core/v1:Secret").map((s) => s.name).sort(), ["kube-ceph-rbd-secrets-csi", "kube-ceph-rbd-secrets-csi-node"]);
    t.truthy(byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user"));
    t.is((await classParameters(run))["csi.storage.k8s.io/node-stage-secret-name"], "ceph-kube-csi-rbd-node");
});

test.serial("separateNodeUsers: false on a stack that has them is refused before anything is declared", async (t) => {
    const error = await t.throwsAsync(runProgram(baseConfig({ client: { separateNodeUsers: false } }), fakeReader(healthyCeph(), undefined, { ...EARLIER, nodeUser: "client.kube-rbd-node" })));
    t.regex(error!.message, /kube-ceph:client\.separateNodeUsers is false/);
    t.deepEqual(declaredBefore(error), []);
});
