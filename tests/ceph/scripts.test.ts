// Every Ceph script, run for real over SSH against the lab cluster, twice in a row:
// a second run after a cut connection must be safe.
import test from "ava";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clientDeleteScript, clientEnsureScript, erasureCodeProfile, OWNER_KEY, poolDeleteScript, poolEnsureScript, rbdClientCaps, userKeyScript, userOwnerRecord } from "../../components/ceph";
import { rbdNamespaceDeleteScript, rbdNamespaceEnsureScript } from "../../components/rbd";
import { filesystemDeleteScript, filesystemEnsureScript, filesystemOwnerKey, subvolumeGroupDeleteScript, subvolumeGroupEnsureScript } from "../../components/cephfs";
import { ceph, cephJson, rados, rbd } from "../../lab/lab";
import { cleanUp, dropPool, onMon, poolDetail, poolExists, rbdAs, uniqueName } from "../lab";

const OWNER = "organization.kube-ceph.ceph-tier";

test.serial("pool ensure creates, tags for rbd and the owner, applies pgNum; a second run changes nothing", async (t) => {
    const name = uniqueName("tpool");
    const args = { name, pgNum: 16, deletionPolicy: "delete" as const, owner: OWNER };
    t.teardown(() => dropPool(name));
    const first = JSON.parse(await onMon(poolEnsureScript(args)));
    const second = JSON.parse(await onMon(poolEnsureScript(args)));
    t.deepEqual(first, { origin: "created", pool: name });
    t.deepEqual(second, first);
    const pool = poolDetail(name);
    t.is(pool.pg_num_target, 16);
    t.deepEqual(Object.keys(pool.application_metadata), ["rbd"]);
    t.is(pool.application_metadata.rbd[OWNER_KEY], OWNER);
    t.is(pool.pg_autoscale_mode, "off");
});

test.serial("pool ensure applies a pgNum change in place", async (t) => {
    const name = uniqueName("tpool");
    t.teardown(() => dropPool(name));
    await onMon(poolEnsureScript({ name, pgNum: 8, deletionPolicy: "delete", owner: OWNER }));
    await onMon(poolEnsureScript({ name, pgNum: 32, deletionPolicy: "delete", owner: OWNER }));
    t.is(poolDetail(name).pg_num_target, 32, "Ceph converges pg_num to the target over time");
});

test.serial("an existing pool is adopted, never claimed, and delete keeps it", async (t) => {
    const name = uniqueName("tadopt");
    t.teardown(() => dropPool(name));
    ceph("osd", "pool", "create", name, "8");
    const args = { name, deletionPolicy: "delete" as const, owner: OWNER };
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "adopted", pool: name });
    await onMon(poolDeleteScript(args));
    await onMon(poolDeleteScript(args));
    t.truthy(poolDetail(name), "an adopted pool must survive delete");
});

test.serial("an adopted pool keeps its owner's placement and size when config sets neither; an explicit pgNum is applied", async (t) => {
    const name = uniqueName("tkeep");
    t.teardown(() => dropPool(name));
    ceph("osd", "pool", "create", name, "8");
    ceph("osd", "pool", "set", name, "pg_autoscale_mode", "off");
    const sizeBefore = poolDetail(name).size;
    const args = { name, deletionPolicy: "retain" as const, owner: OWNER };
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "adopted", pool: name });
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "adopted", pool: name });
    t.is(poolDetail(name).pg_autoscale_mode, "off", "kube-ceph must not hand an adopted pool to the autoscaler");
    t.is(poolDetail(name).pg_num_target, 8);
    t.is(poolDetail(name).size, sizeBefore);
    // A key the user sets is the exception: it is applied.
    await onMon(poolEnsureScript({ ...args, pgNum: 16 }));
    t.is(poolDetail(name).pg_num_target, 16);
});

test.serial("a pool this stack created goes to the autoscaler when config sets no pgNum", async (t) => {
    const name = uniqueName("tauto");
    t.teardown(() => dropPool(name));
    const args = { name, deletionPolicy: "delete" as const, owner: OWNER };
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "created", pool: name });
    t.is(poolDetail(name).pg_autoscale_mode, "on");
});

