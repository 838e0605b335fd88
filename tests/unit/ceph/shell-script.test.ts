import test from "ava";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cephfsClientCaps, clientDeleteScript, clientEnsureScript, poolDeleteScript, poolEnsureScript, rbdClientCaps, remoteScript } from "../../../components/ceph";
import { filesystemDeleteScript, filesystemEnsureScript, subvolumeGroupDeleteScript, subvolumeGroupEnsureScript } from "../../../components/cephfs";
import { rbdNamespaceDeleteScript, rbdNamespaceEnsureScript } from "../../../components/rbd";

const marker = () => join(mkdtempSync(join(tmpdir(), "kube-ceph-quote-")), "pwned");
const hostile = (path: string) => [
    `a;touch ${path}`,
    `$(touch ${path})`,
    `\`touch ${path}\``,
    `'; touch ${path}; '`,
    `"; touch ${path}; "`,
    `x\ntouch ${path}`,
    `\${IFS}touch\${IFS}${path}`,
    `池 && touch ${path}`,
    `-rf /; touch ${path} #`,
];

test("every hostile value survives a real sh as data, never as code", (t) => {
    const path = marker();
    for (const value of hostile(path)) {
        // The script's assignments run in a real shell; the body only echoes the value back.
        const script = remoteScript({ VALUE: value }, 'printf "%s" "$VALUE"');
        const echoed = execFileSync("sh", ["-c", script.replace(/^CEPH_ARGS=.*\nexport CEPH_ARGS\n/m, "")], { encoding: "utf8" });
        t.is(echoed, value);
        t.false(existsSync(path), `value ${JSON.stringify(value)} executed`);
    }
    rmSync(join(path, ".."), { recursive: true, force: true });
});

test("script variables are emitted in sorted order so plans are stable", (t) => {
    const script = remoteScript({ ZETA: "1", ALPHA: "2", MID: undefined }, "true");
    const names = script.split("\n").filter((l) => /^[A-Z_]+=/.test(l) && !l.startsWith("CEPH_ARGS")).map((l) => l.split("=")[0]);
    t.deepEqual(names, ["ALPHA", "MID", "ZETA"]);
});

test("variable names are restricted, so a key can never inject code either", (t) => {
    t.throws(() => remoteScript({ "X;rm": "1" }, "true"), { message: /UPPER_SNAKE_CASE/ });
});

test("the Ceph scripts quote hostile names even though config validation would reject them", (t) => {
    const path = marker();
    for (const value of hostile(path)) {
        const scripts = [
            poolEnsureScript({ name: value, deletionPolicy: "delete", owner: value }),
            poolDeleteScript({ name: value, deletionPolicy: "delete", owner: value }),
            poolEnsureScript({ name: value, deletionPolicy: "delete", owner: value, erasureCoded: { k: 2, m: 1, failureDomain: value } }),
            poolDeleteScript({ name: value, deletionPolicy: "delete", owner: value, erasureCoded: { k: 2, m: 1, failureDomain: value } }),
            clientEnsureScript({ name: value, owner: value, caps: rbdClientCaps([value, value]), adoptedCaps: { mon: value, osd: value } }),
            clientDeleteScript({ name: value, owner: value, caps: rbdClientCaps([value]) }),
            clientEnsureScript({ name: value, owner: value, caps: rbdClientCaps([value], value) }, "update"),
            rbdNamespaceEnsureScript({ pool: value, namespace: value, deletionPolicy: "delete", owner: value }),
            rbdNamespaceDeleteScript({ pool: value, namespace: value, deletionPolicy: "delete", owner: value }),
            clientEnsureScript({ name: value, owner: value, caps: cephfsClientCaps("node", [value], value) }),
            filesystemEnsureScript({ name: value, deletionPolicy: "delete", owner: value }),
            filesystemDeleteScript({ name: value, deletionPolicy: "delete", owner: value }),
            subvolumeGroupEnsureScript({ filesystem: value, group: value, deletionPolicy: "delete", owner: value }),
            subvolumeGroupDeleteScript({ filesystem: value, group: value, deletionPolicy: "delete", owner: value }),
        ];
        for (const script of scripts) {
            // Run only the assignments: the bodies need a Ceph cluster (the lab tier runs them).
            const assignments = script.split("\n").slice(0, script.split("\n").findIndex((l) => /^(if|rbd|ceph) /.test(l)));
            execFileSync("sh", ["-c", assignments.join("\n")]);
            t.false(existsSync(path), `value ${JSON.stringify(value)} executed`);
        }
    }
});
