// Every stack config key of kube-ceph is parsed and checked here, once, before any
// resource is declared: a bad value must stop the run while nothing has changed yet.
import * as pulumi from "@pulumi/pulumi";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import { classUserOwner, userClashes } from "./ceph-user-names";
import { longestNameIn, MAX_CLUSTER_ID_LENGTH, namespaceClusterId, subvolumeGroupClusterId } from "./ceph-csi-cluster-id";
import { controllerPluginSchema, nodePluginSchema, pluginSettingsProblems } from "./ceph-csi-plugins";
import { DNS_LABEL, DNS_SUBDOMAIN } from "./kubernetes-names";

export const CONFIG_NAMESPACE = "kube-ceph";

/** Ceph's own rule for pool names accepted by this tool: no spaces, quotes or shell syntax. */
const CEPH_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
/** A host name or an IPv4/IPv6 literal; nothing a shell or ssh would interpret. */
const HOST = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
/** POSIX portable user names. */
const UNIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Kubernetes resource quantities with a unit (a bare number of bytes is refused as a likely mistake). */
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** A monitor address host:port, optionally with Ceph's msgr prefix (v1: or v2:) as `ceph mon dump` prints it. */
const MON_ADDRESS = /^(v[12]:)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):[0-9]{1,5}$/;
/** Container image reference: registry/path:tag or @digest, without whitespace or shell syntax. */
const IMAGE = /^[a-z0-9]([a-z0-9._/-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9._-]+)*(:[A-Za-z0-9_.-]{1,128})?(@sha256:[a-f0-9]{64})?$/;
const REGISTRY = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9._-]+)*$/;
/** Where ceph-csi-operator's install.yaml is read from: a URL, or a local path without control characters. */
const MANIFEST_SOURCE = /^(https?:\/\/[^\s]+|[^\x00-\x1f\s][^\x00-\x1f]*)$/;
const HOST_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"];
/** The host key types a pin may have: ssh-rsa is recognised only to be refused with its reason. */
const PINNABLE_HOST_KEY_TYPES = HOST_KEY_TYPES.filter((type) => type !== "ssh-rsa");

/** RBD image features understood by this tool; the kernel requirements live in preflight.ts. */
export const IMAGE_FEATURES = ["layering", "exclusive-lock", "object-map", "fast-diff", "deep-flatten", "journaling"] as const;
export type ImageFeature = (typeof IMAGE_FEATURES)[number];
const FEATURES_FORM = `must be a list of RBD image features, or one comma-separated string such as "layering,exclusive-lock", of ${IMAGE_FEATURES.join(", ")}`;

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
function splitList(text: string): string[] {
    return text.split(",").map((item) => item.trim());
}

