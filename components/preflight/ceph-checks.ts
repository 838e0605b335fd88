// What the Ceph cluster must be before kube-ceph changes anything: a supported release, healthy
// enough, the mgr modules and MDS daemons its classes need, and no pool leaving while it holds data.
// Pure functions over what the live reader read.
import type { KubeCephConfig } from "../config";
import type { CephHealth, CephRelease, MdsMap } from "../live";
import { PreflightError } from "./preflight-error";

/** The Ceph releases kube-ceph supports (README, "Supported versions"): the oldest, and the newest it expects to work. */
export const CEPH_RELEASES = { oldest: { major: 16, name: "Pacific" }, newest: { major: 20, name: "Tentacle" } };

/**
 * Refuses a cluster whose mons or OSDs (the daemons every client talks to) run a release older
 * than kube-ceph supports; returns a warning for each newer than the newest it expects to work.
 */
export function checkCephReleases(releases: CephRelease[]): string[] {
    const clientFacing = releases.filter((r) => r.daemon === "mon" || r.daemon === "osd");
    const old = clientFacing.filter((r) => r.major < CEPH_RELEASES.oldest.major);
    if (old.length > 0) {
        throw new PreflightError(
            `the Ceph cluster runs ${old.map((r) => `${r.version} (${r.name}) on its ${r.daemon} daemons`).join(" and ")}; ` +
                `kube-ceph supports Ceph ${CEPH_RELEASES.oldest.major} (${CEPH_RELEASES.oldest.name}) and later (README, "Supported versions"). ` +
                "Upgrade the cluster first. Nothing was changed.",
        );
    }
    return clientFacing
        .filter((r) => r.major > CEPH_RELEASES.newest.major)
        .map((r) => `the Ceph cluster's ${r.daemon} daemons run ${r.version} (${r.name}), newer than the newest release kube-ceph is known to work with, ` +
            `${CEPH_RELEASES.newest.major} (${CEPH_RELEASES.newest.name}); go on with care, and report what differs.`);
}

/**
 * Warnings for the pools and filesystems this stack may delete (`deletionPolicy: delete`, each
 * named by its config key) while the mons refuse every pool deletion: Ceph would answer destroy,
 * or the pool's leaving the config, with a bare EPERM, and keep the pool with its data.
 */
export function poolDeletionWarnings(deletable: string[], allowed: boolean): string[] {
    if (allowed || deletable.length === 0) {
        return [];
    }
    return [
        `${deletable.join(", ")} ${deletable.length === 1 ? "is" : "are"} "delete", but mon_allow_pool_delete is false in the mons' config database (Ceph's default), so Ceph will refuse ` +
            "to delete those pools (EPERM: pool deletion is disabled) at destroy, or when one leaves the config; the run then fails there and the pool is kept with its data. " +
            "Before that run: ceph config set mon mon_allow_pool_delete true (and set it back to false after). To keep the pools on purpose, set deletionPolicy to \"retain\".",
    ];
}

export const HEALTH_RANK: Record<string, number> = { HEALTH_OK: 0, HEALTH_WARN: 1, HEALTH_ERR: 2 };

/** Refuses unless `health` is at least as good as `policy` allows. */
export function checkHealth(policy: KubeCephConfig["preflight"]["health"], health: CephHealth): void {
    if (policy === "off") {
        return;
    }
    const allowed = policy === "ok" ? 0 : 1;
    const rank = HEALTH_RANK[health.status] ?? 2;
    if (rank <= allowed) {
        return;
    }
    const checks = health.checks.map((c) => [`  ${c.name} (${c.severity}): ${c.message}`, ...c.detail.slice(0, 5).map((d) => `      ${d}`)].join("\n"));
    throw new PreflightError(
        `Ceph cluster is ${health.status}; kube-ceph:preflight.health is "${policy}", which allows ${policy === "ok" ? "HEALTH_OK only" : "HEALTH_OK and HEALTH_WARN"}. Nothing was changed.\n` +
            (checks.length > 0 ? checks.join("\n") + "\n" : "") +
            "Fix the cluster (ceph health detail), or set kube-ceph:preflight.health to warn/off if you accept the risk.",
    );
}

/** The mgr modules ceph-csi's RBD driver calls: rbd_support runs its image tasks (flatten, trash removal). */
export const RBD_MGR_MODULES = ["rbd_support"];

