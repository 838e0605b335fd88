// FACE config
export * from "./ceph-csi-cluster-id";
export * from "./ceph-csi-plugins";
export * from "./ceph-user-names";
export * from "./config";
export * from "./kubernetes-names";
