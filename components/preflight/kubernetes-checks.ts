// What the Kubernetes cluster must offer the chosen provisioner: a supported version, the snapshot
// CRDs a snapshot class needs, CephFS journals each group's profile can carry, the operator's
// manifest as pinned, and an operator someone else runs. Pure functions over what the live reader read.
import * as semver from "semver";
import type { ProvisionerKind } from "../config";
import { CSI_OPERATOR_API, OPERATOR_MANIFEST_SHA256, OPERATOR_VERSION, OperatorManifest } from "../csi";
import { ClientProfileReading, ExistingOperatorReading, OPERATOR_CRDS } from "../live";
import { PreflightError } from "./preflight-error";

/**
 * Refuses a VolumeSnapshotClass on a cluster without the snapshot CRDs: the class could not be
 * created, and without them (and the snapshot controller that comes with them) no snapshot is taken.
 */
export function checkSnapshotCrds(required: string[], served: string[], key = "kube-ceph:storageClass.snapshotClass"): void {
    const missing = required.filter((crd) => !served.includes(crd));
    if (missing.length === 0) {
        return;
    }
    throw new PreflightError(
        `${key} is true, but this cluster has no ${missing.join(", ")} CustomResourceDefinition${missing.length > 1 ? "s" : ""}. ` +
            "Install the volume snapshot CRDs and the snapshot controller of kubernetes-csi/external-snapshotter (client/config/crd and deploy/kubernetes/snapshot-controller, " +
            `or your distribution's snapshot add-on), or set ${key} to false. Nothing was changed.`,
    );
}

/** A CephFS class as checkCephfsJournals sees it: the key it was set at, its group and namespace. */
export interface CephfsJournalClass {
    key: string;
    subvolumeGroup: string;
    radosNamespace?: string;
}

/**
 * Refuses a new rados namespace for a subvolume group whose ClientProfile already exists: ceph-csi
 * finds the group's volumes through its journal in the old namespace, which it would no longer
 * read (and the operator's CRD keeps the namespace once set). A new group can take the new one.
 */
export function checkCephfsJournals(classes: CephfsJournalClass[], clusterIdOf: (subvolumeGroup: string) => string, profiles: ClientProfileReading[]): void {
    const problems: string[] = [];
    // A group's classes agree on its namespace (config checks it), so its first class speaks for it.
    const checked = new Set<string>();
    for (const cls of classes) {
        if (checked.has(cls.subvolumeGroup)) {
            continue;
        }
        checked.add(cls.subvolumeGroup);
        const profile = profiles.find((p) => p.name === clusterIdOf(cls.subvolumeGroup));
        if (profile === undefined || profile.cephfsRadosNamespace === cls.radosNamespace) {
            continue;
        }
        const was = profile.cephfsRadosNamespace ?? "unset (ceph-csi's default, csi)";
        problems.push(`${cls.key} is ${cls.radosNamespace ?? "unset"}, but subvolume group ${cls.subvolumeGroup}'s ClientProfile ${profile.name} keeps its journal in rados namespace ${was}, ` +
            `where ceph-csi finds the group's existing volumes; set it back, or give the new namespace to a new subvolumeGroup`);
    }
    if (problems.length > 0) {
        throw new PreflightError(`${problems.join("; ")}. Nothing was changed.`);
    }
}

/** First Kubernetes minor version without the in-tree kubernetes.io/rbd plugin. */
export const IN_TREE_REMOVED_IN = "1.31.0";

/** First Kubernetes version whose API server leaves metadata.selfLink empty by default (RemoveSelfLink on). */
export const SELF_LINK_EMPTY_FROM = "1.20.0";

/** First Kubernetes version where selfLink cannot be brought back (the RemoveSelfLink gate is gone). */
export const SELF_LINK_REMOVED_IN = "1.24.0";

/**
 * The Kubernetes versions the csi kind supports (README, "Supported versions"): the oldest, which
 * the lab runs the operator on, and the newest minor kube-ceph is known to work with.
 */
export const KUBERNETES_VERSIONS = { oldest: "1.30.0", newest: "1.36" };

/** What checkProvisionerSupported needs to know about the API server. */
export interface ProvisionerSupportFacts {
    /** gitVersion of the API server. */
    serverVersion?: string;
    /** Whether objects still carry metadata.selfLink; read only where the version leaves it open. */
    selfLinkFilled?: boolean;
}

/**
 * Refuses a Kubernetes the provisioner cannot run on, and returns a warning when it is newer
 * than kube-ceph is known to work with. ceph-csi has a floor (the oldest version kube-ceph runs
 * it on) and no ceiling. The legacy kinds have ceilings instead: the in-tree kubernetes.io/rbd
 * plugin is gone from 1.31, and the external rbd-provisioner (2018 client libraries that build
 * claim references from metadata.selfLink) leaves every claim Pending once the API server stops
 * filling selfLink: by default from 1.20, always from 1.24.
 */
