import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { refOf, SecretRef } from "../kubernetes";

/** A Ceph user as a Secret carries it: its bare name and its key (secret). */
export interface CephfsUser {
    /** User name without the `client.` prefix. */
    name: pulumi.Input<string>;
    /** The user's cephx key, as read back from the cluster (secret). */
    key: pulumi.Input<string>;
}

export interface CephfsSecretsArgs {
    /** The user that creates, resizes and deletes subvolumes. */
    provisioner: CephfsUser;
    /** The user that nodes mount the subvolumes as. */
    node: CephfsUser;
    /** Namespace kube-ceph owns for ceph-csi's Secrets (the class names it). */
    namespace: pulumi.Input<string>;
    /** Prefix for the Secret names. */
    namePrefix: string;
}

/**
 * The Secrets of a CephFS class: one per user, each built from the key the cluster returned.
 * ceph-csi reads a dynamically provisioned CephFS volume's credentials as adminID/adminKey in
 * both (userID/userKey are for volumes made by hand), so both carry those keys.
 */
export class CephfsSecrets extends pulumi.ComponentResource {
    /** Secret the provisioner (and volume expansion) uses. */
    public readonly provisioner: SecretRef;
    /** Secret nodes mount volumes with. */
    public readonly node: SecretRef;

    constructor(name: string, args: CephfsSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:CephfsSecrets", name, {}, opts);
        const secret = (role: "provisioner" | "node", user: CephfsUser) =>
            refOf(new k8s.core.v1.Secret(`${name}-${role}`, {
                metadata: { name: `${args.namePrefix}-csi-cephfs-${role}`, namespace: args.namespace },
                // ceph-csi wants the bare user name: "kube", not "client.kube".
                stringData: { adminID: user.name, adminKey: pulumi.secret(user.key) },
            }, { parent: this }));
        this.provisioner = secret("provisioner", args.provisioner);
        this.node = secret("node", args.node);
        this.registerOutputs({ provisioner: this.provisioner, node: this.node });
    }
}
