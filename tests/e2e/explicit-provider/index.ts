// A program that uses CephStorage as a user's own program would, with an explicit kubernetes
// provider for a context that is not the default kubeconfig's current one. It takes the same
// kube-ceph:* config as the main program (fsid and monitors set: no discovery) and the target
// cluster as explicit:kubeconfig and explicit:context.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { CephStorage } from "../../../components/ceph-storage";
import { readStackConfig } from "../../../components/config";
import { imagesFor } from "../../../components/csi";
import { pinnedKubeconfig } from "../../../components/kubernetes";
import { MonConnection } from "../../../components/ceph";

export = async () => {
    const { config, sshPrivateKey } = readStackConfig();
    const target = new pulumi.Config("explicit");
    // Given a kubeconfig, pinnedKubeconfig always returns one.
    const kubeconfig = pinnedKubeconfig({ kubeconfig: target.require("kubeconfig"), context: target.require("context") })!;
    const provider = new k8s.Provider("explicit", { kubeconfig: pulumi.secret(kubeconfig) });
    const storage = new CephStorage("kube-ceph", {
        monHost: new MonConnection(config.ceph.hosts[0], pulumi.secret(sshPrivateKey), config.ceph.sessionsPerHost),
        clusterId: config.ceph.fsid!,
        monitors: [...config.ceph.monitors!].sort(),
        pools: { [config.pool.name]: { pgNum: config.pool.pgNum, deletionPolicy: config.pool.deletionPolicy } },
        storageClasses: [{ ...config.storageClass, pool: config.pool.name }],
        clientName: config.client.name,
        provisioner: { kind: "csi", install: "manifests", namespace: config.provisioner.namespace, images: imagesFor({ ...config.provisioner, install: "manifests" }), awaitRollout: config.provisioner.awaitRollout },
        kubeconfig,
    }, { providers: { kubernetes: provider } });
    return { clusterId: config.ceph.fsid, storageClassName: storage.storageClassName };
};
