// Where the machine's CPU time goes while a bench runs something: the busy time of all cores
// (from /proc/stat), and each process's user + system time grouped by what the process is
// (from /proc/<pid>/stat, read every interval). A process seen at the start counts only what
// it used after it; one that ends between two reads loses at most one interval, which the
// "unattributed" figure (busy time less the groups' sum) shows.
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { processTable } from "./processes";

// USER_HZ: the unit of /proc's CPU times on Linux.
const TICKS_PER_SECOND = 100;

/** Busy ticks of all cores since boot. */
function busyTicks(): number {
    const fields = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are not busy.
    return fields.slice(0, 8).reduce((a, b) => a + b, 0) - fields[3] - fields[4];
}

/** What a process is, for the breakdown: the part of the run it belongs to. */
export function processGroup(comm: string, commandLine: string): string {
    if (commandLine.includes("pulumi-resource-kubernetes")) return "kubernetes provider";
    if (commandLine.includes("pulumi-resource-command")) return "command provider";
    if (commandLine.includes("pulumi-resource-pulumi-nodejs") || commandLine.includes("cmd/dynamic-provider")) return "dynamic-provider host (node)";
    if (commandLine.includes("pulumi-language-nodejs")) return "Node.js language host";
    if (commandLine.includes("@pulumi/pulumi/cmd/run")) return "the program (node)";
    if (comm === "pulumi") return "Pulumi engine (CLI)";
    if (comm === "kube-apiserver") return "kube-apiserver";
    if (comm === "etcd") return "etcd";
    if (comm.startsWith("kube-controller")) return "kube-controller-manager";
    if (commandLine.includes("ceph-csi-operator") || comm === "manager") return "ceph-csi-operator";
    if (/^ceph-(mon|mgr|osd|mds)$/.test(comm)) return "Ceph daemons";
    if (comm === "sshd" || comm === "ceph" || comm === "bash" || comm === "sh" || comm === "rbd" || comm === "python3") return "SSH sessions and ceph CLI on the mons";
    if (commandLine.includes("bench/")) return "the bench itself";
    return "other";
}

interface Seen { group: string; start: number; last: number }

export interface CpuReport {
    /** Wall-clock seconds from start to stop. */
    wallSeconds: number;
    /** CPU-seconds all cores were busy. */
    busySeconds: number;
    /** Busy time over what the cores could give in that wall time (1 = every core busy throughout). */
    utilization: number;
    /** CPU-seconds per process group, largest first. */
    groups: [string, number][];
}

/** Starts measuring; `stop()` ends it and returns the report. */
export function measureCpu(intervalMs = 250): { stop: () => CpuReport } {
    const started = process.hrtime.bigint();
    const busyStart = busyTicks();
    const seen = new Map<number, Seen>();
    const read = (initial: boolean) => {
        for (const p of processTable()) {
            const known = seen.get(p.pid);
            if (known) {
                known.last = p.ticks;
                continue;
            }
            let commandLine = "";
            try {
                commandLine = readFileSync(`/proc/${p.pid}/cmdline`, "utf8").replace(/\0/g, " ");
            } catch {
                // Ended since the table was read: its name still says what it was.
            }
            seen.set(p.pid, { group: processGroup(p.comm, commandLine), start: initial ? p.ticks : 0, last: p.ticks });
        }
    };
    read(true);
    const timer = setInterval(() => read(false), intervalMs);
    return {
        stop: () => {
            clearInterval(timer);
            read(false);
            const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
            const busySeconds = (busyTicks() - busyStart) / TICKS_PER_SECOND;
            const totals = new Map<string, number>();
            for (const s of seen.values()) {
                totals.set(s.group, (totals.get(s.group) ?? 0) + (s.last - s.start) / TICKS_PER_SECOND);
            }
            const attributed = [...totals.values()].reduce((a, b) => a + b, 0);
            totals.set("unattributed (processes that ended between reads)", Math.max(0, busySeconds - attributed));
            const groups = [...totals.entries()].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]);
            return { wallSeconds, busySeconds, utilization: busySeconds / (wallSeconds * cpus().length), groups };
        },
    };
}

/** The report as lines: busy time and utilization, then each group's CPU-seconds. */
export function formatCpu(report: CpuReport, indent = "  "): string {
    const lines = [`${indent}CPU: ${report.busySeconds.toFixed(1)} CPU-s busy in ${report.wallSeconds.toFixed(1)} s on ${cpus().length} cores (${(report.utilization * 100).toFixed(0)} % utilization)`];
    for (const [group, value] of report.groups) {
        lines.push(`${indent}  ${group.padEnd(52)} ${value.toFixed(1).padStart(6)} CPU-s`);
    }
    return `${lines.join("\n")}\n`;
}
