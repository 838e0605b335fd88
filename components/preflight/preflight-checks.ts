// Every check of the live state before anything changes, in the order a run makes them: the
// operator's manifest as pinned, the Ceph releases, pools Ceph would refuse to delete, health, mgr
// modules, MDS daemons, CephFS journals, the provisioner's support by this Kubernetes, an operator
// someone else runs, the snapshot CRDs and the nodes' kernels. A refusal throws PreflightError;
// a warning goes to `warn` as soon as it is found, so a later refusal keeps the earlier warnings.
import { deletablePools, hasCephfs, kernelImageFeatures, KubeCephConfig, rbdClasses, subvolumeGroupClusterId } from "../config";
import { existingOperator, OPERATOR_MANIFEST_URL, OperatorManifest } from "../csi";
import { CephReading, KubernetesReading, monitorsFromConfig, SNAPSHOT_CRDS } from "../live";
import { CEPHFS_MGR_MODULES, checkCephReleases, checkHealth, checkMds, checkMgrModules, poolDeletionWarnings, RBD_MGR_MODULES } from "./ceph-checks";
import { cephfsKernelRequirements, checkKernels, kernelRequirements } from "./kernel-checks";
import { checkCephfsJournals, checkExistingOperator, checkManifestDigest, checkProvisionerSupported, checkSnapshotCrds } from "./kubernetes-checks";

/** The live state's checks; `operatorManifest` is set when kube-ceph installs the operator. */
export function preflightChecks(config: KubeCephConfig, live: { ceph?: CephReading; kubernetes: KubernetesReading }, operatorManifest: OperatorManifest | undefined, warn: (message: string) => void): void {
    if (operatorManifest !== undefined) {
        checkManifestDigest(operatorManifest, config.provisioner.operator);
    }
    if (live.ceph?.releases !== undefined) {
        for (const warning of checkCephReleases(live.ceph.releases)) {
            warn(warning);
        }
    }
    if (live.ceph?.poolDeletionAllowed !== undefined) {
        for (const warning of poolDeletionWarnings(deletablePools(config), live.ceph.poolDeletionAllowed)) {
            warn(warning);
        }
    }
    if (live.ceph?.health !== undefined) {
        checkHealth(config.preflight.health, live.ceph.health);
    }
    if (live.ceph?.mgrModules !== undefined) {
        checkMgrModules([...(rbdClasses(config).length > 0 ? RBD_MGR_MODULES : []), ...(hasCephfs(config) ? CEPHFS_MGR_MODULES : [])], live.ceph.mgrModules);
    }
    if (live.ceph?.mdsMap !== undefined) {
        checkMds(Object.keys(config.filesystems).sort(), live.ceph.mdsMap);
    }
    if (live.kubernetes.clientProfiles !== undefined) {
        const fsid = config.ceph.fsid ?? live.ceph!.fsid!;
        const cephfsClasses = config.storageClasses.flatMap((c, i) => (c.type === "cephfs" ? [{ key: `kube-ceph:storageClasses[${i}].radosNamespace`, subvolumeGroup: c.subvolumeGroup, radosNamespace: c.radosNamespace }] : []));
        checkCephfsJournals(cephfsClasses, (group) => subvolumeGroupClusterId(fsid, group), live.kubernetes.clientProfiles);
    }
    for (const warning of checkProvisionerSupported(config.provisioner.kind, live.kubernetes)) {
        warn(warning);
    }
    if (live.kubernetes.existingOperator !== undefined) {
        const { namespace, deployment } = existingOperator(config.provisioner);
        checkExistingOperator(live.kubernetes.existingOperator, namespace, deployment, `kubectl apply --server-side -f ${OPERATOR_MANIFEST_URL}`);
    }
    const wantsSnapshots = config.storageClasses.findIndex((c) => c.snapshotClass);
    if (wantsSnapshots >= 0) {
        // The key the stack set: the one-class form's, or the first class of the list that asks.
        const key = config.form === "many" ? `kube-ceph:storageClasses[${wantsSnapshots}].snapshotClass` : undefined;
        checkSnapshotCrds(SNAPSHOT_CRDS, live.kubernetes.snapshotCrds ?? [], key);
    }
    if (live.ceph?.tunables !== undefined && live.kubernetes.nodes !== undefined) {
        const monitors = live.ceph.monitors ?? monitorsFromConfig(config.ceph.monitors ?? []);
        // CephFS classes only when they mount with the kernel (fuse runs in user space; unset, ceph-csi picks).
        const cephfsKernel = config.storageClasses.some((c) => c.type === "cephfs" && c.mounter === "kernel");
        // RBD's only when the stack has RBD classes (a CephFS-only stack maps no image).
        checkKernels(live.kubernetes.nodes, [
            ...(rbdClasses(config).length > 0 ? kernelRequirements(live.ceph.tunables, monitors, kernelImageFeatures(rbdClasses(config))) : []),
            ...(cephfsKernel ? cephfsKernelRequirements(live.ceph.tunables, monitors) : []),
        ]);
    }
}
