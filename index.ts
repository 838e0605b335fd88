// kube-ceph: from a healthy Ceph cluster and a Kubernetes cluster to a verified RBD
// StorageClass. Read top to bottom, this file is the dependency graph:
//   config -> live reads and preflight -> pool -> user -> provisioner (and its namespace;
//   through ceph-csi-operator: the operator, the ClientProfile, the Driver and the wait for the
//   operator to reconcile them) -> Secrets in that namespace -> StorageClass -> the guard that
//   keeps what volumes need on destroy -> smoke test.
import "./components/redact-debug-log";
import * as pulumi from "@pulumi/pulumi";
import { CephClient } from "./components/ceph-client";
import { CephClientProfile } from "./components/ceph-client-profile";
import { CephCsi, csiDriverUrn } from "./components/ceph-csi";
import { CephCsiOperator, OPERATOR_MANIFEST_URL, OperatorManifest, readOperatorManifest } from "./components/ceph-csi-operator";
import { CephPool, stackOwner } from "./components/ceph-pool";
import { KubeCephConfig, readStackConfig } from "./components/config";
import { imagesFor } from "./components/images";
import { InTreeRbd } from "./components/in-tree-rbd";
import { CephReading, clientMonitorAddresses, monitorsFromConfig } from "./components/ceph-reading";
import type { KubernetesReading } from "./components/kubernetes-reader";
import { LiveReader, liveReader } from "./components/live-reader";
import { CSI_INSTALL_OUTPUT, POOL_OUTPUT, PROVISIONER_KIND_OUTPUT } from "./components/stack-history";
import { checkHealth, checkKernels, checkProvisionerSupported, kernelRequirements, PreflightError } from "./components/preflight";
import { RbdDriver } from "./components/rbd-driver";
import { RbdProvisioner } from "./components/rbd-provisioner";
import { RbdSecrets } from "./components/rbd-secrets";
import { RbdStorageClass } from "./components/rbd-storage-class";
import { SmokeTest } from "./components/smoke-test";
import { VolumeGuard } from "./components/volume-guard";
import { MonConnection } from "./components/mon-connection";

/** `kubernetes:kubeconfig` when the stack sets it; kube-ceph's own reads use the same cluster as the kubernetes provider. */
const kubeconfig = new pulumi.Config("kubernetes").get("kubeconfig");

/**
 * Reads what the plan depends on, skipping what config overrides or turned-off checks make
 * unnecessary. The Ceph and the Kubernetes read run at once: every preview waits for both.
 */
async function readLiveState(reader: LiveReader, config: KubeCephConfig, sshPrivateKey: string): Promise<{ ceph?: CephReading; kubernetes: KubernetesReading }> {
    const cephRequest = {
        discovery: config.ceph.fsid === undefined,
        health: config.preflight.health !== "off",
        tunables: config.preflight.kernels === "check",
        userKey: `client.${config.client.name}`,
    };
    const needCeph = cephRequest.discovery || cephRequest.health || cephRequest.tunables;
    const kubernetesRequest = {
        version: config.provisioner.kind !== "csi",
        selfLink: config.provisioner.kind === "external",
        nodes: config.preflight.kernels === "check",
        kubeconfig,
    };
    const needKubernetes = kubernetesRequest.version || kubernetesRequest.nodes;
    const [cephRead, kubernetesRead] = await Promise.allSettled([
        needCeph ? reader.readCeph(config.ceph.hosts, sshPrivateKey, cephRequest) : Promise.resolve(undefined),
        needKubernetes ? reader.readKubernetes(kubernetesRequest) : Promise.resolve({}),
    ]);
    // When both fail, the Ceph side is named first, as when they ran one after the other.
    if (cephRead.status === "rejected") {
        throw cephRead.reason;
    }
    if (kubernetesRead.status === "rejected") {
        throw kubernetesRead.reason;
    }
    const ceph = cephRead.value;
    for (const skipped of ceph?.skipped ?? []) {
        pulumi.log.warn(`mon host ${skipped.host.host}:${skipped.host.port} did not answer (${skipped.reason}); using ${ceph!.host.host}:${ceph!.host.port}`);
    }
    return { ceph, kubernetes: kubernetesRead.value };
}

