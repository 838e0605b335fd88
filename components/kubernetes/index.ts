// FACE kubernetes
export * from "./kubernetes-client";
export * from "./kubernetes-common";
export * from "./smoke-test";
export * from "./volume-guard";
