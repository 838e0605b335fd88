// The whole graph from a Ceph cluster to a verified StorageClass, as one component that any
// Pulumi TypeScript program can declare: the pool, then the least-privilege user whose caps
// name it; the provisioner (through ceph-csi-operator: the operator, the ClientProfile, the
// Driver and the wait for the operator to reconcile them); the Secrets built from the real
// key; the StorageClass; the guard that keeps what volumes need on destroy; the smoke test.
// It takes plain, checked values: reading config, the live reads and preflight are the
// program's job (index.ts), done before anything is declared.
import * as pulumi from "@pulumi/pulumi";
import type { ImageKey } from "./config";
import { CephClient } from "./ceph-client";
import { CephClientProfile } from "./ceph-client-profile";
import { CephCsi, csiDriverUrn } from "./ceph-csi";
import { CephCsiOperator, OperatorManifest } from "./ceph-csi-operator";
import { CephPool, stackOwner } from "./ceph-pool";
import { InTreeRbd } from "./in-tree-rbd";
import type { MonConnection } from "./mon-connection";
import { RbdDriver } from "./rbd-driver";
import { RbdProvisioner } from "./rbd-provisioner";
import { RbdSecrets } from "./rbd-secrets";
import { RbdSnapshotClass } from "./rbd-snapshot-class";
import { RbdStorageClass, RbdStorageClassSettings } from "./rbd-storage-class";
import { SmokeTest, SmokeTestArgs } from "./smoke-test";
import { VolumeGuard } from "./volume-guard";

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
export type CephStorageProvisioner = OperatorInstall | ManifestsInstall | ExternalInstall | InTreeInstall | SharedInstall;

/** The RBD pool the class's images go into. */
export interface RbdPoolSettings {
    /** The pool's name. */
    name: string;
    /** Placement groups (a power of two); unset leaves them to the autoscaler. */
    pgNum?: number;
    /** Replica count; unset keeps the cluster's default. */
    replicas?: number;
    /** What destroy does with the pool: keep it, or delete it (never while it holds images). */
    deletionPolicy: "retain" | "delete";
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
    /** The RBD pool. */
    pool: RbdPoolSettings;
    /** The Ceph user ceph-csi logs in as, without the `client.` prefix; its caps name only the pool. */
    clientName: string;
    /**
     * The user's key as the cluster holds it now, when the user exists (a secret). Read while the
     * plan is made, it lets a change of the user's command leave the Secrets as they are in the
     * preview; without it the key comes from the user once it is made.
     */
    clientKey?: pulumi.Input<string>;
    /** The StorageClass. */
    storageClass: RbdStorageClassSettings;
    /** How the provisioner is installed. */
    provisioner: CephStorageProvisioner;
    /** The smoke test; none when unset. */
    smokeTest?: SmokeTestSettings;
    /** The kubeconfig of kube-ceph's own Kubernetes reads, when not the default one. */
    kubeconfig?: string;
    /**
     * Names these children had at the top level of the stack, newest first, in a program that
     * declared them before it used CephStorage: they become aliases, so upgrading replaces nothing.
     */
    previousNames?: Partial<Record<CephStorageChild, string[]>>;
}

/** A verified RBD StorageClass on an external Ceph cluster, with everything it needs on both sides. */
export class CephStorage extends pulumi.ComponentResource {
    /** The StorageClass's name. */
    public readonly storageClassName: pulumi.Output<string>;
    /** The pool's name. */
    public readonly poolName: pulumi.Output<string>;
    /** Whether kube-ceph created the pool or adopted it. */
    public readonly poolOrigin: pulumi.Output<string>;
    /** The Ceph user, `client.<name>`. */
    public readonly cephUser: pulumi.Output<string>;
    /** Namespace of the Secrets the StorageClass names. */
    public readonly secretsNamespace: pulumi.Output<string>;
    /** The smoke test's result, or why there is none. */
    public readonly smokeTestResult: pulumi.Output<string>;
    /** The clusterID the class and its provisioner use. */
    public readonly clusterId: string;
    /** What a SharedInstall waits for: the provisioner, and the operator's Driver when there is one. */
    public readonly provisionerReady: pulumi.Resource[];

