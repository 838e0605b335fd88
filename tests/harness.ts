// Runs the real program under Pulumi's mocks with a given stack config and a fake live
// reader, and records every resource with its inputs, options and dependencies.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { awaitStackRegistrations } from "@pulumi/pulumi/runtime/settings";
import { registerStackTransformation, runInPulumiStack } from "@pulumi/pulumi/runtime/stack";
import type { CephReading, LiveReader, PreviousOutputs } from "../components/live";
import { OPERATOR_DEPLOYMENT } from "../components/csi";
import { KubernetesReading, OPERATOR_CRDS } from "../components/live";

export const FAKE_SSH_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAAfakefakefakeTESTONLYSSHKEY\n-----END OPENSSH PRIVATE KEY-----\n";
export const FAKE_CEPH_KEY = "AQBfakefakefakefakefakeTESTONLYCEPHKEY==";
/** What the user command prints: the SHA-256 hex of the key, as sha256sum prints it. */
export const FAKE_CEPH_KEY_DIGEST = createHash("sha256").update(FAKE_CEPH_KEY).digest("hex");
/** stackOwner() under the mocks below (organization, project kube-ceph, stack unit). */
export const UNIT_STACK_OWNER = "organization.kube-ceph.unit";
export const FSID = "9f2c3a5e-1111-4c4c-8888-0123456789ab";

export interface Recorded {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** Names of the resources this one was given in dependsOn. */
    dependsOn: string[];
    /** Names of the parents, innermost first. */
    parent?: string;
    opts: pulumi.CustomResourceOptions;
}

export interface ProgramRun {
    resources: Recorded[];
    outputs: Record<string, unknown>;
    warnings: string[];
    reads: { ceph: number; kubernetes: number };
}

/** A healthy lab-like cluster: three mons with v1+v2, jewel tunables, one 5.15 node. */
export function healthyCeph(overrides: Partial<CephReading> = {}): CephReading {
    return {
        host: { host: "127.0.0.11", port: 2222, user: "root" },
        skipped: [],
        fsid: FSID,
        monitors: ["a", "b", "c"].map((name, i) => ({ name, v1: `127.0.0.1${i + 1}:6789`, v2: `127.0.0.1${i + 1}:3300` })),
        health: { status: "HEALTH_OK", checks: [] },
        tunables: { profile: "jewel", requireTunables: true, requireTunables2: true, requireTunables3: true, hasV4Buckets: true, requireTunables5: true },
        mgrModules: ["balancer", "crash", "iostat", "rbd_support", "volumes"],
        releases: ["mgr", "mon", "osd"].map((daemon) => ({ daemon, version: "16.2.15", major: 16, name: "pacific" })),
        ...overrides,
    };
}

