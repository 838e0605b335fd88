import * as pulumi from "@pulumi/pulumi";
import { declareClientProfile } from "../csi";
import { subvolumeGroupClusterId } from "../config";

export interface CephfsGroupProfileArgs {
    /** The operator's namespace, where the cluster's CephConnection is. */
    namespace: pulumi.Input<string>;
    /** The Ceph cluster's own clusterID (its fsid): the profile's name starts with it. */
    clusterId: string;
    /** The cluster's CephConnection, which the profile shares with the cluster's own ClientProfile. */
    connectionName: pulumi.Input<string>;
    /** The subvolume group every CephFS volume of this clusterID goes into. */
    subvolumeGroup: string;
    /** The rados namespace of the metadata pool where ceph-csi keeps the group's journal; unset, ceph-csi's default. */
    radosNamespace?: string;
    /** How long destroy waits for the operator to release the profile (its finalizer). */
    deleteTimeoutSeconds: number;
}

/**
 * The CephFS classes' view of the Ceph cluster for one subvolume group: a ClientProfile of its
 * own clusterID that names the group, so those classes' subvolumes go there (even for ceph-csi's
 * default group, `csi`: the profile says so rather than leaving it to the default).
 */
export class CephfsGroupProfile extends pulumi.ComponentResource {
    /** The ClientProfile's name: the group's clusterID. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: CephfsGroupProfileArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:CephfsGroupProfile", name, {}, opts);
        const profile = declareClientProfile(this, `${name}-profile`, {
            namespace: args.namespace,
            name: subvolumeGroupClusterId(args.clusterId, args.subvolumeGroup),
            connectionName: args.connectionName,
            settings: { cephFs: { subVolumeGroup: args.subvolumeGroup, ...(args.radosNamespace !== undefined ? { radosNamespace: args.radosNamespace } : {}) } },
            deleteTimeoutSeconds: args.deleteTimeoutSeconds,
        });
        this.name = profile.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
