// How the stack's config becomes CephStorage's args where it is more than passing values on:
// the provisioner with its images resolved, and the names earlier releases gave its children.
import type { CephStorageChild, CephStorageProvisioner } from "./ceph-storage-args";
import type { KubeCephConfig, ProvisionerKind } from "./config";
import { existingOperator, imagesFor, OperatorInstallForm, OperatorManifest } from "./csi";

/**
 * The names the previous releases gave CephStorage's children at the top level of the stack,
 * newest first (the provisioner's depends on its kind): as aliases, they let a stack made by
 * one of those releases upgrade without replacing anything.
 */
export const PREVIOUS_NAMES: Record<ProvisionerKind, Partial<Record<CephStorageChild, string[]>>> = (() => {
    const common = {
        pool: ["ceph", "rbd"],
        client: ["ceph-client", "rbd"],
        secrets: ["rbd-secrets", "ceph"],
        storageClass: ["rbd"],
        guard: ["guard", "rbd"],
        smokeTest: ["smoke-test"],
    };
    return {
        "csi": { ...common, provisioner: ["ceph-csi"], profile: ["ceph-csi-profile"], driver: ["rbd-driver"] },
        "external": { ...common, provisioner: ["rbd-provisioner"] },
        "in-tree": { ...common, provisioner: ["in-tree-rbd"] },
    };
})();

/** kube-ceph:provisioner as CephStorage takes it, with its images resolved. */
export function provisionerInstall(provisioner: KubeCephConfig["provisioner"], operatorManifest: OperatorManifest | undefined, installForm: OperatorInstallForm): CephStorageProvisioner {
    const images = imagesFor(provisioner);
    const { namespace, awaitRollout } = provisioner;
    switch (provisioner.kind) {
        case "external":
            return { kind: "external", namespace, image: images.rbdProvisioner!, awaitRollout };
        case "in-tree":
            return { kind: "in-tree", namespace };
        case "csi": {
            const { controllerPlugin, nodePlugin } = provisioner;
            const run = { images, logVerbosity: provisioner.operator.logVerbosity, controllerPlugin, nodePlugin, timeoutSeconds: provisioner.operator.timeoutSeconds, awaitRollout };
            switch (provisioner.install) {
                case "operator":
                    return { kind: "csi", install: "operator", namespace, manifest: operatorManifest!, installForm, ...run };
                case "existing-operator":
                    return { kind: "csi", install: "existing-operator", namespace, operatorNamespace: existingOperator(provisioner).namespace, ...run };
                case "manifests":
                    return { kind: "csi", install: "manifests", namespace, images, awaitRollout };
            }
        }
    }
}
