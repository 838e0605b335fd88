// How kube-ceph's own Kubernetes reads find the cluster: the planning-time reads in kubernetes-reader.ts
// and the dynamic providers (VolumeGuard, SmokeTestCheck), which also run during destroy
// when the program does not. Pulumi serializes those providers' functions into the state,
// so this requires the client library at call time instead of importing it.
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

/**
 * `kubernetes:kubeconfig` when the stack sets it; otherwise KUBECONFIG or ~/.kube/config, as the
 * kubernetes provider does. Its current context is the cluster read: pinnedKubeconfig makes it
 * the one `kubernetes:context`/`kubernetes:cluster` name.
 */
export function loadKubeConfig(kubeconfig: string | undefined): KubeConfig {
    const k8s = require("@kubernetes/client-node");
    const config: KubeConfig = new k8s.KubeConfig();
    if (kubeconfig !== undefined) {
        config.loadFromString(kubeconfig);
    } else {
        config.loadFromDefault();
    }
    return config;
}

/** Where the stack's kubernetes provider writes: the `kubernetes:*` config keys it honours. */
export interface KubernetesTarget {
    /** `kubernetes:kubeconfig`: the kubeconfig's contents; unset, KUBECONFIG or ~/.kube/config. */
    kubeconfig?: string;
    /** `kubernetes:context`: the kubeconfig context to use instead of its current one. */
    context?: string;
    /** `kubernetes:cluster`: the kubeconfig cluster to use instead of the context's own. */
    cluster?: string;
}

/**
 * The kubeconfig of kube-ceph's own reads, pinned to the cluster the kubernetes provider writes
 * to. With neither `kubernetes:context` nor `kubernetes:cluster` set, that is the kubeconfig's
 * current context, and the value is `kubernetes:kubeconfig` as it is (unset stays unset, so the
 * inputs of existing stacks do not change). With either set, it is a kubeconfig whose current
 * context is that one (with that cluster): passed to the dynamic providers, which keep it
 * (secret) in their state, so a destroy reads the same cluster even after the config changes.
 */
export function pinnedKubeconfig(target: KubernetesTarget): string | undefined {
    if (target.context === undefined && target.cluster === undefined) {
        return target.kubeconfig;
    }
    const config = loadKubeConfig(target.kubeconfig);
    const source = target.kubeconfig !== undefined ? "kubernetes:kubeconfig" : "the default kubeconfig (KUBECONFIG or ~/.kube/config)";
    const name = target.context ?? config.getCurrentContext();
    const context = config.getContextObject(name);
    if (context === null) {
        const known = config.getContexts().map((c) => c.name).join(", ") || "none";
        throw new Error(`kubernetes:context is "${name}", which ${source} does not define (its contexts: ${known}); set kubernetes:context to one of them`);
    }
    const clusterName = target.cluster ?? context.cluster;
    if (config.getCluster(clusterName) === null) {
        const known = config.getClusters().map((c) => c.name).join(", ") || "none";
        throw new Error(`kubernetes:cluster is "${clusterName}", which ${source} does not define (its clusters: ${known}); set kubernetes:cluster to one of them`);
    }
    const k8s = require("@kubernetes/client-node");
    const pinned: KubeConfig = new k8s.KubeConfig();
    pinned.loadFromOptions({
        clusters: config.getClusters(),
        users: config.getUsers(),
        contexts: [{ ...context, cluster: clusterName }],
        currentContext: context.name,
    });
    return pinned.exportConfig();
}

/** The core API of that cluster, and its address for messages. */
export function coreApi(kubeconfig: string | undefined): { core: CoreV1Api; server: string } {
    const k8s = require("@kubernetes/client-node");
    const config = loadKubeConfig(kubeconfig);
    return { core: config.makeApiClient(k8s.CoreV1Api), server: apiServerOf(config) };
}

/** The API server's address, for messages. */
export function apiServerOf(config: KubeConfig): string {
    return config.getCurrentCluster()?.server ?? "(no current cluster)";
}
