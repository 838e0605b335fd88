import type { StorageV1Api } from "@kubernetes/client-node";
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, KubeCephDynamicResource } from "../program";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { loadKubeConfig } from "../kubernetes/kubernetes-client";

/** The annotation by which ceph-csi-operator marks the CSIDriver it made for a Driver (a namespaced owner cannot own it). */
export const OWNER_ANNOTATION = "csi.ceph.io/ownerref";

/** True when `annotations` say that the Driver `namespace/name` made this CSIDriver. */
export function madeForDriver(annotations: Record<string, string> | undefined, namespace: string, name: string): boolean {
    try {
        const owner = JSON.parse(annotations?.[OWNER_ANNOTATION] ?? "null") as { Namespace?: string; Name?: string } | null;
        return owner?.Namespace === namespace && owner?.Name === name;
    } catch {
        return false;
    }
}

interface LeftoverProps {
    namespace: string;
    driverName: string;
    kubeconfig?: string;
}

// Runs inside the Pulumi Node.js dynamic provider host (see kubernetes-client.ts).
dynamicProvider("OperatorLeftovers", {
    async create(inputs: LeftoverProps) {
        return { id: `${inputs.namespace}/${inputs.driverName}`, outs: inputs };
    },
    // The old state may be a CSIDriver that kube-ceph's manifests declared (taken over through an
    // alias): that is replaced, so that the engine deletes it with the provider that made it.
    async diff(_id: string, olds: LeftoverProps & { kind?: string }, news: LeftoverProps) {
        if (olds.driverName === undefined || olds.kind !== undefined) {
            return { changes: true, replaces: ["driverName"], deleteBeforeReplace: true };
        }
        const changed = (["namespace", "driverName", "kubeconfig"] as const).filter((key) => olds[key] !== news[key]);
        return { changes: changed.length > 0, replaces: changed.filter((key) => key !== "kubeconfig") };
    },
    async update(_id: string, _olds: LeftoverProps, news: LeftoverProps) {
        return { outs: news };
    },
    async delete(_id: string, props: LeftoverProps) {
        const k8s = require("@kubernetes/client-node");
        const storage: StorageV1Api = loadKubeConfig(props.kubeconfig).makeApiClient(k8s.StorageV1Api);
        const driver = await storage.readCSIDriver({ name: props.driverName }).catch((error: { code?: number }) => {
            if (error?.code === 404) {
                return undefined;
            }
            throw error;
        });
        // Only the operator's own: a CSIDriver someone else made under that name is not ours to delete.
        if (driver !== undefined && madeForDriver(driver.metadata?.annotations, props.namespace, props.driverName)) {
            await storage.deleteCSIDriver({ name: props.driverName });
        }
    },
});

/**
 * What ceph-csi-operator leaves behind when its Driver is deleted: the CSIDriver it made, which
 * the Driver cannot own (cluster-scoped). Declared before the Driver, so that destroy deletes it
 * after the Driver is gone, when the operator no longer recreates the CSIDriver.
 */
export class OperatorLeftovers extends KubeCephDynamicResource {
    constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super("OperatorLeftovers", name, props, opts);
    }
}
