import test from "ava";
import * as pulumi from "@pulumi/pulumi";
import { SHARED_NAMESPACES } from "../../components/kubernetes";
import { parseUserKey, POOL_OUTPUT } from "../../components/live";
import { baseConfig, byType, declaredBefore, FAKE_CEPH_KEY, FAKE_CEPH_KEY_DIGEST, FAKE_SSH_KEY, fakeReader, FSID, healthyCeph, runProgram, unwrap } from "../harness";

test.serial("csi: declares pool, user, Secret, driver, ConfigMaps and StorageClass from discovered facts", async (t) => {
    const run = await runProgram(baseConfig());
    const commands = byType(run, "command:remote:Command");
    t.deepEqual(commands.map((c) => c.name).sort(), ["kube-ceph-client-user", "kube-ceph-pool-mypool-pool", "kube-ceph-rbd-node-client-user"]);
    const sc = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass")[0];
    t.is(sc.inputs.provisioner, "rbd.csi.ceph.com");
    const params = (await unwrap(sc.inputs.parameters)).value;
    t.is(params.clusterID, FSID);
    t.is(params.pool, "mypool");
    t.is(params.imageFeatures, "layering");
    t.is(params["csi.storage.k8s.io/provisioner-secret-namespace"], "ceph-csi");
    const config = byType(run, "kubernetes:core/v1:ConfigMap").find((c) => c.name === "kube-ceph-ceph-csi-config")!;
    const doc = JSON.parse((await unwrap(config.inputs.data["config.json"])).value);
    t.deepEqual(doc, [{ clusterID: FSID, monitors: ["127.0.0.11:6789", "127.0.0.12:6789", "127.0.0.13:6789"] }]);
    t.truthy(byType(run, "kubernetes:storage.k8s.io/v1:CSIDriver").length === 1);
    t.deepEqual(byType(run, "kubernetes:core/v1:ConfigMap").map((c) => c.name).sort(), ["kube-ceph-ceph-csi-ceph-config", "kube-ceph-ceph-csi-config", "kube-ceph-ceph-csi-kms-config"]);
    t.is(run.outputs.clusterId, FSID);
    t.is(run.outputs.provisionerKind, "csi");
});

test.serial("csi: the Secret holds the key the cluster returned, as a secret, with the bare user id", async (t) => {
    const run = await runProgram(baseConfig({ client: { name: "k8s-rbd" } }));
    const secret = byType(run, "kubernetes:core/v1:Secret")[0];
    const userKey = await unwrap(secret.inputs.stringData.userKey);
    t.is(userKey.value, FAKE_CEPH_KEY);
    t.true(userKey.secret);
    t.is((await unwrap(secret.inputs.stringData.userID)).value, "k8s-rbd");
    t.is((await unwrap(secret.inputs.metadata.namespace)).value, "ceph-csi");
});

test.serial("the SSH private key reaches every remote command only as a secret", async (t) => {
    const run = await runProgram(baseConfig());
    for (const command of byType(run, "command:remote:Command")) {
        const key = await unwrap(command.inputs.connection.privateKey);
        t.is(key.value, FAKE_SSH_KEY);
        t.true(key.secret, `${command.name} connection.privateKey must be secret`);
    }
});

/** The line that ends the user command's scripts: the key's SHA-256 hex, computed from a builtin's pipe. */
const DIGEST_LINE = "printf '%s' \"$KEY\" | sha256sum | cut -d' ' -f1";

test.serial("no command prints a key: the user command prints the key's SHA-256 digest, and no stdout is a secret", async (t) => {
    const run = await runProgram(baseConfig());
    for (const command of byType(run, "command:remote:Command")) {
        // Nothing to hide on stdout: the real provider quotes a failed command's stdout whatever `logging` says.
        t.false((command.opts.additionalSecretOutputs ?? []).includes("stdout"), `${command.name}: stdout must not need to be secret`);
        t.false(command.inputs.addPreviousOutputInEnv);
        for (const field of ["create", "update", "delete"]) {
            const lines = String(command.inputs[field]).trim().split("\n");
            // A key may only be read into a variable, never printed: get-key appears only inside $( ).
            for (const line of lines.filter((l) => l.includes("ceph auth get-key"))) {
                t.is(line.trim(), 'KEY=$(ceph auth get-key "$ENTITY")', `${command.name}.${field}`);
            }
            t.false(/^\s*ceph auth (get-key|print-key|get |export)/.test(lines[lines.length - 1]), `${command.name}.${field} must not end printing a key`);
        }
    }
    const user = byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!;
    for (const field of ["create", "update"]) {
        const lines = String(user.inputs[field]).trim().split("\n");
        t.is(lines[lines.length - 1], DIGEST_LINE);
        t.is(lines[lines.length - 2], 'KEY=$(ceph auth get-key "$ENTITY")');
    }
});

