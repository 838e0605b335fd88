// What kube-ceph exports to other Pulumi TypeScript programs: the CephStorage component and what
// a program needs around it to do what index.ts does (reach the mon host, read the cluster and
// check it before declaring anything, install ceph-csi through ceph-csi-operator).
export { CephStorage, isCephfsClass } from "./ceph-storage";
export type {
    CephClassSpec,
    CephfsClassSpec,
    CephfsFilesystemSpec,
    CephPoolSpec,
    CephStorageArgs,
    CephStorageChild,
    CephStorageProvisioner,
    ExternalInstall,
    InTreeInstall,
    ManifestsInstall,
    OperatorInstall,
    RbdClassSpec,
    SharedInstall,
    SmokeTestSettings,
} from "./ceph-storage";
export type { RbdStorageClassSettings } from "./rbd-storage-class";
export type { CephClassSettings } from "./ceph-storage-class";
export type { CephfsStorageClassSettings } from "./cephfs-storage-class";
export type { ErasureCoding } from "./ceph-pool";
export { MonConnection } from "./mon-connection";
export type { CephHost } from "./config";
export { OPERATOR_MANIFEST_URL, readOperatorManifest } from "./ceph-csi-operator";
export type { OperatorManifest } from "./ceph-csi-operator";
export { defaultImage, imagesFor } from "./images";
export { liveReader } from "./live-reader";
export { pinnedKubeconfig } from "./kubernetes-client";
export type { KubernetesTarget } from "./kubernetes-client";
export type { LiveReader } from "./live-reader";
export { clientMonitorAddresses } from "./ceph-reading";
export { checkHealth, checkKernels, kernelRequirements, PreflightError } from "./preflight";
export { checkUserOwnership, stackUsers } from "./ceph-user-ownership";
export type { StackUser, UserOwnership, UsersHistory, UsersOnCluster } from "./ceph-user-ownership";
export type { CephCaps } from "./ceph-client";
