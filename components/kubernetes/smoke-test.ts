import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, KubeCephDynamicResource } from "../program";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { changedInputs, inputKeys } from "../program/provider-inputs";
import * as k8s from "@pulumi/kubernetes";
import { coreApi } from "./kubernetes-client";
import { ownedNamespace } from "./kubernetes-common";

export interface SmokeTestArgs {
    /** Namespace for the claim and the pod; declared by the smoke test unless every cluster has it. */
    namespace: string;
    /** PersistentVolumeClaim name. */
    claimName: string;
    /** Requested size, a Kubernetes quantity. */
    size: string;
    /** Image with a POSIX shell (busybox), pinned; kube-ceph:provisioner.registry mirrors the default. */
    image: string;
    /** false: check only that the claim binds to a provisioned volume (no pod can run there). */
    pod: boolean;
    /** Leave the pod in place after it succeeded (it is removed with the stack); unset, it is removed at once. */
    keepPod?: boolean;
    /** How long the claim (and the pod) may take before the run fails with what their events say. */
    timeoutSeconds: number;
    /**
     * StorageClass under test, by name only (declare the smoke test dependsOn the class): a
     * replaced class must not replace the claim, which would leave its volume behind under Retain.
     */
    storageClassName: string;
    /** `kubernetes:kubeconfig` if the stack sets it; the runner's default kubeconfig otherwise. */
    kubeconfig?: pulumi.Input<string>;
}

/** The file the pod writes and reads back; its content is fixed so the plan stays stable. */
export const SMOKE_FILE = "/data/kube-ceph-smoke-test";
export const SMOKE_TOKEN = "kube-ceph wrote this through RBD";

/** Shell run in the pod: write, sync, read back; its exit status is the verdict. */
export function smokeTestCommand(): string {
    return [
        `printf '%s\\n' '${SMOKE_TOKEN}' > ${SMOKE_FILE}`,
        "sync",
        `grep -qxF '${SMOKE_TOKEN}' ${SMOKE_FILE}`,
    ].join(" && ");
}

/** The user the pod runs as: nobody, so that it passes Pod Security's "restricted" profile. */
export const SMOKE_UID = 65534;

/**
 * The smoke test's pod: it writes its file to the claim, reads it back and exits 0, or fails.
 * It passes Pod Security's "restricted" profile (not root, the runtime's default seccomp profile,
 * no privilege escalation, no capabilities) and writes nowhere but the volume, which fsGroup
 * makes its group's.
 */
export function smokeTestPod(name: string, namespace: string, claimName: string, image: string) {
    return {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, labels: { "app.kubernetes.io/name": "kube-ceph-smoke-test" } },
        spec: {
            restartPolicy: "Never",
            securityContext: {
                runAsNonRoot: true,
                runAsUser: SMOKE_UID,
                runAsGroup: SMOKE_UID,
                fsGroup: SMOKE_UID,
                seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [{
                name: "verify",
                image,
                command: ["sh", "-c", smokeTestCommand()],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
                securityContext: {
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ["ALL"] },
                    readOnlyRootFilesystem: true,
                    runAsNonRoot: true,
                },
            }],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName } }],
        },
    };
}

/** One Kubernetes event about the claim or the pod, as the diagnosis quotes it. */
export interface SmokeEvent {
    object: string;
    type: string;
    reason: string;
    message: string;
}

/** Known causes of a claim or pod that never got ready, and what to do about each (patterns as text: they travel in the state). */
const REMEDIES: { pattern: string; advice: string }[] = [
    {
        pattern: "executable file not found in \\$PATH",
        advice: "the provisioner runs the rbd CLI and has none: for the in-tree kind give kube-controller-manager the rbd binary (ceph-common), or set kube-ceph:provisioner.kind to csi",
    },
    {
        pattern: "feature set mismatch|missing required protocol features",
        advice: "a node's kernel cannot map the image: see kube-ceph:preflight.kernels and the kernel table in the README",
    },
    {
        pattern: "selfLink was empty",
        advice: "the external rbd-provisioner needs metadata.selfLink, which this API server does not fill: use the csi kind",
    },
    {
        pattern: "waiting for a volume to be created.*external provisioner",
        advice: "no provisioner answered: check that the provisioner's pods run",
    },
];

