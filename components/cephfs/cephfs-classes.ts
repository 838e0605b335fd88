// CephStorage's CephFS classes and what they need: the filesystems, then per subvolume group a
// provisioner and a node user confined to the group, the group in each filesystem, the users'
// Secrets and the group's ClientProfile; then each class, its VolumeSnapshotClass and its guard.
// CephStorage declares them as its own children, so this is a function of the composition
// rather than a component: the names stay the ones its earlier releases gave.
import * as pulumi from "@pulumi/pulumi";
import { CephClient, cephfsClientCaps, CephUserIdentity, MonConnection, MonLane, stackOwner } from "../ceph";
import { cephfsUserName, subvolumeGroupClusterId } from "../config";
import { VolumeGuard } from "../kubernetes";
import type { CephfsDriver } from "./cephfs-driver";
import { CephfsFilesystem } from "./cephfs-filesystem";
import { CephfsGroupProfile } from "./cephfs-group-profile";
import { CephfsSecrets } from "./cephfs-secrets";
import { CephfsSnapshotClass } from "./cephfs-snapshot-class";
import { CephfsStorageClass, CephfsStorageClassSettings } from "./cephfs-storage-class";
import { CephfsSubvolumeGroup } from "./cephfs-subvolume-group";

/** One CephFS filesystem of the stack. */
export interface CephfsFilesystemSpec {
    /** What destroy does with a filesystem this stack created: keep it, or delete it with its pools (never while it holds a subvolume). */
    deletionPolicy: "retain" | "delete";
}

/** One CephFS StorageClass (ReadWriteMany): its volumes are subvolumes of one group of a filesystem. */
export interface CephfsClassSpec extends CephfsStorageClassSettings {
    type: "cephfs";
    /** The filesystem of `filesystems` the volumes are made in. */
    filesystem: string;
    /**
     * The subvolume group the volumes go into. Each group gets its own provisioner and node users,
     * whose caps allow only that group's path, its Secrets and its ClientProfile (clusterID).
     */
    subvolumeGroup: string;
    /**
     * The rados namespace of the metadata pool where ceph-csi keeps the group's journal (which
     * subvolume is which volume), and the only one its users may touch there; unset, ceph-csi's
     * default (`csi`), which every group without one shares. The same for every class of a group,
     * and fixed while the group has volumes: ceph-csi finds them through it.
     */
    radosNamespace?: string;
}

/** Declaring the CephFS classes of a CephStorage: what it has declared before them, and its args. */
export interface CephfsClassesArgs {
    /** The CephStorage's name: every child's name starts with it. */
    name: string;
    /** The CephStorage: every child's parent. */
    parent: pulumi.Resource;
    /** The CephFS classes, in the order given. */
    specs: CephfsClassSpec[];
    /** The CephStorage's args these children read. */
    storage: {
        clientName: string;
        clusterId: string;
        filesystems?: Record<string, CephfsFilesystemSpec>;
        monHost: MonConnection;
        kubeconfig?: pulumi.Input<string>;
    };
    /** The lane of the Ceph side's chain, which a stack without filesystems keeps using. */
    lane: MonLane;
    /** The Secrets' namespace and what the classes wait for. */
    namespace: pulumi.Output<string>;
    ready: pulumi.Resource[];
    /** Through ceph-csi-operator (CephFS needs it): where the groups' ClientProfiles go, and the CephFS driver. */
    operator?: { namespace: pulumi.Output<string>; connectionName: pulumi.Output<string>; timeoutSeconds: number; cephfsDriver?: CephfsDriver };
    /** A user's name and ownership. */
    user: (userName: string) => CephUserIdentity;
    /** A user's key: as the cluster holds it now when the plan knows it, else as the user reads it. */
    keyOf: (user: CephClient, userName: string) => pulumi.Input<string>;
}

/** The CephFS classes and filesystems declared. */
export interface CephfsClasses {
    filesystemNames: string[];
    filesystems: Map<string, CephfsFilesystem>;
    classes: { spec: CephfsClassSpec; storageClass: CephfsStorageClass; guard: VolumeGuard }[];
}

