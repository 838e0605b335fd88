// The room of CephFS: filesystems, subvolume groups and their ClientProfiles, Secrets, the
// CephFS Driver, the classes and their guards.
// Code outside the room imports this face, not the files behind it.
export * from "./cephfs-classes";
export * from "./cephfs-driver";
export * from "./cephfs-filesystem";
export * from "./cephfs-group-profile";
export * from "./cephfs-secrets";
export * from "./cephfs-snapshot-class";
export * from "./cephfs-storage-class";
export * from "./cephfs-subvolume-group";
