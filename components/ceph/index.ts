// The room of the Ceph side: the SSH lane and the command factory on the mon host, pools,
// users with their caps, owner records and keys.
// Code outside the room imports this face, not the files behind it.
export * from "./ceph-client";
export * from "./ceph-command";
export * from "./ceph-pool";
export * from "./ceph-user-key";
export * from "./mon-connection";
export * from "./shell-script";
export * from "./ssh-reader";
