// Many-classes bench: what N classes in one stack cost against one, in one run on the lab:
// first `up`, no-op `preview` (median of the given count) and `destroy`, through ceph-csi-operator.
// The classes cycle through five kinds: a plain class, one with its data in an erasure-coded pool,
// two tenants' (rados namespaces) and a CephFS class (its filesystem made by the stack); from the
// sixth class on, each tenant and CephFS subvolume group is a new one, so users grow with classes.
// Run on a lab that is up:  eval "$(lab/lab.sh env)" && npx tsx bench/classes.ts [previews] [classes]
import type { Stack } from "@pulumi/pulumi/automation";
import { ceph } from "../lab/lab";
import { LabConfig, labConfig, labStack } from "../lab/pulumi/stack";

const previews = Number(process.argv[2] ?? 3);
const classCount = Number(process.argv[3] ?? 5);
const id = process.pid;
const quiet = { color: "never" as const, onOutput: () => undefined };

async function seconds(work: () => Promise<unknown>): Promise<number> {
    const started = process.hrtime.bigint();
    await work();
    return Number(process.hrtime.bigint() - started) / 1e9;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const oneClass = (): LabConfig => labConfig({
    pool: { name: `bone${id}`, pgNum: 8, deletionPolicy: "delete" },
    client: { name: `bone${id}` },
    storageClass: { name: `bench-one-${id}` },
    provisioner: { namespace: `bench-one-${id}` },
});

function manyClasses(count: number): LabConfig {
    const { pool: _pool, storageClass: _storageClass, ...rest } = labConfig({ client: { name: `bmany${id}` }, provisioner: { namespace: `bench-many-${id}` } });
    const [rbd, ec, fs] = [`bmany${id}`, `bmanyec${id}`, `bmanyfs${id}`];
    const round = (i: number) => Math.floor(i / 5);
    const suffix = (i: number) => (round(i) === 0 ? "" : `-${round(i)}`);
    const kinds = [
        (i: number) => ({ name: `bench-plain-${id}${suffix(i)}`, pool: rbd }),
        (i: number) => ({ name: `bench-bulk-${id}${suffix(i)}`, pool: rbd, dataPool: ec }),
        (i: number) => ({ name: `bench-team-a-${id}${suffix(i)}`, pool: rbd, radosNamespace: `team-a${suffix(i)}` }),
        (i: number) => ({ name: `bench-team-b-${id}${suffix(i)}`, pool: rbd, radosNamespace: `team-b${suffix(i)}` }),
        (i: number) => ({ name: `bench-files-${id}${suffix(i)}`, type: "cephfs", filesystem: fs, ...(round(i) > 0 ? { subvolumeGroup: `group${suffix(i)}` } : {}) }),
    ];
    return {
        ...rest,
        pools: {
            [rbd]: { pgNum: 8, deletionPolicy: "delete" },
            [ec]: { pgNum: 8, erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" },
        },
        storageClasses: Array.from({ length: count }, (_, i) => kinds[i % 5](i)) as unknown as Record<string, unknown>,
        filesystems: { [fs]: { deletionPolicy: "delete" } },
    };
}

async function measure(name: string, config: LabConfig): Promise<{ up: number; preview: number; destroy: number }> {
    const stack: Stack = await labStack(name, config);
    try {
        const up = await seconds(() => stack.up(quiet));
        const times: number[] = [];
        for (let i = 0; i < previews; i++) {
            times.push(await seconds(() => stack.preview({ ...quiet, expectNoChanges: true })));
        }
        const destroy = await seconds(() => stack.destroy(quiet));
        return { up, preview: median(times), destroy };
    } finally {
        await stack.destroy(quiet).catch(() => undefined);
        await stack.workspace.removeStack(name).catch(() => undefined);
    }
}

async function main(): Promise<void> {
    const one = await measure(`benchone${id}`, oneClass());
    const many = await measure(`benchmany${id}`, manyClasses(classCount));
    ceph("osd", "erasure-code-profile", "rm", `kube-ceph-bmanyec${id}`);
    const row = (what: string, a: number, b: number) => process.stdout.write(`| ${what} | ${a.toFixed(2)} s | ${b.toFixed(2)} s | ${(b / a).toFixed(2)}x |\n`);
    process.stdout.write(`| through ceph-csi-operator, lab | one class | ${classCount} classes | ratio |\n|---|---|---|---|\n`);
    row("first up", one.up, many.up);
    row(`no-op preview (median of ${previews})`, one.preview, many.preview);
    row("destroy", one.destroy, many.destroy);
}

main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
});
