// The load bench's stack: `kube-ceph-load:instances` copies of the Ceph-to-StorageClass
// chain (pool, user, Secrets, StorageClass) behind one ceph-csi, all through one mon
// host, so the per-host SSH session bound is what keeps sshd's MaxStartups from
// dropping connections. It takes the same kube-ceph:* config as the main program; the
// fsid and monitors must be set (no discovery), and names get a -<n> suffix.
import "../../components/redact-debug-log";
import * as pulumi from "@pulumi/pulumi";
import { CephClient } from "../../components/ceph-client";
import { CephCsi } from "../../components/ceph-csi";
import { CephPool, stackOwner } from "../../components/ceph-pool";
import { readStackConfig } from "../../components/config";
import { imagesFor } from "../../components/images";
import { RbdSecrets } from "../../components/rbd-secrets";
import { RbdStorageClass } from "../../components/rbd-storage-class";
import { MonConnection } from "../../components/mon-connection";

export = async () => {
    const { config, sshPrivateKey } = readStackConfig();
    const instances = new pulumi.Config("kube-ceph-load").requireNumber("instances", { min: 1, max: 100 });
    if (config.ceph.fsid === undefined || config.ceph.monitors === undefined || config.provisioner.kind !== "csi") {
        throw new pulumi.RunError("the load bench needs kube-ceph:ceph.fsid, kube-ceph:ceph.monitors and the csi provisioner");
    }
    const monHost = new MonConnection(config.ceph.hosts[0], pulumi.secret(sshPrivateKey), config.ceph.sessionsPerHost);
    const monitors = [...config.ceph.monitors].sort();
    // The bench measures the Ceph side at scale; its one driver is kube-ceph's own manifests.
    const images = imagesFor({ ...config.provisioner, install: "manifests" });
    const csi = new CephCsi("ceph-csi", {
        namespace: config.provisioner.namespace,
        clusterId: config.ceph.fsid,
        monitors,
        images,
        awaitRollout: config.provisioner.awaitRollout,
    });
    const storageClasses: pulumi.Output<string>[] = [];
    for (let n = 1; n <= instances; n++) {
        const poolName = `${config.pool.name}-${n}`;
        const lane = monHost.lane();
        const pool = new CephPool(`ceph-${n}`, {
            connection: lane,
            name: poolName,
            pgNum: config.pool.pgNum,
            replicas: config.pool.replicas,
            deletionPolicy: config.pool.deletionPolicy,
            owner: stackOwner(),
        });
        const client = new CephClient(`ceph-client-${n}`, { connection: lane, name: `${config.client.name}-${n}`, pool: poolName }, { dependsOn: [pool] });
        const secrets = new RbdSecrets(`rbd-secrets-${n}`, {
            kind: "csi",
            clientName: client.name,
            clientKey: client.key,
            namespace: csi.namespace,
            namePrefix: `ceph-${config.client.name}-${n}`,
        }, { dependsOn: [client] });
        const storageClass = new RbdStorageClass(`rbd-${n}`, {
            kind: "csi",
            settings: { ...config.storageClass, name: `${config.storageClass.name}-${n}` },
            pool: pool.name,
            clientName: client.name,
            clusterId: config.ceph.fsid,
            monitors,
            provisionerSecret: secrets.provisioner,
            userSecret: secrets.user,
        }, { dependsOn: [secrets, csi] });
        storageClasses.push(storageClass.name);
    }
    return { cephHost: monHost.address, storageClasses };
};
