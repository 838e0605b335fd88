// FACE csi
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
