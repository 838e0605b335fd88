import test from "ava";
import type { ImageFeature } from "../../../components/config";
import type { CrushTunables, Monitor } from "../../../components/live";
import { parseHealth, parseMdsMap, parseMgrModules, parseMonDump, parseTunables } from "../../../components/live";
import { checkCephfsJournals, checkHealth, checkKernels, checkMds, checkMgrModules, checkProvisionerSupported, poolDeletionWarnings, incompatibleNodes, kernelRequirements, PreflightError, RBD_MGR_MODULES } from "../../../components/preflight";

const MONS: Monitor[] = [{ name: "a", v1: "10.0.0.1:6789", v2: "10.0.0.1:3300" }];
const NONE: CrushTunables = { profile: "argonaut", requireTunables: false, requireTunables2: false, requireTunables3: false, hasV4Buckets: false, requireTunables5: false };
const HAMMER: CrushTunables = { profile: "hammer", requireTunables: true, requireTunables2: true, requireTunables3: true, hasV4Buckets: true, requireTunables5: false };
const JEWEL: CrushTunables = { ...HAMMER, profile: "jewel", requireTunables5: true };

/** [kernel, tunables, features, monitors, the features that must be reported missing] */
const TABLE: [string, CrushTunables, ImageFeature[], Monitor[], string[]][] = [
    ["4.4.247-1.el7.elrepo.x86_64", JEWEL, ["layering"], MONS, ["chooseleaf_stable"]],
    ["4.4.247-1.el7.elrepo.x86_64", HAMMER, ["layering"], MONS, []],
    ["4.0.0", HAMMER, ["layering"], MONS, ["straw2"]],
    ["3.10.0-1160.el7.x86_64", HAMMER, ["layering"], MONS, ["straw2", "chooseleaf_vary_r"]],
    ["4.5.0", JEWEL, ["layering"], MONS, []],
    ["4.8.17", JEWEL, ["layering", "exclusive-lock"], MONS, ["exclusive-lock"]],
    ["4.9.0", JEWEL, ["layering", "exclusive-lock"], MONS, []],
    ["5.0.21", JEWEL, ["layering", "deep-flatten"], MONS, ["deep-flatten"]],
    ["5.1.0", JEWEL, ["layering", "deep-flatten"], MONS, []],
    ["5.2.0", JEWEL, ["layering", "exclusive-lock", "object-map", "fast-diff"], MONS, ["object-map", "fast-diff"]],
    ["5.3.0", JEWEL, ["layering", "exclusive-lock", "object-map", "fast-diff"], MONS, []],
    ["6.8.0", JEWEL, ["layering", "journaling"], MONS, ["journaling"]],
    ["5.10.0", NONE, ["layering"], [{ name: "a", v2: "10.0.0.1:3300" }], ["msgr2"]],
    ["5.11.0", NONE, ["layering"], [{ name: "a", v2: "10.0.0.1:3300" }], []],
    ["not-a-version", NONE, ["layering"], MONS, ["layering"]],
];

for (const [kernel, tunables, features, monitors, missing] of TABLE) {
    test(`kernel ${kernel} vs ${tunables.profile} + ${features.join(",")}${monitors[0].v1 ? "" : " + v2-only mons"}: missing [${missing.join(", ")}]`, (t) => {
        const problems = incompatibleNodes([{ name: "n1", kernelVersion: kernel }], kernelRequirements(tunables, monitors, features));
        t.deepEqual(problems.length, missing.length, JSON.stringify(problems.map((p) => p.requirement.feature)));
        for (const feature of missing) {
            t.true(problems.some((p) => p.requirement.feature.includes(feature)), feature);
        }
    });
}