function isPowerOfTwo(n: number): boolean {
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

const hostSchema = z.union([
    z.string().regex(HOST, { error: "must be a host name or IP address (letters, digits, '.', '-', ':')" }),
    z.strictObject({
        host: z.string().regex(HOST, { error: "must be a host name or IP address (letters, digits, '.', '-', ':')" }),
        port: z.number().int().min(1).max(65535, { error: "must be a TCP port, 1-65535" }).optional(),
        user: z.string().regex(UNIX_USER, { error: "must be a POSIX user name ([a-z_][a-z0-9_-]*, at most 32 characters)" }).optional(),
        hostKey: z.string().refine(isValidHostKey, {
            error: `must be one OpenSSH public key line ('<type> <base64>', type one of ${PINNABLE_HOST_KEY_TYPES.join(", ")}), e.g. from ssh-keyscan -t ed25519 <host>`,
            abort: true,
        }).refine((line) => !isRsaHostKey(line), {
            // @pulumi/command pins with the key's own algorithm, SHA-1 "ssh-rsa", which OpenSSH 8.8+ refuses.
            error: "is an ssh-rsa key, which @pulumi/command can only verify with the SHA-1 ssh-rsa algorithm that OpenSSH 8.8 and later refuse, " +
                "so every remote command would fail after its retries; pin the host's ed25519 or ECDSA key instead (ssh-keyscan -t ed25519 <host>)",
        }).optional(),
    }),
], { error: "must be a host name string or an object {host, port?, user?, hostKey?}" });

const cephSchema = z.strictObject({
    hosts: z.array(hostSchema, { error: "must be a list of mon hosts" })
        .min(1, { error: "must list at least one mon host" })
        .max(16, { error: "must list at most 16 mon hosts" }),
    fsid: z.string().regex(UUID, { error: "must be the cluster fsid, a lowercase UUID as printed by 'ceph fsid'" }).optional(),
    monitors: z.array(z.string().regex(MON_ADDRESS, { error: "must be a monitor address host:port, e.g. 10.0.0.1:6789, optionally prefixed v1: or v2:" }))
        .min(1, { error: "must list at least one monitor" }).optional(),
    sessionsPerHost: z.number().int({ error: "must be a whole number" })
        .min(1, { error: `must be between 1 and ${MAX_SESSIONS_PER_HOST}` })
        .max(MAX_SESSIONS_PER_HOST, { error: `must be between 1 and ${MAX_SESSIONS_PER_HOST}: sshd's default MaxStartups 10:30:100 drops connections beyond 10 starting at once` })
        .default(DEFAULT_SESSIONS_PER_HOST),
});

const preflightSchema = z.strictObject({
    health: z.enum(["ok", "warn", "off"], { error: "must be one of ok, warn, off" }).default("ok"),
    kernels: z.enum(["check", "off"], { error: "must be one of check, off" }).default("check"),
});

const poolSchema = z.strictObject({
    name: z.string().regex(CEPH_NAME, { error: "must be a Ceph pool name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters" }).default("mypool"),
    pgNum: z.number().refine(isPowerOfTwo, { error: "must be a power of two" })
        .refine((n) => n <= MAX_PG_NUM, { error: `must be at most ${MAX_PG_NUM} (mon_max_pool_pg_num)` }).optional(),
    replicas: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be between 1 and 10" }).max(10, { error: "must be between 1 and 10" }).optional(),
    deletionPolicy: z.enum(["retain", "delete"], { error: "must be one of retain, delete" }).default("retain"),
    renameConfirmedFrom: z.string().regex(CEPH_NAME, { error: "must be the previous pool name" }).optional(),
});

const clientSchema = z.strictObject({
    name: z.string().regex(CEPH_NAME, { error: "must be a Ceph user name without the 'client.' prefix: letters, digits, '_', '.', '-', at most 63 characters" })
        .refine((n) => n !== "admin", { error: "must not be 'admin': kube-ceph creates a least-privilege user and never hands client.admin to Kubernetes" })
        .refine((n) => !n.startsWith("client."), { error: "must not include the 'client.' prefix" })
        .default("kube"),
    // Unset, index.ts decides from the stack's history (see nodeUsersFor in stack-history.ts).
    separateNodeUsers: z.boolean({ error: "must be true or false" }).optional(),
    // Existing users, made by someone else, that the stack may use as they are (see checkUserOwnership).
    adoptUsers: z.array(z.string().regex(/^client\.[A-Za-z0-9_.-]{1,63}$/, { error: "must be a Ceph user name with its 'client.' prefix, such as client.kube" })
        .refine((n) => n !== "client.admin", { error: "must not be client.admin: kube-ceph never hands client.admin to Kubernetes" }), { error: "must be a list of Ceph user names" }).default([]),
});

/** What every StorageClass says, RBD or CephFS, besides where its volumes go. */
const commonClassFields = {
    reclaimPolicy: z.enum(["Delete", "Retain"], { error: "must be one of Delete, Retain" }).default("Delete"),
    allowVolumeExpansion: z.boolean({ error: "must be true or false" }).default(true),
    volumeBindingMode: z.enum(["Immediate", "WaitForFirstConsumer"], { error: "must be one of Immediate, WaitForFirstConsumer" }).default("Immediate"),
    mountOptions: z.array(z.string().regex(/^[A-Za-z0-9_=,.-]+$/, { error: "must be a mount option such as discard" })).default([]),
    isDefault: z.boolean({ error: "must be true or false" }).default(false),
};

/** What every RBD StorageClass says besides where its images go: the fields the one-class form and the list share. */
const classFields = {
    fsType: z.enum(["ext4", "xfs"], { error: "must be one of ext4, xfs" }).default("ext4"),
    // ceph-csi and its examples write "layering,exclusive-lock"; a list is accepted too, and both become one list.
    imageFeatures: z.preprocess(
        (value) => (typeof value === "string" ? splitList(value) : value),
        z.array(z.enum(IMAGE_FEATURES, { error: `must list only ${IMAGE_FEATURES.join(", ")}` }), { error: FEATURES_FORM })
            .min(1, { error: "must list at least layering" })
            .refine((f) => new Set(f).size === f.length, { error: "must not repeat a feature" })
            .refine((f) => !f.includes("object-map") || f.includes("exclusive-lock"), { error: "object-map requires exclusive-lock" })
            .refine((f) => !f.includes("fast-diff") || f.includes("object-map"), { error: "fast-diff requires object-map" }),
    ).default(["layering"]),
    ...commonClassFields,
    // A VolumeSnapshotClass for the class (csi kind): the cluster needs the snapshot CRDs, which preflight checks.
    snapshotClass: z.boolean({ error: "must be true or false" }).default(false),
};

const storageClassSchema = z.strictObject({
    name: z.string().regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" }).default("ceph-storageclass"),
    ...classFields,
});

/** CRUSH bucket types a stock CRUSH map has, from the smallest: where an erasure-coded pool puts each chunk. */
export const FAILURE_DOMAINS = ["osd", "host", "chassis", "rack", "row", "pdu", "pod", "room", "datacenter", "zone", "region"] as const;

/** One pool of kube-ceph:pools; its name is the map's key. */
const poolEntrySchema = z.strictObject({
    pgNum: poolSchema.shape.pgNum,
    replicas: poolSchema.shape.replicas,
    // k data chunks and m coding chunks per object, each in its own failure domain: k + m of them must exist.
    erasureCoded: z.strictObject({
        k: z.number().int({ error: "must be a whole number from 2 to 16" }).min(2, { error: "must be a whole number from 2 to 16" }).max(16, { error: "must be a whole number from 2 to 16" }),
        m: z.number().int({ error: "must be a whole number from 1 to 8" }).min(1, { error: "must be a whole number from 1 to 8" }).max(8, { error: "must be a whole number from 1 to 8" }),
        failureDomain: z.enum(FAILURE_DOMAINS, { error: `must be one of ${FAILURE_DOMAINS.join(", ")}` }).default("host"),
    }).optional(),
    deletionPolicy: poolSchema.shape.deletionPolicy,
});

const poolsSchema = z.record(
    z.string().regex(CEPH_NAME, { error: "must be a Ceph pool name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters" }),
    poolEntrySchema,
    { error: "must be a map from pool name to {pgNum?, replicas?, erasureCoded?: {k, m, failureDomain?}, deletionPolicy?}" },
);

const className = z.string({ error: "is required: the StorageClass's name" }).regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" });

/** One RBD StorageClass of kube-ceph:storageClasses. */
const rbdClassSchema = z.strictObject({
    name: className,
    type: z.literal("rbd").default("rbd"),
    pool: z.string({ error: "is required: the kube-ceph:pools entry the class's images go into" }).regex(CEPH_NAME, { error: "must be a pool name declared in kube-ceph:pools" }),
    // Where the images' data goes (an erasure-coded pool, usually); their headers and metadata stay in pool.
    dataPool: z.string().regex(CEPH_NAME, { error: "must be a pool name declared in kube-ceph:pools" }).optional(),
    // A tenant: its images go into this rados namespace, under a user, Secrets and clusterID of its own.
    radosNamespace: z.string().regex(DNS_LABEL, { error: "must be a rados namespace name kube-ceph can also use in Kubernetes names: lowercase letters, digits and '-', at most 63 characters" }).optional(),
    // krbd (the kernel, the default) or rbd-nbd (user space, any image feature).
    mounter: z.enum(["krbd", "rbd-nbd"], { error: "must be one of krbd, rbd-nbd" }).optional(),
    // Options for mapping, as ceph-csi takes them: "krbd:lock_on_read,queue_depth=1024;nbd:try-netlink".
    mapOptions: z.string().regex(/^[A-Za-z0-9_=,.:;-]+$/, { error: "must be ceph-csi's mapOptions, such as krbd:lock_on_read,queue_depth=1024" }).optional(),
    ...classFields,
});

/** One CephFS StorageClass of kube-ceph:storageClasses (ReadWriteMany). */
const cephfsClassSchema = z.strictObject({
    name: className,
    type: z.literal("cephfs"),
    filesystem: z.string({ error: "is required: the kube-ceph:filesystems entry the class's volumes are made in" }).regex(CEPH_NAME, { error: "must be a filesystem name declared in kube-ceph:filesystems" }),
    // ceph-csi's own default group; each group gets users, Secrets and a clusterID of its own.
    subvolumeGroup: z.string().regex(DNS_LABEL, { error: "must be a subvolume group name kube-ceph can also use in Kubernetes names: lowercase letters, digits and '-', at most 63 characters" }).default("csi"),
    // Where ceph-csi keeps the group's journal in the metadata pool; unset, ceph-csi's default (csi).
    radosNamespace: z.string().regex(DNS_LABEL, { error: "must be a rados namespace name: lowercase letters, digits and '-', at most 63 characters" }).optional(),
    // The kernel client or ceph-fuse; unset, ceph-csi picks.
    mounter: z.enum(["kernel", "fuse"], { error: "must be one of kernel, fuse" }).optional(),
    ...commonClassFields,
    snapshotClass: classFields.snapshotClass,
});

/** A class of either type; without `type` it is RBD. */
const classSchema = z.preprocess(
    (value) => (value !== null && typeof value === "object" && !Array.isArray(value) && (value as { type?: unknown }).type === undefined ? { ...value, type: "rbd" } : value),
    z.discriminatedUnion("type", [rbdClassSchema, cephfsClassSchema], { error: "must have type rbd (the default) or cephfs" }),
);

/** One CephFS filesystem of kube-ceph:filesystems; its name is the map's key. */
const filesystemEntrySchema = z.strictObject({
    deletionPolicy: z.enum(["retain", "delete"], { error: "must be one of retain, delete" }).default("retain"),
});

const filesystemsSchema = z.record(
    z.string().regex(CEPH_NAME, { error: "must be a CephFS filesystem name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters" }),
    filesystemEntrySchema,
    { error: "must be a map from filesystem name to {deletionPolicy?}" },
);

const imagesSchema = z.strictObject(
    Object.fromEntries(IMAGE_KEYS.map((k) => [k, z.string().regex(IMAGE, { error: "must be a container image reference such as registry.example/org/name:tag" }).optional()])) as
        Record<ImageKey, z.ZodOptional<z.ZodString>>,
);

const provisionerSchema = z.strictObject({
    kind: z.enum(PROVISIONER_KINDS, { error: `must be one of ${PROVISIONER_KINDS.join(", ")}` }).default("csi"),
    namespace: z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase RFC 1123 label)" }).default("ceph-csi"),
    registry: z.string().regex(REGISTRY, { error: "must be a registry prefix such as registry.example:5000/mirror" }).optional(),
    images: imagesSchema.prefault({}),
    awaitRollout: z.boolean({ error: "must be true or false" }).default(true),
    // Unset means the operator for the csi kind; set with another kind it is refused.
    install: z.enum(CSI_INSTALLS, { error: `must be one of ${CSI_INSTALLS.join(", ")}` }).optional(),
    operator: z.strictObject({
        // Where install.yaml comes from: the release's published file, a mirror URL or a local path (air-gapped sites).
        manifest: z.string().regex(MANIFEST_SOURCE, { error: "must be an https:// or http:// URL, or a path to a local copy of ceph-csi-operator's deploy/all-in-one/install.yaml" }).optional(),
        // The manifest's SHA-256, checked before anything changes; unset, only the release's own file (manifest unset) is checked, against the pinned digest.
        manifestSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be the manifest's SHA-256: 64 lowercase hex digits, as sha256sum prints them" }).optional(),
        // existing-operator only: where the operator that someone else manages runs (install.yaml's names by default).
        namespace: z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase RFC 1123 label)" }).optional(),
        deployment: z.string().regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" }).optional(),
        // ceph-csi's log verbosity (the Driver's spec.log.verbosity).
        logVerbosity: z.number().int({ error: "must be a whole number from 0 to 5" })
            .min(0, { error: "must be a whole number from 0 to 5" }).max(5, { error: "must be a whole number from 0 to 5" }).default(1),
        // How long `up` waits for the operator to load the ClientProfile and generate the workloads,
        // and destroy for it to release the ClientProfile.
        timeoutSeconds: z.number().int({ error: "must be a whole number of seconds" })
            .min(10, { error: "must be between 10 and 3600" }).max(3600, { error: "must be between 10 and 3600" }).default(300),
    }).prefault({}),
    // ceph-csi's pod settings through the operator's Driver (ceph-csi-plugins.ts); unset, the operator's defaults.
    controllerPlugin: controllerPluginSchema.optional(),
    nodePlugin: nodePluginSchema.optional(),
});

