// What CephStorage takes: how ceph-csi is installed, the pools, filesystems and classes, the
// smoke test, and the names earlier releases gave its children; and the checks on them that a
// program building the args itself may not have made (kube-ceph's own config makes them key by key).
import * as pulumi from "@pulumi/pulumi";
import type { CephCaps, MonConnection } from "./ceph";
import type { CephfsClassSpec, CephfsFilesystemSpec } from "./cephfs";
import { classUserOwner, longestNameIn, MAX_CLUSTER_ID_LENGTH, namespaceClusterId, subvolumeGroupClusterId, userClashes } from "./config";
import type { ControllerPluginSettings, ImageKey, NodePluginSettings } from "./config";
import type { OperatorInstallForm, OperatorManifest } from "./csi";
import type { SmokeTestArgs } from "./kubernetes";
import type { CephPoolSpec, RbdClassSpec } from "./rbd";

export type { CephfsClassSpec, CephfsFilesystemSpec } from "./cephfs";
export type { CephPoolSpec, RbdClassSpec } from "./rbd";

/** ceph-csi installed and run by ceph-csi-operator, the way ceph-csi's maintainers support. */
export interface OperatorInstall {
    kind: "csi";
    install: "operator";
    /** Namespace of the Secrets the StorageClass names; the operator's own namespace is its manifest's. */
    namespace: string;
    /** ceph-csi-operator's install manifest, read by readOperatorManifest before the component is declared. */
    manifest: OperatorManifest;
    /** Every image, after overrides and a registry mirror (see imagesFor). */
    images: Partial<Record<ImageKey, string>>;
    /** ceph-csi's log verbosity, 0 to 5. */
    logVerbosity: number;
    /** ceph-csi's controller-plugin pod settings (validate with pluginSettingsProblems); unset, the operator's defaults. */
    controllerPlugin?: ControllerPluginSettings;
    /** ceph-csi's node-plugin pod settings and kubelet directory; unset, the operator's defaults. */
    nodePlugin?: NodePluginSettings;
    /** Seconds to wait for the operator to reconcile the Driver, and for it to clean up on delete. */
    timeoutSeconds: number;
    /** Wait until the workloads run; off only where no kubelet runs them. */
    awaitRollout: boolean;
    /**
     * How install.yaml's objects are declared (see OPERATOR_INSTALL_FORMS); operatorInstallForm
     * picks it from the stack's last run. Unset: `config-group`, which a CephStorage of an earlier
     * release has in its state. A new instance should set `one-resource`: its previews are faster.
     */
    installForm?: OperatorInstallForm;
}

/**
 * ceph-csi run by a ceph-csi-operator that someone else installed and manages (Rook, GitOps, a
 * platform team): the instance declares none of the operator's objects (CRDs, RBAC, Deployment),
 * only what it asks the operator to run (its CephConnection, ClientProfiles and Drivers), and
 * destroy leaves the operator alone. Preflight checks the operator is there (checkExistingOperator).
 */
export interface ExistingOperatorInstall {
    kind: "csi";
    install: "existing-operator";
    /** Namespace of the Secrets the StorageClass names; created (and removed on destroy) unless it is a shared one. */
    namespace: string;
    /** Namespace the operator runs in; the Driver and ClientProfiles go there. */
    operatorNamespace: string;
    /** Every image ceph-csi runs, after overrides and a registry mirror (see imagesFor). */
    images: Partial<Record<ImageKey, string>>;
    /** ceph-csi's log verbosity, 0 to 5. */
    logVerbosity: number;
    /** ceph-csi's controller-plugin pod settings (validate with pluginSettingsProblems); unset, the operator's defaults. */
    controllerPlugin?: ControllerPluginSettings;
    /** ceph-csi's node-plugin pod settings and kubelet directory; unset, the operator's defaults. */
    nodePlugin?: NodePluginSettings;
    /** Seconds to wait for the operator to reconcile the Driver, and for it to clean up on delete. */
    timeoutSeconds: number;
    /** Wait until the workloads run; off only where no kubelet runs them. */
    awaitRollout: boolean;
}

/** ceph-csi from kube-ceph's own manifests (deprecated; kept for stacks made before the operator). */
export interface ManifestsInstall {
    kind: "csi";
    install: "manifests";
    /** Namespace ceph-csi runs in, with its Secrets. */
    namespace: string;
    /** Every image, after overrides and a registry mirror (see imagesFor). */
    images: Partial<Record<ImageKey, string>>;
    /** Wait until the workloads run; off only where no kubelet runs them. */
    awaitRollout: boolean;
}

/** The external rbd-provisioner, for clusters older than ceph-csi supports. */
export interface ExternalInstall {
    kind: "external";
    /** Namespace the provisioner runs in, with its Secrets. */
    namespace: string;
    /** The provisioner's image. */
    image: string;
    /** Wait until the Deployment runs; off only where no kubelet runs it. */
    awaitRollout: boolean;
}

