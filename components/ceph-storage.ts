// The whole graph from a Ceph cluster to a verified StorageClass, as one component that any
// Pulumi TypeScript program can declare: the pool, then the least-privilege user whose caps
// name it; the provisioner (through ceph-csi-operator: the operator, the ClientProfile, the
// Driver and the wait for the operator to reconcile them); the Secrets built from the real
// key; the StorageClass; the guard that keeps what volumes need on destroy; the smoke test.
// It takes plain, checked values: reading config, the live reads and preflight are the
// program's job (index.ts), done before anything is declared.
import * as pulumi from "@pulumi/pulumi";
import { CephClient, CephPool, rbdClientCaps, stackOwner } from "./ceph";
import { CephStorageArgs, CephStorageChild, checkClasses, isCephfsClass, RbdClassSpec } from "./ceph-storage-args";
import { declareProvisioner } from "./ceph-storage-provisioner";
import { declareCephfsClasses } from "./cephfs";
import type { OperatorInstallForm } from "./csi";
import { SmokeTest } from "./kubernetes";
import { declareRbdClasses } from "./rbd";


/** The children named per pool or class now, and what the one-class release appended to the instance's name for them. */
type ItemChild = "pool" | "storageClass" | "snapshotClass" | "guard";
const ONE_CLASS_SUFFIX: Record<ItemChild, string> = {
    pool: "-pool",
    storageClass: "-rbd-class",
    snapshotClass: "-rbd-snapshot-class",
    guard: "-guard",
};

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
        const { kind, namespace, ready, operator, installForm } = declareProvisioner(this, name, args, child, previous("provisioner"));
        this.provisionerReady = ready;
        if (args.separateNodeUsers === true && kind !== "csi") {
            throw new Error(`CephStorage ${name}: separateNodeUsers is for ceph-csi; the ${kind} kind maps images with the one user it names`);
        }

        // The RBD classes: the node plugin's users, the Secrets, each tenant's own access, the
        // classes and a guard per pool (and tenant in it).
        const rbd = client !== undefined
            ? declareRbdClasses({ name, parent: this, specs: rbdSpecs, storage: args, pools, poolNames, client, lane, kind, namespace, ready, operator, user, keyOf, child, itemChild })
            : undefined;
        const classes = rbd?.classes ?? [];
        const nodeClient = rbd?.nodeClient;

        // CephFS: the filesystems, each subvolume group's users, groups, Secrets and ClientProfile,
        // the classes and their guards, in lanes of their own beside the RBD chain.
        const { filesystemNames, filesystems, classes: cephfsClasses } = declareCephfsClasses({ name, parent: this, specs: cephfsSpecs, storage: args, lane, namespace, ready, operator, user, keyOf });

        // The smoke test of the first class depends on its guard so that destroy deletes it first:
        // the guard then waits for its volume to go instead of refusing it. It names the class by
        // its plain name and waits for it through dependsOn, so a replaced class (delete-first)
        // does not replace the claim too.
        const firstSpec = args.storageClasses[0];
        const first = isCephfsClass(firstSpec)
            ? cephfsClasses.find((c) => c.spec.name === firstSpec.name)!
            : (({ spec, storageClass }) => ({ spec, storageClass, guard: rbd!.guardOf(spec) }))(classes[0]);
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
}
