// The whole graph from a Ceph cluster to a verified StorageClass, as one component that any
// Pulumi TypeScript program can declare: the pool, then the least-privilege user whose caps
// name it; the provisioner (through ceph-csi-operator: the operator, the ClientProfile, the
// Driver and the wait for the operator to reconcile them); the Secrets built from the real
// key; the StorageClass; the guard that keeps what volumes need on destroy; the smoke test.
// It takes plain, checked values: reading config, the live reads and preflight are the
// program's job (index.ts), done before anything is declared.
import * as pulumi from "@pulumi/pulumi";
import type { ControllerPluginSettings, ImageKey, NodePluginSettings } from "./config";
import { CephCaps, CephClient, cephfsClientCaps, CephPool, ErasureCoding, rbdClientCaps, stackOwner } from "./ceph";
import { CephClientProfile, CephCsiOperator, OperatorInstallForm, OperatorManifest } from "./csi";
import { cephfsUserName, classUserOwner, longestNameIn, MAX_CLUSTER_ID_LENGTH, namespaceClusterId, rbdUserName, subvolumeGroupClusterId, userClashes } from "./config";
import { CephCsi, csiDriverUrn, InTreeRbd, RbdDriver, RbdNamespace, RbdNamespaceProfile, RbdProvisioner, RbdSecrets, RbdSnapshotClass, RbdStorageClass, RbdStorageClassSettings } from "./rbd";
import { CephfsDriver, CephfsFilesystem, CephfsGroupProfile, CephfsSecrets, CephfsSnapshotClass, CephfsStorageClass, CephfsStorageClassSettings, CephfsSubvolumeGroup } from "./cephfs";
import { ownedNamespace, SmokeTest, SmokeTestArgs, VolumeGuard } from "./kubernetes";
import type { MonConnection } from "./ceph";

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
    from: CephStorage;
}

/** How the StorageClass's provisioner is installed. */
export type CephStorageProvisioner = OperatorInstall | ExistingOperatorInstall | ManifestsInstall | ExternalInstall | InTreeInstall | SharedInstall;

/** One pool of the stack: replicated, or erasure-coded for images' data. */
export interface CephPoolSpec {
    /** Placement groups (a power of two); unset leaves them to the autoscaler. */
    pgNum?: number;
    /** Replica count; unset keeps the cluster's default. Not for an erasure-coded pool. */
    replicas?: number;
    /** Makes the pool erasure-coded, with a profile of its own; it can only be a class's dataPool. */
    erasureCoded?: ErasureCoding;
    /** What destroy does with the pool: keep it, or delete it (never while it holds data). */
    deletionPolicy: "retain" | "delete";
}

/** One RBD StorageClass and the pool its images go into. */
export interface RbdClassSpec extends RbdStorageClassSettings {
    /** An RBD class (the default when unset). */
    type?: "rbd";
    /** The replicated pool of `pools` that holds the class's images (all of them, or their metadata when dataPool is set). */
    pool: string;
    /**
     * A tenant's rados namespace (ceph-csi-operator installs only): the class's images go there,
     * under a Ceph user, Secrets and ClientProfile (clusterID) of the tenant's own, whose caps
     * allow only that namespace of the tenant's pools.
     */
    radosNamespace?: string;
}

/** One CephFS filesystem of the stack. */
export interface CephfsFilesystemSpec {
    /** What destroy does with a filesystem this stack created: keep it, or delete it with its pools (never while it holds a subvolume). */
    deletionPolicy: "retain" | "delete";
}

/** One CephFS StorageClass (ReadWriteMany): its volumes are subvolumes of one group of a filesystem. */
export interface CephfsClassSpec extends CephfsStorageClassSettings {
    type: "cephfs";
    /** The filesystem of `filesystems` the volumes are made in. */
    filesystem: string;
    /**
     * The subvolume group the volumes go into. Each group gets its own provisioner and node users,
     * whose caps allow only that group's path, its Secrets and its ClientProfile (clusterID).
     */
    subvolumeGroup: string;
    /**
     * The rados namespace of the metadata pool where ceph-csi keeps the group's journal (which
     * subvolume is which volume), and the only one its users may touch there; unset, ceph-csi's
     * default (`csi`), which every group without one shares. The same for every class of a group,
     * and fixed while the group has volumes: ceph-csi finds them through it.
     */
    radosNamespace?: string;
}

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

