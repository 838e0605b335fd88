import * as pulumi from "@pulumi/pulumi";
import { CephSnapshotClassArgs, declareSnapshotClass } from "../csi";
import { PROVISIONER_NAMES } from "./rbd-storage-class";

/** The VolumeSnapshotClass of an RBD StorageClass: snapshots of its volumes, taken by ceph-csi. */
export class RbdSnapshotClass extends pulumi.ComponentResource {
    /** The VolumeSnapshotClass's name. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: CephSnapshotClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdSnapshotClass", name, {}, opts);
        this.name = declareSnapshotClass(this, `${name}-class`, PROVISIONER_NAMES.csi, args).metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
