// The live reader against the real lab: discovery, health and host-key pinning over SSH.
import test from "ava";
import { execFileSync } from "node:child_process";
import { readCeph } from "../../components/live";
import { userOwnerRecord } from "../../components/ceph";
import { ceph, cephJson, labHost, labPrivateKey, MONS, rbd, SSH_PORT } from "../../lab/lab";
import { dropPool, escapeRegExp, onMon, uniqueName } from "../lab";

const ALL = { discovery: true, health: true, tunables: true };

test.serial("discovery returns the cluster's own fsid and all three mons with v1 and v2 addresses", async (t) => {
    const reading = await readCeph(MONS.map((m) => labHost(m)), labPrivateKey(), ALL);
    t.is(reading.fsid, cephJson<{ fsid: string }>("fsid").fsid);
    t.deepEqual(reading.monitors, ["a", "b", "c"].map((name, i) => ({ name, v1: `${MONS[i]}:6789`, v2: `${MONS[i]}:3300` })));
    t.is(reading.health!.status, "HEALTH_OK");
    t.is(reading.tunables!.profile, cephJson<{ profile: string }>("osd", "crush", "show-tunables").profile);
    t.deepEqual(reading.skipped, []);
    t.is(reading.host.host, MONS[0]);
});

test.serial("the same round trip reads the release every daemon type runs, as `ceph versions` says", async (t) => {
    const reading = await readCeph([labHost()], labPrivateKey(), { ...ALL, releases: true });
    const listed = cephJson<Record<string, Record<string, number>>>("versions");
    t.deepEqual(reading.releases!.map((r) => r.daemon), Object.keys(listed).filter((d) => d !== "overall").sort());
    for (const release of reading.releases!) {
        t.true(Object.keys(listed[release.daemon]).some((line) => line.startsWith(`ceph version ${release.version} `) && line.includes(` ${release.name} `)), JSON.stringify(release));
    }
    t.is(reading.health!.status, "HEALTH_OK", "the other readings are still there");
});

test.serial("the same round trip reads whether the mons allow pool deletion, as the mons' config database says", async (t) => {
    const before = ceph("config", "get", "mon", "mon_allow_pool_delete").trim();
    t.teardown(() => ceph("config", "set", "mon", "mon_allow_pool_delete", before));
    for (const allowed of [false, true]) {
        ceph("config", "set", "mon", "mon_allow_pool_delete", String(allowed));
        const reading = await readCeph([labHost()], labPrivateKey(), { ...ALL, poolDeletion: true });
        t.is(reading.poolDeletionAllowed, allowed);
        t.is(reading.health!.status, "HEALTH_OK", "the other readings are still there");
    }
    t.is((await readCeph([labHost()], labPrivateKey(), ALL)).poolDeletionAllowed, undefined, "not read unless asked for");
});

test.serial("the same round trip reads the mgr modules that are on: Pacific runs rbd_support and volumes always", async (t) => {
    const reading = await readCeph([labHost()], labPrivateKey(), { ...ALL, mgrModules: true });
    t.true(reading.mgrModules!.includes("rbd_support"), reading.mgrModules!.join(", "));
    t.true(reading.mgrModules!.includes("volumes"));
    const listed = cephJson<{ enabled_modules: string[] }>("mgr", "module", "ls");
    for (const module of listed.enabled_modules) {
        t.true(reading.mgrModules!.includes(module), module);
    }
    t.is(reading.health!.status, "HEALTH_OK", "the other readings are still there");
});

