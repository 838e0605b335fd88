// The machine's process table, from /proc: what the load test counts sessions with and what the
// benches attribute CPU time with.
import { readdirSync, readFileSync } from "node:fs";

/** One process: its pid, parent, name, and the CPU time it has used (user + system, in ticks of /proc). */
export interface ProcessEntry {
    pid: number;
    ppid: number;
    comm: string;
    ticks: number;
}

/** Every process, from /proc/<pid>/stat; one that ends while the table is read is left out. */
export function processTable(): ProcessEntry[] {
    const table = [];
    for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
            // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing paren.
            const close = stat.lastIndexOf(")");
            const comm = stat.slice(stat.indexOf("(") + 1, close);
            const rest = stat.slice(close + 2).split(" ");
            // After comm: state, ppid, ... and utime, stime as the 12th and 13th.
            table.push({ pid: Number(entry), ppid: Number(rest[1]), comm, ticks: Number(rest[11]) + Number(rest[12]) });
        } catch {
            // The process ended while the table was read.
        }
    }
    return table;
}
