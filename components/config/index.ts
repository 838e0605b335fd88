// FACE config
export * from "./ceph-csi-cluster-id";
export * from "./ceph-csi-plugins";
export * from "./ceph-user-names";
export * from "./ceph-schema";
export * from "./class-schema";
export * from "./config";
export * from "./config-problems";
export * from "./provisioner-schema";
export * from "./rules";
export * from "./kubernetes-names";
export * from "./config-facts";
