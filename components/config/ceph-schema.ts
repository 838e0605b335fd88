// The schema of the Ceph side's keys: the mon hosts, preflight, pools, the user, filesystems.
import { z } from "zod";
import { CEPH_NAME, DEFAULT_SESSIONS_PER_HOST, HOST, isPowerOfTwo, isRsaHostKey, isValidHostKey, MAX_PG_NUM, MAX_SESSIONS_PER_HOST, MON_ADDRESS, PINNABLE_HOST_KEY_TYPES, UNIX_USER, UUID } from "./rules";

export const hostSchema = z.union([
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

export const cephSchema = z.strictObject({
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

export const preflightSchema = z.strictObject({
    health: z.enum(["ok", "warn", "off"], { error: "must be one of ok, warn, off" }).default("ok"),
    kernels: z.enum(["check", "off"], { error: "must be one of check, off" }).default("check"),
});

export const poolSchema = z.strictObject({
    name: z.string().regex(CEPH_NAME, { error: "must be a Ceph pool name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters" }).default("mypool"),
    pgNum: z.number().refine(isPowerOfTwo, { error: "must be a power of two" })
        .refine((n) => n <= MAX_PG_NUM, { error: `must be at most ${MAX_PG_NUM} (mon_max_pool_pg_num)` }).optional(),
    replicas: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be between 1 and 10" }).max(10, { error: "must be between 1 and 10" }).optional(),
    deletionPolicy: z.enum(["retain", "delete"], { error: "must be one of retain, delete" }).default("retain"),
    renameConfirmedFrom: z.string().regex(CEPH_NAME, { error: "must be the previous pool name" }).optional(),
});

export const clientSchema = z.strictObject({
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

/** CRUSH bucket types a stock CRUSH map has, from the smallest: where an erasure-coded pool puts each chunk. */
export const FAILURE_DOMAINS = ["osd", "host", "chassis", "rack", "row", "pdu", "pod", "room", "datacenter", "zone", "region"] as const;

/** One pool of kube-ceph:pools; its name is the map's key. */
export const poolEntrySchema = z.strictObject({
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

export const poolsSchema = z.record(
    z.string().regex(CEPH_NAME, { error: "must be a Ceph pool name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters" }),
    poolEntrySchema,
    { error: "must be a map from pool name to {pgNum?, replicas?, erasureCoded?: {k, m, failureDomain?}, deletionPolicy?}" },
);

/** One CephFS filesystem of kube-ceph:filesystems; its name is the map's key. */
export const filesystemEntrySchema = z.strictObject({
    deletionPolicy: z.enum(["retain", "delete"], { error: "must be one of retain, delete" }).default("retain"),
});

export const filesystemsSchema = z.record(
    z.string().regex(CEPH_NAME, { error: "must be a CephFS filesystem name: letters, digits, '_', '.', '-', starting with a letter or digit, at most 63 characters" }),
    filesystemEntrySchema,
    { error: "must be a map from filesystem name to {deletionPolicy?}" },
);

/** One pool of the config, parsed. */
export type PoolConfig = z.infer<typeof poolEntrySchema>;
/** One CephFS filesystem of the config, parsed. */
export type FilesystemConfig = z.infer<typeof filesystemEntrySchema>;