/** The mgr module ceph-csi's CephFS driver makes and removes subvolumes through. */
export const CEPHFS_MGR_MODULES = ["volumes"];

/**
 * Refuses filesystems no MDS can serve: an existing one without an active MDS (its volumes
 * could not be mounted), or more new ones than standby MDS daemons to take them (the create
 * would leave a filesystem offline).
 */
export function checkMds(filesystems: string[], mdsMap: MdsMap): void {
    const inactive = filesystems.filter((fs) => fs in mdsMap.active && mdsMap.active[fs] === 0);
    const created = filesystems.filter((fs) => !(fs in mdsMap.active));
    const problems: string[] = [];
    if (inactive.length > 0) {
        problems.push(`filesystem${inactive.length > 1 ? "s" : ""} ${inactive.join(", ")} ha${inactive.length > 1 ? "ve" : "s"} no active MDS (see ceph fs status); bring an MDS up for it`);
    }
    if (created.length > mdsMap.standbys) {
        problems.push(`kube-ceph would create ${created.length} filesystem(s) (${created.join(", ")}), but ${mdsMap.standbys} MDS daemon(s) stand by to serve them; ` +
            "start one more MDS per new filesystem (with cephadm: ceph orch apply mds <filesystem>), or adopt an existing filesystem");
    }
    if (problems.length > 0) {
        throw new PreflightError(`${problems.join("; ")}. Nothing was changed.`);
    }
}

/** Refuses a cluster whose mgr does not run a module ceph-csi needs, naming the command that turns it on. */
export function checkMgrModules(required: string[], on: string[]): void {
    const missing = required.filter((module) => !on.includes(module));
    if (missing.length === 0) {
        return;
    }
    throw new PreflightError(
        `the Ceph mgr does not run the ${missing.join(", ")} module${missing.length > 1 ? "s" : ""}, which ceph-csi needs. ` +
            `Turn ${missing.length > 1 ? "them" : "it"} on with ${missing.map((m) => `\`ceph mgr module enable ${m}\``).join(" and ")} and run again ` +
            "(kube-ceph:preflight.health: off skips this check with the health check). Nothing was changed.",
    );
}

/** An RBD object as the pool-data reading names it (`<namespace>/<object>`), in words. */
export function describeObject(entry: string): string {
    const [namespace, object] = [entry.slice(0, entry.indexOf("/")), entry.slice(entry.indexOf("/") + 1)];
    const where = namespace === "" ? "" : ` in rados namespace ${namespace}`;
    return object.startsWith("rbd_id.") ? `image ${object.slice("rbd_id.".length)}${where}` : `object ${object}${where}`;
}

/** The objects that name an image (rbd_id.<name>) first: they say the most. */
export function imagesFirst(objects: string[]): string[] {
    const isImage = (entry: string) => entry.slice(entry.indexOf("/") + 1).startsWith("rbd_id.");
    return [...objects.filter(isImage), ...objects.filter((o) => !isImage(o))];
}

/**
 * Refuses to let pools that still hold RBD data leave kube-ceph:pools. The user's caps name only
 * the declared pools, and an update changes them before any delete runs: the volumes in such a
 * pool would lose their access at once, whatever its deletionPolicy, and the pool would stay.
 */
export function checkPoolsLeaving(poolData: Record<string, string[]>): void {
    const holding = Object.entries(poolData).filter(([, objects]) => objects.length > 0).sort(([a], [b]) => a.localeCompare(b));
    if (holding.length === 0) {
        return;
    }
    throw new PreflightError(
        `kube-ceph:pools no longer declares ${holding.map(([pool]) => `"${pool}"`).join(", ")}, which still hold${holding.length === 1 ? "s" : ""} RBD data: ` +
            holding.map(([pool, objects]) => `${pool}: ${imagesFirst(objects).map(describeObject).join(", ")}${objects.length >= 5 ? ", ..." : ""}`).join("; ") + ". " +
            "The Ceph user's caps would drop the pool before anything else, so volumes in it could no longer be attached, and the pool is never deleted while it holds data. " +
            "Delete those images (and their PersistentVolumes) first, or keep the pool in kube-ceph:pools. Nothing was changed.",
    );
}
