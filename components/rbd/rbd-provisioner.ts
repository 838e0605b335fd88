import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { ownedNamespace, rolloutAnnotations } from "../kubernetes";
import { PROVISIONER_NAMES } from "./rbd-storage-class";

export interface RbdProvisionerArgs {
    /** Namespace for the provisioner; created (and removed on destroy) unless it is a shared one. */
    namespace: string;
    /** The rbd-provisioner image, pinned. */
    image: string;
    /** Wait for the Deployment to become ready; off only where no kubelet runs it. */
    awaitRollout: boolean;
}

/**
 * The retired external-storage rbd-provisioner (`ceph.com/rbd`) the source write-up used,
 * with its own ServiceAccount and RBAC instead of borrowing persistent-volume-binder.
 */
export class RbdProvisioner extends pulumi.ComponentResource {
    /** Namespace the provisioner runs in. */
    public readonly namespace: pulumi.Output<string>;

    constructor(name: string, args: RbdProvisionerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdProvisioner", name, {}, opts);
        const child = { parent: this };
        pulumi.log.warn(
            'kube-ceph:provisioner.kind "external" deploys the unmaintained external-storage rbd-provisioner; use "csi" (ceph-csi) for new clusters.',
            this,
        );
        const namespace = ownedNamespace(name, args.namespace, this);

        const account = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: "rbd-provisioner", namespace } }, child);
        const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-role`, {
            metadata: { name: `${args.namespace}-rbd-provisioner` },
            rules: [
                { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "delete"] },
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update"] },
                { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "update", "patch"] },
                { apiGroups: [""], resources: ["services"], resourceNames: ["kube-dns", "coredns"], verbs: ["list", "get"] },
                // The StorageClass names Secrets in other namespaces (the claim's), so reads are cluster-wide.
                { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
            ],
        }, child);
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-binding`, {
            metadata: { name: `${args.namespace}-rbd-provisioner` },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
        }, child);
        const leaderRole = new k8s.rbac.v1.Role(`${name}-leader-role`, {
            metadata: { name: "rbd-provisioner", namespace },
            rules: [{ apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch", "create", "update", "patch"] }],
        }, child);
        new k8s.rbac.v1.RoleBinding(`${name}-leader-binding`, {
            metadata: { name: "rbd-provisioner", namespace },
            subjects: [{ kind: "ServiceAccount", name: account.metadata.name, namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderRole.metadata.name },
        }, child);

        const labels = { app: "rbd-provisioner" };
        new k8s.apps.v1.Deployment(`${name}-deployment`, {
            metadata: { name: "rbd-provisioner", namespace, annotations: rolloutAnnotations(args.awaitRollout) },
            spec: {
                replicas: 1,
                // Two provisioners must never run at once against the same StorageClass.
                strategy: { type: "Recreate" },
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: {
                        serviceAccountName: account.metadata.name,
                        containers: [{
                            name: "rbd-provisioner",
                            image: args.image,
                            env: [{ name: "PROVISIONER_NAME", value: PROVISIONER_NAMES.external }],
                        }],
                    },
                },
            },
        }, child);
        this.namespace = namespace;
        this.registerOutputs({ namespace: this.namespace });
    }
}
