// Whose Ceph users these are: the users a stack makes, the preview's ownership decision (own,
// adopted, claimed from an earlier release, refused), the caps an adopted user gets, and the
// program refusing before anything is declared.
import test from "ava";
import { adoptionNote, clientDeleteScript, clientEnsureScript, mergeCaps, rbdClientCaps } from "../../../components/ceph";
import { parseUserCaps, parseUserOwners } from "../../../components/live";
import { checkUserOwnership, stackUsers } from "../../../components/preflight";
import { baseConfig, byType, declaredBefore, FAKE_CEPH_KEY, fakeReader, healthyCeph, runProgram, UNIT_STACK_OWNER } from "../../harness";

const SELF = "org.kube-ceph.prod";
const CAPS = { mon: "profile rbd", osd: "profile rbd pool=mypool" };

test("stackUsers: the RBD users, each tenant's and each CephFS group's, with the config key that names them", (t) => {
    const classes = [
        { type: "rbd" as const },
        { type: "rbd" as const, radosNamespace: "team-a" },
        { type: "cephfs" as const, subvolumeGroup: "shared" },
        { type: "rbd" as const, radosNamespace: "team-a" },
    ];
    t.deepEqual(stackUsers("kube", classes, true), [
        { entity: "client.kube", key: "kube-ceph:client.name" },
        { entity: "client.kube-rbd-node", key: "kube-ceph:client.name" },
        { entity: "client.kube-team-a", key: "kube-ceph:storageClasses[1].radosNamespace" },
        { entity: "client.kube-team-a-rbd-node", key: "kube-ceph:storageClasses[1].radosNamespace" },
        { entity: "client.kube-cephfs-shared-provisioner", key: "kube-ceph:storageClasses[2].subvolumeGroup" },
        { entity: "client.kube-cephfs-shared-node", key: "kube-ceph:storageClasses[2].subvolumeGroup" },
    ]);
    // Without node users, and a CephFS-only stack has no RBD user.
    t.deepEqual(stackUsers("kube", [{ type: "rbd" }], false).map((u) => u.entity), ["client.kube"]);
    t.deepEqual(stackUsers("k", [{ type: "cephfs", subvolumeGroup: "g" }], true).map((u) => u.entity), ["client.k-cephfs-g-provisioner", "client.k-cephfs-g-node"]);
});

const users = stackUsers("kube", [{ type: "rbd" }], true);
const NEW = { deployed: false };

test("ownership: missing users and this stack's own are fine; an adoption record stays adopted", (t) => {
    t.deepEqual(checkUserOwnership(users, { caps: {}, owners: {} }, SELF, [], NEW), { adopted: {}, claimed: [] });
    t.deepEqual(checkUserOwnership(users, { caps: { "client.kube": CAPS }, owners: { "client.kube": SELF } }, SELF, [], NEW), { adopted: {}, claimed: [] });
    // Adopted once, adopted for good: the record says so even when the config no longer lists it.
    t.deepEqual(checkUserOwnership(users, { caps: { "client.kube": CAPS }, owners: { "client.kube": `${SELF} adopted` } }, SELF, [], NEW), { adopted: { kube: CAPS }, claimed: [] });
});

