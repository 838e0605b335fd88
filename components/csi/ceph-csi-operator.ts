import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { KubeCephConfig } from "../config";
import { ownedNamespace } from "../kubernetes";
import { CephCsiOperatorInstall, objectRef } from "./ceph-csi-operator-install";
import { OPERATOR_DEPLOYMENT, OPERATOR_NAMESPACE, OperatorManifest, operatorObjects } from "./ceph-csi-operator-manifest";

/** The type of kube-ceph's own manifests install (rbd/ceph-csi.ts), which a stack may still hold: the operator takes over from it. */
export const CEPH_CSI_TYPE = "kube-ceph:kubernetes:CephCsi";

export * from "./ceph-csi-operator-manifest";

/**
 * How install.yaml's objects are declared. `one-resource`: one CephCsiOperatorInstall keyed by the
 * manifest's digest. `config-group`: each object on its own, in a ConfigGroup, as releases before
 * it did. `config-group-retiring`: both, with the ConfigGroup's objects kept on delete, so that
 * the next run can leave them out without deleting anything (a stack of those releases moves to
 * `one-resource` this way, in two runs).
 */
export const OPERATOR_INSTALL_FORMS = ["one-resource", "config-group", "config-group-retiring"] as const;
export type OperatorInstallForm = (typeof OPERATOR_INSTALL_FORMS)[number];

/**
 * The form a stack's operator install takes this run, from what its last run recorded: a stack
 * with install.yaml's objects declared one by one (operator install, no form recorded) retires
 * them first; every other stack, new ones included, has the one resource.
 */
export function operatorInstallForm(previousInstall: string | undefined, previousForm: string | undefined): OperatorInstallForm {
    if (previousInstall === "operator" && (previousForm === undefined || previousForm === "config-group")) {
        return "config-group-retiring";
    }
    return "one-resource";
}

export interface CephCsiOperatorArgs {
    /**
     * Namespace of the Secrets the StorageClass names; created (and removed on destroy) unless it
     * is a shared one. It is not the operator's: volumes keep naming the Secrets they were made
     * with, so they stay where earlier installs put them.
     */
    secretsNamespace: string;
    /** The install manifest, read before the plan is declared. */
    manifest: OperatorManifest;
    /** The operator's image, after overrides and the registry mirror. */
    image: string;
    /** Wait for the operator's Deployment to become ready; off only where no kubelet runs it. */
    awaitRollout: boolean;
    /**
     * How install.yaml's objects are declared (see OPERATOR_INSTALL_FORMS). Unset: `config-group`,
     * what a CephStorage of an earlier release has in its state; `one-resource` there would delete
     * and re-create the operator's CRDs, and with them every Driver and ClientProfile.
     */
    form?: OperatorInstallForm;
    /** How long the one-resource install waits for the CRDs and, with awaitRollout, the operator. */
    timeoutSeconds: number;
    /** The cluster kube-ceph's own reads use (`kubernetes:kubeconfig`), when set. */
    kubeconfig?: string;
}

/** Keeps a resource on delete: the retiring ConfigGroup's objects stay in the cluster when it goes. */
const keptOnDelete: pulumi.ResourceTransform = (args) => ({ props: args.props, opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true }) });

/**
 * ceph-csi-operator, installed from its published install.yaml: its namespace, CRDs, RBAC and
 * Deployment, in the manifest's own order and names; and the namespace of ceph-csi's Secrets.
 */
export class CephCsiOperator extends pulumi.ComponentResource {
    /** Namespace of the Secrets the StorageClass names. */
    public readonly namespace: pulumi.Output<string>;
    /** Namespace the operator runs in; its Driver and ClientProfiles go there too. */
    public readonly operatorNamespace: pulumi.Output<string>;
    /** The operator Deployment's name. */
    public readonly deployment: pulumi.Output<string>;
    /** How install.yaml's objects were declared. */
    public readonly form: pulumi.Output<OperatorInstallForm>;

    constructor(name: string, args: CephCsiOperatorArgs, opts?: pulumi.ComponentResourceOptions) {
        // A stack that ran kube-ceph's own manifests had a CephCsi of this name, or of one of its
        // aliases: its namespace (which holds the Secrets that PersistentVolumes name) becomes this
        // component's, unchanged.
        const aliases = opts?.aliases ?? [];
        const asCephCsi = aliases
            .filter((alias): alias is pulumi.Alias => typeof alias === "object" && !pulumi.Output.isInstance(alias))
            .map((alias) => ({ ...alias, type: CEPH_CSI_TYPE }));
        super("kube-ceph:kubernetes:CephCsiOperator", name, {}, { ...opts, aliases: [...aliases, ...asCephCsi, { type: CEPH_CSI_TYPE }] });
        const form = args.form ?? "config-group";
        const objects = operatorObjects(args.manifest, args.image, args.awaitRollout);
        // retainOnDelete (retiring): the next run leaves these entries out, and the objects must stay.
        const group = form === "one-resource"
            ? undefined
            : new k8s.yaml.v2.ConfigGroup(`${name}-install`, { objs: objects }, { parent: this, ...(form === "config-group-retiring" ? { transforms: [keptOnDelete] } : {}) });
        const install = form === "config-group"
            ? undefined
            : new CephCsiOperatorInstall(`${name}-operator-install`, {
                  source: args.manifest.source,
                  readFrom: /^https?:\/\//.test(args.manifest.source) ? args.manifest.source : path.resolve(args.manifest.source),
                  digest: args.manifest.digest,
                  image: args.image,
                  awaitRollout: args.awaitRollout,
                  timeoutSeconds: args.timeoutSeconds,
                  objects: objects.map(objectRef),
                  ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}),
              }, { parent: this, ...(group !== undefined ? { dependsOn: [group] } : {}) });
        this.namespace = ownedNamespace(name, args.secretsNamespace, this);
        // Known once the whole install is (CRDs first): what is declared in that namespace waits for it.
        const done: pulumi.Output<unknown> = install !== undefined ? install.digest : group!.resources;
        this.operatorNamespace = done.apply(() => args.manifest.namespace);
        this.deployment = done.apply(() => OPERATOR_DEPLOYMENT);
        this.form = done.apply(() => form);
        this.registerOutputs({ namespace: this.namespace, operatorNamespace: this.operatorNamespace, deployment: this.deployment, form: this.form });
    }
}

/** Where the ceph-csi-operator that someone else manages runs: config, or install.yaml's names. */
export function existingOperator(provisioner: KubeCephConfig["provisioner"]): { namespace: string; deployment: string } {
    return { namespace: provisioner.operator.namespace ?? OPERATOR_NAMESPACE, deployment: provisioner.operator.deployment ?? OPERATOR_DEPLOYMENT };
}
