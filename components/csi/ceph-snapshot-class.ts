import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { SecretRef } from "../kubernetes";

export interface CephSnapshotClassArgs {
    /** The VolumeSnapshotClass's name: the StorageClass's, so that the pair is easy to find. */
    name: string;
    /** The clusterID the StorageClass names. */
    clusterId: pulumi.Input<string>;
    /** The Secret ceph-csi's snapshotter logs in with: the provisioner's. */
    snapshotterSecret: SecretRef;
    /** What happens to the Ceph snapshot when its VolumeSnapshot goes: the class's reclaimPolicy. */
    deletionPolicy: "Delete" | "Retain";
}

/** The VolumeSnapshotClass of a StorageClass of ceph-csi's driver `driver`, as a child of `parent`. */
export function declareSnapshotClass(parent: pulumi.Resource, name: string, driver: string, args: CephSnapshotClassArgs): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, {
        apiVersion: "snapshot.storage.k8s.io/v1",
        kind: "VolumeSnapshotClass",
        metadata: { name: args.name },
        driver,
        deletionPolicy: args.deletionPolicy,
        parameters: {
            "clusterID": args.clusterId,
            "csi.storage.k8s.io/snapshotter-secret-name": args.snapshotterSecret.name,
            "csi.storage.k8s.io/snapshotter-secret-namespace": args.snapshotterSecret.namespace,
        },
    }, { parent });
}
