// Preview bench: what a no-op `pulumi preview` and a first `pulumi up` of kube-ceph cost
// against the engine's floor (an empty TypeScript program on the same CLI, backend and
// machine), measured in one run, with a breakdown of where the preview's time goes and of
// where the machine's CPU time goes in one preview of each.
// Run on a lab that is up:  eval "$(lab/lab.sh env)" && npx tsx bench/preview.ts [runs] [operator|manifests]
// (the second argument picks how ceph-csi is installed; default: the operator, kube-ceph's default)
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { liveReader, monReads } from "../components/live";
import { sshExec } from "../components/ceph";
import { formatCpu, measureCpu } from "../lab/cpu";
import { labHost, labPrivateKey } from "../lab/lab";
import { labConfig, labStack, REPO } from "../lab/pulumi/stack";

const runs = Number(process.argv[2] ?? 5);
const install = process.argv[3] ?? "operator";
const id = process.pid;
const quiet = { color: "never" as const, onOutput: () => undefined };

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function seconds(work: () => Promise<unknown> | unknown): Promise<number> {
    const started = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - started) / 1e9;
}

async function medianOf(n: number, work: () => Promise<unknown> | unknown): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
        times.push(await seconds(work));
    }
    return median(times);
}

/** A project beside the repo's, with its package.json, tsconfig and node_modules, whose program declares nothing. */
function emptyProject(): string {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-floor-"));
    // main: as in the repository's Pulumi.yaml, or the copied package.json's `exports` would name the entry.
    writeFileSync(join(dir, "Pulumi.yaml"), "name: kube-ceph-floor\nruntime:\n  name: nodejs\n  options:\n    typescript: true\nmain: index.ts\n");
    writeFileSync(join(dir, "index.ts"), "export = async () => ({});\n");
    for (const file of ["package.json", "tsconfig.json"]) {
        copyFileSync(join(REPO, file), join(dir, file));
    }
    symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
    return dir;
}

/**
 * The repository's program as earlier releases ran it, through ts-node, beside the repository:
 * the same project name, so the same stack in the same backend, with the stack's config copied.
 */
function typescriptTwin(stackName: string): string {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-ts-"));
    const project = readFileSync(join(REPO, "Pulumi.yaml"), "utf8").replace("typescript: false", "typescript: true").replace("main: bin/index.js", "main: index.ts");
    writeFileSync(join(dir, "Pulumi.yaml"), project);
    for (const entry of ["index.ts", "components", "node_modules", "package.json", "tsconfig.json"]) {
        symlinkSync(join(REPO, entry), join(dir, entry));
    }
    copyFileSync(join(REPO, `Pulumi.${stackName}.yaml`), join(dir, `Pulumi.${stackName}.yaml`));
    return dir;
}

/** Node's start plus loading `file` through ts-node, transpiling only, as the Pulumi runtime runs a TypeScript program. */
function loadSeconds(file: string): number {
    const script = `const t=process.hrtime.bigint();require("ts-node").register({project:${JSON.stringify(join(REPO, "tsconfig.json"))},transpileOnly:true});` +
        `require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e9));`;
    const result = spawnSync(process.execPath, ["-e", script], { cwd: REPO, encoding: "utf8" });
    if (result.status !== 0) {
        throw new Error(`loading ${file} failed: ${result.stderr}`);
    }
    return Number(result.stdout);
}

/** How long a fresh Node.js process takes to require `module`. */
function requireSeconds(module: string): number {
    const script = `const t=process.hrtime.bigint();require(${JSON.stringify(module)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e9));`;
    return Number(spawnSync(process.execPath, ["-e", script], { cwd: REPO, encoding: "utf8" }).stdout);
}

