import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { ImageKey } from "../config";
import { ownedNamespace, rolloutAnnotations } from "../kubernetes";
import { CEPH_CSI_TYPE, defaultImage } from "../csi";
import { PROVISIONER_NAMES } from "./rbd-storage-class";

export interface CephCsiArgs {
    /** Namespace for the driver; created (and removed on destroy) unless it is a shared one. */
    namespace: string;
    /** Cluster fsid, used as ceph-csi's clusterID. */
    clusterId: pulumi.Input<string>;
    /** Monitor addresses written to ceph-csi-config. */
    monitors: pulumi.Input<string[]>;
    /** Image for each container, after registry overrides. */
    images: Partial<Record<ImageKey, string>>;
    /** Wait for the Deployment and DaemonSet to become ready; off only where no kubelet runs them. */
    awaitRollout: boolean;
}

const DRIVER = PROVISIONER_NAMES.csi;

/** The URN of the CSIDriver that a CephCsi named `name` (under `parent`, else at the top level) declares: moving to ceph-csi-operator takes it over. */
export function csiDriverUrn(name: string, parent?: pulumi.Resource): pulumi.Output<string> {
    return pulumi.createUrn(`${name}-driver`, "kubernetes:storage.k8s.io/v1:CSIDriver", pulumi.createUrn(name, CEPH_CSI_TYPE, parent));
}


/** The JSON document ceph-csi reads from its ceph-csi-config ConfigMap. */
export function csiClusterConfig(clusterId: string, monitors: string[]): string {
    return JSON.stringify([{ clusterID: clusterId, monitors: [...monitors].sort() }], null, 2);
}

/**
 * ceph-csi's RBD driver from kube-ceph's own manifests (deprecated; `provisioner.install:
 * manifests`): RBAC, CSIDriver, its three ConfigMaps, the controller Deployment with its
 * sidecars and the node-plugin DaemonSet, following ceph-csi's deploy manifests.
 */
export class CephCsi extends pulumi.ComponentResource {
    /** Namespace the driver runs in. */
    public readonly namespace: pulumi.Output<string>;
    /** Name of the CSIDriver. */
    public readonly driverName: pulumi.Output<string>;