const smokeTestSchema = z.strictObject({
    enabled: z.boolean({ error: "must be true or false" }).default(true),
    namespace: z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase RFC 1123 label)" }).default("default"),
    claimName: z.string().regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" }).default("ceph-test-claim"),
    size: z.string().regex(QUANTITY, { error: "must be a Kubernetes quantity with a unit, such as 5Gi or 500Mi (5GB is not one)" }).default("5Gi"),
    // Unset, the pinned busybox of images.ts, under kube-ceph:provisioner.registry when that is set.
    image: z.string().regex(IMAGE, { error: "must be a container image reference such as docker.io/library/busybox:1.37.0" }).optional(),
    // false checks only that the claim binds to a real volume: for clusters (or a lab) where no pod can run.
    pod: z.boolean({ error: "must be true or false" }).default(true),
    // true leaves the pod that succeeded in place (until destroy), to look at; unset, it is removed.
    keepPod: z.boolean({ error: "must be true or false" }).default(false),
    timeoutSeconds: z.number().int({ error: "must be a whole number of seconds" })
        .min(10, { error: "must be between 10 and 3600" }).max(3600, { error: "must be between 10 and 3600" }).default(300),
});

// An object left out is parsed as {}: each field's default above is the one the program uses.
// (Pulumi.yaml repeats them; it says why they stay there.)
const schemas = {
    ceph: cephSchema,
    preflight: preflightSchema.prefault({}),
    pool: poolSchema.prefault({}),
    client: clientSchema.prefault({}),
    storageClass: storageClassSchema.prefault({}),
    provisioner: provisionerSchema.prefault({}),
    smokeTest: smokeTestSchema.prefault({}),
    // The many-class form; unset, pool and storageClass above make the one class.
    pools: poolsSchema.optional(),
    storageClasses: z.array(classSchema, { error: "must be a list of StorageClasses, each {name, type: rbd, pool, ...} or {name, type: cephfs, filesystem, ...}" })
        .min(1, { error: "must list at least one StorageClass" }).optional(),
    filesystems: filesystemsSchema.optional(),
};