test.serial("the key is read by CephUserKey, queued after the user command in its lane, from its digest, with the SSH key as a secret", async (t) => {
    const run = await runProgram(baseConfig({ client: { name: "k8s-rbd" } }));
    const reader = byType(run, "pulumi-nodejs:dynamic/kube-ceph:CephUserKey");
    // The stack's user, and (a new stack) the RBD node plugin's own.
    t.deepEqual(reader.map((r) => r.name).sort(), ["kube-ceph-client-key", "kube-ceph-rbd-node-client-key"]);
    const key = reader.find((r) => r.name === "kube-ceph-client-key")!;
    t.is(key.parent, "kube-ceph-client");
    // Same lane: it waits for the user command, so the host never has more sessions than the lane allows.
    t.deepEqual(key.dependsOn, ["kube-ceph-client-user"]);
    const privateKey = await unwrap(key.inputs.privateKey);
    t.is(privateKey.value, FAKE_SSH_KEY);
    t.true(privateKey.secret, "privateKey must be a secret input");
    t.true(key.opts.additionalSecretOutputs!.includes("key"));
    t.true(key.opts.additionalSecretOutputs!.includes("privateKey"), "privateKey must stay a secret in the state");
    t.is((await unwrap(key.inputs.entity)).value, "client.k8s-rbd");
    // The digest is the user command's stdout (an Output of it), not a value known before it ran.
    t.true(pulumi.Output.isInstance(key.inputs.keyDigest));
    t.is((await unwrap(key.inputs.keyDigest)).value, FAKE_CEPH_KEY_DIGEST);
    const user = byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!;
    const connection = (await unwrap(user.inputs.connection)).value;
    t.deepEqual([key.inputs.host, key.inputs.port, key.inputs.user], [connection.host, connection.port, connection.user]);
    t.regex((await unwrap(key.inputs.script)).value, /ceph auth get-key "\$ENTITY"\n$/);
    // The provider's code is stored in the state: it must carry the reader and no key.
    const provider = (await unwrap(key.inputs.__provider)).value as string;
    t.regex(provider, /require\("ssh2"\)/);
    t.false(provider.includes(FAKE_CEPH_KEY) || provider.includes(FAKE_SSH_KEY));
});

test.serial("the key CephUserKey read reaches both Secrets as a secret (external and in-tree kinds)", async (t) => {
    const run = await runProgram(baseConfig({ provisioner: { kind: "external", namespace: "kube-system" } }), fakeReader(healthyCeph(), { serverVersion: "v1.19.16", nodes: [] }));
    const secrets = byType(run, "kubernetes:core/v1:Secret");
    t.is(secrets.length, 2);
    for (const secret of secrets) {
        const key = await unwrap(secret.inputs.stringData.key);
        // Only the CephUserKey mock answers with the key; the user command's stdout is its digest.
        t.is(key.value, FAKE_CEPH_KEY);
        t.true(key.secret, `${secret.name}: the key must be a secret`);
    }
});

test.serial("no command text contains a key, and none touches client.admin", async (t) => {
    const run = await runProgram(baseConfig());
    for (const command of byType(run, "command:remote:Command")) {
        for (const field of ["create", "update", "delete"]) {
            const text = String(command.inputs[field]);
            t.false(text.includes(FAKE_CEPH_KEY));
            t.false(text.includes("BEGIN OPENSSH"));
            t.false(/client\.admin/.test(text), `${command.name}.${field} must not mention client.admin`);
        }
    }
});

test.serial("least-privilege caps: profile rbd limited to the pool, applied in place on change", async (t) => {
    const run = await runProgram(baseConfig({ pool: { name: "kubevols" } }));
    const user = byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!;
    t.regex(user.inputs.create, /MON_CAPS='profile rbd'/);
    t.regex(user.inputs.create, /OSD_CAPS='profile rbd pool=kubevols'/);
    t.regex(user.inputs.create, /MGR_CAPS='profile rbd pool=kubevols'/);
    t.regex(user.inputs.update, /ceph auth caps "\$ENTITY"/);
    t.true(user.opts.replaceOnChanges!.includes("triggers"));
});

test.serial("dependency order: pool -> user -> Secrets -> StorageClass -> smoke test, provisioner before the Secrets' users", async (t) => {
    const run = await runProgram(baseConfig());
    // Every component has a name of its own, so each edge names exactly one thing.
    const components = run.resources.filter((r) => r.type.startsWith("kube-ceph:"));
    t.is(new Set(components.map((c) => c.name)).size, components.length, JSON.stringify(components.map((c) => c.name)));
    const component = (type: string) => run.resources.find((r) => r.type === type)!;
    const deps = (type: string) => [...component(type).dependsOn].sort();
    t.deepEqual(deps("kube-ceph:ceph:CephPool"), []);
    t.deepEqual(deps("kube-ceph:ceph:CephClient"), ["kube-ceph-pool-mypool"]);
    // Pool and user share one SSH lane: the user's command itself waits for the pool's.
    t.deepEqual(run.resources.find((r) => r.name === "kube-ceph-client-user")!.dependsOn, ["kube-ceph-pool-mypool-pool"]);
    t.deepEqual(run.resources.find((r) => r.name === "kube-ceph-pool-mypool-pool")!.dependsOn, []);
    t.deepEqual(deps("kube-ceph:kubernetes:RbdSecrets"), ["kube-ceph-client", "kube-ceph-rbd-node-client"]);
    t.deepEqual(deps("kube-ceph:kubernetes:RbdStorageClass"), ["kube-ceph-ceph-csi", "kube-ceph-rbd-node-client", "kube-ceph-rbd-secrets"]);
    t.deepEqual(deps("kube-ceph:kubernetes:SmokeTest"), ["kube-ceph-ceph-csi", "kube-ceph-guard-mypool", "kube-ceph-rbd-class-ceph-storageclass"]);
    // The Secrets live in the provisioner's namespace: a property dependency, so the namespace comes first.
    const secret = byType(run, "kubernetes:core/v1:Secret")[0];
    t.is((await unwrap(secret.inputs.metadata.namespace)).value, "ceph-csi");
});