test.serial("a pool used by another application is refused", async (t) => {
    const name = uniqueName("tfs");
    t.teardown(() => dropPool(name));
    ceph("osd", "pool", "create", name, "8");
    ceph("osd", "pool", "application", "enable", name, "cephfs");
    const error = await t.throwsAsync(onMon(poolEnsureScript({ name, deletionPolicy: "retain", owner: OWNER })));
    t.regex(error!.message, /used by another application/);
});

test.serial("retain keeps the pool on delete; delete removes it, twice is fine", async (t) => {
    const name = uniqueName("tdel");
    t.teardown(() => dropPool(name));
    await onMon(poolEnsureScript({ name, deletionPolicy: "retain", owner: OWNER }));
    await onMon(poolDeleteScript({ name, deletionPolicy: "retain", owner: OWNER }));
    t.truthy(poolDetail(name));
    await onMon(poolDeleteScript({ name, deletionPolicy: "delete", owner: OWNER }));
    await onMon(poolDeleteScript({ name, deletionPolicy: "delete", owner: OWNER }));
    t.falsy(poolDetail(name));
});

test.serial("delete refuses while the pool holds an RBD image, naming it", async (t) => {
    const name = uniqueName("timg");
    t.teardown(() => dropPool(name));
    const args = { name, deletionPolicy: "delete" as const, owner: OWNER };
    await onMon(poolEnsureScript(args));
    rbd("create", `${name}/precious`, "--size", "16");
    const error = await t.throwsAsync(onMon(poolDeleteScript(args)));
    t.regex(error!.message, /refusing to delete pool .*1 RBD image\(s\): precious/);
    t.truthy(poolDetail(name));
    rbd("rm", `${name}/precious`);
});

test.serial("user ensure creates least-privilege caps, prints only the key's SHA-256 digest; rerun and caps change are in place", async (t) => {
    const name = uniqueName("tuser");
    const pool = uniqueName("tcaps");
    t.teardown(() => ceph("auth", "rm", `client.${name}`));
    const digest1 = (await onMon(clientEnsureScript({ name, owner: OWNER, caps: rbdClientCaps([pool]) }))).trim();
    const digest2 = (await onMon(clientEnsureScript({ name, owner: OWNER, caps: rbdClientCaps([pool]) }))).trim();
    const key = ceph("auth", "get-key", `client.${name}`).trim();
    t.regex(key, /^[A-Za-z0-9+/]+=*$/);
    // The digest of the key, never the key: a failed command's stdout lands in the provider's error.
    t.is(digest1, createHash("sha256").update(key).digest("hex"));
    t.false(digest1.includes(key));
    t.is(digest2, digest1, "a rerun must not rotate the key");
    const caps = () => cephJson<any[]>("auth", "get", `client.${name}`)[0].caps;
    t.deepEqual(caps(), rbdClientCaps([pool]));
    t.is((await onMon(clientEnsureScript({ name, owner: OWNER, caps: rbdClientCaps([`${pool}-b`]) }))).trim(), digest1, "a caps change keeps the key");
    t.deepEqual(caps(), rbdClientCaps([`${pool}-b`]));
    t.is(ceph("auth", "get-key", `client.${name}`).trim(), key, "a caps change keeps the key");
    // What CephUserKey reads afterwards is the key itself, matching the digest.
    t.is((await onMon(userKeyScript(`client.${name}`))).trim(), key);
});

test.serial("user delete removes the user and is safe to repeat", async (t) => {
    const name = uniqueName("tuser");
    const user = { name, owner: OWNER, caps: rbdClientCaps(["x"]) };
    await onMon(clientEnsureScript(user));
    t.is(ceph("config-key", "get", userOwnerRecord(`client.${name}`)).trim(), OWNER, "the owner record is written with the user");
    await onMon(clientDeleteScript(user));
    await onMon(clientDeleteScript(user));
    t.false(ceph("auth", "ls").includes(`client.${name}`));
    t.false(ceph("config-key", "ls").includes(userOwnerRecord(`client.${name}`)), "the owner record goes with the user");
});

