import * as pulumi from "@pulumi/pulumi";
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
    /** Image with a POSIX shell (busybox). */
    image: string;
    /** false: check only that the claim binds to a provisioned volume (no pod can run there). */
    pod: boolean;
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

/** Shell run in the pod: write, sync, read back, and only then mark itself ready. */
export function smokeTestCommand(): string {
    return [
        `printf '%s\\n' '${SMOKE_TOKEN}' > ${SMOKE_FILE}`,
        "sync",
        `grep -qxF '${SMOKE_TOKEN}' ${SMOKE_FILE}`,
        "touch /tmp/verified",
        "exec tail -f /dev/null",
    ].join(" && ");
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
    /** Absent when only the claim is checked. */
    podName?: string;
    timeoutSeconds: number;
    /** The claim's uid: a new claim is checked again. */
    claimUid: string;
    kubeconfig?: string;
}

// Runs inside the Pulumi Node.js dynamic provider host. It reaches module code only
// through plain functions, which Pulumi serializes with it (see kubernetes-client.ts).
const checkProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CheckProps) {
        return { id: `${inputs.namespace}/${inputs.claimName}`, outs: { ...inputs, ...(await verify(inputs)) } };
    },
    async update(_id: string, _olds: CheckProps, news: CheckProps) {
        return { outs: { ...news, ...(await verify(news)) } };
    },
};

/** Waits for the claim to bind (and the pod to be Ready); on timeout fails with the events of both. */
async function verify(props: CheckProps): Promise<{ volume: string; image: string }> {
    const { core, server } = coreApi(props.kubeconfig);
    const deadline = Date.now() + props.timeoutSeconds * 1000;
    const claimRef = `claim ${props.namespace}/${props.claimName}`;
    let waitingFor = `${claimRef} is not Bound`;
    for (;;) {
        try {
            const claim = await core.readNamespacedPersistentVolumeClaim({ name: props.claimName, namespace: props.namespace });
            if (claim.status?.phase === "Bound" && claim.spec?.volumeName) {
                const volumeName = claim.spec.volumeName;
                const volume = await core.readPersistentVolume({ name: volumeName });
                const image = volume.spec?.rbd ? `${volume.spec.rbd.pool}/${volume.spec.rbd.image}` : `${volume.spec?.csi?.volumeAttributes?.pool}/${volume.spec?.csi?.volumeAttributes?.imageName}`;
                if (props.podName === undefined) {
                    return { volume: volumeName, image };
                }
                const pod = await core.readNamespacedPod({ name: props.podName, namespace: props.namespace });
                if ((pod.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === "Ready" && c.status === "True")) {
                    return { volume: volumeName, image };
                }
                waitingFor = `pod ${props.namespace}/${props.podName} is not Ready (it writes and reads back ${SMOKE_FILE} on ${claimRef}, Bound to ${volumeName})`;
            } else {
                waitingFor = `${claimRef} is ${claim.status?.phase ?? "without a phase"}, not Bound`;
            }
        } catch (error) {
            waitingFor = `${claimRef} could not be read at ${server} (${(error as Error).message})`;
        }
        if (Date.now() > deadline) {
            break;
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const events: SmokeEvent[] = [];
    for (const [kind, name] of [["PersistentVolumeClaim", props.claimName], ["Pod", props.podName]] as const) {
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

class SmokeTestCheck extends pulumi.dynamic.Resource {
    // `declare`: a class field would be set to undefined after super() has filled it in.
    declare public readonly volume: pulumi.Output<string>;
    declare public readonly image: pulumi.Output<string>;

    constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super(checkProvider, name, { ...props, volume: undefined, image: undefined }, opts, "kube-ceph", "SmokeTestCheck");
    }
}

/**
 * A claim on the new StorageClass and, unless `pod` is false, a pod that writes a file to it
 * and reads it back; the pod turns Ready only after the read-back matched. The check waits
 * for both itself (the two objects skip the kubernetes provider's own wait), so that a
 * timeout reports what the claim's and the pod's events say instead of only that it timed out.
 */
export class SmokeTest extends pulumi.ComponentResource {
    /** What was verified. */
    public readonly result: pulumi.Output<string>;

    constructor(name: string, args: SmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:SmokeTest", name, {}, opts);
        const namespace = ownedNamespace(name, args.namespace, this);
        // The check below waits and diagnoses; the provider's own wait would fail first, saying less.
        const skipAwait = { "pulumi.com/skipAwait": "true" };
        const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-claim`, {
            metadata: { name: args.claimName, namespace, annotations: skipAwait },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClassName,
                resources: { requests: { storage: args.size } },
            },
        }, { parent: this });
        const pod = args.pod
            ? new k8s.core.v1.Pod(`${name}-pod`, {
                  metadata: { name: `${args.claimName}-pod`, namespace, annotations: skipAwait },
                  spec: {
                      restartPolicy: "Never",
                      containers: [{
                          name: "verify",
                          image: args.image,
                          command: ["sh", "-c", smokeTestCommand()],
                          volumeMounts: [{ name: "data", mountPath: "/data" }],
                          readinessProbe: { exec: { command: ["test", "-f", "/tmp/verified"] }, periodSeconds: 2 },
                      }],
                      volumes: [{ name: "data", persistentVolumeClaim: { claimName: claim.metadata.name } }],
                  },
              }, { parent: this })
            : undefined;
        const check = new SmokeTestCheck(`${name}-check`, {
            namespace: args.namespace,
            claimName: args.claimName,
            ...(pod ? { podName: pod.metadata.name } : {}),
            timeoutSeconds: args.timeoutSeconds,
            claimUid: claim.metadata.uid,
            ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}),
        }, { parent: this, dependsOn: pod ? [claim, pod] : [claim] });
        this.result = pod
            ? pulumi.interpolate`claim ${args.namespace}/${args.claimName} Bound to ${check.volume} (RBD image ${check.image}); pod ${pod.metadata.name} wrote and read back ${SMOKE_FILE}`
            : pulumi.interpolate`claim ${args.namespace}/${args.claimName} Bound to ${check.volume} (RBD image ${check.image}); no pod run (kube-ceph:smokeTest.pod is false)`;
        this.registerOutputs({ result: this.result });
    }
}
