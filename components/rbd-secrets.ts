import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ProvisionerKind } from "./config";
import { refOf, SecretRef } from "./kubernetes-common";

export interface RbdSecretsArgs {
    /** Which provisioner reads the Secrets; it decides their type and keys. */
    kind: ProvisionerKind;
    /** Ceph user name without the `client.` prefix. */
    clientName: pulumi.Input<string>;
    /** The user's cephx key, as read back from the cluster (secret). */
    clientKey: pulumi.Input<string>;
    /** Namespace kube-ceph owns for the provisioner; holds the Secrets (the class names it for both). */
    namespace: pulumi.Input<string>;
    /** Prefix for the Secret names. */
    namePrefix: string;
}

/**
 * The Kubernetes Secrets that carry the Ceph user's key, built from the key the cluster
 * returned (never typed by hand, never the admin key).
 */
export class RbdSecrets extends pulumi.ComponentResource {
    /** Secret the provisioner uses to create and delete images. */
    public readonly provisioner: SecretRef;
    /** Secret used to map images on nodes (csi: the same Secret). */
    public readonly user: SecretRef;

    constructor(name: string, args: RbdSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdSecrets", name, {}, opts);
        const key = pulumi.secret(args.clientKey);
        if (args.kind === "csi") {
            const secret = new k8s.core.v1.Secret(`${name}-csi`, {
                metadata: { name: `${args.namePrefix}-csi-rbd`, namespace: args.namespace },
                // ceph-csi wants the bare user name: "kube", not "client.kube".
                stringData: { userID: args.clientName, userKey: key },
            }, { parent: this });
            this.provisioner = this.user = refOf(secret);
        } else {
            // The class names the user Secret's namespace (userSecretNamespace), so claims in every
            // namespace find it next to the provisioner's, in the namespace kube-ceph owns.
            const legacy = (suffix: string) =>
                new k8s.core.v1.Secret(`${name}-${suffix}`, {
                    metadata: { name: `${args.namePrefix}-${suffix}`, namespace: args.namespace },
                    type: "kubernetes.io/rbd",
                    stringData: { key },
                }, { parent: this });
            this.provisioner = refOf(legacy("provisioner"));
            this.user = refOf(legacy("user"));
        }
        this.registerOutputs({ provisioner: this.provisioner, user: this.user });
    }
}