/** Removes a test user and its owner record, whatever state the test left them in. */
function dropUser(name: string): void {
    for (const args of [["auth", "rm", `client.${name}`], ["config-key", "rm", userOwnerRecord(`client.${name}`)]]) {
        try {
            ceph(...args);
        } catch {
            // Already gone.
        }
    }
}

test.serial("a user someone else made is refused on create, caps untouched, and never deleted; another stack's user is refused even on update", async (t) => {
    const name = uniqueName("tforeign");
    t.teardown(() => dropUser(name));
    ceph("auth", "get-or-create", `client.${name}`, "mon", "allow r");
    const user = { name, owner: OWNER, caps: rbdClientCaps(["x"]) };
    const error = await t.throwsAsync(onMon(clientEnsureScript(user, "create")));
    t.regex(error!.message, new RegExp(`refusing to take over Ceph user client\\.${name}: it exists and this stack did not make it; .*kube-ceph:client\\.name, or adopt it with kube-ceph:client\\.adoptUsers`));
    const caps = () => cephJson<any[]>("auth", "get", `client.${name}`)[0].caps;
    t.deepEqual(caps(), { mon: "allow r" });
    await onMon(clientDeleteScript(user));
    t.deepEqual(caps(), { mon: "allow r" }, "delete keeps a user this stack did not make");
    // Another stack's record: refused on create and on update, and delete keeps it.
    ceph("config-key", "set", userOwnerRecord(`client.${name}`), "organization.kube-ceph.other");
    for (const phase of ["create", "update"] as const) {
        const refused = await t.throwsAsync(onMon(clientEnsureScript(user, phase)));
        t.regex(refused!.message, new RegExp(`refusing to touch Ceph user client\\.${name}: it belongs to kube-ceph stack organization\\.kube-ceph\\.other`));
    }
    await onMon(clientDeleteScript(user));
    t.deepEqual(caps(), { mon: "allow r" });
});

