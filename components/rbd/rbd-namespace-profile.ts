import * as pulumi from "@pulumi/pulumi";
import { declareClientProfile } from "../csi";
import { namespaceClusterId } from "../config";

export interface RbdNamespaceProfileArgs {
    /** The operator's namespace, where the cluster's CephConnection is. */
    namespace: pulumi.Input<string>;
    /** The Ceph cluster's own clusterID (its fsid): the profile's name starts with it. */
    clusterId: string;
    /** The cluster's CephConnection, which the profile shares with the cluster's own ClientProfile. */
    connectionName: pulumi.Input<string>;
    /** The rados namespace every RBD volume of this clusterID goes into. */
    radosNamespace: string;
    /** How long destroy waits for the operator to release the profile (its finalizer). */
    deleteTimeoutSeconds: number;
}

/**
 * A tenant's view of the Ceph cluster for ceph-csi: a ClientProfile of its own clusterID whose
 * RBD volumes all go into one rados namespace. ceph-csi keeps the namespace with the clusterID,
 * so a class names this profile instead of the cluster's.
 */
export class RbdNamespaceProfile extends pulumi.ComponentResource {
    /** The ClientProfile's name: the tenant's clusterID. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: RbdNamespaceProfileArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdNamespaceProfile", name, {}, opts);
        const profile = declareClientProfile(this, `${name}-profile`, {
            namespace: args.namespace,
            name: namespaceClusterId(args.clusterId, args.radosNamespace),
            connectionName: args.connectionName,
            settings: { rbd: { radosNamespace: args.radosNamespace } },
            deleteTimeoutSeconds: args.deleteTimeoutSeconds,
        });
        this.name = profile.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
