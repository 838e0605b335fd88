import test from "ava";
import { volumeRecord, VolumeObject, guardDecision, VolumeRecord, volumesInTheWay, volumesInTheWayMessage } from "../../../components/kubernetes";
import { byType, baseConfig, FAKE_CEPH_KEY, FAKE_SSH_KEY, FSID, runProgram, unwrap } from "../../harness";

const guarded = { pool: "kubevols", clusterId: FSID, storageClassName: "ceph-storageclass" };

/** [volume, in the way?, why] */
const TABLE: [VolumeRecord, boolean, string][] = [
    [{ name: "csi-same-pool", pool: "kubevols", clusterId: FSID, storageClassName: "ceph-storageclass" }, true, "ceph-csi volume in the pool"],
    [{ name: "csi-other-class", pool: "kubevols", clusterId: FSID, storageClassName: "fast" }, true, "another class, same pool: the image is still there"],
    [{ name: "csi-other-pool", pool: "other", clusterId: FSID, storageClassName: "ceph-storageclass" }, false, "the class once pointed elsewhere (pool renamed): not this pool"],
    [{ name: "csi-other-cluster", pool: "kubevols", clusterId: "00000000-0000-4000-8000-000000000000" }, false, "same pool name on another Ceph cluster"],
    [{ name: "in-tree", pool: "kubevols" }, true, "in-tree/external rbd volume in the pool"],
    [{ name: "no-pool-our-class", storageClassName: "ceph-storageclass" }, true, "a volume of the class that does not say its pool"],
    [{ name: "nfs", storageClassName: "nfs" }, false, "unrelated"],
    [{ name: "no-class" }, false, "static volume with neither pool nor class"],
];

for (const [volume, expected, why] of TABLE) {
    test(`volume guard: ${volume.name} ${expected ? "blocks" : "does not block"} (${why})`, (t) => {
        t.is(volumesInTheWay([volume], guarded).length, expected ? 1 : 0);
    });
}

test("volumes on their way out are waited for; one that stays refuses at once, even among leaving ones", (t) => {
    const leaving: VolumeRecord = { name: "smoke", claim: "default/ceph-test-claim", pool: "kubevols", leaving: true };
    const staying: VolumeRecord = { name: "data", claim: "apps/data", pool: "kubevols" };
    t.is(guardDecision([]), "proceed");
    t.is(guardDecision([leaving]), "wait");
    t.is(guardDecision([leaving, staying]), "refuse");
    t.is(guardDecision([staying]), "refuse");
    t.regex(volumesInTheWayMessage([leaving], guarded), /smoke \(claim default\/ceph-test-claim\) \[still being deleted\]/);
});

test("the refusal names the volumes and their claims, caps the list, and says how to go on", (t) => {
    const volumes = Array.from({ length: 12 }, (_, i): VolumeRecord => ({ name: `pvc-${String(i).padStart(2, "0")}`, claim: `apps/data-${i}`, pool: "kubevols" }));
    const message = volumesInTheWayMessage(volumesInTheWay(volumes, guarded), guarded);
    t.regex(message, /pool "kubevols", its user and its Secrets: 12 PersistentVolume\(s\) still use them: pvc-00 \(claim apps\/data-0\), pvc-01/);
    t.regex(message, /pvc-09 \(claim apps\/data-9\) and 2 more/);
    t.regex(message, /pulumi state delete/);
});

test.serial("the guard is deleted after the smoke test and before the class, Secrets, user and pool, with only plain names as inputs", async (t) => {
    const run = await runProgram(baseConfig({ pool: { name: "kubevols" } }));
    // Destroy deletes dependents first: the smoke test depends on the guard, the guard on what it guards.
    const guard = run.resources.find((r) => r.type === "kube-ceph:kubernetes:VolumeGuard")!;
    t.deepEqual([...guard.dependsOn].sort(), ["kube-ceph-client", "kube-ceph-pool-kubevols", "kube-ceph-rbd-class-ceph-storageclass", "kube-ceph-rbd-node-client", "kube-ceph-rbd-secrets"]);
    const smokeTest = run.resources.find((r) => r.type === "kube-ceph:kubernetes:SmokeTest")!;
    t.true(smokeTest.dependsOn.includes("kube-ceph-guard-kubevols"));
    const resource = byType(run, "pulumi-nodejs:dynamic/kube-ceph:VolumeGuard")[0];
    t.is(resource.name, "kube-ceph-guard-kubevols-volume-guard");
    t.is((await unwrap(resource.inputs.pool)).value, "kubevols");
    t.is((await unwrap(resource.inputs.clusterId)).value, FSID);
    t.is((await unwrap(resource.inputs.storageClassName)).value, "ceph-storageclass");
    // Plain values, not Outputs: no property dependency, so a delete-first replace of the class cannot cascade into the guard.
    t.deepEqual([typeof resource.inputs.pool, typeof resource.inputs.clusterId, typeof resource.inputs.storageClassName], ["string", "string", "string"]);
    // The provider's code is stored in the state: it must carry the check and no key.
    const provider = (await unwrap(resource.inputs.__provider)).value as string;
    t.regex(provider, /listPersistentVolume/);
    // The shared kubeconfig loader travels with it: destroy runs without the program.
    t.regex(provider, /loadFromDefault/);
    t.false(provider.includes(FAKE_CEPH_KEY) || provider.includes(FAKE_SSH_KEY));
});

/** [what, PersistentVolume, on its way out?] with one live claim, uid "live". */
const LEAVING: [string, VolumeObject, boolean][] = [
    ["bound to a live claim", { spec: { claimRef: { uid: "live" }, persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Bound" } }, false],
    ["Released under Delete", { spec: { claimRef: { uid: "gone" }, persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Released" } }, true],
    ["still Bound, its claim just deleted, under Delete", { spec: { claimRef: { uid: "gone" }, persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Bound" } }, true],
    ["still Bound, its claim just deleted, under Retain", { spec: { claimRef: { uid: "gone" }, persistentVolumeReclaimPolicy: "Retain" }, status: { phase: "Bound" } }, false],
    ["Released under Retain", { spec: { claimRef: { uid: "gone" }, persistentVolumeReclaimPolicy: "Retain" }, status: { phase: "Released" } }, false],
    ["pre-bound to a claim not made yet (no uid)", { spec: { claimRef: { name: "later" }, persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Available" } }, false],
    ["Failed deletion under Delete, claim gone", { spec: { claimRef: { uid: "gone" }, persistentVolumeReclaimPolicy: "Delete" }, status: { phase: "Failed" } }, true],
    ["being deleted", { metadata: { deletionTimestamp: "2026-11-29T00:00:00Z" }, spec: { persistentVolumeReclaimPolicy: "Retain" } }, true],
];
for (const [what, pv, leaving] of LEAVING) {
    test(`volume ${what}: ${leaving ? "on its way out" : "there to stay"}`, (t) => {
        t.is(volumeRecord({ metadata: { name: "pv" }, ...pv }, new Set(["live"])).leaving, leaving);
    });
}
