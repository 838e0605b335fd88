// ceph-csi through ceph-csi-operator (kube-ceph:provisioner.install: operator), against the lab:
// the real apiserver validates every object against the CRDs of the published install.yaml,
// and the real operator (lab/operator/operator.sh runs it with the token of the ServiceAccount
// that install.yaml creates) reconciles them. ceph-csi's own pods cannot run here (no kubelet).
import test from "ava";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { defaultImage, driverWorkloads, imageSetData, madeForDriver, OPERATOR_DEPLOYMENT, OPERATOR_MANIFEST_SHA256, PROFILE_FINALIZER } from "../../components/csi";
import { labConfig, labStack, REPO, writeConfig } from "../../lab/pulumi/stack";
import { ceph, cephJson, MONS } from "../../lab/lab";
import { cleanupStack, kubectlJson, plannedSteps, quiet } from "../lab";

const STACK = `e2eop${process.pid}`;
const POOL = `e2eoppool${process.pid}`;
const CLIENT = `e2eopuser${process.pid}`;
const CLASS = `e2e-op-class-${process.pid}`;
const NAMESPACE = `e2e-op-secrets-${process.pid}`;
const OPERATOR_NAMESPACE = "ceph-csi-operator-system";
const DRIVER = "rbd.csi.ceph.com";
const WORKLOADS = driverWorkloads(DRIVER);
const MIRROR = "mirror.lab.invalid:5000";
const MON_V1 = MONS.map((mon) => `${mon}:6789`);
const OPERATOR = { kind: "csi" as const, install: "operator" as const };

const config = (provisioner: Record<string, unknown> = {}) =>
    labConfig({
        pool: { name: POOL, pgNum: 8, deletionPolicy: "retain" },
        client: { name: CLIENT },
        storageClass: { name: CLASS },
        provisioner: {
            namespace: NAMESPACE,
            install: "operator",
            // The digest kube-ceph pins for the release's own file: the module's copy is that file.
            operator: { manifest: process.env.KUBE_CEPH_LAB_OPERATOR_MANIFEST, manifestSha256: OPERATOR_MANIFEST_SHA256 },
            ...provisioner,
        },
    });

/** Every container image of a generated workload. */
function imagesOf(kind: string, name: string): string[] {
    return kubectlJson(`get`, kind, "-n", OPERATOR_NAMESPACE, name).spec.template.spec.containers.map((c: { image: string }) => c.image);
}

function argsOf(kind: string, name: string): string[] {
    return kubectlJson(`get`, kind, "-n", OPERATOR_NAMESPACE, name).spec.template.spec.containers.flatMap((c: { args?: string[] }) => c.args ?? []);
}

/** Names of the objects of `kind` (all namespaces) whose name matches `pattern`. */
function namesMatching(kind: string, pattern: RegExp): string[] {
    const list = kubectlJson("get", kind, "-A");
    return list.items.map((o: { metadata: { name: string } }) => o.metadata.name).filter((n: string) => pattern.test(n));
}

let stack: Stack;

test.before(async () => {
    stack = await labStack(STACK, config());
});

test.after.always((t) => cleanupStack(t, stack, { pools: [POOL] }));

