// The debug-log redaction rule, checked against every payload the runtime's debug lines can
// carry. That the program installs it is shown by engine-debug-log.test.ts, which must not
// import this module (importing it installs it).
import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { redactRpcPayload } from "../../../components/program";
import { FAKE_CEPH_KEY } from "../../harness";

const RUNTIME = join(dirname(require.resolve("@pulumi/pulumi/package.json")), "runtime");

/** Every `${...}` in a log.debug call of the runtime that prints a payload, with the literal text before it. */
function payloadInterpolations(): { file: string; prefix: string; expression: string }[] {
    const found: { file: string; prefix: string; expression: string }[] = [];
    for (const file of readdirSync(RUNTIME).filter((f) => f.endsWith(".js"))) {
        const source = readFileSync(join(RUNTIME, file), "utf8");
        for (const call of source.matchAll(/log\.debug\(([\s\S]*?)\);/g)) {
            for (const part of call[1].matchAll(/`([^`$]*(?:\$\{[^}]*\}[^`$]*)*)`/g)) {
                for (const hole of part[1].matchAll(/([^`}]*?)\$\{([^}]*)\}/g)) {
                    if (/innerResponse|JSON\.stringify|^prop$/.test(hole[2])) {
                        found.push({ file, prefix: hole[1], expression: hole[2] });
                    }
                }
            }
        }
    }
    return found;
}

test("every runtime debug line that prints a response or inputs loses that payload", (t) => {
    const holes = payloadInterpolations();
    // The RPC-finished lines of registerResource, readResource, getResource, invoke, call and
    // registerResourceOutputs, and the excessive-debug dumps: fewer means the scan broke.
    t.true(holes.length >= 12, `found only ${holes.length}: ${JSON.stringify(holes)}`);
    for (const { file, prefix, expression } of holes) {
        const line = `${prefix}${FAKE_CEPH_KEY}`;
        t.false(redactRpcPayload(line).includes(FAKE_CEPH_KEY), `${file}: "${prefix}\${${expression}}" keeps its payload`);
    }
    t.true(holes.some((h) => /getResource Invoke RPC finished: err: /.test(h.prefix + "err: ") || /resp: $/.test(h.prefix)));
});

test("lines without a payload are left as they are", (t) => {
    for (const line of ["Registering resource: t=command:remote:Command, name=ceph-pool, custom=true, remote=false", "Getting resource: urn=urn:pulumi:x::y::z", "Serialize property [create]: Output<T>"]) {
        t.is(redactRpcPayload(line), line);
    }
});