export type CephHost = { host: string; port: number; user: string; hostKey?: string };

export interface KubeCephConfig {
    ceph: { hosts: CephHost[]; fsid?: string; monitors?: string[]; sessionsPerHost: number };
    preflight: z.infer<typeof preflightSchema>;
    pool: z.infer<typeof poolSchema>;
    client: z.infer<typeof clientSchema>;
    storageClass: z.infer<typeof storageClassSchema>;
    provisioner: z.infer<typeof provisionerSchema> & { install: CsiInstall };
    smokeTest: z.infer<typeof smokeTestSchema>;
    /** Every pool, by name: kube-ceph:pools, or the one kube-ceph:pool. */
    pools: Record<string, PoolConfig>;
    /** Every StorageClass: kube-ceph:storageClasses, or the one of kube-ceph:pool and kube-ceph:storageClass. */
    storageClasses: ClassConfig[];
    /** Every CephFS filesystem, by name (kube-ceph:filesystems; none in the one-class form). */
    filesystems: Record<string, FilesystemConfig>;
    /** Which form the stack uses: the one-class keys (pool, storageClass) or the lists (pools, storageClasses). */
    form: "one-class" | "many";
}

export type PoolConfig = z.infer<typeof poolEntrySchema>;
export type RbdClassConfig = z.infer<typeof rbdClassSchema>;
export type CephfsClassConfig = z.infer<typeof cephfsClassSchema>;
export type ClassConfig = RbdClassConfig | CephfsClassConfig;
export type FilesystemConfig = z.infer<typeof filesystemEntrySchema>;

/**
 * The values Pulumi.yaml gives kube-ceph:pool and kube-ceph:storageClass when a stack leaves
 * them out. Pulumi hands the program those defaults as if the stack had set them, so a stack
 * of the many-class form "sets" them too: only a value other than these is the one-class form.
 */
export const PROJECT_DEFAULTS = {
    pool: { name: "mypool", deletionPolicy: "retain" },
    storageClass: {
        name: "ceph-storageclass",
        fsType: "ext4",
        imageFeatures: ["layering"],
        reclaimPolicy: "Delete",
        allowVolumeExpansion: true,
        volumeBindingMode: "Immediate",
        mountOptions: [],
        isDefault: false,
    },
};

/** The object without its undefined fields: the one-class form's pool as the many-class form parses it. */
function withoutUnset<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Deep equality whatever the key order: Pulumi hands the defaults over with their keys sorted. */
function sameValue(a: unknown, b: unknown): boolean {
    return isDeepStrictEqual(a, b);
}

/** The JSON kind of a top-level key's value, as Pulumi.yaml declares it: object, array, string... */
export function configKeyKind(key: string): string {
    const def = (unwrapSchema((schemas as Record<string, z.ZodType>)[key]) as unknown as { _zod: { def: { type: string } } })._zod.def;
    return def.type === "record" ? "object" : def.type;
}

/** Every key this tool reads; anything else under the namespace is a typo worth reporting. */
export const CONFIG_KEYS = [...Object.keys(schemas), "sshPrivateKey"].sort();

/** One bad config value: the full key, what was given, and what is allowed. */
export interface ConfigProblem {
    key: string;
    value: unknown;
    allowed: string;
}

