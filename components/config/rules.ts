// The rules kube-ceph's config values are held to that more than one area shares: Ceph
// names, hosts and their SSH keys, images, the features and kinds kube-ceph knows.


export const CONFIG_NAMESPACE = "kube-ceph";

/** Ceph's own rule for pool names accepted by this tool: no spaces, quotes or shell syntax. */
export const CEPH_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A host name or an IPv4/IPv6 literal; nothing a shell or ssh would interpret. */
export const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
/** POSIX portable user names. */
export const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Kubernetes resource quantities with a unit (a bare number of bytes is refused as a likely mistake). */
export const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A monitor address host:port, optionally with Ceph's msgr prefix (v1: or v2:) as `ceph mon dump` prints it. */
export const MON_ADDRESS = /^(v[12]:)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):[0-9]{1,5}$/;
/** Container image reference: registry/path:tag or @digest, without whitespace or shell syntax. */
export const IMAGE = /^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9._-]+)*(:[A-Za-z0-9_.-]{1,128})?(@sha256:[a-f0-9]{64})?$/;
export const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9._-]+)*$/;
/** Where ceph-csi-operator's install.yaml is read from: a URL, or a local path without control characters. */
export const MANIFEST_SOURCE = /^(https?:\/\/[^\s]+|[^\x00-\x1f\s][^\x00-\x1f]*)$/;
export const HOST_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];
/** The host key types a pin may have: ssh-rsa is recognised only to be refused with its reason. */
export const PINNABLE_HOST_KEY_TYPES = HOST_KEY_TYPES.filter((type) => type !== "ssh-rsa");

/** RBD image features understood by this tool; the kernel requirements live in preflight/kernel-checks.ts. */
export const IMAGE_FEATURES = ["layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten", "journaling"] as const;
export type ImageFeature = (typeof IMAGE_FEATURES)[number];
export const FEATURES_FORM = `must be a list of RBD image features, or one comma-separated string such as "layering,exclusive-lock", of ${IMAGE_FEATURES.join(", ")}`;

/** The image features the legacy provisioners (in-tree kubernetes.io/rbd, external ceph.com/rbd) can create. */
export const LEGACY_IMAGE_FEATURES: readonly ImageFeature[] = ["layering"];

export const PROVISIONER_KINDS = ["csi", "external", "in-tree"] as const;
export type ProvisionerKind = (typeof PROVISIONER_KINDS)[number];

/**
 * How the csi kind installs ceph-csi: `operator` through ceph-csi-operator, the way ceph-csi's
 * maintainers support; `existing-operator` through a ceph-csi-operator that someone else installed
 * and manages (Rook, GitOps, a platform team), of which kube-ceph declares nothing; `manifests`
 * with kube-ceph's own Deployment and DaemonSet (deprecated).
 */
export const CSI_INSTALLS = ["manifests", "operator", "existing-operator"] as const;
export type CsiInstall = (typeof CSI_INSTALLS)[number];

/** Images a provisioner may run; each can be overridden one by one or moved by `registry`. */
export const IMAGE_KEYS = [
    "cephcsi",
    "cephCsiOperator",
    "csiAddons",
    "csiAttacher",
    "csiNodeDriverRegistrar",
    "csiProvisioner",
    "csiResizer",
    "csiSnapshotMetadata",
    "csiSnapshotter",
    "rbdProvisioner",
] as const;
export type ImageKey = (typeof IMAGE_KEYS)[number];

/** Ceph's upper bound for pg_num of one pool (mon_max_pool_pg_num). */
export const MAX_PG_NUM = 65536;

/**
 * sshd's default `MaxStartups 10:30:100` starts dropping new connections once 10 are
 * unauthenticated, and the engine runs up to 4 x CPUs operations at once: a big stack on a
 * big runner crosses that line unless the sessions per mon host are bounded.
 */
export const MAX_SESSIONS_PER_HOST = 10;
export const DEFAULT_SESSIONS_PER_HOST = 4;

/** "a, b,c" -> ["a", "b", "c"]: how ceph-csi writes lists in StorageClass parameters. */
export function splitList(text: string): string[] {
    return text.split(",").map((item) => item.trim());
}

export function isPowerOfTwo(n: number): boolean {
    return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Decodes an OpenSSH public key line and checks that its type field matches the blob. */
export function isValidHostKey(line: string): boolean {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2 || !HOST_KEY_TYPES.includes(parts[0]) || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[1])) {
        return false;
    }
    const blob = Buffer.from(parts[1], "base64");
    if (blob.length < 4) {
        return false;
    }
    const typeLength = blob.readUInt32BE(0);
    return blob.subarray(4, 4 + typeLength).toString("latin1") === parts[0];
}

/** An RSA host key line: valid OpenSSH, but not a pin @pulumi/command can connect with (see hostSchema). */
export function isRsaHostKey(line: string): boolean {
    return line.trim().split(/\s+/)[0] === "ssh-rsa";
}

/** OpenSSH and PEM private keys are accepted; the value itself never appears in an error. */
export function isPrivateKeyShaped(key: string): boolean {
    return /^-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[\s\S]+\r?\n-----END ([A-Z]+ )?PRIVATE KEY-----\s*$/.test(key.trim() + "\n");
}

/**
 * Whether a private key is encrypted with a passphrase, which kube-ceph has no way to ask for:
 * an OpenSSH key whose cipher is not "none", or a PEM key marked encrypted. A key it cannot
 * decode is not called protected (the SSH connection then says what is wrong with it).
 */
export function isPassphraseProtected(key: string): boolean {
    if (/-----BEGIN ENCRYPTED PRIVATE KEY-----/.test(key) || /^Proc-Type:\s*4,ENCRYPTED/m.test(key)) {
        return true;
    }
    const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END OPENSSH PRIVATE KEY-----/.exec(key)?.[1];
    if (body === undefined) {
        return false;
    }
    // openssh-key-v1 NUL, then the cipher's name as a length-prefixed string.
    const blob = Buffer.from(body.replace(/\s+/g, ""), "base64");
    const magic = "openssh-key-v1\0";
    if (blob.length < magic.length + 4 || blob.subarray(0, magic.length).toString("latin1") !== magic) {
        return false;
    }
    const length = blob.readUInt32BE(magic.length);
    if (length === 0 || length > 64 || blob.length < magic.length + 4 + length) {
        return false;
    }
    return blob.subarray(magic.length + 4, magic.length + 4 + length).toString("latin1") !== "none";
}
