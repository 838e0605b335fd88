// A rados namespace of an RBD pool: the tenant boundary inside one pool. Images in it are
// listed only there (`rbd ls` of the pool does not show them), so its delete, not the pool's,
// is what keeps them: it runs before the pool's and refuses while the namespace holds any.
import * as pulumi from "@pulumi/pulumi";
import { cephCommand, OWNER_KEY, remoteScript } from "../ceph";
import type { MonLane } from "../ceph";

export interface RbdNamespaceArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** The pool the namespace is in. */
    pool: string;
    /** The namespace's name. */
    namespace: string;
    /** The pool's deletionPolicy: an empty namespace goes with `delete`, in a pool this stack created. */
    deletionPolicy: "retain" | "delete";
    /** Identity of this stack, as the pool's owner tag records it. */
    owner: string;
}

/** What the scripts need: everything but the connection. */
export type RbdNamespaceSettings = Omit<RbdNamespaceArgs, "connection">;

function namespaceValues(args: RbdNamespaceSettings) {
    return { NAMESPACE: args.namespace, OWNER: args.owner, OWNER_KEY, POLICY: args.deletionPolicy, POOL: args.pool };
}

/** Creates the namespace unless it is there; prints {"namespace": ...}. Safe to run any number of times. */
export function rbdNamespaceEnsureScript(args: RbdNamespaceSettings): string {
    return remoteScript(namespaceValues(args), `
# JSON: the table pads names to the column's width.
if ! rbd namespace ls --pool "$POOL" --format json | grep -qF -- '"name":"'"$NAMESPACE"'"'; then
  rbd namespace create --pool "$POOL" --namespace "$NAMESPACE" >&2
fi
printf '{"namespace":"%s/%s"}\\n' "$POOL" "$NAMESPACE"
`);
}

/**
 * Refuses while the namespace holds an image (live or in the trash), naming them: the pool's
 * own check does not see them. An empty one is removed only when its pool is set to delete and
 * this stack created the pool; otherwise it stays, and says why.
 */
export function rbdNamespaceDeleteScript(args: RbdNamespaceSettings): string {
    return remoteScript(namespaceValues(args), `
if ! ceph osd pool ls | grep -qxF -- "$POOL" || ! rbd namespace ls --pool "$POOL" --format json | grep -qF -- '"name":"'"$NAMESPACE"'"'; then
  echo "namespace $POOL/$NAMESPACE does not exist; nothing to delete" >&2
  exit 0
fi
images=$(rbd ls --pool "$POOL" --namespace "$NAMESPACE"; rbd trash ls --pool "$POOL" --namespace "$NAMESPACE")
if [ -n "$images" ]; then
  count=$(printf '%s\\n' "$images" | wc -l)
  echo "refusing to delete rados namespace $POOL/$NAMESPACE: it holds $count RBD image(s): $(printf '%s\\n' "$images" | head -5 | tr '\\n' ' ')" >&2
  echo "delete or move the images first" >&2
  exit 1
fi
owner=$(ceph osd pool application get "$POOL" rbd "$OWNER_KEY" 2>/dev/null || true)
if [ "$POLICY" != delete ] || [ "$owner" != "$OWNER" ]; then
  echo "keeping the empty rados namespace $POOL/$NAMESPACE with its pool" >&2
  exit 0
fi
rbd namespace remove --pool "$POOL" --namespace "$NAMESPACE" >&2
echo "deleted rados namespace $POOL/$NAMESPACE" >&2
`);
}

/** A rados namespace in an RBD pool, made for a tenant's classes; never deleted while it holds an image. */
export class RbdNamespace extends pulumi.ComponentResource {
    /** `<pool>/<namespace>`. */
    public readonly path: pulumi.Output<string>;

    constructor(name: string, args: RbdNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:ceph:RbdNamespace", name, {}, opts);
        const command = cephCommand(`${name}-namespace`, {
            connection: args.connection,
            ensure: rbdNamespaceEnsureScript(args),
            remove: rbdNamespaceDeleteScript(args),
            identity: `${args.pool}/${args.namespace}`,
        }, this);
        this.path = command.stdout.apply((out) => (JSON.parse(out) as { namespace: string }).namespace);
        this.registerOutputs({ path: this.path });
    }
}
