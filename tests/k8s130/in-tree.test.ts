// The write-up's own flow on Kubernetes 1.30, where kube-controller-manager still carries the
// in-tree kubernetes.io/rbd provisioner: it creates and deletes images by running the rbd CLI,
// which the lab's kube-controller-manager (a host process on a machine with ceph-common) has.
// Claims here really bind to RBD images that Ceph really made. No kubelet runs, so no pod.
import test, { ExecutionContext } from "ava";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { rbdClientCaps } from "../../components/ceph";
import { labConfig, labStack, REPO, writeConfig } from "../../lab/pulumi/stack";
import { ceph, cephJson, labCephIdentity, rbd } from "../../lab/lab";
import { cleanupStack, kubectlJson, poolExists, quiet } from "../lab";

const id = process.pid;
const POOL = `it${id}`;
const CLIENT = `it${id}`;
const CLASS = `it-${id}`;
const NAMESPACE = `it-${id}`;
const SMOKE_TIMEOUT = 120;
/**
 * The failing stack's smoke-test timeout: kube-controller-manager records its ProvisioningFailed
 * event within a second, so the test need not wait the others' 120 s for the same message (CI time).
 */
const FAILING_SMOKE_TIMEOUT = 30;

const config = (storageClass: Record<string, unknown> = {}, suffix = "", smokeTimeout = SMOKE_TIMEOUT) =>
    labConfig({
        pool: { name: POOL + suffix, pgNum: 8, deletionPolicy: "delete" },
        client: { name: CLIENT + suffix },
        storageClass: { name: CLASS + suffix, ...storageClass },
        provisioner: { kind: "in-tree", namespace: NAMESPACE + suffix },
        // The write-up's claim: ceph-test-claim, 5Gi, RWO. Only the claim: no kubelet runs a pod here.
        // A second stack's claim goes to a namespace of its own, which the smoke test creates.
        smokeTest: { enabled: true, pod: false, timeoutSeconds: smokeTimeout, ...(suffix ? { namespace: `smoke-${id}${suffix}` } : {}) },
    });

function kubectl(...args: string[]): string {
    return execFileSync("kubectl", args, { encoding: "utf8" });
}

/** Restarts the lab's kube-controller-manager with or without the rbd CLI on its PATH. */
function kcm(mode: "with-rbd" | "without-rbd"): void {
    execFileSync(join(REPO, "lab", "kubernetes", "kube.sh"), ["restart-kcm", ...(mode === "without-rbd" ? ["without-rbd"] : [])], { stdio: "pipe" });
}

/** A claim on the stack's class, as a user would make one. */
function createClaim(name: string, storageClassName = CLASS): void {
    const manifest = {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name, namespace: "default" },
        spec: { accessModes: ["ReadWriteOnce"], storageClassName, resources: { requests: { storage: "1Gi" } } },
    };
    execFileSync("kubectl", ["create", "-f", "-"], { input: JSON.stringify(manifest) });
}

async function until<T>(what: string, seconds: number, probe: () => T | undefined, intervalMs = 1000): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const value = probe();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`${what} did not happen within ${seconds} s`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
}

/** The volume a claim is Bound to, once it is. */
function boundVolume(claim: string): Promise<any> {
    return until(`claim default/${claim} Bound`, 120, () => {
        const pvc = kubectlJson("get", "pvc", "-n", "default", claim);
        return pvc.status?.phase === "Bound" ? kubectlJson("get", "pv", pvc.spec.volumeName) : undefined;
    }, 100);
}

const images = () => rbd("ls", "-p", POOL).split("\n").filter((l) => l !== "");

let stack: Stack;

test.before(async () => {
    const version = kubectlJson("version").serverVersion.gitVersion;
    if (!/^v1\.30\./.test(version)) {
        throw new Error(`this tier needs the lab's Kubernetes 1.30 control plane (KUBE_CEPH_LAB_K8S=1.30), the API server is ${version}`);
    }
    stack = await labStack(`e2eintree${id}`, config());
});

