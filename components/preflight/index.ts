// The room of the checks that refuse a run before anything changes: the Ceph cluster, nodes'
// kernels, Kubernetes, the owners of Ceph users and the stack's own history.
// Code outside the room imports this face, not the files behind it.
export * from "./ceph-checks";
export * from "./ceph-user-ownership";
export * from "./history-checks";
export * from "./kernel-checks";
export * from "./kubernetes-checks";
export * from "./preflight-checks";
export * from "./preflight-error";