export function checkProvisionerSupported(kind: ProvisionerKind, facts: ProvisionerSupportFacts): string[] {
    const version = facts.serverVersion === undefined ? null : semver.coerce(facts.serverVersion);
    if (version === null) {
        return [];
    }
    if (kind === "csi") {
        if (semver.lt(version, KUBERNETES_VERSIONS.oldest)) {
            throw new PreflightError(
                `this cluster runs Kubernetes ${facts.serverVersion}; with kube-ceph:provisioner.kind "csi" (ceph-csi), kube-ceph supports Kubernetes ` +
                    `${KUBERNETES_VERSIONS.oldest.replace(/\.0$/, "")} and later (README, "Supported versions"). Upgrade the cluster first. Nothing was changed.`,
            );
        }
        const newest = semver.coerce(KUBERNETES_VERSIONS.newest)!;
        return version.major > newest.major || (version.major === newest.major && version.minor > newest.minor)
            ? [`this cluster runs Kubernetes ${facts.serverVersion}, newer than the newest version kube-ceph is known to work with, ${KUBERNETES_VERSIONS.newest}; go on with care, and report what differs.`]
            : [];
    }
    if (kind === "in-tree" && semver.gte(version, IN_TREE_REMOVED_IN)) {
        throw new PreflightError(
            `kube-ceph:provisioner.kind is "in-tree", but this cluster runs Kubernetes ${facts.serverVersion}: the in-tree kubernetes.io/rbd plugin was removed in 1.31. ` +
                'Set kube-ceph:provisioner.kind to "csi" (ceph-csi, rbd.csi.ceph.com). Nothing was changed.',
        );
    }
    if (kind !== "external" || semver.lt(version, SELF_LINK_EMPTY_FROM)) {
        return [];
    }
    const removed = semver.gte(version, SELF_LINK_REMOVED_IN);
    if (removed || facts.selfLinkFilled === false) {
        throw new PreflightError(
            `kube-ceph:provisioner.kind is "external", but this cluster runs Kubernetes ${facts.serverVersion}, whose API server ` +
                (removed ? "no longer fills metadata.selfLink (removed in 1.24)" : "does not fill metadata.selfLink (the RemoveSelfLink feature gate is on, the default since 1.20)") +
                '. The external rbd-provisioner builds claim references from selfLink, so every claim would stay Pending ("selfLink was empty, can\'t make reference"). ' +
                'Set kube-ceph:provisioner.kind to "csi" (ceph-csi, rbd.csi.ceph.com). Nothing was changed.',
        );
    }
    return [];
}

/**
 * Refuses a manifest whose text is not the one pinned: a file replaced on its host or in a
 * mirror, or a copy of another release. The pin is `manifestSha256` when the stack set it, else
 * for the release's own file (no `manifest` set) the digest kube-ceph ships; a copy or mirror
 * the stack did not pin is not checked.
 */
export function checkManifestDigest(manifest: OperatorManifest, pins: { manifest?: string; manifestSha256?: string }): void {
    const [expected, key] = pins.manifestSha256 !== undefined
        ? [pins.manifestSha256, "kube-ceph:provisioner.operator.manifestSha256"]
        : pins.manifest === undefined ? [OPERATOR_MANIFEST_SHA256, `kube-ceph (ceph-csi-operator ${OPERATOR_VERSION})`] : [undefined, undefined];
    if (expected === undefined || manifest.digest === expected) {
        return;
    }
    throw new PreflightError(
        `${manifest.source} has SHA-256 ${manifest.digest}, but ${key} pins ${expected}: it is not the install.yaml that was pinned. ` +
            "Check where it came from; if it is the release you mean to install, set kube-ceph:provisioner.operator.manifestSha256 to its digest (sha256sum). Nothing was changed.",
    );
}

/**
 * Refuses unless the ceph-csi-operator that someone else manages is there: the CRDs of every kind
 * kube-ceph declares, each serving the version kube-ceph writes (csi.ceph.io/v1), and the
 * operator's Deployment. One error names all that is missing and how to install it.
 */
export function checkExistingOperator(reading: ExistingOperatorReading, namespace: string, deployment: string, installCommand: string): void {
    const version = CSI_OPERATOR_API.split("/")[1];
    const missing = OPERATOR_CRDS.flatMap((crd) => {
        const served = reading.crds[crd];
        if (served === undefined) {
            return [`the CRD ${crd}`];
        }
        return served.includes(version) ? [] : [`version ${version} of the CRD ${crd}, which serves ${served.length > 0 ? served.join(", ") : "no version"}`];
    });
    if (!reading.deployment) {
        missing.push(`the operator's Deployment ${namespace}/${deployment}`);
    }
    if (missing.length === 0) {
        return;
    }
    throw new PreflightError(
        `kube-ceph:provisioner.install is "existing-operator", but the cluster lacks ${missing.join(", ")}. ` +
            `Install ceph-csi-operator ${OPERATOR_VERSION} first (${installCommand}), point kube-ceph:provisioner.operator.namespace and .deployment at the one you run, ` +
            `or set kube-ceph:provisioner.install to "operator" and kube-ceph installs it. Nothing was changed.`,
    );
}
