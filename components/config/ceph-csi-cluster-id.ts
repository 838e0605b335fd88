// ceph-csi's clusterIDs as kube-ceph makes them: the cluster's own (its fsid), a tenant's and a
// subvolume group's, and the length ceph-csi allows them.

/**
 * The longest clusterID ceph-csi can use. It writes the clusterID into every volume and snapshot
 * ID it makes, which the CSI spec caps at 128 bytes, and its fixed fields take 64 of them; with a
 * longer clusterID every CreateVolume of its classes fails ("CSI ID encoding length overflow").
 */
export const MAX_CLUSTER_ID_LENGTH = 64;

/** What an fsid looks like to the length check before the real one is known: a UUID. */
const SAMPLE_FSID = "00000000-0000-0000-0000-000000000000";

/** The clusterID of a rados namespace's RBD classes: ceph-csi reads the namespace from the ClientProfile it names. */
export function namespaceClusterId(clusterId: string, radosNamespace: string): string {
    return `${clusterId}-${radosNamespace}`;
}

/** The clusterID of the CephFS classes of one subvolume group: ceph-csi reads the group from the ClientProfile it names. */
export function subvolumeGroupClusterId(clusterId: string, subvolumeGroup: string): string {
    return `${clusterId}-cephfs-${subvolumeGroup}`;
}

/**
 * The most characters `name` may have when `clusterIdOf(fsid, name)` must fit ceph-csi's limit,
 * for any fsid (a UUID): how long a rados namespace or subvolume group that names a clusterID can be.
 */
export function longestNameIn(clusterIdOf: (fsid: string, name: string) => string): number {
    return MAX_CLUSTER_ID_LENGTH - clusterIdOf(SAMPLE_FSID, "").length;
}
