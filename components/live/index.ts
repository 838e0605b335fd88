// FACE live
export * from "./ceph-read-script";
export * from "./ceph-reading";
export * from "./kubernetes-reader";
export * from "./live-reader";
export * from "./mon-reader";
export * from "./stack-history";
export * from "./live-state";
