// Every kube-ceph dynamic provider diffs its inputs, never its own code: a release that only
// moves or rebuilds the code must preview with no step on an existing stack.
import test from "ava";
import { DYNAMIC_PROVIDERS } from "../../../components/program";
import "../../../components/csi";
import "../../../components/csi";
import "../../../components/ceph";
import "../../../components/csi";
import "../../../components/kubernetes";
import "../../../components/kubernetes";

/** A complete set of inputs for each provider, as its resource declares them. */
const INPUTS: Record<string, Record<string, unknown>> = {
    CephCsiOperatorInstall: { source: "https://example.invalid/install.yaml", readFrom: "/tmp/install.yaml", digest: "ab", image: "quay.io/cephcsi/ceph-csi-operator:v1.0.4", awaitRollout: true, timeoutSeconds: 300, objects: [{ kind: "Namespace", name: "x" }], kubeconfig: "k" },
    CephCsiReadiness: { namespace: "ns", driverName: "rbd.csi.ceph.com", driverUid: "u", clusterId: "c", pluginImage: "i", logVerbosity: 0, awaitRollout: true, timeoutSeconds: 300, kubeconfig: "k" },
    CephUserKey: { host: "127.0.0.11", port: 22, user: "root", hostKey: "h", privateKey: "p", entity: "client.k", keyDigest: "d", script: "s" },
    OperatorLeftovers: { namespace: "ns", driverName: "rbd.csi.ceph.com", kubeconfig: "k" },
    SmokeTestCheck: { namespace: "ns", claimName: "c", pod: { metadata: { name: "p" } }, keepPod: false, timeoutSeconds: 300, claimUid: "u", kubeconfig: "k" },
    VolumeGuard: { pool: "p", clusterId: "c", storageClassName: "s", kubeconfig: "k" },
};

/** Inputs the providers leave out of their diff on purpose (see each provider). */
const NOT_COMPARED: Record<string, string[]> = {
    CephCsiOperatorInstall: ["readFrom", "timeoutSeconds"],
    CephCsiReadiness: ["timeoutSeconds", "kubeconfig"],
};

test("every provider is covered here", (t) => {
    t.deepEqual([...DYNAMIC_PROVIDERS.keys()].sort(), Object.keys(INPUTS).sort());
});

for (const [type, inputs] of Object.entries(INPUTS)) {
    test(`${type}: new provider code alone is no change; each compared input is`, async (t) => {
        const diff = DYNAMIC_PROVIDERS.get(type)?.diff;
        if (diff === undefined) {
            t.fail(`${type} has no diff: the engine would compare its __provider text and update it on every release`);
            return;
        }
        const olds = { ...inputs, __provider: "exports.handler = old" };
        const same = await diff("id", olds, { ...inputs, __provider: "exports.handler = new" });
        t.false(same.changes, "only __provider changed");
        for (const key of Object.keys(inputs).filter((k) => !(NOT_COMPARED[type] ?? []).includes(k))) {
            const changed = await diff("id", olds, { ...inputs, [key]: `${JSON.stringify(inputs[key])}-changed` });
            t.true(changed.changes, `${key} changed`);
            t.deepEqual(changed.replaces?.filter((r) => r !== key) ?? [], [], `${key}: nothing else is replaced`);
        }
    });
}
