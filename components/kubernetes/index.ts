// The room of what kube-ceph reads and checks in Kubernetes itself: the API client its
// dynamic providers use, shared object helpers, the VolumeGuard and the smoke test.
// Code outside the room imports this face, not the files behind it.
export * from "./kubernetes-client";
export * from "./kubernetes-common";
export * from "./smoke-test";
export * from "./volume-guard";
