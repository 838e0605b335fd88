// CephStorage as another program declares it: several in one stack, sharing one ceph-csi, and
// the aliases that let a stack of the previous releases move under it.
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CephStorage } from "../../components/ceph-storage";
import type { CephStorageArgs, RbdClassSpec } from "../../components/ceph-storage-args";
import { imagesFor } from "../../components/csi";
import { MonConnection } from "../../components/ceph";
import { FAKE_SSH_KEY, FSID, runDeclarations, unwrap } from "../harness";

const monHost = () => new MonConnection({ host: "127.0.0.11", port: 2222, user: "root" }, pulumi.secret(FAKE_SSH_KEY), 4);
const manifests = { kind: "csi", install: "manifests", namespace: "ceph-csi", images: imagesFor({ kind: "csi", install: "manifests", namespace: "ceph-csi", awaitRollout: false, images: {}, operator: { logVerbosity: 1, timeoutSeconds: 300 } }), awaitRollout: false } as const;

const CLASS: Omit<RbdClassSpec, "name" | "pool"> = { fsType: "ext4", imageFeatures: ["layering"], reclaimPolicy: "Delete", allowVolumeExpansion: true, volumeBindingMode: "Immediate", mountOptions: [], isDefault: false };

function storageArgs(n: number, host: MonConnection, provisioner: CephStorageArgs["provisioner"]): CephStorageArgs {
    return {
        monHost: host,
        clusterId: FSID,
        monitors: ["127.0.0.11:6789"],
        pools: { [`pool-${n}`]: { deletionPolicy: "retain" } },
        clientName: `user-${n}`,
        storageClasses: [{ name: `class-${n}`, pool: `pool-${n}`, ...CLASS }],
        provisioner,
    };
}

test.serial("two CephStorage in one stack: prefixed names, one ceph-csi, the second's Secrets in the first's namespace, both classes wait for it", async (t) => {
    const run = await runDeclarations(async () => {
        const host = monHost();
        const first = new CephStorage("a", storageArgs(1, host, manifests));
        const second = new CephStorage("b", storageArgs(2, host, { kind: "csi", install: "shared", from: first }));
        return { first: first.storageClassName, second: second.storageClassName };
    });
    t.deepEqual(run.outputs, { first: "class-1", second: "class-2" });
    const names = run.resources.map((r) => `${r.type} ${r.name}`);
    t.is(new Set(names).size, names.length, "every resource has its own name");
    t.deepEqual(run.resources.filter((r) => r.type === "kube-ceph:kubernetes:CephCsi").map((r) => r.name), ["a-ceph-csi"]);
    t.deepEqual(run.resources.filter((r) => r.type === "kube-ceph:ceph:CephPool").map((r) => r.name), ["a-pool-pool-1", "b-pool-pool-2"]);
    const secrets = run.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
    t.deepEqual(await Promise.all(secrets.map(async (s) => (await unwrap(s.inputs.metadata.namespace)).value)), ["ceph-csi", "ceph-csi"]);
    for (const storageClass of run.resources.filter((r) => r.type === "kube-ceph:kubernetes:RbdStorageClass")) {
        t.true(storageClass.dependsOn.includes("a-ceph-csi"), `${storageClass.name}: ${storageClass.dependsOn.join(", ")}`);
    }
    // No alias by name (@pulumi/kubernetes adds its own, by type): a program that never had these
    // resources at its top level adopts nothing.
    const byName = (r: { opts: pulumi.CustomResourceOptions }) => (r.opts.aliases ?? []).some((a) => typeof a === "object" && "name" in (a as object));
    t.deepEqual(run.resources.filter(byName).map((r) => r.name), []);
});

test.serial("a shared ceph-csi of another Ceph cluster is refused, naming both clusterIDs", async (t) => {
    const error = await t.throwsAsync(runDeclarations(async () => {
        const host = monHost();
        const first = new CephStorage("a", storageArgs(1, host, manifests));
        new CephStorage("b", { ...storageArgs(2, host, { kind: "csi", install: "shared", from: first }), clusterId: "00000000-0000-4000-8000-000000000000" });
        return {};
    }));
    t.regex(error!.message, new RegExp(`CephStorage b: a shared ceph-csi serves clusterID ${FSID}, not 00000000-0000-4000-8000-000000000000`));
});

test.serial("previousNames become aliases to the top level of the stack, each child under its old names", async (t) => {
    const run = await runDeclarations(async () => {
        new CephStorage("kube-ceph", { ...storageArgs(1, monHost(), manifests), oneClass: { pool: "pool-1", storageClass: "class-1" }, previousNames: { pool: ["ceph", "rbd"], provisioner: ["ceph-csi"] } });
        return {};
    });
    const [pool] = run.resources.filter((r) => r.type === "kube-ceph:ceph:CephPool");
    // The one-class release's name under the component first, then the top-level ones before it.
    t.deepEqual(pool.opts.aliases, [{ name: "kube-ceph-pool" }, { name: "ceph", parent: undefined }, { name: "rbd", parent: undefined }]);
    // `parent: undefined` spelled out is "no parent" (the stack's top level); left out, it means "this parent".
    t.false(Object.prototype.hasOwnProperty.call((pool.opts.aliases as object[])[0], "parent"));
    t.true(Object.prototype.hasOwnProperty.call((pool.opts.aliases as object[])[1], "parent"));
    const [csi] = run.resources.filter((r) => r.type === "kube-ceph:kubernetes:CephCsi");
    t.deepEqual(csi.opts.aliases, [{ name: "ceph-csi", parent: undefined }]);
    const [client] = run.resources.filter((r) => r.type === "kube-ceph:ceph:CephClient");
    t.deepEqual(client.opts.aliases, []);
});

