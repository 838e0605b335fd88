// The room of how kube-ceph runs under Pulumi: its dynamic resources and the build that
// serializes their providers, the check that the program was built from these sources, and
// the redaction of secrets from the engine's debug log.
// Code outside the room imports this face, not the files behind it.
export * from "./dynamic-resource";
export * from "./program-build";
export * from "./provider-inputs";
export * from "./redact-debug-log";
