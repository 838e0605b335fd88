// Whose Ceph users these are, decided at preview from the users' owner records (config-keys that
// CephClient writes), so a pull request's preview already refuses to take over a user that
// another stack or another tool made. The user scripts check the same records again when they
// run (see clientEnsureScript). Pure functions: index.ts passes the live reading in.
import { adoptedRecord, CephCaps } from "../ceph";
import { cephfsUserName, rbdUserName } from "../config";
import { PreflightError } from "./preflight-error";

/** One Ceph user the stack makes, with the config key whose value named it (for messages). */
export interface StackUser {
    /** `client.<name>`. */
    entity: string;
    /** The config key to change to give it another name. */
    key: string;
}

/**
 * The users CephStorage makes for these classes, in the order it makes them: the stack's RBD
 * user (and its node user) when there is an RBD class, each tenant's, each CephFS group's two.
 */
export function stackUsers(clientName: string, classes: { type: "rbd" | "cephfs"; radosNamespace?: string; subvolumeGroup?: string }[], separateNodeUsers: boolean): StackUser[] {
    const users: StackUser[] = [];
    const add = (name: string, key: string) => users.push({ entity: `client.${name}`, key });
    const roles = separateNodeUsers ? (["provisioner", "node"] as const) : (["provisioner"] as const);
    if (classes.some((c) => c.type === "rbd")) {
        roles.forEach((role) => add(rbdUserName(clientName, undefined, role), "kube-ceph:client.name"));
    }
    const firstIndex = (pick: (c: (typeof classes)[number]) => string | undefined, value: string) => classes.findIndex((c) => pick(c) === value);
    const tenants = [...new Set(classes.flatMap((c) => (c.type === "rbd" && c.radosNamespace !== undefined ? [c.radosNamespace] : [])))].sort();
    for (const tenant of tenants) {
        const key = `kube-ceph:storageClasses[${firstIndex((c) => (c.type === "rbd" ? c.radosNamespace : undefined), tenant)}].radosNamespace`;
        roles.forEach((role) => add(rbdUserName(clientName, tenant, role), key));
    }
    const groups = [...new Set(classes.flatMap((c) => (c.type === "cephfs" && c.subvolumeGroup !== undefined ? [c.subvolumeGroup] : [])))].sort();
    for (const group of groups) {
        const key = `kube-ceph:storageClasses[${firstIndex((c) => (c.type === "cephfs" ? c.subvolumeGroup : undefined), group)}].subvolumeGroup`;
        (["provisioner", "node"] as const).forEach((role) => add(cephfsUserName(clientName, group, role), key));
    }
    return users;
}

/** The users' state on the cluster now, as the live read found it. */
export interface UsersOnCluster {
    /** The caps of each user that exists, by entity. */
    caps: Record<string, CephCaps>;
    /** Each owner record there is, by entity: `<stack>` or `<stack> adopted`. */
    owners: Record<string, string>;
}

/** What this stack's history says about its users. */
export interface UsersHistory {
    /** The users its last update recorded (the `cephUsers` output); undefined before owner records. */
    users?: string[];
    /** Whether the stack has been updated before (then, without `users`, by a release before owner records). */
    deployed: boolean;
}

export interface UserOwnership {
    /** The users this stack adopts, by name without `client.`, with their caps now. */
    adopted: Record<string, CephCaps>;
    /** Existing users without a record that the update records as this stack's own (made before owner records). */
    claimed: string[];
}

/**
 * Decides, for each user the stack makes, whether it is the stack's own, adopted, or refused:
 * - a record naming this stack: its own (or adopted, as the record says);
 * - a record naming another stack: refused, whatever adoptUsers says (one key for two clusters,
 *   and either stack's destroy would cut the other off);
 * - no record and no such user: its own, created by the update;
 * - no record and the user exists: adopted when kube-ceph:client.adoptUsers lists it; its own
 *   when this stack recorded it before, or when the stack comes from a release before owner
 *   records (the update's user command claims only users already in the stack's state);
 *   refused otherwise.
 * Every refusal is in one error; nothing was changed when it is thrown.
 */
export function checkUserOwnership(users: StackUser[], cluster: UsersOnCluster, self: string, adopt: string[], history: UsersHistory): UserOwnership {
    const problems: string[] = [];
    const stray = adopt.filter((entity) => !users.some((u) => u.entity === entity));
    if (stray.length > 0) {
        problems.push(`kube-ceph:client.adoptUsers names ${stray.join(", ")}, which this stack does not use (its users: ${users.map((u) => u.entity).join(", ")}); remove ${stray.length > 1 ? "them" : "it"}`);
    }
    const result: UserOwnership = { adopted: {}, claimed: [] };
    const previouslyOwn = new Set(history.users ?? []);
    const legacy = history.deployed && history.users === undefined;
    for (const { entity, key } of users) {
        const record = cluster.owners[entity];
        const caps = cluster.caps[entity];
        const name = entity.replace(/^client\./, "");
        if (record !== undefined && record !== self && record !== adoptedRecord(self)) {
            const other = record.replace(/ adopted$/, "");
            problems.push(`Ceph user ${entity} belongs to kube-ceph stack ${other}: two Kubernetes clusters would share its key, and either stack's destroy would take it from the other; give this stack's users other names with ${key}`);
            continue;
        }
        if (caps === undefined) {
            continue;
        }
        if (record === adoptedRecord(self) || (record === undefined && adopt.includes(entity))) {
            result.adopted[name] = caps;
            continue;
        }
        if (record === undefined) {
            if (previouslyOwn.has(entity) || legacy) {
                result.claimed.push(entity);
                continue;
            }
            problems.push(`Ceph user ${entity} already exists and this stack did not make it (it has no kube-ceph owner record): ` +
                `give this stack's users other names with ${key}, or let the stack use it as it is with kube-ceph:client.adoptUsers (an adopted user is never deleted and only gains the caps it lacks)`);
        }
    }
    if (problems.length > 0) {
        throw new PreflightError(`${problems.join("; ")}. Nothing was changed.`);
    }
    return result;
}
