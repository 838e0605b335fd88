// Load bench: `up` and `destroy` times of the single-pool lab stack against the
// many-instance stack of bench/load, for several ceph.sessionsPerHost values, with the
// most commands running and connections open at once per mon host, and the connections
// sshd dropped for MaxStartups, and where the machine's CPU time went in each run.
// Run on a lab that is up:  eval "$(lab/lab.sh env)" && npx tsx bench/load.ts [instances] [sessionsPerHost,...]
import type { Stack } from "@pulumi/pulumi/automation";
import { formatCpu, measureCpu } from "../lab/cpu";
import { loadStack, maxStartupsDrops, sampleSessions, sshdLogMarks } from "../lab/pulumi/load";
import { MONS } from "../lab/lab";
import { labConfig, labStack } from "../lab/pulumi/stack";

const instances = Number(process.argv[2] ?? 25);
const sessionCounts = (process.argv[3] ?? "1,4,10").split(",").map(Number);
// What a 16-core runner gets by default (4 x CPUs); this machine alone would use 8.
const RUNNER_PARALLELISM = 64;

async function measure(label: string, stack: Stack): Promise<void> {
    for (const phase of ["up", "destroy"] as const) {
        const marks = sshdLogMarks();
        const sampler = sampleSessions();
        const cpu = measureCpu();
        const started = process.hrtime.bigint();
        const result = phase === "up"
            ? await stack.up({ color: "never", parallel: RUNNER_PARALLELISM })
            : await stack.destroy({ color: "never", parallel: RUNNER_PARALLELISM });
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const cpuReport = cpu.stop();
        const peak = sampler.stop();
        const commands = peak.commands.get(MONS[0]) ?? 0;
        const connections = peak.connections.get(MONS[0]) ?? 0;
        const drops = maxStartupsDrops(marks);
        process.stdout.write(`${label.padEnd(34)} ${phase.padEnd(8)} ${result.summary.result.padEnd(10)} ${seconds.toFixed(1).padStart(6)} s   peak commands ${String(commands).padStart(2)}   peak connections ${String(connections).padStart(3)}   MaxStartups drops ${drops}\n`);
        process.stdout.write(formatCpu(cpuReport));
    }
    await stack.workspace.removeStack(stack.name, { force: true });
}

async function main(): Promise<void> {
    const id = process.pid;
    process.stdout.write(`load bench: ${instances} instances, engine parallelism ${RUNNER_PARALLELISM}\n`);
    await measure("single pool (index.ts)", await labStack(`benchone${id}`, labConfig({
        pool: { name: `benchone${id}`, pgNum: 8, deletionPolicy: "delete" },
        client: { name: `benchone${id}` },
        storageClass: { name: `benchone${id}` },
        provisioner: { namespace: `benchone${id}` },
    })));
    for (const sessions of sessionCounts) {
        await measure(`${instances} instances, sessionsPerHost ${sessions}`, await loadStack(`bench${sessions}x${id}`, instances, sessions, `bench${sessions}x${id}`));
    }
}

main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
