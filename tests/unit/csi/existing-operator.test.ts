// provisioner.install "existing-operator": a ceph-csi-operator that someone else installed and
// manages. kube-ceph declares none of its objects, checks at preview that it is there, and
// refuses to take it over or hand its own to someone else.
import test from "ava";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkExistingOperator, PreflightError } from "../../../components/preflight";
import { OPERATOR_CRDS } from "../../../components/live";
import { baseConfig, byType, declaredBefore, fakeReader, healthyCeph, runProgram, unwrap } from "../../harness";

const EXISTING = { provisioner: { install: "existing-operator" } };
const ALL_V1 = Object.fromEntries(OPERATOR_CRDS.map((crd) => [crd, ["v1"]]));
const INSTALL = "kubectl apply --server-side -f https://example/install.yaml";

test("checkExistingOperator: every CRD serving v1 and the Deployment pass; each thing missing is named, with how to install it", (t) => {
    t.notThrows(() => checkExistingOperator({ crds: ALL_V1, deployment: true }, "ceph-csi-operator-system", "ceph-csi-operator-controller-manager", INSTALL));
    const error = t.throws(() => checkExistingOperator(
        { crds: { "cephconnections.csi.ceph.io": ["v1"], "clientprofiles.csi.ceph.io": ["v1alpha1"] }, deployment: false },
        "rook-ceph", "ceph-csi-controller-manager", INSTALL), { instanceOf: PreflightError });
    t.is(error!.message,
        'kube-ceph:provisioner.install is "existing-operator", but the cluster lacks version v1 of the CRD clientprofiles.csi.ceph.io, which serves v1alpha1, ' +
        "the CRD drivers.csi.ceph.io, the operator's Deployment rook-ceph/ceph-csi-controller-manager. " +
        "Install ceph-csi-operator v1.0.4 first (kubectl apply --server-side -f https://example/install.yaml), point kube-ceph:provisioner.operator.namespace and .deployment at the one you run, " +
        'or set kube-ceph:provisioner.install to "operator" and kube-ceph installs it. Nothing was changed.');
});

test.serial("existing-operator declares none of the operator's objects: its ClientProfile and Driver go to the operator's namespace, the Secrets to their own", async (t) => {
    const run = await runProgram(baseConfig(EXISTING));
    t.deepEqual(byType(run, "kube-ceph:kubernetes:CephCsiOperator"), []);
    t.deepEqual(byType(run, "kubernetes:yaml/v2:ConfigGroup"), []);
    t.deepEqual(run.resources.filter((r) => r.type.startsWith("kubernetes:apiextensions.k8s.io") || r.type === "kubernetes:apps/v1:Deployment"), []);
    const driver = byType(run, "kubernetes:csi.ceph.io/v1:Driver")[0];
    t.is((await unwrap(driver.inputs.metadata)).value.namespace, "ceph-csi-operator-system");
    // Nothing of an operator install to wait for: only the CSIDriver record and the stack's own
    // ClientProfile, which destroy deletes after the Driver.
    t.deepEqual([...driver.dependsOn].sort(), ["kube-ceph-ceph-csi-profile", "kube-ceph-rbd-driver-leftovers"]);
    const secret = byType(run, "kubernetes:core/v1:Secret")[0];
    t.is((await unwrap(secret.inputs.metadata)).value.namespace, "ceph-csi");
    t.is(run.outputs.csiInstall, "existing-operator");
    // Where the operator runs comes from config when it is not install.yaml's.
    const rook = await runProgram(baseConfig({ provisioner: { install: "existing-operator", operator: { namespace: "rook-ceph", deployment: "ceph-csi-controller-manager" } } }));
    t.is((await unwrap(byType(rook, "kubernetes:csi.ceph.io/v1:Driver")[0].inputs.metadata)).value.namespace, "rook-ceph");
});

test.serial("existing-operator: a missing operator stops the run before anything is declared", async (t) => {
    const error = await t.throwsAsync(runProgram(baseConfig(EXISTING), fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [], existingOperator: { crds: {}, deployment: false } })));
    t.regex(error!.message, /kube-ceph:provisioner\.install is "existing-operator", but the cluster lacks the CRD cephconnections\.csi\.ceph\.io/);
    t.deepEqual(declaredBefore(error), []);
});

test.serial("existing-operator to or from kube-ceph's own install is refused on a live stack, saying why", async (t) => {
    const fromOwn = await t.throwsAsync(runProgram(baseConfig(EXISTING), fakeReader(healthyCeph(), undefined, { provisionerKind: "csi", csiInstall: "operator" })));
    t.regex(fromOwn!.message, /^kube-ceph:provisioner\.install is "existing-operator" on a stack whose ceph-csi was installed with "operator"\. .*would delete the CRDs .*Set it back to "operator"\. Nothing was changed\.$/);
    const manifest = join(mkdtempSync(join(tmpdir(), "kube-ceph-unit-")), "install.yaml");
    writeFileSync(manifest, [
        "apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: ceph-csi-operator-controller-manager", "  namespace: ceph-csi-operator-system",
        "spec:", "  template:", "    spec:", "      containers:", "      - name: manager", "        image: quay.io/cephcsi/ceph-csi-operator:v1.0.4", "",
    ].join("\n"));
    const toOwn = await t.throwsAsync(runProgram(baseConfig({ provisioner: { install: "operator", operator: { manifest } } }), fakeReader(healthyCeph(), undefined, { provisionerKind: "csi", csiInstall: "existing-operator" })));
    t.regex(toOwn!.message, /does not take over an operator that someone else installed/);
});

test("existing-operator config: no manifest is read; the operator's whereabouts only with it", async (t) => {
    const { parseConfig, ConfigError } = await import("../../../components/config");
    const FAKE = "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n";
    const raw = (provisioner: Record<string, unknown>) => ({ ceph: { hosts: ["127.0.0.11"] }, provisioner });
    const manifest = t.throws(() => parseConfig(raw({ install: "existing-operator", operator: { manifest: "/tmp/install.yaml" } }), FAKE), { instanceOf: ConfigError });
    t.true(manifest!.message.includes("kube-ceph:provisioner.operator.manifest"), manifest!.message);
    t.true(manifest!.message.includes("kube-ceph installs no operator, so it reads no manifest"), manifest!.message);
    const where = t.throws(() => parseConfig(raw({ operator: { namespace: "rook-ceph" } }), FAKE), { instanceOf: ConfigError });
    t.true(where!.message.includes("must be left unset unless kube-ceph:provisioner.install is \"existing-operator\""), where!.message);
});
