// FACE rbd
export * from "./ceph-csi";
export * from "./in-tree-rbd";
export * from "./rbd-driver";
export * from "./rbd-namespace";
export * from "./rbd-namespace-profile";
export * from "./rbd-provisioner";
export * from "./rbd-secrets";
export * from "./rbd-snapshot-class";
export * from "./rbd-storage-class";
export * from "./rbd-classes";