test.serial("StorageClass is replaced delete-first: its parameters are immutable and its name fixed", async (t) => {
    const run = await runProgram(baseConfig());
    const sc = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass")[0];
    t.true(sc.opts.deleteBeforeReplace);
    // The API server forbids updates to these four; the provider alone would try reclaimPolicy in place.
    t.deepEqual([...sc.opts.replaceOnChanges!].sort(), ["parameters", "provisioner", "reclaimPolicy", "volumeBindingMode"]);
    t.is((await unwrap(sc.inputs.metadata.name)).value, "ceph-storageclass");
});

test.serial("external: rbd-provisioner with its own ServiceAccount, pinned tag, legacy Secrets, deprecation warning", async (t) => {
    const run = await runProgram(baseConfig({ provisioner: { kind: "external", namespace: "kube-system" } }), fakeReader(healthyCeph(), { serverVersion: "v1.19.16", nodes: [] }));
    const deployment = byType(run, "kubernetes:apps/v1:Deployment")[0];
    const spec = (await unwrap(deployment.inputs.spec)).value;
    t.is(spec.template.spec.serviceAccountName, "rbd-provisioner");
    t.not(spec.template.spec.serviceAccountName, "persistent-volume-binder");
    t.regex(spec.template.spec.containers[0].image, /rbd-provisioner:v[0-9]/);
    t.deepEqual(spec.template.spec.containers[0].env, [{ name: "PROVISIONER_NAME", value: "ceph.com/rbd" }]);
    t.is(spec.strategy.type, "Recreate");
    t.is(byType(run, "kubernetes:core/v1:Namespace").length, 0, "kube-system is never declared, so never deleted");
    const secrets = byType(run, "kubernetes:core/v1:Secret");
    t.deepEqual(secrets.map((s) => s.inputs.type), ["kubernetes.io/rbd", "kubernetes.io/rbd"]);
    for (const secret of secrets) {
        t.is((await unwrap(secret.inputs.stringData.key)).value, FAKE_CEPH_KEY);
        t.true((await unwrap(secret.inputs.stringData.key)).secret);
    }
    const sc = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass")[0];
    t.is(sc.inputs.provisioner, "ceph.com/rbd");
    const params = (await unwrap(sc.inputs.parameters)).value;
    t.is(params.adminId, "kube");
    t.is(params.userId, "kube");
    t.is(params.monitors, "127.0.0.11:6789,127.0.0.12:6789,127.0.0.13:6789");
    t.is(params.userSecretNamespace, "kube-system");
    t.true(run.warnings.some((w) => /unmaintained/.test(w)));
});

test.serial("in-tree: accepted on Kubernetes 1.30 with no provisioner workload, the write-up's class parameters from the cluster, both Secrets in a namespace it declares", async (t) => {
    const run = await runProgram(baseConfig({ provisioner: { kind: "in-tree" } }), fakeReader(healthyCeph(), { serverVersion: "v1.30.4", nodes: [] }));
    t.is(byType(run, "kubernetes:apps/v1:Deployment").length, 0);
    const sc = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass")[0];
    t.is(sc.inputs.provisioner, "kubernetes.io/rbd");
    t.deepEqual((await unwrap(sc.inputs.parameters)).value, {
        adminId: "kube",
        adminSecretName: "ceph-kube-provisioner",
        adminSecretNamespace: "ceph-csi",
        fsType: "ext4",
        imageFeatures: "layering",
        imageFormat: "2",
        monitors: "127.0.0.11:6789,127.0.0.12:6789,127.0.0.13:6789",
        pool: "mypool",
        userId: "kube",
        userSecretName: "ceph-kube-user",
        userSecretNamespace: "ceph-csi",
    });
    t.deepEqual(await Promise.all(byType(run, "kubernetes:core/v1:Namespace").map(async (n) => (await unwrap(n.inputs.metadata.name)).value)), ["ceph-csi"]);
    t.true(run.warnings.some((w) => /in-tree.*removed in Kubernetes 1\.31/.test(w)));
});

