// After up, a config change, a failed run and destroy, neither the Ceph user's key nor the
// SSH private key may appear anywhere a person or a log could see it.
import test, { ExecutionContext } from "ava";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { labConfig, labStack, REPO, writeConfig } from "../../lab/pulumi/stack";
import { ceph, FAULT_BIN, labPrivateKey, rbd, SSHD_LOG_DIR } from "../../lab/lab";
import { cleanupStack, kubectlJson, quiet } from "../lab";

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

/** Everything a person or a log could see during a test, labelled by where it was seen. */
class Scan {
    readonly seen: string[] = [];
    readonly labels: string[] = [];
    readonly processes: string[] = [];
    /** Automation API options that record the CLI output and the engine events. */
    readonly collect = { onOutput: (line: string) => this.note("cli output", line), onEvent: (event: unknown) => this.note("engine event", JSON.stringify(event)), ...quiet };

    note(label: string, text: string): void {
        this.labels[this.seen.length] = label;
        this.seen.push(text);
    }

    /** The stack's export as the CLI prints it without --show-secrets (the Automation API's exportStack shows secrets). */
    noteExport(stackName: string): void {
        this.note("stack export", execFileSync("pulumi", ["stack", "export", "--stack", stackName], { cwd: REPO, encoding: "utf8", maxBuffer: 256 << 20 }));
    }

    noteSshdLogs(): void {
        for (const log of readdirSync(SSHD_LOG_DIR)) {
            this.note(`sshd log ${log}`, readFileSync(join(SSHD_LOG_DIR, log), "utf8"));
        }
    }

    /** Asserts that neither the Ceph key nor any line of the SSH private key was seen anywhere. */
    /** No trace of these Ceph keys (the provisioner's and the node plugin's user's) or of the SSH key. */
    assertClean(t: ExecutionContext, ...cephKeys: string[]): void {
        const where = (needle: string) => [...new Set(this.seen.flatMap((text, i) => (text.includes(needle) ? [this.labels[i]] : [])))];
        const processList = this.processes.join("\n");
        for (const cephKey of cephKeys) {
            t.true(cephKey.length > 20, "the Ceph key to look for is real");
            t.deepEqual(where(cephKey), [], "Ceph key found");
            t.false(processList.includes(cephKey), "Ceph key found in the process list");
        }
        for (const line of labPrivateKey().split("\n").filter((l) => l && !l.startsWith("-----"))) {
            t.deepEqual(where(line), [], "SSH private key material found");
            t.false(processList.includes(line), "SSH private key material in the process list");
        }
    }
}

test.serial("no Ceph key and no SSH private key in exports, CLI output, engine events, errors, Kubernetes metadata, sshd logs or the process list", async (t) => {
    const pool = `sec${id}`;
    const user = `sec${id}`;
    const config = labConfig({ pool: { name: pool, pgNum: 8, deletionPolicy: "delete" }, client: { name: user }, storageClass: { name: `sec-${id}` }, provisioner: { namespace: `sec-${id}` } });
    const stack = await labStack(`e2esec${id}`, config);
    t.teardown(() => cleanupStack(t, stack, { pools: [pool] }));
    const scan = new Scan();
    const { collect, processes } = scan;
    const note = (label: string, text: string) => scan.note(label, text);

    await watchProcessList(() => stack.up(collect), processes);
    const cephKey = ceph("auth", "get-key", `client.${user}`).trim();
    const nodeKey = ceph("auth", "get-key", `client.${user}-rbd-node`).trim();
    scan.noteExport(`e2esec${id}`);
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
    scan.noteExport(`e2esec${id}`);

    scan.noteSshdLogs();
    t.true(scan.seen.join("\n").length > 10_000, "the scan saw real output");
    scan.assertClean(t, cephKey, nodeKey);
    t.true(scan.seen.join("\n").includes("[secret]"), "secrets are shown masked, not left out");
});

/**
 * A `ceph` for the lab's SSH sessions that, on the Nth `ceph auth get-key ENTITY` (counted in
 * the trigger file "ENTITY N COUNT"), prints the key, gives sshd a second to send it, then
 * kills the SSH connection it runs under: the key is out, and the command never exits.
 */
const CUT_AFTER_KEY = `#!/bin/sh
trigger="$(dirname "$0")/cut-after-key"
if [ "$1 $2" = "auth get-key" ] && [ -f "$trigger" ]; then
  read -r entity nth count <"$trigger"
  if [ "$3" = "$entity" ]; then
    count=$((count + 1))
    echo "$entity $nth $count" >"$trigger"
    if [ "$count" -eq "$nth" ]; then
      /usr/bin/ceph "$@"
      sleep 1
      pid=$$
      while [ "$(ps -o comm= -p "$pid")" != sshd ]; do pid=$(ps -o ppid= -p "$pid" | tr -d ' '); done
      kill -9 "$pid"
      exit 1
    fi
  fi
fi
exec /usr/bin/ceph "$@"
`;

test.serial("the SSH connection cut right after the key is printed, in the user's command and in kube-ceph's key read: the key is in no error, output, event or export", async (t) => {
    const pool = `cut${id}`;
    const user = `cut${id}`;
    const stackName = `e2ecut${id}`;
    const stack = await labStack(stackName, labConfig({ pool: { name: pool, pgNum: 8, deletionPolicy: "delete" }, client: { name: user }, storageClass: { name: `cut-${id}` }, provisioner: { namespace: `cut-${id}` } }));
    const wrapper = join(FAULT_BIN, "ceph");
    const trigger = join(FAULT_BIN, "cut-after-key");
    t.teardown(async () => {
        rmSync(wrapper, { force: true });
        rmSync(trigger, { force: true });
        await cleanupStack(t, stack, { pools: [pool] });
    });
    writeFileSync(wrapper, CUT_AFTER_KEY, { mode: 0o755 });
    const scan = new Scan();
    for (const nth of [1, 2]) {
        writeFileSync(trigger, `client.${user} ${nth} 0\n`);
        const run = await watchProcessList(() => stack.up(scan.collect).then(() => undefined, (e: Error) => e), scan.processes);
        const [, , count] = readFileSync(trigger, "utf8").trim().split(" ");
        t.true(Number(count) >= nth, `the ${nth}. key read was cut (reads seen: ${count})`);
        t.true(run instanceof Error, `up with the ${nth}. key read cut must fail`);
        scan.note(`failed run error (cut at key read ${nth})`, (run as Error).message);
        t.log(`cut at key read ${nth}: ${(run as Error).message.split("\n").find((l) => /error/i.test(l)) ?? ""}`);
    }
    rmSync(trigger);
    t.is((await stack.up(scan.collect)).summary.result, "succeeded");
    const cephKey = ceph("auth", "get-key", `client.${user}`).trim();
    const secret = kubectlJson<{ data: { userKey: string } }>("get", "secret", "-n", `cut-${id}`, `ceph-${user}-csi-rbd`);
    t.is(Buffer.from(secret.data.userKey, "base64").toString(), cephKey, "after the cuts, the Secret holds the user's real key");
    scan.noteExport(stackName);
    scan.noteSshdLogs();
    scan.assertClean(t, cephKey);
});
