import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ProvisionerKind } from "../config";
import { refOf, SecretRef } from "../kubernetes";

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
    /**
     * ceph-csi's node plugin's own user (csi only): its key goes into a node Secret of its own
     * (`<prefix>-csi-rbd-node`); unset, the node plugin uses the one user's Secret.
     */
    node?: { clientName: pulumi.Input<string>; clientKey: pulumi.Input<string> };
}

/**
 * The Kubernetes Secrets that carry the Ceph user's key, built from the key the cluster
 * returned (never typed by hand, never the admin key).
 */
export class RbdSecrets extends pulumi.ComponentResource {
    /** Secret the provisioner uses to create and delete images. */
    public readonly provisioner: SecretRef;
    /** Secret used to map images on nodes (csi: the node user's, or else the same Secret). */
    public readonly user: SecretRef;

    constructor(name: string, args: RbdSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:RbdSecrets", name, {}, opts);
        const key = pulumi.secret(args.clientKey);
        if (args.kind === "csi") {
            const csiSecret = (suffix: string, clientName: pulumi.Input<string>, clientKey: pulumi.Input<string>) =>
                new k8s.core.v1.Secret(`${name}-csi${suffix}`, {
                    metadata: { name: `${args.namePrefix}-csi-rbd${suffix}`, namespace: args.namespace },
                    // ceph-csi wants the bare user name: "kube", not "client.kube".
                    stringData: { userID: clientName, userKey: pulumi.secret(clientKey) },
                }, { parent: this });
            this.provisioner = refOf(csiSecret("", args.clientName, key));
            this.user = args.node !== undefined ? refOf(csiSecret("-node", args.node.clientName, args.node.clientKey)) : this.provisioner;
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