test.serial("snapshotClass: a VolumeSnapshotClass named after the class, for ceph-csi, with the provisioner's Secret and the class's reclaim policy", async (t) => {
    const crds = ["volumesnapshotclasses.snapshot.storage.k8s.io", "volumesnapshotcontents.snapshot.storage.k8s.io", "volumesnapshots.snapshot.storage.k8s.io"];
    {
        const config = baseConfig({ storageClass: { snapshotClass: true, reclaimPolicy: "Retain" } });
        const run = await runProgram(config, fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [], snapshotCrds: crds }));
        const [snapshotClass] = byType(run, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass");
        t.truthy(snapshotClass);
        // Destroy deletes the guard first, then the snapshot class with the rest.
        const [guard] = byType(run, "kube-ceph:kubernetes:VolumeGuard");
        t.true(guard.dependsOn.includes("kube-ceph-rbd-snapshot-class-ceph-storageclass"), guard.dependsOn.join(", "));
        t.is((await unwrap(snapshotClass.inputs.metadata.name)).value, "ceph-storageclass");
        t.is(snapshotClass.inputs.driver, "rbd.csi.ceph.com");
        t.is(snapshotClass.inputs.deletionPolicy, "Retain");
        const parameters = (await unwrap(snapshotClass.inputs.parameters)).value;
        t.deepEqual(parameters, {
            "clusterID": FSID,
            "csi.storage.k8s.io/snapshotter-secret-name": "ceph-kube-csi-rbd",
            "csi.storage.k8s.io/snapshotter-secret-namespace": "ceph-csi",
        });
    }
    // Without the key: no class, and the CRDs are not read.
    const plain = await runProgram(baseConfig());
    t.deepEqual(byType(plain, "kubernetes:snapshot.storage.k8s.io/v1:VolumeSnapshotClass"), []);
});

test.serial("snapshotClass: refused before any resource while the cluster lacks a snapshot CRD, naming it and the way out", async (t) => {
    const error = await t.throwsAsync(runProgram(baseConfig({ storageClass: { snapshotClass: true } }),
        fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [], snapshotCrds: ["volumesnapshots.snapshot.storage.k8s.io"] })));
    t.regex(error!.message, /snapshotClass is true, but this cluster has no volumesnapshotclasses\.snapshot\.storage\.k8s\.io, volumesnapshotcontents\.snapshot\.storage\.k8s\.io CustomResourceDefinitions/);
    t.regex(error!.message, /external-snapshotter/);
    t.regex(error!.message, /set kube-ceph:storageClass\.snapshotClass to false/);
    t.deepEqual(declaredBefore(error), []);
    // In the many-class form, the message names the list entry that asks for snapshots.
    const listed = await t.throwsAsync(runProgram(baseConfig({
        pools: { rbd: {} },
        storageClasses: [{ name: "plain", pool: "rbd" }, { name: "snap", pool: "rbd", snapshotClass: true }],
    }), fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [], snapshotCrds: [] })));
    t.regex(listed!.message, /^kube-ceph:storageClasses\[1\]\.snapshotClass is true[\s\S]*set kube-ceph:storageClasses\[1\]\.snapshotClass to false/m);
});

test.serial("preflight: a mgr without rbd_support stops a csi run before any resource; the legacy kinds and health: off do not read the modules", async (t) => {
    const reader = fakeReader(healthyCeph({ mgrModules: ["balancer", "volumes"] }));
    const error = await t.throwsAsync(runProgram(baseConfig(), reader));
    t.regex(error!.message, /ceph mgr module enable rbd_support/);
    t.deepEqual(declaredBefore(error), []);
    t.true((await runProgram(baseConfig({ preflight: { health: "off" } }), reader)).resources.length > 0);
    t.true((await runProgram(baseConfig({ provisioner: { kind: "in-tree" } }), fakeReader(healthyCeph({ mgrModules: [] }), { serverVersion: "v1.30.14", nodes: [] }))).resources.length > 0);
});

test.serial("in-tree: refused on Kubernetes >= 1.31 before any resource, pointing to csi", async (t) => {
    const error = await t.throwsAsync(runProgram(baseConfig({ provisioner: { kind: "in-tree" } }), fakeReader(healthyCeph(), { serverVersion: "v1.31.0", nodes: [] })));
    t.regex(error!.message, /in-tree kubernetes\.io\/rbd plugin was removed in 1\.31/);
    t.regex(error!.message, /"csi"/);
    t.deepEqual(declaredBefore(error), []);
});

test.serial("csi: refused on Kubernetes older than 1.30 before any resource, even with every other Kubernetes read off", async (t) => {
    const config = baseConfig({ preflight: { kernels: "off" } });
    const error = await t.throwsAsync(runProgram(config, fakeReader(healthyCeph(), { serverVersion: "v1.29.15" })));
    t.regex(error!.message, /Kubernetes v1\.29\.15;.*1\.30 and later/);
    t.deepEqual(declaredBefore(error), []);
    t.true((await runProgram(config, fakeReader(healthyCeph(), { serverVersion: "v1.30.14" }))).resources.length > 0);
});

