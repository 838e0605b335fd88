// Pinned provisioner images and the one rule that moves them to a mirror registry.
import { IMAGE_KEYS, type ImageKey, type KubeCephConfig } from "../config";

/** The ceph-csi-operator release kube-ceph installs; its install.yaml and its images move together. */
export const OPERATOR_VERSION = "v1.0.4";

/**
 * Images of kube-ceph's own ceph-csi manifests (the deprecated `manifests` install) and of the
 * external kind. A bump here is a reviewed change that shows as a diff in previews.
 */
const MANIFEST_IMAGES: Partial<Record<ImageKey, string>> = {
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
 * The operator install: the operator's own image, and for ceph-csi the defaults that this
 * operator release would pick itself (its internal/controller/defaults.go), written into the
 * Driver's image set so that an operator upgrade never changes them unseen.
 */
const OPERATOR_IMAGES: Partial<Record<ImageKey, string>> = {
    cephCsiOperator: `quay.io/cephcsi/ceph-csi-operator:${OPERATOR_VERSION}`,
    cephcsi: "quay.io/cephcsi/cephcsi:v3.17.0",
    csiAddons: "quay.io/csiaddons/k8s-sidecar:v0.14.0",
    csiAttacher: "registry.k8s.io/sig-storage/csi-attacher:v4.12.0",
    csiNodeDriverRegistrar: "registry.k8s.io/sig-storage/csi-node-driver-registrar:v2.17.0",
    csiProvisioner: "registry.k8s.io/sig-storage/csi-provisioner:v6.2.0",
    csiResizer: "registry.k8s.io/sig-storage/csi-resizer:v2.1.0",
    csiSnapshotMetadata: "registry.k8s.io/sig-storage/csi-snapshot-metadata:v1.0.0",
    csiSnapshotter: "registry.k8s.io/sig-storage/csi-snapshotter:v8.5.0",
};

/** The pinned default of `key` for this provisioner, or undefined when it runs no such image. */
export function defaultImage(key: ImageKey, provisioner: Pick<KubeCephConfig["provisioner"], "kind" | "install">): string | undefined {
    if (provisioner.kind === "csi" && provisioner.install === "existing-operator" && key === "cephCsiOperator") {
        // Someone else runs the operator, with their image.
        return undefined;
    }
    return provisioner.kind === "csi" && provisioner.install !== "manifests" ? OPERATOR_IMAGES[key] : MANIFEST_IMAGES[key];
}

/**
 * The image to run for `key`: an explicit override wins; otherwise the pinned default,
 * with its registry host replaced by `registry` when one is configured (air-gapped sites
 * mirror images under the same repository path). Undefined when the provisioner runs no such image.
 */
export function imageFor(key: ImageKey, provisioner: KubeCephConfig["provisioner"]): string | undefined {
    const override = provisioner.images[key];
    if (override !== undefined) {
        return override;
    }
    const image = defaultImage(key, provisioner);
    return image !== undefined ? mirrored(image, provisioner.registry) : undefined;
}

/** `image` with its registry host replaced by `registry`, when one is configured. */
function mirrored(image: string, registry: string | undefined): string {
    return registry === undefined ? image : `${registry}/${image.slice(image.indexOf("/") + 1)}`;
}

/** The smoke test's pod image: a pinned busybox, with a POSIX shell and nothing else it needs. */
export const SMOKE_TEST_IMAGE = "docker.io/library/busybox:1.37.0";

/** The smoke test's image: kube-ceph:smokeTest.image when set, else the pinned one, mirrored like the provisioner's. */
export function smokeTestImage(image: string | undefined, provisioner: Pick<KubeCephConfig["provisioner"], "registry">): string {
    return image ?? mirrored(SMOKE_TEST_IMAGE, provisioner.registry);
}

/** Every image this provisioner runs, by key. */
export function imagesFor(provisioner: KubeCephConfig["provisioner"]): Partial<Record<ImageKey, string>> {
    const images: Partial<Record<ImageKey, string>> = {};
    for (const key of IMAGE_KEYS) {
        const image = imageFor(key, provisioner);
        if (image !== undefined) {
            images[key] = image;
        }
    }
    return images;
}
