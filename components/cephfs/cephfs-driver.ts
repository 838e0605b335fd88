import * as pulumi from "@pulumi/pulumi";
import { CsiDriverArgs, declareCsiDriver } from "../csi";

/** The CSI driver name of ceph-csi's CephFS plugin, which CephFS StorageClasses name as their provisioner. */
export const CEPHFS_DRIVER_NAME = "cephfs.csi.ceph.com";

/**
 * ceph-csi's CephFS driver as ceph-csi-operator runs it: the Driver `cephfs.csi.ceph.com`, its
 * images pinned through an image set of its own, and the check that the operator reconciled it.
 * It shares the operator, the CephConnection and the cluster's ClientProfile with the RBD driver.
 */
export class CephfsDriver extends pulumi.ComponentResource {
    /** The Driver's (and the CSIDriver's) name. */
    public readonly driverName: pulumi.Output<string>;
    /** The controller-plugin Deployment the operator generated. */
    public readonly controller: pulumi.Output<string>;
    /** The node-plugin DaemonSet the operator generated. */
    public readonly node: pulumi.Output<string>;

    constructor(name: string, args: CsiDriverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:CephfsDriver", name, {}, opts);
        const declared = declareCsiDriver(this, name, CEPHFS_DRIVER_NAME, args);
        this.driverName = declared.driverName;
        this.controller = declared.controller;
        this.node = declared.node;
        this.registerOutputs({ driverName: this.driverName, controller: this.controller, node: this.node });
    }
}