test.serial("an adopted user gains only the caps it lacks, keeps its key, and delete keeps it and drops only the adoption record", async (t) => {
    const name = uniqueName("tadopt");
    t.teardown(() => dropUser(name));
    ceph("auth", "get-or-create", `client.${name}`, "mon", "allow r", "osd", "allow rw pool=theirs");
    const key = ceph("auth", "get-key", `client.${name}`).trim();
    const user = { name, owner: OWNER, caps: rbdClientCaps(["x"]), adoptedCaps: { mon: "allow r", osd: "allow rw pool=theirs" } };
    await onMon(clientEnsureScript(user, "create"));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${name}`)[0].caps, { mon: "allow r, profile rbd", osd: "allow rw pool=theirs, profile rbd pool=x", mgr: "profile rbd pool=x" });
    t.is(ceph("auth", "get-key", `client.${name}`).trim(), key);
    t.is(ceph("config-key", "get", userOwnerRecord(`client.${name}`)).trim(), `${OWNER} adopted`);
    await onMon(clientDeleteScript(user));
    t.is(ceph("auth", "get-key", `client.${name}`).trim(), key, "an adopted user is never deleted");
    t.false(ceph("config-key", "ls").includes(userOwnerRecord(`client.${name}`)));
});

test.serial("update claims a user made before owner records (already in the stack's state); a run cut after the record finds its own user", async (t) => {
    const name = uniqueName("tlegacy");
    t.teardown(() => dropUser(name));
    ceph("auth", "get-or-create", `client.${name}`, "mon", "profile rbd");
    const user = { name, owner: OWNER, caps: rbdClientCaps(["x"]) };
    await onMon(clientEnsureScript(user, "update"));
    t.is(ceph("config-key", "get", userOwnerRecord(`client.${name}`)).trim(), OWNER);
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${name}`)[0].caps, rbdClientCaps(["x"]));
    // Cut between the record and the create: the next create finds the record and makes the user.
    ceph("auth", "rm", `client.${name}`);
    await onMon(clientEnsureScript(user, "create"));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${name}`)[0].caps, rbdClientCaps(["x"]));
    await onMon(clientDeleteScript(user));
    t.false(ceph("auth", "ls").includes(`client.${name}`), "this stack's own user goes on delete");
});

test.serial("a run cut between creating the pool and tagging it is recognised as this stack's own on the next run", async (t) => {
    const name = uniqueName("tcut");
    t.teardown(() => cleanUp(t, {
        [`drop pool ${name}`]: () => dropPool(name),
        "remove the intent record": () => ceph("config-key", "rm", `kube-ceph/pool-owner/${name}`),
    }));
    // Exactly what the ensure script has done when it dies after `pool create`.
    ceph("config-key", "set", `kube-ceph/pool-owner/${name}`, OWNER);
    ceph("osd", "pool", "create", name, "8");
    const args = { name, deletionPolicy: "delete" as const, owner: OWNER };
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "created", pool: name });
    t.is(poolDetail(name).application_metadata.rbd[OWNER_KEY], OWNER);
    await onMon(poolDeleteScript(args));
    t.falsy(poolDetail(name));
    t.false(ceph("config-key", "ls").includes(`kube-ceph/pool-owner/${name}`), "the intent record goes with the pool");
});

/** Removes an erasure-coded pool and its profile regardless of who made them (test clean-up only). */
function dropErasureCodedPool(name: string): void {
    dropPool(name);
    ceph("osd", "erasure-code-profile", "rm", erasureCodeProfile(name));
}

test.serial("an erasure-coded pool: its own profile, overwrites on, librbd's data-pool check already written; a rerun changes nothing, and another k or m is refused", async (t) => {
    const name = uniqueName("tec");
    const args = { name, erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" as const, owner: OWNER };
    t.teardown(() => dropErasureCodedPool(name));
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "created", pool: name });
    t.deepEqual(JSON.parse(await onMon(poolEnsureScript(args))), { origin: "created", pool: name });
    const pool = poolDetail(name);
    t.is(pool.erasure_code_profile, erasureCodeProfile(name));
    t.true(pool.flags_names.split(",").includes("ec_overwrites"), pool.flags_names);
    t.is(pool.application_metadata.rbd[OWNER_KEY], OWNER);
    // The data-pool check librbd would make on first use is already done: a tenant cannot write it.
    t.is(rados("-p", name, "get", "rbd_info", "-"), "overwrite validated");
    const profile = cephJson<Record<string, string>>("osd", "erasure-code-profile", "get", erasureCodeProfile(name));
    t.like(profile, { "k": "2", "m": "1", "crush-failure-domain": "osd" });
    const error = await t.throwsAsync(onMon(poolEnsureScript({ ...args, erasureCoded: { k: 3, m: 1, failureDomain: "osd" } })));
    t.regex(error!.message, new RegExp(`pool ${name} already exists with erasure-code profile ${erasureCodeProfile(name)} \\(k=2 m=1 \\); an erasure-coded pool's k and m cannot change`));
});

test.serial("an erasure-coded pool is refused over a replicated pool of the same name", async (t) => {
    const name = uniqueName("tecr");
    t.teardown(() => dropPool(name));
    ceph("osd", "pool", "create", name, "8");
    const error = await t.throwsAsync(onMon(poolEnsureScript({ name, erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "retain", owner: OWNER })));
    t.regex(error!.message, /already exists and is replicated, not erasure-coded/);
});