    constructor(name: string, args: CephStorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:index:CephStorage", name, {}, opts);
        const previous = (child: CephStorageChild): pulumi.Alias[] =>
            (args.previousNames?.[child] ?? []).map((old) => ({ name: old, parent: pulumi.rootStackResource }));
        const child = (key: CephStorageChild, extra: pulumi.ComponentResourceOptions = {}): pulumi.ComponentResourceOptions =>
            ({ ...extra, parent: this, aliases: previous(key) });
        this.clusterId = args.clusterId;

        // The Ceph side: the pool, then the user whose caps name it. The user waits for the pool
        // anyway, so both share one SSH lane.
        const lane = args.monHost.lane();
        const pool = new CephPool(`${name}-pool`, {
            connection: lane,
            name: args.pool.name,
            pgNum: args.pool.pgNum,
            replicas: args.pool.replicas,
            deletionPolicy: args.pool.deletionPolicy,
            owner: stackOwner(),
        }, child("pool"));
        const client = new CephClient(`${name}-client`, { connection: lane, name: args.clientName, pool: args.pool.name }, child("client", { dependsOn: [pool] }));

        // The provisioner and the namespace its Secrets go to. Through ceph-csi-operator, the
        // operator is installed first; the ClientProfile (named after the clusterID) and the
        // Driver follow, and the Driver waits until the operator has reconciled both.
        const { kind, namespace, ready } = this.declareProvisioner(name, args, child, previous("provisioner"));
        this.provisionerReady = ready;

        // The key as the cluster holds it now when the user exists, else the new user's.
        const secrets = new RbdSecrets(`${name}-rbd-secrets`, {
            kind,
            clientName: client.name,
            clientKey: args.clientKey ?? client.key,
            namespace,
            namePrefix: `ceph-${args.clientName}`,
        }, child("secrets", { dependsOn: [client] }));
        const storageClass = new RbdStorageClass(`${name}-rbd-class`, {
            kind,
            settings: args.storageClass,
            pool: pool.name,
            clientName: client.name,
            clusterId: args.clusterId,
            monitors: args.monitors,
            provisionerSecret: secrets.provisioner,
            userSecret: secrets.user,
        }, child("storageClass", { dependsOn: [secrets, ...ready] }));

        // Snapshots of the class's volumes, taken by ceph-csi with the provisioner's Secret.
        let snapshotClass: RbdSnapshotClass | undefined;
        if (args.storageClass.snapshotClass === true) {
            if (kind !== "csi") {
                throw new Error(`CephStorage ${name}: only ceph-csi takes snapshots, so the ${kind} kind gets no snapshotClass`);
            }
            snapshotClass = new RbdSnapshotClass(`${name}-rbd-snapshot-class`, {
                name: args.storageClass.name,
                clusterId: args.clusterId,
                snapshotterSecret: secrets.provisioner,
                deletionPolicy: args.storageClass.reclaimPolicy,
            }, child("snapshotClass", { dependsOn: [secrets, ...ready] }));
        }

        // The guard: while a PersistentVolume uses the pool, destroy stops here, before the class,
        // Secrets, user and pool, which it depends on and which are deleted after it. dependsOn
        // only, and plain names: a delete-first replace of the class must not cascade into it.
        const guard = new VolumeGuard(`${name}-guard`, {
            pool: args.pool.name,
            clusterId: args.clusterId,
            storageClassName: args.storageClass.name,
            kubeconfig: args.kubeconfig,
        }, child("guard", { dependsOn: [pool, client, secrets, storageClass, ...(snapshotClass ? [snapshotClass] : [])] }));

        // The smoke test depends on the guard so that destroy deletes it first: the guard then waits
        // for its volume to go instead of refusing it. It names the class by its plain name and waits
        // for it through dependsOn, so a replaced class (delete-first) does not replace the claim too.
        const smokeTest = args.smokeTest !== undefined
            ? new SmokeTest(`${name}-smoke-test`, {
                  ...args.smokeTest,
                  storageClassName: args.storageClass.name,
                  kubeconfig: args.kubeconfig,
              }, child("smokeTest", { dependsOn: [storageClass, ...ready, guard] }))
            : undefined;

        this.storageClassName = storageClass.name;
        this.poolName = pool.name;
        this.poolOrigin = pool.origin;
        this.cephUser = pulumi.interpolate`client.${client.name}`;
        this.secretsNamespace = namespace;
        this.smokeTestResult = smokeTest?.result ?? pulumi.output("disabled");
        this.registerOutputs({
            storageClassName: this.storageClassName,
            poolName: this.poolName,
            poolOrigin: this.poolOrigin,
            cephUser: this.cephUser,
            secretsNamespace: this.secretsNamespace,
            smokeTestResult: this.smokeTestResult,
            clusterId: this.clusterId,
        });
    }

    /** Declares the provisioner; returns the kind the class names, the Secrets' namespace and what the class waits for. */
    private declareProvisioner(
        name: string,
        args: CephStorageArgs,
        child: (key: CephStorageChild, extra?: pulumi.ComponentResourceOptions) => pulumi.ComponentResourceOptions,
        previousAliases: pulumi.Alias[],
    ): { kind: "csi" | "external" | "in-tree"; namespace: pulumi.Output<string>; ready: pulumi.Resource[] } {
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
            case "operator": {
                const operator = new CephCsiOperator(csiName, {
                    secretsNamespace: settings.namespace,
                    manifest: settings.manifest,
                    image: settings.images.cephCsiOperator!,
                    awaitRollout: settings.awaitRollout,
                }, child("provisioner"));
                const profile = new CephClientProfile(`${name}-ceph-csi-profile`, {
                    namespace: operator.operatorNamespace,
                    clusterId: args.clusterId,
                    monitors: args.monitors,
                    deleteTimeoutSeconds: settings.timeoutSeconds,
                }, child("profile", { dependsOn: [operator] }));
                const driver = new RbdDriver(`${name}-rbd-driver`, {
                    namespace: operator.operatorNamespace,
                    images: settings.images,
                    logVerbosity: settings.logVerbosity,
                    clusterId: profile.name,
                    awaitRollout: settings.awaitRollout,
                    timeoutSeconds: settings.timeoutSeconds,
                    kubeconfig: args.kubeconfig,
                    // The CSIDriver a manifests install of this stack declared, here or at the top level before.
                    takesOverCsiDriver: [csiDriverUrn(csiName, this), ...previousAliases.map((alias) => csiDriverUrn(alias.name as string))],
                }, child("driver", { dependsOn: [operator] }));
                return { kind: "csi", namespace: operator.namespace, ready: [operator, driver] };
            }
        }
    }
}