export function fakeReader(
    ceph: CephReading = healthyCeph(),
    kubernetes: KubernetesReading = { serverVersion: "v1.36.3", nodes: [{ name: "node-1", kernelVersion: "5.15.0-91-generic" }] },
    previous: string | Partial<PreviousOutputs> = {},
) {
    const reads = { ceph: 0, kubernetes: 0 };
    const reader: LiveReader = {
        async readCeph(hosts, _key, request) {
            reads.ceph++;
            // Like the real reader, answer with the configured entry (port, user, hostKey) of the host that answered.
            const host = hosts.find((h) => h.host === ceph.host.host) ?? ceph.host;
            const reading: CephReading = { host, skipped: ceph.skipped };
            if (request.discovery) {
                reading.fsid = ceph.fsid;
                reading.monitors = ceph.monitors;
            }
            if (request.health) {
                reading.health = ceph.health;
            }
            if (request.tunables) {
                reading.tunables = ceph.tunables;
            }
            if (request.mgrModules) {
                reading.mgrModules = ceph.mgrModules;
            }
            if (request.mdsMap) {
                // A cluster with one standby MDS unless the test says otherwise.
                reading.mdsMap = ceph.mdsMap ?? { active: {}, standbys: 1 };
            }
            if (request.releases) {
                reading.releases = ceph.releases;
            }
            if (request.poolDeletion) {
                // Ceph's default unless the test says otherwise.
                reading.poolDeletionAllowed = ceph.poolDeletionAllowed ?? false;
            }
            if (request.poolData !== undefined) {
                reading.poolData = Object.fromEntries(request.poolData.map((pool) => [pool, ceph.poolData?.[pool] ?? []]));
            }
            // A user exists only when the test says so (ceph.userKeys); then the reader returns its key.
            // Its caps are the test's (ceph.userCaps) or plain RBD ones, and its owner record names this
            // stack unless the test gives the records (ceph.userOwners).
            if (request.userKeys !== undefined) {
                const existing = request.userKeys.filter((entity) => ceph.userKeys?.[entity] !== undefined);
                reading.userKeys = Object.fromEntries(existing.map((entity) => [entity, ceph.userKeys![entity]]));
                reading.userCaps = Object.fromEntries(existing.map((entity) => [entity, ceph.userCaps?.[entity] ?? { mon: "profile rbd", osd: "profile rbd pool=mypool" }]));
                reading.userOwners = ceph.userOwners ?? Object.fromEntries(existing.map((entity) => [entity, UNIT_STACK_OWNER]));
            }
            return reading;
        },
        async readKubernetes(request) {
            reads.kubernetes++;
            return {
                ...(request.version ? { serverVersion: kubernetes.serverVersion } : {}),
                ...(request.nodes ? { nodes: kubernetes.nodes } : {}),
                ...(request.snapshotCrds ? { snapshotCrds: kubernetes.snapshotCrds ?? [] } : {}),
                ...(request.clientProfiles ? { clientProfiles: kubernetes.clientProfiles ?? [] } : {}),
                // An operator someone else runs is there, serving v1, unless the test says otherwise.
                ...(request.existingOperator ? { existingOperator: kubernetes.existingOperator ?? { crds: Object.fromEntries(OPERATOR_CRDS.map((crd) => [crd, ["v1"]])), deployment: true } } : {}),
            };
        },
        async readPrevious() {
            return typeof previous === "string" ? { pool: previous, manyClasses: false } : { manyClasses: false, ...previous };
        },
    };
    return { reader, reads };
}

/**
 * Stack config with the seed's names and lab hosts; extend per test. The csi kind is installed
 * from kube-ceph's own manifests unless a test sets provisioner.install: their objects are plain
 * to assert on, and tests/unit/operator.test.ts covers the operator's plan.
 */
export function baseConfig(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const provisioner: Record<string, unknown> = { install: "manifests", ...((extra.provisioner as Record<string, unknown> | undefined) ?? {}) };
    if (provisioner.kind !== undefined && provisioner.kind !== "csi") {
        delete provisioner.install;
    }
    return {
        ceph: { hosts: [{ host: "127.0.0.11", port: 2222 }] },
        sshPrivateKey: FAKE_SSH_KEY,
        ...extra,
        provisioner,
    };
}

function nameOf(resource: pulumi.Resource): Promise<string> {
    return new Promise((resolve) => (resource as any).__name !== undefined ? resolve((resource as any).__name) : pulumi.output(resource.urn).apply((u) => resolve(u.split("::").pop()!)));
}

let mocksInstalled = false;

/**
 * One mock monitor for the whole test process: the stack of a finished run still registers
 * its outputs after the run returns, and must find the monitor that knows its URN.
 */
function installMocks(): void {
    if (mocksInstalled) {
        return;
    }
    mocksInstalled = true;
    pulumi.runtime.setMocks({
        newResource(args) {
            const state: Record<string, any> = { ...args.inputs };
            if (args.type === "command:remote:Command") {
                state.stdout = String(args.inputs.create).includes("sha256sum") ? FAKE_CEPH_KEY_DIGEST : '{"origin":"created","pool":"mypool"}';
                state.stderr = "";
            }
            if (args.type === "pulumi-nodejs:dynamic/kube-ceph:CephUserKey") {
                state.key = FAKE_CEPH_KEY;
            }
            if (args.type === "kubernetes:yaml/v2:ConfigGroup") {
                // The provider reports the objects it declared; the mock declares none.
                state.resources = [];
            }
            if (args.type === "pulumi-nodejs:dynamic/kube-ceph:SmokeTestCheck") {
                state.volume = "pvc-0000";
                state.image = "mypool/kubernetes-dynamic-pvc-0000";
            }
            return { id: `${args.name}-id`, state };
        },
        call(args) {
            return args.inputs;
        },
    }, "kube-ceph", "unit", true, "organization");
}

