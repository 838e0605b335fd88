// The live reads of one run, as the config asks for them: the Ceph read and the Kubernetes read
// at once (every preview waits for both), each asking only for what the config and the checks
// that are on need.
import * as pulumi from "@pulumi/pulumi";
import { cephEntities, classUserOwner, deletablePools, hasCephfs, KubeCephConfig } from "../config";
import { existingOperator } from "../csi";
import type { CephReading } from "./ceph-reading";
import type { KubernetesReading } from "./kubernetes-reader";
import type { LiveReader } from "./live-reader";

/**
 * Reads what the plan depends on, skipping what config overrides or turned-off checks make
 * unnecessary. The Ceph and the Kubernetes read run at once: every preview waits for both.
 */
export async function readLiveState(reader: LiveReader, config: KubeCephConfig, sshPrivateKey: string, kubeconfig: string | undefined): Promise<{ ceph?: CephReading; kubernetes: KubernetesReading }> {
    const deletable = deletablePools(config);
    const cephRequest = {
        discovery: config.ceph.fsid === undefined,
        health: config.preflight.health !== "off",
        tunables: config.preflight.kernels === "check",
        mgrModules: config.provisioner.kind === "csi" && config.preflight.health !== "off",
        mdsMap: hasCephfs(config),
        // The releases the daemons run: one more mon command in the same process, never a read of its own.
        releases: true,
        // Whether Ceph will let the pools this stack may delete go; read only when there are some.
        poolDeletion: deletable.length > 0,
        // Every user the stack may have: the provisioner's, the node plugin's, each tenant's and group's.
        userKeys: cephEntities(config.client.name, config.storageClasses.map(classUserOwner)),
    };
    // The users' owner records are always read: whether the stack may touch a user is decided at preview.
    const needCeph = cephRequest.discovery || cephRequest.health || cephRequest.tunables || cephRequest.mgrModules || cephRequest.mdsMap || cephRequest.userKeys.length > 0;
    const kubernetesRequest = {
        // Every kind has a version rule (preflight's checkProvisionerSupported).
        version: true,
        selfLink: config.provisioner.kind === "external",
        nodes: config.preflight.kernels === "check",
        snapshotCrds: config.storageClasses.some((c) => c.snapshotClass),
        clientProfiles: hasCephfs(config),
        ...(config.provisioner.kind === "csi" && config.provisioner.install === "existing-operator" ? { existingOperator: existingOperator(config.provisioner) } : {}),
        kubeconfig,
    };
    const [cephRead, kubernetesRead] = await Promise.allSettled([
        needCeph ? reader.readCeph(config.ceph.hosts, sshPrivateKey, cephRequest) : Promise.resolve(undefined),
        reader.readKubernetes(kubernetesRequest),
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