/** Declares the filesystems and CephFS classes and what they need, as children of `a.parent`. */
export function declareCephfsClasses(a: CephfsClassesArgs): CephfsClasses {
    const { name, lane, namespace, ready, operator, user, keyOf } = a;
    const args = a.storage;
    const cephfsSpecs = a.specs;
    // CephFS: the filesystems, then per subvolume group a provisioner and a node user whose caps
    // allow only that group of the filesystems its classes name, the group in each of them,
    // the users' Secrets and the group's ClientProfile; then each class and its guard.
    // They have lanes of their own (the host's bound still holds): a filesystem, and then each
    // group's users and groups, need nothing of the RBD chain, so they run beside it.
    const filesystemNames = Object.keys(args.filesystems ?? {}).sort();
    const filesystemLane = filesystemNames.length > 0 ? args.monHost.lane() : lane;
    const filesystems = new Map(filesystemNames.map((fs) => [fs, new CephfsFilesystem(`${name}-cephfs-${fs}`, {
        connection: filesystemLane,
        name: fs,
        deletionPolicy: args.filesystems![fs].deletionPolicy,
        owner: stackOwner(),
    }, { parent: a.parent })]));
    const cephfsClasses: { spec: CephfsClassSpec; storageClass: CephfsStorageClass; guard: VolumeGuard }[] = [];
    for (const group of [...new Set(cephfsSpecs.map((c) => c.subvolumeGroup))].sort()) {
        if (operator?.cephfsDriver === undefined) {
            throw new Error(`CephStorage ${name}: CephFS classes need ceph-csi installed through ceph-csi-operator in this CephStorage (it runs the CephFS driver)`);
        }
        const groupLane = args.monHost.lane();
        const groupClasses = cephfsSpecs.filter((c) => c.subvolumeGroup === group);
        const groupFilesystems = [...new Set(groupClasses.map((c) => c.filesystem))].sort();
        const groupNamespace = groupClasses[0].radosNamespace;
        // The users first and the groups after them: destroy (or the group's last class leaving)
        // then reaches a group's delete, which refuses while a subvolume is in it, before the
        // users and Secrets that reach the subvolume go. Caps name paths, not the group itself.
        const groupUser = (role: "provisioner" | "node") => new CephClient(`${name}-cephfs-${role}-${group}`, {
            connection: groupLane,
            ...user(cephfsUserName(args.clientName, group, role)),
            caps: cephfsClientCaps(role, groupFilesystems, group, groupNamespace),
        }, { parent: a.parent });
        const provisionerUser = groupUser("provisioner");
        const nodeUser = groupUser("node");
        const groups = groupFilesystems.map((fs) => new CephfsSubvolumeGroup(`${name}-cephfs-group-${fs}/${group}`, {
            connection: groupLane,
            filesystem: fs,
            group,
            deletionPolicy: args.filesystems![fs].deletionPolicy,
            owner: stackOwner(),
        }, { parent: a.parent, dependsOn: [filesystems.get(fs)!, provisionerUser, nodeUser] }));
        const groupSecrets = new CephfsSecrets(`${name}-cephfs-secrets-${group}`, {
            provisioner: { name: provisionerUser.name, key: keyOf(provisionerUser, cephfsUserName(args.clientName, group, "provisioner")) },
            node: { name: nodeUser.name, key: keyOf(nodeUser, cephfsUserName(args.clientName, group, "node")) },
            namespace,
            namePrefix: `ceph-${args.clientName}-${group}`,
        }, { parent: a.parent, dependsOn: [provisionerUser, nodeUser, ...groups] });
        const profile = new CephfsGroupProfile(`${name}-cephfs-group-profile-${group}`, {
            namespace: operator.namespace,
            clusterId: args.clusterId,
            connectionName: operator.connectionName,
            subvolumeGroup: group,
            ...(groupNamespace !== undefined ? { radosNamespace: groupNamespace } : {}),
            deleteTimeoutSeconds: operator.timeoutSeconds,
        }, { parent: a.parent, dependsOn: ready });
        for (const spec of groupClasses) {
            const { filesystem, subvolumeGroup: _group, radosNamespace: _namespace, type: _type, snapshotClass: _snapshots, ...settings } = spec;
            const storageClass = new CephfsStorageClass(`${name}-cephfs-class-${spec.name}`, {
                settings,
                filesystem: filesystems.get(filesystem)!.name,
                clusterId: subvolumeGroupClusterId(args.clusterId, group),
                provisionerSecret: groupSecrets.provisioner,
                nodeSecret: groupSecrets.node,
            }, { parent: a.parent, dependsOn: [groupSecrets, profile, operator.cephfsDriver, ...ready, ...groups] });
            // Its VolumeSnapshotClass: ceph-csi snapshots a subvolume with the provisioner's Secret.
            const snapshotClass = spec.snapshotClass === true
                ? new CephfsSnapshotClass(`${name}-cephfs-snapshot-class-${spec.name}`, {
                      name: spec.name,
                      clusterId: subvolumeGroupClusterId(args.clusterId, group),
                      snapshotterSecret: groupSecrets.provisioner,
                      deletionPolicy: spec.reclaimPolicy,
                  }, { parent: a.parent, dependsOn: [groupSecrets, profile, operator.cephfsDriver, ...ready] })
                : undefined;
            // A guard per class: its volumes are the PersistentVolumes of the class (a CephFS
            // volume names its filesystem, not a pool), and destroy stops here while one is left.
            const guard = new VolumeGuard(`${name}-cephfs-guard-${spec.name}`, {
                pool: filesystem,
                clusterId: subvolumeGroupClusterId(args.clusterId, group),
                storageClassName: spec.name,
                kubeconfig: args.kubeconfig,
            }, { parent: a.parent, dependsOn: [filesystems.get(filesystem)!, ...groups, provisionerUser, nodeUser, groupSecrets, profile, storageClass, ...(snapshotClass ? [snapshotClass] : [])] });
            cephfsClasses.push({ spec, storageClass, guard });
        }
    }

    return { filesystemNames, filesystems, classes: cephfsClasses };
}
