// The schema of the StorageClasses, RBD and CephFS, and the rules between a class and the
// rest of the config that one field's schema cannot say.
import { z } from "zod";
import { longestNameIn, MAX_CLUSTER_ID_LENGTH, namespaceClusterId, subvolumeGroupClusterId } from "./ceph-csi-cluster-id";
import { classUserOwner, userClashes } from "./ceph-user-names";
import type { clientSchema, FilesystemConfig, PoolConfig } from "./ceph-schema";
import type { provisionerSchema } from "./provisioner-schema";
import type { ConfigProblem } from "./config-problems";
import { DNS_LABEL, DNS_SUBDOMAIN } from "./kubernetes-names";
import { CEPH_NAME, CONFIG_NAMESPACE, FEATURES_FORM, IMAGE_FEATURES, LEGACY_IMAGE_FEATURES, ProvisionerKind, splitList } from "./rules";

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

/** What every StorageClass says, RBD or CephFS, besides where its volumes go. */
export const commonClassFields = {
    reclaimPolicy: z.enum(["Delete", "Retain"], { error: "must be one of Delete, Retain" }).default("Delete"),
    allowVolumeExpansion: z.boolean({ error: "must be true or false" }).default(true),
    volumeBindingMode: z.enum(["Immediate", "WaitForFirstConsumer"], { error: "must be one of Immediate, WaitForFirstConsumer" }).default("Immediate"),
    mountOptions: z.array(z.string().regex(/^[A-Za-z0-9_=,.-]+$/, { error: "must be a mount option such as discard" })).default([]),
    isDefault: z.boolean({ error: "must be true or false" }).default(false),
};
import { isDeepStrictEqual } from "node:util";

/** Deep equality whatever the key order: Pulumi hands the defaults over with their keys sorted. */
function sameValue(a: unknown, b: unknown): boolean {
    return isDeepStrictEqual(a, b);
}

/** What every RBD StorageClass says besides where its images go: the fields the one-class form and the list share. */
export const classFields = {
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

export const storageClassSchema = z.strictObject({
    name: z.string().regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" }).default("ceph-storageclass"),
    ...classFields,
});

export const className = z.string({ error: "is required: the StorageClass's name" }).regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" });

/** One RBD StorageClass of kube-ceph:storageClasses. */
export const rbdClassSchema = z.strictObject({
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
export const cephfsClassSchema = z.strictObject({
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
export const classSchema = z.preprocess(
    (value) => (value !== null && typeof value === "object" && !Array.isArray(value) && (value as { type?: unknown }).type === undefined ? { ...value, type: "rbd" } : value),
    z.discriminatedUnion("type", [rbdClassSchema, cephfsClassSchema], { error: "must have type rbd (the default) or cephfs" }),
);

/**
 * What the legacy kinds (in-tree, external) cannot do with a class, at `at` (the one-class
 * `storageClass` or an entry of `storageClasses`): features beyond layering, snapshots, and
 * ceph-csi's own parameters.
 */
export function legacyClassProblems(at: string, cls: Partial<RbdClassConfig> & Pick<RbdClassConfig, "imageFeatures" | "snapshotClass">, kind: ProvisionerKind | undefined): ConfigProblem[] {
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
export function classProblems(raw: Record<string, unknown>, parsed: Record<string, unknown>): ConfigProblem[] {
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
    const kind = (parsed.provisioner as z.infer<typeof provisionerSchema> | undefined)?.kind;
    const filesystems = (parsed.filesystems ?? {}) as Record<string, FilesystemConfig>;
    const seen = new Map<string, number>();
    const groupNamespaces = new Map<string, { index: number; radosNamespace: string | undefined }>();
    let defaultClass: number | undefined;
    const provisioner = parsed.provisioner as z.infer<typeof provisionerSchema> | undefined;
    const operatorInstall = provisioner === undefined || (provisioner.kind === "csi" && ["operator", "existing-operator"].includes(provisioner.install ?? "operator"));
    // A tenant or a subvolume group whose users' names another's take would share keys with it.
    const clientName = (parsed.client as z.infer<typeof clientSchema> | undefined)?.name;
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

/** One RBD class of the config, parsed. */
export type RbdClassConfig = z.infer<typeof rbdClassSchema>;
/** One CephFS class of the config, parsed. */
export type CephfsClassConfig = z.infer<typeof cephfsClassSchema>;
/** A class of either type. */
export type ClassConfig = RbdClassConfig | CephfsClassConfig;
