// Decisions made before anything changes: is the cluster healthy enough, can every node's
// kernel map the images this StorageClass will create, and is the chosen provisioner still
// supported by this Kubernetes. Pure functions over what the live reader (live-reader.ts) read, so each rule is
// tested on its own.
import * as semver from "semver";
import type { ImageFeature, KubeCephConfig, ProvisionerKind } from "../config";
import type { CephHealth, CephRelease, CrushTunables, MdsMap, Monitor } from "../live";
import { CSI_OPERATOR_API, OPERATOR_MANIFEST_SHA256, OPERATOR_VERSION, OperatorManifest } from "../csi";
import { ClientProfileReading, ExistingOperatorReading, KubernetesNode, OPERATOR_CRDS } from "../live";

/** Thrown when a preflight check refuses the run; the message says what to do. */
export class PreflightError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PreflightError";
    }
}

/** The Ceph releases kube-ceph supports (README, "Supported versions"): the oldest, and the newest it expects to work. */
export const CEPH_RELEASES = { oldest: { major: 16, name: "Pacific" }, newest: { major: 20, name: "Tentacle" } };

/**
 * Refuses a cluster whose mons or OSDs (the daemons every client talks to) run a release older
 * than kube-ceph supports; returns a warning for each newer than the newest it expects to work.
 */
export function checkCephReleases(releases: CephRelease[]): string[] {
    const clientFacing = releases.filter((r) => r.daemon === "mon" || r.daemon === "osd");
    const old = clientFacing.filter((r) => r.major < CEPH_RELEASES.oldest.major);
    if (old.length > 0) {
        throw new PreflightError(
            `the Ceph cluster runs ${old.map((r) => `${r.version} (${r.name}) on its ${r.daemon} daemons`).join(" and ")}; ` +
                `kube-ceph supports Ceph ${CEPH_RELEASES.oldest.major} (${CEPH_RELEASES.oldest.name}) and later (README, "Supported versions"). ` +
                "Upgrade the cluster first. Nothing was changed.",
        );
    }
    return clientFacing
        .filter((r) => r.major > CEPH_RELEASES.newest.major)
        .map((r) => `the Ceph cluster's ${r.daemon} daemons run ${r.version} (${r.name}), newer than the newest release kube-ceph is known to work with, ` +
            `${CEPH_RELEASES.newest.major} (${CEPH_RELEASES.newest.name}); go on with care, and report what differs.`);
}

/**
 * Warnings for the pools and filesystems this stack may delete (`deletionPolicy: delete`, each
 * named by its config key) while the mons refuse every pool deletion: Ceph would answer destroy,
 * or the pool's leaving the config, with a bare EPERM, and keep the pool with its data.
 */
export function poolDeletionWarnings(deletable: string[], allowed: boolean): string[] {
    if (allowed || deletable.length === 0) {
        return [];
    }
    return [
        `${deletable.join(", ")} ${deletable.length === 1 ? "is" : "are"} "delete", but mon_allow_pool_delete is false in the mons' config database (Ceph's default), so Ceph will refuse ` +
            "to delete those pools (EPERM: pool deletion is disabled) at destroy, or when one leaves the config; the run then fails there and the pool is kept with its data. " +
            "Before that run: ceph config set mon mon_allow_pool_delete true (and set it back to false after). To keep the pools on purpose, set deletionPolicy to \"retain\".",
    ];
}

const HEALTH_RANK: Record<string, number> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

/** Refuses unless `health` is at least as good as `policy` allows. */
export function checkHealth(policy: KubeCephConfig["preflight"]["health"], health: CephHealth): void {
    if (policy === "off") {
        return;
    }
    const allowed = policy === "ok" ? 0 : 1;
    const rank = HEALTH_RANK[health.status] ?? 2;
    if (rank <= allowed) {
        return;
    }
    const checks = health.checks.map((c) => [`  ${c.name} (${c.severity}): ${c.message}`, ...c.detail.slice(0, 5).map((d) => `      ${d}`)].join("\n"));
    throw new PreflightError(
        `Ceph cluster is ${health.status}; kube-ceph:preflight.health is "${policy}", which allows ${policy === "ok" ? "HEALTH_OK only" : "HEALTH_OK and HEALTH_WARN"}. Nothing was changed.\n` +
            (checks.length > 0 ? checks.join("\n") + "\n" : "") +
            "Fix the cluster (ceph health detail), or set kube-ceph:preflight.health to warn/off if you accept the risk.",
    );
}

/** A kernel capability that the cluster or the StorageClass demands of every node. */
export interface KernelRequirement {
    /** What needs it, e.g. "CRUSH tunables jewel (chooseleaf_stable)". */
    feature: string;
    /** The oldest kernel that has it; undefined means no kernel has it (krbd never will). */
    minKernel?: string;
    /** Ways out, most direct first. */
    fixes: string[];
}

