import type { AppsV1Api, CoreV1Api, CustomObjectsApi } from "@kubernetes/client-node";
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, KubeCephDynamicResource } from "../program";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { changedInputs } from "../program/provider-inputs";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { apiServerOf, loadKubeConfig } from "../kubernetes/kubernetes-client";
import type { PodExpectation } from "./ceph-csi-plugin-settings";

/** The finalizer ceph-csi-operator puts on a ClientProfile once it has written it into ceph-csi's configuration. */
export const PROFILE_FINALIZER = "csi.ceph.com/cleanup";

/** The workloads ceph-csi-operator generates for a Driver (named after it). */
export function driverWorkloads(driverName: string): { controller: string; node: string } {
    return { controller: `${driverName}-ctrlplugin`, node: `${driverName}-nodeplugin` };
}

/** A generated workload as read from the API: only what the check looks at. */
export interface WorkloadReading {
    kind: "Deployment" | "DaemonSet";
    name: string;
    /** uid of its controller owner, if any. */
    controllerUid?: string;
    images: string[];
    args: string[];
    /** The pod template's PriorityClass and tolerations. */
    priorityClassName?: string;
    tolerations?: Record<string, unknown>[];
    generation?: number;
    observedGeneration?: number;
    /** Deployment: replicas wanted / updated / available. DaemonSet: desired / updated / ready. */
    want?: number;
    updated?: number;
    ready?: number;
}

export interface ReadinessExpectation {
    namespace: string;
    driverName: string;
    driverUid: string;
    clusterId: string;
    pluginImage: string;
    logVerbosity: number;
    /** Pod settings the workloads must show (ceph-csi-plugin-settings.ts); absent when none is set. */
    pods?: PodsExpectation;
    awaitRollout: boolean;
}

/** The pod settings each rendered workload must show: the controller's Deployment, the node's DaemonSet. */
export interface PodsExpectation {
    controller?: PodExpectation;
    node?: PodExpectation;
}

/**
 * What is still missing for the operator to have reconciled the Driver and the ClientProfile,
 * or undefined when nothing is. Only what the operator really writes counts: its finalizer on
 * the profile, the clusterID in ceph-csi's configuration, and the workloads it owns, with the
 * image and log level asked for (and, with awaitRollout, their own rollout status).
 */
export function missingReconciliation(
    want: ReadinessExpectation,
    profileFinalizers: string[] | undefined,
    csiConfigJson: string | undefined,
    workloads: (WorkloadReading | undefined)[],
): string | undefined {
    const profile = `ClientProfile ${want.namespace}/${want.clusterId}`;
    if (profileFinalizers === undefined) {
        return `${profile} does not exist`;
    }
    if (!profileFinalizers.includes(PROFILE_FINALIZER)) {
        return `the operator has not loaded ${profile} yet (it has no ${PROFILE_FINALIZER} finalizer)`;
    }
    let clusters: { clusterID?: string }[] = [];
    try {
        clusters = JSON.parse(csiConfigJson ?? "[]");
    } catch {
        return `ConfigMap ${want.namespace}/ceph-csi-config holds no JSON under config.json`;
    }
    if (!Array.isArray(clusters) || !clusters.some((c) => c.clusterID === want.clusterId)) {
        return `ConfigMap ${want.namespace}/ceph-csi-config does not name clusterID ${want.clusterId} yet`;
    }
    const names = driverWorkloads(want.driverName);
    for (const [kind, name, reading] of [["Deployment", names.controller, workloads[0]], ["DaemonSet", names.node, workloads[1]]] as const) {
        const ref = `${kind} ${want.namespace}/${name}`;
        if (reading === undefined) {
            return `the operator has not created ${ref} yet`;
        }
        if (reading.controllerUid !== want.driverUid) {
            return `${ref} is not owned by Driver ${want.namespace}/${want.driverName}`;
        }
        if (!reading.images.includes(want.pluginImage)) {
            return `${ref} does not run ${want.pluginImage} yet (it runs ${reading.images.join(", ")})`;
        }
        if (!reading.args.includes(`--v=${want.logVerbosity}`)) {
            return `${ref} does not log at --v=${want.logVerbosity} yet`;
        }
        const pod = kind === "Deployment" ? want.pods?.controller : want.pods?.node;
        if (pod?.priorityClassName !== undefined && reading.priorityClassName !== pod.priorityClassName) {
            return `${ref} does not run at PriorityClass ${pod.priorityClassName} yet`;
        }
        const tolerated = (reading.tolerations ?? []).map(sortedJson);
        const untolerated = (pod?.tolerations ?? []).find((t) => !tolerated.includes(sortedJson(t)));
        if (untolerated !== undefined) {
            return `${ref} does not have the toleration ${sortedJson(untolerated)} yet`;
        }
        if (want.awaitRollout) {
            if ((reading.observedGeneration ?? 0) < (reading.generation ?? 0)) {
                return `${ref}: its controller has not seen generation ${reading.generation} yet`;
            }
            const what = kind === "Deployment" ? "replicas" : "nodes";
            if (reading.want === undefined || reading.updated !== reading.want || reading.ready !== reading.want) {
                return `${ref} is not rolled out: ${reading.ready ?? 0} of ${reading.want ?? "?"} ${what} ready, ${reading.updated ?? 0} updated`;
            }
        }
    }
    return undefined;
}

/** JSON with the keys in order, so that two equal objects compare equal however they were written. */
function sortedJson(object: Record<string, unknown>): string {
    return JSON.stringify(Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b))));
}

interface ReadinessProps extends ReadinessExpectation {
    timeoutSeconds: number;
    kubeconfig?: string;
}