test("the refusal names node, kernel, feature bit and each fix", (t) => {
    const error = t.throws(() => checkKernels([{ name: "node-1", kernelVersion: "4.4.247-1.el7.elrepo.x86_64" }, { name: "node-2", kernelVersion: "6.1.0" }], kernelRequirements(JEWEL, MONS, ["layering"])), { instanceOf: PreflightError });
    t.regex(error!.message, /node node-1 \(kernel 4\.4\.247-1\.el7\.elrepo\.x86_64\): CRUSH chooseleaf_stable, feature bit 400000000000000/);
    t.regex(error!.message, /needs kernel >= 4\.5\.0/);
    t.regex(error!.message, /upgrade the node's kernel/);
    t.regex(error!.message, /ceph osd crush tunables hammer/);
    t.regex(error!.message, /rbd-nbd/);
    t.notRegex(error!.message, /node-2/);
});

test("health policy: ok admits only HEALTH_OK, warn admits WARN, off admits ERR", (t) => {
    const warn = { status: "HEALTH_WARN", checks: [{ name: "OSDMAP_FLAGS", severity: "HEALTH_WARN", message: "noout flag(s) set", detail: [] }] };
    const err = { status: "HEALTH_ERR", checks: [{ name: "OSD_FULL", severity: "HEALTH_ERR", message: "1 full osd(s)", detail: ["osd.0 is full"] }] };
    t.notThrows(() => checkHealth("ok", { status: "HEALTH_OK", checks: [] }));
    t.throws(() => checkHealth("ok", warn), { message: /HEALTH_WARN[\s\S]*OSDMAP_FLAGS \(HEALTH_WARN\): noout flag\(s\) set/ });
    t.notThrows(() => checkHealth("warn", warn));
    t.throws(() => checkHealth("warn", err), { message: /OSD_FULL[\s\S]*osd\.0 is full/ });
    t.notThrows(() => checkHealth("off", err));
});

test("in-tree is refused from Kubernetes 1.31 on, accepted before, and other kinds never", (t) => {
    t.throws(() => checkProvisionerSupported("in-tree", { serverVersion: "v1.31.0" }), { instanceOf: PreflightError });
    t.throws(() => checkProvisionerSupported("in-tree", { serverVersion: "v1.36.3+k3s1" }), { instanceOf: PreflightError });
    t.notThrows(() => checkProvisionerSupported("in-tree", { serverVersion: "v1.30.14" }));
    t.notThrows(() => checkProvisionerSupported("csi", { serverVersion: "v1.36.3" }));
});

test("ceph-csi is refused below Kubernetes 1.30, naming the version and the table, and warned about above 1.36", (t) => {
    for (const serverVersion of ["v1.29.15", "v1.25.0-eks-1234", "v1.18.20"]) {
        const error = t.throws(() => checkProvisionerSupported("csi", { serverVersion }), { instanceOf: PreflightError });
        t.regex(error.message, new RegExp(`Kubernetes ${serverVersion.replace(/\./g, "\\.")};.*provisioner\\.kind "csi".*1\\.30 and later \\(README, "Supported versions"\\).*Nothing was changed`));
    }
    for (const serverVersion of ["v1.30.0", "v1.30.14", "v1.33.1+k3s1", "v1.36.3", "v1.36.9"]) {
        t.deepEqual(checkProvisionerSupported("csi", { serverVersion }), [], serverVersion);
    }
    const [warning, ...more] = checkProvisionerSupported("csi", { serverVersion: "v1.37.0" });
    t.deepEqual(more, []);
    t.regex(warning, /Kubernetes v1\.37\.0, newer than the newest version kube-ceph is known to work with, 1\.36/);
    t.deepEqual(checkProvisionerSupported("csi", { serverVersion: "v2.0.1" }).length, 1);
    // The legacy kinds keep their own limits: no floor.
    t.deepEqual(checkProvisionerSupported("in-tree", { serverVersion: "v1.18.20" }), []);
    t.deepEqual(checkProvisionerSupported("external", { serverVersion: "v1.18.20" }), []);
});

/** [server version, whether it fills selfLink (undefined: not read), refused?] */
const EXTERNAL: [string, boolean | undefined, boolean][] = [
    ["v1.19.16", undefined, false],
    ["v1.20.0", true, false],
    ["v1.20.0", false, true],
    ["v1.23.17", true, false],
    ["v1.23.17", false, true],
    ["v1.24.0", undefined, true],
    ["v1.24.0", true, true],
    ["v1.30.14", undefined, true],
];
for (const [serverVersion, selfLinkFilled, refused] of EXTERNAL) {
    test(`external on ${serverVersion}${selfLinkFilled === undefined ? "" : selfLinkFilled ? " with selfLink" : " without selfLink"}: ${refused ? "refused" : "accepted"}`, (t) => {
        const run = () => checkProvisionerSupported("external", { serverVersion, ...(selfLinkFilled === undefined ? {} : { selfLinkFilled }) });
        if (!refused) {
            t.notThrows(run);
            return;
        }
        const error = t.throws(run, { instanceOf: PreflightError });
        t.true(error!.message.includes(`Kubernetes ${serverVersion}`), "names the server version");
        t.regex(error!.message, /selfLink/);
        t.regex(error!.message, /kube-ceph:provisioner\.kind to "csi"/);
    });
}

test("parsers read the JSON shapes ceph prints", (t) => {
    t.deepEqual(parseMonDump({ mons: [
        { name: "b", public_addrs: { addrvec: [{ type: "v2", addr: "127.0.0.12:3300", nonce: 0 }, { type: "v1", addr: "127.0.0.12:6789", nonce: 0 }] } },
        { name: "a", public_addrs: { addrvec: [{ type: "v2", addr: "127.0.0.11:3300", nonce: 0 }] } },
    ] }), [{ name: "a", v2: "127.0.0.11:3300" }, { name: "b", v1: "127.0.0.12:6789", v2: "127.0.0.12:3300" }]);
    t.deepEqual(parseHealth({ status: "HEALTH_WARN", checks: { Z: { severity: "HEALTH_WARN", summary: { message: "z" } }, A: { severity: "HEALTH_WARN", summary: { message: "a" }, detail: [{ message: "d" }] } } }).checks.map((c) => c.name), ["A", "Z"]);
    t.true(parseTunables({ profile: "jewel", require_feature_tunables5: 1, has_v4_buckets: 1 }).requireTunables5);
    t.false(parseTunables({ profile: "hammer", require_feature_tunables5: 0 }).requireTunables5);
});

test("mgr modules: always-on (a list, or one per release before Octopus) and enabled ones count; a missing rbd_support is refused with the command that enables it", (t) => {
    t.deepEqual(parseMgrModules({ always_on_modules: ["rbd_support", "volumes"], enabled_modules: ["iostat"], disabled_modules: [{ name: "alerts" }] }), ["iostat", "rbd_support", "volumes"]);
    t.deepEqual(parseMgrModules({ always_on_modules: { nautilus: ["balancer", "rbd_support"] }, enabled_modules: [] }), ["balancer", "rbd_support"]);
    t.notThrows(() => checkMgrModules(RBD_MGR_MODULES, ["iostat", "rbd_support"]));
    const error = t.throws(() => checkMgrModules(RBD_MGR_MODULES, ["iostat", "volumes"]), { instanceOf: PreflightError });
    t.regex(error!.message, /does not run the rbd_support module, which ceph-csi needs\. Turn it on with `ceph mgr module enable rbd_support`/);
    t.regex(error!.message, /Nothing was changed/);
});

/** `ceph fs dump -f json` as Pacific prints it, trimmed: kcfs served by mds.a, one standby (mds.b). */
const FS_DUMP = {
    epoch: 12,
    standbys: [{ gid: 4170, name: "b", state: "up:standby" }],
    filesystems: [
        { id: 1, mdsmap: { fs_name: "kcfs", info: { gid_4160: { gid: 4160, name: "a", state: "up:active" } } } },
        { id: 2, mdsmap: { fs_name: "old", info: {} } },
    ],
};

test("the MDS map: active ranks per filesystem and the standbys", (t) => {
    t.deepEqual(parseMdsMap(FS_DUMP), { active: { kcfs: 1, old: 0 }, standbys: 1 });
    t.deepEqual(parseMdsMap({ epoch: 1, standbys: [], filesystems: [] }), { active: {}, standbys: 0 });
});

test("MDS preflight: an existing filesystem needs an active MDS, each new one a standby to take it", (t) => {
    const map = parseMdsMap(FS_DUMP);
    t.notThrows(() => checkMds(["kcfs"], map));
    t.notThrows(() => checkMds(["kcfs", "new"], map), "one standby takes one new filesystem");
    const offline = t.throws(() => checkMds(["old"], map), { instanceOf: PreflightError });
    t.regex(offline!.message, /filesystem old has no active MDS \(see ceph fs status\)[\s\S]*Nothing was changed/);
    const tooMany = t.throws(() => checkMds(["kcfs", "new1", "new2"], map), { instanceOf: PreflightError });
    t.regex(tooMany!.message, /would create 2 filesystem\(s\) \(new1, new2\), but 1 MDS daemon\(s\) stand by/);
});

test("checkCephfsJournals: a group keeps the journal namespace its live ClientProfile has; a new group, or the same namespace, passes", (t) => {
    const clusterIdOf = (group: string) => `fsid-cephfs-${group}`;
    const profiles = [{ name: "fsid-cephfs-a", cephfsRadosNamespace: "one" }, { name: "fsid-cephfs-b" }, { name: "other-cluster-cephfs-c", cephfsRadosNamespace: "x" }];
    t.notThrows(() => checkCephfsJournals([{ key: "k0", subvolumeGroup: "a", radosNamespace: "one" }, { key: "k1", subvolumeGroup: "b" }, { key: "k2", subvolumeGroup: "c", radosNamespace: "new" }], clusterIdOf, profiles));
    const error = t.throws(() => checkCephfsJournals([
        { key: "k0", subvolumeGroup: "a", radosNamespace: "two" },
        { key: "k1", subvolumeGroup: "a", radosNamespace: "two" },
        { key: "k2", subvolumeGroup: "b", radosNamespace: "set-later" },
        { key: "k3", subvolumeGroup: "a" },
    ], clusterIdOf, profiles), { instanceOf: PreflightError });
    // Group a is named once (its first class), group b too; the unset one reads as ceph-csi's default.
    t.is(error!.message,
        "k0 is two, but subvolume group a's ClientProfile fsid-cephfs-a keeps its journal in rados namespace one, where ceph-csi finds the group's existing volumes; set it back, or give the new namespace to a new subvolumeGroup; " +
        "k2 is set-later, but subvolume group b's ClientProfile fsid-cephfs-b keeps its journal in rados namespace unset (ceph-csi's default, csi), where ceph-csi finds the group's existing volumes; set it back, or give the new namespace to a new subvolumeGroup. Nothing was changed.");
});

test("pool deletion: a warning names every pool and filesystem that may be deleted while the mons refuse it, and the command that allows it", (t) => {
    const keys = ["kube-ceph:pools.fast.deletionPolicy", "kube-ceph:filesystems.shared.deletionPolicy"];
    const [warning, ...more] = poolDeletionWarnings(keys, false);
    t.deepEqual(more, []);
    t.regex(warning, /^kube-ceph:pools\.fast\.deletionPolicy, kube-ceph:filesystems\.shared\.deletionPolicy are "delete", but mon_allow_pool_delete is false in the mons' config database/);
    t.regex(warning, /EPERM: pool deletion is disabled.*ceph config set mon mon_allow_pool_delete true/);
    t.deepEqual(poolDeletionWarnings(keys, true), []);
    t.deepEqual(poolDeletionWarnings([], false), []);
});
