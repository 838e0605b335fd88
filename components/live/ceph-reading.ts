// What the Ceph cluster reports while the program is planned (discovery, health, CRUSH tunables,
// releases, users' keys and owners), parsed from the answer of ceph-read-script.ts's script. No
// I/O here: mon-reader.ts carries the script over SSH.
import { CephCaps, USER_OWNER_PREFIX } from "../ceph";
import type { CephHost } from "../config";
import { CephReadRequest, SECTION } from "./ceph-read-script";

/** One monitor as `ceph mon dump` reports it. */
export interface Monitor {
    name: string;
    /** msgr v1 address (host:6789), which kernels before 5.11 need. */
    v1?: string;
    /** msgr v2 address (host:3300). */
    v2?: string;
}

export interface HealthCheck {
    name: string;
    severity: string;
    message: string;
    detail: string[];
}

export interface CephHealth {
    status: "HEALTH_OK" | "HEALTH_WARN" | "HEALTH_ERR" | string;
    checks: HealthCheck[];
}

/** The CRUSH feature bits from `ceph osd crush show-tunables` that clients must support. */
export interface CrushTunables {
    profile: string;
    requireTunables: boolean;
    requireTunables2: boolean;
    requireTunables3: boolean;
    hasV4Buckets: boolean;
    requireTunables5: boolean;
}

export interface CephReading {
    /** The host that answered; remote commands run there. */
    host: CephHost;
    /** Hosts tried before it, with the reason they were passed over. */
    skipped: { host: CephHost; reason: string }[];
    fsid?: string;
    monitors?: Monitor[];
    health?: CephHealth;
    tunables?: CrushTunables;
    /** The mgr modules that are on: always-on ones and enabled ones. */
    mgrModules?: string[];
    /** The requested users' keys, by entity, of those that exist; handle them as secrets. */
    userKeys?: Record<string, string>;
    /** The requested users' caps, by entity, of those that exist. */
    userCaps?: Record<string, CephCaps>;
    /** Every user owner record on the cluster (see userOwnerRecord), by entity. */
    userOwners?: Record<string, string>;
    /** The MDS map: each filesystem's active MDS count, and the standby MDS daemons. */
    mdsMap?: MdsMap;
    /** For each pool asked about that exists: up to 5 of its RBD objects (`<namespace>/<object>`); empty when it holds none. */
    poolData?: Record<string, string[]>;
    /** The releases each daemon type runs, from `ceph versions`. */
    releases?: CephRelease[];
    /** Whether the mons let a pool (or a filesystem's pools) be deleted: `mon_allow_pool_delete`. */
    poolDeletionAllowed?: boolean;
}

/** One Ceph release a kind of daemon runs, from `ceph versions`. */
export interface CephRelease {
    /** mon, mgr, osd, mds... */
    daemon: string;
    /** "16.2.15". */
    version: string;
    /** 16. */
    major: number;
    /** "pacific". */
    name: string;
}

/** What `ceph fs dump` says about who serves the filesystems. */
export interface MdsMap {
    /** Each filesystem's name, with how many of its MDS ranks are up:active. */
    active: Record<string, number>;
    /** MDS daemons standing by, free to take a new filesystem. */
    standbys: number;
}

function splitSections(stdout: string): Record<string, unknown> {
    const sections: Record<string, unknown> = {};
    for (const chunk of stdout.split(SECTION + " ").slice(1)) {
        const newline = chunk.indexOf("\n");
        const name = chunk.slice(0, newline).trim();
        try {
            sections[name] = JSON.parse(chunk.slice(newline + 1));
        } catch {
            // Not JSON.parse's own message: it quotes the text, and the user section holds a key.
            throw new Error(`the mon host's answer for "${name}" is not the JSON ceph prints`);
        }
    }
    return sections;
}

/** The key of `ceph auth get <user> -f json` (an array of one entry), or undefined for no such user. */
export function parseUserKey(answer: unknown): string | undefined {
    const key = Array.isArray(answer) ? (answer[0] as { key?: unknown } | undefined)?.key : undefined;
    return typeof key === "string" && /^[A-Za-z0-9+/]+={0,2}$/.test(key) ? key : undefined;
}