test.serial("the same read returns an existing user's key, caps and owner record, and none for a user that does not exist", async (t) => {
    const user = `client.livekey${process.pid}`;
    ceph("auth", "get-or-create", user, "mon", "profile rbd", "osd", "profile rbd pool=a");
    ceph("config-key", "set", userOwnerRecord(user), "organization.kube-ceph.reader adopted");
    t.teardown(() => void (ceph("auth", "rm", user), ceph("config-key", "rm", userOwnerRecord(user))));
    const reading = await readCeph([labHost()], labPrivateKey(), { ...ALL, userKeys: [user, `client.nosuch${process.pid}`] });
    t.deepEqual(reading.userKeys, { [user]: ceph("auth", "get-key", user).trim() });
    t.deepEqual(reading.userCaps, { [user]: { mon: "profile rbd", osd: "profile rbd pool=a" } });
    t.is(reading.userOwners![user], "organization.kube-ceph.reader adopted");
    t.false(`client.nosuch${process.pid}` in reading.userOwners!);
    t.is(reading.fsid, cephJson<{ fsid: string }>("fsid").fsid, "the other readings are still there");
    const none = await readCeph([labHost()], labPrivateKey(), { ...ALL, userKeys: [`client.nosuch${process.pid}`] });
    t.deepEqual(none.userKeys, {});
    t.deepEqual(none.userCaps, {});
    t.is(none.health!.status, "HEALTH_OK");
});

test.serial("a host presenting another key than the pinned one is refused, naming both fingerprints", async (t) => {
    const wrong = { ...labHost(MONS[0]), hostKey: labHost(MONS[1]).hostKey };
    const error = await t.throwsAsync(readCeph([wrong, labHost(MONS[1])], labPrivateKey(), ALL));
    t.regex(error!.message, new RegExp(`host key of ${escapeRegExp(`${MONS[0]}:${SSH_PORT}`)} does not match`));
    t.regex(error!.message, /pinned SHA256:[A-Za-z0-9+/]+, presented SHA256:[A-Za-z0-9+/]+/);
});

test.serial("an unreachable first host is skipped with its reason and the next one answers", async (t) => {
    const dead = { host: MONS[0], port: 1, user: "root" };
    const reading = await readCeph([dead, labHost(MONS[1])], labPrivateKey(), { discovery: true, health: false, tunables: false });
    t.is(reading.host.host, MONS[1]);
    t.is(reading.skipped.length, 1);
    t.regex(reading.skipped[0].reason, /ECONNREFUSED/);
});

test.serial("hostile values reach the mon host as data: the marker file is never created", async (t) => {
    const { remoteScript } = await import("../../components/ceph");
    const marker = `/tmp/kube-ceph-marker-${process.pid}`;
    for (const value of [`a;touch ${marker}`, `$(touch ${marker})`, `\`touch ${marker}\``, `'; touch ${marker}; '`, `x\ntouch ${marker}`]) {
        const echoed = await onMon(remoteScript({ VALUE: value }, 'printf "%s" "$VALUE"'));
        t.is(echoed, value);
    }
    // The lab's mon hosts are this machine, so the marker would appear here.
    t.throws(() => execFileSync("test", ["-e", marker]));
});

test.serial("pool data: up to five RBD objects of each pool asked about, in every rados namespace; none for an empty or missing pool", async (t) => {
    const full = uniqueName("tdata");
    const empty = uniqueName("tempty");
    t.teardown(() => {
        dropPool(full);
        dropPool(empty);
    });
    for (const pool of [full, empty]) {
        ceph("osd", "pool", "create", pool, "8");
        rbd("pool", "init", pool);
    }
    rbd("namespace", "create", `${full}/tenant`);
    rbd("create", "--size", "1M", `${full}/tenant/vol`);
    // An image deleted leaves rbd_directory and friends behind: they are not data.
    rbd("create", "--size", "1M", `${empty}/gone`);
    rbd("rm", `${empty}/gone`);
    const reading = await readCeph([labHost()], labPrivateKey(), { discovery: false, health: false, tunables: false, poolData: [full, empty, `${empty}-missing`] });
    t.true(reading.poolData![full].includes("tenant/rbd_id.vol"), JSON.stringify(reading.poolData));
    t.true(reading.poolData![full].some((o) => o.startsWith("tenant/rbd_header.")), JSON.stringify(reading.poolData));
    t.deepEqual(reading.poolData![empty], []);
    t.deepEqual(reading.poolData![`${empty}-missing`], []);
});
