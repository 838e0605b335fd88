// The load bench's stack: `kube-ceph-load:instances` CephStorage components (pool, user, Secrets,
// StorageClass, guard) behind one ceph-csi, all through one mon host, so the per-host SSH session
// bound is what keeps sshd's MaxStartups from dropping connections. It takes the same kube-ceph:*
// config as the main program; the fsid and monitors must be set (no discovery), and names get a
// -<n> suffix.
import "../../components/program";
import * as pulumi from "@pulumi/pulumi";
import { CephStorage } from "../../components/ceph-storage";
import { readStackConfig } from "../../components/config";
import { imagesFor } from "../../components/csi";
import { MonConnection } from "../../components/ceph";

export = async () => {
    const { config, sshPrivateKey } = readStackConfig();
    const instances = new pulumi.Config("kube-ceph-load").requireNumber("instances", { min: 1, max: 100 });
    if (config.ceph.fsid === undefined || config.ceph.monitors === undefined || config.provisioner.kind !== "csi") {
        throw new pulumi.RunError("the load bench needs kube-ceph:ceph.fsid, kube-ceph:ceph.monitors and the csi provisioner");
    }
    // One MonConnection for every instance: its lanes are what bound the sessions on the host.
    const monHost = new MonConnection(config.ceph.hosts[0], pulumi.secret(sshPrivateKey), config.ceph.sessionsPerHost);
    const monitors = [...config.ceph.monitors].sort();
    const storageClasses: pulumi.Output<string>[] = [];
    let first: CephStorage | undefined;
    for (let n = 1; n <= instances; n++) {
        const storage: CephStorage = new CephStorage(`load-${n}`, {
            monHost,
            clusterId: config.ceph.fsid,
            monitors,
            pools: { [`${config.pool.name}-${n}`]: { pgNum: config.pool.pgNum, replicas: config.pool.replicas, deletionPolicy: config.pool.deletionPolicy } },
            storageClasses: [{ ...config.storageClass, name: `${config.storageClass.name}-${n}`, pool: `${config.pool.name}-${n}` }],
            clientName: `${config.client.name}-${n}`,
            // The bench measures the Ceph side at scale; its one driver is kube-ceph's own
            // manifests, installed by the first instance and shared by the others.
            provisioner: first === undefined
                ? { kind: "csi", install: "manifests", namespace: config.provisioner.namespace, images: imagesFor({ ...config.provisioner, install: "manifests" }), awaitRollout: config.provisioner.awaitRollout }
                : { kind: "csi", install: "shared", from: first },
        });
        first ??= storage;
        storageClasses.push(storage.storageClassName);
    }
    return { cephHost: monHost.address, storageClasses };
};
