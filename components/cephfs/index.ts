// FACE cephfs
export * from "./cephfs-driver";
export * from "./cephfs-filesystem";
export * from "./cephfs-group-profile";
export * from "./cephfs-secrets";
export * from "./cephfs-snapshot-class";
export * from "./cephfs-storage-class";
export * from "./cephfs-subvolume-group";
export * from "./cephfs-classes";
