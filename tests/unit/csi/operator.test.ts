// The ceph-csi-operator install: its manifest handling, the readiness rule, the leftovers rule,
// and the plan the program declares with it (under mocks; the lab tier runs the real operator).
import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { changedExpectations, defaultImage, droppedObjects, imageFor, imageSetData, imagesFor, installOrder, madeForDriver, missingReconciliation, OPERATOR_MANIFEST_SHA256, OPERATOR_MANIFEST_URL, operatorInstallForm, operatorObjects, OWNER_ANNOTATION, parseOperatorManifest, PROFILE_FINALIZER, ReadinessExpectation, readOperatorManifest, refName, WorkloadReading } from "../../../components/csi";
import { checkManifestDigest } from "../../../components/preflight";
import { baseConfig, byType, declaredBefore, fakeReader, FSID, healthyCeph, MANIFEST, manifestFile, runProgram, unwrap } from "../../harness";


test("the manifest keeps field names as written (a CRD's `default`), and yields the operator's namespace and image", (t) => {
    const manifest = parseOperatorManifest("install.yaml", MANIFEST);
    t.is(manifest.namespace, "op-system");
    t.is(manifest.image, "quay.io/cephcsi/ceph-csi-operator:v1.0.4");
    t.is(manifest.objects.length, 3);
    const crd = manifest.objects[1] as any;
    t.deepEqual(crd.spec.versions[0].schema.openAPIV3Schema.properties.name, { default: "", type: "string" });
});

test("a manifest without the operator Deployment, or not YAML, is refused naming its source", (t) => {
    t.throws(() => parseOperatorManifest("x.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"), { message: /x\.yaml is not a ceph-csi-operator install manifest/ });
    t.throws(() => parseOperatorManifest("y.yaml", "a: [\n"), { message: /y\.yaml is not YAML/ });
});

test("a manifest path that cannot be read names the config key", async (t) => {
    await t.throwsAsync(readOperatorManifest("/nonexistent/install.yaml"), { message: /could not read \/nonexistent\/install\.yaml \(ENOENT\), set as kube-ceph:provisioner\.operator\.manifest/ });
});

test("the operator's image is replaced and its Deployment skips the wait only without awaitRollout; the manifest is not mutated", (t) => {
    const manifest = parseOperatorManifest("install.yaml", MANIFEST);
    const deployment = (objects: any[]) => objects.find((o) => o.kind === "Deployment");
    const mirrored = operatorObjects(manifest, "mirror:5000/cephcsi/ceph-csi-operator:v1.0.4", false);
    t.is(deployment(mirrored).spec.template.spec.containers[0].image, "mirror:5000/cephcsi/ceph-csi-operator:v1.0.4");
    t.deepEqual(deployment(mirrored).metadata.annotations, { "pulumi.com/skipAwait": "true" });
    t.is(deployment(operatorObjects(manifest, manifest.image, true)).metadata.annotations, undefined);
    t.is(deployment(manifest.objects).spec.template.spec.containers[0].image, "quay.io/cephcsi/ceph-csi-operator:v1.0.4");
    t.is(mirrored[0], manifest.objects[0], "objects other than the Deployment pass through as published");
});

test("operator install: images default to the operator release's own, the registry moves them, an override wins", (t) => {
    const operator = { kind: "csi" as const, install: "operator" as const, namespace: "ceph-csi", images: {}, awaitRollout: true, operator: { logVerbosity: 1, timeoutSeconds: 300 } };
    t.is(defaultImage("cephcsi", operator), "quay.io/cephcsi/cephcsi:v3.17.0");
    t.is(defaultImage("cephcsi", { kind: "csi", install: "manifests" }), "quay.io/cephcsi/cephcsi:v3.15.1");
    t.is(defaultImage("rbdProvisioner", operator), undefined);
    t.is(imageFor("csiProvisioner", { ...operator, registry: "mirror:5000" }), "mirror:5000/sig-storage/csi-provisioner:v6.2.0");
    t.is(imageFor("cephcsi", { ...operator, images: { cephcsi: "own/cephcsi:1" } }), "own/cephcsi:1");
    t.deepEqual(Object.keys(imageSetData(imagesFor(operator))).sort(), ["addons", "attacher", "plugin", "provisioner", "registrar", "resizer", "snapshot-metadata", "snapshotter"]);
});

const WANT: ReadinessExpectation = {
    namespace: "op", driverName: "rbd.csi.ceph.com", driverUid: "u1", clusterId: FSID, pluginImage: "cephcsi:1", logVerbosity: 1, awaitRollout: false,
};
const CONFIG_JSON = JSON.stringify([{ clusterID: FSID, monitors: ["a:6789"] }]);
const workload = (kind: "Deployment" | "DaemonSet", extra: Partial<WorkloadReading> = {}): WorkloadReading => ({
    kind, name: kind, controllerUid: "u1", images: ["cephcsi:1", "sidecar:1"], args: ["--v=1"], generation: 2, observedGeneration: 2, want: 2, updated: 2, ready: 2, ...extra,
});
const READY = [workload("Deployment"), workload("DaemonSet")];

