// The smoke test's pod against the lab's real API server, whose PodSecurity admission judges a
// pod by itself, with no kubelet: in a namespace that enforces "restricted", the pod kube-ceph
// runs now is admitted, and the one earlier releases ran (root, no securityContext) is refused.
import test from "ava";
import { execFileSync } from "node:child_process";
import { smokeTestCommand, smokeTestPod } from "../../components/kubernetes";
import { SMOKE_TEST_IMAGE } from "../../components/csi";
import { kubectlJson } from "../lab";

const NAMESPACE = `smoke-restricted-${process.pid}`;

/** `kubectl create` of a manifest; throws with the API server's answer on a refusal. */
function create(manifest: object): string {
    return execFileSync("kubectl", ["create", "-f", "-", "-o", "name"], { input: JSON.stringify(manifest), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

test.before(() => {
    create({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: NAMESPACE, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } },
    });
});

test.after.always(() => {
    execFileSync("kubectl", ["delete", "namespace", NAMESPACE, "--wait=false", "--ignore-not-found"]);
});

test.serial("the smoke test's pod is admitted where Pod Security enforces \"restricted\"", (t) => {
    const pod = smokeTestPod("ceph-test-claim-pod", NAMESPACE, "ceph-test-claim", SMOKE_TEST_IMAGE);
    t.is(create(pod).trim(), "pod/ceph-test-claim-pod");
    const stored = kubectlJson("get", "pod", "-n", NAMESPACE, "ceph-test-claim-pod");
    t.is(stored.spec.securityContext.runAsUser, 65534);
    t.deepEqual(stored.spec.containers[0].securityContext.capabilities, { drop: ["ALL"] });
});

test.serial("the pod of earlier releases (root, no securityContext, kept running) is refused there, naming what it lacks", (t) => {
    const earlier = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "earlier-smoke-pod", namespace: NAMESPACE },
        spec: {
            restartPolicy: "Never",
            containers: [{
                name: "verify",
                image: "busybox:1.32.0",
                command: ["sh", "-c", `${smokeTestCommand()} && touch /tmp/verified && exec tail -f /dev/null`],
                volumeMounts: [{ name: "data", mountPath: "/data" }],
                readinessProbe: { exec: { command: ["test", "-f", "/tmp/verified"] }, periodSeconds: 2 },
            }],
            volumes: [{ name: "data", persistentVolumeClaim: { claimName: "ceph-test-claim" } }],
        },
    };
    const error = t.throws(() => create(earlier));
    const answer = String((error as { stderr?: string }).stderr);
    t.regex(answer, /violates PodSecurity "restricted:latest"/, answer);
    t.regex(answer, /allowPrivilegeEscalation != false/, answer);
    t.regex(answer, /runAsNonRoot != true/, answer);
    t.regex(answer, /seccompProfile/, answer);
});
