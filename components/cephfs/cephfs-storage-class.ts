import * as pulumi from "@pulumi/pulumi";
import { CephClassSettings, declareStorageClass } from "../csi";
import { CEPHFS_DRIVER_NAME } from "./cephfs-driver";
import type { SecretRef } from "../kubernetes";

/** What a CephFS StorageClass says besides where its volumes go. */
export interface CephfsStorageClassSettings extends CephClassSettings {
    /** How nodes mount the volumes: the kernel client or ceph-fuse; unset leaves it to ceph-csi. */
    mounter?: "kernel" | "fuse";
}

export interface CephfsStorageClassArgs {
    /** What the class says besides where its volumes go. */
    settings: CephfsStorageClassSettings;
    /** The filesystem the volumes (subvolumes) are made in. */
    filesystem: pulumi.Input<string>;
    /** The clusterID of the class's subvolume group (its ClientProfile names the group). */
    clusterId: pulumi.Input<string>;
    /** Secret the provisioner and volume expansion use. */
    provisionerSecret: SecretRef;
    /** Secret nodes mount the volumes with. */
    nodeSecret: SecretRef;
}

/** The CephFS StorageClass's parameters, keys sorted for stable previews. */
export function cephfsClassParameters(args: CephfsStorageClassArgs): pulumi.Output<Record<string, string>> {
    return pulumi
        .all([args.filesystem, args.clusterId, args.provisionerSecret.name, args.provisionerSecret.namespace, args.nodeSecret.name, args.nodeSecret.namespace])
        .apply(([filesystem, clusterId, provName, provNamespace, nodeName, nodeNamespace]) => {
            const parameters: Record<string, string> = {
                "clusterID": clusterId,
                "csi.storage.k8s.io/controller-expand-secret-name": provName,
                "csi.storage.k8s.io/controller-expand-secret-namespace": provNamespace,
                "csi.storage.k8s.io/node-stage-secret-name": nodeName,
                "csi.storage.k8s.io/node-stage-secret-namespace": nodeNamespace,
                "csi.storage.k8s.io/provisioner-secret-name": provName,
                "csi.storage.k8s.io/provisioner-secret-namespace": provNamespace,
                "fsName": filesystem,
                ...(args.settings.mounter !== undefined ? { mounter: args.settings.mounter } : {}),
            };
            return Object.fromEntries(Object.keys(parameters).sort().map((k) => [k, parameters[k]]));
        });
}

/** The StorageClass that hands out CephFS volumes (ReadWriteMany), one subvolume each. */
export class CephfsStorageClass extends pulumi.ComponentResource {
    /** StorageClass name. */
    public readonly name: pulumi.Output<string>;

    constructor(name: string, args: CephfsStorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:CephfsStorageClass", name, {}, opts);
        const storageClass = declareStorageClass(this, `${name}-class`, args.settings, CEPHFS_DRIVER_NAME, cephfsClassParameters(args));
        this.name = storageClass.metadata.name;
        this.registerOutputs({ name: this.name });
    }
}