/** The program; the tests run it with a fake reader in place of the live one. */
export = async (reader: LiveReader = liveReader) => {
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

    // 2. Live reads and preflight: the cluster as it is now, refused before any change; and
    // ceph-csi-operator's install manifest, when it installs ceph-csi.
    const viaOperator = config.provisioner.kind === "csi" && config.provisioner.install === "operator";
    let live: { ceph?: CephReading; kubernetes: KubernetesReading };
    let operatorManifest: OperatorManifest | undefined;
    try {
        [live, operatorManifest] = await Promise.all([
            readLiveState(reader, config, sshPrivateKey),
            viaOperator ? readOperatorManifest(config.provisioner.operator.manifest ?? OPERATOR_MANIFEST_URL) : Promise.resolve(undefined),
        ]);
        if (live.ceph?.health !== undefined) {
            checkHealth(config.preflight.health, live.ceph.health);
        }
        checkProvisionerSupported(config.provisioner.kind, live.kubernetes);
        if (live.ceph?.tunables !== undefined && live.kubernetes.nodes !== undefined) {
            const monitors = live.ceph.monitors ?? monitorsFromConfig(config.ceph.monitors ?? []);
            checkKernels(live.kubernetes.nodes, kernelRequirements(live.ceph.tunables, monitors, config.storageClass.imageFeatures));
        }
    } catch (error) {
        throw error instanceof PreflightError ? new pulumi.RunError(error.message) : new pulumi.RunError(`kube-ceph preflight: ${(error as Error).message}`);
    }
    // A new pool name on a live stack is a new pool: existing volumes stay in the old one.
    const previous = await reader.readPrevious();
    const previousPool = previous.pool;
    if (previousPool !== undefined && previousPool !== config.pool.name && config.pool.renameConfirmedFrom !== previousPool) {
        throw new pulumi.RunError(
            `kube-ceph:pool.name changed from "${previousPool}" to "${config.pool.name}" on a stack that already manages "${previousPool}". ` +
                `This creates pool "${config.pool.name}" and points the StorageClass at it; volumes already in "${previousPool}" stay there and their PersistentVolumes keep pointing at it, ` +
                `but the caps of client.${config.client.name} move to the new pool, so pods can no longer attach those volumes until they are migrated; ` +
                `and "${previousPool}" is then kept or deleted by kube-ceph:pool.deletionPolicy (never while it holds images). ` +
                `To go ahead, set kube-ceph:pool.renameConfirmedFrom to "${previousPool}". Nothing was changed.`,
        );
    }
    // ceph-csi written by kube-ceph's own manifests moves to ceph-csi-operator in this update
    // (never back: both would claim the CSIDriver name at once).
    const previousInstall = previous.provisionerKind === "csi" ? (previous.csiInstall ?? "manifests") : undefined;
    if (previousInstall === "operator" && config.provisioner.kind === "csi" && config.provisioner.install === "manifests") {
        throw new pulumi.RunError(
            `kube-ceph:provisioner.install is "manifests" on a stack whose ceph-csi ceph-csi-operator runs. Going back is not supported: ` +
                `remove the install key (the operator is the default) or set it to "operator". Nothing was changed.`,
        );
    }
    if (previousInstall === "manifests" && viaOperator) {
        pulumi.log.warn(
            "kube-ceph: ceph-csi moves from kube-ceph's own manifests to ceph-csi-operator in this update. " +
                "The hand-made CSIDriver is deleted first, so that the operator can make its own; the old controller and node plugins are deleted last. " +
                "The Secrets, the StorageClass and every PersistentVolume stay as they are, and the ClientProfile carries the same clusterID. " +
                "Mounted volumes stay mounted; new attach and mount operations wait until the operator's node plugin runs on the node.",
        );
    }
    const clusterId = config.ceph.fsid ?? live.ceph!.fsid!;
    const monitors = config.ceph.monitors ? clientMonitorAddresses(monitorsFromConfig(config.ceph.monitors)).sort() : clientMonitorAddresses(live.ceph!.monitors!);
    const monHost = new MonConnection(live.ceph?.host ?? config.ceph.hosts[0], privateKey, config.ceph.sessionsPerHost);

    // 3. Ceph: the pool, then the least-privilege user whose caps name it. The user waits
    // for the pool anyway, so both share one SSH lane. (Components renamed since the previous
    // release keep its name as an alias, so an upgraded stack replaces nothing.)
    const cephLane = monHost.lane();
    const pool = new CephPool("ceph", {
        connection: cephLane,
        name: config.pool.name,
        pgNum: config.pool.pgNum,
        replicas: config.pool.replicas,
        deletionPolicy: config.pool.deletionPolicy,
        owner: stackOwner(),
    }, { aliases: [{ name: "rbd" }] });
    const client = new CephClient("ceph-client", { connection: cephLane, name: config.client.name, pool: config.pool.name }, { dependsOn: [pool], aliases: [{ name: "rbd" }] });

    // 4. Kubernetes: the provisioner and the namespace it owns, the Secrets built from the
    // real key in that namespace, the StorageClass. Through ceph-csi-operator, the operator
    // is installed first; the ClientProfile (named after the clusterID) and the Driver follow,
    // and the Driver waits until the operator has reconciled both.
    const images = imagesFor(config.provisioner);
    const operator = operatorManifest !== undefined
        ? new CephCsiOperator("ceph-csi", {
              secretsNamespace: config.provisioner.namespace,
              manifest: operatorManifest,
              image: images.cephCsiOperator!,
              awaitRollout: config.provisioner.awaitRollout,
          })
        : undefined;
    const provisioner = operator
        ?? (config.provisioner.kind === "csi"
            ? new CephCsi("ceph-csi", { namespace: config.provisioner.namespace, clusterId, monitors, images, awaitRollout: config.provisioner.awaitRollout })
            : config.provisioner.kind === "external"
              ? new RbdProvisioner("rbd-provisioner", { namespace: config.provisioner.namespace, image: images.rbdProvisioner!, awaitRollout: config.provisioner.awaitRollout })
              : new InTreeRbd("in-tree-rbd", { namespace: config.provisioner.namespace }));
    const profile = operator
        ? new CephClientProfile("ceph-csi-profile", {
              namespace: operator.operatorNamespace,
              clusterId,
              monitors,
              deleteTimeoutSeconds: config.provisioner.operator.timeoutSeconds,
          }, { dependsOn: [operator] })
        : undefined;
    const driver = operator && profile
        ? new RbdDriver("rbd-driver", {
              namespace: operator.operatorNamespace,
              images,
              logVerbosity: config.provisioner.operator.logVerbosity,
              clusterId: profile.name,
              awaitRollout: config.provisioner.awaitRollout,
              timeoutSeconds: config.provisioner.operator.timeoutSeconds,
              kubeconfig,
              takesOverCsiDriver: csiDriverUrn("ceph-csi"),
          }, { dependsOn: [operator] })
        : undefined;
    const provisionerReady = driver !== undefined ? [provisioner, driver] : [provisioner];
    // The key as the cluster holds it now, read with the live state, when the user exists: the
    // plan knows it at preview time, so a change to the user's command (its script, its caps)
    // does not show the Secrets, and the classes that name them, as changing. A new user's key
    // comes from CephUserKey, once the user is made.
    const clientKey = live.ceph?.userKey !== undefined ? pulumi.secret(live.ceph.userKey) : client.key;
    const secrets = new RbdSecrets("rbd-secrets", {
        kind: config.provisioner.kind,
        clientName: client.name,
        clientKey,
        namespace: provisioner.namespace,
        namePrefix: `ceph-${config.client.name}`,
    }, { dependsOn: [client], aliases: [{ name: "ceph" }] });
    const storageClass = new RbdStorageClass("rbd", {
        kind: config.provisioner.kind,
        settings: config.storageClass,
        pool: pool.name,
        clientName: client.name,
        clusterId,
        monitors,
        provisionerSecret: secrets.provisioner,
        userSecret: secrets.user,
    }, { dependsOn: [secrets, ...provisionerReady] });

    // 5. The guard: while a PersistentVolume uses the pool, destroy stops here, before the
    // class, Secrets, user and pool, which it depends on and which are deleted after it.
    // dependsOn only, and plain names from config: a delete-first replace of the class must
    // not cascade into the guard.
    const guard = new VolumeGuard("guard", {
        pool: config.pool.name,
        clusterId,
        storageClassName: config.storageClass.name,
        kubeconfig,
    }, { dependsOn: [pool, client, secrets, storageClass], aliases: [{ name: "rbd" }] });

    // 6. Smoke test: a claim (and a pod) proving that the class provisions (and stores) data.
    // It depends on the guard so that destroy deletes it first: the guard then waits for its
    // volume to go instead of refusing it. It names the class from config and waits for it
    // through dependsOn, so a replaced class (delete-first) does not replace the claim too.
    const smokeTest = config.smokeTest.enabled
        ? new SmokeTest("smoke-test", {
              namespace: config.smokeTest.namespace,
              claimName: config.smokeTest.claimName,
              size: config.smokeTest.size,
              image: config.smokeTest.image,
              pod: config.smokeTest.pod,
              timeoutSeconds: config.smokeTest.timeoutSeconds,
              storageClassName: config.storageClass.name,
              kubeconfig,
          }, { dependsOn: [storageClass, ...provisionerReady, guard] })
        : undefined;

    return {
        cephHost: monHost.address,
        cephUser: pulumi.interpolate`client.${client.name}`,
        clusterId,
        monitors,
        [POOL_OUTPUT]: pool.name,
        poolOrigin: pool.origin,
        [PROVISIONER_KIND_OUTPUT]: config.provisioner.kind,
        ...(config.provisioner.kind === "csi" ? { [CSI_INSTALL_OUTPUT]: config.provisioner.install } : {}),
        smokeTest: smokeTest?.result ?? "disabled (kube-ceph:smokeTest.enabled is false)",
        storageClassName: storageClass.name,
    };
};