/** Kubernetes' in-tree RBD plugin (Kubernetes 1.30 and older). */
export interface InTreeInstall {
    kind: "in-tree";
    /** Namespace of the Secrets the StorageClass names. */
    namespace: string;
}

/**
 * The ceph-csi another CephStorage of the same Ceph cluster installed: one Kubernetes cluster
 * runs one RBD ceph-csi (its CSIDriver name and node paths are fixed), so a second CephStorage
 * on that cluster uses the first one's, and its Secrets go into that one's namespace.
 */
export interface SharedInstall {
    kind: "csi";
    install: "shared";
    /** The CephStorage whose ceph-csi this one uses; it must serve the same clusterId. */
    from: SharedCephCsi;
}

/** What a CephStorage shares of its ceph-csi with another instance (a CephStorage is one). */
export interface SharedCephCsi {
    /** The clusterID its ceph-csi serves. */
    clusterId: string;
    /** Where its Secrets go. */
    secretsNamespace: pulumi.Output<string>;
    /** What a class of the other instance waits for: the provisioner, and the operator's Driver. */
    provisionerReady: pulumi.Resource[];
}

/** How the StorageClass's provisioner is installed. */
export type CephStorageProvisioner = OperatorInstall | ExistingOperatorInstall | ManifestsInstall | ExternalInstall | InTreeInstall | SharedInstall;

/** A StorageClass of the stack: RBD or CephFS. */
export type CephClassSpec = RbdClassSpec | CephfsClassSpec;

/** Whether the class is a CephFS one. */
export function isCephfsClass(spec: CephClassSpec): spec is CephfsClassSpec {
    return spec.type === "cephfs";
}

/** The claim (and Pod) that proves the class provisions and stores data; CephStorage names the class and the kubeconfig. */
export type SmokeTestSettings = Omit<SmokeTestArgs, "storageClassName" | "kubeconfig">;

/** The children a program may have declared at its top level before it used CephStorage. */
export type CephStorageChild = "pool" | "client" | "provisioner" | "profile" | "driver" | "secrets" | "storageClass" | "snapshotClass" | "guard" | "smokeTest";

export interface CephStorageArgs {
    /** The mon host the Ceph commands run on. Give every CephStorage on one host the same one, or its session bound does not hold. */
    monHost: MonConnection;
    /** The Ceph cluster's fsid: ceph-csi's clusterID. */
    clusterId: string;
    /** Monitor addresses (host:port) that clients connect to, sorted. */
    monitors: string[];
    /** Every pool, by name. The user's caps name all of them, and only them. */
    pools: Record<string, CephPoolSpec>;
    /** Every CephFS filesystem the CephFS classes name, by name (ceph-csi-operator installs only). */
    filesystems?: Record<string, CephfsFilesystemSpec>;
    /**
     * The StorageClasses, each naming its pool (and data pool) in `pools`, or its filesystem in
     * `filesystems`; the first one, an RBD class, is the smoke test's.
     */
    storageClasses: CephClassSpec[];
    /**
     * The Ceph user ceph-csi's RBD driver logs in as, without the `client.` prefix; its caps name
     * only the pools. The tenants' and CephFS users' names start with it.
     */
    clientName: string;
    /**
     * Gives ceph-csi's RBD node plugin users of their own (csi only): `<clientName>-rbd-node`,
     * and `<clientName>-<namespace>-rbd-node` per tenant, with the same pools and namespaces but
     * no mgr caps, in node Secrets the classes' node-stage parameters name; the users above then
     * serve the provisioner alone. Unset, one user serves both (what instances made before it
     * have). Turning it on for such an instance replaces each RBD StorageClass (its parameters
     * cannot change; a class holds no data) and keeps the old user and Secret, which the
     * existing PersistentVolumes name; turning it off again would take the node users' keys
     * from the volumes made since, so CephStorage cannot tell and kube-ceph's config refuses it.
     */
    separateNodeUsers?: boolean;
    /**
     * The user's key as the cluster holds it now, when the user exists (a secret); the same as
     * userKeys[clientName], which takes precedence.
     */
    clientKey?: pulumi.Input<string>;
    /**
     * The keys of the instance's users that exist, as the cluster holds them now (secrets), by
     * name without `client.`. Read while the plan is made, they let a change of a user's command
     * (its caps) leave its Secrets, and the classes that name them, as they are in the preview;
     * without them a key comes from its user once the command has run.
     */
    userKeys?: Record<string, pulumi.Input<string>>;
    /**
     * Users that existed before this instance and that it adopts, by name without `client.`, with
     * their caps as the cluster holds them now (see checkUserOwnership). Each only gains the caps
     * its classes need and is never deleted. Every other user is the instance's own: created by
     * it, and refused at apply time if someone else made it.
     */
    adoptedUsers?: Record<string, CephCaps>;
    /** How the provisioner is installed. */
    provisioner: CephStorageProvisioner;
    /** The smoke test, of the first class; none when unset. */
    smokeTest?: SmokeTestSettings;
    /**
     * The kubeconfig of kube-ceph's own Kubernetes reads (the VolumeGuard, the smoke test's and
     * the operator's checks), when not the default one's current context. It must name the
     * cluster the component's kubernetes resources go to: with an explicit kubernetes provider,
     * pass that provider's kubeconfig, pinned to its context with `pinnedKubeconfig`. Required
     * with an explicit kubernetes provider: a provider does not say which cluster it writes to.
     */
    kubeconfig?: string;
    /**
     * Names these children had at the top level of the stack, newest first, in a program that
     * declared them before it used CephStorage: they become aliases, so upgrading replaces nothing.
     */
    previousNames?: Partial<Record<CephStorageChild, string[]>>;
    /**
     * The pool and class of a one-class CephStorage of the previous release, which named its
     * children without them (`<name>-pool`, `<name>-rbd-class`, ...): those two, their guard and
     * snapshot class keep those names as aliases, and previousNames applies to them alone.
     */
    oneClass?: {
        pool: string;
        storageClass: string;
        /**
         * The pool's name before a confirmed rename: this release named its pool and guard after
         * it, and as aliases they stay the same resources (the pool's command replaced through its
         * scripts, the guard updated in place), as in a one-class release.
         */
        renamedFrom?: string;
    };
}

