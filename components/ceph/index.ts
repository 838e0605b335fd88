// FACE ceph
export * from "./ceph-client";
export * from "./ceph-command";
export * from "./ceph-pool";
export * from "./ceph-user-key";
export * from "./mon-connection";
export * from "./shell-script";
export * from "./ssh-reader";