const READINESS: [string, Parameters<typeof missingReconciliation>, RegExp | undefined][] = [
    ["all there", [WANT, [PROFILE_FINALIZER], CONFIG_JSON, READY], undefined],
    ["no profile", [WANT, undefined, CONFIG_JSON, READY], /ClientProfile op\/.* does not exist/],
    ["profile not loaded", [WANT, [], CONFIG_JSON, READY], /has not loaded ClientProfile .* no csi\.ceph\.com\/cleanup finalizer/],
    ["clusterID not configured", [WANT, [PROFILE_FINALIZER], "[]", READY], /ceph-csi-config does not name clusterID/],
    ["config not JSON", [WANT, [PROFILE_FINALIZER], "{", READY], /holds no JSON/],
    ["no controller", [WANT, [PROFILE_FINALIZER], CONFIG_JSON, [undefined, READY[1]]], /has not created Deployment op\/rbd\.csi\.ceph\.com-ctrlplugin/],
    ["no node plugin", [WANT, [PROFILE_FINALIZER], CONFIG_JSON, [READY[0], undefined]], /has not created DaemonSet op\/rbd\.csi\.ceph\.com-nodeplugin/],
    ["foreign owner", [WANT, [PROFILE_FINALIZER], CONFIG_JSON, [workload("Deployment", { controllerUid: "other" }), READY[1]]], /is not owned by Driver/],
    ["old image", [WANT, [PROFILE_FINALIZER], CONFIG_JSON, [READY[0], workload("DaemonSet", { images: ["cephcsi:0"] })]], /does not run cephcsi:1 yet/],
    ["old log level", [{ ...WANT, logVerbosity: 3 }, [PROFILE_FINALIZER], CONFIG_JSON, READY], /does not log at --v=3 yet/],
    ["not rolled out, not awaited", [WANT, [PROFILE_FINALIZER], CONFIG_JSON, [workload("Deployment", { ready: 0 }), READY[1]]], undefined],
    ["not rolled out, awaited", [{ ...WANT, awaitRollout: true }, [PROFILE_FINALIZER], CONFIG_JSON, [workload("Deployment", { ready: 0 }), READY[1]]], /not rolled out: 0 of 2 replicas ready/],
    ["generation not seen, awaited", [{ ...WANT, awaitRollout: true }, [PROFILE_FINALIZER], CONFIG_JSON, [READY[0], workload("DaemonSet", { observedGeneration: 1 })]], /has not seen generation 2/],
    ["node plugin not on every node, awaited", [{ ...WANT, awaitRollout: true }, [PROFILE_FINALIZER], CONFIG_JSON, [READY[0], workload("DaemonSet", { ready: 1 })]], /1 of 2 nodes ready/],
];

for (const [name, args, expected] of READINESS) {
    test(`readiness: ${name}`, (t) => {
        const missing = missingReconciliation(...args);
        if (expected === undefined) {
            t.is(missing, undefined);
        } else {
            t.regex(missing ?? "(nothing missing)", expected);
        }
    });
}

test("readiness runs again only when what it expects changes: not for a new timeout, kubeconfig or release of kube-ceph", (t) => {
    const same = { ...WANT, timeoutSeconds: 300, kubeconfig: "a", __provider: "old code" };
    t.deepEqual(changedExpectations(same, { ...WANT, timeoutSeconds: 600, kubeconfig: "b", __provider: "new code" } as ReadinessExpectation), []);
    t.deepEqual(changedExpectations(same, { ...WANT, pluginImage: "cephcsi:2", logVerbosity: 3 }), ["pluginImage", "logVerbosity"]);
    t.deepEqual(changedExpectations({ ...WANT, driverUid: "u0" }, WANT), ["driverUid"]);
    // A state from a release that did not record a field runs the check once more.
    const { awaitRollout: _unrecorded, ...earlier } = WANT;
    t.deepEqual(changedExpectations(earlier, WANT), ["awaitRollout"]);
});

test("only the CSIDriver the operator made for this very Driver counts as its leftover", (t) => {
    const own = { [OWNER_ANNOTATION]: JSON.stringify({ Namespace: "op", Name: "rbd.csi.ceph.com" }) };
    t.true(madeForDriver(own, "op", "rbd.csi.ceph.com"));
    t.false(madeForDriver(own, "other", "rbd.csi.ceph.com"));
    t.false(madeForDriver(undefined, "op", "rbd.csi.ceph.com"));
    t.false(madeForDriver({ [OWNER_ANNOTATION]: "not json" }, "op", "rbd.csi.ceph.com"));
});

