// FACE preflight
export * from "./ceph-user-ownership";
export * from "./ceph-checks";
export * from "./kernel-checks";
export * from "./kubernetes-checks";
export * from "./preflight-error";
export * from "./preflight-checks";
export * from "./history-checks";
