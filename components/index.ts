// What kube-ceph exports to other Pulumi TypeScript programs: the CephStorage component and what
// a program needs around it to do what index.ts does (reach the mon host, read the cluster and
// check it before declaring anything, install ceph-csi through ceph-csi-operator).
export { CephStorage } from "./ceph-storage";
export { isCephfsClass } from "./ceph-storage-args";
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
    SharedCephCsi,
    SharedInstall,
    SmokeTestSettings,
} from "./ceph-storage-args";
export type { RbdStorageClassSettings } from "./rbd";
export type { CephClassSettings } from "./csi";
export type { CephfsStorageClassSettings } from "./cephfs";
export type { ErasureCoding } from "./ceph";
export { MonConnection } from "./ceph";
export type { CephHost } from "./config";
export { OPERATOR_MANIFEST_URL, readOperatorManifest } from "./csi";
export type { OperatorManifest } from "./csi";
export { defaultImage, imagesFor } from "./csi";
export { liveReader } from "./live";
export { pinnedKubeconfig } from "./kubernetes";
export type { KubernetesTarget } from "./kubernetes";
export type { LiveReader } from "./live";
export { clientMonitorAddresses } from "./live";
export { checkHealth, checkKernels, kernelRequirements, PreflightError } from "./preflight";
export { checkUserOwnership, stackUsers } from "./preflight";
export type { StackUser, UserOwnership, UsersHistory, UsersOnCluster } from "./preflight";
export type { CephCaps } from "./ceph";
