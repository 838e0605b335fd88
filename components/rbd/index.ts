// The room of RBD: rados namespaces, Secrets, the RBD Driver, the classes and their guards,
// and the legacy provisioners (in-tree, external, kube-ceph's own ceph-csi manifests).
// Code outside the room imports this face, not the files behind it.
export * from "./ceph-csi";
export * from "./in-tree-rbd";
export * from "./rbd-classes";
export * from "./rbd-driver";
export * from "./rbd-namespace";
export * from "./rbd-namespace-profile";
export * from "./rbd-provisioner";
export * from "./rbd-secrets";
export * from "./rbd-snapshot-class";
export * from "./rbd-storage-class";