const UPGRADE = "upgrade the node's kernel";
const NBD = 'for csi, map with rbd-nbd instead of the kernel client (StorageClass parameter mounter: rbd-nbd)';

/** Oldest kernel per RBD image feature, as the krbd documentation lists them. */
export const IMAGE_FEATURE_KERNELS: Record<ImageFeature, string | undefined> = {
    "layering": "3.8.0",
    "exclusive-lock": "4.9.0",
    "deep-flatten": "5.1.0",
    "object-map": "5.3.0",
    "fast-diff": "5.3.0",
    "journaling": undefined,
};

/** What the cluster's CRUSH map, mon addresses and the chosen image features require of a kernel client. */
export function kernelRequirements(tunables: CrushTunables, monitors: Monitor[], imageFeatures: ImageFeature[]): KernelRequirement[] {
    const requirements: KernelRequirement[] = [];
    const crush = (bit: string, minKernel: string, fixes: string[]) =>
        requirements.push({ feature: `CRUSH ${bit} (tunables profile ${tunables.profile})`, minKernel, fixes: [UPGRADE, ...fixes, NBD] });
    if (tunables.requireTunables5) {
        crush("chooseleaf_stable, feature bit 400000000000000 (jewel tunables)", "4.5.0", ["ceph osd crush tunables hammer (moves data; older clients can then map)"]);
    }
    if (tunables.hasV4Buckets) {
        crush("straw2 buckets (hammer)", "4.1.0", ["convert straw2 buckets back to straw (moves data)"]);
    }
    if (tunables.requireTunables3) {
        crush("chooseleaf_vary_r (firefly tunables)", "3.15.0", ["ceph osd crush tunables bobtail (moves data)"]);
    }
    if (tunables.requireTunables2) {
        crush("tunables2 (bobtail)", "3.9.0", ["ceph osd crush tunables argonaut (moves data)"]);
    }
    if (tunables.requireTunables) {
        crush("tunables (argonaut+)", "3.6.0", ["ceph osd crush tunables legacy (moves data)"]);
    }
    for (const feature of imageFeatures) {
        const minKernel = IMAGE_FEATURE_KERNELS[feature];
        requirements.push({
            feature: `RBD image feature ${feature}`,
            ...(minKernel !== undefined ? { minKernel } : {}),
            fixes: [
                ...(minKernel !== undefined ? [UPGRADE] : []),
                `drop ${feature} from kube-ceph:storageClass.imageFeatures`,
                NBD,
            ],
        });
    }
    if (monitors.length > 0 && monitors.every((m) => m.v1 === undefined)) {
        requirements.push({
            feature: "msgr2 (the monitors have no v1 address)",
            minKernel: "5.11.0",
            fixes: [UPGRADE, "give the monitors v1 addresses (ceph mon set-addrs)", NBD],
        });
    }
    return requirements;
}

const FUSE = "mount with ceph-fuse instead of the kernel client (the CephFS class's mounter: fuse)";

/**
 * What the CephFS kernel client needs of a node, for the classes with `mounter: kernel`: the
 * same libceph rules as krbd (CRUSH tunables, msgr2-only monitors), and quotas, which is how
 * ceph-csi gives each volume its size (older kernels ignore them: a claim could fill the filesystem).
 */
export function cephfsKernelRequirements(tunables: CrushTunables, monitors: Monitor[]): KernelRequirement[] {
    return [
        ...kernelRequirements(tunables, monitors, []).map((requirement) => ({
            ...requirement,
            feature: `${requirement.feature}, for the CephFS kernel client`,
            fixes: requirement.fixes.map((fix) => (fix === NBD ? FUSE : fix)),
        })),
        { feature: "CephFS quotas (ceph-csi sizes each volume with one), for the CephFS kernel client", minKernel: "4.17.0", fixes: [UPGRADE, FUSE] },
    ];
}

/** One node that cannot use the StorageClass, and why. */
export interface KernelProblem {
    node: string;
    kernel: string;
    requirement: KernelRequirement;
}

/** Compares every node's kernel against the requirements. */
export function incompatibleNodes(nodes: KubernetesNode[], requirements: KernelRequirement[]): KernelProblem[] {
    const problems: KernelProblem[] = [];
    for (const node of nodes) {
        const version = semver.coerce(node.kernelVersion);
        for (const requirement of requirements) {
            const tooOld =
                requirement.minKernel === undefined ||
                version === null ||
                semver.lt(version, requirement.minKernel);
            if (tooOld) {
                problems.push({ node: node.name, kernel: node.kernelVersion, requirement });
            }
        }
    }
    return problems;
}

