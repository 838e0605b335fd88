// What every StorageClass kube-ceph makes shares, RBD or CephFS: the fields a platform engineer
// sets on any class, and how the class object is declared.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** What any of kube-ceph's StorageClasses says besides its driver's own parameters. */
export interface CephClassSettings {
    /** The StorageClass's name. */
    name: string;
    /** What happens to a volume when its claim goes. */
    reclaimPolicy: "Delete" | "Retain";
    /** Whether claims may grow. */
    allowVolumeExpansion: boolean;
    /** Provision when the claim is made, or when a Pod first uses it. */
    volumeBindingMode: "Immediate" | "WaitForFirstConsumer";
    /** Mount options of every volume. */
    mountOptions: string[];
    /** Make it the cluster's default StorageClass. */
    isDefault: boolean;
    /** Also make a VolumeSnapshotClass of the same name (ceph-csi only); the cluster needs the snapshot CRDs. */
    snapshotClass?: boolean;
}

/** StorageClass fields that Kubernetes never lets change after creation. */
export const IMMUTABLE_CLASS_FIELDS = ["parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"] as const;

/** The StorageClass object of a class, as a child of `parent`. */
export function declareStorageClass(
    parent: pulumi.Resource,
    name: string,
    settings: CephClassSettings,
    provisioner: string,
    parameters: pulumi.Input<Record<string, string>>,
): k8s.storage.v1.StorageClass {
    return new k8s.storage.v1.StorageClass(name, {
        metadata: {
            name: settings.name,
            annotations: { "storageclass.kubernetes.io/is-default-class": String(settings.isDefault) },
        },
        provisioner,
        parameters,
        reclaimPolicy: settings.reclaimPolicy,
        allowVolumeExpansion: settings.allowVolumeExpansion,
        volumeBindingMode: settings.volumeBindingMode,
        mountOptions: settings.mountOptions,
    }, {
        parent,
        // The API server refuses any change to these (the provider replaces on some only, and
        // tried to update reclaimPolicy in place): a change replaces the class. Bound volumes
        // keep their own copy of what they need; the class is back within seconds.
        replaceOnChanges: [...IMMUTABLE_CLASS_FIELDS],
        // The name is fixed: the old class must go before the new one can exist.
        deleteBeforeReplace: true,
    });
}