    constructor(name: string, args: CephCsiArgs, opts?: pulumi.ComponentResourceOptions) {
        super(CEPH_CSI_TYPE, name, {}, opts);
        const child = { parent: this };
        pulumi.log.warn(
            'kube-ceph:provisioner.install "manifests" deploys ceph-csi from kube-ceph\'s own manifests, which is deprecated: ' +
                "ceph-csi's maintainers support installs through ceph-csi-operator. Remove the key (the operator is the default) to move this stack to it in one update. " +
                `Its default images stay at the versions its container arguments were written for (${defaultImage("cephcsi", { kind: "csi", install: "manifests" })}), older than the ceph-csi releases upstream supports.`,
            this,
        );
        const image = (key: ImageKey): string => {
            const value = args.images[key];
            if (value === undefined) {
                throw new Error(`kube-ceph bug: no ${key} image for ceph-csi's manifests`);
            }
            return value;
        };
        const awaitAnnotations = rolloutAnnotations(args.awaitRollout);
        const namespace = ownedNamespace(name, args.namespace, this);
        const ns = args.namespace;
        // The ClusterRoles and their bindings carry the namespace, so they never clash with another
        // install's RBAC. That does not make two drivers possible: the CSIDriver name and the node
        // plugin's host paths (/var/lib/kubelet/plugins/rbd.csi.ceph.com) are fixed per driver, so
        // one cluster runs one RBD ceph-csi.
        const clusterName = (base: string) => `${ns}-${base}`;

        const provisionerAccount = new k8s.core.v1.ServiceAccount(`${name}-provisioner-sa`, {
            metadata: { name: "rbd-csi-provisioner", namespace },
        }, child);
        const nodeAccount = new k8s.core.v1.ServiceAccount(`${name}-nodeplugin-sa`, {
            metadata: { name: "rbd-csi-nodeplugin", namespace },
        }, child);

        const provisionerRole = new k8s.rbac.v1.ClusterRole(`${name}-provisioner-role`, {
            metadata: { name: clusterName("rbd-external-provisioner-runner") },
            rules: [
                { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["events"], verbs: ["list", "watch", "create", "update", "patch"] },
                { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "update", "delete", "patch"] },
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "list", "watch", "update"] },
                { apiGroups: [""], resources: ["persistentvolumeclaims/status"], verbs: ["update", "patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots"], verbs: ["get", "list", "watch", "update", "patch", "create"] },
                { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshots/status"], verbs: ["get", "list", "patch"] },
                { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotcontents"], verbs: ["create", "get", "list", "watch", "update", "delete", "patch"] },
                { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotclasses"], verbs: ["get", "list", "watch"] },
                { apiGroups: ["snapshot.storage.k8s.io"], resources: ["volumesnapshotcontents/status"], verbs: ["update", "patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["volumeattachments"], verbs: ["get", "list", "watch", "update", "patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["volumeattachments/status"], verbs: ["patch"] },
                { apiGroups: ["storage.k8s.io"], resources: ["csinodes"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get"] },
                { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
            ],
        }, child);
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-provisioner-binding`, {
            metadata: { name: clusterName("rbd-csi-provisioner-role") },
            subjects: [{ kind: "ServiceAccount", name: provisionerAccount.metadata.name, namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: provisionerRole.metadata.name },
        }, child);
        const leaderRole = new k8s.rbac.v1.Role(`${name}-provisioner-cfg-role`, {
            metadata: { name: "rbd-external-provisioner-cfg", namespace },
            rules: [
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch", "create", "update", "delete"] },
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get", "watch", "list", "delete", "update", "create"] },
            ],
        }, child);
        new k8s.rbac.v1.RoleBinding(`${name}-provisioner-cfg-binding`, {
            metadata: { name: "rbd-csi-provisioner-role-cfg", namespace },
            subjects: [{ kind: "ServiceAccount", name: provisionerAccount.metadata.name, namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderRole.metadata.name },
        }, child);
        const nodeRole = new k8s.rbac.v1.ClusterRole(`${name}-nodeplugin-role`, {
            metadata: { name: clusterName("rbd-csi-nodeplugin") },
            rules: [
                { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
                { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
                { apiGroups: [""], resources: ["configmaps"], verbs: ["get"] },
                { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["get"] },
                { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get"] },
                { apiGroups: ["storage.k8s.io"], resources: ["volumeattachments"], verbs: ["list", "get"] },
                { apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] },
            ],
        }, child);
        new k8s.rbac.v1.ClusterRoleBinding(`${name}-nodeplugin-binding`, {
            metadata: { name: clusterName("rbd-csi-nodeplugin") },
            subjects: [{ kind: "ServiceAccount", name: nodeAccount.metadata.name, namespace }],
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: nodeRole.metadata.name },
        }, child);

        const driver = new k8s.storage.v1.CSIDriver(`${name}-driver`, {
            metadata: { name: DRIVER },
            spec: { attachRequired: true, podInfoOnMount: false, seLinuxMount: true, fsGroupPolicy: "File" },
        }, child);

        const clusterConfig = new k8s.core.v1.ConfigMap(`${name}-config`, {
            metadata: { name: "ceph-csi-config", namespace },
            data: { "config.json": pulumi.all([args.clusterId, args.monitors]).apply(([id, mons]) => csiClusterConfig(id, mons)) },
        }, child);
        const cephConfig = new k8s.core.v1.ConfigMap(`${name}-ceph-config`, {
            metadata: { name: "ceph-config", namespace },
            data: {
                // ceph-csi passes keys per call; the keyring entry only has to exist.
                "ceph.conf": "[global]\nauth_cluster_required = cephx\nauth_service_required = cephx\nauth_client_required = cephx\n",
                "keyring": "",
            },
        }, child);
        // The pods mount this even without encryption.
        const kmsConfig = new k8s.core.v1.ConfigMap(`${name}-kms-config`, {
            metadata: { name: "ceph-csi-encryption-kms-config", namespace },
            data: { "config.json": "{}" },
        }, child);

        const configVolumes: k8s.types.input.core.v1.Volume[] = [
            { name: "ceph-csi-config", configMap: { name: clusterConfig.metadata.name } },
            { name: "ceph-config", configMap: { name: cephConfig.metadata.name } },
            { name: "ceph-csi-encryption-kms-config", configMap: { name: kmsConfig.metadata.name } },
            { name: "keys-tmp-dir", emptyDir: { medium: "Memory" } },
            { name: "host-dev", hostPath: { path: "/dev" } },
            { name: "host-sys", hostPath: { path: "/sys" } },
            { name: "lib-modules", hostPath: { path: "/lib/modules" } },
        ];
        const configMounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: "ceph-csi-config", mountPath: "/etc/ceph-csi-config/" },
            { name: "ceph-config", mountPath: "/etc/ceph/" },
            { name: "ceph-csi-encryption-kms-config", mountPath: "/etc/ceph-csi-encryption-kms-config/" },
            { name: "keys-tmp-dir", mountPath: "/tmp/csi/keys" },
            { name: "host-dev", mountPath: "/dev" },
            { name: "host-sys", mountPath: "/sys" },
            { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
        ];
        const fieldEnv = (envName: string, fieldPath: string) => ({ name: envName, valueFrom: { fieldRef: { fieldPath } } });
        const socketMount = { name: "socket-dir", mountPath: "/csi" };
        const sidecar = (sidecarName: string, image: string, extraArgs: string[]): k8s.types.input.core.v1.Container => ({
            name: sidecarName,
            image,
            args: ["--csi-address=unix:///csi/csi-provisioner.sock", "--v=1", ...extraArgs],
            imagePullPolicy: "IfNotPresent",
            volumeMounts: [socketMount],
        });

        const appLabels = { app: "csi-rbdplugin-provisioner" };
        const deployment = new k8s.apps.v1.Deployment(`${name}-provisioner`, {
            metadata: { name: "csi-rbdplugin-provisioner", namespace, annotations: awaitAnnotations },
            spec: {
                replicas: 2,
                selector: { matchLabels: appLabels },
                template: {
                    metadata: { labels: appLabels },
                    spec: {
                        serviceAccountName: provisionerAccount.metadata.name,
                        priorityClassName: "system-cluster-critical",
                        affinity: {
                            podAntiAffinity: {
                                preferredDuringSchedulingIgnoredDuringExecution: [{
                                    weight: 100,
                                    podAffinityTerm: { labelSelector: { matchLabels: appLabels }, topologyKey: "kubernetes.io/hostname" },
                                }],
                            },
                        },
                        containers: [
                            {
                                name: "csi-rbdplugin",
                                image: image("cephcsi"),
                                args: [
                                    "--nodeid=$(NODE_ID)",
                                    "--type=rbd",
                                    "--controllerserver=true",
                                    "--endpoint=unix:///csi/csi-provisioner.sock",
                                    "--v=5",
                                    `--drivername=${DRIVER}`,
                                    "--pidlimit=-1",
                                    "--setmetadata=true",
                                ],
                                env: [fieldEnv("NODE_ID", "spec.nodeName"), fieldEnv("POD_NAMESPACE", "metadata.namespace")],
                                imagePullPolicy: "IfNotPresent",
                                volumeMounts: [socketMount, ...configMounts],
                            },
                            {
                                name: "csi-rbdplugin-controller",
                                image: image("cephcsi"),
                                args: ["--type=controller", "--v=5", `--drivername=${DRIVER}`, "--drivernamespace=$(DRIVER_NAMESPACE)", "--setmetadata=true"],
                                env: [fieldEnv("DRIVER_NAMESPACE", "metadata.namespace")],
                                imagePullPolicy: "IfNotPresent",
                                volumeMounts: configMounts.filter((m) => ["ceph-csi-config", "ceph-config", "keys-tmp-dir"].includes(m.name as string)),
                            },
                            sidecar("csi-provisioner", image("csiProvisioner"), [
                                "--timeout=150s",
                                "--retry-interval-start=500ms",
                                "--leader-election=true",
                                "--feature-gates=HonorPVReclaimPolicy=true",
                                "--prevent-volume-mode-conversion=true",
                                "--default-fstype=ext4",
                                "--extra-create-metadata=true",
                            ]),
                            sidecar("csi-snapshotter", image("csiSnapshotter"), ["--timeout=150s", "--leader-election=true", "--extra-create-metadata=true"]),
                            sidecar("csi-attacher", image("csiAttacher"), ["--leader-election=true", "--retry-interval-start=500ms", "--default-fstype=ext4"]),
                            sidecar("csi-resizer", image("csiResizer"), ["--timeout=150s", "--leader-election", "--retry-interval-start=500ms", "--handle-volume-inuse-error=false"]),
                        ],
                        volumes: [{ name: "socket-dir", emptyDir: { medium: "Memory" } }, ...configVolumes],
                    },
                },
            },
        }, { parent: this, dependsOn: [driver] });

        const nodeLabels = { app: "csi-rbdplugin" };
        const daemonSet = new k8s.apps.v1.DaemonSet(`${name}-nodeplugin`, {
            metadata: { name: "csi-rbdplugin", namespace, annotations: awaitAnnotations },
            spec: {
                selector: { matchLabels: nodeLabels },
                template: {
                    metadata: { labels: nodeLabels },
                    spec: {
                        serviceAccountName: nodeAccount.metadata.name,
                        hostNetwork: true,
                        hostPID: true,
                        priorityClassName: "system-node-critical",
                        dnsPolicy: "ClusterFirstWithHostNet",
                        containers: [
                            {
                                name: "csi-rbdplugin",
                                image: image("cephcsi"),
                                securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN"] }, allowPrivilegeEscalation: true },
                                args: [
                                    "--nodeid=$(NODE_ID)",
                                    "--pluginpath=/var/lib/kubelet/plugins",
                                    "--stagingpath=/var/lib/kubelet/plugins/kubernetes.io/csi/",
                                    "--type=rbd",
                                    "--nodeserver=true",
                                    "--endpoint=unix:///csi/csi.sock",
                                    "--v=5",
                                    `--drivername=${DRIVER}`,
                                ],
                                env: [fieldEnv("NODE_ID", "spec.nodeName"), fieldEnv("POD_NAMESPACE", "metadata.namespace")],
                                imagePullPolicy: "IfNotPresent",
                                volumeMounts: [
                                    socketMount,
                                    ...configMounts,
                                    { name: "host-mount", mountPath: "/run/mount" },
                                    { name: "plugin-dir", mountPath: "/var/lib/kubelet/plugins", mountPropagation: "Bidirectional" },
                                    { name: "mountpoint-dir", mountPath: "/var/lib/kubelet/pods", mountPropagation: "Bidirectional" },
                                ],
                            },
                            {
                                name: "driver-registrar",
                                image: image("csiNodeDriverRegistrar"),
                                securityContext: { privileged: true, allowPrivilegeEscalation: true },
                                args: ["--v=1", "--csi-address=/csi/csi.sock", `--kubelet-registration-path=/var/lib/kubelet/plugins/${DRIVER}/csi.sock`],
                                env: [fieldEnv("KUBE_NODE_NAME", "spec.nodeName")],
                                volumeMounts: [socketMount, { name: "registration-dir", mountPath: "/registration" }],
                            },
                        ],
                        volumes: [
                            { name: "socket-dir", hostPath: { path: `/var/lib/kubelet/plugins/${DRIVER}`, type: "DirectoryOrCreate" } },
                            { name: "plugin-dir", hostPath: { path: "/var/lib/kubelet/plugins", type: "Directory" } },
                            { name: "mountpoint-dir", hostPath: { path: "/var/lib/kubelet/pods", type: "DirectoryOrCreate" } },
                            { name: "registration-dir", hostPath: { path: "/var/lib/kubelet/plugins_registry/", type: "Directory" } },
                            { name: "host-mount", hostPath: { path: "/run/mount" } },
                            ...configVolumes,
                        ],
                    },
                },
            },
        }, { parent: this, dependsOn: [driver] });

        this.namespace = namespace;
        this.driverName = driver.metadata.name;
        this.registerOutputs({ driverName: this.driverName, namespace: this.namespace, deployment: deployment.metadata.name, daemonSet: daemonSet.metadata.name });
    }
}