/** Thrown for bad configuration; its message names every offending key, value and rule. */
export class ConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            "invalid kube-ceph configuration (nothing was created or changed):\n" +
                problems.map((p) => `  ${p.key}: got ${describe(p.value)}; ${p.allowed}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

function describe(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let node: unknown = root;
    for (const step of path) {
        // A comma-separated string stands for a list (imageFeatures), so its items have indexes too.
        if (typeof node === "string" && typeof step === "number") {
            node = splitList(node);
        }
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<PropertyKey, unknown>)[step];
    }
    return node;
}

function keyName(top: string, path: PropertyKey[]): string {
    return path.reduce<string>((key, step) => (typeof step === "number" ? `${key}[${step}]` : `${key}.${String(step)}`), `${CONFIG_NAMESPACE}:${top}`);
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

/**
 * A key set without `pulumi config set --path` arrives as one name with dots or brackets in it
 * ("ceph.hosts[0]"): the top-level key it was meant to go into, when it names one.
 */
export function pathKeyMeantFor(key: string): string | undefined {
    const top = /^([A-Za-z]+)[.[]/.exec(key)?.[1];
    return top !== undefined && CONFIG_KEYS.includes(top) ? top : undefined;
}

/**
 * The words for a value of the wrong type: which type, and for a number or boolean written as a
 * string (`pgNum: "128"`) how to set it so that Pulumi stores it unquoted.
 */
function wrongTypeMessage(key: string, expected: string, value: unknown): string {
    const article = /^[aeiou]/.test(expected) ? "an" : "a";
    const given = Array.isArray(value) ? "a list" : value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`;
    if (typeof value === "string" && ((expected === "number" && /^-?\d+(\.\d+)?$/.test(value.trim())) || (expected === "boolean" && /^(true|false)$/.test(value.trim())))) {
        return `must be ${article} ${expected}, not the string "${value}": set it with pulumi config set --path '${key}' ${value.trim()} (with --path, Pulumi stores whole numbers and true/false unquoted), or write it without quotes in the stack's YAML`;
    }
    return `must be ${article} ${expected}, not ${given}`;
}

/**
 * Parses the raw stack config (values as `pulumi config` stores them: objects for the
 * structured keys) into a complete, defaulted configuration. `raw` maps short key names
 * (without the namespace) to their values; the SSH key is checked for shape only and is
 * never part of the result or of an error message.
 */
export function parseConfig(raw: Record<string, unknown>, sshPrivateKey: string | undefined): KubeCephConfig {
    const problems: ConfigProblem[] = [];
    for (const key of Object.keys(raw).sort()) {
        if (!CONFIG_KEYS.includes(key) && raw[key] !== undefined) {
            const meant = pathKeyMeantFor(key);
            const allowed = meant !== undefined
                ? `is one key named "${key}", set without --path; to set that place inside ${CONFIG_NAMESPACE}:${meant}, run pulumi config rm '${CONFIG_NAMESPACE}:${key}' and then pulumi config set --path '${CONFIG_NAMESPACE}:${key}' <value>`
                : `is not a kube-ceph key; known keys: ${CONFIG_KEYS.join(", ")}`;
            problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, value: raw[key], allowed });
        }
    }
    const parsed: Record<string, unknown> = {};
    for (const [top, schema] of Object.entries(schemas)) {
        if (top === "ceph" && raw.ceph === undefined) {
            problems.push({ key: `${CONFIG_NAMESPACE}:ceph`, value: undefined, allowed: "is required: set kube-ceph:ceph.hosts to the mon hosts, e.g. pulumi config set --path 'ceph.hosts[0]' 10.0.0.1" });
            continue;
        }
        const result = (schema as z.ZodType).safeParse(raw[top]);
        if (result.success) {
            parsed[top] = result.data;
            continue;
        }
        for (const issue of result.error.issues) {
            problems.push(problemFromIssue(top, raw[top], issue));
        }
    }
    if (sshPrivateKey === undefined || sshPrivateKey.trim() === "") {
        problems.push({
            key: `${CONFIG_NAMESPACE}:sshPrivateKey`,
            value: undefined,
            allowed: "is required: pulumi config set --secret kube-ceph:sshPrivateKey < ~/.ssh/id_ed25519",
        });
    } else if (!isPrivateKeyShaped(sshPrivateKey)) {
        problems.push({
            key: `${CONFIG_NAMESPACE}:sshPrivateKey`,
            value: "[secret]",
            allowed: "must be an OpenSSH or PEM private key (-----BEGIN ... PRIVATE KEY-----)",
        });
    } else if (isPassphraseProtected(sshPrivateKey)) {
        problems.push({
            key: `${CONFIG_NAMESPACE}:sshPrivateKey`,
            value: "[secret]",
            allowed: "is protected by a passphrase, which kube-ceph cannot ask for: set a key without one, for example a copy with the passphrase removed " +
                "(cp ~/.ssh/id_ed25519 kube-ceph-key && ssh-keygen -p -N '' -f kube-ceph-key), then pulumi config set --secret kube-ceph:sshPrivateKey < kube-ceph-key",
        });
    }
    problems.push(...crossFieldProblems(parsed));
    problems.push(...classProblems(raw, parsed));
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    const ceph = parsed.ceph as z.infer<typeof cephSchema>;
    const provisioner = parsed.provisioner as z.infer<typeof provisionerSchema>;
    const pool = parsed.pool as z.infer<typeof poolSchema>;
    const storageClass = parsed.storageClass as z.infer<typeof storageClassSchema>;
    const many = parsed.storageClasses !== undefined;
    return {
        pools: many ? (parsed.pools ?? {}) : { [pool.name]: withoutUnset({ pgNum: pool.pgNum, replicas: pool.replicas, deletionPolicy: pool.deletionPolicy }) },
        storageClasses: many ? parsed.storageClasses : [{ ...storageClass, type: "rbd", pool: pool.name }],
        filesystems: parsed.filesystems ?? {},
        form: many ? "many" : "one-class",
        ceph: { ...ceph, hosts: ceph.hosts.map(normaliseHost) },
        preflight: parsed.preflight,
        pool: parsed.pool,
        client: parsed.client,
        storageClass: parsed.storageClass,
        provisioner: { ...provisioner, install: provisioner.install ?? "operator" },
        smokeTest: parsed.smokeTest,
    } as KubeCephConfig;
}

/** Peels defaults, optionals and preprocessing off a schema. */
function unwrapSchema(schema: z.ZodType): z.ZodType {
    let node = schema as unknown as { _zod: { def: Record<string, any> } };
    for (;;) {
        const def = node._zod.def;
        if (def.type === "default" || def.type === "optional" || def.type === "prefault") {
            node = def.innerType;
        } else if (def.type === "pipe") {
            node = def.out;
        } else {
            return node as unknown as z.ZodType;
        }
    }
}