test.after.always(async (t) => {
    await cleanupStack(t as unknown as ExecutionContext, stack, {
        restore: {
            "kube-controller-manager with rbd": () => kcm("with-rbd"),
            "delete the test's claims": () => kubectl("delete", "pvc", "-n", "default", "--ignore-not-found", "--wait=false", "ceph-test-claim", `keep-${id}`, `gone-${id}`, `guard-${id}`),
        },
        pools: [POOL],
    });
});

test.serial("up: the Secrets in a namespace that exists, the write-up's class parameters from the cluster, and the smoke test's claim bound to a real 5 GiB RBD image", async (t) => {
    const started = Date.now();
    const result = await stack.up(quiet);
    t.log(`whole up with a bound smoke-test claim: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.is(result.summary.result, "succeeded");
    t.is(kubectlJson("get", "namespace", NAMESPACE).status.phase, "Active");
    const key = ceph("auth", "get-key", `client.${CLIENT}`).trim();
    for (const name of [`ceph-${CLIENT}-provisioner`, `ceph-${CLIENT}-user`]) {
        const secret = kubectlJson("get", "secret", "-n", NAMESPACE, name);
        t.is(secret.type, "kubernetes.io/rbd");
        t.is(Buffer.from(secret.data.key, "base64").toString(), key, `${name} holds the user's key`);
    }
    const monitors = [...labCephIdentity().monitors].sort();
    const sc = kubectlJson("get", "storageclass", CLASS);
    t.is(sc.provisioner, "kubernetes.io/rbd");
    t.deepEqual(sc.parameters, {
        adminId: CLIENT,
        adminSecretName: `ceph-${CLIENT}-provisioner`,
        adminSecretNamespace: NAMESPACE,
        fsType: "ext4",
        imageFeatures: "layering",
        imageFormat: "2",
        monitors: monitors.join(","),
        pool: POOL,
        userId: CLIENT,
        userSecretName: `ceph-${CLIENT}-user`,
        userSecretNamespace: NAMESPACE,
    });
    // The class names only the least-privilege user, so that user's key made the image.
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${CLIENT}`)[0].caps, rbdClientCaps([POOL]));

    const claim = kubectlJson("get", "pvc", "-n", "default", "ceph-test-claim");
    t.is(claim.status.phase, "Bound");
    t.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
    const pv = kubectlJson("get", "pv", claim.spec.volumeName);
    t.log(`claim created to Bound: ${(Date.parse(pv.metadata.creationTimestamp) - Date.parse(claim.metadata.creationTimestamp)) / 1000} s (API timestamps, 1 s resolution)`);
    t.is(pv.spec.rbd.pool, POOL);
    t.true(images().includes(pv.spec.rbd.image), `${pv.spec.rbd.image} is in ${POOL}`);
    const info = JSON.parse(rbd("info", `${POOL}/${pv.spec.rbd.image}`, "--format", "json"));
    t.is(info.size, 5 * 1024 ** 3);
    t.deepEqual(info.features, ["layering"]);
    t.regex(String(result.outputs.smokeTest.value), new RegExp(`claim default/ceph-test-claim Bound to ${pv.metadata.name} \\(RBD image ${POOL}/${pv.spec.rbd.image}\\); no pod run`));
});

test.serial("a second up changes nothing", async (t) => {
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));
});

test.serial("deleting a claim on the Delete class removes its image", async (t) => {
    const created = Date.now();
    createClaim(`gone-${id}`);
    const image = (await boundVolume(`gone-${id}`)).spec.rbd.image;
    t.log(`claim created to Bound, seen through the API: ${((Date.now() - created) / 1000).toFixed(2)} s`);
    t.true(images().includes(image));
    kubectl("delete", "pvc", "-n", "default", `gone-${id}`);
    await until(`image ${image} deleted`, 120, () => (images().includes(image) ? undefined : true));
    t.false(images().includes(image));
});

test.serial("a claim on the class set to Retain keeps its image after the claim is gone", async (t) => {
    await writeConfig(stack, config({ reclaimPolicy: "Retain" }));
    await stack.up(quiet);
    t.is(kubectlJson("get", "storageclass", CLASS).reclaimPolicy, "Retain");
    createClaim(`keep-${id}`);
    const pv = await boundVolume(`keep-${id}`);
    kubectl("delete", "pvc", "-n", "default", `keep-${id}`);
    await until(`volume ${pv.metadata.name} Released`, 60, () => (kubectlJson("get", "pv", pv.metadata.name).status.phase === "Released" ? true : undefined));
    t.true(images().includes(pv.spec.rbd.image), "the image stays");
    // Retained on purpose; the test removes it so that the pool can go at the end.
    kubectl("delete", "pv", pv.metadata.name);
    rbd("rm", `${POOL}/${pv.spec.rbd.image}`);
    await writeConfig(stack, config());
    await stack.up(quiet);
    t.is(kubectlJson("get", "storageclass", CLASS).reclaimPolicy, "Delete");
});

test.serial("destroy stops while a bound volume uses the pool, keeping what it needs; once its claim is gone it waits for the image's deletion and completes", async (t) => {
    createClaim(`guard-${id}`);
    const pv = await boundVolume(`guard-${id}`);
    const error = await t.throwsAsync(stack.destroy(quiet));
    t.regex(error!.message, new RegExp(`PersistentVolume\\(s\\) still use them: .*${pv.metadata.name} \\(claim default/guard-${id}\\)`));
    t.true(poolExists(POOL), "pool kept");
    t.notThrows(() => ceph("auth", "get", `client.${CLIENT}`), "user kept");
    t.notThrows(() => kubectl("get", "secret", "-n", NAMESPACE, `ceph-${CLIENT}-provisioner`, `ceph-${CLIENT}-user`), "Secrets kept");
    t.notThrows(() => kubectl("get", "storageclass", CLASS), "class kept");
    t.true(images().includes(pv.spec.rbd.image), "image kept");

    kubectl("delete", "pvc", "-n", "default", `guard-${id}`, "--wait=false");
    const result = await stack.destroy(quiet);
    t.is(result.summary.result, "succeeded");
    // The guard let the pool go only after the in-tree deleter had removed the image with the Secrets still there.
    t.false(poolExists(POOL), "the empty pool went under deletionPolicy delete");
    t.throws(() => kubectl("get", "pv", pv.metadata.name), undefined, "the volume is gone");
});

test.serial("the write-up's failure: without rbd in kube-controller-manager the claim stays Pending, and up fails naming the claim, quoting its event, saying what to do", async (t) => {
    const pool = `${POOL}f`;
    const failing = await labStack(`e2eintreef${id}`, config({}, "f", FAILING_SMOKE_TIMEOUT));
    t.teardown(() => cleanupStack(t, failing, {
        restore: { "kube-controller-manager with rbd": () => kcm("with-rbd") },
        pools: [pool],
    }));
    kcm("without-rbd");
    const started = Date.now();
    const error = await t.throwsAsync(failing.up(quiet));
    const failed = Date.now();
    const claimed = Date.parse(kubectlJson("get", "pvc", "-n", `smoke-${id}f`, "ceph-test-claim").metadata.creationTimestamp);
    t.log(`up failed after ${((failed - started) / 1000).toFixed(1)} s, ${((failed - claimed) / 1000).toFixed(1)} s after the claim was made (smoke test timeout ${FAILING_SMOKE_TIMEOUT} s)`);
    t.true(failed - claimed < (FAILING_SMOKE_TIMEOUT + 30) * 1000, "the smoke test gave up at its timeout");
    t.regex(error!.message, new RegExp(`kube-ceph smoke test: claim smoke-${id}f/ceph-test-claim is Pending, not Bound after ${FAILING_SMOKE_TIMEOUT} s`));
    t.regex(error!.message, new RegExp(`PersistentVolumeClaim smoke-${id}f/ceph-test-claim: Warning ProvisioningFailed: .*executable file not found in \\$PATH`));
    t.regex(error!.message, /give kube-controller-manager the rbd binary .*or set kube-ceph:provisioner\.kind to csi/);
    t.deepEqual(rbd("ls", "-p", pool).trim(), "", "no image was made");
    // Given rbd, the same claim binds on the next up.
    kcm("with-rbd");
    const recovered = await failing.up(quiet);
    t.is(recovered.summary.result, "succeeded");
    t.is(kubectlJson("get", "pvc", "-n", `smoke-${id}f`, "ceph-test-claim").status.phase, "Bound");
});
