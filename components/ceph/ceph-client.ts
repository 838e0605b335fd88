import * as pulumi from "@pulumi/pulumi";
import { CephUserKey } from "./ceph-user-key";
import { cephCommand } from "./ceph-command";
import type { MonLane } from "./mon-connection";
import { remoteScript } from "./shell-script";

/** Who a Ceph user of the stack is: its name, the stack that owns it, and its caps now when the stack adopted it. */
export interface CephUserIdentity {
    name: string;
    owner: string;
    adoptedCaps?: CephCaps;
}

export interface CephClientArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** User name without the `client.` prefix. */
    name: string;
    /** The user's caps, from rbdClientCaps or cephfsClientCaps: the only things it may touch. */
    caps: CephCaps;
    /** Identity of this stack (stackOwner()), recorded before the user is created so ownership survives a crash. */
    owner: string;
    /**
     * Set when the user existed before and the stack adopts it (kube-ceph:client.adoptUsers): its
     * caps as the cluster holds them now. An adopted user only gains the caps it lacks (see
     * mergeCaps) and is never deleted.
     */
    adoptedCaps?: CephCaps;
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

/** The config-key under which the stack that owns a user is recorded: `<owner>`, or `<owner> adopted`. */
export function userOwnerRecord(entity: string): string {
    return `kube-ceph/user-owner/${entity}`;
}

/** The prefix of every user's owner record: the live read dumps them all in one request. */
export const USER_OWNER_PREFIX = userOwnerRecord("");

/** The record's value for a user that this stack adopted rather than created. */
export function adoptedRecord(owner: string): string {
    return `${owner} adopted`;
}

/**
 * An adopted user's caps: what it has now, with every grant of `wanted` it lacks added to the
 * end of that daemon type's caps. Nothing is taken away, so whatever else uses the user keeps
 * working; a user that already has every grant keeps its caps to the byte.
 */
export function mergeCaps(current: CephCaps, wanted: CephCaps): CephCaps {
    const grants = (caps: string | undefined) => (caps ?? "").split(",").map((g) => g.trim().replace(/\s+/g, " ")).filter((g) => g !== "");
    const merged: Record<string, string> = { ...current } as Record<string, string>;
    for (const [type, caps] of Object.entries(wanted) as [keyof CephCaps, string | undefined][]) {
        const have = grants(current[type]);
        const missing = grants(caps).filter((g) => !have.includes(g));
        if (missing.length > 0) {
            merged[type] = current[type] !== undefined && have.length > 0 ? `${current[type]}, ${missing.join(", ")}` : missing.join(", ");
        }
    }
    return merged as unknown as CephCaps;
}

/** The caps as `type "caps"` pairs, for messages: mon first, then osd, mgr, mds. */
export function describeCaps(caps: CephCaps): string {
    return (["mon", "osd", "mgr", "mds"] as const).filter((t) => caps[t] !== undefined).map((t) => `${t} "${caps[t]}"`).join(" ");
}

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

/** The preview's line about an adopted user: its caps before and after the update. */
export function adoptionNote(entity: string, now: CephCaps, wanted: CephCaps): string {
    const after = describeCaps(mergeCaps(now, wanted));
    const before = describeCaps(now);
    return `Ceph user ${entity} is adopted (kube-ceph never deletes it); its caps ${after === before ? `already allow what the classes need: ${before}` : `go from ${before} to ${after}`}`;
}

/** The caps the scripts give the user: its own, or an adopted user's with what it lacks added. */
export function effectiveCaps(args: ClientSettings): CephCaps {
    return args.adoptedCaps !== undefined ? mergeCaps(args.adoptedCaps, args.caps) : args.caps;
}