/** The keys an object in the config may have at `path` below `schema`; unions answer with their object branch. */
export function knownKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
    const def = (unwrapSchema(schema) as unknown as { _zod: { def: Record<string, any> } })._zod.def;
    if (def.type === "union") {
        for (const option of def.options as z.ZodType[]) {
            const keys = knownKeysAt(option, path);
            if (keys.length > 0) {
                return keys;
            }
        }
        return [];
    }
    if (path.length === 0) {
        return def.type === "object" ? Object.keys(def.shape).sort() : [];
    }
    const [step, ...rest] = path;
    if (def.type === "object" && typeof step === "string" && step in def.shape) {
        return knownKeysAt(def.shape[step], rest);
    }
    if (def.type === "array" && typeof step === "number") {
        return knownKeysAt(def.element, rest);
    }
    return [];
}

function problemFromIssue(top: string, raw: unknown, issue: z.core.$ZodIssue): ConfigProblem {
    // An unknown key inside an object is reported at that key, with the keys allowed in that very object.
    if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt((schemas as Record<string, z.ZodType>)[top], issue.path);
        const parentPath = issue.path;
        return {
            key: keyName(top, [...parentPath, issue.keys[0]]),
            value: valueAt(raw, [...parentPath, issue.keys[0]]),
            allowed: `is not a known key${known.length > 0 ? `; known keys here: ${known.join(", ")}` : ""}`,
        };
    }
    // A map key that breaks its rule (a pool name) is reported at that key, with the key's rule.
    if (issue.code === "invalid_key" && issue.issues.length > 0) {
        return { key: keyName(top, issue.path), value: issue.path[issue.path.length - 1], allowed: issue.issues[0].message };
    }
    // A union reports the object branch's error when the value was an object.
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
        const value = valueAt(raw, issue.path);
        const branch = issue.errors[typeof value === "object" && value !== null ? 1 : 0] ?? issue.errors[0];
        const inner = branch[0];
        if (inner !== undefined && (typeof value === "object" && value !== null || inner.code !== "invalid_type")) {
            return problemFromIssue(top, raw, { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
        }
    }
    const value = valueAt(raw, issue.path);
    const key = keyName(top, issue.path);
    if (issue.code === "invalid_type") {
        // Not the schema library's own words ("Invalid input: expected number, received string").
        const allowed = value === undefined && issue.path.length > 0 ? "is required" : /^Invalid input/.test(issue.message) ? wrongTypeMessage(key, issue.expected, value) : issue.message;
        return { key, value, allowed };
    }
    return { key, value, allowed: issue.message };
}

function normaliseHost(entry: string | { host: string; port?: number; user?: string; hostKey?: string }): CephHost {
    const spec = typeof entry === "string" ? { host: entry } : entry;
    const host: CephHost = { host: spec.host, port: spec.port ?? 22, user: spec.user ?? "root" };
    if (spec.hostKey !== undefined) {
        host.hostKey = spec.hostKey.trim().split(/\s+/).slice(0, 2).join(" ");
    }
    return host;
}

function crossFieldProblems(parsed: Record<string, unknown>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const kind = (parsed.provisioner as KubeCephConfig["provisioner"] | undefined)?.kind;
    const storageClass = parsed.storageClass as KubeCephConfig["storageClass"] | undefined;
    if (storageClass !== undefined) {
        problems.push(...legacyClassProblems("storageClass", storageClass, kind));
    }
    const provisioner = parsed.provisioner as KubeCephConfig["provisioner"] | undefined;
    if (provisioner !== undefined && provisioner.kind !== "csi" && provisioner.install !== undefined) {
        problems.push({
            key: `${CONFIG_NAMESPACE}:provisioner.install`,
            value: provisioner.install,
            allowed: `must be left unset with kube-ceph:provisioner.kind "${provisioner.kind}": it says how the csi kind installs ceph-csi`,
        });
    }
    // The existing operator's whereabouts, or the manifest kube-ceph installs: one or the other.
    const existing = provisioner?.kind === "csi" && provisioner.install === "existing-operator";
    for (const key of existing ? (["manifest", "manifestSha256"] as const) : (["namespace", "deployment"] as const)) {
        const value = provisioner?.operator?.[key];
        if (value !== undefined) {
            problems.push({
                key: `${CONFIG_NAMESPACE}:provisioner.operator.${key}`,
                value,
                allowed: existing
                    ? "must be left unset with kube-ceph:provisioner.install \"existing-operator\": kube-ceph installs no operator, so it reads no manifest"
                    : "must be left unset unless kube-ceph:provisioner.install is \"existing-operator\": it names where an operator that someone else manages runs",
            });
        }
    }
    for (const plugin of ["controllerPlugin", "nodePlugin"] as const) {
        const settings = provisioner?.[plugin];
        if (settings === undefined) {
            continue;
        }
        if (provisioner!.kind !== "csi" || provisioner!.install === "manifests") {
            problems.push({
                key: `${CONFIG_NAMESPACE}:provisioner.${plugin}`,
                value: settings,
                allowed: `must be left unset unless ceph-csi runs through ceph-csi-operator (kube-ceph:provisioner.kind "csi" with install "operator" or "existing-operator"): the operator's Driver is what carries these settings`,
            });
            continue;
        }
        problems.push(...pluginSettingsProblems(`provisioner.${plugin}`, settings).map((p) => ({ ...p, key: `${CONFIG_NAMESPACE}:${p.key}` })));
    }
    const client = parsed.client as KubeCephConfig["client"] | undefined;
    if (client?.separateNodeUsers === true && provisioner !== undefined && provisioner.kind !== "csi") {
        problems.push({
            key: `${CONFIG_NAMESPACE}:client.separateNodeUsers`,
            value: true,
            allowed: `must be left unset or false with kube-ceph:provisioner.kind "${provisioner.kind}": only ceph-csi's node plugin can log in as a user of its own`,
        });
    }
    const ceph = parsed.ceph as z.infer<typeof cephSchema> | undefined;
    if (ceph !== undefined) {
        const seen = new Map<string, number>();
        ceph.hosts.forEach((entry, index) => {
            const host = normaliseHost(entry);
            const id = `${host.host}:${host.port}`;
            if (seen.has(id)) {
                problems.push({
                    key: `${CONFIG_NAMESPACE}:ceph.hosts[${index}]`,
                    value: entry,
                    allowed: `duplicates kube-ceph:ceph.hosts[${seen.get(id)}]; list each mon host once`,
                });
            }
            seen.set(id, index);
        });
        if ((ceph.fsid === undefined) !== (ceph.monitors === undefined)) {
            const missing = ceph.fsid === undefined ? "fsid" : "monitors";
            problems.push({
                key: `${CONFIG_NAMESPACE}:ceph.${missing}`,
                value: undefined,
                allowed: "must be set together with " + (missing === "fsid" ? "ceph.monitors" : "ceph.fsid") + " (both skip discovery) or both left unset",
            });
        }
    }
    return problems;
}


