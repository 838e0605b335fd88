// Small rules shared by the components that declare Kubernetes objects.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** Namespaces that exist in every cluster; kube-ceph never creates or deletes them. */
export const SHARED_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

/**
 * A namespace kube-ceph puts objects in: declared as `<name>-namespace` (so it exists before
 * them and destroy removes it) when kube-ceph owns it, referenced by name when it is one
 * every cluster has.
 */
export function ownedNamespace(name: string, namespace: string, parent: pulumi.Resource): pulumi.Output<string> {
    if (SHARED_NAMESPACES.includes(namespace)) {
        return pulumi.output(namespace);
    }
    return new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: namespace } }, { parent }).metadata.name;
}

/** Annotations for workloads; skipAwait only where nothing can run the pods (a lab without kubelets). */
export function rolloutAnnotations(awaitRollout: boolean): Record<string, string> {
    return awaitRollout ? {} : { "pulumi.com/skipAwait": "true" };
}

/** Where a StorageClass finds a Secret. */
export interface SecretRef {
    name: pulumi.Output<string>;
    namespace: pulumi.Output<string>;
}

/** The Secret's place, as a StorageClass names it. */
export function refOf(secret: k8s.core.v1.Secret): SecretRef {
    return { name: secret.metadata.name, namespace: secret.metadata.namespace };
}
