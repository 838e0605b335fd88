// What the load test and the load bench share: the many-instance stack of bench/load, and
// what says whether the SSH bound held — per mon host, the most commands running at once
// (from the process table under its sshd), the most connections open at once (from the
// kernel's socket table), and the connections sshd dropped for MaxStartups (from its log).
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { labCephIdentity, MONS, SSH_PORT, sshdPidFile, SSHD_LOG_DIR } from "../lab";
import { processTable } from "../processes";
import { labConfig, labStack, REPO } from "./stack";

export const LOAD_PROGRAM = resolve(REPO, "bench", "load");
const sshdLog = (address: string) => join(SSHD_LOG_DIR, `sshd-${address}.log`);

/** The many-instance stack: `instances` pools/users/StorageClasses, all created by it and deleted on destroy. */
export async function loadStack(stackName: string, instances: number, sessionsPerHost: number, prefix: string): Promise<Stack> {
    const base = labConfig();
    const config = labConfig({
        // Discovery is the main program's job; here every session is a remote command.
        ceph: { ...base.ceph, ...labCephIdentity(), sessionsPerHost },
        pool: { name: prefix, pgNum: 8, deletionPolicy: "delete" },
        client: { name: prefix },
        storageClass: { name: prefix },
        provisioner: { namespace: `${prefix}-csi` },
    });
    const stack = await labStack(stackName, config, LOAD_PROGRAM);
    await stack.setConfig("kube-ceph-load:instances", { value: String(instances) });
    return stack;
}

/** Established client connections to each mon's sshd, from /proc/net/tcp (IPv4, little-endian hex). */
export function openConnections(): Map<string, number> {
    const counts = new Map<string, number>();
    const port = SSH_PORT.toString(16).toUpperCase().padStart(4, "0");
    for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 4 || fields[3] !== "01" || !fields[2].endsWith(`:${port}`)) {
            continue;
        }
        const hex = fields[2].split(":")[0];
        const address = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
        counts.set(address, (counts.get(address) ?? 0) + 1);
    }
    return counts;
}

/**
 * Commands running on each mon's sshd: under the lab's sshd (UsePAM no, root) a logged-in
 * connection is one sshd child of the listener, and the command it runs is that child's child.
 * A connection still logging in has an sshd child there instead, which is not counted.
 */
export function runningCommands(): Map<string, number> {
    const table = processTable();
    const counts = new Map<string, number>();
    for (const address of MONS) {
        let listener: number;
        try {
            listener = Number(readFileSync(sshdPidFile(address), "utf8").trim());
        } catch {
            continue;
        }
        const sessions = new Set(table.filter((p) => p.ppid === listener).map((p) => p.pid));
        counts.set(address, table.filter((p) => sessions.has(p.ppid) && p.comm !== "sshd").length);
    }
    return counts;
}

/** The highest value each host reached. */
export type Peaks = Map<string, number>;

/**
 * Samples, every `intervalMs` until stopped, the established SSH connections and the running
 * commands per mon host; returns the peak of each.
 */
export function sampleSessions(intervalMs = 50): { stop: () => { connections: Peaks; commands: Peaks } } {
    const connections: Peaks = new Map();
    const commands: Peaks = new Map();
    const record = (peaks: Peaks, now: Map<string, number>) => {
        for (const [address, count] of now) {
            peaks.set(address, Math.max(peaks.get(address) ?? 0, count));
        }
    };
    const timer = setInterval(() => {
        record(connections, openConnections());
        record(commands, runningCommands());
    }, intervalMs);
    return { stop: () => (clearInterval(timer), { connections, commands }) };
}

/** Where each mon's sshd log ends now, so later reads see only new lines. */
export function sshdLogMarks(): Map<string, number> {
    return new Map(MONS.map((address) => [address, statSync(sshdLog(address)).size]));
}

/** Connections sshd dropped past MaxStartups since `marks`. */
export function maxStartupsDrops(marks: Map<string, number>): number {
    let drops = 0;
    for (const [address, offset] of marks) {
        const text = readFileSync(sshdLog(address)).subarray(offset).toString("utf8");
        drops += text.split("\n").filter((l) => /drop connection #\d+ .* past MaxStartups/.test(l)).length;
    }
    return drops;
}