/** The caps of `ceph auth get <user> -f json`, or undefined for no such user. */
export function parseUserCaps(answer: unknown): CephCaps | undefined {
    const entry = Array.isArray(answer) ? (answer[0] as { caps?: Record<string, unknown> } | undefined) : undefined;
    if (entry === undefined) {
        return undefined;
    }
    const caps = Object.fromEntries(Object.entries(entry.caps ?? {}).filter(([type, value]) => ["mon", "osd", "mgr", "mds"].includes(type) && typeof value === "string"));
    return { mon: "", osd: "", ...caps } as CephCaps;
}

/** The owner records of `ceph config-key dump <prefix>`, by entity. */
export function parseUserOwners(dump: unknown): Record<string, string> {
    return Object.fromEntries(Object.entries((dump ?? {}) as Record<string, unknown>).flatMap(([key, value]) =>
        key.startsWith(USER_OWNER_PREFIX) && typeof value === "string" ? [[key.slice(USER_OWNER_PREFIX.length), value.trim()]] : []));
}

/** Monitors from `ceph mon dump -f json`, sorted by name so plans are stable. */
export function parseMonDump(dump: unknown): Monitor[] {
    const mons = (dump as { mons?: unknown[] }).mons ?? [];
    return mons
        .map((raw) => {
            const mon = raw as { name: string; public_addrs?: { addrvec?: { type: string; addr: string }[] }; addr?: string };
            const result: Monitor = { name: mon.name };
            for (const entry of mon.public_addrs?.addrvec ?? []) {
                if (entry.type === "v1") {
                    result.v1 = entry.addr;
                } else if (entry.type === "v2") {
                    result.v2 = entry.addr;
                }
            }
            if (result.v1 === undefined && result.v2 === undefined && mon.addr !== undefined) {
                result.v1 = mon.addr.replace(/\/\d+$/, "");
            }
            return result;
        })
        .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Monitors as kube-ceph:ceph.monitors lists them. A `v1:` or `v2:` prefix names the protocol;
 * without one, port 3300 (msgr2's registered port) is msgr2 and any other port msgr v1. One
 * entry per address: a configured list does not say which addresses belong to one mon.
 */
export function monitorsFromConfig(addresses: string[]): Monitor[] {
    return addresses.map((entry) => {
        const prefixed = /^(v[12]):(.*)$/.exec(entry);
        const address = prefixed ? prefixed[2] : entry;
        const v2 = prefixed ? prefixed[1] === "v2" : address.endsWith(":3300");
        return v2 ? { name: address, v2: address } : { name: address, v1: address };
    });
}

/** Monitor addresses for clients: v1 where a mon has one (every kernel speaks it), else v2. */
export function clientMonitorAddresses(monitors: Monitor[]): string[] {
    return monitors.map((m) => m.v1 ?? m.v2).filter((a): a is string => a !== undefined);
}

/**
 * The releases of `ceph versions -f json` ({daemon type: {"ceph version 16.2.15 (<sha>) pacific
 * (stable)": count}}), one entry per daemon type and release, sorted; "overall" and lines of
 * another form are left out.
 */
export function parseVersions(answer: unknown): CephRelease[] {
    const releases: CephRelease[] = [];
    for (const [daemon, counts] of Object.entries((answer ?? {}) as Record<string, Record<string, number>>)) {
        if (daemon === "overall" || counts === null || typeof counts !== "object") {
            continue;
        }
        for (const line of Object.keys(counts)) {
            const match = /^ceph version (\d+)\.(\d+)\.(\d+)\S*(?: \([0-9a-f]+\))? ([a-z]+)/.exec(line);
            if (match !== null) {
                releases.push({ daemon, version: `${match[1]}.${match[2]}.${match[3]}`, major: Number(match[1]), name: match[4] });
            }
        }
    }
    return releases.sort((a, b) => a.daemon.localeCompare(b.daemon) || a.version.localeCompare(b.version));
}

/** Health status and its named checks from `ceph health detail -f json`. */
export function parseHealth(report: unknown): CephHealth {
    const raw = report as { status: string; checks?: Record<string, { severity: string; summary?: { message?: string }; detail?: { message: string }[] }> };
    const checks = Object.keys(raw.checks ?? {})
        .sort()
        .map((name) => {
            const check = raw.checks![name];
            return {
                name,
                severity: check.severity,
                message: check.summary?.message ?? "",
                detail: (check.detail ?? []).map((d) => d.message),
            };
        });
    return { status: raw.status, checks };
}

/**
 * The mgr modules that are on, from `ceph mgr module ls -f json`: its always-on modules (a list,
 * or before Octopus a list per release) and its enabled ones, sorted.
 */
export function parseMgrModules(report: unknown): string[] {
    const raw = report as { always_on_modules?: string[] | Record<string, string[]>; enabled_modules?: string[] };
    const alwaysOn = Array.isArray(raw.always_on_modules) ? raw.always_on_modules : Object.values(raw.always_on_modules ?? {}).flat();
    return [...new Set([...alwaysOn, ...(raw.enabled_modules ?? [])])].sort();
}

/** Active MDS ranks per filesystem and the standby count, from `ceph fs dump -f json`. */
export function parseMdsMap(report: unknown): MdsMap {
    const raw = report as { standbys?: unknown[]; filesystems?: { mdsmap?: { fs_name?: string; info?: Record<string, { state?: string }> } }[] };
    const active: Record<string, number> = {};
    for (const fs of raw.filesystems ?? []) {
        if (fs.mdsmap?.fs_name !== undefined) {
            active[fs.mdsmap.fs_name] = Object.values(fs.mdsmap.info ?? {}).filter((mds) => mds.state === "up:active").length;
        }
    }
    return { active, standbys: (raw.standbys ?? []).length };
}

/** CRUSH feature requirements from `ceph osd crush show-tunables -f json`. */
export function parseTunables(report: unknown): CrushTunables {
    const raw = report as Record<string, unknown>;
    const flag = (name: string) => raw[name] === 1 || raw[name] === true;
    return {
        profile: String(raw.profile ?? "unknown"),
        requireTunables: flag("require_feature_tunables"),
        requireTunables2: flag("require_feature_tunables2"),
        requireTunables3: flag("require_feature_tunables3"),
        hasV4Buckets: flag("has_v4_buckets"),
        requireTunables5: flag("require_feature_tunables5"),
    };
}

/** The readings of one answer of cephReadScript, from the host that gave it. */
export function parseCephReading(stdout: string, request: CephReadRequest, host: CephHost, skipped: CephReading["skipped"]): CephReading {
    const sections = splitSections(stdout);
    const reading: CephReading = { host, skipped };
    if (request.discovery) {
        reading.fsid = (sections.mons as { fsid: string }).fsid;
        reading.monitors = parseMonDump(sections.mons);
    }
    if (request.health) {
        reading.health = parseHealth(sections.health);
    }
    if (request.tunables) {
        reading.tunables = parseTunables(sections.tunables);
    }
    if (request.mgrModules) {
        reading.mgrModules = parseMgrModules(sections.modules);
    }
    if (request.mdsMap) {
        reading.mdsMap = parseMdsMap(sections.fsmap);
    }
    if ((request.poolData ?? []).length > 0) {
        reading.poolData = sections.pooldata as Record<string, string[]>;
    }
    if (request.releases) {
        reading.releases = parseVersions(sections.versions);
    }
    if (request.poolDeletion) {
        // Ceph answers a bool, or the option's text on releases that print it as a string.
        reading.poolDeletionAllowed = sections.pooldelete === true || sections.pooldelete === "true";
    }
    if (request.userKeys !== undefined) {
        reading.userKeys = Object.fromEntries(request.userKeys.flatMap((entity, i) => {
            const key = parseUserKey(sections[`user_${i}`]);
            return key !== undefined ? [[entity, key]] : [];
        }));
        reading.userCaps = Object.fromEntries(request.userKeys.flatMap((entity, i) => {
            const caps = parseUserKey(sections[`user_${i}`]) !== undefined ? parseUserCaps(sections[`user_${i}`]) : undefined;
            return caps !== undefined ? [[entity, caps]] : [];
        }));
        reading.userOwners = request.userKeys.length > 0 ? parseUserOwners(sections.owners) : {};
    }
    return reading;
}