test("ownership: a user someone else made is refused, naming it, the key to change and the adoption key; adoptUsers adopts it", (t) => {
    const error = t.throws(() => checkUserOwnership(users, { caps: { "client.kube": CAPS }, owners: {} }, SELF, [], NEW));
    t.regex(error!.message, /^Ceph user client\.kube already exists and this stack did not make it \(it has no kube-ceph owner record\): give this stack's users other names with kube-ceph:client\.name, or let the stack use it as it is with kube-ceph:client\.adoptUsers/);
    t.regex(error!.message, /Nothing was changed\.$/);
    t.deepEqual(checkUserOwnership(users, { caps: { "client.kube": CAPS }, owners: {} }, SELF, ["client.kube"], NEW), { adopted: { kube: CAPS }, claimed: [] });
});

test("ownership: another stack's user is refused even when adoptUsers lists it, naming that stack; every refusal in one error", (t) => {
    const cluster = {
        caps: { "client.kube": CAPS, "client.kube-rbd-node": CAPS },
        owners: { "client.kube": "org.kube-ceph.staging", "client.kube-rbd-node": "org.kube-ceph.staging adopted" },
    };
    const error = t.throws(() => checkUserOwnership(users, cluster, SELF, ["client.kube"], NEW));
    t.regex(error!.message, /Ceph user client\.kube belongs to kube-ceph stack org\.kube-ceph\.staging: two Kubernetes clusters would share its key/);
    t.regex(error!.message, /Ceph user client\.kube-rbd-node belongs to kube-ceph stack org\.kube-ceph\.staging:/);
    // A record without the user (deleted by hand) is still someone else's claim.
    t.throws(() => checkUserOwnership(users, { caps: {}, owners: { "client.kube": "org.kube-ceph.staging" } }, SELF, [], NEW), { message: /belongs to kube-ceph stack org\.kube-ceph\.staging/ });
});

test("ownership: a stack from before owner records claims its record-less users; one that recorded its users claims only those", (t) => {
    const cluster = { caps: { "client.kube": CAPS, "client.kube-rbd-node": CAPS }, owners: {} };
    t.deepEqual(checkUserOwnership(users, cluster, SELF, [], { deployed: true }), { adopted: {}, claimed: ["client.kube", "client.kube-rbd-node"] });
    const error = t.throws(() => checkUserOwnership(users, cluster, SELF, [], { deployed: true, users: ["client.kube"] }));
    t.regex(error!.message, /client\.kube-rbd-node already exists and this stack did not make it/);
    t.notRegex(error!.message, /client\.kube already/);
});

test("ownership: adoptUsers naming a user the stack does not use is refused, listing the stack's users", (t) => {
    const error = t.throws(() => checkUserOwnership(users, { caps: {}, owners: {} }, SELF, ["client.other"], NEW));
    t.regex(error!.message, /^kube-ceph:client\.adoptUsers names client\.other, which this stack does not use \(its users: client\.kube, client\.kube-rbd-node\); remove it/);
});

test("mergeCaps adds only the grants a user lacks, keeps everything it has, and is the same on a second run", (t) => {
    const wanted = rbdClientCaps(["mypool"]);
    const merged = mergeCaps({ mon: "allow r", osd: "allow rw pool=theirs, profile rbd pool=mypool" }, wanted);
    t.deepEqual(merged, { mon: "allow r, profile rbd", osd: "allow rw pool=theirs, profile rbd pool=mypool", mgr: "profile rbd pool=mypool" });
    t.deepEqual(mergeCaps(merged, wanted), merged);
    t.deepEqual(mergeCaps({ mon: "profile rbd", osd: "profile rbd pool=mypool", mgr: "profile rbd pool=mypool", mds: "allow" }, wanted).mds, "allow", "a daemon type the classes do not need is kept");
    t.regex(adoptionNote("client.kube", { mon: "allow r", osd: "" }, wanted), /^Ceph user client\.kube is adopted \(kube-ceph never deletes it\); its caps go from mon "allow r" osd "" to mon "allow r, profile rbd" osd "profile rbd pool=mypool" mgr "profile rbd pool=mypool"$/);
    t.regex(adoptionNote("client.kube", merged, wanted), /its caps already allow what the classes need/);
});

test("the live read's user caps and owner records", (t) => {
    t.deepEqual(parseUserCaps([{ entity: "client.kube", key: FAKE_CEPH_KEY, caps: { mon: "profile rbd", osd: "profile rbd pool=a" } }]), { mon: "profile rbd", osd: "profile rbd pool=a" });
    t.is(parseUserCaps([]), undefined);
    t.deepEqual(parseUserOwners({ "kube-ceph/user-owner/client.kube": "org.p.s\n", "kube-ceph/user-owner/client.x": "org.p.t adopted", "other/key": "v" }), { "client.kube": "org.p.s", "client.x": "org.p.t adopted" });
});

test("the user scripts: create refuses a record-less user, update claims it, an adopted user's caps are the merged ones and delete keeps it", (t) => {
    const own = { name: "kube", owner: SELF, caps: rbdClientCaps(["mypool"]) };
    t.regex(clientEnsureScript(own, "create"), /PHASE=create\n/);
    t.regex(clientEnsureScript(own, "update"), /PHASE=update\n/);
    t.regex(clientEnsureScript(own), /OWNER_RECORD=kube-ceph\/user-owner\/client\.kube\n/);
    const adopted = { ...own, adoptedCaps: { mon: "allow r", osd: "allow rw pool=theirs" } };
    t.regex(clientEnsureScript(adopted), /ADOPT=yes\n/);
    t.regex(clientEnsureScript(adopted), /OSD_CAPS='allow rw pool=theirs, profile rbd pool=mypool'\n/);
    t.regex(clientDeleteScript(adopted), /keeping Ceph user \$ENTITY: this stack adopted it/);
});

test.serial("program: a user that exists without this stack's record stops the run before anything is declared; adoptUsers adopts it and the preview says what its caps become", async (t) => {
    const ceph = healthyCeph({ userKeys: { "client.kube": FAKE_CEPH_KEY }, userCaps: { "client.kube": { mon: "allow r", osd: "allow rw pool=theirs" } }, userOwners: {} });
    const error = await t.throwsAsync(runProgram(baseConfig(), fakeReader(ceph)));
    t.regex(error!.message, /Ceph user client\.kube already exists and this stack did not make it/);
    t.deepEqual(declaredBefore(error), []);
    const run = await runProgram(baseConfig({ client: { adoptUsers: ["client.kube"] } }), fakeReader(ceph));
    const user = byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!;
    t.regex(user.inputs.create, /ADOPT=yes\n/);
    t.regex(user.inputs.create, /MON_CAPS='allow r, profile rbd'\n/);
    t.true(run.warnings.some((w) => /^Ceph user client\.kube is adopted \(kube-ceph never deletes it\); its caps go from mon "allow r"/.test(w)), run.warnings.join("\n"));
    t.deepEqual(run.outputs.cephUsers, ["client.kube", "client.kube-rbd-node"]);
    // The node user did not exist: it is the stack's own.
    t.notRegex(byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-rbd-node-client-user")!.inputs.create, /ADOPT=yes/);
});

test.serial("program: this stack's own users (the fake reader's default records) pass, and the stack's users are its output", async (t) => {
    const run = await runProgram(baseConfig(), fakeReader(healthyCeph({ userKeys: { "client.kube": FAKE_CEPH_KEY } })));
    t.deepEqual(run.outputs.cephUsers, ["client.kube", "client.kube-rbd-node"]);
    t.regex(byType(run, "command:remote:Command").find((c) => c.name === "kube-ceph-client-user")!.inputs.create, new RegExp(`OWNER=${UNIT_STACK_OWNER.replace(/\./g, "\\.")}\\n`));
});