test.serial("operator install: the plan installs the manifest, names the ClientProfile after the clusterID in the operator's namespace, and waits for the operator before the class", async (t) => {
    const run = await runProgram(baseConfig({ provisioner: { install: "operator", operator: { manifest: manifestFile, logVerbosity: 2 } } }));
    // A new stack: install.yaml as one resource keyed by its digest, no object declared one by one.
    t.deepEqual(byType(run, "kubernetes:yaml/v2:ConfigGroup"), []);
    const [install] = byType(run, "pulumi-nodejs:dynamic/kube-ceph:CephCsiOperatorInstall");
    t.deepEqual(install.inputs.objects.map(refName), ["Namespace op-system", "CustomResourceDefinition clientprofiles.csi.ceph.io", "Deployment op-system/ceph-csi-operator-controller-manager"]);
    t.is(install.inputs.digest, createHash("sha256").update(MANIFEST).digest("hex"));
    t.is(install.inputs.source, manifestFile);
    t.is(run.outputs.operatorInstall, "one-resource");
    const [connection] = byType(run, "kubernetes:csi.ceph.io/v1:CephConnection");
    const [profile] = byType(run, "kubernetes:csi.ceph.io/v1:ClientProfile");
    const [driver] = byType(run, "kubernetes:csi.ceph.io/v1:Driver");
    const value = async (input: unknown) => (await unwrap(input)).value;
    // Deleted in the background: the operator owns the connection to the profile, and must find it to clear its finalizer.
    t.deepEqual(await value(profile.inputs.metadata), { name: FSID, namespace: "op-system", annotations: { "pulumi.com/deletionPropagationPolicy": "background" } });
    t.deepEqual(profile.opts.customTimeouts, { delete: "300s" });
    t.deepEqual(await value(connection.inputs.metadata), { name: FSID, namespace: "op-system" });
    t.is(await value(profile.inputs.spec.cephConnectionRef.name), FSID);
    t.deepEqual(await value(connection.inputs.spec.monitors), ["127.0.0.11:6789", "127.0.0.12:6789", "127.0.0.13:6789"]);
    t.deepEqual(await value(driver.inputs.metadata), { name: "rbd.csi.ceph.com", namespace: "op-system", annotations: { "pulumi.com/deletionPropagationPolicy": "background" } });
    t.is(await value(driver.inputs.spec.log.verbosity), 2);
    // Everything in the operator's namespace waits for the install through that namespace's name.
    for (const resource of [connection, profile, driver]) {
        const dependencies: Set<pulumi.Resource> = await (pulumi.output(resource.inputs.metadata).apply((m) => m.namespace) as any).resources();
        const names = await Promise.all([...dependencies].map((r) => new Promise((resolve) => r.urn.apply((u) => resolve(u.split("::").pop())))));
        t.deepEqual(names, ["kube-ceph-ceph-csi-operator-install"], `${resource.name} waits for the install`);
    }
    t.true(driver.dependsOn.includes("kube-ceph-rbd-driver-leftovers"));
    const [readiness] = byType(run, "pulumi-nodejs:dynamic/kube-ceph:CephCsiReadiness");
    t.is(await value(readiness.inputs.clusterId), FSID);
    t.is(await value(readiness.inputs.pluginImage), "quay.io/cephcsi/cephcsi:v3.17.0");
    t.deepEqual(readiness.dependsOn.sort(), ["kube-ceph-rbd-driver-driver", "kube-ceph-rbd-driver-images"]);
    const [storageClass] = byType(run, "kube-ceph:kubernetes:RbdStorageClass");
    t.true(storageClass.dependsOn.includes("kube-ceph-rbd-driver"), storageClass.dependsOn.join(", "));
    // The hand-written driver is not declared, and the Secrets stay in provisioner.namespace.
    t.deepEqual(byType(run, "kube-ceph:kubernetes:CephCsi"), []);
    t.deepEqual(await Promise.all(byType(run, "kubernetes:core/v1:Namespace").map((n) => value(n.inputs.metadata.name))), ["ceph-csi"]);
});

test.serial("operator install: a manifest whose SHA-256 is not manifestSha256 stops the run before any resource, naming both digests", async (t) => {
    const digest = createHash("sha256").update(MANIFEST).digest("hex");
    const pinned = (manifestSha256: string) => baseConfig({ provisioner: { install: "operator", operator: { manifest: manifestFile, manifestSha256 } } });
    t.true((await runProgram(pinned(digest))).resources.length > 0);
    const error = await t.throwsAsync(runProgram(pinned("0".repeat(64))));
    t.regex(error!.message, new RegExp(`${manifestFile.replace(/[.\/]/g, "\\$&")} has SHA-256 ${digest}, but kube-ceph:provisioner\\.operator\\.manifestSha256 pins 0{64}.*Nothing was changed`));
    t.deepEqual(declaredBefore(error), []);
});

test("the release's own install.yaml is checked against the digest kube-ceph pins, a set manifestSha256 wins, and an unpinned copy is not checked", (t) => {
    const manifest = parseOperatorManifest(OPERATOR_MANIFEST_URL, MANIFEST);
    const error = t.throws(() => checkManifestDigest(manifest, {}));
    t.regex(error!.message, new RegExp(`install\\.yaml has SHA-256 ${manifest.digest}, but kube-ceph \\(ceph-csi-operator v1\\.0\\.4\\) pins ${OPERATOR_MANIFEST_SHA256}.*set kube-ceph:provisioner\\.operator\\.manifestSha256`));
    t.notThrows(() => checkManifestDigest(manifest, { manifestSha256: manifest.digest }));
    t.notThrows(() => checkManifestDigest(manifest, { manifest: "mirror/install.yaml", manifestSha256: manifest.digest }));
    t.throws(() => checkManifestDigest(manifest, { manifest: "mirror/install.yaml", manifestSha256: OPERATOR_MANIFEST_SHA256 }), { message: /kube-ceph:provisioner\.operator\.manifestSha256 pins/ });
    t.notThrows(() => checkManifestDigest(manifest, { manifest: "mirror/install.yaml" }));
});

const operatorConfig = () => baseConfig({ provisioner: { install: "operator", operator: { manifest: manifestFile } } });

test("install form: a stack whose objects were declared one by one retires them first; every other stack has the one resource", (t) => {
    t.is(operatorInstallForm(undefined, undefined), "one-resource", "a new stack");
    t.is(operatorInstallForm("manifests", undefined), "one-resource", "a stack moving from kube-ceph's own manifests");
    t.is(operatorInstallForm("operator", undefined), "config-group-retiring", "a stack of a release before the one resource");
    t.is(operatorInstallForm("operator", "config-group"), "config-group-retiring");
    t.is(operatorInstallForm("operator", "config-group-retiring"), "one-resource", "the run after the retiring one");
    t.is(operatorInstallForm("operator", "one-resource"), "one-resource");
});

