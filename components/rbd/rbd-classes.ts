// What an RBD class of CephStorage needs past its pools and the stack's own user, and the class
// itself: the node plugin's users, the Secrets, each tenant's rados namespace, user, Secrets and
// ClientProfile, then each StorageClass, its VolumeSnapshotClass, and a guard per pool (and per
// tenant in it). CephStorage declares them as its own children, under the names its earlier
// releases gave them, so this is a function of the composition rather than a component.
import * as pulumi from "@pulumi/pulumi";
import { CephClient, CephPool, CephUserIdentity, ErasureCoding, MonConnection, MonLane, rbdClientCaps, stackOwner } from "../ceph";
import { namespaceClusterId, rbdUserName } from "../config";
import { VolumeGuard } from "../kubernetes";
import { RbdNamespace } from "./rbd-namespace";
import { RbdNamespaceProfile } from "./rbd-namespace-profile";
import { RbdSecrets } from "./rbd-secrets";
import { RbdSnapshotClass } from "./rbd-snapshot-class";
import { RbdStorageClass, RbdStorageClassSettings } from "./rbd-storage-class";

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

/** How one tenant (or the stack itself) reaches Ceph: its clusterID, Secrets, user, and what its classes wait for besides. */
interface Access {
    clusterId: string;
    secrets: RbdSecrets;
    client: CephClient;
    extra: pulumi.Resource[];
}


/** What the ceph-csi install gives an RBD class: set only through ceph-csi-operator. */
export interface OperatorPlacement {
    /** Where a tenant's ClientProfile goes. */
    namespace: pulumi.Output<string>;
    /** The CephConnection the profiles share. */
    connectionName: pulumi.Output<string>;
    /** How long a ClientProfile's delete waits for the operator. */
    timeoutSeconds: number;
}

/** Declaring the RBD classes of a CephStorage: what it has declared before them, and its args. */
export interface RbdClassesArgs {
    /** The CephStorage's name: every child's name starts with it. */
    name: string;
    /** The CephStorage: every child's parent. */
    parent: pulumi.Resource;
    /** The RBD classes, in the order given. */
    specs: RbdClassSpec[];
    /** The CephStorage's args these children read. */
    storage: {
        clientName: string;
        clusterId: string;
        monitors: string[];
        pools: Record<string, CephPoolSpec>;
        monHost: MonConnection;
        separateNodeUsers?: boolean;
        kubeconfig?: pulumi.Input<string>;
        oneClass?: { pool: string; storageClass: string };
    };
    /** Every pool, by name, and the names sorted. */
    pools: Map<string, CephPool>;
    poolNames: string[];
    /** The stack's own RBD user. */
    client: CephClient;
    /** The lane of the Ceph side's chain: pools, users. */
    lane: MonLane;
    /** The provisioner's kind, the Secrets' namespace and what the classes wait for. */
    kind: "csi" | "external" | "in-tree";
    namespace: pulumi.Output<string>;
    ready: pulumi.Resource[];
    /** Through ceph-csi-operator only: where tenants' ClientProfiles go. */
    operator?: OperatorPlacement;
    /** A user's name and ownership. */
    user: (userName: string) => CephUserIdentity;
    /** A user's key: as the cluster holds it now when the plan knows it, else as the user reads it. */
    keyOf: (user: CephClient, userName: string) => pulumi.Input<string>;
    /** The options of a child whose earlier names are the instance's (the Secrets). */
    child: (key: "secrets", extra?: pulumi.ComponentResourceOptions) => pulumi.ComponentResourceOptions;
    /** A pool's or class's options: the one-class release's names as aliases. */
    itemChild: (key: "storageClass" | "snapshotClass" | "guard", oneClassItem: boolean, extra?: pulumi.ComponentResourceOptions) => pulumi.ComponentResourceOptions;
}

/** The RBD classes declared, and what the rest of the composition reads of them. */
export interface RbdClasses {
    classes: { spec: RbdClassSpec; storageClass: RbdStorageClass; snapshotClass?: RbdSnapshotClass }[];
    /** The guard of a class's pool (and tenant). */
    guardOf: (spec: RbdClassSpec) => VolumeGuard;
    /** The RBD node plugin's own user, with separateNodeUsers. */
    nodeClient?: CephClient;
}

