// FACE preflight
export * from "./ceph-user-ownership";
export * from "./preflight";
