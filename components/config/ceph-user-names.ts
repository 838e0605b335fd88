// The names of the Ceph users kube-ceph makes, in one place: the component names its users with
// them, and config refuses names of tenants and subvolume groups whose users would collide.

/**
 * The RBD user of the stack (tenant unset) or of a tenant's rados namespace: the provisioner's
 * (which also serves the node plugin unless it has its own), or the node plugin's own.
 */
export function rbdUserName(clientName: string, tenant: string | undefined, role: "provisioner" | "node"): string {
    const provisioner = tenant !== undefined ? `${clientName}-${tenant}` : clientName;
    return role === "provisioner" ? provisioner : `${provisioner}-rbd-node`;
}

/** The CephFS user of one subvolume group, for its provisioner or its node plugin. */
export function cephfsUserName(clientName: string, subvolumeGroup: string, role: "provisioner" | "node"): string {
    return `${clientName}-cephfs-${subvolumeGroup}-${role}`;
}

/** Whose Ceph users: the stack's RBD ones (no namespace), a tenant's, or a CephFS subvolume group's. */
export type CephUserOwner = { type: "rbd"; radosNamespace?: string } | { type: "cephfs"; subvolumeGroup: string };

/** Whose users a class uses: its subvolume group's (CephFS), or its tenant's or the stack's (RBD). */
export function classUserOwner(cls: { type?: "rbd" | "cephfs"; radosNamespace?: string; subvolumeGroup?: string }): CephUserOwner {
    return cls.type === "cephfs" ? { type: "cephfs", subvolumeGroup: cls.subvolumeGroup! } : { type: "rbd", radosNamespace: cls.radosNamespace };
}

/**
 * Every user name an owner may get (the RBD node user's too, which only some stacks make): two
 * owners that share one would share a key.
 */
function cephUserNames(clientName: string, owner: CephUserOwner): string[] {
    const roles = ["provisioner", "node"] as const;
    return owner.type === "rbd"
        ? roles.map((role) => rbdUserName(clientName, owner.radosNamespace, role))
        : roles.map((role) => cephfsUserName(clientName, owner.subvolumeGroup, role));
}

/** A user name two owners would both get: `first` is -1 for the stack's own RBD users. */
export interface UserClash {
    user: string;
    first: number;
    second: number;
}

/**
 * The owners (by index; the same owner may come again) whose users' names an earlier owner's,
 * or the stack's own RBD users', already take: one clash per such owner.
 */
export function userClashes(clientName: string, owners: CephUserOwner[]): UserClash[] {
    const taken = new Map<string, { owner: string; index: number }>();
    const clashes: UserClash[] = [];
    [{ type: "rbd" } as CephUserOwner, ...owners].forEach((owner, i) => {
        const id = JSON.stringify(owner);
        const names = cephUserNames(clientName, owner);
        const clash = names.find((user) => taken.has(user) && taken.get(user)!.owner !== id);
        if (clash !== undefined) {
            clashes.push({ user: clash, first: taken.get(clash)!.index, second: i - 1 });
            return;
        }
        for (const user of names) {
            taken.set(user, taken.get(user) ?? { owner: id, index: i - 1 });
        }
    });
    return clashes;
}

/** Every user an instance with these owners may have, `client.`-prefixed, once each: whose keys the plan reads. */
export function cephEntities(clientName: string, owners: CephUserOwner[]): string[] {
    return [...new Set([{ type: "rbd" } as CephUserOwner, ...owners].flatMap((owner) => cephUserNames(clientName, owner)))].sort().map((user) => `client.${user}`);
}