/**
 * What the legacy kinds (in-tree, external) cannot do with a class, at `at` (the one-class
 * `storageClass` or an entry of `storageClasses`): features beyond layering, snapshots, and
 * ceph-csi's own parameters.
 */
function legacyClassProblems(at: string, cls: Partial<RbdClassConfig> & Pick<RbdClassConfig, "imageFeatures" | "snapshotClass">, kind: ProvisionerKind | undefined): ConfigProblem[] {
    if (kind === undefined || kind === "csi") {
        return [];
    }
    const problems: ConfigProblem[] = [];
    const key = (field: string) => `${CONFIG_NAMESPACE}:${at}.${field}`;
    const unsupported = cls.imageFeatures.filter((f) => !LEGACY_IMAGE_FEATURES.includes(f));
    if (unsupported.length > 0) {
        problems.push({
            key: key("imageFeatures"),
            value: cls.imageFeatures,
            allowed: `must be only ${LEGACY_IMAGE_FEATURES.join(", ")} with kube-ceph:provisioner.kind "${kind}": that provisioner fails every claim whose class asks for other features; use the csi kind for ${unsupported.join(", ")}`,
        });
    }
    if (cls.snapshotClass) {
        problems.push({ key: key("snapshotClass"), value: true, allowed: `must be false with kube-ceph:provisioner.kind "${kind}": only ceph-csi (the csi kind) takes snapshots` });
    }
    for (const field of ["dataPool", "mounter", "mapOptions"] as const) {
        if (cls[field] !== undefined) {
            problems.push({ key: key(field), value: cls[field], allowed: `must be left unset with kube-ceph:provisioner.kind "${kind}": only ceph-csi (the csi kind) supports it` });
        }
    }
    return problems;
}

/**
 * The many-class form against itself and the one-class keys: both forms at once, a class
 * naming a pool that is not declared (or an erasure-coded one as the pool of its images'
 * metadata), two classes of one name, two default classes, and what the legacy kinds cannot do.
 */
