// The provisioner of a CephStorage, by kind and install: the legacy RBD provisioners, ceph-csi
// from kube-ceph's own manifests, one shared with another instance, or ceph-csi-operator (installed
// here or by someone else) with the ClientProfile and a driver per type of class. Part of the
// composition: it declares CephStorage's own children, under the names its releases gave them.
import * as pulumi from "@pulumi/pulumi";
import type { CephStorageArgs, CephStorageChild } from "./ceph-storage-args";
import { isCephfsClass } from "./ceph-storage-args";
import { CephfsDriver } from "./cephfs";
import { CephClientProfile, CephCsiOperator, OperatorInstallForm } from "./csi";
import { ownedNamespace } from "./kubernetes";
import { CephCsi, csiDriverUrn, InTreeRbd, RbdDriver, RbdProvisioner } from "./rbd";

/** What declaring the provisioner gives the rest of the graph. */
export interface ProvisionerDeclared {
    /** The kind the classes name. */
    kind: "csi" | "external" | "in-tree";
    /** The Secrets' namespace. */
    namespace: pulumi.Output<string>;
    /** What the classes wait for. */
    ready: pulumi.Resource[];
    /**
     * Through ceph-csi-operator: where a tenant's ClientProfile goes, the CephConnection it shares,
     * and the CephFS driver when the instance has CephFS classes.
     */
    operator?: { namespace: pulumi.Output<string>; connectionName: pulumi.Output<string>; timeoutSeconds: number; cephfsDriver?: CephfsDriver };
    /** How the operator's install.yaml was declared, once it is installed: only when this instance installs it. */
    installForm?: pulumi.Output<OperatorInstallForm>;
}

/** Declares the provisioner; returns the kind the class names, the Secrets' namespace and what the class waits for. */
export function declareProvisioner(
    parent: pulumi.Resource,
    name: string,
    args: CephStorageArgs,
    child: (key: CephStorageChild, extra?: pulumi.ComponentResourceOptions) => pulumi.ComponentResourceOptions,
    previousAliases: pulumi.Alias[],
): ProvisionerDeclared {
    const settings = args.provisioner;
    const csiName = `${name}-ceph-csi`;
    switch (settings.kind) {
        case "external": {
            const provisioner = new RbdProvisioner(`${name}-rbd-provisioner`, settings, child("provisioner"));
            return { kind: "external", namespace: provisioner.namespace, ready: [provisioner] };
        }
        case "in-tree": {
            const provisioner = new InTreeRbd(`${name}-in-tree-rbd`, settings, child("provisioner"));
            return { kind: "in-tree", namespace: provisioner.namespace, ready: [provisioner] };
        }
    }
    switch (settings.install) {
        case "shared":
            if (settings.from.clusterId !== args.clusterId) {
                throw new Error(`CephStorage ${name}: a shared ceph-csi serves clusterID ${settings.from.clusterId}, not ${args.clusterId}; give this Ceph cluster its own`);
            }
            return { kind: "csi", namespace: settings.from.secretsNamespace, ready: settings.from.provisionerReady };
        case "manifests": {
            const csi = new CephCsi(csiName, { namespace: settings.namespace, clusterId: args.clusterId, monitors: args.monitors, images: settings.images, awaitRollout: settings.awaitRollout }, child("provisioner"));
            return { kind: "csi", namespace: csi.namespace, ready: [csi] };
        }
        case "operator":
        case "existing-operator": {
            // Installed here, or by someone else, whose operator only runs what this instance declares.
            const operator = settings.install === "operator"
                ? new CephCsiOperator(csiName, {
                      secretsNamespace: settings.namespace,
                      manifest: settings.manifest,
                      image: settings.images.cephCsiOperator!,
                      awaitRollout: settings.awaitRollout,
                      form: settings.installForm,
                      timeoutSeconds: settings.timeoutSeconds,
                      kubeconfig: args.kubeconfig,
                  }, child("provisioner"))
                : { namespace: ownedNamespace(csiName, settings.namespace, parent), operatorNamespace: pulumi.output(settings.operatorNamespace) };
            const installed = operator instanceof CephCsiOperator ? [operator] : [];
            const profile = new CephClientProfile(`${name}-ceph-csi-profile`, {
                namespace: operator.operatorNamespace,
                clusterId: args.clusterId,
                monitors: args.monitors,
                deleteTimeoutSeconds: settings.timeoutSeconds,
            }, child("profile", { dependsOn: installed }));
            // What each driver the operator runs is given: the same images, log level and waits.
            const driverArgs = {
                namespace: operator.operatorNamespace,
                images: settings.images,
                logVerbosity: settings.logVerbosity,
                controllerPlugin: settings.controllerPlugin,
                nodePlugin: settings.nodePlugin,
                clusterId: profile.name,
                profile,
                awaitRollout: settings.awaitRollout,
                timeoutSeconds: settings.timeoutSeconds,
                kubeconfig: args.kubeconfig,
            };
            // The RBD driver only for an instance with RBD classes, as the CephFS one below.
            const driver = args.storageClasses.some((c) => !isCephfsClass(c))
                ? new RbdDriver(`${name}-rbd-driver`, {
                      ...driverArgs,
                      // The CSIDriver a manifests install of this stack declared, here or at the top level before
                      // (a stack moves to existing-operator only from none: index.ts refuses the rest).
                      takesOverCsiDriver: settings.install === "operator" ? [csiDriverUrn(csiName, parent), ...previousAliases.map((alias) => csiDriverUrn(alias.name as string))] : [],
                  }, child("driver", { dependsOn: installed }))
                : undefined;
            // The CephFS driver only for an instance with CephFS classes: it runs its own pods.
            const cephfsDriver = args.storageClasses.some(isCephfsClass)
                ? new CephfsDriver(`${name}-cephfs-driver`, driverArgs, { parent, dependsOn: installed })
                : undefined;
            return {
                kind: "csi",
                namespace: operator.namespace,
                ready: [...installed, ...(driver !== undefined ? [driver] : [])],
                operator: { namespace: operator.operatorNamespace, connectionName: profile.connectionName, timeoutSeconds: settings.timeoutSeconds, cephfsDriver },
                ...(operator instanceof CephCsiOperator ? { installForm: operator.form } : {}),
            };
        }
    }
}