/** Refuses the run when a node cannot map the images; the message names node, kernel, feature and fixes. */
export function checkKernels(nodes: KubernetesNode[], requirements: KernelRequirement[]): void {
    const problems = incompatibleNodes(nodes, requirements);
    if (problems.length === 0) {
        return;
    }
    const lines = problems.map((p) => {
        const need = p.requirement.minKernel === undefined ? "no kernel client supports it" : `needs kernel >= ${p.requirement.minKernel}`;
        return `  node ${p.node} (kernel ${p.kernel || "unknown"}): ${p.requirement.feature} ${need}; fix: ${p.requirement.fixes.join(", or ")}`;
    });
    throw new PreflightError(
        "some nodes could not mount volumes of these StorageClasses (rbd map, or the CephFS kernel mount, would fail with 'feature set mismatch'). Nothing was changed.\n" +
            lines.join("\n") +
            "\nSet kube-ceph:preflight.kernels to off only if those nodes will never run pods with these volumes.",
    );
}

/** The mgr modules ceph-csi's RBD driver calls: rbd_support runs its image tasks (flatten, trash removal). */
export const RBD_MGR_MODULES = ["rbd_support"];

/** The mgr module ceph-csi's CephFS driver makes and removes subvolumes through. */
export const CEPHFS_MGR_MODULES = ["volumes"];

/**
 * Refuses filesystems no MDS can serve: an existing one without an active MDS (its volumes
 * could not be mounted), or more new ones than standby MDS daemons to take them (the create
 * would leave a filesystem offline).
 */
export function checkMds(filesystems: string[], mdsMap: MdsMap): void {
    const inactive = filesystems.filter((fs) => fs in mdsMap.active && mdsMap.active[fs] === 0);
    const created = filesystems.filter((fs) => !(fs in mdsMap.active));
    const problems: string[] = [];
    if (inactive.length > 0) {
        problems.push(`filesystem${inactive.length > 1 ? "s" : ""} ${inactive.join(", ")} ha${inactive.length > 1 ? "ve" : "s"} no active MDS (see ceph fs status); bring an MDS up for it`);
    }
    if (created.length > mdsMap.standbys) {
        problems.push(`kube-ceph would create ${created.length} filesystem(s) (${created.join(", ")}), but ${mdsMap.standbys} MDS daemon(s) stand by to serve them; ` +
            "start one more MDS per new filesystem (with cephadm: ceph orch apply mds <filesystem>), or adopt an existing filesystem");
    }
    if (problems.length > 0) {
        throw new PreflightError(`${problems.join("; ")}. Nothing was changed.`);
    }
}

/** Refuses a cluster whose mgr does not run a module ceph-csi needs, naming the command that turns it on. */
export function checkMgrModules(required: string[], on: string[]): void {
    const missing = required.filter((module) => !on.includes(module));
    if (missing.length === 0) {
        return;
    }
    throw new PreflightError(
        `the Ceph mgr does not run the ${missing.join(", ")} module${missing.length > 1 ? "s" : ""}, which ceph-csi needs. ` +
            `Turn ${missing.length > 1 ? "them" : "it"} on with ${missing.map((m) => `\`ceph mgr module enable ${m}\``).join(" and ")} and run again ` +
            "(kube-ceph:preflight.health: off skips this check with the health check). Nothing was changed.",
    );
}

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

/** An RBD object as the pool-data reading names it (`<namespace>/<object>`), in words. */
function describeObject(entry: string): string {
    const [namespace, object] = [entry.slice(0, entry.indexOf("/")), entry.slice(entry.indexOf("/") + 1)];
    const where = namespace === "" ? "" : ` in rados namespace ${namespace}`;
    return object.startsWith("rbd_id.") ? `image ${object.slice("rbd_id.".length)}${where}` : `object ${object}${where}`;
}

/** The objects that name an image (rbd_id.<name>) first: they say the most. */
function imagesFirst(objects: string[]): string[] {
    const isImage = (entry: string) => entry.slice(entry.indexOf("/") + 1).startsWith("rbd_id.");
    return [...objects.filter(isImage), ...objects.filter((o) => !isImage(o))];
}

/**
 * Refuses to let pools that still hold RBD data leave kube-ceph:pools. The user's caps name only
 * the declared pools, and an update changes them before any delete runs: the volumes in such a
 * pool would lose their access at once, whatever its deletionPolicy, and the pool would stay.
 */
export function checkPoolsLeaving(poolData: Record<string, string[]>): void {
    const holding = Object.entries(poolData).filter(([, objects]) => objects.length > 0).sort(([a], [b]) => a.localeCompare(b));
    if (holding.length === 0) {
        return;
    }
    throw new PreflightError(
        `kube-ceph:pools no longer declares ${holding.map(([pool]) => `"${pool}"`).join(", ")}, which still hold${holding.length === 1 ? "s" : ""} RBD data: ` +
            holding.map(([pool, objects]) => `${pool}: ${imagesFirst(objects).map(describeObject).join(", ")}${objects.length >= 5 ? ", ..." : ""}`).join("; ") + ". " +
            "The Ceph user's caps would drop the pool before anything else, so volumes in it could no longer be attached, and the pool is never deleted while it holds data. " +
            "Delete those images (and their PersistentVolumes) first, or keep the pool in kube-ceph:pools. Nothing was changed.",
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
