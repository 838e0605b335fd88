// What the load test and the load bench share: the many-instance stack of bench/load, and
// the two measurements that say whether the SSH bound held — the most sessions open at once
// per mon host (sampled from the kernel's socket table) and the connections sshd dropped
// for MaxStartups (from its log).
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { cephJson, MONS, SSH_PORT, SSHD_LOG_DIR } from "./lab";
import { labConfig, labStack, REPO } from "./stack";

export const LOAD_PROGRAM = resolve(REPO, "bench", "load");
const sshdLog = (address: string) => join(SSHD_LOG_DIR, `sshd-${address}.log`);

/** The many-instance stack: `instances` pools/users/StorageClasses, all created by it and deleted on destroy. */
export async function loadStack(stackName: string, instances: number, sessionsPerHost: number, prefix: string): Promise<Stack> {
    const monitors = cephJson<{ mons: { public_addrs: { addrvec: { type: string; addr: string }[] } }[] }>("mon", "dump")
        .mons.flatMap((m) => m.public_addrs.addrvec.filter((a) => a.type === "v1").map((a) => a.addr));
    const base = labConfig();
    const config = labConfig({
        // Discovery is the main program's job; here every session is a remote command.
        ceph: { ...base.ceph, fsid: cephJson<{ fsid: string }>("fsid").fsid, monitors, sessionsPerHost },
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
function openSessions(): Map<string, number> {
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

/** Samples open sessions per mon host every `intervalMs` until stopped; returns the peak per host. */
export function sampleSessions(intervalMs = 20): { stop: () => Map<string, number> } {
    const peak = new Map<string, number>();
    const timer = setInterval(() => {
        for (const [address, count] of openSessions()) {
            peak.set(address, Math.max(peak.get(address) ?? 0, count));
        }
    }, intervalMs);
    return { stop: () => (clearInterval(timer), peak) };
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
