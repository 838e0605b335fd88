// A subvolume group of a CephFS filesystem: where ceph-csi puts the subvolumes of the classes
// that name it, and the path their users' caps are confined to. ceph-csi no longer creates it,
// so kube-ceph does; its delete runs before the filesystem's and refuses while a subvolume is in it.
import * as pulumi from "@pulumi/pulumi";
import { cephCommand, remoteScript } from "../ceph";
import { filesystemOwnerKey } from "./cephfs-filesystem";
import type { MonLane } from "../ceph";

export interface CephfsSubvolumeGroupArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** The filesystem the group is in. */
    filesystem: string;
    /** The group's name. */
    group: string;
    /** The filesystem's deletionPolicy: an empty group goes with `delete`, in a filesystem this stack created. */
    deletionPolicy: "retain" | "delete";
    /** Identity of this stack, as the filesystem's owner record holds it. */
    owner: string;
}

/** What the scripts need: everything but the connection. */
export type CephfsSubvolumeGroupSettings = Omit<CephfsSubvolumeGroupArgs, "connection">;

function groupValues(args: CephfsSubvolumeGroupSettings) {
    return { FS: args.filesystem, GROUP: args.group, OWNER: args.owner, OWNER_RECORD: filesystemOwnerKey(args.filesystem), POLICY: args.deletionPolicy };
}

/** Creates the group unless it is there; prints {"group": "<fs>/<group>"}. Safe to run any number of times. */
export function subvolumeGroupEnsureScript(args: CephfsSubvolumeGroupSettings): string {
    // Pretty JSON: one name per line, matched whole (a group's name inside another's is no match).
    return remoteScript(groupValues(args), `
if ! ceph fs subvolumegroup ls "$FS" -f json-pretty | grep -qF -- '"name": "'"$GROUP"'"'; then
  ceph fs subvolumegroup create "$FS" "$GROUP" >&2
fi
printf '{"group":"%s/%s"}\\n' "$FS" "$GROUP"
`);
}

/**
 * Refuses while the group holds a subvolume, naming them. An empty group is removed only when
 * its filesystem is set to delete and this stack created it; otherwise it stays, and says why.
 */
export function subvolumeGroupDeleteScript(args: CephfsSubvolumeGroupSettings): string {
    return remoteScript(groupValues(args), `
if ! ceph fs get "$FS" >/dev/null 2>&1 || ! ceph fs subvolumegroup ls "$FS" -f json-pretty | grep -qF -- '"name": "'"$GROUP"'"'; then
  echo "subvolume group $FS/$GROUP does not exist; nothing to delete" >&2
  exit 0
fi
subvolumes=$(ceph fs subvolume ls "$FS" --group_name "$GROUP" -f json-pretty | sed -n 's/.*"name": "\\(.*\\)".*/\\1/p')
if [ -n "$subvolumes" ]; then
  count=$(printf '%s\\n' "$subvolumes" | wc -l)
  echo "refusing to delete subvolume group $FS/$GROUP: it holds $count subvolume(s): $(printf '%s\\n' "$subvolumes" | head -5 | tr '\\n' ' ')" >&2
  echo "delete the volumes (their claims) first" >&2
  exit 1
fi
owner=$(ceph config-key get "$OWNER_RECORD" 2>/dev/null || true)
if [ "$POLICY" != delete ] || [ "$owner" != "$OWNER" ]; then
  echo "keeping the empty subvolume group $FS/$GROUP with its filesystem" >&2
  exit 0
fi
ceph fs subvolumegroup rm "$FS" "$GROUP" >&2
echo "deleted subvolume group $FS/$GROUP" >&2
`);
}

/** A subvolume group for CephFS classes; never deleted while it holds a subvolume. */
export class CephfsSubvolumeGroup extends pulumi.ComponentResource {
    /** `<filesystem>/<group>`. */
    public readonly path: pulumi.Output<string>;

    constructor(name: string, args: CephfsSubvolumeGroupArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:ceph:CephfsSubvolumeGroup", name, {}, opts);
        const command = cephCommand(`${name}-group`, {
            connection: args.connection,
            ensure: subvolumeGroupEnsureScript(args),
            remove: subvolumeGroupDeleteScript(args),
            identity: `${args.filesystem}/${args.group}`,
        }, this);
        this.path = command.stdout.apply((out) => (JSON.parse(out) as { group: string }).group);
        this.registerOutputs({ path: this.path });
    }
}