test.serial("a stack that may delete a pool reads mon_allow_pool_delete, and is warned while it is false; a stack that keeps its pools does not read it", async (t) => {
    const requests: { poolDeletion?: boolean }[] = [];
    const reading = (allowed: boolean) => {
        const fake = fakeReader(healthyCeph({ poolDeletionAllowed: allowed }));
        return { reads: fake.reads, reader: { ...fake.reader, readCeph: (...args: Parameters<typeof fake.reader.readCeph>) => (requests.push(args[2]), fake.reader.readCeph(...args)) } };
    };
    const deleting = baseConfig({ pool: { name: "mypool", deletionPolicy: "delete" } });
    const refused = await runProgram(deleting, reading(false));
    t.true(requests[0].poolDeletion);
    t.true(refused.warnings.some((w) => /^kube-ceph:pool\.deletionPolicy is "delete", but mon_allow_pool_delete is false in the mons' config database/.test(w)), refused.warnings.join("\n"));
    t.false((await runProgram(deleting, reading(true))).warnings.some((w) => /mon_allow_pool_delete/.test(w)));
    await runProgram(baseConfig(), reading(false));
    t.false(requests[2].poolDeletion);
});

test.serial("preflight: an unhealthy cluster stops the run before any resource is declared", async (t) => {
    const reader = fakeReader(healthyCeph({ health: { status: "HEALTH_WARN", checks: [{ name: "OSDMAP_FLAGS", severity: "HEALTH_WARN", message: "noout flag(s) set", detail: [] }] } }));
    const error = await t.throwsAsync(runProgram(baseConfig(), reader));
    t.regex(error!.message, /HEALTH_WARN/);
    t.regex(error!.message, /OSDMAP_FLAGS/);
    t.deepEqual(declaredBefore(error), []);
    const passes = await runProgram(baseConfig({ preflight: { health: "warn" } }), reader);
    t.true(passes.resources.length > 0);
});

test.serial("preflight: a cluster whose mons or OSDs run a release older than Pacific stops the run before any resource; a newer one than Tentacle is warned about", async (t) => {
    const releases = (mon: [number, string], osd: [number, string]) => [
        { daemon: "mds", version: "14.2.22", major: 14, name: "nautilus" },
        { daemon: "mon", version: `${mon[0]}.2.1`, major: mon[0], name: mon[1] },
        { daemon: "osd", version: `${osd[0]}.2.1`, major: osd[0], name: osd[1] },
    ];
    const error = await t.throwsAsync(runProgram(baseConfig(), fakeReader(healthyCeph({ releases: releases([16, "pacific"], [15, "octopus"]) }))));
    t.regex(error!.message, /the Ceph cluster runs 15\.2\.1 \(octopus\) on its osd daemons; kube-ceph supports Ceph 16 \(Pacific\) and later \(README, "Supported versions"\)\. Upgrade the cluster first\. Nothing was changed\./);
    t.deepEqual(declaredBefore(error), []);
    // An old MDS alone does not refuse: no client of kube-ceph talks to it for these checks.
    const supported = await runProgram(baseConfig(), fakeReader(healthyCeph({ releases: releases([18, "reef"], [18, "reef"]) })));
    t.true(supported.resources.length > 0);
    t.false(supported.warnings.some((w) => /Ceph cluster/.test(w)));
    const newer = await runProgram(baseConfig(), fakeReader(healthyCeph({ releases: releases([21, "umbrella"], [20, "tentacle"]) })));
    t.true(newer.resources.length > 0);
    t.true(newer.warnings.some((w) => /the Ceph cluster's mon daemons run 21\.2\.1 \(umbrella\), newer than the newest release kube-ceph is known to work with, 20 \(Tentacle\)/.test(w)), newer.warnings.join("\n"));
});

test.serial("preflight: the source's 4.4 kernel against jewel tunables stops the run naming node, feature and fixes", async (t) => {
    const reader = fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "4.4.247-1.el7.elrepo.x86_64" }] });
    const error = await t.throwsAsync(runProgram(baseConfig(), reader));
    t.regex(error!.message, /node node-1 \(kernel 4\.4\.247-1\.el7\.elrepo\.x86_64\)/);
    t.regex(error!.message, /400000000000000/);
    t.regex(error!.message, /ceph osd crush tunables hammer/);
    t.deepEqual(declaredBefore(error), []);
});

test.serial("fsid and monitors from config skip discovery and are used as given; the one Ceph read left is the users' ownership", async (t) => {
    const fake = fakeReader();
    const requests: Parameters<typeof fake.reader.readCeph>[2][] = [];
    const kubernetesRequests: Parameters<typeof fake.reader.readKubernetes>[0][] = [];
    const reader = { reads: fake.reads, reader: {
        ...fake.reader,
        readCeph: (...args: Parameters<typeof fake.reader.readCeph>) => (requests.push(args[2]), fake.reader.readCeph(...args)),
        readKubernetes: (request: Parameters<typeof fake.reader.readKubernetes>[0]) => (kubernetesRequests.push(request), fake.reader.readKubernetes(request)),
    } };
    const run = await runProgram(baseConfig({
        ceph: { hosts: ["127.0.0.11"], fsid: "00000000-1111-2222-3333-444444444444", monitors: ["127.0.0.13:6789", "127.0.0.12:6789"] },
        preflight: { health: "off", kernels: "off" },
    }), reader);
    t.is(reader.reads.ceph, 1);
    t.like(requests[0], { discovery: false, health: false, tunables: false, mgrModules: false, userKeys: ["client.kube", "client.kube-rbd-node"] });
    // Kubernetes is read for its version alone (the provisioner's supported range), never for nodes.
    t.is(reader.reads.kubernetes, 1);
    t.like(kubernetesRequests[0], { version: true, selfLink: false, nodes: false, snapshotCrds: false, clientProfiles: false });
    t.is(run.outputs.clusterId, "00000000-1111-2222-3333-444444444444");
    t.deepEqual(run.outputs.monitors, ["127.0.0.12:6789", "127.0.0.13:6789"]);
    t.true(run.warnings.some((w) => /preflight\.health is off/.test(w)));
    t.true(run.warnings.some((w) => /preflight\.kernels is off/.test(w)));
});

