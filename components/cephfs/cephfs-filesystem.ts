// A CephFS filesystem for the stack's CephFS classes: created with Ceph's volumes module (its
// metadata and data pools, then the filesystem), or adopted when it exists. ceph-csi keeps each
// volume as a subvolume, so a filesystem is deleted only when this stack created it, its policy
// says delete, and no subvolume is left in any group.
import * as pulumi from "@pulumi/pulumi";
import { cephCommand, remoteScript } from "../ceph";
import type { MonLane } from "../ceph";

export interface CephfsFilesystemArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** The filesystem's name; a new name is a new filesystem. */
    name: string;
    /** `delete` removes the filesystem and its pools on destroy, but only one this stack created and only while it holds no subvolume. */
    deletionPolicy: "retain" | "delete";
    /** Identity of this stack, recorded before the filesystem is created so adoption survives a crash. */
    owner: string;
}

/** What the scripts need: everything but the connection. */
export type CephfsFilesystemSettings = Omit<CephfsFilesystemArgs, "connection">;

/**
 * The config-key that records which stack created the filesystem. It is written before the
 * create (a filesystem has no metadata of its own to tag), so a run cut in between still knows.
 */
export function filesystemOwnerKey(filesystem: string): string {
    return `kube-ceph/fs-owner/${filesystem}`;
}

function filesystemValues(args: CephfsFilesystemSettings) {
    return { FS: args.name, OWNER: args.owner, OWNER_RECORD: filesystemOwnerKey(args.name), POLICY: args.deletionPolicy };
}

/**
 * Creates the filesystem (`ceph fs volume create`: pools cephfs.<name>.meta and .data, then the
 * filesystem) or adopts an existing one; prints {"origin": "created"|"adopted"}. Safe to run any
 * number of times: the owner record, not memory of an earlier run, decides the origin.
 */
export function filesystemEnsureScript(args: CephfsFilesystemSettings): string {
    return remoteScript(filesystemValues(args), `
if ! ceph fs get "$FS" >/dev/null 2>&1; then
  ceph config-key set "$OWNER_RECORD" "$OWNER" >&2
  ceph fs volume create "$FS" >&2
fi
owner=$(ceph config-key get "$OWNER_RECORD" 2>/dev/null || true)
if [ "$owner" = "$OWNER" ]; then origin=created; else origin=adopted; fi
printf '{"filesystem":"%s","origin":"%s"}\\n' "$FS" "$origin"
`);
}

/**
 * Keeps a filesystem that is gone, kept by policy or adopted; refuses while any subvolume is
 * left (in any group, or none), naming them; otherwise removes it with its pools.
 */
export function filesystemDeleteScript(args: CephfsFilesystemSettings): string {
    return remoteScript(filesystemValues(args), `
if ! ceph fs get "$FS" >/dev/null 2>&1; then
  echo "filesystem $FS does not exist; nothing to delete" >&2
  exit 0
fi
if [ "$POLICY" != delete ]; then
  echo "keeping filesystem $FS: its deletionPolicy is $POLICY" >&2
  exit 0
fi
owner=$(ceph config-key get "$OWNER_RECORD" 2>/dev/null || true)
if [ "$owner" != "$OWNER" ]; then
  echo "keeping filesystem $FS: it was adopted, not created by this stack (owner: \${owner:-none})" >&2
  exit 0
fi
subvolumes=$(ceph fs subvolume ls "$FS" -f json-pretty | sed -n 's/.*"name": "\\(.*\\)".*/_nogroup\\/\\1/p'
  for group in $(ceph fs subvolumegroup ls "$FS" -f json-pretty | sed -n 's/.*"name": "\\(.*\\)".*/\\1/p'); do
    ceph fs subvolume ls "$FS" --group_name "$group" -f json-pretty | sed -n 's/.*"name": "\\(.*\\)".*/'"$group"'\\/\\1/p'
  done)
if [ -n "$subvolumes" ]; then
  count=$(printf '%s\\n' "$subvolumes" | wc -l)
  echo "refusing to delete filesystem $FS: it holds $count subvolume(s) (group/name): $(printf '%s\\n' "$subvolumes" | head -5 | tr '\\n' ' ')" >&2
  echo "delete the volumes (their claims) first, or set the filesystem's deletionPolicy to retain" >&2
  exit 1
fi
ceph fs volume rm "$FS" --yes-i-really-mean-it >&2
ceph config-key rm "$OWNER_RECORD" >&2 || true
echo "deleted filesystem $FS and its pools" >&2
`);
}

/** A CephFS filesystem, created or adopted, never deleted while it holds a subvolume. */
export class CephfsFilesystem extends pulumi.ComponentResource {
    /** The filesystem's name. */
    public readonly name: pulumi.Output<string>;
    /** "created" when this stack made the filesystem, "adopted" when it already existed. */
    public readonly origin: pulumi.Output<string>;

    constructor(name: string, args: CephfsFilesystemArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:ceph:CephfsFilesystem", name, {}, opts);
        const command = cephCommand(`${name}-filesystem`, {
            connection: args.connection,
            ensure: filesystemEnsureScript(args),
            remove: filesystemDeleteScript(args),
            identity: args.name,
        }, this);
        this.name = pulumi.output(args.name);
        this.origin = command.stdout.apply((out) => (JSON.parse(out) as { origin: string }).origin);
        this.registerOutputs({ name: this.name, origin: this.origin });
    }
}
