import test from "ava";
import { baseConfig, byType, FAKE_CEPH_KEY, FAKE_SSH_KEY, fakeReader, FSID, healthyCeph, runProgram, unwrap } from "../harness";

test.serial("csi: declares pool, user, Secret, driver, ConfigMaps and StorageClass from discovered facts", async (t) => {
    const run = await runProgram(baseConfig());
    const commands = byType(run, "command:remote:Command");
    t.deepEqual(commands.map((c) => c.name).sort(), ["rbd-pool", "rbd-user"]);
    const sc = byType(run, "kubernetes:storage.k8s.io/v1:StorageClass")[0];
    t.is(sc.inputs.provisioner, "rbd.csi.ceph.com");
    const params = (await unwrap(sc.inputs.parameters)).value;
    t.is(params.clusterID, FSID);
    t.is(params.pool, "mypool");
    t.is(params.imageFeatures, "layering");
    t.is(params["csi.storage.k8s.io/provisioner-secret-namespace"], "ceph-csi");
    const config = byType(run, "kubernetes:core/v1:ConfigMap").find((c) => c.name === "ceph-csi-config")!;
    const doc = JSON.parse((await unwrap(config.inputs.data["config.json"])).value);
    t.deepEqual(doc, [{ clusterID: FSID, monitors: ["127.0.0.11:6789", "127.0.0.12:6789", "127.0.0.13:6789"] }]);
    t.truthy(byType(run, "kubernetes:storage.k8s.io/v1:CSIDriver").length === 1);
    t.deepEqual(byType(run, "kubernetes:core/v1:ConfigMap").map((c) => c.name).sort(), ["ceph-csi-ceph-config", "ceph-csi-config", "ceph-csi-kms-config"]);
    t.is(run.outputs.clusterId, FSID);
    t.is(run.outputs.provisionerKind, "csi");
});