test.serial("a host without a pinned key gets a warning naming ssh-keyscan; a pinned host does not", async (t) => {
    const pinned = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
    const run = await runProgram(baseConfig({ ceph: { hosts: [{ host: "127.0.0.11", hostKey: pinned }, "127.0.0.12"] } }));
    const keyWarnings = run.warnings.filter((w) => /hostKey/.test(w));
    t.is(keyWarnings.length, 1);
    t.regex(keyWarnings[0], /127\.0\.0\.12.*ssh-keyscan/);
    const command = byType(run, "command:remote:Command")[0];
    t.is((await unwrap(command.inputs.connection)).value.hostKey, pinned);
});

test.serial("smoke test: a claim on the class and a restricted pod that the check runs, waits for and removes; the pinned image follows the registry", async (t) => {
    const run = await runProgram(baseConfig());
    const claim = byType(run, "kubernetes:core/v1:PersistentVolumeClaim")[0];
    t.is((await unwrap(claim.inputs.spec)).value.resources.requests.storage, "5Gi");
    // The class by name from config, not its output: a replaced class must not replace the claim.
    t.is(claim.inputs.spec.storageClassName, "ceph-storageclass");
    // The check waits for the claim (and reads its events on a timeout); the provider's own wait would say less.
    t.is((await unwrap(claim.inputs.metadata)).value.annotations["pulumi.com/skipAwait"], "true");
    // No pod is declared: the check runs it and removes it once it succeeded.
    t.is(byType(run, "kubernetes:core/v1:Pod").length, 0);
    const check = byType(run, "pulumi-nodejs:dynamic/kube-ceph:SmokeTestCheck")[0];
    t.deepEqual([...check.dependsOn].sort(), ["kube-ceph-smoke-test-claim"]);
    const pod = (await unwrap(check.inputs.pod)).value;
    t.is(pod.metadata.name, "ceph-test-claim-pod");
    t.is(pod.spec.restartPolicy, "Never");
    t.is(pod.spec.containers[0].image, "docker.io/library/busybox:1.37.0");
    t.regex(pod.spec.containers[0].command[2], /sync && grep -qxF '[^']+' \/data\/kube-ceph-smoke-test$/, "it exits with the read-back's verdict");
    t.deepEqual(pod.spec.securityContext, { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } });
    t.deepEqual(pod.spec.containers[0].securityContext, { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, runAsNonRoot: true });
    t.is((await unwrap(check.inputs.keepPod)).value, false);
    t.is((await unwrap(check.inputs.timeoutSeconds)).value, 300);
    t.regex(String(run.outputs.smokeTest), /^claim default\/ceph-test-claim Bound to pvc-0000 \(RBD image mypool\/kubernetes-dynamic-pvc-0000\); pod ceph-test-claim-pod wrote and read back \/data\/kube-ceph-smoke-test and was removed$/);

    // The registry that mirrors the provisioner's images mirrors the smoke test's; an explicit image wins.
    const mirrored = await runProgram(baseConfig({ provisioner: { registry: "mirror.example:5000" }, smokeTest: { keepPod: true } }));
    const mirroredPod = (await unwrap(byType(mirrored, "pulumi-nodejs:dynamic/kube-ceph:SmokeTestCheck")[0].inputs.pod)).value;
    t.is(mirroredPod.spec.containers[0].image, "mirror.example:5000/library/busybox:1.37.0");
    t.regex(String(mirrored.outputs.smokeTest), /\(kept: kube-ceph:smokeTest\.keepPod\)$/);
    const explicit = await runProgram(baseConfig({ provisioner: { registry: "mirror.example:5000" }, smokeTest: { image: "registry.internal/tools/busybox:1.36.1" } }));
    t.is((await unwrap(byType(explicit, "pulumi-nodejs:dynamic/kube-ceph:SmokeTestCheck")[0].inputs.pod)).value.spec.containers[0].image, "registry.internal/tools/busybox:1.36.1");

    const claimOnly = await runProgram(baseConfig({ smokeTest: { pod: false, timeoutSeconds: 60 } }));
    t.is(byType(claimOnly, "kubernetes:core/v1:Pod").length, 0);
    const onlyCheck = byType(claimOnly, "pulumi-nodejs:dynamic/kube-ceph:SmokeTestCheck")[0];
    t.deepEqual(onlyCheck.dependsOn, ["kube-ceph-smoke-test-claim"]);
    t.is(onlyCheck.inputs.pod, undefined);
    t.is((await unwrap(onlyCheck.inputs.timeoutSeconds)).value, 60);
    t.regex(String(claimOnly.outputs.smokeTest), /no pod run \(kube-ceph:smokeTest\.pod is false\)/);

    const off = await runProgram(baseConfig({ smokeTest: { enabled: false } }));
    t.is(byType(off, "kubernetes:core/v1:PersistentVolumeClaim").length, 0);
    t.is(byType(off, "pulumi-nodejs:dynamic/kube-ceph:SmokeTestCheck").length, 0);
});

