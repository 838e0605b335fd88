// Load: many component instances against the same mon host, with the engine as parallel
// as a 16-core runner makes it (4 x CPUs = 64), on a lab sshd with the default MaxStartups.
import test from "ava";
import { execFileSync } from "node:child_process";
import { loadStack, maxStartupsDrops, openConnections, sampleSessions, sshdLogMarks } from "../../lab/pulumi/load";
import { cephJson, MONS } from "../../lab/lab";
import { cleanupStack } from "../lab";

const INSTANCES = 25;
const SESSIONS_PER_HOST = 4;
/** Remote commands per instance: its pool and its user. */
const COMMANDS_PER_INSTANCE = 2;
const RUNNER_PARALLELISM = 64;
const prefix = `load${process.pid}`;

const ours = (names: string[]) => names.filter((n) => n.startsWith(`${prefix}-`));
const pools = () => ours(cephJson<string[]>("osd", "pool", "ls"));
const users = () => ours(cephJson<{ auth_dump: { entity: string }[] }>("auth", "ls").auth_dump.map((e) => e.entity.replace(/^client\./, "")));
const storageClasses = () => ours(execFileSync("kubectl", ["get", "storageclass", "-o", "name"], { encoding: "utf8" }).split("\n").map((l) => l.replace("storageclass.storage.k8s.io/", "")));

/** Established connections to the first mon once they reach 0, or after `timeoutMs`. */
async function connectionsAfter(timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const open = openConnections().get(MONS[0]) ?? 0;
        if (open === 0 || Date.now() > deadline) {
            return open;
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
    }
}

test.serial(`${INSTANCES} pools, users and StorageClasses on one mon host: up and destroy with no dropped SSH connection, at most ${SESSIONS_PER_HOST} commands at once, and one connection per command held until the run ends`, async (t) => {
    const stack = await loadStack(`load${process.pid}`, INSTANCES, SESSIONS_PER_HOST, prefix);
    t.teardown(() => cleanupStack(t, stack, { pools }));

    for (const phase of ["up", "destroy"] as const) {
        const marks = sshdLogMarks();
        const sampler = sampleSessions();
        const started = Date.now();
        const result = phase === "up"
            ? await stack.up({ color: "never", parallel: RUNNER_PARALLELISM })
            : await stack.destroy({ color: "never", parallel: RUNNER_PARALLELISM });
        const seconds = (Date.now() - started) / 1000;
        const peak = sampler.stop();
        t.is(result.summary.result, "succeeded", phase);
        t.is(maxStartupsDrops(marks), 0, `${phase}: sshd dropped connections past MaxStartups`);
        const commands = peak.commands.get(MONS[0]) ?? 0;
        t.true(commands <= SESSIONS_PER_HOST, `${phase}: ${commands} commands ran at once on ${MONS[0]}`);
        t.true(commands > 1, `${phase}: commands ran one at a time (peak ${commands}): the sampler or the lanes are broken`);
        // @pulumi/command 1.2.1 never closes a command's connection: each pool and user
        // command (create on up, delete on destroy) holds one until the provider exits.
        const connections = peak.connections.get(MONS[0]) ?? 0;
        const remoteCommands = INSTANCES * COMMANDS_PER_INSTANCE;
        t.true(connections >= remoteCommands && connections <= remoteCommands + SESSIONS_PER_HOST,
            `${phase}: ${connections} connections open at once on ${MONS[0]}; expected the ${remoteCommands} commands' own, plus at most ${SESSIONS_PER_HOST} of kube-ceph's key reads`);
        // They close when the provider's process exits; give the kernel's teardown a moment.
        t.is(await connectionsAfter(10_000), 0, `${phase}: connections still open on ${MONS[0]} 10 s after the run ended`);
        t.log(`${phase}: ${seconds.toFixed(1)} s, peak ${commands} commands and ${connections} connections on ${MONS[0]}, 0 drops`);
        const expected = phase === "up" ? INSTANCES : 0;
        t.is(pools().length, expected, `${phase}: pools`);
        t.is(users().length, expected, `${phase}: users`);
        t.is(storageClasses().length, expected, `${phase}: StorageClasses`);
    }
});
