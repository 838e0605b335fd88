// Which cluster kube-ceph's own Kubernetes reads go to: the one the kubernetes provider writes
// to, by the same kubernetes:* keys.
import test from "ava";
import { loadKubeConfig, pinnedKubeconfig } from "../../../components/kubernetes";

// A decoy as the current context (an unreachable loopback port) and the real cluster second.
const KUBECONFIG = JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
        { name: "decoy", cluster: { server: "https://127.0.0.1:1" } },
        { name: "lab", cluster: { server: "https://127.0.0.1:6443" } },
    ],
    users: [{ name: "admin", user: { token: "not-a-real-token" } }],
    contexts: [
        { name: "decoy", context: { cluster: "decoy", user: "admin" } },
        { name: "lab", context: { cluster: "lab", user: "admin", namespace: "kube-system" } },
    ],
    "current-context": "decoy",
});

const serverOf = (kubeconfig: string | undefined) => loadKubeConfig(kubeconfig).getCurrentCluster()?.server;

test("with neither kubernetes:context nor kubernetes:cluster, kubernetes:kubeconfig passes as it is (existing stacks' inputs do not change)", (t) => {
    t.is(pinnedKubeconfig({ kubeconfig: KUBECONFIG }), KUBECONFIG);
    t.is(pinnedKubeconfig({}), undefined);
});

test("kubernetes:context pins the reads to that context's cluster, not the current one", (t) => {
    const pinned = pinnedKubeconfig({ kubeconfig: KUBECONFIG, context: "lab" });
    t.is(serverOf(pinned), "https://127.0.0.1:6443");
    const config = loadKubeConfig(pinned);
    t.is(config.getCurrentContext(), "lab");
    t.is(config.getCurrentUser()?.token, "not-a-real-token");
    t.is(config.getContextObject("lab")?.namespace, "kube-system");
});

test("kubernetes:cluster replaces the context's cluster, as the kubernetes provider does", (t) => {
    t.is(serverOf(pinnedKubeconfig({ kubeconfig: KUBECONFIG, cluster: "lab" })), "https://127.0.0.1:6443");
    t.is(serverOf(pinnedKubeconfig({ kubeconfig: KUBECONFIG, context: "lab", cluster: "decoy" })), "https://127.0.0.1:1");
});

test("an unknown kubernetes:context or kubernetes:cluster is refused, naming the key, the value and what the kubeconfig has", (t) => {
    t.throws(() => pinnedKubeconfig({ kubeconfig: KUBECONFIG, context: "prod" }), {
        message: 'kubernetes:context is "prod", which kubernetes:kubeconfig does not define (its contexts: decoy, lab); set kubernetes:context to one of them',
    });
    t.throws(() => pinnedKubeconfig({ kubeconfig: KUBECONFIG, cluster: "prod" }), {
        message: 'kubernetes:cluster is "prod", which kubernetes:kubeconfig does not define (its clusters: decoy, lab); set kubernetes:cluster to one of them',
    });
});
