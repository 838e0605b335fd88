// Whether every node's kernel can map the images and mount the filesystems the classes will make:
// the CRUSH tunables, the monitors' messenger versions and the image features each need a kernel.
import * as semver from "semver";
import type { ImageFeature } from "../config";
import type { CrushTunables, Monitor } from "../live";
import { KubernetesNode } from "../live";
import { PreflightError } from "./preflight-error";

/** A kernel capability that the cluster or the StorageClass demands of every node. */
export interface KernelRequirement {
    /** What needs it, e.g. "CRUSH tunables jewel (chooseleaf_stable)". */
    feature: string;
    /** The oldest kernel that has it; undefined means no kernel has it (krbd never will). */
    minKernel?: string;
    /** Ways out, most direct first. */
    fixes: string[];
}

export const UPGRADE = "upgrade the node's kernel";

export const NBD = 'for csi, map with rbd-nbd instead of the kernel client (StorageClass parameter mounter: rbd-nbd)';

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

export const FUSE = "mount with ceph-fuse instead of the kernel client (the CephFS class's mounter: fuse)";

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
