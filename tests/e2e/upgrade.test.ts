// Stacks made by earlier releases, brought to this one. The release before the operator (ceph-csi
// from kube-ceph's own manifests) switches to ceph-csi-operator in one `up`: a PersistentVolume
// made against the old install (its clusterID, its Secret) must come out untouched and still
// resolvable; nothing that holds data is replaced or deleted (that release declared the graph at
// the top level of the stack: the same switch proves the names those resources keep under the
// component). The previous release, whose component made one class, upgrades with one step: its
// Ceph user's command, in place, which records the stack as the user's owner.
import test from "ava";
import type { EngineEvent, OpType, StepEventMetadata } from "@pulumi/pulumi/automation";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labConfig, LabConfig, labStack, REPO } from "../../lab/pulumi/stack";
import { OWNER_KEY, userOwnerRecord } from "../../components/ceph";
import { ceph, cephJson } from "../../lab/lab";
import { cleanupStack, createCsiVolume, kubectlJson, plannedSteps, quiet } from "../lab";

/** The last release before ceph-csi-operator that landed on main (stop 14). */
const RELEASE_BEFORE_OPERATOR = "4ac9dbaab16e7d79d5ba96202ab6fded67f94d63";
/** The last release that landed on main (stop 17): many RBD classes, no CephFS yet. */
const PREVIOUS_RELEASE = "c1b006898b32074e8e0497a39b4715bc0219aa04";
/** Release 0.2.0 (stop 32): the compiled program, the install as one resource, the providers serialized by the build. */
const RELEASE_0_2_0 = "26d6eef0e70469ab05ce77d47eb8af1e13ac3cf9";
const id = process.pid;
const STACK = `e2eupgrade${id}`;
const NAMESPACE = `up-${id}`;
const PV = `up-pv-${id}`;
const OPERATOR_NAMESPACE = "ceph-csi-operator-system";

/** Types the switch may delete: the hand-written driver's objects, none of which holds data. */
const OLD_DRIVER_TYPES = [
    "kubernetes:core/v1:ServiceAccount",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "kubernetes:core/v1:ConfigMap",
    "kubernetes:apps/v1:Deployment",
    "kubernetes:apps/v1:DaemonSet",
];

/** Why a step of the switch is not allowed, or undefined when it is. */
function disallowedStep(step: StepEventMetadata): string | undefined {
    const name = step.urn.split("::").pop() ?? "";
    const underOldDriver = step.urn.includes("kube-ceph:kubernetes:CephCsi$");
    const what = `${step.op} of ${step.type} ${name}`;
    switch (step.op) {
        case "same":
        case "create":
        case "update":
            // Updates are in place; what holds data (Secrets, class, namespace, pool, user) is checked below to stay "same" or in place.
            return undefined;
        case "read":
            return step.type === "pulumi:pulumi:StackReference" ? undefined : `${what}: only the stack's own outputs may be read`;
        case "delete":
            return underOldDriver && OLD_DRIVER_TYPES.includes(step.type) ? undefined : `${what}: only the old driver's workloads, RBAC and ConfigMaps may go`;
        case "replace":
        case "create-replacement":
        case "delete-replaced":
            // The old CSIDriver becomes the operator's leftovers record, deleted first to free the name.
            return name === "kube-ceph-rbd-driver-leftovers" || (name === "ceph-csi-driver" && step.type === "kubernetes:storage.k8s.io/v1:CSIDriver")
                ? undefined
                : `${what}: only the old CSIDriver may be replaced`;
        default:
            return `${what}: no ${step.op} is allowed`;
    }
}

/** The program of an earlier release, in a temporary directory with this checkout's node_modules. */
function releaseProgram(commit: string): string {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-previous-"));
    execFileSync("bash", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, REPO, commit, dir]);
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
    // Releases since 0.2.0 run their compiled program (Pulumi.yaml's main), which `npm ci` builds.
    if (existsSync(join(dir, "tsconfig.program.json"))) {
        execFileSync("npm", ["run", "--silent", "build"], { cwd: dir, stdio: "pipe" });
    }
    return dir;
}

