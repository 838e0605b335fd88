// What the program derives from a parsed config more than once: which pools the stack may delete,
// which classes are RBD, whether it has CephFS, and the image features nodes' kernels must map.
import type { ImageFeature } from "./rules";
import type { RbdClassConfig } from "./class-schema";
import type { KubeCephConfig } from "./config";

/** The config keys of the pools and filesystems the stack may delete (deletionPolicy "delete"). */
export function deletablePools(config: KubeCephConfig): string[] {
    const pools = Object.entries(config.pools).filter(([, pool]) => pool.deletionPolicy === "delete")
        .map(([name]) => (config.form === "many" ? `kube-ceph:pools.${name}.deletionPolicy` : "kube-ceph:pool.deletionPolicy"));
    const filesystems = Object.entries(config.filesystems).filter(([, fs]) => fs.deletionPolicy === "delete")
        .map(([name]) => `kube-ceph:filesystems.${name}.deletionPolicy`);
    return [...pools, ...filesystems];
}

/** The RBD classes of the config. */
export function rbdClasses(config: KubeCephConfig): RbdClassConfig[] {
    return config.storageClasses.filter((c): c is RbdClassConfig => c.type === "rbd");
}

/** Whether the stack has CephFS filesystems (which its CephFS classes name). */
export function hasCephfs(config: KubeCephConfig): boolean {
    return Object.keys(config.filesystems).length > 0;
}

/** The image features nodes' kernels must map: every krbd class's (rbd-nbd maps in user space). */
export function kernelImageFeatures(classes: RbdClassConfig[]): ImageFeature[] {
    return [...new Set(classes.filter((c) => c.mounter !== "rbd-nbd").flatMap((c) => c.imageFeatures))];
}
