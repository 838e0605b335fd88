// Every stack config key of kube-ceph is parsed and checked here, once, before any
// resource is declared: a bad value must stop the run while nothing has changed yet. Each
// area's schema is in its own file (ceph-schema.ts, class-schema.ts, provisioner-schema.ts);
// this one joins them and reads the stack.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { pluginSettingsProblems } from "./ceph-csi-plugins";
import { cephSchema, clientSchema, FilesystemConfig, filesystemsSchema, PoolConfig, poolSchema, poolsSchema, preflightSchema } from "./ceph-schema";
import { ClassConfig, classProblems, classSchema, legacyClassProblems, storageClassSchema } from "./class-schema";
import { ConfigError, ConfigProblem, problemFromIssue, unwrapSchema } from "./config-problems";
import { provisionerSchema, smokeTestSchema } from "./provisioner-schema";
import { CONFIG_NAMESPACE, CsiInstall, isPassphraseProtected, isPrivateKeyShaped } from "./rules";

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


/** The object without its undefined fields: the one-class form's pool as the many-class form parses it. */
function withoutUnset<T extends object>(value: T): T {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The JSON kind of a top-level key's value, as Pulumi.yaml declares it: object, array, string... */
export function configKeyKind(key: string): string {
    const def = (unwrapSchema((schemas as Record<string, z.ZodType>)[key]) as unknown as { _zod: { def: { type: string } } })._zod.def;
    return def.type === "record" ? "object" : def.type;
}

/** Every key this tool reads; anything else under the namespace is a typo worth reporting. */
export const CONFIG_KEYS = [...Object.keys(schemas), "sshPrivateKey"].sort();

/**
 * A key set without `pulumi config set --path` arrives as one name with dots or brackets in it
 * ("ceph.hosts[0]"): the top-level key it was meant to go into, when it names one.
 */
export function pathKeyMeantFor(key: string): string | undefined {
    const top = /^([A-Za-z]+)[.[]/.exec(key)?.[1];
    return top !== undefined && CONFIG_KEYS.includes(top) ? top : undefined;
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
            problems.push(problemFromIssue(top, schema as z.ZodType, raw[top], issue));
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