/** Runs index.ts under mocks. Throws what the program throws. */
export async function runProgram(config: Record<string, unknown>, reader = fakeReader()): Promise<ProgramRun> {
    delete require.cache[require.resolve("../index")];
    const program = require("../index") as (reader: LiveReader) => Promise<Record<string, unknown>>;
    return runDeclarations(() => program(reader.reader), config, reader.reads);
}

/** Runs any program function under mocks, with `config` as its kube-ceph:* stack config. Throws what it throws. */
export async function runDeclarations(program: () => Promise<Record<string, unknown>>, config: Record<string, unknown> = {}, reads = { ceph: 0, kubernetes: 0 }): Promise<ProgramRun> {
    const resources: Recorded[] = [];
    const warnings: string[] = [];
    const pending: Promise<void>[] = [];
    installMocks();
    const flat: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (value !== undefined) {
            flat[`kube-ceph:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
        }
    }
    pulumi.runtime.setAllConfig(flat, ["kube-ceph:sshPrivateKey"]);
    const warn = pulumi.log.warn;
    (pulumi.log as any).warn = (message: string) => {
        warnings.push(message);
        return Promise.resolve();
    };
    let failure: unknown;
    try {
        const outputs = (await runInPulumiStack(async () => {
            registerStackTransformation((args) => {
                const deps = Array.isArray(args.opts.dependsOn) ? args.opts.dependsOn : args.opts.dependsOn ? [args.opts.dependsOn] : [];
                const record: Recorded = { type: args.type, name: args.name, inputs: args.props, dependsOn: [], opts: args.opts as pulumi.CustomResourceOptions };
                for (const dep of deps as pulumi.Input<pulumi.Resource>[]) {
                    pending.push(pulumi.output(dep).apply(async (r) => { record.dependsOn.push(await nameOf(r)); }) as unknown as Promise<void>);
                }
                if (args.opts.parent) {
                    pending.push(nameOf(args.opts.parent).then((p) => { record.parent = p; }));
                }
                resources.push(record);
                return undefined;
            });
            try {
                return await program();
            } catch (error) {
                // Rethrown below, so the stack itself completes and leaves no stray rejections.
                failure = error;
                return {};
            }
        })) as Record<string, unknown>;
        // Let the stack finish registering before the next test installs new mocks.
        await awaitStackRegistrations();
        if (failure !== undefined) {
            (failure as { declared?: Recorded[] }).declared = resources;
            throw failure;
        }
        const resolved: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(outputs ?? {})) {
            resolved[key] = await new Promise((resolve) => pulumi.output(value as any).apply(resolve));
        }
        await Promise.all(pending);
        return { resources, outputs: resolved, warnings, reads };
    } finally {
        (pulumi.log as any).warn = warn;
    }
}

/** Resolves an Output (or plain value) to its value and whether it is secret. */
export async function unwrap(value: unknown): Promise<{ value: any; secret: boolean }> {
    const output = pulumi.output(value as any);
    const secret = await (output as any).isSecret;
    const resolved = await new Promise((resolve) => output.apply(resolve));
    return { value: resolved, secret };
}

export function byType(run: ProgramRun, type: string): Recorded[] {
    return run.resources.filter((r) => r.type === type);
}

/** Resources the program declared before it threw (the stack itself excluded). */
export function declaredBefore(error: unknown): string[] {
    return ((error as { declared?: Recorded[] }).declared ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack").map((r) => `${r.type}::${r.name}`);
}

/** A small install.yaml of the published shape: a namespace, a CRD with a `default`, the operator Deployment. */
export const MANIFEST = `---
apiVersion: v1
kind: Namespace
metadata:
  name: op-system
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: clientprofiles.csi.ceph.io
spec:
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        properties:
          name:
            default: ""
            type: string
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${OPERATOR_DEPLOYMENT}
  namespace: op-system
spec:
  template:
    spec:
      containers:
      - name: manager
        image: quay.io/cephcsi/ceph-csi-operator:v1.0.4
`;

/** MANIFEST in a file of its own, as kube-ceph:provisioner.operator.manifest names one. */
export const manifestFile = (() => {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-operator-"));
    writeFileSync(join(dir, "install.yaml"), MANIFEST);
    return join(dir, "install.yaml");
})();