test.serial("a stack on the previous release's manifests moves to ceph-csi-operator in one up; its PersistentVolume, Secrets and namespace are untouched", async (t) => {
    const previous = releaseProgram(RELEASE_BEFORE_OPERATOR);
    const config = labConfig({
        pool: { name: `up${id}`, pgNum: 8, deletionPolicy: "delete" },
        client: { name: `up${id}` },
        storageClass: { name: `up-${id}` },
        provisioner: { namespace: NAMESPACE },
    });
    // The previous release knows no provisioner.operator key.
    const { operator: _operator, ...oldProvisioner } = config.provisioner;
    const old = await labStack(STACK, { ...config, provisioner: oldProvisioner }, previous);
    let current: Awaited<ReturnType<typeof labStack>> | undefined;
    t.teardown(async () => {
        execFileSync("kubectl", ["delete", "pv", PV, "--ignore-not-found", "--timeout=60s"], { stdio: "pipe" });
        await cleanupStack(t, current ?? old, { pools: [`up${id}`] });
        rmSync(previous, { recursive: true, force: true });
    });
    t.is((await old.up(quiet)).summary.result, "succeeded");
    t.truthy(kubectlJson("get", "deployment", "-n", NAMESPACE, "csi-rbdplugin-provisioner"), "the previous release wrote its own driver");

    // A volume ceph-csi made under the old install: its clusterID and its Secret's namespace are fixed for its life.
    const fsid = cephJson<{ fsid: string }>("fsid").fsid;
    createCsiVolume({
        name: PV,
        fsid,
        pool: `up${id}`,
        storageClassName: `up-${id}`,
        reclaimPolicy: "Retain",
        suffix: `up${id}`,
        nodeStageSecret: { name: `ceph-up${id}-csi-rbd`, namespace: NAMESPACE },
    });
    const before = kubectlJson("get", "pv", PV);
    const secretBefore = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-up${id}-csi-rbd`);
    const namespaceBefore = kubectlJson("get", "namespace", NAMESPACE);

    // The stack's settings file holds its secrets' salt: the new program must use the same one.
    copyFileSync(join(previous, `Pulumi.${STACK}.yaml`), join(REPO, `Pulumi.${STACK}.yaml`));
    current = await labStack(STACK, config, REPO);
    const steps: StepEventMetadata[] = [];
    const warnings: string[] = [];
    const onEvent = (event: EngineEvent) => {
        if (event.resourcePreEvent !== undefined) {
            steps.push(event.resourcePreEvent.metadata);
        }
        if (event.diagnosticEvent?.severity === "warning") {
            warnings.push(event.diagnosticEvent.message);
        }
    };
    const preview = await current.preview({ ...quiet, diff: true, onEvent });
    t.true(steps.length > 0, "the preview reported no steps");
    t.deepEqual(steps.map(disallowedStep).filter((reason) => reason !== undefined), [], preview.stdout);
    t.true(warnings.some((w) => w.includes("ceph-csi moves from kube-ceph's own manifests to ceph-csi-operator in this update")), warnings.join("\n"));
    // What holds data, or what volumes name, neither moves nor changes; the user's command is
    // updated in place (it records the stack as the user's owner), and with it the read of its key.
    for (const [type, name, op] of <[string, string, OpType][]>[
        ["kubernetes:core/v1:Namespace", "kube-ceph-ceph-csi-namespace", "same"],
        ["kubernetes:core/v1:Secret", "kube-ceph-rbd-secrets-csi", "same"],
        ["kubernetes:storage.k8s.io/v1:StorageClass", `kube-ceph-rbd-class-up-${id}-class`, "same"],
        ["command:remote:Command", `kube-ceph-pool-up${id}-pool`, "same"],
        ["command:remote:Command", "kube-ceph-client-user", "update"],
        ["pulumi-nodejs:dynamic/kube-ceph:CephUserKey", "kube-ceph-client-key", "update"],
    ]) {
        const step = steps.find((s) => s.type === type && s.urn.endsWith(`::${name}`));
        t.is(step?.op, op, `${type} ${name}: ${step?.op ?? "not in the plan"}`);
    }

    // The switch, in one up, in the right order: the old CSIDriver goes before the Driver is made,
    // the old workloads only after it.
    const order: string[] = [];
    const up = await current.up({
        ...quiet,
        onEvent: (event) => {
            const step = event.resOutputsEvent?.metadata;
            if (step !== undefined && step.op !== "same") {
                order.push(`${step.op} ${step.urn.split("::").pop()}`);
            }
        },
    });
    t.is(up.summary.result, "succeeded");
    const at = (entry: string) => order.indexOf(entry);
    t.true(at("delete-replaced ceph-csi-driver") >= 0 || at("delete-replaced kube-ceph-rbd-driver-leftovers") >= 0, order.join("\n"));
    const oldDriverGone = Math.max(at("delete-replaced ceph-csi-driver"), at("delete-replaced kube-ceph-rbd-driver-leftovers"));
    t.true(oldDriverGone < at("create kube-ceph-rbd-driver-driver"), order.join("\n"));
    t.true(at("create kube-ceph-rbd-driver-driver") < at("delete ceph-csi-provisioner"), order.join("\n"));
    t.true(at("create kube-ceph-rbd-driver-driver") < at("delete ceph-csi-nodeplugin"), order.join("\n"));

    // The volume, its Secret and their namespace are as they were; its clusterID resolves in the operator's configuration.
    const after = kubectlJson("get", "pv", PV);
    t.is(after.metadata.uid, before.metadata.uid);
    t.is(after.metadata.resourceVersion, before.metadata.resourceVersion);
    const secretAfter = kubectlJson("get", "secret", "-n", NAMESPACE, `ceph-up${id}-csi-rbd`);
    t.is(secretAfter.metadata.uid, secretBefore.metadata.uid);
    t.deepEqual(secretAfter.data, secretBefore.data);
    t.is(kubectlJson("get", "namespace", NAMESPACE).metadata.uid, namespaceBefore.metadata.uid);
    t.is(userOwner(`up${id}`), poolOwner(`up${id}`), "the user made by the earlier release now has this stack's owner record");
    const csiConfig = JSON.parse(kubectlJson("get", "configmap", "-n", OPERATOR_NAMESPACE, "ceph-csi-config").data["config.json"]);
    t.true(csiConfig.some((c: { clusterID: string }) => c.clusterID === after.spec.csi.volumeAttributes.clusterID), JSON.stringify(csiConfig));
    // kube-ceph's old workloads are gone, the operator's are there.
    const names = (kind: string, namespace: string) => kubectlJson("get", kind, "-n", namespace).items.map((o: { metadata: { name: string } }) => o.metadata.name);
    t.deepEqual([...names("deployment", NAMESPACE), ...names("daemonset", NAMESPACE)], []);
    t.true(names("deployment", OPERATOR_NAMESPACE).includes("rbd.csi.ceph.com-ctrlplugin"));
    t.true(names("daemonset", OPERATOR_NAMESPACE).includes("rbd.csi.ceph.com-nodeplugin"));

    await t.notThrowsAsync(current.preview({ ...quiet, expectNoChanges: true }));
});

/** The uid of every object install.yaml made, by kind and name: the same uids mean nothing was made again. */
function operatorObjectUids(): Record<string, string> {
    const uids: Record<string, string> = {};
    for (const [kind, namespaced] of [["crd", false], ["namespace", false], ["clusterrole", false], ["clusterrolebinding", false], ["deployment", true], ["serviceaccount", true], ["role", true], ["rolebinding", true]] as const) {
        // Names and uids only: the CRDs in full are megabytes.
        const lines = execFileSync("kubectl", ["get", kind, ...(namespaced ? ["-n", OPERATOR_NAMESPACE] : []), "-o", "jsonpath={range .items[*]}{.metadata.name}={.metadata.uid}{\"\\n\"}{end}"], { encoding: "utf8" });
        for (const [name, uid] of lines.split("\n").filter(Boolean).map((line) => line.split("="))) {
            if (kind !== "namespace" || name === OPERATOR_NAMESPACE) {
                uids[`${kind}/${name}`] = uid;
            }
        }
    }
    return uids;
}

/**
 * A one-class stack of `commit`, run through the operator, upgrades to this program changing no
 * resource that holds data. The first run applies install.yaml as the one resource and marks the
 * objects the release declared one by one as kept on delete; the second leaves them out of the
 * stack, and every object of the operator stays the very same object. The only other step is the
 * Ceph user's command, updated in place to record the stack as the user's owner (and, in the
 * preview only, the read of its key, which waits for that command's output).
 */
const upgradesUnchanged = test.macro(async (t, commit: string) => {
    const previous = releaseProgram(commit);
    const stackName = `e2ezero${commit.slice(0, 6)}${id}`;
    const pool = `zero${commit.slice(0, 6)}${id}`;
    // The single-class config, as the many-classes issue asks. (A many-class stack of stop 17 with a
    // tenant was checked once by hand the same way: no step either.)
    const config = labConfig({
        pool: { name: pool, pgNum: 8, deletionPolicy: "delete" },
        client: { name: pool },
        storageClass: { name: `zero-${id}` },
        provisioner: { namespace: `zero-${id}` },
    });
    const old = await labStack(stackName, config, previous);
    let current: Awaited<ReturnType<typeof labStack>> | undefined;
    t.teardown(async () => {
        await cleanupStack(t, current ?? old, { pools: [pool] });
        rmSync(previous, { recursive: true, force: true });
    });
    t.is((await old.up(quiet)).summary.result, "succeeded");
    t.is(userOwner(pool), undefined, "the earlier release records no owner of its user");
    const keyBefore = ceph("auth", "get-key", `client.${pool}`).trim();
    const uidsBefore = operatorObjectUids();
    t.true(Object.keys(uidsBefore).filter((k) => k.startsWith("crd/") && k.endsWith(".csi.ceph.io")).length >= 5, JSON.stringify(uidsBefore));

    copyFileSync(join(previous, `Pulumi.${stackName}.yaml`), join(REPO, `Pulumi.${stackName}.yaml`));
    current = await labStack(stackName, config, REPO);
    const changed: string[] = [];
    const onEvent = (event: EngineEvent) => {
        const step = event.resourcePreEvent?.metadata;
        if (step !== undefined && step.op !== "same" && step.op !== "read") {
            changed.push(`${step.op} ${step.urn.split("::").pop()}`);
        }
    };
    // Every resource of the previous release is the same one, under its new name.
    const preview = await current.preview({ ...quiet, diff: true, onEvent });
    t.deepEqual(changed.sort(), ["create kube-ceph-ceph-csi-operator-install", "update kube-ceph-client-key", "update kube-ceph-client-user", "update kube-ceph-rbd-driver-driver"], preview.stdout);
    // (The read is the program's StackReference to its own outputs.)
    t.deepEqual(preview.changeSummary, { create: 1, update: 3, read: 1, same: preview.changeSummary.same }, preview.stdout);
    t.true(preview.changeSummary.same! > 80, preview.stdout);
    changed.length = 0;
    const up = await current.up({ ...quiet, onEvent });
    t.is(up.summary.result, "succeeded");
    t.deepEqual(changed.sort(), ["create kube-ceph-ceph-csi-operator-install", "update kube-ceph-client-user", "update kube-ceph-rbd-driver-driver"]);
    t.is(userOwner(pool), poolOwner(pool), "the upgrade records this stack as its user's owner");
    t.is(ceph("auth", "get-key", `client.${pool}`).trim(), keyBefore, "the user's key is the same");
    t.deepEqual(operatorObjectUids(), uidsBefore, "applying install.yaml as one resource made no object again");

    // The second run: the objects declared one by one leave the stack, kept in the cluster.
    const steps: StepEventMetadata[] = [];
    const collect = (event: EngineEvent) => {
        const step = event.resourcePreEvent?.metadata;
        if (step !== undefined && step.op !== "same" && step.op !== "read") {
            steps.push(step);
        }
    };
    const second = await current.preview({ ...quiet, onEvent: collect });
    const leaving = steps.filter((s) => s.op === "delete" && s.urn.includes("kubernetes:yaml/v2:ConfigGroup"));
    t.true(leaving.length >= 40, second.stdout);
    t.deepEqual(steps.filter((s) => !leaving.includes(s)).map((s) => `${s.op} ${s.urn.split("::").pop()}`), [], second.stdout);
    steps.length = 0;
    t.is((await current.up({ ...quiet, onEvent: collect })).summary.result, "succeeded");
    t.true(steps.every((s) => s.op === "delete" && s.urn.includes("kubernetes:yaml/v2:ConfigGroup")), steps.map((s) => `${s.op} ${s.urn}`).join("\n"));
    t.deepEqual(operatorObjectUids(), uidsBefore, "leaving the kept entries out deleted no object");
    await t.notThrowsAsync(current.preview({ ...quiet, expectNoChanges: true }));
});

/** The user's owner record, or undefined when it has none. */
function userOwner(user: string): string | undefined {
    try {
        return ceph("config-key", "get", userOwnerRecord(`client.${user}`)).trim();
    } catch {
        return undefined;
    }
}

/** The stack identity kube-ceph tagged the pool with. */
function poolOwner(pool: string): string {
    return ceph("osd", "pool", "application", "get", pool, "rbd", OWNER_KEY).trim();
}

test.serial("a one-class stack of the previous release (stop 17, no CephFS) upgrades in two runs: install.yaml becomes one resource with every operator object kept as it is, and its user gains its owner record in place", upgradesUnchanged, PREVIOUS_RELEASE);

test.serial("a stack of release 0.2.0 with RBD and CephFS classes previews with no step but the Drivers' deletion policy, in place, and its next preview is empty", async (t) => {
    const previous = releaseProgram(RELEASE_0_2_0);
    const stackName = `e2erelease020${id}`;
    const pool = `rel${id}`;
    const fs = `relfs${id}`;
    const { pool: _pool, storageClass: _storageClass, ...rest } = labConfig({ client: { name: pool }, provisioner: { namespace: `rel-${id}` } });
    const config: LabConfig = {
        ...rest,
        pools: { [pool]: { pgNum: 8, deletionPolicy: "delete" } },
        filesystems: { [fs]: { deletionPolicy: "delete" } },
        storageClasses: [
            { name: `rel-${id}`, pool },
            { name: `rel-files-${id}`, type: "cephfs", filesystem: fs },
        ] as unknown as Record<string, unknown>,
    };
    const old = await labStack(stackName, config, previous);
    let current: Awaited<ReturnType<typeof labStack>> | undefined;
    t.teardown(async () => {
        await cleanupStack(t, current ?? old, { pools: [pool] });
        rmSync(previous, { recursive: true, force: true });
    });
    t.is((await old.up(quiet)).summary.result, "succeeded");

    copyFileSync(join(previous, `Pulumi.${stackName}.yaml`), join(REPO, `Pulumi.${stackName}.yaml`));
    current = await labStack(stackName, config, REPO);
    // Not even an update of a dynamic resource whose provider code moved: each diffs its inputs
    // only. The one change is the Drivers' deletion policy (background), in place.
    t.deepEqual(await plannedSteps(current), [
        "update kubernetes:csi.ceph.io/v1:Driver kube-ceph-cephfs-driver-driver",
        "update kubernetes:csi.ceph.io/v1:Driver kube-ceph-rbd-driver-driver",
    ]);
    const up = await current.up(quiet);
    t.is(up.summary.result, "succeeded");
    t.is(up.summary.resourceChanges?.update, 2, JSON.stringify(up.summary.resourceChanges));
    t.deepEqual(Object.keys(up.summary.resourceChanges ?? {}).filter((op) => op !== "same" && op !== "read" && op !== "update"), [], JSON.stringify(up.summary.resourceChanges));
    await t.notThrowsAsync(current.preview({ ...quiet, expectNoChanges: true }));
});
