import * as pulumi from "@pulumi/pulumi";
import { CephSnapshotClassArgs, declareSnapshotClass } from "../csi";
import { CEPHFS_DRIVER_NAME } from "./cephfs-driver";

/** The VolumeSnapshotClass of a CephFS StorageClass: snapshots of its subvolumes, taken by ceph-csi. */
export class CephfsSnapshotClass extends pulumi.ComponentResource {
    /** The VolumeSnapshotClass's name. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: CephSnapshotClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:CephfsSnapshotClass", name, {}, opts);
        this.name = declareSnapshotClass(this, `${name}-class`, CEPHFS_DRIVER_NAME, args).metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
