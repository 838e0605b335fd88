import * as pulumi from "@pulumi/pulumi";
import { CsiDriverArgs, declareCsiDriver } from "../csi";
import { PROVISIONER_NAMES } from "./rbd-storage-class";

export interface RbdDriverArgs extends CsiDriverArgs {
    /**
     * URNs the CSIDriver that kube-ceph's own manifests declared on this stack before may have: it
     * is deleted before the Driver is declared, since the operator refuses a CSIDriver it did not make.
     */
    takesOverCsiDriver?: pulumi.Input<string>[];
}

/**
 * ceph-csi's RBD driver as ceph-csi-operator runs it: the Driver `rbd.csi.ceph.com`, with every
 * image pinned through its image set, then a check that the operator has reconciled it; and on
 * destroy, after the Driver, the CSIDriver the operator made for it.
 */
export class RbdDriver extends pulumi.ComponentResource {
    /** The Driver's (and the CSIDriver's) name. */
    public readonly driverName: pulumi.Output<string>;
    /** The controller-plugin Deployment the operator generated. */
    public readonly controller: pulumi.Output<string>;
    /** The node-plugin DaemonSet the operator generated. */
    public readonly node: pulumi.Output<string>;

    constructor(name: string, args: RbdDriverArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdDriver", name, {}, opts);
        const declared = declareCsiDriver(this, name, PROVISIONER_NAMES.csi, args, args.takesOverCsiDriver);
        this.driverName = declared.driverName;
        this.controller = declared.controller;
        this.node = declared.node;
        this.registerOutputs({ driverName: this.driverName, controller: this.controller, node: this.node });
    }
}