/** Every kind, with its own, a shared, and the smoke test's namespaces. */
const NAMESPACE_CASES: { kind: string; provisioner: string; smokeTest: Record<string, unknown>; version: string }[] = [];
for (const [kind, version] of [["csi", "v1.36.3"], ["external", "v1.19.16"], ["in-tree", "v1.30.14"]]) {
    for (const provisioner of ["ceph-csi", "kube-system"]) {
        for (const smokeTest of [{ enabled: false }, { enabled: true }, { enabled: true, namespace: "smoke", pod: false }, { enabled: true, namespace: "kube-public" }]) {
            NAMESPACE_CASES.push({ kind, provisioner, smokeTest, version });
        }
    }
}

test.serial("every namespaced object goes to a namespace the plan declares, or to one every cluster has", async (t) => {
    for (const c of NAMESPACE_CASES) {
        const run = await runProgram(baseConfig({ provisioner: { kind: c.kind, namespace: c.provisioner }, smokeTest: c.smokeTest }), fakeReader(healthyCeph(), { serverVersion: c.version, nodes: [] }));
        const declared = new Set(await Promise.all(byType(run, "kubernetes:core/v1:Namespace").map(async (n) => (await unwrap(n.inputs.metadata.name)).value as string)));
        let placed = 0;
        for (const resource of run.resources.filter((r) => r.type.startsWith("kubernetes:"))) {
            const namespace = resource.inputs.metadata === undefined ? undefined : (await unwrap(resource.inputs.metadata)).value.namespace;
            if (namespace === undefined) {
                continue;
            }
            placed++;
            t.true(declared.has(namespace) || SHARED_NAMESPACES.includes(namespace), `${JSON.stringify(c)}: ${resource.type} ${resource.name} in ${namespace}, declared: ${[...declared].join(", ")}`);
        }
        t.true(placed >= 2, `${JSON.stringify(c)}: the Secrets at least are namespaced`);
        for (const shared of SHARED_NAMESPACES) {
            t.false(declared.has(shared), `${shared} is never declared, so never deleted`);
        }
    }
});

test.serial("configured msgr2-only monitors (:3300 or v2:) get the kernel 5.11 rule, like discovered ones", async (t) => {
    for (const monitors of [["127.0.0.11:3300", "127.0.0.12:3300"], ["v2:127.0.0.11:3300", "v2:127.0.0.12:3300"]]) {
        const config = baseConfig({ ceph: { hosts: ["127.0.0.11"], fsid: FSID, monitors } });
        const reader = fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "5.10.0-28-amd64" }] });
        const error = await t.throwsAsync(runProgram(config, reader));
        t.regex(error!.message, /node node-1 \(kernel 5\.10\.0-28-amd64\): msgr2 \(the monitors have no v1 address\) needs kernel >= 5\.11/);
        t.deepEqual(declaredBefore(error), []);
    }
    const mixed = await runProgram(
        baseConfig({ ceph: { hosts: ["127.0.0.11"], fsid: FSID, monitors: ["v2:127.0.0.12:3300", "v1:127.0.0.11:6789"] } }),
        fakeReader(healthyCeph(), { serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "5.10.0-28-amd64" }] }),
    );
    // Clients get the addresses without the prefix, sorted.
    t.deepEqual(mixed.outputs.monitors, ["127.0.0.11:6789", "127.0.0.12:3300"]);
});

