// The room of the stack's config: one schema per area, the rules they share, how a bad value
// is reported, and the names kube-ceph derives from config (users, clusterIDs, Kubernetes names).
// Code outside the room imports this face, not the files behind it.
export * from "./ceph-csi-cluster-id";
export * from "./ceph-csi-plugins";
export * from "./ceph-schema";
export * from "./ceph-user-names";
export * from "./class-schema";
export * from "./config";
export * from "./config-facts";
export * from "./config-problems";
export * from "./kubernetes-names";
export * from "./provisioner-schema";
export * from "./rules";