function clientValues(args: ClientSettings) {
    const caps = effectiveCaps(args);
    return {
        ADOPT: args.adoptedCaps !== undefined ? "yes" : "",
        ENTITY: `client.${args.name}`,
        OWNER: args.owner,
        OWNER_RECORD: userOwnerRecord(`client.${args.name}`),
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
    const caps = effectiveCaps(args);
    return `mon "$MON_CAPS" osd "$OSD_CAPS"${caps.mgr !== undefined ? ` mgr "$MGR_CAPS"` : ""}${caps.mds !== undefined ? ` mds "$MDS_CAPS"` : ""}`;
}

/**
 * Creates the user or brings its caps to the wanted ones (get-or-create refuses to change
 * caps), then prints the SHA-256 hex of its key and nothing else on stdout: not a secret,
 * and it changes exactly when the key does. Never the key itself: the provider quotes a
 * failed command's stdout in its error. The key passes only through the shell's memory and
 * a pipe (printf is a builtin, so it is on no command line); CephUserKey reads it.
 *
 * Ownership, decided by the user's owner record (a config-key), not by memory of an earlier run:
 * a user another stack owns is refused; an existing user without a record is refused on create
 * (someone else made it) unless the stack adopts it, and claimed on `update`, which only a user
 * already in this stack's state reaches (stacks from before owner records). The record is written
 * before the user is created, so a run cut in between still knows the user is its own.
 */
export function clientEnsureScript(args: ClientSettings, phase: "create" | "update" = "create"): string {
    return remoteScript({ ...clientValues(args), PHASE: phase }, `
record=$(ceph config-key get "$OWNER_RECORD" 2>/dev/null || true)
case "$record" in
  ''|"$OWNER"|"$OWNER adopted") ;;
  *) echo "refusing to touch Ceph user $ENTITY: it belongs to kube-ceph stack \${record% adopted}; give this stack's users other names with kube-ceph:client.name" >&2; exit 1 ;;
esac
if ceph auth get "$ENTITY" >/dev/null 2>&1; then
  if [ -z "$record" ]; then
    if [ -n "$ADOPT" ]; then
      ceph config-key set "$OWNER_RECORD" "$OWNER adopted" >&2
    elif [ "$PHASE" = update ]; then
      # In this stack's state from a release before owner records: this stack made it.
      ceph config-key set "$OWNER_RECORD" "$OWNER" >&2
    else
      echo "refusing to take over Ceph user $ENTITY: it exists and this stack did not make it; give this stack's users other names with kube-ceph:client.name, or adopt it with kube-ceph:client.adoptUsers" >&2; exit 1
    fi
  fi
  ceph auth caps "$ENTITY" ${capsArguments(args)} >&2
else
  # Record first: if the run dies right after the create, the next run still knows whose user it is.
  ceph config-key set "$OWNER_RECORD" "$OWNER" >&2
  ceph auth get-or-create "$ENTITY" ${capsArguments(args)} >/dev/null
fi
KEY=$(ceph auth get-key "$ENTITY")
printf '%s' "$KEY" | sha256sum | cut -d' ' -f1
`);
}

/**
 * Removes the user only when this stack created it; an adopted user stays, with its caps, and
 * only loses the record that this stack adopted it. A user that is already gone is not an error.
 */
export function clientDeleteScript(args: ClientSettings): string {
    return remoteScript(clientValues(args), `
record=$(ceph config-key get "$OWNER_RECORD" 2>/dev/null || true)
if [ "$record" = "$OWNER adopted" ]; then
  echo "keeping Ceph user $ENTITY: this stack adopted it, it did not create it" >&2
  ceph config-key rm "$OWNER_RECORD" >&2
  exit 0
fi
if [ "$record" != "$OWNER" ]; then
  echo "keeping Ceph user $ENTITY: this stack did not create it (owner: \${record:-none})" >&2
  exit 0
fi
if ceph auth get "$ENTITY" >/dev/null 2>&1; then
  ceph auth rm "$ENTITY" >&2
fi
ceph config-key rm "$OWNER_RECORD" >&2
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
            ensure: clientEnsureScript(args, "create"),
            update: clientEnsureScript(args, "update"),
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
        if (args.adoptedCaps !== undefined) {
            // The preview says what adoption does to the caps, in words as well as in the script's diff.
            pulumi.log.warn(adoptionNote(`client.${args.name}`, args.adoptedCaps, args.caps), this);
        }
        this.name = pulumi.output(args.name);
        this.key = pulumi.secret(userKey.key);
        this.registerOutputs({ key: this.key, name: this.name });
    }
}
