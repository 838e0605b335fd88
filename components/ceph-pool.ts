import * as pulumi from "@pulumi/pulumi";
import { cephCommand } from "./ceph-command";
import type { MonLane } from "./mon-connection";
import { remoteScript } from "./shell-script";

/** Pool application metadata key that records which stack created the pool. */
export const OWNER_KEY = "kube-ceph.owner";

export interface CephPoolArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** Pool name; a new name is a new pool. */
    name: string;
    /** Placement groups; undefined hands pg_num to the autoscaler. */
    pgNum?: number;
    /** Replica count (pool size); undefined keeps the cluster default. */
    replicas?: number;
    /** `delete` removes the pool on destroy, but only a pool this stack created and only while it holds no images. */
    deletionPolicy: "retain" | "delete";
    /** Identity of this stack, recorded on pools it creates so adoption survives a crash. */
    owner: string;
}

/** What the scripts need: everything but the connection. */
export type PoolSettings = Omit<CephPoolArgs, "connection">;

/** This stack's identity as pool metadata, which allows only [A-Za-z0-9_.-], hence dots. */
export function stackOwner(): string {
    return `${pulumi.getOrganization()}.${pulumi.getProject()}.${pulumi.getStack()}`;
}

/** The pool's script inputs, shared by the create/update and delete scripts. */
function poolValues(args: PoolSettings) {
    return {
        // Written before the pool is created; names the stack that is creating it.
        INTENT_KEY: `kube-ceph/pool-owner/${args.name}`,
        OWNER: args.owner,
        OWNER_KEY,
        PG_NUM: args.pgNum,
        POLICY: args.deletionPolicy,
        POOL: args.name,
        REPLICAS: args.replicas,
    };
}

/**
 * Creates the pool or adopts an existing one, tags it for RBD and applies pg/replica
 * settings; prints {"origin": "created"|"adopted"}. Safe to run any number of times: the
 * owner tag, not memory of an earlier run, decides whether the stack created the pool.
 */
export function poolEnsureScript(args: PoolSettings): string {
    return remoteScript(poolValues(args), `
if ceph osd pool ls | grep -qxF -- "$POOL"; then
  apps=$(ceph osd pool application get "$POOL" -f json | tr -d '[:space:]')
  case "$apps" in
    '{}'|*'"rbd"'*) ;;
    *) echo "pool $POOL already exists and is used by another application ($apps); choose another kube-ceph:pool.name" >&2; exit 1 ;;
  esac
  owner=$(ceph osd pool application get "$POOL" rbd "$OWNER_KEY" 2>/dev/null || true)
  intent=$(ceph config-key get "$INTENT_KEY" 2>/dev/null || true)
  if [ -z "$owner" ] && [ "$intent" = "$OWNER" ]; then
    # An earlier run was cut between creating the pool and tagging it.
    ceph osd pool application enable "$POOL" rbd >&2
    ceph osd pool application set "$POOL" rbd "$OWNER_KEY" "$OWNER" >&2
  fi
else
  # Intent first: if the run dies right after the create, the next run still knows whose pool it is.
  ceph config-key set "$INTENT_KEY" "$OWNER" >&2
  ceph osd pool create "$POOL" \${PG_NUM:+"$PG_NUM"} \${PG_NUM:+"$PG_NUM"} >&2
  ceph osd pool application enable "$POOL" rbd >&2
  ceph osd pool application set "$POOL" rbd "$OWNER_KEY" "$OWNER" >&2
fi
rbd pool init "$POOL" >&2
if [ -n "$PG_NUM" ]; then
  ceph osd pool set "$POOL" pg_autoscale_mode off >&2
  ceph osd pool set "$POOL" pg_num "$PG_NUM" >&2
  ceph osd pool set "$POOL" pgp_num "$PG_NUM" >&2
else
  ceph osd pool set "$POOL" pg_autoscale_mode on >&2
fi
if [ -n "$REPLICAS" ]; then
  ceph osd pool set "$POOL" size "$REPLICAS" --yes-i-really-mean-it >&2
fi
owner=$(ceph osd pool application get "$POOL" rbd "$OWNER_KEY" 2>/dev/null || true)
if [ "$owner" = "$OWNER" ]; then origin=created; else origin=adopted; fi
printf '{"origin":"%s","pool":"%s"}\\n' "$origin" "$POOL"
`);
}

/**
 * Removes the pool only when the policy says delete, this stack created it and no RBD
 * image (live or in the trash) is left in it; otherwise leaves it and says why.
 */
export function poolDeleteScript(args: PoolSettings): string {
    return remoteScript(poolValues(args), `
if ! ceph osd pool ls | grep -qxF -- "$POOL"; then
  echo "pool $POOL does not exist; nothing to delete" >&2
  exit 0
fi
if [ "$POLICY" != delete ]; then
  echo "keeping pool $POOL: kube-ceph:pool.deletionPolicy is $POLICY" >&2
  exit 0
fi
owner=$(ceph osd pool application get "$POOL" rbd "$OWNER_KEY" 2>/dev/null || true)
if [ "$owner" != "$OWNER" ]; then
  echo "keeping pool $POOL: it was adopted, not created by this stack (owner: \${owner:-none})" >&2
  exit 0
fi
images=$(rbd ls -p "$POOL"; rbd trash ls -p "$POOL")
if [ -n "$images" ]; then
  count=$(printf '%s\\n' "$images" | wc -l)
  echo "refusing to delete pool $POOL: it holds $count RBD image(s): $(printf '%s\\n' "$images" | head -5 | tr '\\n' ' ')" >&2
  echo "delete or move the images first, or set kube-ceph:pool.deletionPolicy to retain" >&2
  exit 1
fi
ceph osd pool rm "$POOL" "$POOL" --yes-i-really-really-mean-it >&2
ceph config-key rm "$INTENT_KEY" >&2 || true
echo "deleted pool $POOL" >&2
`);
}

/** An RBD pool on the Ceph cluster, created or adopted, never deleted with data in it. */
export class CephPool extends pulumi.ComponentResource {
    /** The pool name. */
    public readonly name: pulumi.Output<string>;
    /** "created" when this stack made the pool, "adopted" when it already existed. */
    public readonly origin: pulumi.Output<string>;

    constructor(name: string, args: CephPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:ceph:CephPool", name, {}, opts);
        const pool = cephCommand(`${name}-pool`, {
            connection: args.connection,
            ensure: poolEnsureScript(args),
            remove: poolDeleteScript(args),
            identity: args.name,
        }, this);
        this.name = pulumi.output(args.name);
        this.origin = pool.stdout.apply((out) => (JSON.parse(out) as { origin: string }).origin);
        this.registerOutputs({ name: this.name, origin: this.origin });
    }
}
