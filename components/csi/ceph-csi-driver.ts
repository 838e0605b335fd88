// What every ceph-csi driver that ceph-csi-operator runs is made of: the Driver with its image
// set, the check that the operator reconciled it, and the CSIDriver it leaves behind on delete.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CSI_OPERATOR_API } from "./ceph-client-profile";
import { driverPluginSpec, podExpectation, withoutUndefined } from "./ceph-csi-plugin-settings";
import type { ControllerPluginSettings, ImageKey, NodePluginSettings } from "../config";
import { CephCsiReadiness, PodsExpectation } from "./ceph-csi-readiness";
import { OperatorLeftovers } from "./operator-leftovers";

/** What the readiness check must see in the rendered workloads; undefined when no setting it checks is set. */
export function podsExpectation(controller: ControllerPluginSettings | undefined, node: NodePluginSettings | undefined): PodsExpectation | undefined {
    const pods = withoutUndefined({ controller: podExpectation(controller), node: podExpectation(node) });
    return Object.keys(pods).length === 0 ? undefined : pods;
}

/** kube-ceph's image keys, as the keys of the operator's image-set ConfigMap. */
export const IMAGE_SET_KEYS: Partial<Record<ImageKey, string>> = {
    cephcsi: "plugin",
    csiProvisioner: "provisioner",
    csiAttacher: "attacher",
    csiResizer: "resizer",
    csiSnapshotter: "snapshotter",
    csiNodeDriverRegistrar: "registrar",
    csiAddons: "addons",
    csiSnapshotMetadata: "snapshot-metadata",
};

/** The image-set ConfigMap's data for these images (keys the operator does not read are left out). */
export function imageSetData(images: Partial<Record<ImageKey, string>>): Record<string, string> {
    const data: Record<string, string> = {};
    for (const [key, setKey] of Object.entries(IMAGE_SET_KEYS) as [ImageKey, string][]) {
        const image = images[key];
        if (image !== undefined) {
            data[setKey] = image;
        }
    }
    return data;
}

export interface CsiDriverArgs {
    /** The operator's namespace (a Driver elsewhere would lack the operator's ServiceAccounts). */
    namespace: pulumi.Input<string>;
    /** Images for ceph-csi and its sidecars, after overrides and the registry mirror. */
    images: Partial<Record<ImageKey, string>>;
    /** ceph-csi's log verbosity, 0-5. */
    logVerbosity: number;
    /** The controller plugin's pod settings; unset, the operator's defaults. */
    controllerPlugin?: ControllerPluginSettings;
    /** The node plugin's pod settings and kubelet directory; unset, the operator's defaults. */
    nodePlugin?: NodePluginSettings;
    /** The ClientProfile (named after the clusterID) whose loading the readiness check waits for. */
    clusterId: pulumi.Input<string>;
    /**
     * The ClientProfile's component, when the Driver shares the stack's: destroy then deletes the
     * Driver before the profile. Deleted at once, the operator reconciled the Driver for the
     * profile's going while the Driver's own deletion waited, and could keep it waiting for minutes.
     */
    profile?: pulumi.Resource;
    /** Wait for ceph-csi's own pods too; off only where no kubelet runs them. */
    awaitRollout: boolean;
    /** How long to wait for the operator. */
    timeoutSeconds: number;
    /** The cluster kube-ceph's own reads use (`kubernetes:kubeconfig`), when set. */
    kubeconfig?: string;
}

/** What declaring a driver gives its component. */
export interface CsiDriverDeclared {
    /** The Driver's (and the CSIDriver's) name. */
    driverName: pulumi.Output<string>;
    /** The controller-plugin Deployment the operator generated. */
    controller: pulumi.Output<string>;
    /** The node-plugin DaemonSet the operator generated. */
    node: pulumi.Output<string>;
}

/**
 * Declares the Driver `driverName` under `parent`, with every image pinned through its image set,
 * then the check that the operator has reconciled it; on destroy, after the Driver, the CSIDriver
 * the operator made for it goes too. `takesOverCsiDriver`: URNs a CSIDriver of that name that
 * kube-ceph's own manifests declared may have (deleted first: the operator refuses one it did not make).
 */
export function declareCsiDriver(parent: pulumi.Resource, name: string, driverName: string, args: CsiDriverArgs, takesOverCsiDriver: pulumi.Input<string>[] = []): CsiDriverDeclared {
    // Named by Pulumi: the provider replaces a ConfigMap whose data changes, so a new image
    // set is a new ConfigMap that the Driver is pointed at in place, and the old one goes after.
    const imageSet = new k8s.core.v1.ConfigMap(`${name}-images`, {
        metadata: { namespace: args.namespace },
        data: imageSetData(args.images),
    }, { parent });
    const kubeconfig = args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {};
    const leftovers = new OperatorLeftovers(`${name}-leftovers`, { namespace: args.namespace, driverName, ...kubeconfig }, {
        parent,
        // On a stack moving from the manifests, the old CSIDriver becomes this resource: a new
        // provider means a replacement, and deleting the old one first frees the name in time.
        aliases: takesOverCsiDriver,
        deleteBeforeReplace: true,
    });
    const driver = new k8s.apiextensions.CustomResource(`${name}-driver`, {
        apiVersion: CSI_OPERATOR_API,
        kind: "Driver",
        metadata: {
            name: driverName,
            namespace: args.namespace,
            // Deleted in the background: in the foreground, the Driver stays until the garbage
            // collector has deleted its workloads, and ceph-csi-operator, reconciling the Driver
            // that is still there, makes them again, for minutes on end.
            annotations: { "pulumi.com/deletionPropagationPolicy": "background" },
        },
        spec: {
            log: { verbosity: args.logVerbosity },
            imageSet: { name: imageSet.metadata.name },
            // Only when set: a Driver without them stays exactly as earlier releases declared it.
            ...withoutUndefined({ controllerPlugin: driverPluginSpec(args.controllerPlugin), nodePlugin: driverPluginSpec(args.nodePlugin) }),
        },
    }, { parent, dependsOn: [leftovers, ...(args.profile !== undefined ? [args.profile] : [])] });
    const readiness = new CephCsiReadiness(`${name}-ready`, {
        namespace: args.namespace,
        driverName: driver.metadata.name,
        driverUid: driver.metadata.uid,
        clusterId: args.clusterId,
        pluginImage: args.images.cephcsi,
        // The image set's content, so that a changed image is waited for again.
        images: imageSet.data,
        logVerbosity: args.logVerbosity,
        ...withoutUndefined({ pods: podsExpectation(args.controllerPlugin, args.nodePlugin) }),
        awaitRollout: args.awaitRollout,
        timeoutSeconds: args.timeoutSeconds,
        ...kubeconfig,
    }, { parent, dependsOn: [driver, imageSet] });
    return { driverName: driver.metadata.name, controller: readiness.controller, node: readiness.node };
}
