// ceph-csi's pod settings: what the Driver is given, what the readiness check waits for, and
// that a stack which sets none declares the Driver exactly as before.
import test from "ava";
import { changedExpectations, driverPluginSpec, missingReconciliation, pluginAffinity, podsExpectation, PROFILE_FINALIZER, ReadinessExpectation, WorkloadReading } from "../../../components/csi";
import { baseConfig, byType, FSID, manifestFile, runProgram, unwrap } from "../../harness";

test("nodeSelector becomes a required node-affinity term, ANDed into each term the affinity already has", (t) => {
    t.is(pluginAffinity(undefined, undefined), undefined);
    t.deepEqual(pluginAffinity({ "kubernetes.io/os": "linux", "ceph/csi": "yes" }, undefined), {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [
            { key: "ceph/csi", operator: "In", values: ["yes"] },
            { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
        ] }] } },
    });
    const own = {
        nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }, { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] }] },
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: "ssd", operator: "Exists" }] } }],
        },
        podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [] },
    };
    const joined = pluginAffinity({ "kubernetes.io/os": "linux" }, own) as any;
    const os = { key: "kubernetes.io/os", operator: "In", values: ["linux"] };
    t.deepEqual(joined.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [
        { matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }, os] },
        { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }], matchExpressions: [os] },
    ]);
    t.deepEqual(joined.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution, own.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution);
    t.deepEqual(joined.podAntiAffinity, own.podAntiAffinity);
    t.is(pluginAffinity({}, own), own);
});

test("the Driver's plugin spec carries each setting under the operator's field name, and nothing when none is set", (t) => {
    t.is(driverPluginSpec(undefined), undefined);
    t.is(driverPluginSpec({}), undefined);
    t.deepEqual(driverPluginSpec({
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule", operator: "Exists" }, { key: "storage", value: "ceph" }],
        priorityClassName: "system-node-critical",
        resources: { plugin: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } } },
        kubeletDir: "/var/lib/k0s/kubelet",
    }), {
        tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule", operator: "Exists" }, { key: "storage", value: "ceph", operator: "Equal" }],
        priorityClassName: "system-node-critical",
        resources: { plugin: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "1Gi" } } },
        kubeletDirPath: "/var/lib/k0s/kubelet",
    });
});

const WANT: ReadinessExpectation = {
    namespace: "op", driverName: "rbd.csi.ceph.com", driverUid: "u1", clusterId: FSID, pluginImage: "cephcsi:1", logVerbosity: 1, awaitRollout: false,
    pods: { controller: { priorityClassName: "system-cluster-critical" }, node: { tolerations: [{ key: "storage", operator: "Equal", value: "ceph", effect: "NoSchedule" }] } },
};
const CONFIG_JSON = JSON.stringify([{ clusterID: FSID, monitors: ["a:6789"] }]);
const workload = (kind: "Deployment" | "DaemonSet", extra: Partial<WorkloadReading> = {}): WorkloadReading => ({
    kind, name: kind, controllerUid: "u1", images: ["cephcsi:1"], args: ["--v=1"], generation: 1, observedGeneration: 1, want: 1, updated: 1, ready: 1, ...extra,
});
const RENDERED = [
    workload("Deployment", { priorityClassName: "system-cluster-critical" }),
    // The operator may add tolerations of its own, and write the keys in any order.
    workload("DaemonSet", { tolerations: [{ operator: "Exists", key: "node.kubernetes.io/not-ready" }, { effect: "NoSchedule", value: "ceph", operator: "Equal", key: "storage" }] }),
];

test("readiness waits until the workloads show the PriorityClass and tolerations asked for", (t) => {
    t.is(missingReconciliation(WANT, [PROFILE_FINALIZER], CONFIG_JSON, RENDERED), undefined);
    t.regex(missingReconciliation(WANT, [PROFILE_FINALIZER], CONFIG_JSON, [workload("Deployment"), RENDERED[1]]) ?? "", /Deployment op\/rbd\.csi\.ceph\.com-ctrlplugin does not run at PriorityClass system-cluster-critical yet/);
    t.regex(missingReconciliation(WANT, [PROFILE_FINALIZER], CONFIG_JSON, [RENDERED[0], workload("DaemonSet")]) ?? "", /DaemonSet op\/rbd\.csi\.ceph\.com-nodeplugin does not have the toleration \{"effect":"NoSchedule","key":"storage","operator":"Equal","value":"ceph"\} yet/);
    // Without pod settings nothing about them is looked at.
    const { pods: _none, ...plain } = WANT;
    t.is(missingReconciliation(plain, [PROFILE_FINALIZER], CONFIG_JSON, [workload("Deployment"), workload("DaemonSet")]), undefined);
});

test("readiness runs again when the pod settings change, and a stack that sets none sees no change", (t) => {
    const { pods: _none, ...plain } = WANT;
    t.is(podsExpectation(undefined, undefined), undefined);
    t.is(podsExpectation({ resources: { plugin: { limits: { cpu: "1" } } } }, { kubeletDir: "/k" }), undefined, "settings the check does not read add nothing");
    t.deepEqual(changedExpectations(plain, { ...plain }), []);
    t.deepEqual(changedExpectations(plain, WANT), ["pods"]);
    t.deepEqual(changedExpectations(WANT, { ...WANT, pods: { controller: { priorityClassName: "system-node-critical" } } }), ["pods"]);
});

test.serial("a stack's plugin settings reach the Driver and the readiness check; without them the Driver's spec is only its log and image set", async (t) => {
    const value = async (input: unknown) => (await unwrap(input)).value;
    const plain = await runProgram(baseConfig({ provisioner: { install: "operator", operator: { manifest: manifestFile } } }));
    const [plainDriver] = byType(plain, "kubernetes:csi.ceph.io/v1:Driver");
    t.deepEqual(Object.keys(await value(plainDriver.inputs.spec)).sort(), ["imageSet", "log"]);
    const [plainReadiness] = byType(plain, "pulumi-nodejs:dynamic/kube-ceph:CephCsiReadiness");
    t.false("pods" in plainReadiness.inputs);

    const run = await runProgram(baseConfig({ provisioner: {
        install: "operator",
        operator: { manifest: manifestFile },
        controllerPlugin: { priorityClassName: "system-cluster-critical", nodeSelector: { "kubernetes.io/os": "linux" } },
        nodePlugin: { tolerations: [{ operator: "Exists" }], kubeletDir: "/var/lib/k0s/kubelet", resources: { registrar: { limits: { memory: "64Mi" } } } },
    } }));
    const [driver] = byType(run, "kubernetes:csi.ceph.io/v1:Driver");
    const spec = await value(driver.inputs.spec);
    t.deepEqual(spec.controllerPlugin, {
        priorityClassName: "system-cluster-critical",
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/os", operator: "In", values: ["linux"] }] }] } } },
    });
    t.deepEqual(spec.nodePlugin, { tolerations: [{ operator: "Exists" }], kubeletDirPath: "/var/lib/k0s/kubelet", resources: { registrar: { limits: { memory: "64Mi" } } } });
    const [readiness] = byType(run, "pulumi-nodejs:dynamic/kube-ceph:CephCsiReadiness");
    t.deepEqual(await value(readiness.inputs.pods), { controller: { priorityClassName: "system-cluster-critical" }, node: { tolerations: [{ operator: "Exists" }] } });
});
