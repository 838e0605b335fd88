// What the plan reads from the Kubernetes API: the server version, whether it still fills
// metadata.selfLink, the nodes' kernels, the snapshot CRDs, and ceph-csi-operator's ClientProfiles.
import { CSI_OPERATOR_API } from "../csi";
import { apiServerOf, loadKubeConfig } from "../kubernetes";

export interface KubernetesNode {
    name: string;
    kernelVersion: string;
}

export interface KubernetesReading {
    /** gitVersion of the API server, e.g. v1.31.2. */
    serverVersion?: string;
    /** Whether the API server still fills metadata.selfLink (read from the `default` namespace). */
    selfLinkFilled?: boolean;
    nodes?: KubernetesNode[];
    /** Which of SNAPSHOT_CRDS the API server serves. */
    snapshotCrds?: string[];
    /** Every ceph-csi-operator ClientProfile, with the rados namespace of its CephFS journal when it sets one. */
    clientProfiles?: ClientProfileReading[];
    /** An operator that someone else manages: its CRDs' served versions (of those there are), and whether its Deployment is there. */
    existingOperator?: ExistingOperatorReading;
}

/** What preflight needs to know of a ceph-csi-operator that kube-ceph did not install. */
export interface ExistingOperatorReading {
    /** The served versions of each of OPERATOR_CRDS that exists, by CRD name. */
    crds: Record<string, string[]>;
    /** Whether the operator's Deployment exists. */
    deployment: boolean;
}

/** The CRDs of the kinds kube-ceph asks ceph-csi-operator to run. */
export const OPERATOR_CRDS = ["cephconnections.csi.ceph.io", "clientprofiles.csi.ceph.io", "drivers.csi.ceph.io"];

/** What preflight needs of a live ClientProfile. */
export interface ClientProfileReading {
    name: string;
    /** spec.cephFs.radosNamespace; unset, ceph-csi keeps the journal in its default namespace. */
    cephfsRadosNamespace?: string;
}

/** The CRDs of volume snapshots (kubernetes-csi/external-snapshotter): a VolumeSnapshotClass needs all three. */
export const SNAPSHOT_CRDS = [
    "volumesnapshotclasses.snapshot.storage.k8s.io",
    "volumesnapshotcontents.snapshot.storage.k8s.io",
    "volumesnapshots.snapshot.storage.k8s.io",
];

export interface KubernetesReadRequest {
    version: boolean;
    /** Read whether objects carry metadata.selfLink (the external rbd-provisioner needs it). */
    selfLink?: boolean;
    nodes: boolean;
    /** Read which snapshot CRDs are installed (for storageClass.snapshotClass). */
    snapshotCrds?: boolean;
    /** Read the ClientProfiles (for the CephFS groups' journal namespaces). */
    clientProfiles?: boolean;
    /** Read the CRDs and Deployment of an operator that someone else manages. */
    existingOperator?: { namespace: string; deployment: string };
    /** Contents of kubernetes:kubeconfig when set; otherwise KUBECONFIG or ~/.kube/config. */
    kubeconfig?: string;
}

/** Reads what the request asks for from the Kubernetes API, in one error that names the API server. */
export async function readKubernetes(request: KubernetesReadRequest): Promise<KubernetesReading> {
    const k8s = await import("@kubernetes/client-node");
    const kubeconfig = loadKubeConfig(request.kubeconfig);
    const reading: KubernetesReading = {};
    try {
        if (request.version) {
            reading.serverVersion = (await kubeconfig.makeApiClient(k8s.VersionApi).getCode()).gitVersion;
        }
        if (request.selfLink) {
            const namespace = await kubeconfig.makeApiClient(k8s.CoreV1Api).readNamespace({ name: "default" });
            reading.selfLinkFilled = (namespace.metadata?.selfLink ?? "") !== "";
        }
        if (request.nodes) {
            const list = await kubeconfig.makeApiClient(k8s.CoreV1Api).listNode();
            reading.nodes = list.items
                .map((node) => ({ name: node.metadata?.name ?? "", kernelVersion: node.status?.nodeInfo?.kernelVersion ?? "" }))
                .sort((a, b) => a.name.localeCompare(b.name));
        }
        if (request.snapshotCrds) {
            const crds = kubeconfig.makeApiClient(k8s.ApiextensionsV1Api);
            const served = await Promise.all(SNAPSHOT_CRDS.map((name) => crds.readCustomResourceDefinition({ name }).then(() => true, (error: { code?: number }) => {
                if (error.code === 404) {
                    return false;
                }
                throw error;
            })));
            reading.snapshotCrds = SNAPSHOT_CRDS.filter((_, i) => served[i]);
        }
        if (request.clientProfiles) {
            // None before ceph-csi-operator's CRDs are installed (404).
            const list = await kubeconfig.makeApiClient(k8s.CustomObjectsApi)
                .listClusterCustomObject({ group: CSI_OPERATOR_API.split("/")[0], version: CSI_OPERATOR_API.split("/")[1], plural: "clientprofiles" })
                .catch((error: { code?: number }) => (error.code === 404 ? { items: [] } : Promise.reject(error)));
            reading.clientProfiles = ((list as { items?: { metadata?: { name?: string }; spec?: { cephFs?: { radosNamespace?: string } } }[] }).items ?? [])
                .map((p) => ({ name: p.metadata?.name ?? "", ...(p.spec?.cephFs?.radosNamespace !== undefined ? { cephfsRadosNamespace: p.spec.cephFs.radosNamespace } : {}) }));
        }
        if (request.existingOperator !== undefined) {
            const { namespace, deployment } = request.existingOperator;
            const notFound = (error: { code?: number }) => (error.code === 404 ? undefined : Promise.reject(error));
            const crdApi = kubeconfig.makeApiClient(k8s.ApiextensionsV1Api);
            const [crds, found] = await Promise.all([
                Promise.all(OPERATOR_CRDS.map((name) => crdApi.readCustomResourceDefinition({ name }).catch(notFound))),
                kubeconfig.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ name: deployment, namespace }).catch(notFound),
            ]);
            reading.existingOperator = {
                crds: Object.fromEntries(OPERATOR_CRDS.flatMap((name, i) => (crds[i] !== undefined ? [[name, crds[i]!.spec.versions.filter((v) => v.served).map((v) => v.name)]] : []))),
                deployment: found !== undefined,
            };
        }
    } catch (error) {
        throw new Error(`reading the Kubernetes API at ${apiServerOf(kubeconfig)} failed: ${(error as Error).message}`);
    }
    return reading;
}
