// The room of the live reads before anything is declared: the Ceph read's script and its
// parsers, the Kubernetes read, the stack's own last outputs, and one run's reads together.
// Code outside the room imports this face, not the files behind it.
export * from "./ceph-read-script";
export * from "./ceph-reading";
export * from "./kubernetes-reader";
export * from "./live-reader";
export * from "./live-state";
export * from "./mon-reader";
export * from "./stack-history";