/**
 * The checks a program that builds CephStorage's args itself may not have made (kube-ceph's
 * config makes them, key by key): there is a class (the first is the smoke test's), every class names
 * declared pools (a replicated one for its images) or a declared filesystem, and a name of its own;
 * a subvolume group has one rados namespace, and every clusterID fits ceph-csi's limit.
 */
export function checkClasses(name: string, args: CephStorageArgs): void {
    if (args.storageClasses.length === 0) {
        throw new Error(`CephStorage ${name}: storageClasses must list at least one class`);
    }
    const seen = new Set<string>();
    const groupNamespaces = new Map<string, string | undefined>();
    // ceph-csi writes the clusterID into every volume ID it makes.
    const tooLong = (spec: CephClassSpec, what: string, clusterId: string, longest: number) => {
        if (clusterId.length > MAX_CLUSTER_ID_LENGTH) {
            throw new Error(`CephStorage ${name}: class ${spec.name}'s ${what} makes the clusterID ${clusterId}, longer than the ${MAX_CLUSTER_ID_LENGTH} characters ceph-csi can write into a volume ID; use a name of at most ${longest} characters`);
        }
    };
    for (const clash of userClashes(args.clientName, args.storageClasses.map(classUserOwner))) {
        const by = (index: number) => (index < 0 ? `the instance's own user` : `class ${args.storageClasses[index].name}`);
        throw new Error(`CephStorage ${name}: class ${args.storageClasses[clash.second].name} would make Ceph user client.${clash.user}, as ${by(clash.first)} does: the two would share one key; rename its rados namespace or subvolume group`);
    }
    for (const spec of args.storageClasses) {
        if (isCephfsClass(spec)) {
            if (groupNamespaces.has(spec.subvolumeGroup) && groupNamespaces.get(spec.subvolumeGroup) !== spec.radosNamespace) {
                throw new Error(`CephStorage ${name}: class ${spec.name} gives subvolume group ${spec.subvolumeGroup} rados namespace ${spec.radosNamespace ?? "(unset)"}, another of its classes ${groupNamespaces.get(spec.subvolumeGroup) ?? "(unset)"}; a group's classes share one ClientProfile, which carries one`);
            }
            groupNamespaces.set(spec.subvolumeGroup, spec.radosNamespace);
            tooLong(spec, `subvolume group ${spec.subvolumeGroup}`, subvolumeGroupClusterId(args.clusterId, spec.subvolumeGroup), longestNameIn(subvolumeGroupClusterId));
            if (!(spec.filesystem in (args.filesystems ?? {}))) {
                throw new Error(`CephStorage ${name}: class ${spec.name} names filesystem ${spec.filesystem}, which is not in filesystems (${Object.keys(args.filesystems ?? {}).sort().join(", ")})`);
            }
        } else {
            for (const poolName of [spec.pool, ...(spec.dataPool !== undefined ? [spec.dataPool] : [])]) {
                if (!(poolName in args.pools)) {
                    throw new Error(`CephStorage ${name}: class ${spec.name} names pool ${poolName}, which is not in pools (${Object.keys(args.pools).sort().join(", ")})`);
                }
            }
            if (args.pools[spec.pool].erasureCoded !== undefined) {
                throw new Error(`CephStorage ${name}: class ${spec.name} puts its images in the erasure-coded pool ${spec.pool}, which cannot hold RBD metadata; make it the class's dataPool`);
            }
            if (spec.radosNamespace !== undefined) {
                tooLong(spec, `rados namespace ${spec.radosNamespace}`, namespaceClusterId(args.clusterId, spec.radosNamespace), longestNameIn(namespaceClusterId));
            }
        }
        if (seen.has(spec.name)) {
            throw new Error(`CephStorage ${name}: two classes are named ${spec.name}`);
        }
        seen.add(spec.name);
    }
}

/** Verified RBD (and CephFS) StorageClasses on an external Ceph cluster, with everything they need on both sides. */
