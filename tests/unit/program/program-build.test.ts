// The compiled program's refusal to run over sources edited after its build.
import test from "ava";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD_COMMAND, staleBuildMessage, staleSources } from "../../../components/program";

/** A project laid out as the repository is, every file dated `at` (seconds). */
function project(at: number): string {
    const root = mkdtempSync(join(tmpdir(), "kube-ceph-build-"));
    mkdirSync(join(root, "components", "ceph"), { recursive: true });
    mkdirSync(join(root, "bin"));
    for (const file of ["index.ts", "components/ceph/ceph-pool.ts", "components/config.ts", "components/manifest.yaml", "bin/index.js"]) {
        writeFileSync(join(root, file), "");
        utimesSync(join(root, file), at, at);
    }
    return root;
}

test("sources edited after the build are named; others, and files that are not sources, are not", (t) => {
    const root = project(1_000);
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    const entry = join(root, "bin", "index.js");
    t.deepEqual(staleSources(entry), []);
    utimesSync(join(root, "components", "config.ts"), 2_000, 2_000);
    utimesSync(join(root, "components", "manifest.yaml"), 2_000, 2_000);
    t.deepEqual(staleSources(entry), [join("components", "config.ts")]);
    utimesSync(join(root, "index.ts"), 2_000, 2_000);
    t.deepEqual(staleSources(entry), ["index.ts", join("components", "config.ts")]);
    // A room's file, one folder down, counts as much as one at the top.
    utimesSync(join(root, "components", "ceph", "ceph-pool.ts"), 2_000, 2_000);
    t.deepEqual(staleSources(entry), ["index.ts", join("components", "ceph", "ceph-pool.ts"), join("components", "config.ts")]);
    // A new build is newer than every source again.
    utimesSync(entry, 3_000, 3_000);
    t.deepEqual(staleSources(entry), []);
});

test("the TypeScript program itself (as the tests and ts-node load it) is never stale", (t) => {
    t.deepEqual(staleSources(join(tmpdir(), "no-such-project", "index.ts")), []);
});

test("the refusal names the changed sources, at most five, and the command that rebuilds", (t) => {
    const message = staleBuildMessage(["index.ts", "a.ts", "b.ts", "c.ts", "d.ts", "e.ts", "f.ts"]);
    t.regex(message, /index\.ts, a\.ts, b\.ts, c\.ts, d\.ts and 2 more changed after it was built/);
    t.true(message.includes(`Run \`${BUILD_COMMAND}\``));
    t.regex(message, /Nothing was changed\.$/);
});
