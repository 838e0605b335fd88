// After up, a config change, a failed run and destroy, neither the Ceph user's key nor the
// SSH private key may appear anywhere a person or a log could see it.
import test from "ava";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { labConfig, labStack, REPO, writeConfig } from "../../lab/stack";
import { ceph, labPrivateKey, rbd, SSHD_LOG_DIR } from "../../lab/lab";
import { cleanupStack, quiet } from "../lab";

const id = process.pid;

/** Samples every process's command line while `work` runs. */
async function watchProcessList<T>(work: () => Promise<T>, seen: string[]): Promise<T> {
    let running = true;
    const sampler = (async () => {
        while (running) {
            seen.push(execFileSync("ps", ["-eo", "args"], { encoding: "utf8" }));
            await new Promise((r) => setTimeout(r, 200));
        }
    })();
    try {
        return await work();
    } finally {
        running = false;
        await sampler;
    }
}

test.serial("no Ceph key and no SSH private key in exports, CLI output, engine events, errors, Kubernetes metadata, sshd logs or the process list", async (t) => {
    const pool = `sec${id}`;
    const user = `sec${id}`;
    const config = labConfig({ pool: { name: pool, pgNum: 8, deletionPolicy: "delete" }, client: { name: user }, storageClass: { name: `sec-${id}` }, provisioner: { namespace: `sec-${id}` } });
    const stack = await labStack(`e2esec${id}`, config);
    t.teardown(() => cleanupStack(t, stack, { pools: [pool] }));
    const seen: string[] = [];
    const processes: string[] = [];
    const labels: string[] = [];
    const note = (label: string, text: string) => {
        labels[seen.length] = label;
        seen.push(text);
    };
    const collect = { onOutput: (line: string) => note("cli output", line), onEvent: (event: unknown) => note("engine event", JSON.stringify(event)), ...quiet };

    await watchProcessList(() => stack.up(collect), processes);
    const cephKey = ceph("auth", "get-key", `client.${user}`).trim();
    // The CLI's export without --show-secrets (the Automation API's exportStack shows secrets).
    note("stack export", execFileSync("pulumi", ["stack", "export", "--stack", `e2esec${id}`], { cwd: REPO, encoding: "utf8" }));
    // Secret data is base64 there, so only a plain copy (an annotation, an event) could match.
    note("kubernetes objects", execFileSync("kubectl", ["get", "secrets,storageclasses,configmaps,deployments,daemonsets,events", "-A", "-o", "json"], { encoding: "utf8", maxBuffer: 64 << 20 }));

    // A config change, previewed with a diff and applied.
    await writeConfig(stack, { ...config, storageClass: { name: `sec-${id}`, mountOptions: ["discard"] } });
    const preview = await stack.preview({ ...collect, diff: true });
    note("preview --diff", preview.stdout + preview.stderr);
    await watchProcessList(() => stack.up(collect), processes);

    // A failed run: an image in the pool makes destroy refuse, with Ceph's message.
    rbd("create", `${pool}/blocker`, "--size", "16");
    const failure = await t.throwsAsync(watchProcessList(() => stack.destroy(collect), processes));
    note("failed run error", failure!.message);
    rbd("rm", `${pool}/blocker`);
    await watchProcessList(() => stack.destroy(collect), processes);
    // The CLI's export without --show-secrets (the Automation API's exportStack shows secrets).
    note("stack export", execFileSync("pulumi", ["stack", "export", "--stack", `e2esec${id}`], { cwd: REPO, encoding: "utf8" }));

    for (const log of readdirSync(SSHD_LOG_DIR)) {
        note(`sshd log ${log}`, readFileSync(join(SSHD_LOG_DIR, log), "utf8"));
    }
    const sshKeyBody = labPrivateKey().split("\n").filter((line) => line && !line.startsWith("-----"));
    const haystack = seen.join("\n");
    const processList = processes.join("\n");
    t.true(haystack.length > 10_000, "the scan saw real output");
    t.deepEqual([...new Set(seen.flatMap((text, i) => (text.includes(cephKey) ? [labels[i]] : [])))], [], "Ceph key found");
    t.false(processList.includes(cephKey), "Ceph key found in the process list");
    for (const line of sshKeyBody) {
        t.deepEqual([...new Set(seen.flatMap((text, i) => (text.includes(line) ? [labels[i]] : [])))], [], "SSH private key material found");
        t.false(processList.includes(line), "SSH private key material in the process list");
    }
    t.true(haystack.includes("[secret]"), "secrets are shown masked, not left out");
});
