import * as pulumi from "@pulumi/pulumi";
import { ownedNamespace } from "../kubernetes";

export interface InTreeRbdArgs {
    /** Namespace for the Secrets the class names; declared (and removed on destroy) unless it is a shared one. */
    namespace: string;
}

/**
 * The in-tree `kubernetes.io/rbd` provisioner runs inside kube-controller-manager, so
 * nothing is deployed for it: this only owns the namespace of the Secrets that the class
 * names, which kube-controller-manager (creating and deleting images) and the kubelet
 * (mapping them) read.
 */
export class InTreeRbd extends pulumi.ComponentResource {
    /** Namespace of the Secrets. */
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: InTreeRbdArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:InTreeRbd", name, {}, opts);
        pulumi.log.warn(
            'kube-ceph:provisioner.kind "in-tree" uses the deprecated kubernetes.io/rbd plugin, removed in Kubernetes 1.31, which needs the rbd CLI inside kube-controller-manager; use "csi" (ceph-csi).',
            this,
        );
        this.namespace = ownedNamespace(name, args.namespace, this);
        this.registerOutputs({ namespace: this.namespace });
    }
}