/** How one tenant (or the stack itself) reaches Ceph: its clusterID, Secrets, user, and what its classes wait for besides. */
interface Access {
    clusterId: string;
    secrets: RbdSecrets;
    client: CephClient;
    extra: pulumi.Resource[];
}

/** What declaring the provisioner gives the rest of the graph. */
interface ProvisionerDeclared {
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

/** The children named per pool or class now, and what the one-class release appended to the instance's name for them. */
type ItemChild = "pool" | "storageClass" | "snapshotClass" | "guard";
const ONE_CLASS_SUFFIX: Record<ItemChild, string> = {
    pool: "-pool",
    storageClass: "-rbd-class",
    snapshotClass: "-rbd-snapshot-class",
    guard: "-guard",
};

/** A pool's guard, or a tenant's in that pool, as the guards are keyed (and named). */
function guardKey(pool: string, tenant: string | undefined): string {
    return tenant === undefined ? pool : `${pool}/${tenant}`;
}

/**
 * The checks a program that builds CephStorage's args itself may not have made (kube-ceph's
 * config makes them, key by key): there is a class (the first is the smoke test's), every class names
 * declared pools (a replicated one for its images) or a declared filesystem, and a name of its own;
 * a subvolume group has one rados namespace, and every clusterID fits ceph-csi's limit.
 */
function checkClasses(name: string, args: CephStorageArgs): void {
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
export class CephStorage extends pulumi.ComponentResource {
    /** The first StorageClass's name. */
    public readonly storageClassName: pulumi.Output<string>;
    /** Every StorageClass's name, in the order given. */
    public readonly storageClassNames: pulumi.Output<string[]>;
    /** The first RBD class's pool; undefined for an instance of CephFS classes only. */
    public readonly poolName: pulumi.Output<string | undefined>;
    /** Whether kube-ceph created the first RBD class's pool or adopted it. */
    public readonly poolOrigin: pulumi.Output<string | undefined>;
    /** For every pool, whether kube-ceph created it or adopted it. */
    public readonly poolOrigins: pulumi.Output<Record<string, string>>;
    /** For every CephFS filesystem, whether kube-ceph created it or adopted it. */
    public readonly filesystemOrigins: pulumi.Output<Record<string, string>>;
    /** The RBD Ceph user, `client.<name>`: the provisioner's, and the node plugin's too unless it has its own; undefined without RBD classes. */
    public readonly cephUser: pulumi.Output<string | undefined>;
    /** The RBD node plugin's own Ceph user, `client.<name>-rbd-node`, with separateNodeUsers; else undefined. */
    public readonly cephNodeUser: pulumi.Output<string | undefined>;
    /** Namespace of the Secrets the StorageClass names. */
    public readonly secretsNamespace: pulumi.Output<string>;
    /** The smoke test's result, or why there is none. */
    public readonly smokeTestResult: pulumi.Output<string>;
    /** How ceph-csi-operator's install.yaml was declared, once installed; undefined unless this instance installs the operator. */
    public readonly operatorInstallForm: pulumi.Output<OperatorInstallForm> | undefined;
    /** The clusterID the class and its provisioner use. */
    public readonly clusterId: string;
    /** What a SharedInstall waits for: the provisioner, and the operator's Driver when there is one. */
    public readonly provisionerReady: pulumi.Resource[];

    constructor(name: string, args: CephStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:index:CephStorage", name, {}, opts);
        checkClasses(name, args);
        // The reads that decide whether destroy is safe must go where the resources go.
        if (this.getProvider("kubernetes::") !== undefined && args.kubeconfig === undefined) {
            throw new Error(
                `CephStorage ${name} was given a kubernetes provider but no kubeconfig: kube-ceph's own reads (the VolumeGuard that keeps destroy from deleting what volumes use, ` +
                    "the smoke test's and the operator's checks) would go to the default kubeconfig's current context, which may be another cluster. " +
                    "Pass the provider's kubeconfig as args.kubeconfig, pinned to its context with pinnedKubeconfig({ kubeconfig, context }).",
            );
        }
        const rbdSpecs = args.storageClasses.filter((c): c is RbdClassSpec => !isCephfsClass(c));
        const cephfsSpecs = args.storageClasses.filter(isCephfsClass);
        const previous = (child: CephStorageChild): pulumi.Alias[] =>
            (args.previousNames?.[child] ?? []).map((old) => ({ name: old, parent: pulumi.rootStackResource }));
        const child = (key: CephStorageChild, extra: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions =>
            ({ ...extra, parent: this, aliases: previous(key) });
        // A pool's or a class's own child: the one-class release's pool and class keep their names.
        const renamed = (key: ItemChild): pulumi.Alias[] =>
            args.oneClass?.renamedFrom !== undefined && (key === "pool" || key === "guard") ? [{ name: `${name}${ONE_CLASS_SUFFIX[key]}-${args.oneClass.renamedFrom}` }] : [];
        const itemChild = (key: ItemChild, oneClassItem: boolean, extra: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions =>
            ({ ...extra, parent: this, aliases: oneClassItem ? [{ name: `${name}${ONE_CLASS_SUFFIX[key]}` }, ...renamed(key), ...previous(key)] : [] });
        this.clusterId = args.clusterId;

        // The Ceph side: the pools, then the user whose caps name them. The user waits for the
        // pools anyway, so all share one SSH lane.
        const lane = args.monHost.lane();
        // A user's key as the cluster holds it now, when the plan knows it, else as its user reads it.
        const keyOf = (user: CephClient, userName: string): pulumi.Input<string> => {
            const known = args.userKeys?.[userName] ?? (userName === args.clientName ? args.clientKey : undefined);
            return known !== undefined ? pulumi.secret(known) : user.key;
        };
        // A user's name and ownership: this stack's own, or adopted with the caps it has now.
        const user = (userName: string) => ({
            name: userName,
            owner: stackOwner(),
            ...(args.adoptedUsers?.[userName] !== undefined ? { adoptedCaps: args.adoptedUsers[userName] } : {}),
        });
        const poolNames = Object.keys(args.pools).sort();
        const pools = new Map(poolNames.map((poolName) => [poolName, new CephPool(`${name}-pool-${poolName}`, {
            connection: lane,
            name: poolName,
            ...args.pools[poolName],
            owner: stackOwner(),
        }, itemChild("pool", poolName === args.oneClass?.pool))]));
        // The RBD users and Secrets only for an instance with RBD classes: a CephFS-only one has
        // its groups' users.
        const hasRbd = rbdSpecs.length > 0;
        const client = hasRbd
            ? new CephClient(`${name}-client`, { connection: lane, ...user(args.clientName), caps: rbdClientCaps(poolNames) }, child("client", { dependsOn: [...pools.values()] }))
            : undefined;

        // The provisioner and the namespace its Secrets go to. Through ceph-csi-operator, the
        // operator is installed first; the ClientProfile (named after the clusterID) and the
        // Driver follow, and the Driver waits until the operator has reconciled both.
        const { kind, namespace, ready, operator, installForm } = this.declareProvisioner(name, args, child, previous("provisioner"));
        this.provisionerReady = ready;

        // The node plugin's own users, with the same pools (and namespace) but no mgr caps, when
        // it has them, in a lane of their own: caps only name pools and namespaces, so the users
        // need not wait for them, and run beside the provisioner's chain (the host's bound holds).
        if (args.separateNodeUsers === true && kind !== "csi") {
            throw new Error(`CephStorage ${name}: separateNodeUsers is for ceph-csi; the ${kind} kind maps images with the one user it names`);
        }
        const nodeLane = args.separateNodeUsers === true && hasRbd ? args.monHost.lane() : lane;
        const nodeUser = (userPools: string[], tenant: string | undefined, dependsOn: pulumi.Resource[]) =>
            args.separateNodeUsers === true
                ? new CephClient(`${name}-rbd-node-client${tenant !== undefined ? `-${tenant}` : ""}`, {
                      connection: nodeLane,
                      ...user(rbdUserName(args.clientName, tenant, "node")),
                      caps: rbdClientCaps(userPools, tenant, "node"),
                  }, { parent: this, dependsOn })
                : undefined;
        const nodeClient = hasRbd ? nodeUser(poolNames, undefined, [...pools.values()]) : undefined;

        // The key as the cluster holds it now when the user exists, else the new user's.
        const secrets = client !== undefined
            ? new RbdSecrets(`${name}-rbd-secrets`, {
                  kind,
                  clientName: client.name,
                  clientKey: keyOf(client, args.clientName),
                  namespace,
                  namePrefix: `ceph-${args.clientName}`,
                  ...(nodeClient !== undefined ? { node: { clientName: nodeClient.name, clientKey: keyOf(nodeClient, rbdUserName(args.clientName, undefined, "node")) } } : {}),
              }, child("secrets", { dependsOn: [client, ...(nodeClient !== undefined ? [nodeClient] : [])] }))
            : undefined;

        // The stack's own access (clusterID = the fsid) and, per tenant (rados namespace), its own:
        // the namespace in each of its pools, a user whose caps allow only that namespace of them,
        // its Secrets, and a ClientProfile that ceph-csi reads the namespace from.
        const access = new Map<string | undefined, Access>(client !== undefined && secrets !== undefined
            ? [[undefined, { clusterId: args.clusterId, secrets, client, extra: nodeClient !== undefined ? [nodeClient] : [] }]]
            : []);
        for (const tenant of [...new Set(rbdSpecs.flatMap((c) => (c.radosNamespace !== undefined ? [c.radosNamespace] : [])))].sort()) {
            if (operator === undefined) {
                throw new Error(`CephStorage ${name}: rados namespace ${tenant} needs ceph-csi installed through ceph-csi-operator in this CephStorage (its ClientProfile carries the namespace)`);
            }
            const tenantClasses = rbdSpecs.filter((c) => c.radosNamespace === tenant);
            const namespaces = [...new Set(tenantClasses.map((c) => c.pool))].sort().map((poolName) => new RbdNamespace(`${name}-rbd-namespace-${poolName}/${tenant}`, {
                connection: lane,
                pool: poolName,
                namespace: tenant,
                deletionPolicy: args.pools[poolName].deletionPolicy,
                owner: stackOwner(),
            }, { parent: this, dependsOn: [pools.get(poolName)!] }));
            const tenantPools = [...new Set(tenantClasses.flatMap((c) => [c.pool, ...(c.dataPool !== undefined ? [c.dataPool] : [])]))].sort();
            const tenantClient = new CephClient(`${name}-client-${tenant}`, {
                connection: lane,
                ...user(rbdUserName(args.clientName, tenant, "provisioner")),
                caps: rbdClientCaps(tenantPools, tenant),
            }, { parent: this, dependsOn: namespaces });
            const tenantNodeClient = nodeUser(tenantPools, tenant, namespaces);
            const tenantSecrets = new RbdSecrets(`${name}-rbd-secrets-${tenant}`, {
                kind,
                clientName: tenantClient.name,
                clientKey: keyOf(tenantClient, rbdUserName(args.clientName, tenant, "provisioner")),
                namespace,
                namePrefix: `ceph-${args.clientName}-${tenant}`,
                ...(tenantNodeClient !== undefined ? { node: { clientName: tenantNodeClient.name, clientKey: keyOf(tenantNodeClient, rbdUserName(args.clientName, tenant, "node")) } } : {}),
            }, { parent: this, dependsOn: [tenantClient, ...(tenantNodeClient !== undefined ? [tenantNodeClient] : [])] });
            const profile = new RbdNamespaceProfile(`${name}-rbd-namespace-profile-${tenant}`, {
                namespace: operator.namespace,
                clusterId: args.clusterId,
                connectionName: operator.connectionName,
                radosNamespace: tenant,
                deleteTimeoutSeconds: operator.timeoutSeconds,
            }, { parent: this, dependsOn: ready });
            access.set(tenant, { clusterId: namespaceClusterId(args.clusterId, tenant), secrets: tenantSecrets, client: tenantClient, extra: [...namespaces, profile, ...(tenantNodeClient !== undefined ? [tenantNodeClient] : [])] });
        }

        // Each StorageClass, and its VolumeSnapshotClass (ceph-csi takes snapshots with the
        // provisioner's Secret).
        const classes = rbdSpecs.map((spec) => {
            const { pool: poolName, radosNamespace, type: _type, ...settings } = spec;
            const oneClass = spec.name === args.oneClass?.storageClass;
            const { clusterId, secrets: classSecrets, client: classClient, extra } = access.get(radosNamespace)!;
            const storageClass = new RbdStorageClass(`${name}-rbd-class-${spec.name}`, {
                kind,
                settings,
                pool: pools.get(poolName)!.name,
                clientName: classClient.name,
                clusterId,
                monitors: args.monitors,
                provisionerSecret: classSecrets.provisioner,
                userSecret: classSecrets.user,
            }, itemChild("storageClass", oneClass, { dependsOn: [classSecrets, ...ready, ...extra, ...(spec.dataPool !== undefined ? [pools.get(spec.dataPool)!] : [])] }));
            if (spec.snapshotClass === true && kind !== "csi") {
                throw new Error(`CephStorage ${name}: only ceph-csi takes snapshots, so the ${kind} kind gets no snapshotClass (class ${spec.name})`);
            }
            const snapshotClass = spec.snapshotClass === true
                ? new RbdSnapshotClass(`${name}-rbd-snapshot-class-${spec.name}`, {
                      name: spec.name,
                      clusterId,
                      snapshotterSecret: classSecrets.provisioner,
                      deletionPolicy: spec.reclaimPolicy,
                  }, itemChild("snapshotClass", oneClass, { dependsOn: [classSecrets, ...ready, ...extra] }))
                : undefined;
            return { spec, storageClass, snapshotClass };
        });

        // A guard per pool that classes put images in, and per tenant in it (a tenant's volumes
        // carry its clusterID): while a PersistentVolume uses the pool, destroy (or removing the
        // pool's last class) stops here, before the classes, Secrets, users, namespaces and pools,
        // which it depends on and which are deleted after it. dependsOn only, and plain names: a
        // delete-first replace of a class must not cascade into it.
        const guards = new Map<string, VolumeGuard>();
        for (const poolName of poolNames) {
            for (const [tenant, { clusterId, secrets: guardedSecrets, client: guardedClient, extra }] of access) {
                const users = classes.filter((c) => c.spec.pool === poolName && c.spec.radosNamespace === tenant);
                if (users.length === 0) {
                    continue;
                }
                const dataPools = users.flatMap((c) => (c.spec.dataPool !== undefined ? [pools.get(c.spec.dataPool)!] : []));
                const key = guardKey(poolName, tenant);
                guards.set(key, new VolumeGuard(`${name}-guard-${key}`, {
                    pool: poolName,
                    clusterId,
                    // Names the PersistentVolumes that do not say their pool: the first class's.
                    storageClassName: users[0].spec.name,
                    kubeconfig: args.kubeconfig,
                }, itemChild("guard", tenant === undefined && poolName === args.oneClass?.pool, {
                    dependsOn: [pools.get(poolName)!, ...dataPools, guardedClient, guardedSecrets, ...extra, ...users.flatMap((c) => (c.snapshotClass ? [c.storageClass, c.snapshotClass] : [c.storageClass]))],
                })));
            }
        }

        // CephFS: the filesystems, then per subvolume group a provisioner and a node user whose caps
        // allow only that group of the filesystems its classes name, the group in each of them,
        // the users' Secrets and the group's ClientProfile; then each class and its guard.
        // They have lanes of their own (the host's bound still holds): a filesystem, and then each
        // group's users and groups, need nothing of the RBD chain, so they run beside it.
        const filesystemNames = Object.keys(args.filesystems ?? {}).sort();
        const filesystemLane = filesystemNames.length > 0 ? args.monHost.lane() : lane;
        const filesystems = new Map(filesystemNames.map((fs) => [fs, new CephfsFilesystem(`${name}-cephfs-${fs}`, {
            connection: filesystemLane,
            name: fs,
            deletionPolicy: args.filesystems![fs].deletionPolicy,
            owner: stackOwner(),
        }, { parent: this })]));
        const cephfsClasses: { spec: CephfsClassSpec; storageClass: CephfsStorageClass; guard: VolumeGuard }[] = [];
        for (const group of [...new Set(cephfsSpecs.map((c) => c.subvolumeGroup))].sort()) {
            if (operator?.cephfsDriver === undefined) {
                throw new Error(`CephStorage ${name}: CephFS classes need ceph-csi installed through ceph-csi-operator in this CephStorage (it runs the CephFS driver)`);
            }
            const groupLane = args.monHost.lane();
            const groupClasses = cephfsSpecs.filter((c) => c.subvolumeGroup === group);
            const groupFilesystems = [...new Set(groupClasses.map((c) => c.filesystem))].sort();
            const groupNamespace = groupClasses[0].radosNamespace;
            // The users first and the groups after them: destroy (or the group's last class leaving)
            // then reaches a group's delete, which refuses while a subvolume is in it, before the
            // users and Secrets that reach the subvolume go. Caps name paths, not the group itself.
            const groupUser = (role: "provisioner" | "node") => new CephClient(`${name}-cephfs-${role}-${group}`, {
                connection: groupLane,
                ...user(cephfsUserName(args.clientName, group, role)),
                caps: cephfsClientCaps(role, groupFilesystems, group, groupNamespace),
            }, { parent: this });
            const provisionerUser = groupUser("provisioner");
            const nodeUser = groupUser("node");
            const groups = groupFilesystems.map((fs) => new CephfsSubvolumeGroup(`${name}-cephfs-group-${fs}/${group}`, {
                connection: groupLane,
                filesystem: fs,
                group,
                deletionPolicy: args.filesystems![fs].deletionPolicy,
                owner: stackOwner(),
            }, { parent: this, dependsOn: [filesystems.get(fs)!, provisionerUser, nodeUser] }));
            const groupSecrets = new CephfsSecrets(`${name}-cephfs-secrets-${group}`, {
                provisioner: { name: provisionerUser.name, key: keyOf(provisionerUser, cephfsUserName(args.clientName, group, "provisioner")) },
                node: { name: nodeUser.name, key: keyOf(nodeUser, cephfsUserName(args.clientName, group, "node")) },
                namespace,
                namePrefix: `ceph-${args.clientName}-${group}`,
            }, { parent: this, dependsOn: [provisionerUser, nodeUser, ...groups] });
            const profile = new CephfsGroupProfile(`${name}-cephfs-group-profile-${group}`, {
                namespace: operator.namespace,
                clusterId: args.clusterId,
                connectionName: operator.connectionName,
                subvolumeGroup: group,
                ...(groupNamespace !== undefined ? { radosNamespace: groupNamespace } : {}),
                deleteTimeoutSeconds: operator.timeoutSeconds,
            }, { parent: this, dependsOn: ready });
            for (const spec of groupClasses) {
                const { filesystem, subvolumeGroup: _group, radosNamespace: _namespace, type: _type, snapshotClass: _snapshots, ...settings } = spec;
                const storageClass = new CephfsStorageClass(`${name}-cephfs-class-${spec.name}`, {
                    settings,
                    filesystem: filesystems.get(filesystem)!.name,
                    clusterId: subvolumeGroupClusterId(args.clusterId, group),
                    provisionerSecret: groupSecrets.provisioner,
                    nodeSecret: groupSecrets.node,
                }, { parent: this, dependsOn: [groupSecrets, profile, operator.cephfsDriver, ...ready, ...groups] });
                // Its VolumeSnapshotClass: ceph-csi snapshots a subvolume with the provisioner's Secret.
                const snapshotClass = spec.snapshotClass === true
                    ? new CephfsSnapshotClass(`${name}-cephfs-snapshot-class-${spec.name}`, {
                          name: spec.name,
                          clusterId: subvolumeGroupClusterId(args.clusterId, group),
                          snapshotterSecret: groupSecrets.provisioner,
                          deletionPolicy: spec.reclaimPolicy,
                      }, { parent: this, dependsOn: [groupSecrets, profile, operator.cephfsDriver, ...ready] })
                    : undefined;
                // A guard per class: its volumes are the PersistentVolumes of the class (a CephFS
                // volume names its filesystem, not a pool), and destroy stops here while one is left.
                const guard = new VolumeGuard(`${name}-cephfs-guard-${spec.name}`, {
                    pool: filesystem,
                    clusterId: subvolumeGroupClusterId(args.clusterId, group),
                    storageClassName: spec.name,
                    kubeconfig: args.kubeconfig,
                }, { parent: this, dependsOn: [filesystems.get(filesystem)!, ...groups, provisionerUser, nodeUser, groupSecrets, profile, storageClass, ...(snapshotClass ? [snapshotClass] : [])] });
                cephfsClasses.push({ spec, storageClass, guard });
            }
        }

        // The smoke test of the first class depends on its guard so that destroy deletes it first:
        // the guard then waits for its volume to go instead of refusing it. It names the class by
        // its plain name and waits for it through dependsOn, so a replaced class (delete-first)
        // does not replace the claim too.
        const firstSpec = args.storageClasses[0];
        const first = isCephfsClass(firstSpec)
            ? cephfsClasses.find((c) => c.spec.name === firstSpec.name)!
            : (({ spec, storageClass }) => ({ spec, storageClass, guard: guards.get(guardKey(spec.pool, spec.radosNamespace))! }))(classes[0]);
        const smokeTest = args.smokeTest !== undefined
            ? new SmokeTest(`${name}-smoke-test`, {
                  ...args.smokeTest,
                  storageClassName: first.spec.name,
                  kubeconfig: args.kubeconfig,
              }, child("smokeTest", { dependsOn: [first.storageClass, ...ready, first.guard] }))
            : undefined;

        this.storageClassName = first.storageClass.name;
        // In the order given, RBD and CephFS alike.
        const classNames = new Map<string, pulumi.Output<string>>([...classes, ...cephfsClasses].map((c) => [c.spec.name, c.storageClass.name]));
        this.storageClassNames = pulumi.all(args.storageClasses.map((spec) => classNames.get(spec.name)!));
        // The first RBD class's pool (none for a CephFS-only instance).
        const firstPool = rbdSpecs.length > 0 ? pools.get(rbdSpecs[0].pool)! : undefined;
        this.poolName = firstPool?.name ?? pulumi.output(undefined);
        this.poolOrigin = firstPool?.origin ?? pulumi.output(undefined);
        this.poolOrigins = pulumi.all(Object.fromEntries(poolNames.map((poolName) => [poolName, pools.get(poolName)!.origin])));
        this.filesystemOrigins = pulumi.all(Object.fromEntries(filesystemNames.map((fs) => [fs, filesystems.get(fs)!.origin])));
        this.cephUser = client !== undefined ? pulumi.interpolate`client.${client.name}` : pulumi.output(undefined);
        this.cephNodeUser = nodeClient !== undefined ? pulumi.interpolate`client.${nodeClient.name}` : pulumi.output(undefined);
        this.secretsNamespace = namespace;
        this.smokeTestResult = smokeTest?.result ?? pulumi.output("disabled");
        this.operatorInstallForm = installForm;
        this.registerOutputs({
            storageClassName: this.storageClassName,
            storageClassNames: this.storageClassNames,
            poolName: this.poolName,
            poolOrigin: this.poolOrigin,
            poolOrigins: this.poolOrigins,
            filesystemOrigins: this.filesystemOrigins,
            cephUser: this.cephUser,
            cephNodeUser: this.cephNodeUser,
            secretsNamespace: this.secretsNamespace,
            smokeTestResult: this.smokeTestResult,
            clusterId: this.clusterId,
            ...(installForm !== undefined ? { operatorInstallForm: installForm } : {}),
        });
    }

    /** Declares the provisioner; returns the kind the class names, the Secrets' namespace and what the class waits for. */
    private declareProvisioner(
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
                    : { namespace: ownedNamespace(csiName, settings.namespace, this), operatorNamespace: pulumi.output(settings.operatorNamespace) };
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
                          takesOverCsiDriver: settings.install === "operator" ? [csiDriverUrn(csiName, this), ...previousAliases.map((alias) => csiDriverUrn(alias.name as string))] : [],
                      }, child("driver", { dependsOn: installed }))
                    : undefined;
                // The CephFS driver only for an instance with CephFS classes: it runs its own pods.
                const cephfsDriver = args.storageClasses.some(isCephfsClass)
                    ? new CephfsDriver(`${name}-cephfs-driver`, driverArgs, { parent: this, dependsOn: installed })
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
}