test.serial("up through ceph-csi-operator: the apiserver takes every object, the operator loads the profile and generates the RBD workloads", async (t) => {
    const result = await stack.up(quiet);
    t.is(result.summary.result, "succeeded");
    const fsid = cephJson<{ fsid: string }>("fsid").fsid;

    // The operator runs as the ServiceAccount that install.yaml made, so its RBAC is what did the work.
    const whoami = execFileSync("kubectl", ["auth", "whoami", "--kubeconfig", process.env.KUBE_CEPH_LAB_OPERATOR_KUBECONFIG!, "-o", "jsonpath={.status.userInfo.username}"], { encoding: "utf8" });
    t.is(whoami, `system:serviceaccount:${OPERATOR_NAMESPACE}:${OPERATOR_DEPLOYMENT}`);

    // The ClientProfile is named after the clusterID and the operator has loaded it.
    const profile = kubectlJson("get", "clientprofile", "-n", OPERATOR_NAMESPACE, fsid);
    t.true(profile.metadata.finalizers.includes(PROFILE_FINALIZER), JSON.stringify(profile.metadata));
    const connection = kubectlJson("get", "cephconnection", "-n", OPERATOR_NAMESPACE, profile.spec.cephConnectionRef.name);
    t.deepEqual(connection.spec.monitors, MON_V1);

    // ceph-csi's configuration, as the operator wrote it: the class's clusterID with all three mons.
    const csiConfig = JSON.parse(kubectlJson("get", "configmap", "-n", OPERATOR_NAMESPACE, "ceph-csi-config").data["config.json"]);
    const entry = csiConfig.find((c: { clusterID: string }) => c.clusterID === fsid);
    t.truthy(entry, JSON.stringify(csiConfig));
    t.deepEqual([...entry.monitors].sort(), MON_V1);
    const sc = kubectlJson("get", "storageclass", CLASS);
    t.is(sc.provisioner, DRIVER);
    t.is(sc.parameters.clusterID, fsid);

    // The workloads: owned by the Driver, with the pinned images (the operator release's own defaults).
    const driver = kubectlJson("get", "driver", "-n", OPERATOR_NAMESPACE, DRIVER);
    const pinned = Object.values(imageSetData(Object.fromEntries(["cephcsi", "csiProvisioner", "csiAttacher", "csiResizer", "csiSnapshotter", "csiNodeDriverRegistrar", "csiAddons", "csiSnapshotMetadata"]
        .map((k) => [k, defaultImage(k as never, OPERATOR)]))));
    for (const [kind, name] of [["deployment", WORKLOADS.controller], ["daemonset", WORKLOADS.node]]) {
        const owner = kubectlJson("get", kind, "-n", OPERATOR_NAMESPACE, name).metadata.ownerReferences.find((o: { controller?: boolean }) => o.controller);
        t.is(owner.kind, "Driver");
        t.is(owner.uid, driver.metadata.uid);
        const images = imagesOf(kind, name);
        t.true(images.includes(defaultImage("cephcsi", OPERATOR)!), images.join(", "));
        t.deepEqual(images.filter((i) => !pinned.includes(i)), [], `${kind} ${name} runs only pinned images`);
    }
    t.true(madeForDriver(kubectlJson("get", "csidriver", DRIVER).metadata.annotations, OPERATOR_NAMESPACE, DRIVER));

    // The Secrets hold the user's real key.
    const key = ceph("auth", "get-key", `client.${CLIENT}`).trim();
    const secret = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-${CLIENT}-csi-rbd`);
    t.is(Buffer.from(secret.data.userKey, "base64").toString(), key);
});

test.serial("a second up through the operator changes nothing, and a preview expecting no changes passes", async (t) => {
    const again = await stack.up(quiet);
    // "read" is the stack reading its own last outputs (the pool-rename guard), not a change.
    const changes = Object.entries(again.summary.resourceChanges ?? {}).filter(([op]) => op !== "same" && op !== "read");
    t.deepEqual(changes, []);
    const preview = await stack.preview({ ...quiet, expectNoChanges: true });
    t.deepEqual(Object.entries(preview.changeSummary).filter(([op]) => op !== "same" && op !== "read"), []);
});

test.serial("snapshotClass: refused while the snapshot CRDs are missing; with Kubernetes' own CRDs the apiserver takes the VolumeSnapshotClass, and turning it off deletes it", async (t) => {
    const crds = ["volumesnapshotclasses", "volumesnapshotcontents", "volumesnapshots"].map((plural) => `${plural}.snapshot.storage.k8s.io`);
    execFileSync("kubectl", ["delete", "crd", ...crds, "--ignore-not-found", "--timeout=60s"], { stdio: "pipe" });
    const withSnapshots = { ...config(), storageClass: { name: CLASS, snapshotClass: true } };
    await writeConfig(stack, withSnapshots);
    const refused = await t.throwsAsync(stack.preview(quiet));
    t.regex(refused!.message, /snapshotClass is true, but this cluster has no volumesnapshotclasses\.snapshot\.storage\.k8s\.io, volumesnapshotcontents\.snapshot\.storage\.k8s\.io, volumesnapshots\.snapshot\.storage\.k8s\.io CustomResourceDefinitions/);

    const dir = process.env.KUBE_CEPH_LAB_SNAPSHOT_CRDS;
    t.truthy(dir, "KUBE_CEPH_LAB_SNAPSHOT_CRDS (lab/kubernetes/kube.sh env)");
    execFileSync("kubectl", ["apply", "-f", dir!], { stdio: "pipe" });
    execFileSync("kubectl", ["wait", "--for=condition=Established", "--timeout=60s", ...crds.map((crd) => `crd/${crd}`)], { stdio: "pipe" });
    const up = await stack.up(quiet);
    t.is(up.summary.result, "succeeded");
    t.deepEqual(up.summary.resourceChanges?.create, 2, "the RbdSnapshotClass component and its VolumeSnapshotClass");
    const snapshotClass = kubectlJson("get", "volumesnapshotclass", CLASS);
    t.is(snapshotClass.driver, DRIVER);
    t.is(snapshotClass.deletionPolicy, "Delete");
    t.deepEqual(snapshotClass.parameters, {
        "clusterID": cephJson<{ fsid: string }>("fsid").fsid,
        "csi.storage.k8s.io/snapshotter-secret-name": `ceph-${CLIENT}-csi-rbd`,
        "csi.storage.k8s.io/snapshotter-secret-namespace": NAMESPACE,
    });

    await writeConfig(stack, config());
    t.is((await stack.up(quiet)).summary.result, "succeeded");
    t.deepEqual(namesMatching("volumesnapshotclass", new RegExp(`^${CLASS}$`)), []);
});

test.serial("a registry mirror and a log level change the Driver in place, and the operator rolls its workloads to them", async (t) => {
    await writeConfig(stack, config({ registry: MIRROR, operator: { manifest: process.env.KUBE_CEPH_LAB_OPERATOR_MANIFEST, logVerbosity: 3 } }));
    const planned = await plannedSteps(stack);
    // The image set is a new ConfigMap (the provider replaces changed ConfigMaps); the Driver, the
    // operator's install (its image) and the readiness check change in place; nothing else moves.
    t.deepEqual(planned, [
        "create-replacement kubernetes:core/v1:ConfigMap kube-ceph-rbd-driver-images",
        "delete-replaced kubernetes:core/v1:ConfigMap kube-ceph-rbd-driver-images",
        "replace kubernetes:core/v1:ConfigMap kube-ceph-rbd-driver-images",
        "update pulumi-nodejs:dynamic/kube-ceph:CephCsiOperatorInstall kube-ceph-ceph-csi-operator-install",
        "update kubernetes:csi.ceph.io/v1:Driver kube-ceph-rbd-driver-driver",
        "update pulumi-nodejs:dynamic/kube-ceph:CephCsiReadiness kube-ceph-rbd-driver-ready",
    ].sort());
    const result = await stack.up(quiet);
    t.is(result.summary.result, "succeeded");
    for (const [kind, name] of [["deployment", WORKLOADS.controller], ["daemonset", WORKLOADS.node]]) {
        const images = imagesOf(kind, name);
        t.deepEqual(images.filter((i) => !i.startsWith(`${MIRROR}/`)), [], `${kind} ${name}: ${images.join(", ")}`);
        t.true(argsOf(kind, name).includes("--v=3"));
    }
    t.deepEqual(imagesOf("deployment", OPERATOR_DEPLOYMENT), [`${MIRROR}/cephcsi/ceph-csi-operator:v1.0.4`]);
});

/** The first container of a generated workload whose image contains `image`. */
function containerRunning(workload: any, image: string): any {
    return workload.spec.template.spec.containers.find((c: { image: string }) => c.image.includes(image));
}

test.serial("ceph-csi's pod settings: the apiserver takes them in the Driver, the operator renders them into its Deployment and DaemonSet, and only the Driver and the check change", async (t) => {
    const operator = { manifest: process.env.KUBE_CEPH_LAB_OPERATOR_MANIFEST, logVerbosity: 3 };
    await writeConfig(stack, config({
        registry: MIRROR,
        operator,
        controllerPlugin: {
            priorityClassName: "system-cluster-critical",
            nodeSelector: { "kubernetes.io/os": "linux" },
            tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }],
            resources: { plugin: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "512Mi" } }, provisioner: { limits: { cpu: "200m" } } },
        },
        nodePlugin: {
            priorityClassName: "system-node-critical",
            tolerations: [{ operator: "Exists" }],
            kubeletDir: "/var/lib/k0s/kubelet",
            resources: { registrar: { requests: { cpu: "10m" } } },
        },
    }));
    t.deepEqual(await plannedSteps(stack), [
        "update kubernetes:csi.ceph.io/v1:Driver kube-ceph-rbd-driver-driver",
        "update pulumi-nodejs:dynamic/kube-ceph:CephCsiReadiness kube-ceph-rbd-driver-ready",
    ]);
    const result = await stack.up(quiet);
    t.is(result.summary.result, "succeeded");

    const deployment = kubectlJson("get", "deployment", "-n", OPERATOR_NAMESPACE, WORKLOADS.controller);
    const controller = deployment.spec.template.spec;
    t.is(controller.priorityClassName, "system-cluster-critical");
    t.deepEqual(controller.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
        { matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] },
    ]);
    t.true(controller.tolerations?.some((o: any) => o.key === "node-role.kubernetes.io/control-plane" && o.operator === "Exists" && o.effect === "NoSchedule"), JSON.stringify(controller.tolerations));
    t.deepEqual(containerRunning(deployment, "/cephcsi/cephcsi:")?.resources, { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "512Mi" } });
    t.deepEqual(containerRunning(deployment, "/csi-provisioner:")?.resources, { limits: { cpu: "200m" } });

    const daemonSet = kubectlJson("get", "daemonset", "-n", OPERATOR_NAMESPACE, WORKLOADS.node);
    const node = daemonSet.spec.template.spec;
    t.is(node.priorityClassName, "system-node-critical");
    t.true(node.tolerations?.some((o: any) => o.operator === "Exists" && o.key === undefined), JSON.stringify(node.tolerations));
    const hostPaths: string[] = node.volumes.flatMap((v: any) => (v.hostPath?.path === undefined ? [] : [v.hostPath.path]));
    t.true(hostPaths.some((p) => p.startsWith("/var/lib/k0s/kubelet/")), hostPaths.join(", "));
    t.deepEqual(hostPaths.filter((p) => p.startsWith("/var/lib/kubelet")), [], "no volume left at the default kubelet directory");
    t.deepEqual(containerRunning(daemonSet, "/csi-node-driver-registrar:")?.resources, { requests: { cpu: "10m" } });

    // Declared deterministically: the next preview is empty.
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
});

test.serial("destroy with the operator gone fails naming the ClientProfile's finalizer instead of hanging, and finishes once the operator is back", async (t) => {
    await writeConfig(stack, config({ operator: { manifest: process.env.KUBE_CEPH_LAB_OPERATOR_MANIFEST, timeoutSeconds: 20 } }));
    await stack.up(quiet);
    execFileSync(join(REPO, "lab/operator/operator.sh"), ["pause"], { stdio: "pipe" });
    try {
        const started = Date.now();
        const error = await t.throwsAsync(stack.destroy(quiet));
        t.regex(error!.message, new RegExp(`finalizers might be preventing deletion \\(${PROFILE_FINALIZER}\\)`));
        t.true(Date.now() - started < 120_000, `destroy ended after ${Math.round((Date.now() - started) / 1000)} s`);
        // The operator can still release the profile: its CephConnection was not taken first.
        t.truthy(kubectlJson("get", "clientprofile", "-n", OPERATOR_NAMESPACE, cephJson<{ fsid: string }>("fsid").fsid));
    } finally {
        execFileSync(join(REPO, "lab/operator/operator.sh"), ["resume"], { stdio: "pipe" });
    }
});

test.serial("destroy leaves no custom resource, CRD, operator workload, RBAC object or CSIDriver behind", async (t) => {
    await stack.destroy(quiet);
    t.deepEqual(namesMatching("crd", /\.csi\.ceph\.io$/), []);
    t.deepEqual(namesMatching("namespace", new RegExp(`^(${OPERATOR_NAMESPACE}|${NAMESPACE})$`)), []);
    t.deepEqual(namesMatching("csidriver", /ceph/), []);
    t.deepEqual(namesMatching("clusterrole", /ceph-csi-operator/), []);
    t.deepEqual(namesMatching("clusterrolebinding", /ceph-csi-operator/), []);
    t.deepEqual(namesMatching("storageclass", new RegExp(`^${CLASS}$`)), []);
});