/** The error a smoke test that timed out reports: what is still missing, what the events say, and what to do. */
export function smokeTestFailure(waitingFor: string, timeoutSeconds: number, events: SmokeEvent[]): string {
    const shown = events.slice(-8).map((e) => `  ${e.object}: ${e.type} ${e.reason}: ${e.message.trim()}`);
    const advice = [...new Set(REMEDIES.filter((r) => events.some((e) => new RegExp(r.pattern).test(e.message))).map((r) => r.advice))];
    return (
        `kube-ceph smoke test: ${waitingFor} after ${timeoutSeconds} s. ` +
        (shown.length > 0 ? `Its events say:\n${shown.join("\n")}\n` : "There are no events about it.\n") +
        (advice.length > 0 ? `What to do: ${advice.join("; ")}.` : "Look at the provisioner's logs; the StorageClass and Secrets are in place.")
    );
}

interface CheckProps {
    namespace: string;
    claimName: string;
    /** The pod to run once the claim is bound (smokeTestPod); absent when only the claim is checked. */
    pod?: ReturnType<typeof smokeTestPod>;
    /** Leave the pod after it succeeded. */
    keepPod?: boolean;
    timeoutSeconds: number;
    /** The claim's uid: a new claim is checked again. */
    claimUid: string;
    kubeconfig?: string;
}

/** Every input of the check: a change of any of them runs it again (the provider's text is not one). */
const CHECK_INPUTS = inputKeys<CheckProps>({ namespace: true, claimName: true, pod: true, keepPod: true, timeoutSeconds: true, claimUid: true, kubeconfig: true });