test.serial("a snapshot class on a provisioner other than ceph-csi is refused, naming the instance and the kind", async (t) => {
    const error = await t.throwsAsync(runDeclarations(async () => {
        const args = storageArgs(1, monHost(), { kind: "in-tree", namespace: "kube-system" });
        new CephStorage("legacy", { ...args, storageClasses: [{ ...(args.storageClasses[0] as RbdClassSpec), snapshotClass: true }] });
        return {};
    }));
    t.regex(error!.message, /CephStorage legacy: only ceph-csi takes snapshots, so the in-tree kind gets no snapshotClass \(class class-1\)/);
});

test.serial("a tenant or subvolume group whose clusterID would pass ceph-csi's 64 characters is refused, naming the class and the longest name", async (t) => {
    const tenant = (radosNamespace: string) => runDeclarations(async () => {
        const args = storageArgs(1, monHost(), manifests);
        new CephStorage("tenants", { ...args, storageClasses: [{ ...(args.storageClasses[0] as RbdClassSpec), radosNamespace }] });
        return {};
    });
    // 36 characters of fsid, a dash, and the namespace: 28 do not fit (the config test parses 27).
    const error = await t.throwsAsync(tenant("a".repeat(28)));
    t.regex(error!.message, new RegExp(`CephStorage tenants: class class-1's rados namespace a{28} makes the clusterID ${FSID}-a{28}, longer than the 64 characters ceph-csi can write into a volume ID; use a name of at most 27 characters`));
    // A subvolume group's clusterID is <fsid>-cephfs-<group>: 21 characters do not fit.
    const group = await t.throwsAsync(runDeclarations(async () => {
        const args = storageArgs(1, monHost(), manifests);
        new CephStorage("files", { ...args, filesystems: { kcfs: { deletionPolicy: "retain" } }, storageClasses: [args.storageClasses[0], { name: "shared", type: "cephfs" as const, filesystem: "kcfs", subvolumeGroup: "g".repeat(21), reclaimPolicy: "Delete" as const, allowVolumeExpansion: true, volumeBindingMode: "Immediate" as const, mountOptions: [], isDefault: false }] });
        return {};
    }));
    t.regex(group!.message, new RegExp(`CephStorage files: class shared's subvolume group g{21} makes the clusterID ${FSID}-cephfs-g{21}, longer than the 64 characters .* at most 20 characters`));
});

test.serial("two classes of one subvolume group with different rados namespaces are refused, naming the class and both", async (t) => {
    const cephfs = (name: string, radosNamespace?: string) => ({
        name, type: "cephfs" as const, filesystem: "kcfs", subvolumeGroup: "team", ...(radosNamespace !== undefined ? { radosNamespace } : {}),
        reclaimPolicy: "Delete" as const, allowVolumeExpansion: true, volumeBindingMode: "Immediate" as const, mountOptions: [], isDefault: false,
    });
    const error = await t.throwsAsync(runDeclarations(async () => {
        const args = storageArgs(1, monHost(), manifests);
        new CephStorage("files", { ...args, filesystems: { kcfs: { deletionPolicy: "retain" } }, storageClasses: [args.storageClasses[0], cephfs("a", "one"), cephfs("b")] });
        return {};
    }));
    t.regex(error!.message, /CephStorage files: class b gives subvolume group team rados namespace \(unset\), another of its classes one; a group's classes share one ClientProfile/);
});

test.serial("CephStorage refuses separateNodeUsers for a kind other than ceph-csi, and a class whose users' names another owner's take", async (t) => {
    const legacy = await t.throwsAsync(runDeclarations(async () => {
        new CephStorage("legacy", { ...storageArgs(1, monHost(), { kind: "in-tree", namespace: "ns" }), separateNodeUsers: true });
        return {};
    }));
    t.regex(legacy!.message, /CephStorage legacy: separateNodeUsers is for ceph-csi; the in-tree kind maps images with the one user it names/);
    const clash = await t.throwsAsync(runDeclarations(async () => {
        const args = storageArgs(1, monHost(), manifests);
        new CephStorage("clash", { ...args, storageClasses: [...args.storageClasses, { name: "t", pool: "pool-1", radosNamespace: "rbd-node", ...CLASS }] });
        return {};
    }));
    t.regex(clash!.message, /CephStorage clash: class t would make Ceph user client\.user-1-rbd-node, as the instance's own user does/);
});

test.serial("with an explicit kubernetes provider, CephStorage needs its kubeconfig, and its own reads (the VolumeGuard) get exactly that one", async (t) => {
    const error = await t.throwsAsync(runDeclarations(async () => {
        const provider = new k8s.Provider("other-cluster", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
        new CephStorage("a", storageArgs(1, monHost(), manifests), { providers: { kubernetes: provider } });
        return {};
    }));
    t.regex(error!.message, /^CephStorage a was given a kubernetes provider but no kubeconfig: kube-ceph's own reads \(the VolumeGuard .*Pass the provider's kubeconfig as args\.kubeconfig, pinned to its context with pinnedKubeconfig/);
    const pinned = "apiVersion: v1\nkind: Config\ncurrent-context: lab\n";
    const run = await runDeclarations(async () => {
        const provider = new k8s.Provider("other-cluster", { kubeconfig: pinned });
        new CephStorage("a", { ...storageArgs(1, monHost(), manifests), kubeconfig: pinned }, { providers: { kubernetes: provider } });
        return {};
    });
    const guard = run.resources.find((r) => r.type === "pulumi-nodejs:dynamic/kube-ceph:VolumeGuard")!;
    t.is((await unwrap(guard.inputs.kubeconfig)).value, pinned);
});