test.serial("one user's caps name both pools: it makes, writes and reads an image whose data is in the erasure-coded pool, which keeps its data from delete until the image goes", async (t) => {
    const meta = uniqueName("tmeta");
    const data = uniqueName("tdata");
    const user = uniqueName("tecuser");
    const image = `${meta}/vol`;
    t.teardown(() => cleanUp(t, {
        // The test removes the image itself when it gets that far.
        "image": () => poolExists(meta) && rbd("ls", meta).split("\n").includes("vol") && rbd("rm", image),
        "user": () => ceph("auth", "rm", `client.${user}`),
        "metadata pool": () => dropPool(meta),
        "data pool": () => dropErasureCodedPool(data),
    }));
    const ec = { name: data, erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" as const, owner: OWNER };
    await onMon(poolEnsureScript({ name: meta, deletionPolicy: "delete", owner: OWNER }));
    await onMon(poolEnsureScript(ec));
    await onMon(clientEnsureScript({ name: user, owner: OWNER, caps: rbdClientCaps([data, meta]) }));
    t.deepEqual(cephJson<any[]>("auth", "get", `client.${user}`)[0].caps, rbdClientCaps([data, meta]));
    const key = ceph("auth", "get-key", `client.${user}`).trim();

    // What ceph-csi does for a class with a dataPool, with the user's key alone: make the image with
    // its data elsewhere, write, read back.
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-ec-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const written = randomBytes(64 * 1024);
    writeFileSync(join(dir, "in"), written);
    rbdAs(user, key, "import", "--image-feature", "layering", "--data-pool", data, join(dir, "in"), image);
    t.regex(rbdAs(user, key, "info", image), new RegExp(`data_pool: ${data}`));
    rbdAs(user, key, "export", image, join(dir, "out"));
    t.true(readFileSync(join(dir, "out")).equals(written), "the data read back is the data written");

    // The data pool's delete sees the image's data objects, which its metadata pool lists.
    const refused = await t.throwsAsync(onMon(poolDeleteScript(ec)));
    t.regex(refused!.message, new RegExp(`refusing to delete pool ${data}: it still holds the data of RBD images \\(objects: [^)]*rbd_data\\.`));
    t.truthy(poolDetail(data), "a data pool with image data must survive delete");
    rbd("rm", image);
    await onMon(poolDeleteScript(ec));
    t.falsy(poolDetail(data), "an empty data pool of this stack, set to delete, is deleted");
    t.throws(() => ceph("osd", "erasure-code-profile", "get", erasureCodeProfile(data)), undefined, "its profile goes with it");
});

/** The pool's rados namespaces, as `rbd namespace ls` lists them. */
function namespaces(pool: string): string[] {
    return (JSON.parse(rbd("namespace", "ls", pool, "--format", "json")) as { name: string }[]).map((n) => n.name).sort();
}

test.serial("a rados namespace: ensure twice is one namespace; delete refuses while it holds an image, naming it, then removes it, twice is fine", async (t) => {
    const pool = uniqueName("tns");
    // A longer name beside it: `rbd namespace ls` pads the shorter one in its table.
    const args = { pool, namespace: "x", deletionPolicy: "delete" as const, owner: OWNER };
    t.teardown(() => dropPool(pool));
    await onMon(poolEnsureScript({ name: pool, deletionPolicy: "delete", owner: OWNER }));
    rbd("namespace", "create", `${pool}/a-longer-neighbour`);
    t.deepEqual(JSON.parse(await onMon(rbdNamespaceEnsureScript(args))), { namespace: `${pool}/x` });
    t.deepEqual(JSON.parse(await onMon(rbdNamespaceEnsureScript(args))), { namespace: `${pool}/x` });
    t.deepEqual(namespaces(pool), ["a-longer-neighbour", "x"]);
    rbd("create", "--size", "1M", `${pool}/x/img`);
    // The pool's own check does not see it: `rbd ls` of the pool lists the default namespace only.
    t.is(rbd("ls", pool).trim(), "");
    const refused = await t.throwsAsync(onMon(rbdNamespaceDeleteScript(args)));
    t.regex(refused!.message, new RegExp(`refusing to delete rados namespace ${pool}/x: it holds 1 RBD image\\(s\\): img`));
    // A retained pool keeps its empty namespaces.
    rbd("rm", `${pool}/x/img`);
    await onMon(rbdNamespaceDeleteScript({ ...args, deletionPolicy: "retain" }));
    t.deepEqual(namespaces(pool), ["a-longer-neighbour", "x"]);
    await onMon(rbdNamespaceDeleteScript(args));
    await onMon(rbdNamespaceDeleteScript(args));
    t.deepEqual(namespaces(pool), ["a-longer-neighbour"]);
});

/** Removes a filesystem the test made, with its pools (a no-op when it is gone). */
function dropFilesystem(name: string): void {
    if (cephJson<{ name: string }[]>("fs", "ls").some((f) => f.name === name)) {
        ceph("fs", "volume", "rm", name, "--yes-i-really-mean-it");
    }
    if (cephJson<string[]>("config-key", "ls").includes(filesystemOwnerKey(name))) {
        ceph("config-key", "rm", filesystemOwnerKey(name));
    }
}

test.serial("a CephFS filesystem: created with its pools and served by an MDS; a rerun changes nothing; a subvolume group twice is one group; group and filesystem deletes refuse while a subvolume is left, naming it, then remove them, twice is fine", async (t) => {
    const fs = uniqueName("tcfs");
    const args = { name: fs, deletionPolicy: "delete" as const, owner: OWNER };
    const group = { filesystem: fs, group: "team-a", deletionPolicy: "delete" as const, owner: OWNER };
    t.teardown(() => dropFilesystem(fs));
    t.deepEqual(JSON.parse(await onMon(filesystemEnsureScript(args))), { filesystem: fs, origin: "created" });
    t.deepEqual(JSON.parse(await onMon(filesystemEnsureScript(args))), { filesystem: fs, origin: "created" });
    t.like(cephJson<any[]>("fs", "ls").find((f) => f.name === fs), { name: fs, metadata_pool: `cephfs.${fs}.meta`, data_pools: [`cephfs.${fs}.data`] });
    t.deepEqual(JSON.parse(await onMon(subvolumeGroupEnsureScript(group))), { group: `${fs}/team-a` });
    await onMon(subvolumeGroupEnsureScript(group));
    t.deepEqual(cephJson<{ name: string }[]>("fs", "subvolumegroup", "ls", fs).map((g) => g.name), ["team-a"]);

    ceph("fs", "subvolume", "create", fs, "vol-1", "--group_name", "team-a", "--size", String(4 << 20));
    const groupRefused = await t.throwsAsync(onMon(subvolumeGroupDeleteScript(group)));
    t.regex(groupRefused!.message, new RegExp(`refusing to delete subvolume group ${fs}/team-a: it holds 1 subvolume\\(s\\): vol-1`));
    const fsRefused = await t.throwsAsync(onMon(filesystemDeleteScript(args)));
    t.regex(fsRefused!.message, new RegExp(`refusing to delete filesystem ${fs}: it holds 1 subvolume\\(s\\) \\(group/name\\): team-a/vol-1`));
    t.truthy(cephJson<any[]>("fs", "ls").find((f) => f.name === fs), "the filesystem is still there");

    ceph("fs", "subvolume", "rm", fs, "vol-1", "--group_name", "team-a");
    await onMon(subvolumeGroupDeleteScript(group));
    await onMon(subvolumeGroupDeleteScript(group));
    t.deepEqual(cephJson<unknown[]>("fs", "subvolumegroup", "ls", fs), []);
    await onMon(filesystemDeleteScript(args));
    await onMon(filesystemDeleteScript(args));
    t.falsy(cephJson<any[]>("fs", "ls").find((f) => f.name === fs));
    t.false(poolExists(`cephfs.${fs}.meta`) || poolExists(`cephfs.${fs}.data`), "its pools went with it");
});

test.serial("an existing filesystem is adopted, never claimed: delete keeps it and its groups", async (t) => {
    const fs = uniqueName("tcfsadopt");
    t.teardown(() => dropFilesystem(fs));
    ceph("fs", "volume", "create", fs);
    const args = { name: fs, deletionPolicy: "delete" as const, owner: OWNER };
    const group = { filesystem: fs, group: "csi", deletionPolicy: "delete" as const, owner: OWNER };
    t.deepEqual(JSON.parse(await onMon(filesystemEnsureScript(args))), { filesystem: fs, origin: "adopted" });
    await onMon(subvolumeGroupEnsureScript(group));
    await onMon(subvolumeGroupDeleteScript(group));
    await onMon(filesystemDeleteScript(args));
    t.deepEqual(cephJson<{ name: string }[]>("fs", "subvolumegroup", "ls", fs).map((g) => g.name), ["csi"], "the empty group of an adopted filesystem stays");
    t.truthy(cephJson<any[]>("fs", "ls").find((f) => f.name === fs), "an adopted filesystem must survive delete");
});
