import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { SecretRef } from "./kubernetes-common";
import { PROVISIONER_NAMES } from "./rbd-storage-class";

export interface RbdSnapshotClassArgs {
    /** The VolumeSnapshotClass's name: the StorageClass's, so that the pair is easy to find. */
    name: string;
    /** Cluster fsid; ceph-csi's clusterID. */
    clusterId: pulumi.Input<string>;
    /** The Secret ceph-csi's snapshotter logs in with: the provisioner's. */
    snapshotterSecret: SecretRef;
    /** What happens to a snapshot's RBD snapshot when its VolumeSnapshot goes: the class's reclaimPolicy. */
    deletionPolicy: "Delete" | "Retain";
}

/** The VolumeSnapshotClass of an RBD StorageClass: snapshots of its volumes, taken by ceph-csi. */
export class RbdSnapshotClass extends pulumi.ComponentResource {
    /** The VolumeSnapshotClass's name. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: RbdSnapshotClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdSnapshotClass", name, {}, opts);
        const snapshotClass = new k8s.apiextensions.CustomResource(`${name}-class`, {
            apiVersion: "snapshot.storage.k8s.io/v1",
            kind: "VolumeSnapshotClass",
            metadata: { name: args.name },
            driver: PROVISIONER_NAMES.csi,
            deletionPolicy: args.deletionPolicy,
            parameters: {
                "clusterID": args.clusterId,
                "csi.storage.k8s.io/snapshotter-secret-name": args.snapshotterSecret.name,
                "csi.storage.k8s.io/snapshotter-secret-namespace": args.snapshotterSecret.namespace,
            },
        }, { parent: this });
        this.name = snapshotClass.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