const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(64)} ${value}\n`);
const s = (v: number) => `${v.toFixed(2)} s`;

async function main(): Promise<void> {
    process.stdout.write(`preview bench: medians of ${runs} runs, ceph-csi installed by ${install}\n`);
    const floorDir = emptyProject();
    const floor = await LocalWorkspace.createOrSelectStack({ stackName: `benchfloor${id}`, workDir: floorDir });
    const config = labConfig({
        pool: { name: `benchprev${id}`, pgNum: 8, deletionPolicy: "delete" },
        client: { name: `benchprev${id}` },
        storageClass: { name: `benchprev${id}` },
        provisioner: { namespace: `benchprev${id}`, install },
    });
    const stack: Stack = await labStack(`benchprev${id}`, config);
    try {
        // First up, each run on an empty stack; the floor is the empty program's first up plus,
        // per Ceph operation (pool, user, key read), one SSH round trip running one ceph call.
        const firstUps: number[] = [];
        const floorUps: number[] = [];
        for (let i = 0; i < runs; i++) {
            firstUps.push(await seconds(() => stack.up(quiet)));
            if (i < runs - 1) {
                await stack.destroy(quiet);
            }
            floorUps.push(await seconds(() => floor.up(quiet)));
            await floor.destroy(quiet);
        }
        const host = labHost();
        const privateKey = labPrivateKey();
        const roundTrip = await medianOf(runs, () => sshExec(host, privateKey, "ceph fsid"));
        const cephOperations = 3;
        const upFloor = median(floorUps) + cephOperations * roundTrip;

        // No-op previews.
        await floor.up(quiet);
        const floorPreview = await medianOf(runs, () => floor.preview(quiet));
        const preview = await medianOf(runs, () => stack.preview({ ...quiet, expectNoChanges: true }));
        // What every preview paid before Pulumi ran the compiled program: ts-node's transpile.
        const twinDir = typescriptTwin(stack.name);
        const twin = await LocalWorkspace.selectStack({ stackName: stack.name, workDir: twinDir });
        const previewTs = await medianOf(runs, () => twin.preview({ ...quiet, expectNoChanges: true }));
        rmSync(twinDir, { recursive: true, force: true });
        // One more of each, with the CPU time of every process it starts or wakes.
        const floorMeter = measureCpu();
        await floor.preview(quiet);
        const floorCpu = floorMeter.stop();
        const previewMeter = measureCpu();
        await stack.preview({ ...quiet, expectNoChanges: true });
        const previewCpu = previewMeter.stop();

        // Breakdown of the preview.
        const loadFloor = median(Array.from({ length: runs }, () => loadSeconds(join(floorDir, "index.ts"))));
        const loadProgram = median(Array.from({ length: runs }, () => requireSeconds(join(REPO, "bin", "index.js"))));
        const loadTs = median(Array.from({ length: runs }, () => loadSeconds(join(REPO, "index.ts"))));
        // What the program asks of a csi stack with every check on (index.ts, readLiveState).
        const request = { discovery: true, health: true, tunables: true, mgrModules: true, userKeys: [`client.benchprev${id}`] };
        const monCommands = monReads(request).length;
        const hosts = [labHost()];
        const cephRead = await medianOf(runs, () => liveReader.readCeph(hosts, privateKey, request));
        const kubeRead = await medianOf(runs, () => liveReader.readKubernetes({ version: false, selfLink: false, nodes: true }));
        // The program loads the Kubernetes client at its first read; this process already has.
        const kubeClientLoad = median(Array.from({ length: runs }, () => requireSeconds("@kubernetes/client-node")));
        const rest = preview - floorPreview - (loadProgram - loadFloor) - cephRead - kubeClientLoad - kubeRead;
        const resources = JSON.parse(execFileSync("pulumi", ["stack", "export", "--stack", stack.name], { cwd: REPO, encoding: "utf8", maxBuffer: 64 << 20 })).deployment.resources.length;

        line("empty program: no-op preview", s(floorPreview));
        line("kube-ceph: no-op preview (--expect-no-changes)", s(preview));
        line("ratio (goal <= 2.0)", `${(preview / floorPreview).toFixed(2)}x`);
        line("kube-ceph: the same through ts-node (before)", `${s(previewTs)}, ${(previewTs / floorPreview).toFixed(2)}x`);
        line("  program load (bin/index.js) beyond the empty program's", s(loadProgram - loadFloor));
        line("    (index.ts through ts-node, before)", s(loadTs - loadFloor));
        line(`  Ceph read: 1 SSH round trip, ${monCommands} mon commands in one process`, s(cephRead));
        line("  Kubernetes read: loading @kubernetes/client-node", s(kubeClientLoad));
        line("  Kubernetes read: nodes (runs at once with the Ceph read)", s(kubeRead));
        line(`  the rest: engine, providers, checks and diffs of ${resources} resources`, s(rest));
        process.stdout.write("empty program: one no-op preview\n" + formatCpu(floorCpu));
        process.stdout.write("kube-ceph: one no-op preview\n" + formatCpu(previewCpu));
        line("empty program: first up", s(median(floorUps)));
        line(`one SSH round trip with one ceph call (x ${cephOperations} Ceph operations)`, s(roundTrip));
        line("kube-ceph: first up", s(median(firstUps)));
        line("ratio to the up floor (goal <= 1.5)", `${(median(firstUps) / upFloor).toFixed(2)}x`);
    } finally {
        await stack.destroy(quiet).catch(() => undefined);
        await stack.workspace.removeStack(stack.name, { force: true });
        await floor.destroy(quiet).catch(() => undefined);
        await floor.workspace.removeStack(floor.name, { force: true });
        rmSync(floorDir, { recursive: true, force: true });
    }
}

main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