// Runs inside the Pulumi Node.js dynamic provider host. It reaches module code only
// through plain functions, which Pulumi serializes with it (see kubernetes-client.ts).
dynamicProvider("SmokeTestCheck", {
    async diff(_id: string, olds: CheckProps, news: CheckProps) {
        // Never a replacement: running the check again is an update.
        return { changes: changedInputs(olds, news, CHECK_INPUTS).length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: CheckProps) {
        return { id: `${inputs.namespace}/${inputs.claimName}`, outs: { ...inputs, ...(await verify(inputs)) } };
    },
    async update(_id: string, _olds: CheckProps, news: CheckProps) {
        return { outs: { ...news, ...(await verify(news)) } };
    },
    // A kept pod goes with the stack (it mounts the claim, which goes next); a removed one is already gone.
    async delete(_id: string, props: CheckProps) {
        if (props.pod !== undefined) {
            await removePod(props);
        }
    },
});

/** What the API server said, from its Status body when it sent one. */
function apiErrorMessage(error: unknown): string {
    const body = (error as { body?: unknown }).body;
    if (typeof body === "string") {
        try {
            return (JSON.parse(body) as { message?: string }).message ?? body;
        } catch {
            return body;
        }
    }
    return (error as Error).message;
}

/** Deletes the smoke test's pod and waits until it is gone; a pod that is not there is fine. */
async function removePod(props: CheckProps): Promise<void> {
    const { core } = coreApi(props.kubeconfig);
    const ref = { name: props.pod!.metadata.name, namespace: props.namespace };
    const gone = (error: unknown) => (error as { code?: number }).code === 404;
    try {
        await core.deleteNamespacedPod({ ...ref, gracePeriodSeconds: 0 });
    } catch (error) {
        if (gone(error)) {
            return;
        }
        throw error;
    }
    for (let i = 0; i < 60; i++) {
        try {
            await core.readNamespacedPod(ref);
        } catch (error) {
            if (gone(error)) {
                return;
            }
            throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}

/**
 * Waits for the claim to bind; then, with a pod, runs it (a pod left by an earlier run is
 * replaced), waits for it to succeed and removes it unless asked to keep it. On a timeout or a
 * failed pod, fails with the events of both.
 */
async function verify(props: CheckProps): Promise<{ volume: string; image: string }> {
    const { core, server } = coreApi(props.kubeconfig);
    const deadline = Date.now() + props.timeoutSeconds * 1000;
    const claimRef = `claim ${props.namespace}/${props.claimName}`;
    const podName = props.pod?.metadata.name;
    let waitingFor = `${claimRef} is not Bound`;
    let podStarted = false;
    let refused: string | undefined;
    for (;;) {
        try {
            const claim = await core.readNamespacedPersistentVolumeClaim({ name: props.claimName, namespace: props.namespace });
            if (claim.status?.phase === "Bound" && claim.spec?.volumeName) {
                const volumeName = claim.spec.volumeName;
                const volume = await core.readPersistentVolume({ name: volumeName });
                const image = volume.spec?.rbd ? `${volume.spec.rbd.pool}/${volume.spec.rbd.image}` : `${volume.spec?.csi?.volumeAttributes?.pool}/${volume.spec?.csi?.volumeAttributes?.imageName}`;
                if (props.pod === undefined) {
                    return { volume: volumeName, image };
                }
                if (!podStarted) {
                    await removePod(props);
                    try {
                        await core.createNamespacedPod({ namespace: props.namespace, body: props.pod });
                    } catch (error) {
                        // Admission (Pod Security among it) refused it: no wait can change that.
                        refused = apiErrorMessage(error);
                        break;
                    }
                    podStarted = true;
                }
                const pod = await core.readNamespacedPod({ name: podName!, namespace: props.namespace });
                const phase = pod.status?.phase;
                if (phase === "Succeeded") {
                    if (props.keepPod !== true) {
                        await removePod(props);
                    }
                    return { volume: volumeName, image };
                }
                if (phase === "Failed") {
                    const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
                    waitingFor = `pod ${props.namespace}/${podName} failed (exit ${terminated?.exitCode ?? "unknown"}${terminated?.reason ? `, ${terminated.reason}` : ""}): it could not write and read back ${SMOKE_FILE} on ${claimRef}, Bound to ${volumeName}`;
                    break;
                }
                waitingFor = `pod ${props.namespace}/${podName} has not finished (${phase ?? "no phase"}; it writes and reads back ${SMOKE_FILE} on ${claimRef}, Bound to ${volumeName})`;
            } else {
                waitingFor = `${claimRef} is ${claim.status?.phase ?? "without a phase"}, not Bound`;
            }
        } catch (error) {
            waitingFor = `${claimRef} could not be read at ${server} (${apiErrorMessage(error)})`;
        }
        if (Date.now() > deadline) {
            break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    if (refused !== undefined) {
        throw new Error(`kube-ceph smoke test: the API server at ${server} refused pod ${props.namespace}/${podName}: ${refused}`);
    }
    const events: SmokeEvent[] = [];
    for (const [kind, name] of [["PersistentVolumeClaim", props.claimName], ["Pod", podName]] as const) {
        if (name === undefined) {
            continue;
        }
        const list = await core.listNamespacedEvent({ namespace: props.namespace, fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name}` }).catch(() => ({ items: [] as { type?: string; reason?: string; message?: string }[] }));
        for (const e of list.items) {
            events.push({ object: `${kind} ${props.namespace}/${name}`, type: e.type ?? "", reason: e.reason ?? "", message: e.message ?? "" });
        }
    }
    throw new Error(smokeTestFailure(waitingFor, props.timeoutSeconds, events));
}

class SmokeTestCheck extends KubeCephDynamicResource {
    // `declare`: a class field would be set to undefined after super() has filled it in.
    declare public readonly volume: pulumi.Output<string>;
    declare public readonly image: pulumi.Output<string>;

    constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super("SmokeTestCheck", name, { ...props, volume: undefined, image: undefined }, opts);
    }
}

/**
 * A claim on the new StorageClass and, unless `pod` is false, a pod that writes a file to it,
 * reads it back and exits. The check waits for the claim (which skips the kubernetes
 * provider's own wait), then runs the pod itself and removes it once it succeeded, so no pod
 * stays behind; a timeout reports what the claim's and the pod's events say.
 */
export class SmokeTest extends pulumi.ComponentResource {
    /** What was verified. */
    public readonly result: pulumi.Output<string>;

    constructor(name: string, args: SmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:SmokeTest", name, {}, opts);
        const namespace = ownedNamespace(name, args.namespace, this);
        // The check below waits and diagnoses; the provider's own wait would fail first, saying less.
        const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-claim`, {
            metadata: { name: args.claimName, namespace, annotations: { "pulumi.com/skipAwait": "true" } },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClassName,
                resources: { requests: { storage: args.size } },
            },
        }, { parent: this });
        const podName = `${args.claimName}-pod`;
        const check = new SmokeTestCheck(`${name}-check`, {
            namespace: args.namespace,
            claimName: args.claimName,
            ...(args.pod ? { pod: smokeTestPod(podName, args.namespace, args.claimName, args.image), keepPod: args.keepPod === true } : {}),
            timeoutSeconds: args.timeoutSeconds,
            claimUid: claim.metadata.uid,
            ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}),
        }, { parent: this, dependsOn: [claim] });
        this.result = args.pod
            ? pulumi.interpolate`claim ${args.namespace}/${args.claimName} Bound to ${check.volume} (RBD image ${check.image}); pod ${podName} wrote and read back ${SMOKE_FILE}${args.keepPod === true ? " (kept: kube-ceph:smokeTest.keepPod)" : " and was removed"}`
            : pulumi.interpolate`claim ${args.namespace}/${args.claimName} Bound to ${check.volume} (RBD image ${check.image}); no pod run (kube-ceph:smokeTest.pod is false)`;
        this.registerOutputs({ result: this.result });
    }
}
