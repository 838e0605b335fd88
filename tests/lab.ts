// Helpers of the lab test tiers only. What reaching the lab takes (its addresses, keys and
// the admin ceph CLI) is lab/lab.ts, shared with the lab's own stacks and the bench.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import type { ExecutionContext } from "ava";
import { sshExec } from "../components/ceph";
import { ceph, cephFuse, cephJson, cephWithin, labHost, labPrivateKey, MONS, rados, rbd } from "../lab/lab";

/** Options of every Pulumi run in the lab tests: no colour codes in the output the tests match. */
export const quiet = { color: "never" as const };

/**
 * Runs `use` with a keyring file holding only this user's key, as ceph-csi logs in: the key goes
 * into a file of its own (never on a command line), removed afterwards.
 */
function withKeyring<T>(user: string, key: string, use: (keyring: string) => T): T {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-keyring-"));
    try {
        const keyring = join(dir, "keyring");
        writeFileSync(keyring, `[client.${user}]\n\tkey = ${key}\n`, { mode: 0o600 });
        return use(keyring);
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** The rbd CLI as a Ceph user with only this key. */
export function rbdAs(user: string, key: string, ...args: string[]): string {
    return withKeyring(user, key, (keyring) => rbd("--id", user, "--keyring", keyring, ...args));
}

/** The rados CLI as a Ceph user with only this key (ceph-csi's journal is omap in a pool). */
export function radosAs(user: string, key: string, ...args: string[]): string {
    return withKeyring(user, key, (keyring) => rados("--id", user, "--keyring", keyring, ...args));
}

/** The ceph CLI as a Ceph user with only this key (mgr commands such as `fs subvolume create` included). */
export function cephAs(user: string, key: string, ...args: string[]): string {
    return withKeyring(user, key, (keyring) => ceph("--id", user, "--keyring", keyring, ...args));
}

/**
 * Mounts `path` of CephFS with ceph-fuse as a Ceph user with only this key, as ceph-csi's fuse
 * mounter does on a node, runs `use` on the mount point, and unmounts.
 */
export function withCephfsMount<T>(user: string, key: string, filesystem: string, path: string, use: (mountPoint: string) => T): T {
    return withKeyring(user, key, (keyring) => {
        const mountPoint = mkdtempSync(join(tmpdir(), "kube-ceph-cephfs-"));
        try {
            cephFuse("--id", user, "--keyring", keyring, "--client_fs", filesystem, "-r", path, mountPoint);
            try {
                return use(mountPoint);
            } finally {
                execFileSync("umount", [mountPoint]);
            }
        } finally {
            rmSync(mountPoint, { recursive: true, force: true });
        }
    });
}

/** Runs a script on a lab mon host over real SSH, as remote.Command would. */
export function onMon(script: string, address = MONS[0]): Promise<string> {
    return sshExec(labHost(address), labPrivateKey(), script);
}

export function poolExists(name: string): boolean {
    return cephJson<string[]>("osd", "pool", "ls").includes(name);
}

/** The pool's entry in `ceph osd pool ls detail`; undefined when there is no such pool. */
export function poolDetail(name: string): any {
    return cephJson<any[]>("osd", "pool", "ls", "detail").find((p) => p.pool_name === name);
}

/** Removes a pool regardless of who made it (test clean-up only). */
export function dropPool(name: string): void {
    if (poolExists(name)) {
        ceph("osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it");
    }
}

/** A PersistentVolume as ceph-csi's RBD driver makes one, for tests of what reads volumes (no driver runs here). */
export interface CsiVolume {
    name: string;
    fsid: string;
    pool: string;
    storageClassName: string;
    reclaimPolicy: "Retain" | "Delete";
    /** Makes the image and volume ids unique. */
    suffix: string;
    claim?: { namespace: string; name: string };
    nodeStageSecret?: { namespace: string; name: string };
}

/** Creates that PersistentVolume through the API. */
export function createCsiVolume(volume: CsiVolume): void {
    const manifest = {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: volume.name },
        spec: {
            capacity: { storage: "1Gi" },
            accessModes: ["ReadWriteOnce"],
            persistentVolumeReclaimPolicy: volume.reclaimPolicy,
            storageClassName: volume.storageClassName,
            ...(volume.claim ? { claimRef: volume.claim } : {}),
            csi: {
                driver: "rbd.csi.ceph.com",
                volumeHandle: `0001-0024-${volume.fsid}-0000000000000002-${volume.suffix}`,
                volumeAttributes: { clusterID: volume.fsid, pool: volume.pool, imageName: `csi-vol-${volume.suffix}` },
                ...(volume.nodeStageSecret ? { nodeStageSecretRef: volume.nodeStageSecret } : {}),
            },
        },
    };
    execFileSync("kubectl", ["create", "-f", "-"], { input: JSON.stringify(manifest), stdio: ["pipe", "pipe", "pipe"] });
}

/** `kubectl <args> -o json`, parsed. */
export function kubectlJson<T = any>(...args: string[]): T {
    return JSON.parse(execFileSync("kubectl", [...args, "-o", "json"], { encoding: "utf8" })) as T;
}

type Health = "HEALTH_OK" | "HEALTH_WARN" | "HEALTH_ERR";

/**
 * Waits, checking once a second, until the cluster's health is `want`; throws with
 * `ceph health detail` when it is not after `seconds`, so no later step runs against a
 * cluster in another state than it expects.
 */
export function waitHealth(want: Health, seconds = 60): void {
    const started = Date.now();
    for (let waited = 0; !ceph("health").startsWith(want); waited++) {
        if (waited >= seconds) {
            throw new Error(`the lab cluster is not ${want} after ${Math.round((Date.now() - started) / 1000)} s:\n${ceph("health", "detail")}`);
        }
        execFileSync("sleep", ["1"]);
    }
}

/**
 * Waits until the cluster has really lost its quorum. With two of three mons just stopped, the
 * one left keeps answering as leader until its lease runs out, so a fast read made at once may
 * still succeed: a test about a lost quorum starts once a client can no longer get an answer.
 */
export function waitQuorumLost(seconds = 90): void {
    const started = Date.now();
    while (Date.now() - started < seconds * 1000) {
        try {
            cephWithin(5, "health");
        } catch {
            return;
        }
        execFileSync("sleep", ["1"]);
    }
    throw new Error(`the lab cluster still answers ${seconds} s after losing two of its three mons`);
}

/** Named clean-up steps, run in the order written (names are never numbers, so they keep it). */
export type CleanupSteps = Record<string, () => unknown>;

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

/**
 * Runs every step, even after one fails, so one failure does not leave the rest of the lab
 * dirty for the tests after it; logs each failure on the test and then fails it with all of
 * them. ava keeps a test's first error, so this never hides the test's own failure.
 */
export async function cleanUp(t: ExecutionContext, steps: CleanupSteps): Promise<void> {
    const failures: string[] = [];
    for (const [step, run] of Object.entries(steps)) {
        try {
            await run();
        } catch (error) {
            failures.push(`${step}: ${messageOf(error)}`);
            t.log(`clean-up step "${step}" failed: ${messageOf(error)}`);
        }
    }
    if (failures.length > 0) {
        throw new Error(`clean-up failed, the lab may not be as the next tests expect:\n${failures.join("\n")}`);
    }
}

export interface StackCleanup {
    /**
     * What puts the lab back as the test found it (start a stopped daemon, unset a flag,
     * delete an object the test made); runs first, as the destroy needs the mon hosts and
     * the API server back and no PersistentVolume left on the pool.
     */
    restore?: CleanupSteps;
    /** Pools to drop last, whoever made them; a function is asked once the stack is gone. */
    pools?: string[] | (() => string[]);
}

/**
 * A lab test's teardown: `restore`, destroy the stack, remove it from the backend, drop
 * `pools`. `stack` is undefined when making it failed: then only the rest runs.
 */
export async function cleanupStack(t: ExecutionContext, stack: Stack | undefined, { restore = {}, pools = [] }: StackCleanup = {}): Promise<void> {
    // A refused or half-done destroy is expected after some failures (an image left in the
    // pool, a killed run): it is logged, not failed on, and what it leaves goes with the
    // forced removal and the pool drops after it.
    const loggedOnly = (step: string, run: () => Promise<unknown>): CleanupSteps => ({
        [step]: () => run().catch((error) => t.log(`clean-up step "${step}" failed (left to the steps after it): ${messageOf(error)}`)),
    });
    const stackSteps: CleanupSteps = stack
        ? {
            ...loggedOnly(`destroy stack ${stack.name}`, () => stack.destroy(quiet)),
            ...loggedOnly(`remove stack ${stack.name}`, () => stack.workspace.removeStack(stack.name, { force: true })),
        }
        : {};
    await cleanUp(t, {
        ...restore,
        ...stackSteps,
        "drop the test's pools": () => (typeof pools === "function" ? pools() : pools).forEach(dropPool),
    });
}

/**
 * The steps a preview plans, as "op type name", sorted: what changes, not what stays ("same")
 * or is only read. Provider entries hold no cluster state, so only resources count.
 */
export async function plannedSteps(stack: Stack): Promise<string[]> {
    const planned: string[] = [];
    await stack.preview({
        ...quiet,
        onEvent: (event) => {
            const step = event.resourcePreEvent?.metadata;
            if (step !== undefined && step.op !== "same" && step.op !== "read" && !step.type.startsWith("pulumi:providers:")) {
                planned.push(`${step.op} ${step.type} ${step.urn.split("::").pop()}`);
            }
        },
    });
    return planned.sort();
}

/** A name unique to this test run, so reruns never collide with leftovers. */
export function uniqueName(prefix: string): string {
    return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

/** `text` as a RegExp source that matches exactly it. */
export function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
