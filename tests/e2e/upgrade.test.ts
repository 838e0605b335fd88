// A stack made by the previous release, brought to this one: the renamed components keep
// their old URNs through aliases, so nothing is replaced, created or deleted.
import test from "ava";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { labConfig, labStack, REPO } from "../../lab/stack";
import { cleanupStack, quiet } from "../lab";

/** The last release that landed on main (stop 6), whose stacks this one must take over unchanged. */
const PREVIOUS_RELEASE = "538f4129bb8669217e05215a86504db57d9049f6";
const id = process.pid;
const STACK = `e2eupgrade${id}`;

test.serial("a stack made by the previous release previews with no create, delete or replace under this one", async (t) => {
    const previous = mkdtempSync(join(tmpdir(), "kube-ceph-previous-"));
    execFileSync("bash", ["-c", `git -C "$0" archive "$1" | tar -x -C "$2"`, REPO, PREVIOUS_RELEASE, previous]);
    symlinkSync(join(REPO, "node_modules"), join(previous, "node_modules"));
    const config = labConfig({
        pool: { name: `up${id}`, pgNum: 8, deletionPolicy: "delete" },
        client: { name: `up${id}` },
        storageClass: { name: `up-${id}` },
        provisioner: { namespace: `up-${id}` },
    });
    const old = await labStack(STACK, config, previous);
    let current: Awaited<ReturnType<typeof labStack>> | undefined;
    t.teardown(async () => {
        await cleanupStack(t, current ?? old, { pools: [`up${id}`] });
        rmSync(previous, { recursive: true, force: true });
    });
    const made = await old.up(quiet);
    t.is(made.summary.result, "succeeded");
    // The stack's settings file holds its secrets' salt: the new program must use the same one.
    copyFileSync(join(previous, `Pulumi.${STACK}.yaml`), join(REPO, `Pulumi.${STACK}.yaml`));
    current = await labStack(STACK, config, REPO);
    const preview = await current.preview({ ...quiet, diff: true });
    const steps = preview.changeSummary;
    t.is(steps.create ?? 0, 0, preview.stdout);
    t.is(steps.delete ?? 0, 0, preview.stdout);
    t.is(steps.replace ?? 0, 0, preview.stdout);
    t.is((steps as Record<string, number>)["create-replacement"] ?? 0, 0, preview.stdout);
    // The only update allowed is the guard's: a dynamic resource's code is one of its inputs.
    t.true((steps.update ?? 0) <= 1, preview.stdout);
    if ((steps.update ?? 0) === 1) {
        t.regex(preview.stdout, /~ pulumi-nodejs:dynamic\/kube-ceph:VolumeGuard: \(update\)[\s\S]*?guard-volume-guard\]\s*~ __provider:/);
    }
    const up = await current.up(quiet);
    t.is(up.summary.result, "succeeded");
    await t.notThrowsAsync(current.preview({ ...quiet, expectNoChanges: true }));
});
