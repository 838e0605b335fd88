// A stack made by the previous release, brought to this one: the renamed components keep
// their old URNs through aliases, so nothing is replaced or deleted. The one thing created
// is the user's key reader (CephUserKey), which replaces reading the key from the user
// command's stdout; the user command is updated in place to print only the key's digest.
import test from "ava";
import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";
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

const USER_KEY_TYPE = "pulumi-nodejs:dynamic/kube-ceph:CephUserKey";

/**
 * Why a step of the upgrade preview is not allowed, or undefined when it is. Allowed: no
 * change; reading this stack's own outputs (the rename guard); creating the CephUserKey;
 * updating the guard's code, the user command's scripts (and its `logging`, no longer set),
 * and both commands' `connection` (its dialErrorLimit went from 30 to 8). Nothing else: the
 * Secrets keep their key, which the live read knows at preview time.
 */
function disallowedStep(step: StepEventMetadata): string | undefined {
    const name = step.urn.split("::").pop() ?? "";
    const changed = step.diffs ?? Object.keys(step.detailedDiff ?? {});
    const only = (allowed: string[]) => changed.every((key) => allowed.includes(key.split(/[.[]/)[0]));
    const what = `${step.op} of ${step.type} ${name} (changed: ${changed.join(", ") || "nothing listed"})`;
    switch (step.op) {
        case "same":
            return undefined;
        case "read":
            return step.type === "pulumi:pulumi:StackReference" ? undefined : `${what}: only the stack's own outputs may be read`;
        case "create":
            return step.type === USER_KEY_TYPE && name === "ceph-client-key" ? undefined : `${what}: only the CephUserKey may be created`;
        case "update":
            if (step.type === "pulumi-nodejs:dynamic/kube-ceph:VolumeGuard" && name === "guard-volume-guard" && only(["__provider"])) {
                return undefined;
            }
            if (step.type === "command:remote:Command" && name === "ceph-client-user" && only(["create", "update", "logging", "connection"])) {
                return undefined;
            }
            if (step.type === "command:remote:Command" && name === "ceph-pool" && only(["connection"])) {
                return undefined;
            }
            return `${what}: not an update this release may make`;
        default:
            return `${what}: no ${step.op} is allowed`;
    }
}

test.serial("a stack made by the previous release previews with no delete or replace under this one, only the key reader created", async (t) => {
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
    const steps: StepEventMetadata[] = [];
    const onEvent = (event: EngineEvent) => {
        if (event.resourcePreEvent !== undefined) {
            steps.push(event.resourcePreEvent.metadata);
        }
    };
    const preview = await current.preview({ ...quiet, diff: true, onEvent });
    t.true(steps.length > 0, "the preview reported no steps");
    t.deepEqual(steps.map(disallowedStep).filter((reason) => reason !== undefined), [], preview.stdout);
    // What the new design needs must be there: the reader, and the user command printing a digest.
    t.deepEqual(steps.filter((s) => s.op === "create").map((s) => s.type), [USER_KEY_TYPE], preview.stdout);
    t.true(steps.some((s) => s.op === "update" && s.urn.endsWith("::ceph-client-user")), preview.stdout);
    const summary = preview.changeSummary as Record<string, number>;
    for (const op of ["delete", "replace", "create-replacement", "delete-replaced"]) {
        t.is(summary[op] ?? 0, 0, `${op}:\n${preview.stdout}`);
    }
    t.is(summary.create ?? 0, 1, preview.stdout);
    const up = await current.up(quiet);
    t.is(up.summary.result, "succeeded");
    await t.notThrowsAsync(current.preview({ ...quiet, expectNoChanges: true }));
});