/** What the check expects; a change of any of these runs it again. */
const EXPECTED: (keyof ReadinessExpectation)[] = ["namespace", "driverName", "driverUid", "clusterId", "pluginImage", "logVerbosity", "pods", "awaitRollout"];

/**
 * The expectations that differ between two runs. The timeout, the kubeconfig's credentials and
 * kube-ceph's own code are left out: a check that passed for the same Driver, image and settings
 * passes again, so a new release of kube-ceph shows no step for it in the preview.
 */
export function changedExpectations(olds: Partial<ReadinessExpectation>, news: ReadinessExpectation): (keyof ReadinessExpectation)[] {
    return changedInputs(olds, news, EXPECTED);
}

// Runs inside the Pulumi Node.js dynamic provider host (see kubernetes-client.ts).
dynamicProvider("CephCsiReadiness", {
    async diff(_id: string, olds: ReadinessProps, news: ReadinessProps) {
        // Never a replacement: the check has nothing to delete, so running it again is an update.
        return { changes: changedExpectations(olds, news).length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: ReadinessProps) {
        return { id: `${inputs.namespace}/${inputs.driverName}/${inputs.clusterId}`, outs: { ...inputs, ...(await awaitReconciled(inputs)) } };
    },
    async update(_id: string, _olds: ReadinessProps, news: ReadinessProps) {
        return { outs: { ...news, ...(await awaitReconciled(news)) } };
    },
});

/** Polls the API until `missingReconciliation` finds nothing missing, or fails naming what is. */
async function awaitReconciled(props: ReadinessProps): Promise<{ controller: string; node: string }> {
    const k8s = require("@kubernetes/client-node");
    const config = loadKubeConfig(props.kubeconfig);
    const core: CoreV1Api = config.makeApiClient(k8s.CoreV1Api);
    const apps: AppsV1Api = config.makeApiClient(k8s.AppsV1Api);
    const custom: CustomObjectsApi = config.makeApiClient(k8s.CustomObjectsApi);
    const names = driverWorkloads(props.driverName);
    const notFound = (error: { code?: number }) => {
        if (error?.code === 404) {
            return undefined;
        }
        throw error;
    };
    const workload = (kind: "Deployment" | "DaemonSet", object: any): WorkloadReading | undefined => {
        if (object === undefined) {
            return undefined;
        }
        const containers: { image?: string; args?: string[] }[] = object.spec?.template?.spec?.containers ?? [];
        const status = object.status ?? {};
        return {
            kind,
            name: object.metadata?.name,
            controllerUid: (object.metadata?.ownerReferences ?? []).find((o: { controller?: boolean }) => o.controller)?.uid,
            images: containers.map((c) => c.image ?? ""),
            args: containers.flatMap((c) => c.args ?? []),
            priorityClassName: object.spec?.template?.spec?.priorityClassName,
            tolerations: object.spec?.template?.spec?.tolerations ?? [],
            generation: object.metadata?.generation,
            observedGeneration: status.observedGeneration,
            want: kind === "Deployment" ? object.spec?.replicas : status.desiredNumberScheduled,
            updated: kind === "Deployment" ? status.updatedReplicas : status.updatedNumberScheduled,
            ready: kind === "Deployment" ? status.availableReplicas : status.numberReady,
        };
    };
    const deadline = Date.now() + props.timeoutSeconds * 1000;
    let missing: string | undefined;
    for (;;) {
        try {
            const profile = await custom.getNamespacedCustomObject({ group: "csi.ceph.io", version: "v1", namespace: props.namespace, plural: "clientprofiles", name: props.clusterId }).catch(notFound);
            const csiConfig = await core.readNamespacedConfigMap({ name: "ceph-csi-config", namespace: props.namespace }).catch(notFound);
            const deployment = await apps.readNamespacedDeployment({ name: names.controller, namespace: props.namespace }).catch(notFound);
            const daemonSet = await apps.readNamespacedDaemonSet({ name: names.node, namespace: props.namespace }).catch(notFound);
            missing = missingReconciliation(
                props,
                profile === undefined ? undefined : (profile.metadata?.finalizers ?? []),
                csiConfig?.data?.["config.json"],
                [workload("Deployment", deployment), workload("DaemonSet", daemonSet)],
            );
        } catch (error) {
            // An API that cannot be read (gone, or access denied) fails the run at once, as the
            // kubernetes provider does; only what the operator has not done yet is waited for.
            throw new Error(`kube-ceph could not read ${props.driverName}'s reconciliation at ${apiServerOf(config)}: ${(error as Error).message}`);
        }
        if (missing === undefined) {
            return names;
        }
        if (Date.now() > deadline) {
            break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error(
        `ceph-csi-operator did not reconcile ${props.driverName} for clusterID ${props.clusterId} within ${props.timeoutSeconds} s: ${missing}. ` +
            `Check that the operator runs (kubectl -n ${props.namespace} get deployment ceph-csi-operator-controller-manager) and read its log; ` +
            `kube-ceph:provisioner.operator.timeoutSeconds sets how long this waits` +
            (props.awaitRollout ? "; kube-ceph:provisioner.awaitRollout: false skips the wait for ceph-csi's own pods." : "."),
    );
}

/**
 * Waits until ceph-csi-operator has reconciled a Driver and the ClientProfile its StorageClass
 * names; a change of image or log level is checked again until the workloads show it.
 */
export class CephCsiReadiness extends KubeCephDynamicResource {
    // `declare`: a class field would be set to undefined after super() has filled it in.
    /** The generated controller-plugin Deployment. */
    declare public readonly controller: pulumi.Output<string>;
    /** The generated node-plugin DaemonSet. */
    declare public readonly node: pulumi.Output<string>;

    constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super("CephCsiReadiness", name, { ...props, controller: undefined, node: undefined }, opts);
    }
}