function classProblems(raw: Record<string, unknown>, parsed: Record<string, unknown>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const problem = (key: string, value: unknown, allowed: string) => problems.push({ key: `${CONFIG_NAMESPACE}:${key}`, value, allowed });
    const many = raw.pools !== undefined || raw.storageClasses !== undefined;
    if (!many) {
        if (raw.filesystems !== undefined) {
            problem("filesystems", raw.filesystems, "must be left unset without kube-ceph:storageClasses: only a class of that list (type cephfs) can use a filesystem");
        }
        return problems;
    }
    for (const key of ["pool", "storageClass"] as const) {
        if (raw[key] !== undefined && !sameValue(raw[key], PROJECT_DEFAULTS[key])) {
            problem(key, raw[key], "must be left unset with kube-ceph:pools and kube-ceph:storageClasses: it is the one-class form of them; " +
                `move it into ${key === "pool" ? "kube-ceph:pools" : "kube-ceph:storageClasses"} and remove it (pulumi config rm kube-ceph:${key})`);
        }
    }
    const classes = parsed.storageClasses as ClassConfig[] | undefined;
    // A stack of CephFS classes only needs no pool of its own: its filesystems make theirs.
    const cephfsOnly = classes !== undefined && classes.length > 0 && classes.every((c) => c.type === "cephfs");
    if (raw.pools === undefined && !cephfsOnly) {
        problem("pools", undefined, "is required with kube-ceph:storageClasses: declare every pool the classes name, e.g. {\"rbd\": {\"replicas\": 3}}");
    }
    if (raw.storageClasses === undefined) {
        problem("storageClasses", undefined, "is required with kube-ceph:pools: list the classes that use the pools, e.g. [{\"name\": \"fast\", \"pool\": \"rbd\"}]");
    }
    const pools = (raw.pools === undefined && cephfsOnly ? {} : parsed.pools) as Record<string, PoolConfig> | undefined;
    if (pools !== undefined) {
        for (const [name, pool] of Object.entries(pools)) {
            if (pool.erasureCoded !== undefined && pool.replicas !== undefined) {
                problem(`pools.${name}.replicas`, pool.replicas, "must be left unset for an erasure-coded pool: erasureCoded.k + erasureCoded.m is its size");
            }
        }
    }
    if (pools === undefined || classes === undefined) {
        return problems;
    }
    const declared = Object.keys(pools).sort().join(", ");
    const classPoolProblems = (cls: RbdClassConfig, at: string) => {
        if (!(cls.pool in pools)) {
            problem(`${at}.pool`, cls.pool, `must be a pool declared in kube-ceph:pools (declared: ${declared})`);
        } else if (pools[cls.pool].erasureCoded !== undefined) {
            problem(`${at}.pool`, cls.pool, "must be a replicated pool: an erasure-coded pool cannot hold RBD metadata; name it as the class's dataPool and give pool a replicated one");
        }
        if (cls.dataPool !== undefined && !(cls.dataPool in pools)) {
            problem(`${at}.dataPool`, cls.dataPool, `must be a pool declared in kube-ceph:pools (declared: ${declared})`);
        } else if (cls.dataPool !== undefined && cls.dataPool === cls.pool) {
            problem(`${at}.dataPool`, cls.dataPool, "must differ from the class's pool, or be left unset to keep the data with the metadata");
        }
    };
    const kind = (parsed.provisioner as KubeCephConfig["provisioner"] | undefined)?.kind;
    const filesystems = (parsed.filesystems ?? {}) as Record<string, FilesystemConfig>;
    const seen = new Map<string, number>();
    const groupNamespaces = new Map<string, { index: number; radosNamespace: string | undefined }>();
    let defaultClass: number | undefined;
    const provisioner = parsed.provisioner as KubeCephConfig["provisioner"] | undefined;
    const operatorInstall = provisioner === undefined || (provisioner.kind === "csi" && ["operator", "existing-operator"].includes(provisioner.install ?? "operator"));
    // A tenant or a subvolume group whose users' names another's take would share keys with it.
    const clientName = (parsed.client as KubeCephConfig["client"] | undefined)?.name;
    if (clientName !== undefined) {
        const owners = classes.map(classUserOwner);
        const ownerKey = (index: number) => (index < 0 ? "client.name" : `storageClasses[${index}].${classes[index].type === "cephfs" ? "subvolumeGroup" : "radosNamespace"}`);
        for (const clash of userClashes(clientName, owners)) {
            const cls = classes[clash.second];
            problem(ownerKey(clash.second), cls.type === "cephfs" ? cls.subvolumeGroup : cls.radosNamespace,
                `must not make Ceph user client.${clash.user}, which kube-ceph:${ownerKey(clash.first)} makes too: the two would share one key; choose another name`);
        }
    }
    classes.forEach((cls, index) => {
        const at = `storageClasses[${index}]`;
        if (cls.type === "cephfs") {
            if (!(cls.filesystem in filesystems)) {
                problem(`${at}.filesystem`, cls.filesystem, `must be a filesystem declared in kube-ceph:filesystems (declared: ${Object.keys(filesystems).sort().join(", ") || "none"})`);
            }
            const first = groupNamespaces.get(cls.subvolumeGroup);
            if (first === undefined) {
                groupNamespaces.set(cls.subvolumeGroup, { index, radosNamespace: cls.radosNamespace });
            } else if (first.radosNamespace !== cls.radosNamespace) {
                problem(`${at}.radosNamespace`, cls.radosNamespace ?? "(unset)", `must be ${first.radosNamespace ?? "unset"}, as on kube-ceph:storageClasses[${first.index}]: the classes of subvolume group ${cls.subvolumeGroup} share its ClientProfile, which carries one rados namespace`);
            }
            const longest = longestNameIn(subvolumeGroupClusterId);
            if (cls.subvolumeGroup.length > longest) {
                problem(`${at}.subvolumeGroup`, cls.subvolumeGroup, `must be at most ${longest} characters: the group's clusterID (<fsid>-cephfs-<group>) goes into every volume ID ceph-csi makes, which allows it ${MAX_CLUSTER_ID_LENGTH}`);
            }
            if (!operatorInstall) {
                problem(`${at}.type`, cls.type, "must be rbd unless ceph-csi is installed through ceph-csi-operator (kube-ceph:provisioner.kind csi, install operator): the operator runs the CephFS driver");
            }
        } else {
            classPoolProblems(cls, at);
            const longest = longestNameIn(namespaceClusterId);
            if (cls.radosNamespace !== undefined && cls.radosNamespace.length > longest) {
                problem(`${at}.radosNamespace`, cls.radosNamespace, `must be at most ${longest} characters: the tenant's clusterID (<fsid>-<namespace>) goes into every volume ID ceph-csi makes, which allows it ${MAX_CLUSTER_ID_LENGTH}`);
            }
            if (cls.radosNamespace !== undefined && !operatorInstall) {
                problem(`${at}.radosNamespace`, cls.radosNamespace, "must be left unset unless ceph-csi is installed through ceph-csi-operator (kube-ceph:provisioner.kind csi, install operator): the tenant's ClientProfile is what carries its namespace");
            }
            problems.push(...legacyClassProblems(at, cls, kind));
        }
        if (seen.has(cls.name)) {
            problem(`${at}.name`, cls.name, `duplicates kube-ceph:storageClasses[${seen.get(cls.name)}].name; every StorageClass needs its own name`);
        }
        seen.set(cls.name, index);
        if (cls.isDefault) {
            if (defaultClass !== undefined) {
                problem(`${at}.isDefault`, true, `must be false: kube-ceph:storageClasses[${defaultClass}] is already the default class, and Kubernetes picks one default`);
            }
            defaultClass ??= index;
        }
    });
    return problems;
}

/**
 * Reads and checks the stack's kube-ceph:* values (objects arrive as JSON text). A bad
 * value ends the run with every problem listed, before anything is read or declared.
 */
export function readStackConfig(): { config: KubeCephConfig; sshPrivateKey: string } {
    const raw: Record<string, unknown> = {};
    let sshPrivateKey: string | undefined;
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig()).sort(([a], [b]) => a.localeCompare(b))) {
        if (!fullKey.startsWith(`${CONFIG_NAMESPACE}:`)) {
            continue;
        }
        const key = fullKey.slice(CONFIG_NAMESPACE.length + 1);
        if (key === "sshPrivateKey") {
            sshPrivateKey = text;
            continue;
        }
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    try {
        return { config: parseConfig(raw, sshPrivateKey), sshPrivateKey: sshPrivateKey! };
    } catch (error) {
        throw error instanceof ConfigError ? new pulumi.RunError(error.message) : error;
    }
}
