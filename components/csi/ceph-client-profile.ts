import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** The API group and version of ceph-csi-operator's kinds. */
export const CSI_OPERATOR_API = "csi.ceph.io/v1";

export interface CephClientProfileArgs {
    /** The operator's namespace: ceph-csi's pods read their configuration there. */
    namespace: pulumi.Input<string>;
    /**
     * ceph-csi's clusterID, which the StorageClass and every PersistentVolume it made carry: it
     * names the ClientProfile, so those volumes keep resolving (the operator's migration guide).
     */
    clusterId: pulumi.Input<string>;
    /** Monitor addresses (host:port). */
    monitors: pulumi.Input<string[]>;
    /** How long destroy waits for the operator to release the profile (its finalizer). */
    deleteTimeoutSeconds: number;
}

/** What a ClientProfile says about one driver's volumes (ceph-csi-operator's ClientProfile spec). */
export interface ClientProfileSettings {
    rbd?: { radosNamespace?: string };
    cephFs?: { subVolumeGroup?: string; radosNamespace?: string };
}

/**
 * One ClientProfile (a clusterID for ceph-csi) on the cluster's CephConnection, as a child of
 * `parent`. The operator makes the profile own its CephConnection, so the delete is a background
 * one: a foreground delete (the provider's default) would have the garbage collector remove the
 * connection first, and then the operator cannot clear its finalizer and the profile stays.
 */
export function declareClientProfile(parent: pulumi.Resource, name: string, args: {
    namespace: pulumi.Input<string>;
    name: pulumi.Input<string>;
    connectionName: pulumi.Input<string>;
    settings: ClientProfileSettings;
    deleteTimeoutSeconds: number;
}): k8s.apiextensions.CustomResource {
    return new k8s.apiextensions.CustomResource(name, {
        apiVersion: CSI_OPERATOR_API,
        kind: "ClientProfile",
        metadata: {
            name: args.name,
            namespace: args.namespace,
            annotations: { "pulumi.com/deletionPropagationPolicy": "background" },
        },
        spec: { cephConnectionRef: { name: args.connectionName }, ...args.settings },
    }, {
        parent,
        // Its finalizer waits for the operator, which may be gone: destroy must end, not hang.
        customTimeouts: { delete: `${args.deleteTimeoutSeconds}s` },
    });
}

/**
 * How ceph-csi reaches this Ceph cluster, as ceph-csi-operator takes it: a CephConnection with
 * the monitors, and the ClientProfile named after the clusterID that points at it. Shared by
 * every driver; RBD-only settings (a rados namespace) go in the profile's `rbd` section.
 */
export class CephClientProfile extends pulumi.ComponentResource {
    /** The ClientProfile's name: the clusterID. */
    public readonly name: pulumi.Output<string>;
    /** The CephConnection's name. */
    public readonly connectionName: pulumi.Output<string>;

    constructor(name: string, args: CephClientProfileArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:CephClientProfile", name, {}, opts);
        const connection = new k8s.apiextensions.CustomResource(`${name}-connection`, {
            apiVersion: CSI_OPERATOR_API,
            kind: "CephConnection",
            metadata: { name: args.clusterId, namespace: args.namespace },
            spec: { monitors: pulumi.output(args.monitors).apply((m) => [...m].sort()) },
        }, { parent: this });
        const profile = declareClientProfile(this, `${name}-profile`, {
            namespace: args.namespace,
            name: args.clusterId,
            connectionName: connection.metadata.name,
            settings: { rbd: {} },
            deleteTimeoutSeconds: args.deleteTimeoutSeconds,
        });
        this.name = profile.metadata.name;
        this.connectionName = connection.metadata.name;
        this.registerOutputs({ name: this.name, connectionName: this.connectionName });
    }
}
