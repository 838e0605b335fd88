import * as pulumi from "@pulumi/pulumi";
import { CephUserKey } from "./ceph-user-key";
import { cephCommand } from "./ceph-command";
import type { MonLane } from "./mon-connection";
import { remoteScript } from "./shell-script";

export interface CephClientArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** User name without the `client.` prefix. */
    name: string;
    /** The user's caps, from rbdClientCaps or cephfsClientCaps: the only things it may touch. */
    caps: CephCaps;
}

/** A Ceph user's caps per daemon type; mds only for CephFS users, mgr not for an RBD node user. */
export interface CephCaps {
    mon: string;
    osd: string;
    mgr?: string;
    mds?: string;
}

/** What the scripts need: everything but the connection. */
export type ClientSettings = Omit<CephClientArgs, "connection">;

/**
 * Least-privilege caps for an RBD client of these pools, in the order given, or only of one
 * rados namespace in them (Ceph's rbd profiles). The stack's user gets every pool of the stack,
 * so volumes in a pool no class names any more still attach. The provisioner (or a user that
 * serves both sides) also reaches the mgr, which ceph-csi asks to flatten and purge images in
 * the background; the node plugin only maps images and reads and writes them, so its user has
 * no mgr caps, as in Rook's external script.
 */
export function rbdClientCaps(pools: string[], namespace?: string, role: "provisioner" | "node" = "provisioner"): CephCaps {
    const scope = namespace !== undefined ? ` namespace=${namespace}` : "";
    const grants = pools.map((pool) => `profile rbd pool=${pool}${scope}`).join(", ");
    return role === "provisioner" ? { mgr: grants, mon: "profile rbd", osd: grants } : { mon: "profile rbd", osd: grants };
}

/**
 * A CephFS user of these filesystems, confined to one subvolume group of each: the provisioner
 * (subvolumes through the mgr's volumes module, ceph-csi's journal in the metadata pool; no MDS
 * access, as in ceph-csi's capabilities document) or the node (mounts of the group's path only,
 * the journal read, file data in the data pools). Scoped by filesystem name and path, unlike the
 * wildcards of that document, so one group's node key cannot mount another group's volumes,
 * and by the group's rados namespace when it has one.
 */
export function cephfsClientCaps(role: "provisioner" | "node", filesystems: string[], subvolumeGroup: string, radosNamespace?: string): CephCaps {
    const each = (grant: (fs: string) => string) => filesystems.map(grant).join(", ");
    const common = { mgr: "allow rw", mon: each((fs) => `allow r fsname=${fs}`) };
    // ceph-csi's journal is the only thing either user touches in the metadata pool: with the
    // group's own rados namespace, that namespace only (unset, ceph-csi's default, which the
    // groups without one share, so their caps keep the whole pool as its document has them).
    // (Ceph's cap grammar takes the namespace before the tag, not after it.)
    const journal = radosNamespace !== undefined ? ` namespace=${radosNamespace}` : "";
    return role === "provisioner"
        ? { ...common, osd: each((fs) => `allow rw${journal} tag cephfs metadata=${fs}`) }
        : {
              ...common,
              mds: each((fs) => `allow rw fsname=${fs} path=/volumes/${subvolumeGroup}`),
              osd: each((fs) => `allow r${journal} tag cephfs metadata=${fs}, allow rw tag cephfs data=${fs}`),
          };
}

function clientValues(args: ClientSettings) {
    const caps = args.caps;
    return {
        ENTITY: `client.${args.name}`,
        ...(caps.mgr !== undefined ? { MGR_CAPS: caps.mgr } : {}),
        MON_CAPS: caps.mon,
        OSD_CAPS: caps.osd,
        ...(caps.mds !== undefined ? { MDS_CAPS: caps.mds } : {}),
    };
}

/**
 * The caps as `ceph auth` arguments; an RBD user with mgr caps renders as it always did. `ceph
 * auth caps` replaces every cap, so a daemon type left out here is one the user cannot reach.
 */
function capsArguments(args: ClientSettings): string {
    return `mon "$MON_CAPS" osd "$OSD_CAPS"${args.caps.mgr !== undefined ? ` mgr "$MGR_CAPS"` : ""}${args.caps.mds !== undefined ? ` mds "$MDS_CAPS"` : ""}`;
}

/**
 * Creates the user or brings its caps to the wanted ones (get-or-create refuses to change
 * caps), then prints the SHA-256 hex of its key and nothing else on stdout: not a secret,
 * and it changes exactly when the key does. Never the key itself: the provider quotes a
 * failed command's stdout in its error. The key passes only through the shell's memory and
 * a pipe (printf is a builtin, so it is on no command line); CephUserKey reads it.
 */
export function clientEnsureScript(args: ClientSettings): string {
    return remoteScript(clientValues(args), `
if ceph auth get "$ENTITY" >/dev/null 2>&1; then
  ceph auth caps "$ENTITY" ${capsArguments(args)} >&2
else
  ceph auth get-or-create "$ENTITY" ${capsArguments(args)} >/dev/null
fi
KEY=$(ceph auth get-key "$ENTITY")
printf '%s' "$KEY" | sha256sum | cut -d' ' -f1
`);
}

/** Removes the user; a user that is already gone is not an error. */
export function clientDeleteScript(args: ClientSettings): string {
    return remoteScript(clientValues(args), `
if ceph auth get "$ENTITY" >/dev/null 2>&1; then
  ceph auth rm "$ENTITY" >&2
fi
`);
}

/**
 * A least-privilege Ceph user, with its key as a Pulumi secret: the user
 * command prints only the key's digest, and CephUserKey reads the key after it, in the
 * same lane.
 */
export class CephClient extends pulumi.ComponentResource {
    /** User name without the `client.` prefix. */
    public readonly name: pulumi.Output<string>;
    /** The user's cephx key; always secret. */
    public readonly key: pulumi.Output<string>;

    constructor(name: string, args: CephClientArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:ceph:CephClient", name, {}, opts);
        const user = cephCommand(`${name}-user`, {
            connection: args.connection,
            ensure: clientEnsureScript(args),
            remove: clientDeleteScript(args),
            identity: args.name,
        }, this);
        const mon = args.connection.host;
        const userKey = args.connection.queue((after) => new CephUserKey(`${name}-key`, {
            host: mon.cephHost.host,
            port: mon.cephHost.port,
            user: mon.cephHost.user,
            ...(mon.cephHost.hostKey !== undefined ? { hostKey: mon.cephHost.hostKey } : {}),
            privateKey: mon.privateKey,
            entity: `client.${args.name}`,
            keyDigest: user.stdout.apply((out) => out.trim()),
        }, { parent: this, dependsOn: after }));
        this.name = pulumi.output(args.name);
        this.key = pulumi.secret(userKey.key);
        this.registerOutputs({ key: this.key, name: this.name });
    }
}
