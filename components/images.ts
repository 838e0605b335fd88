// Pinned provisioner images and the one rule that moves them to a mirror registry.
import type { ImageKey, KubeCephConfig } from "./config";

/** Current releases; a bump here is a reviewed change that shows as a diff in previews. */
export const DEFAULT_IMAGES: Record<ImageKey, string> = {
    cephcsi: "quay.io/cephcsi/cephcsi:v3.15.1",
    csiAttacher: "registry.k8s.io/sig-storage/csi-attacher:v4.8.1",
    csiNodeDriverRegistrar: "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.13.0",
    csiProvisioner: "registry.k8s.io/sig-storage/csi-provisioner:v5.2.0",
    csiResizer: "registry.k8s.io/sig-storage/csi-resizer:v1.13.2",
    csiSnapshotter: "registry.k8s.io/sig-storage/csi-snapshotter:v8.2.1",
    // The last published tag of the retired external-storage rbd-provisioner (never `latest`).
    rbdProvisioner: "quay.io/external_storage/rbd-provisioner:v2.1.1-k8s1.11",
};

/**
 * The image to run for `key`: an explicit override wins; otherwise the pinned default,
 * with its registry host replaced by `registry` when one is configured (air-gapped sites
 * mirror images under the same repository path).
 */
export function imageFor(key: ImageKey, provisioner: KubeCephConfig["provisioner"]): string {
    const override = provisioner.images[key];
    if (override !== undefined) {
        return override;
    }
    const image = DEFAULT_IMAGES[key];
    if (provisioner.registry === undefined) {
        return image;
    }
    return `${provisioner.registry}/${image.slice(image.indexOf("/") + 1)}`;
}
