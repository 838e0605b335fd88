// How kube-ceph's own Kubernetes reads find the cluster: the planning-time reads in kubernetes-reader.ts
// and the dynamic providers (VolumeGuard, SmokeTestCheck), which also run during destroy
// when the program does not. Pulumi serializes those providers' functions into the state,
// so this requires the client library at call time instead of importing it.
import type { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

/** `kubernetes:kubeconfig` when the stack sets it; otherwise KUBECONFIG or ~/.kube/config, as the kubernetes provider does. */
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
