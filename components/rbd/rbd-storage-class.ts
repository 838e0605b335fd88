import * as pulumi from "@pulumi/pulumi";
import type { ImageFeature, ProvisionerKind } from "../config";
import { CephClassSettings, declareStorageClass } from "../csi";
import type { SecretRef } from "../kubernetes";

/** The provisioner name each kind registers with Kubernetes. */
export const PROVISIONER_NAMES: Record<ProvisionerKind, string> = {
    "csi": "rbd.csi.ceph.com",
    "external": "ceph.com/rbd",
    "in-tree": "kubernetes.io/rbd",
};

/** What an RBD StorageClass says besides where its images go. */
export interface RbdStorageClassSettings extends CephClassSettings {
    /** Filesystem made on each volume. */
    fsType: "ext4" | "xfs";
    /** RBD features of new images; preflight checks that every node's kernel maps them. */
    imageFeatures: ImageFeature[];
    /** The pool the images' data goes to (an erasure-coded one, usually), their metadata staying in the class's pool (ceph-csi only). */
    dataPool?: string;
    /** How nodes map the images: krbd (the kernel) or rbd-nbd (user space) (ceph-csi only). */
    mounter?: "krbd" | "rbd-nbd";
    /** ceph-csi's map options, such as `krbd:lock_on_read;nbd:try-netlink` (ceph-csi only). */
    mapOptions?: string;
}

export interface RbdStorageClassArgs {
    /** Which provisioner serves the class. */
    kind: ProvisionerKind;
    /** What the class says besides where its images go. */
    settings: RbdStorageClassSettings;
    /** The RBD pool images are created in. */
    pool: pulumi.Input<string>;
    /** Ceph user name without the `client.` prefix. */
    clientName: pulumi.Input<string>;
    /** Cluster fsid; ceph-csi's clusterID. */
    clusterId: pulumi.Input<string>;
    /** Monitor addresses (legacy kinds put them in the class; csi reads its ConfigMap). */
    monitors: pulumi.Input<string[]>;
    /** Secret used by the provisioner. */
    provisionerSecret: SecretRef;
    /** Secret used to map images on nodes. */
    userSecret: SecretRef;
}

/** StorageClass parameters for one provisioner kind, keys sorted for stable previews. */
export function storageClassParameters(args: RbdStorageClassArgs): pulumi.Output<Record<string, string>> {
    return pulumi
        .all([args.pool, args.clientName, args.clusterId, args.monitors, args.provisionerSecret.name, args.provisionerSecret.namespace, args.userSecret.name, args.userSecret.namespace])
        .apply(([pool, clientName, clusterId, monitors, provName, provNamespace, userName, userNamespace]) => {
            const features = args.settings.imageFeatures.join(",");
            const parameters: Record<string, string> =
                args.kind === "csi"
                    ? {
                          "clusterID": clusterId,
                          "csi.storage.k8s.io/controller-expand-secret-name": provName,
                          "csi.storage.k8s.io/controller-expand-secret-namespace": provNamespace,
                          "csi.storage.k8s.io/fstype": args.settings.fsType,
                          "csi.storage.k8s.io/node-stage-secret-name": userName,
                          "csi.storage.k8s.io/node-stage-secret-namespace": userNamespace,
                          "csi.storage.k8s.io/provisioner-secret-name": provName,
                          "csi.storage.k8s.io/provisioner-secret-namespace": provNamespace,
                          "imageFeatures": features,
                          "pool": pool,
                          // Only when set: a class that does not use them keeps the parameters it always had.
                          ...(args.settings.dataPool !== undefined ? { dataPool: args.settings.dataPool } : {}),
                          ...(args.settings.mapOptions !== undefined ? { mapOptions: args.settings.mapOptions } : {}),
                          ...(args.settings.mounter !== undefined ? { mounter: args.settings.mounter } : {}),
                      }
                    : {
                          // The least-privilege user also acts as the "admin" that creates images.
                          adminId: clientName,
                          adminSecretName: provName,
                          adminSecretNamespace: provNamespace,
                          fsType: args.settings.fsType,
                          imageFeatures: features,
                          imageFormat: "2",
                          monitors: monitors.join(","),
                          pool,
                          userId: clientName,
                          userSecretName: userName,
                          userSecretNamespace: userNamespace,
                      };
            return Object.fromEntries(Object.keys(parameters).sort().map((k) => [k, parameters[k]]));
        });
}

/** The StorageClass that hands out RBD volumes. */
export class RbdStorageClass extends pulumi.ComponentResource {
    /** StorageClass name. */
    public readonly name: pulumi.Output<string>;
    /** Provisioner name the class points at. */
    public readonly provisioner: pulumi.Output<string>;

    constructor(name: string, args: RbdStorageClassArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdStorageClass", name, {}, opts);
        const storageClass = declareStorageClass(this, `${name}-class`, args.settings, PROVISIONER_NAMES[args.kind], storageClassParameters(args));
        this.name = storageClass.metadata.name;
        this.provisioner = storageClass.provisioner;
        this.registerOutputs({ name: this.name, provisioner: this.provisioner });
    }
}