/** A pool's guard, or a tenant's in that pool, as the guards are keyed (and named). */
function guardKey(pool: string, tenant: string | undefined): string {
    return tenant === undefined ? pool : `${pool}/${tenant}`;
}

/** Declares the RBD classes and what they need, as children of `a.parent`. */
export function declareRbdClasses(a: RbdClassesArgs): RbdClasses {
    const { name, kind, namespace, ready, operator, lane, pools, poolNames, client, user, keyOf, child, itemChild } = a;
    const args = a.storage;
    const rbdSpecs = a.specs;
    // The node plugin's own users, with the same pools (and namespace) but no mgr caps, when
    // it has them, in a lane of their own: caps only name pools and namespaces, so the users
    // need not wait for them, and run beside the provisioner's chain (the host's bound holds).
    const nodeLane = args.separateNodeUsers === true ? args.monHost.lane() : lane;
    const nodeUser = (userPools: string[], tenant: string | undefined, dependsOn: pulumi.Resource[]) =>
        args.separateNodeUsers === true
            ? new CephClient(`${name}-rbd-node-client${tenant !== undefined ? `-${tenant}` : ""}`, {
                  connection: nodeLane,
                  ...user(rbdUserName(args.clientName, tenant, "node")),
                  caps: rbdClientCaps(userPools, tenant, "node"),
              }, { parent: a.parent, dependsOn })
            : undefined;
    const nodeClient = nodeUser(poolNames, undefined, [...pools.values()]);

    // The key as the cluster holds it now when the user exists, else the new user's.
    const secrets = new RbdSecrets(`${name}-rbd-secrets`, {
        kind,
        clientName: client.name,
        clientKey: keyOf(client, args.clientName),
        namespace,
        namePrefix: `ceph-${args.clientName}`,
        ...(nodeClient !== undefined ? { node: { clientName: nodeClient.name, clientKey: keyOf(nodeClient, rbdUserName(args.clientName, undefined, "node")) } } : {}),
    }, child("secrets", { dependsOn: [client, ...(nodeClient !== undefined ? [nodeClient] : [])] }));

    // The stack's own access (clusterID = the fsid) and, per tenant (rados namespace), its own:
    // the namespace in each of its pools, a user whose caps allow only that namespace of them,
    // its Secrets, and a ClientProfile that ceph-csi reads the namespace from.
    const access = new Map<string | undefined, Access>([[undefined, { clusterId: args.clusterId, secrets, client, extra: nodeClient !== undefined ? [nodeClient] : [] }]]);
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
        }, { parent: a.parent, dependsOn: [pools.get(poolName)!] }));
        const tenantPools = [...new Set(tenantClasses.flatMap((c) => [c.pool, ...(c.dataPool !== undefined ? [c.dataPool] : [])]))].sort();
        const tenantClient = new CephClient(`${name}-client-${tenant}`, {
            connection: lane,
            ...user(rbdUserName(args.clientName, tenant, "provisioner")),
            caps: rbdClientCaps(tenantPools, tenant),
        }, { parent: a.parent, dependsOn: namespaces });
        const tenantNodeClient = nodeUser(tenantPools, tenant, namespaces);
        const tenantSecrets = new RbdSecrets(`${name}-rbd-secrets-${tenant}`, {
            kind,
            clientName: tenantClient.name,
            clientKey: keyOf(tenantClient, rbdUserName(args.clientName, tenant, "provisioner")),
            namespace,
            namePrefix: `ceph-${args.clientName}-${tenant}`,
            ...(tenantNodeClient !== undefined ? { node: { clientName: tenantNodeClient.name, clientKey: keyOf(tenantNodeClient, rbdUserName(args.clientName, tenant, "node")) } } : {}),
        }, { parent: a.parent, dependsOn: [tenantClient, ...(tenantNodeClient !== undefined ? [tenantNodeClient] : [])] });
        const profile = new RbdNamespaceProfile(`${name}-rbd-namespace-profile-${tenant}`, {
            namespace: operator.namespace,
            clusterId: args.clusterId,
            connectionName: operator.connectionName,
            radosNamespace: tenant,
            deleteTimeoutSeconds: operator.timeoutSeconds,
        }, { parent: a.parent, dependsOn: ready });
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

    return { classes, guardOf: (spec) => guards.get(guardKey(spec.pool, spec.radosNamespace))!, nodeClient };
}
