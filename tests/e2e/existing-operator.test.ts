// provisioner.install "existing-operator" against the lab's real ceph-csi-operator, installed by
// the test beforehand (as Rook, GitOps or a platform team would) and not by the stack: refused
// at preview while the operator is missing, then up, a no-change preview and destroy, which
// leaves the operator, its CRDs and its RBAC as they were.
import test from "ava";
import { execFileSync } from "node:child_process";
import { driverWorkloads, OPERATOR_DEPLOYMENT, OPERATOR_NAMESPACE, PROFILE_FINALIZER } from "../../components/csi";
import { OPERATOR_CRDS } from "../../components/live";
import { labConfig, labStack } from "../../lab/pulumi/stack";
import { cephJson } from "../../lab/lab";
import { cleanUp, cleanupStack, kubectlJson, poolExists, quiet } from "../lab";

const id = process.pid;
const POOL = `e2eexop${id}`;
const NAMESPACE = `e2e-exop-${id}`;
const MANIFEST = process.env.KUBE_CEPH_LAB_OPERATOR_MANIFEST!;

const config = labConfig({
    pool: { name: POOL, pgNum: 8, deletionPolicy: "delete" },
    client: { name: POOL },
    storageClass: { name: `e2e-exop-${id}` },
    provisioner: { namespace: NAMESPACE, install: "existing-operator" },
});
// No manifest (the lab's config names its local copy): kube-ceph installs no operator here.
delete config.provisioner.operator;

/** Whether the operator's Deployment exists. */
function operatorDeployed(): boolean {
    return execFileSync("kubectl", ["get", "deployment", "-n", OPERATOR_NAMESPACE, "--ignore-not-found", "-o", "name"], { encoding: "utf8" }).includes(OPERATOR_DEPLOYMENT);
}

test.serial("an operator that someone else installed: refused at preview while it is missing; used as it is once installed; left alone by destroy", async (t) => {
    t.false(operatorDeployed(), "no operator may run before the test installs one");
    const stack = await labStack(`e2eexop${id}`, config);
    t.teardown(async () => {
        await cleanupStack(t, stack, { pools: [POOL] });
        await cleanUp(t, { "remove the operator the test installed": () => execFileSync("kubectl", ["delete", "-f", MANIFEST, "--ignore-not-found", "--wait=true"], { stdio: "pipe" }) });
    });

    const missing = await t.throwsAsync(stack.preview(quiet));
    t.true(missing!.message.includes('kube-ceph:provisioner.install is "existing-operator", but the cluster lacks the CRD cephconnections.csi.ceph.io'), missing!.message);
    t.true(missing!.message.includes(`the operator's Deployment ${OPERATOR_NAMESPACE}/${OPERATOR_DEPLOYMENT}`), missing!.message);
    t.false(poolExists(POOL), "nothing was created");

    // Installed by someone else: the release's install.yaml, applied with kubectl.
    execFileSync("kubectl", ["apply", "--server-side", "-f", MANIFEST], { stdio: "pipe" });
    execFileSync("kubectl", ["wait", "--for=condition=Established", "--timeout=60s", ...OPERATOR_CRDS.map((crd) => `crd/${crd}`)], { stdio: "pipe" });
    const before = Object.fromEntries(OPERATOR_CRDS.map((crd) => [crd, kubectlJson("get", "crd", crd).metadata.uid as string]));
    const deploymentUid = kubectlJson("get", "deployment", "-n", OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT).metadata.uid as string;

    const up = await stack.up(quiet);
    t.is(up.summary.result, "succeeded");
    // Nothing of the operator's install is in the stack.
    const state = JSON.stringify((await stack.exportStack()).deployment);
    t.false(state.includes("apiextensions.k8s.io"), "no CRD in the stack's state");
    t.false(state.includes(`"kubernetes:apps/v1:Deployment"`), "no Deployment in the stack's state");
    // The operator ran what the stack asked of it: the profile loaded, the RBD workloads generated.
    const fsid = cephJson<{ fsid: string }>("fsid").fsid;
    t.true(kubectlJson("get", "clientprofile", "-n", OPERATOR_NAMESPACE, fsid).metadata.finalizers.includes(PROFILE_FINALIZER));
    const workloads = driverWorkloads("rbd.csi.ceph.com");
    t.truthy(kubectlJson("get", "deployment", "-n", OPERATOR_NAMESPACE, workloads.controller));
    await t.notThrowsAsync(stack.preview({ ...quiet, expectNoChanges: true }));

    await stack.destroy(quiet);
    t.is(kubectlJson("get", "deployment", "-n", OPERATOR_NAMESPACE, OPERATOR_DEPLOYMENT).metadata.uid, deploymentUid, "the operator's Deployment is the same one");
    for (const crd of OPERATOR_CRDS) {
        t.is(kubectlJson("get", "crd", crd).metadata.uid, before[crd], `${crd} is the same one`);
    }
    t.deepEqual(kubectlJson("get", "clientprofile", "-n", OPERATOR_NAMESPACE).items, [], "the stack's own objects are gone");
    t.false(poolExists(POOL));
});
