// kube-ceph: from a healthy Ceph cluster and a Kubernetes cluster to a verified RBD
// StorageClass. Read top to bottom, this file is the program:
//   config -> live reads and preflight -> the guards on this stack's history -> CephStorage,
// the component that declares the graph (components/ceph-storage.ts): pool -> user ->
// provisioner -> Secrets -> StorageClass -> the guard that keeps what volumes need -> smoke test.
import * as pulumi from "@pulumi/pulumi";
import { MonConnection, stackOwner } from "./components/ceph";
import { CephStorage } from "./components/ceph-storage";
import { PREVIOUS_NAMES, provisionerInstall } from "./components/ceph-storage-config";
import { rbdUserName, readStackConfig } from "./components/config";
import { OPERATOR_MANIFEST_URL, OperatorManifest, readOperatorManifest, smokeTestImage } from "./components/csi";
import { pinnedKubeconfig } from "./components/kubernetes";
import {
    CEPH_USERS_OUTPUT,
    CephReading,
    clientMonitorAddresses,
    CSI_INSTALL_OUTPUT,
    KubernetesReading,
    LiveReader,
    liveReader,
    monitorsFromConfig,
    NODE_USER_OUTPUT,
    OPERATOR_INSTALL_OUTPUT,
    POOL_OUTPUT,
    POOLS_OUTPUT,
    PROVISIONER_KIND_OUTPUT,
    readLiveState,
    STORAGE_CLASS_OUTPUT,
    STORAGE_CLASSES_OUTPUT,
} from "./components/live";
import { checkPoolsLeaving, checkStackHistory, checkUserOwnership, HistoryDecisions, PreflightError, preflightChecks, stackUsers, UserOwnership } from "./components/preflight";
import { redactDebugLog, staleBuildMessage, staleSources } from "./components/program";

// Before anything talks to the engine: its debug log never gets a secret from an RPC payload.
redactDebugLog();

/** A refused preflight as the run's error: its own words, or what failed to read the cluster. */
function preflightFailure(error: unknown): pulumi.RunError {
    return error instanceof PreflightError ? new pulumi.RunError(error.message) : new pulumi.RunError(`kube-ceph preflight: ${(error as Error).message}`);
}

/**
 * The kubeconfig of kube-ceph's own reads and dynamic providers: the cluster the kubernetes
 * provider writes to, by the same `kubernetes:*` keys (kubeconfig, context, cluster).
 */
function kubernetesTarget(): string | undefined {
    const k8sConfig = new pulumi.Config("kubernetes");
    try {
        return pinnedKubeconfig({ kubeconfig: k8sConfig.get("kubeconfig"), context: k8sConfig.get("context"), cluster: k8sConfig.get("cluster") });
    } catch (error) {
        throw new pulumi.RunError((error as Error).message);
    }
}

