// The room of ceph-csi through ceph-csi-operator: the operator's install and manifest, the
// ClientProfile, each Driver with its pod settings and readiness check, the images, and the
// StorageClass and VolumeSnapshotClass helpers both class types share.
// Code outside the room imports this face, not the files behind it.
export * from "./ceph-client-profile";
export * from "./ceph-csi-driver";
export * from "./ceph-csi-operator";
export * from "./ceph-csi-operator-install";
export * from "./ceph-csi-operator-manifest";
export * from "./ceph-csi-plugin-settings";
export * from "./ceph-csi-readiness";
export * from "./ceph-snapshot-class";
export * from "./ceph-storage-class";
export * from "./images";
export * from "./operator-leftovers";