test.serial("imageFeatures as ceph-csi's string or as a list: the same plan", async (t) => {
    const plan = async (imageFeatures: unknown) => {
        const run = await runProgram(baseConfig({ storageClass: { imageFeatures } }));
        return Promise.all(run.resources.map(async (r) => ({ type: r.type, name: r.name, inputs: (await unwrap(r.inputs)).value })));
    };
    const fromString = await plan("layering,exclusive-lock");
    t.deepEqual(fromString, await plan(["layering", "exclusive-lock"]));
    const sc = fromString.find((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass")!;
    t.is(sc.inputs.parameters.imageFeatures, "layering,exclusive-lock");
});

test.serial("the pool output is the one the rename guard reads back", async (t) => {
    const run = await runProgram(baseConfig({ pool: { name: "kubevols" } }));
    t.is(run.outputs[POOL_OUTPUT], "kubevols");
});

test.serial("same config, same plan: two runs declare identical resources and inputs", async (t) => {
    const snapshot = async () => {
        const run = await runProgram(baseConfig());
        return Promise.all(run.resources.map(async (r) => ({ type: r.type, name: r.name, inputs: (await unwrap(r.inputs)).value })));
    };
    t.deepEqual(await snapshot(), await snapshot());
});

test.serial("a mon host that did not answer is reported, and commands go to the one that did", async (t) => {
    const ceph = healthyCeph({ host: { host: "127.0.0.12", port: 2222, user: "root" }, skipped: [{ host: { host: "127.0.0.11", port: 2222, user: "root" }, reason: "connect ECONNREFUSED" }] });
    const run = await runProgram(baseConfig({ ceph: { hosts: [{ host: "127.0.0.11", port: 2222 }, { host: "127.0.0.12", port: 2222 }] } }), fakeReader(ceph));
    t.true(run.warnings.some((w) => /127\.0\.0\.11:2222 did not answer.*using 127\.0\.0\.12:2222/.test(w)));
    t.is((await unwrap(byType(run, "command:remote:Command")[0].inputs.connection)).value.host, "127.0.0.12");
});

test.serial("renaming the pool of a live stack needs explicit confirmation; nothing is declared without it", async (t) => {
    const renamed = baseConfig({ pool: { name: "newpool" } });
    const error = await t.throwsAsync(runProgram(renamed, fakeReader(healthyCeph(), undefined, "mypool")));
    t.regex(error!.message, /kube-ceph:pool\.name changed from "mypool" to "newpool"/);
    t.regex(error!.message, /set kube-ceph:pool\.renameConfirmedFrom to "mypool"/);
    t.regex(error!.message, /caps of client\.kube move to the new pool/);
    t.deepEqual(declaredBefore(error), []);
    const confirmed = await runProgram(baseConfig({ pool: { name: "newpool", renameConfirmedFrom: "mypool" } }), fakeReader(healthyCeph(), undefined, "mypool"));
    t.is(confirmed.outputs.pool, "newpool");
    const unchanged = await runProgram(baseConfig(), fakeReader(healthyCeph(), undefined, "mypool"));
    t.is(unchanged.outputs.pool, "mypool");
});

test.serial("the Ceph and Kubernetes reads run at once; when both fail, the Ceph failure is the one reported", async (t) => {
    const fake = fakeReader();
    let kubernetesStarted!: () => void;
    const kubernetesStartedP = new Promise<void>((resolve) => (kubernetesStarted = resolve));
    const overlapping = {
        ...fake.reader,
        // Answers only once the Kubernetes read has begun: run one after the other, the two would wait for each other
        // (the 20 s bound only ends that wait; it is not a speed target, and a loaded CI machine is slow).
        async readCeph(...args: Parameters<typeof fake.reader.readCeph>) {
            const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("the Kubernetes read did not start while the Ceph read ran")), 20_000));
            await Promise.race([kubernetesStartedP, timeout]);
            return fake.reader.readCeph(...args);
        },
        async readKubernetes(request: Parameters<typeof fake.reader.readKubernetes>[0]) {
            kubernetesStarted();
            return fake.reader.readKubernetes(request);
        },
    };
    const run = await runProgram(baseConfig(), { reader: overlapping, reads: fake.reads });
    t.true(run.resources.length > 0);

    const failing = {
        ...fake.reader,
        async readCeph(): Promise<never> {
            await new Promise((resolve) => setTimeout(resolve, 50));
            throw new Error("ceph side down");
        },
        async readKubernetes(): Promise<never> {
            throw new Error("kubernetes side down");
        },
    };
    const error = await t.throwsAsync(runProgram(baseConfig(), { reader: failing, reads: fake.reads }));
    t.regex(error!.message, /ceph side down/);
});

test.serial("an existing user's key comes from the live read, as a secret: known at preview, so the Secrets do not wait for CephUserKey", async (t) => {
    const liveKey = "AQBlivelivelivelivelivelTESTONLYLIVEKEY==";
    const nodeKey = "AQBnodenodenodenodenodenTESTONLYNODEKEY==";
    const requests: unknown[] = [];
    const fake = fakeReader(healthyCeph({ userKeys: { "client.k8s-rbd": liveKey, "client.k8s-rbd-rbd-node": nodeKey } }));
    const reader = { ...fake.reader, readCeph: (...args: Parameters<typeof fake.reader.readCeph>) => (requests.push(args[2]), fake.reader.readCeph(...args)) };
    const run = await runProgram(baseConfig({ client: { name: "k8s-rbd" } }), { reader, reads: fake.reads });
    t.deepEqual((requests[0] as { userKeys?: string[] }).userKeys, ["client.k8s-rbd", "client.k8s-rbd-rbd-node"], "the live read asks for the keys of the stack's users");
    for (const [name, key] of [["kube-ceph-rbd-secrets-csi", liveKey], ["kube-ceph-rbd-secrets-csi-node", nodeKey]]) {
        const userKey = await unwrap(byType(run, "kubernetes:core/v1:Secret").find((s) => s.name === name)!.inputs.stringData.userKey);
        t.is(userKey.value, key, name);
        t.true(userKey.secret, name);
    }
});

test("parseUserKey: the key of a `ceph auth` JSON entry list, none for a missing user or anything else", (t) => {
    t.is(parseUserKey([{ entity: "client.kube", key: "AQBfake==", caps: {} }]), "AQBfake==");
    t.is(parseUserKey([]), undefined);
    t.is(parseUserKey({ key: "AQBfake==" }), undefined);
    t.is(parseUserKey([{ key: "not a key; rm -rf" }]), undefined);
});