/** The program; the tests run it with a fake reader in place of the live one. */
export = async (reader: LiveReader = liveReader) => {
    // 0. Pulumi runs the compiled bin/index.js: a source edited since the build would not run.
    const stale = staleSources(__filename);
    if (stale.length > 0) {
        throw new pulumi.RunError(staleBuildMessage(stale));
    }
    // 1. Configuration: every key checked before anything is read or declared.
    const { config, sshPrivateKey } = readStackConfig();
    const privateKey = pulumi.secret(sshPrivateKey);
    if (config.preflight.health === "off") {
        pulumi.log.warn("kube-ceph:preflight.health is off: the Ceph cluster's health is not checked before changes.");
    }
    if (config.preflight.kernels === "off") {
        pulumi.log.warn("kube-ceph:preflight.kernels is off: nodes whose kernels cannot map these images will fail at mount time.");
    }
    for (const host of config.ceph.hosts.filter((h) => h.hostKey === undefined)) {
        pulumi.log.warn(`kube-ceph:ceph.hosts: ${host.host} has no hostKey, so any key it presents is accepted; pin it with: ssh-keyscan -p ${host.port} -t ed25519 ${host.host}`);
    }
    const kubeconfig = kubernetesTarget();

    // 2. Live reads and preflight: the cluster as it is now, refused before any change; and
    // ceph-csi-operator's install manifest, when it installs ceph-csi.
    const viaOperator = config.provisioner.kind === "csi" && config.provisioner.install === "operator";
    // The stack's own last outputs (step 3 uses them), read from the backend while the live reads
    // wait on the network. Handled here too, so a refusal below is not reported as its rejection.
    const previousRead = reader.readPrevious();
    previousRead.catch(() => undefined);
    let live: { ceph?: CephReading; kubernetes: KubernetesReading };
    let operatorManifest: OperatorManifest | undefined;
    try {
        [live, operatorManifest] = await Promise.all([
            readLiveState(reader, config, sshPrivateKey, kubeconfig),
            viaOperator ? readOperatorManifest(config.provisioner.operator.manifest ?? OPERATOR_MANIFEST_URL) : Promise.resolve(undefined),
        ]);
        preflightChecks(config, live, operatorManifest, (warning) => pulumi.log.warn(warning));
    } catch (error) {
        throw preflightFailure(error);
    }
    const previous = await previousRead;
    const previousPool = previous.pool;
    // A pool that leaves the many-class form's map loses its place in the user's caps at once: not
    // while it holds data. (A second, rare round trip: only when the map lost a pool.)
    const leaving = config.form === "many" ? (previous.pools ?? []).filter((pool) => !(pool in config.pools)) : [];
    if (leaving.length > 0) {
        try {
            const reading = await reader.readCeph(config.ceph.hosts, sshPrivateKey, { discovery: false, health: false, tunables: false, poolData: leaving });
            checkPoolsLeaving(reading.poolData ?? {});
        } catch (error) {
            throw preflightFailure(error);
        }
    }
    // 3. The stack's own history: what an earlier run leaves, and what it forbids (a pool
    // renamed without confirmation, a way back from the operator, an operator changing hands).
    let history: HistoryDecisions;
    try {
        history = checkStackHistory(config, previous, (warning) => pulumi.log.warn(warning));
    } catch (error) {
        throw preflightFailure(error);
    }
    const { installForm, separateNodeUsers } = history;
    // Whose Ceph users these are: the stack's own, adopted, or someone else's, which is refused here.
    const users = stackUsers(config.client.name, config.storageClasses, separateNodeUsers);
    let ownership: UserOwnership;
    try {
        ownership = checkUserOwnership(users, { caps: live.ceph?.userCaps ?? {}, owners: live.ceph?.userOwners ?? {} }, stackOwner(), config.client.adoptUsers,
            { users: previous.users, deployed: previous.provisionerKind !== undefined });
    } catch (error) {
        throw preflightFailure(error);
    }
    if (ownership.claimed.length > 0) {
        pulumi.log.warn(
            `kube-ceph: Ceph user(s) ${ownership.claimed.join(", ")} exist without an owner record, as users made by a kube-ceph release before owner records have. ` +
                "This update records this stack as their owner; a user command refuses any such user that is not in this stack's state.",
        );
    }
    const clusterId = config.ceph.fsid ?? live.ceph!.fsid!;
    const monitors = config.ceph.monitors ? clientMonitorAddresses(monitorsFromConfig(config.ceph.monitors)).sort() : clientMonitorAddresses(live.ceph!.monitors!);
    const monHost = new MonConnection(live.ceph?.host ?? config.ceph.hosts[0], privateKey, config.ceph.sessionsPerHost);

    // 4. The graph itself (see components/ceph-storage.ts): pool and user on the Ceph side, then
    // the provisioner, the Secrets from the real key, the StorageClass, the guard that keeps what
    // volumes need on destroy, and the smoke test. Resources the previous releases declared at
    // the top level keep their names as aliases, so an upgraded stack replaces nothing.
    const storage = new CephStorage("kube-ceph", {
        monHost,
        clusterId,
        monitors,
        pools: config.pools,
        // RBD classes as the previous release passed them (without their type), CephFS ones typed.
        storageClasses: config.storageClasses.map((c) => (c.type === "cephfs" ? c : (({ type: _rbd, ...spec }) => spec)(c))),
        filesystems: config.filesystems,
        // The one-class form's pool and class, or the ones a one-class stack had before it moved to
        // the many-class form: they keep the names that form gave them.
        oneClass: config.form === "one-class"
            ? { pool: config.pool.name, storageClass: config.storageClass.name, ...(previousPool !== undefined && previousPool !== config.pool.name ? { renamedFrom: previousPool } : {}) }
            : !previous.manyClasses && previous.pool !== undefined && previous.storageClass !== undefined
              ? { pool: previous.pool, storageClass: previous.storageClass }
              : undefined,
        clientName: config.client.name,
        separateNodeUsers,
        // The keys as the cluster holds them now, read with the live state, of the users that exist:
        // the plan knows them at preview time, so a change to a user's command (its script, its
        // caps) does not show its Secrets, and the classes that name them, as changing.
        userKeys: Object.fromEntries(Object.entries(live.ceph?.userKeys ?? {}).map(([entity, key]) => [entity.replace(/^client\./, ""), pulumi.secret(key)])),
        adoptedUsers: ownership.adopted,
        provisioner: provisionerInstall(config.provisioner, operatorManifest, installForm),
        smokeTest: config.smokeTest.enabled ? { ...config.smokeTest, image: smokeTestImage(config.smokeTest.image, config.provisioner) } : undefined,
        kubeconfig,
        previousNames: PREVIOUS_NAMES[config.provisioner.kind],
    });

    return {
        cephHost: monHost.address,
        cephUser: storage.cephUser,
        // Only a stack whose RBD node plugin has its own user writes it (the others' outputs stay as
        // they were), by name: a CephFS-only stack records it too, for the RBD classes it may get.
        // Every user the stack made or adopted: the next run's ownership check reads it back.
        [CEPH_USERS_OUTPUT]: users.map((u) => u.entity),
        ...(separateNodeUsers ? { [NODE_USER_OUTPUT]: `client.${rbdUserName(config.client.name, undefined, "node")}` } : {}),
        clusterId,
        monitors,
        [POOL_OUTPUT]: storage.poolName,
        poolOrigin: storage.poolOrigin,
        [PROVISIONER_KIND_OUTPUT]: config.provisioner.kind,
        ...(config.provisioner.kind === "csi" ? { [CSI_INSTALL_OUTPUT]: config.provisioner.install } : {}),
        // Written once the install is done, so that a run that fails before leaves the last form recorded.
        ...(viaOperator && storage.operatorInstallForm !== undefined ? { [OPERATOR_INSTALL_OUTPUT]: storage.operatorInstallForm } : {}),
        smokeTest: config.smokeTest.enabled ? storage.smokeTestResult : "disabled (kube-ceph:smokeTest.enabled is false)",
        [STORAGE_CLASS_OUTPUT]: storage.storageClassName,
        // Only the many-class form writes these: a one-class stack's outputs stay as they were.
        ...(config.form === "many" ? { [STORAGE_CLASSES_OUTPUT]: storage.storageClassNames, [POOLS_OUTPUT]: storage.poolOrigins } : {}),
        ...(Object.keys(config.filesystems).length > 0 ? { filesystems: storage.filesystemOrigins } : {}),
    };
};
