// What this stack's own history allows, read from its last outputs: a pool renamed only when
// confirmed, no way back from the operator to kube-ceph's manifests, no operator changing hands,
// and the forms that earlier releases leave behind (the operator's install, the node plugin's users).
import type { KubeCephConfig } from "../config";
import { OperatorInstallForm, operatorInstallForm } from "../csi";
import { nodeUsersFor, PreviousOutputs } from "../live";
import { PreflightError } from "./preflight-error";

/** What the history decides for this run, once it refuses nothing. */
export interface HistoryDecisions {
    /** How the operator's install.yaml is declared in this run. */
    installForm: OperatorInstallForm;
    /** Whether the RBD node plugin logs in as users of its own. */
    separateNodeUsers: boolean;
}

/** Refuses what the stack's history forbids (PreflightError); warns of what this update moves. */
export function checkStackHistory(config: KubeCephConfig, previous: PreviousOutputs, warn: (message: string) => void): HistoryDecisions {
    const viaOperator = config.provisioner.kind === "csi" && config.provisioner.install === "operator";
    // A new pool name on a live stack is a new pool: existing volumes stay in the old one. (In
    // the many-class form a pool leaves the map instead, and its guard and delete keep its data.)
    const previousPool = previous.pool;
    if (config.form === "one-class" && !previous.manyClasses && previousPool !== undefined && previousPool !== config.pool.name && config.pool.renameConfirmedFrom !== previousPool) {
        throw new PreflightError(
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
        throw new PreflightError(
            `kube-ceph:provisioner.install is "manifests" on a stack whose ceph-csi ceph-csi-operator runs. Going back is not supported: ` +
                `remove the install key (the operator is the default) or set it to "operator". Nothing was changed.`,
        );
    }
    // An operator changes hands only outside kube-ceph: deleting kube-ceph's install would delete its
    // CRDs, and with them every Driver and ClientProfile on the cluster, whoever made them.
    const install = config.provisioner.kind === "csi" ? config.provisioner.install : undefined;
    if (previousInstall !== undefined && install !== undefined && previousInstall !== install && (previousInstall === "existing-operator" || install === "existing-operator")) {
        throw new PreflightError(
            `kube-ceph:provisioner.install is "${install}" on a stack whose ceph-csi was installed with "${previousInstall}". ` +
                (install === "existing-operator"
                    ? "Handing kube-ceph's ceph-csi-operator to someone else is not done by kube-ceph: its destroy of the operator's install would delete the CRDs and every Driver and ClientProfile with them. "
                    : "kube-ceph does not take over an operator that someone else installed: both would own its objects. ") +
                `Set it back to "${previousInstall}". Nothing was changed.`,
        );
    }
    if (previousInstall === "manifests" && viaOperator) {
        warn(
            "kube-ceph: ceph-csi moves from kube-ceph's own manifests to ceph-csi-operator in this update. " +
                "The hand-made CSIDriver is deleted first, so that the operator can make its own; the old controller and node plugins are deleted last. " +
                "The Secrets, the StorageClass and every PersistentVolume stay as they are, and the ClientProfile carries the same clusterID. " +
                "Mounted volumes stay mounted; new attach and mount operations wait until the operator's node plugin runs on the node.",
        );
    }
    // install.yaml as one resource; a stack that declared its objects one by one gets there in two
    // runs: this one keeps them on delete, the next one leaves them out (see operatorInstallForm).
    const installForm = operatorInstallForm(previousInstall, previous.operatorInstall);
    if (viaOperator && installForm === "config-group-retiring") {
        warn(
            "kube-ceph: ceph-csi-operator's install.yaml becomes one resource, kube-ceph:index:CephCsiOperatorInstall, in two updates. " +
                "This one applies it as that resource and marks its ~50 objects, declared one by one until now, to be kept on delete. " +
                "The next one leaves those entries out of the stack, shown as deletes marked [retain]: nothing is deleted from the cluster.",
        );
    }
    // ceph-csi's RBD node plugin logs in as users of its own, without the provisioner's mgr caps:
    // on new stacks, and where the config asks for it (see nodeUsersFor).
    let separateNodeUsers: boolean;
    try {
        separateNodeUsers = nodeUsersFor(config.client.separateNodeUsers, config.provisioner.kind, previous);
    } catch (error) {
        throw new PreflightError((error as Error).message);
    }
    return { installForm, separateNodeUsers };
}
