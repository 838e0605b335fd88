import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

export interface SmokeTestArgs {
    /** Namespace for the claim and the pod. */
    namespace: string;
    /** PersistentVolumeClaim name. */
    claimName: string;
    /** Requested size, a Kubernetes quantity. */
    size: string;
    /** Image with a POSIX shell (busybox). */
    image: string;
    /** StorageClass under test. */
    storageClassName: pulumi.Input<string>;
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

/**
 * A claim on the new StorageClass and a pod that writes a file to it and reads it back.
 * The pod turns Ready only after the read-back matched, so Pulumi's wait for a Bound
 * claim and a Ready pod is the verification.
 */
export class SmokeTest extends pulumi.ComponentResource {
    /** What was verified, once the pod is Ready. */
    public readonly result: pulumi.Output<string>;

    constructor(name: string, args: SmokeTestArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:SmokeTest", name, {}, opts);
        const claim = new k8s.core.v1.PersistentVolumeClaim(`${name}-claim`, {
            metadata: { name: args.claimName, namespace: args.namespace },
            spec: {
                accessModes: ["ReadWriteOnce"],
                storageClassName: args.storageClassName,
                resources: { requests: { storage: args.size } },
            },
        }, { parent: this });
        const pod = new k8s.core.v1.Pod(`${name}-pod`, {
            metadata: { name: `${args.claimName}-pod`, namespace: args.namespace },
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
        }, { parent: this });
        this.result = pulumi.interpolate`claim ${args.namespace}/${claim.metadata.name} Bound; pod ${pod.metadata.name} wrote and read back ${SMOKE_FILE}`;
        this.registerOutputs({ result: this.result });
    }
}
