// FACE program
export * from "./dynamic-resource";
export * from "./program-build";
export * from "./provider-inputs";
export * from "./redact-debug-log";