test("install order: namespaces, then CRDs, then the rest as the manifest has them; an update drops what the new manifest left out", (t) => {
    const refs = [
        { apiVersion: "v1", kind: "ServiceAccount", name: "sa", namespace: "op" },
        { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "a.csi.ceph.io" },
        { apiVersion: "v1", kind: "Namespace", name: "op" },
        { apiVersion: "apps/v1", kind: "Deployment", name: "d", namespace: "op" },
        { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", name: "b.csi.ceph.io" },
    ];
    t.deepEqual(installOrder(refs).map(refName), ["Namespace op", "CustomResourceDefinition a.csi.ceph.io", "CustomResourceDefinition b.csi.ceph.io", "ServiceAccount op/sa", "Deployment op/d"]);
    t.deepEqual(droppedObjects(refs, refs.slice(1)).map(refName), ["ServiceAccount op/sa"]);
    t.deepEqual(droppedObjects(refs, refs), []);
});

test.serial("a stack of a release that declared install.yaml's objects one by one keeps them in a ConfigGroup whose objects stay on delete, and applies the one resource after it", async (t) => {
    const run = await runProgram(operatorConfig(), fakeReader(healthyCeph(), undefined, { provisionerKind: "csi", csiInstall: "operator", pool: "mypool" }));
    const [group] = byType(run, "kubernetes:yaml/v2:ConfigGroup");
    t.is(group.name, "kube-ceph-ceph-csi-install", "the same ConfigGroup as before, so its objects stay the same resources");
    t.is((group.inputs.objs as unknown[]).length, 3);
    const keep = (group.opts as pulumi.ComponentResourceOptions).transforms ?? [];
    t.is(keep.length, 1);
    const kept = await keep[0]({ type: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", name: "x", props: {}, opts: {}, custom: true });
    t.true(kept !== undefined && kept.opts.retainOnDelete === true, "each object of the ConfigGroup is kept on delete");
    const [install] = byType(run, "pulumi-nodejs:dynamic/kube-ceph:CephCsiOperatorInstall");
    t.deepEqual(install.dependsOn, ["kube-ceph-ceph-csi-install"]);
    t.is(run.outputs.operatorInstall, "config-group-retiring");
    t.true(run.warnings.some((w) => /in two updates/.test(w) && /nothing is deleted from the cluster/.test(w)), run.warnings.join("\n"));

    const next = await runProgram(operatorConfig(), fakeReader(healthyCeph(), undefined, { provisionerKind: "csi", csiInstall: "operator", operatorInstall: "config-group-retiring", pool: "mypool" }));
    t.deepEqual(byType(next, "kubernetes:yaml/v2:ConfigGroup"), [], "the next run leaves the kept objects out");
    t.is(byType(next, "pulumi-nodejs:dynamic/kube-ceph:CephCsiOperatorInstall").length, 1);
    t.is(next.outputs.operatorInstall, "one-resource");
    t.false(next.warnings.some((w) => /in two updates/.test(w)));
});

test.serial("a stack on kube-ceph's manifests moves to the operator: a warning says what happens, the namespace and the old CSIDriver are taken over", async (t) => {
    const run = await runProgram(operatorConfig(), fakeReader(healthyCeph(), undefined, { pool: "mypool", provisionerKind: "csi" }));
    t.true(run.warnings.some((w) => /moves from kube-ceph's own manifests to ceph-csi-operator/.test(w) && /Mounted volumes stay mounted/.test(w)), run.warnings.join("\n"));
    const [operator] = byType(run, "kube-ceph:kubernetes:CephCsiOperator");
    // The CephCsi of the previous releases sat at the top level of the stack, named ceph-csi.
    t.deepEqual(operator.opts.aliases, [
        { name: "ceph-csi", parent: undefined },
        { name: "ceph-csi", parent: undefined, type: "kube-ceph:kubernetes:CephCsi" },
        { type: "kube-ceph:kubernetes:CephCsi" },
    ]);
    const [leftovers] = byType(run, "pulumi-nodejs:dynamic/kube-ceph:OperatorLeftovers");
    t.true(leftovers.opts.deleteBeforeReplace);
    const aliases = await Promise.all((leftovers.opts.aliases as unknown[]).map(async (a) => (await unwrap(a)).value));
    // Where a manifests install of this component has it (the mock's URNs carry the stack's type
    // too), and where the previous releases had it.
    t.is(aliases.length, 2);
    t.regex(aliases[0], /::(pulumi:pulumi:Stack\$)?kube-ceph:index:CephStorage\$kube-ceph:kubernetes:CephCsi\$kubernetes:storage\.k8s\.io\/v1:CSIDriver::kube-ceph-ceph-csi-driver$/);
    t.is(aliases[1], "urn:pulumi:unit::kube-ceph::kube-ceph:kubernetes:CephCsi$kubernetes:storage.k8s.io/v1:CSIDriver::ceph-csi-driver");
    t.is(run.outputs.csiInstall, "operator");
    // A stack that is already on the operator gets no warning.
    const again = await runProgram(operatorConfig(), fakeReader(healthyCeph(), undefined, { pool: "mypool", provisionerKind: "csi", csiInstall: "operator" }));
    t.false(again.warnings.some((w) => /moves from/.test(w)));
});

test.serial("going back from the operator to kube-ceph's manifests is refused before anything is declared", async (t) => {
    const error = await t.throwsAsync(runProgram(baseConfig({ provisioner: { install: "manifests" } }), fakeReader(healthyCeph(), undefined, { pool: "mypool", provisionerKind: "csi", csiInstall: "operator" })));
    t.regex(error!.message, /kube-ceph:provisioner\.install is "manifests" on a stack whose ceph-csi ceph-csi-operator runs\. Going back is not supported/);
    t.deepEqual(declaredBefore(error), []);
});

test.serial("kube-ceph's own manifests still install, with a deprecation warning on every run naming the way to the operator", async (t) => {
    const run = await runProgram(baseConfig({ provisioner: { install: "manifests" } }));
    t.true(run.warnings.some((w) => /provisioner\.install "manifests" .* deprecated.*Remove the key \(the operator is the default\).*quay\.io\/cephcsi\/cephcsi:v3\.15\.1\), older than the ceph-csi releases upstream supports/.test(w)), run.warnings.join("\n"));
    t.is(byType(run, "kube-ceph:kubernetes:CephCsi").length, 1);
    t.is(run.outputs.csiInstall, "manifests");
});

test.serial("tenants: a rados namespace per tenant in its pools, a user whose caps allow only it, its own Secret, ClientProfile (clusterID) and guard", async (t) => {
    const run = await runProgram(baseConfig({
        provisioner: { install: "operator", operator: { manifest: manifestFile } },
        pools: { rbd: {}, ec: { erasureCoded: { k: 2, m: 1 } } },
        storageClasses: [
            { name: "shared", pool: "rbd" },
            { name: "team-a", pool: "rbd", dataPool: "ec", radosNamespace: "a" },
            { name: "team-b", pool: "rbd", radosNamespace: "b" },
        ],
    }));
    const commands = byType(run, "command:remote:Command");
    const command = (name: string) => commands.find((c) => c.name === name)!;
    t.regex(command("kube-ceph-rbd-namespace-rbd/a-namespace").inputs.create, /rbd namespace create --pool "\$POOL" --namespace "\$NAMESPACE"/);
    t.truthy(command("kube-ceph-rbd-namespace-rbd/b-namespace"));
    // Tenant a reaches only namespace a, in its pool and its data pool; b only b; the stack's own user every pool.
    t.regex(command("kube-ceph-client-a-user").inputs.create, /OSD_CAPS='profile rbd pool=ec namespace=a, profile rbd pool=rbd namespace=a'/);
    t.regex(command("kube-ceph-client-b-user").inputs.create, /OSD_CAPS='profile rbd pool=rbd namespace=b'/);
    t.regex(command("kube-ceph-client-user").inputs.create, /OSD_CAPS='profile rbd pool=ec, profile rbd pool=rbd'/);
    t.regex(command("kube-ceph-client-a-user").inputs.create, /ENTITY=client\.kube-a\n/);

    const profiles = byType(run, "kubernetes:csi.ceph.io/v1:ClientProfile");
    const profile = async (name: string) => {
        for (const p of profiles) {
            if ((await unwrap(p.inputs.metadata.name)).value === name) {
                return (await unwrap(p.inputs.spec)).value;
            }
        }
        return undefined;
    };
    t.deepEqual((await profile(`${FSID}-a`))?.rbd, { radosNamespace: "a" });
    t.deepEqual((await profile(`${FSID}-b`))?.rbd, { radosNamespace: "b" });
    t.deepEqual((await profile(FSID))?.rbd, {});

    const parameters = async (name: string) => (await unwrap(byType(run, "kubernetes:storage.k8s.io/v1:StorageClass").find((c) => c.name === `kube-ceph-rbd-class-${name}-class`)!.inputs.parameters)).value;
    t.like(await parameters("team-a"), { "clusterID": `${FSID}-a`, "pool": "rbd", "dataPool": "ec", "csi.storage.k8s.io/provisioner-secret-name": "ceph-kube-a-csi-rbd", "csi.storage.k8s.io/node-stage-secret-name": "ceph-kube-a-csi-rbd-node" });
    t.like(await parameters("shared"), { "clusterID": FSID, "csi.storage.k8s.io/provisioner-secret-name": "ceph-kube-csi-rbd" });

    const guards = byType(run, "pulumi-nodejs:dynamic/kube-ceph:VolumeGuard");
    const guarded = await Promise.all(guards.map(async (g) => `${(await unwrap(g.inputs.pool)).value} ${(await unwrap(g.inputs.clusterId)).value}`));
    t.deepEqual(guarded.sort(), [`rbd ${FSID}`, `rbd ${FSID}-a`, `rbd ${FSID}-b`]);
    // Tenant a's guard goes before its namespace, user and profile on destroy.
    const guardA = byType(run, "kube-ceph:kubernetes:VolumeGuard").find((g) => g.name === "kube-ceph-guard-rbd/a")!;
    for (const dependency of ["kube-ceph-rbd-namespace-rbd/a", "kube-ceph-client-a", "kube-ceph-rbd-secrets-a", "kube-ceph-rbd-namespace-profile-a", "kube-ceph-pool-ec"]) {
        t.true(guardA.dependsOn.includes(dependency), `${dependency}: ${guardA.dependsOn.join(", ")}`);
    }
});

test.serial("CephFS: the filesystem, a group per subvolumeGroup in it, provisioner and node users confined to the group, their Secrets, the group's ClientProfile, the CephFS Driver, the class and its guard", async (t) => {
    const run = await runProgram(baseConfig({
        provisioner: { install: "operator", operator: { manifest: manifestFile } },
        pools: { rbd: {} },
        filesystems: { kcfs: { deletionPolicy: "delete" } },
        storageClasses: [
            { name: "block", pool: "rbd" },
            { name: "shared", type: "cephfs", filesystem: "kcfs", mounter: "fuse", snapshotClass: true },
            { name: "team-b", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "team-b" },
        ],
    }), fakeReader(healthyCeph(), {
        serverVersion: "v1.36.3",
        nodes: [{ name: "node-1", kernelVersion: "5.15.0-91-generic" }],
        snapshotCrds: ["volumesnapshotclasses.snapshot.storage.k8s.io", "volumesnapshotcontents.snapshot.storage.k8s.io", "volumesnapshots.snapshot.storage.k8s.io"],
    }));
    const commands = byType(run, "command:remote:Command");
    const command = (name: string) => commands.find((c) => c.name === name)!;
    t.regex(command("kube-ceph-cephfs-kcfs-filesystem").inputs.create, /ceph fs volume create "\$FS"/);
    t.regex(command("kube-ceph-cephfs-group-kcfs/csi-group").inputs.create, /ceph fs subvolumegroup create "\$FS" "\$GROUP"/);
    t.truthy(command("kube-ceph-cephfs-group-kcfs/team-b-group"));
    // Each group's users reach only its path; the provisioner the metadata pool (ceph-csi's journal), the node the data.
    const provisioner = command("kube-ceph-cephfs-provisioner-csi-user").inputs.create;
    t.regex(provisioner, /ENTITY=client\.kube-cephfs-csi-provisioner\n/);
    t.notRegex(provisioner, /MDS_CAPS|mds "/, "the provisioner works through the mgr, with no MDS access");
    t.regex(provisioner, /OSD_CAPS='allow rw tag cephfs metadata=kcfs'/);
    const node = command("kube-ceph-cephfs-node-csi-user").inputs.create;
    t.regex(node, /MDS_CAPS='allow rw fsname=kcfs path=\/volumes\/csi'/);
    t.regex(node, /mgr "\$MGR_CAPS" mds "\$MDS_CAPS"/);
    t.regex(command("kube-ceph-cephfs-node-csi-user").inputs.create, /OSD_CAPS='allow r tag cephfs metadata=kcfs, allow rw tag cephfs data=kcfs'/);
    t.regex(command("kube-ceph-cephfs-node-team-b-user").inputs.create, /MDS_CAPS='allow rw fsname=kcfs path=\/volumes\/team-b'/);
    // The RBD user's script is as it always was: no mds caps.
    t.notRegex(command("kube-ceph-client-user").inputs.create, /MDS_CAPS|mds "/);

    const secrets = byType(run, "kubernetes:core/v1:Secret");
    const secret = async (name: string) => {
        for (const s of secrets) {
            if ((await unwrap(s.inputs.metadata.name)).value === name) {
                return s;
            }
        }
        return undefined;
    };
    const nodeSecret = (await secret("ceph-kube-csi-csi-cephfs-node"))!;
    t.is((await unwrap(nodeSecret.inputs.stringData.adminID)).value, "kube-cephfs-csi-node");
    t.true((await unwrap(nodeSecret.inputs.stringData.adminKey)).secret, "the key stays secret");
    t.truthy(await secret("ceph-kube-team-b-csi-cephfs-provisioner"));

    const profiles = byType(run, "kubernetes:csi.ceph.io/v1:ClientProfile");
    const specs = new Map(await Promise.all(profiles.map(async (p) => [(await unwrap(p.inputs.metadata.name)).value, (await unwrap(p.inputs.spec)).value] as [string, any])));
    t.deepEqual(specs.get(`${FSID}-cephfs-csi`)?.cephFs, { subVolumeGroup: "csi" });
    t.deepEqual(specs.get(`${FSID}-cephfs-team-b`)?.cephFs, { subVolumeGroup: "team-b" });
    t.deepEqual(specs.get(FSID), { cephConnectionRef: { name: FSID }, rbd: {} }, "the cluster's own profile is unchanged");

    const drivers = await Promise.all(byType(run, "kubernetes:csi.ceph.io/v1:Driver").map(async (d) => (await unwrap(d.inputs.metadata.name)).value));
    t.deepEqual(drivers.sort(), ["cephfs.csi.ceph.com", "rbd.csi.ceph.com"]);

    const shared = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass").find((c) => c.name === "kube-ceph-cephfs-class-shared-class")!;
    t.is((await unwrap(shared.inputs.provisioner)).value, "cephfs.csi.ceph.com");
    t.deepEqual((await unwrap(shared.inputs.parameters)).value, {
        "clusterID": `${FSID}-cephfs-csi`,
        "csi.storage.k8s.io/controller-expand-secret-name": "ceph-kube-csi-csi-cephfs-provisioner",
        "csi.storage.k8s.io/controller-expand-secret-namespace": "ceph-csi",
        "csi.storage.k8s.io/node-stage-secret-name": "ceph-kube-csi-csi-cephfs-node",
        "csi.storage.k8s.io/node-stage-secret-namespace": "ceph-csi",
        "csi.storage.k8s.io/provisioner-secret-name": "ceph-kube-csi-csi-cephfs-provisioner",
        "csi.storage.k8s.io/provisioner-secret-namespace": "ceph-csi",
        "fsName": "kcfs",
        "mounter": "fuse",
    });

    // Its VolumeSnapshotClass: the CephFS driver, the group's clusterID, the provisioner's Secret.
    const snapshots = byType(run, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass");
    t.deepEqual(snapshots.map((c) => c.name), ["kube-ceph-cephfs-snapshot-class-shared-class"]);
    t.is((await unwrap(snapshots[0].inputs.driver)).value, "cephfs.csi.ceph.com");
    t.deepEqual((await unwrap(snapshots[0].inputs.parameters)).value, {
        "clusterID": `${FSID}-cephfs-csi`,
        "csi.storage.k8s.io/snapshotter-secret-name": "ceph-kube-csi-csi-cephfs-provisioner",
        "csi.storage.k8s.io/snapshotter-secret-namespace": "ceph-csi",
    });

    // Destroy: the class's guard goes before its class, Secrets, users, group, profile and filesystem.
    const guard = byType(run, "kube-ceph:kubernetes:VolumeGuard").find((g) => g.name === "kube-ceph-cephfs-guard-shared")!;
    for (const dependency of ["kube-ceph-cephfs-kcfs", "kube-ceph-cephfs-group-kcfs/csi", "kube-ceph-cephfs-provisioner-csi", "kube-ceph-cephfs-node-csi", "kube-ceph-cephfs-secrets-csi", "kube-ceph-cephfs-group-profile-csi", "kube-ceph-cephfs-class-shared", "kube-ceph-cephfs-snapshot-class-shared"]) {
        t.true(guard.dependsOn.includes(dependency), `${dependency}: ${guard.dependsOn.join(", ")}`);
    }
    // A group goes before its users and after its Secrets: its refusal keeps the keys that reach its subvolumes.
    const group = byType(run, "kube-ceph:ceph:CephfsSubvolumeGroup").find((g) => g.name === "kube-ceph-cephfs-group-kcfs/csi")!;
    t.deepEqual([...group.dependsOn].sort(), ["kube-ceph-cephfs-kcfs", "kube-ceph-cephfs-node-csi", "kube-ceph-cephfs-provisioner-csi"]);
    t.true(byType(run, "kube-ceph:kubernetes:CephfsSecrets").find((g) => g.name === "kube-ceph-cephfs-secrets-csi")!.dependsOn.includes("kube-ceph-cephfs-group-kcfs/csi"));
    t.deepEqual(run.outputs.storageClassNames, ["block", "shared", "team-b"]);
    t.deepEqual(Object.keys(run.outputs.filesystems as object), ["kcfs"]);
});

test.serial("CephFS preflight: the volumes module, an MDS for each filesystem, and the kernel rules only for classes that mount with the kernel", async (t) => {
    const config = (mounter?: string) => baseConfig({
        provisioner: { install: "operator", operator: { manifest: manifestFile } },
        pools: { rbd: {} },
        filesystems: { kcfs: {} },
        storageClasses: [{ name: "block", pool: "rbd" }, { name: "shared", type: "cephfs", filesystem: "kcfs", ...(mounter ? { mounter } : {}) }],
    });
    const node = { serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "4.15.0-213-generic" }] };
    const served = { active: { kcfs: 1 }, standbys: 1 };
    // A 4.15 kernel maps the RBD class, but ignores CephFS quotas: refused for the kernel mounter only.
    const kernel = await t.throwsAsync(runProgram(config("kernel"), fakeReader(healthyCeph({ mdsMap: served }), node)));
    t.regex(kernel!.message, /node node-1 \(kernel 4\.15\.0-213-generic\): CephFS quotas .* needs kernel >= 4\.17\.0; fix: upgrade the node's kernel, or mount with ceph-fuse/);
    t.deepEqual(declaredBefore(kernel), []);
    await t.notThrowsAsync(runProgram(config("fuse"), fakeReader(healthyCeph({ mdsMap: served }), node)));
    await t.notThrowsAsync(runProgram(config(), fakeReader(healthyCeph({ mdsMap: served }), node)));

    const noVolumes = await t.throwsAsync(runProgram(config(), fakeReader(healthyCeph({ mdsMap: served, mgrModules: ["rbd_support"] }))));
    t.regex(noVolumes!.message, /does not run the volumes module/);
    const noMds = await t.throwsAsync(runProgram(config(), fakeReader(healthyCeph({ mdsMap: { active: {}, standbys: 0 } }))));
    t.regex(noMds!.message, /would create 1 filesystem\(s\) \(kcfs\), but 0 MDS daemon\(s\) stand by/);
    t.deepEqual(declaredBefore(noMds), []);
});

test.serial("CephFS radosNamespace: the group's ClientProfile carries it, its users reach only that namespace of the metadata pool, and a new one for a group whose profile exists is refused", async (t) => {
    const config = (radosNamespace?: string) => baseConfig({
        provisioner: { install: "operator", operator: { manifest: manifestFile } },
        pools: { rbd: {} },
        filesystems: { kcfs: {} },
        storageClasses: [
            { name: "block", pool: "rbd" },
            { name: "shared", type: "cephfs", filesystem: "kcfs" },
            { name: "team-b", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "team-b", ...(radosNamespace !== undefined ? { radosNamespace } : {}) },
        ],
    });
    const kubernetes = (clientProfiles: { name: string; cephfsRadosNamespace?: string }[]) => ({ serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "5.15.0-91-generic" }], clientProfiles });
    const run = await runProgram(config("team-b"), fakeReader(healthyCeph(), kubernetes([])));
    const commands = byType(run, "command:remote:Command");
    const create = (name: string) => commands.find((c) => c.name === name)!.inputs.create;
    t.regex(create("kube-ceph-cephfs-provisioner-team-b-user"), /OSD_CAPS='allow rw namespace=team-b tag cephfs metadata=kcfs'/);
    t.regex(create("kube-ceph-cephfs-node-team-b-user"), /OSD_CAPS='allow r namespace=team-b tag cephfs metadata=kcfs, allow rw tag cephfs data=kcfs'/);
    // The group without one keeps the caps of ceph-csi's document (its default namespace is shared).
    t.regex(create("kube-ceph-cephfs-provisioner-csi-user"), /OSD_CAPS='allow rw tag cephfs metadata=kcfs'/);
    const specs = new Map(await Promise.all(byType(run, "kubernetes:csi.ceph.io/v1:ClientProfile").map(async (p) => [(await unwrap(p.inputs.metadata.name)).value, (await unwrap(p.inputs.spec)).value] as [string, any])));
    t.deepEqual(specs.get(`${FSID}-cephfs-team-b`)?.cephFs, { subVolumeGroup: "team-b", radosNamespace: "team-b" });
    t.deepEqual(specs.get(`${FSID}-cephfs-csi`)?.cephFs, { subVolumeGroup: "csi" });
    // Not a StorageClass parameter: ceph-csi reads it from the profile.
    const parameters = (await unwrap(byType(run, "kubernetes:storage.k8s.io/v1:StorageClass").find((c) => c.name === "kube-ceph-cephfs-class-team-b-class")!.inputs.parameters)).value;
    t.false("radosNamespace" in parameters);

    // The live profile keeps the journal where it is: the same namespace passes, another is refused before anything is declared.
    await t.notThrowsAsync(runProgram(config("team-b"), fakeReader(healthyCeph(), kubernetes([{ name: `${FSID}-cephfs-team-b`, cephfsRadosNamespace: "team-b" }]))));
    const moved = await t.throwsAsync(runProgram(config("team-c"), fakeReader(healthyCeph(), kubernetes([{ name: `${FSID}-cephfs-team-b`, cephfsRadosNamespace: "team-b" }]))));
    t.regex(moved!.message, new RegExp(`kube-ceph:storageClasses\\[2\\]\\.radosNamespace is team-c, but subvolume group team-b's ClientProfile ${FSID}-cephfs-team-b keeps its journal in rados namespace team-b, where ceph-csi finds the group's existing volumes`));
    t.deepEqual(declaredBefore(moved), []);
    // A group made without one (ceph-csi's default) cannot take one later either.
    const later = await t.throwsAsync(runProgram(config("team-b"), fakeReader(healthyCeph(), kubernetes([{ name: `${FSID}-cephfs-team-b` }]))));
    t.regex(later!.message, /storageClasses\[2\]\.radosNamespace is team-b, but .* rados namespace unset \(ceph-csi's default, csi\)/);
});

test.serial("CephFS only: no RBD user, Secret, pool or Driver; the smoke test claims the first CephFS class and waits for its guard; preflight wants only the volumes module", async (t) => {
    const config = baseConfig({
        provisioner: { install: "operator", operator: { manifest: manifestFile } },
        filesystems: { kcfs: { deletionPolicy: "delete" } },
        storageClasses: [{ name: "shared", type: "cephfs", filesystem: "kcfs", mounter: "fuse" }],
    });
    const run = await runProgram(config, fakeReader(healthyCeph({ mgrModules: ["volumes"] })));
    t.deepEqual(byType(run, "command:remote:Command").map((c) => c.name).sort(), [
        "kube-ceph-cephfs-group-kcfs/csi-group", "kube-ceph-cephfs-kcfs-filesystem",
        "kube-ceph-cephfs-node-csi-user", "kube-ceph-cephfs-provisioner-csi-user",
    ]);
    t.deepEqual(byType(run, "kube-ceph:kubernetes:RbdSecrets"), []);
    t.deepEqual(byType(run, "kube-ceph:kubernetes:RbdDriver"), []);
    t.is(byType(run, "kube-ceph:kubernetes:CephfsDriver").length, 1);
    const [smokeTest] = byType(run, "kube-ceph:kubernetes:SmokeTest");
    t.deepEqual([...smokeTest.dependsOn].sort(), ["kube-ceph-ceph-csi", "kube-ceph-cephfs-class-shared", "kube-ceph-cephfs-guard-shared"]);
    const claim = byType(run, "kubernetes:core/v1:PersistentVolumeClaim")[0];
    t.is(claim.inputs.spec.storageClassName, "shared");
    t.is(run.outputs.storageClassName, "shared");
    t.is(run.outputs.pool, undefined);
    // It records its node users' name all the same, so an RBD class added later gets them.
    t.is(run.outputs.cephNodeUser, "client.kube-rbd-node");
    // An RBD class needs rbd_support; without one, its absence stops nothing.
    const refused = await t.throwsAsync(runProgram(baseConfig({ provisioner: { install: "operator", operator: { manifest: manifestFile } }, pools: { rbd: {} }, filesystems: { kcfs: { deletionPolicy: "delete" } },
        storageClasses: [{ name: "shared", type: "cephfs", filesystem: "kcfs" }, { name: "block", pool: "rbd" }] }), fakeReader(healthyCeph({ mgrModules: ["volumes"] }))));
    t.regex(refused!.message, /rbd_support/);
});

test.serial("stackUsers names exactly the users CephStorage makes: the RBD and node users, each tenant's, each CephFS group's (the cephUsers output)", async (t) => {
    const run = await runProgram(baseConfig({
        provisioner: { install: "operator", operator: { manifest: manifestFile } },
        pools: { rbd: {} },
        filesystems: { kcfs: { deletionPolicy: "delete" } },
        storageClasses: [
            { name: "block", pool: "rbd" },
            { name: "team-a", pool: "rbd", radosNamespace: "team-a" },
            { name: "shared", type: "cephfs", filesystem: "kcfs" },
            { name: "team-b", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "team-b" },
        ],
    }));
    // Every user command's entity: the scripts with PHASE are the users'.
    const made = byType(run, "command:remote:Command").map((c) => String(c.inputs.create)).filter((s) => /\nPHASE=create\n/.test(s)).map((s) => /\nENTITY=([^\n]+)\n/.exec(s)![1]);
    t.is(made.length, 8);
    t.deepEqual([...(run.outputs.cephUsers as string[])].sort(), [...made].sort());
});
