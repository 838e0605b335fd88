import * as pulumi from "@pulumi/pulumi";
import { cephCommand } from "./ceph-command";
import type { MonLane } from "./mon-connection";
import { remoteScript } from "./shell-script";

/** Pool application metadata key that records which stack created the pool. */
export const OWNER_KEY = "kube-ceph.owner";

/** An erasure-coded pool's layout: k data and m coding chunks per object, each in its own failure domain. */
export interface ErasureCoding {
    /** Data chunks per object. */
    k: number;
    /** Coding chunks per object: how many failure domains may be lost at once. */
    m: number;
    /** CRUSH bucket type each chunk goes to its own one of (host, rack, osd, ...). */
    failureDomain: string;
}

export interface CephPoolArgs {
    /** The mon host lane the scripts run in (see MonConnection.lane). */
    connection: MonLane;
    /** Pool name; a new name is a new pool. */
    name: string;
    /** Placement groups; undefined hands pg_num to the autoscaler. */
    pgNum?: number;
    /** Replica count (pool size); undefined keeps the cluster default. Not for an erasure-coded pool. */
    replicas?: number;
    /** Makes an erasure-coded pool (for RBD images' data only); unset, the pool is replicated. */
    erasureCoded?: ErasureCoding;
    /** `delete` removes the pool on destroy, but only a pool this stack created and only while it holds no data. */
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

/** The erasure-code profile kube-ceph makes for an erasure-coded pool: one per pool, named after it. */
export function erasureCodeProfile(pool: string): string {
    return `kube-ceph-${pool}`;
}

/** The pool's script inputs, shared by the create/update and delete scripts. */
function poolValues(args: PoolSettings) {
    const values = {
        // Written before the pool is created; names the stack that is creating it.
        INTENT_KEY: `kube-ceph/pool-owner/${args.name}`,
        OWNER: args.owner,
        OWNER_KEY,
        PG_NUM: args.pgNum,
        POLICY: args.deletionPolicy,
        POOL: args.name,
        REPLICAS: args.replicas,
    };
    // Only an erasure-coded pool's scripts carry its layout: a replicated pool's stay as they were.
    return args.erasureCoded === undefined ? values : {
        ...values,
        EC_DOMAIN: args.erasureCoded.failureDomain,
        EC_K: args.erasureCoded.k,
        EC_M: args.erasureCoded.m,
        EC_PROFILE: erasureCodeProfile(args.name),
    };
}

// The parts both kinds of pool share, as shell text.
/** An existing pool is adopted when no other application uses it; a create cut before its tag is finished. */
const ADOPT_EXISTING = `
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
`;
/** Tags a pool that was just created, after the intent and the create. */
const TAG_NEW = `  ceph osd pool application enable "$POOL" rbd >&2
  ceph osd pool application set "$POOL" rbd "$OWNER_KEY" "$OWNER" >&2
`;
/**
 * pg_num as config sets it, or, unset, handed to the autoscaler, but only on a pool this stack
 * created: an adopted pool's placement is its owner's, and kube-ceph changes it only where the
 * user set pgNum (which the preview then shows, as the script's PG_NUM).
 */
function placement(pgNum: number | undefined): string {
    // With pgNum set, the text is the earlier release's to the byte (its else is never taken),
    // so a stack that sets pgNum upgrades with no change to its pool's command.
    return pgNum !== undefined ? `if [ -n "$PG_NUM" ]; then
  ceph osd pool set "$POOL" pg_autoscale_mode off >&2
  ceph osd pool set "$POOL" pg_num "$PG_NUM" >&2
  ceph osd pool set "$POOL" pgp_num "$PG_NUM" >&2
else
  ceph osd pool set "$POOL" pg_autoscale_mode on >&2
fi
` : `owner=$(ceph osd pool application get "$POOL" rbd "$OWNER_KEY" 2>/dev/null || true)
if [ "$owner" = "$OWNER" ]; then
  ceph osd pool set "$POOL" pg_autoscale_mode on >&2
else
  echo "leaving the placement of adopted pool $POOL as it is (owner: \${owner:-none}); set its pgNum to change it" >&2
fi
`;
}
/** The script's one line of stdout: whether this stack created the pool. */
const REPORT_ORIGIN = `owner=$(ceph osd pool application get "$POOL" rbd "$OWNER_KEY" 2>/dev/null || true)
if [ "$owner" = "$OWNER" ]; then origin=created; else origin=adopted; fi
printf '{"origin":"%s","pool":"%s"}\\n' "$origin" "$POOL"
`;
/** Keeps a pool that is gone, kept by policy, or adopted; what follows deletes only this stack's own. */
const DELETE_ONLY_OWN = `
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
`;
const REMOVE_POOL = `ceph osd pool rm "$POOL" "$POOL" --yes-i-really-really-mean-it >&2
ceph config-key rm "$INTENT_KEY" >&2 || true
`;

/**
 * Creates the pool or adopts an existing one, tags it for RBD and applies pg/replica
 * settings; prints {"origin": "created"|"adopted"}. Safe to run any number of times: the
 * owner tag, not memory of an earlier run, decides whether the stack created the pool.
 */
export function poolEnsureScript(args: PoolSettings): string {
    if (args.erasureCoded !== undefined) {
        return erasureCodedEnsureScript(args);
    }
    return remoteScript(poolValues(args), `
if ceph osd pool ls | grep -qxF -- "$POOL"; then${ADOPT_EXISTING}else
  # Intent first: if the run dies right after the create, the next run still knows whose pool it is.
  ceph config-key set "$INTENT_KEY" "$OWNER" >&2
  ceph osd pool create "$POOL" \${PG_NUM:+"$PG_NUM"} \${PG_NUM:+"$PG_NUM"} >&2
${TAG_NEW}fi
rbd pool init "$POOL" >&2
${placement(args.pgNum)}if [ -n "$REPLICAS" ]; then
  ceph osd pool set "$POOL" size "$REPLICAS" --yes-i-really-mean-it >&2
fi
${REPORT_ORIGIN}`);
}

/**
 * The erasure-coded pool's ensure: its own profile, the pool made from it with overwrites on
 * (RBD writes in place), no `rbd pool init` (its omap-less objects cannot hold RBD metadata).
 * An existing pool is adopted only when it is erasure-coded with the same k and m: those never
 * change after creation, so any other layout is refused, naming a way out.
 */
function erasureCodedEnsureScript(args: PoolSettings): string {
    return remoteScript(poolValues(args), `
if ceph osd pool ls | grep -qxF -- "$POOL"; then${ADOPT_EXISTING}  profile=$(ceph osd pool get "$POOL" erasure_code_profile 2>/dev/null | sed -n 's/^erasure_code_profile: //p')
  if [ -z "$profile" ]; then
    echo "pool $POOL already exists and is replicated, not erasure-coded; give the erasure-coded pool another name in kube-ceph:pools" >&2; exit 1
  fi
  layout=$(ceph osd erasure-code-profile get "$profile" | grep -E '^(k|m)=' | sort | tr '\\n' ' ')
  if [ "$layout" != "k=$EC_K m=$EC_M " ]; then
    echo "pool $POOL already exists with erasure-code profile $profile ($layout); an erasure-coded pool's k and m cannot change: declare a new pool in kube-ceph:pools for k=$EC_K m=$EC_M" >&2; exit 1
  fi
else
  # Intent first: if the run dies right after the create, the next run still knows whose pool it is.
  ceph config-key set "$INTENT_KEY" "$OWNER" >&2
  # The profile is this pool's alone and only read when the pool is created: --force may rewrite
  # what a run cut before the create left.
  ceph osd erasure-code-profile set "$EC_PROFILE" "k=$EC_K" "m=$EC_M" "crush-failure-domain=$EC_DOMAIN" --force >&2
  ceph osd pool create "$POOL" \${PG_NUM:+"$PG_NUM"} \${PG_NUM:+"$PG_NUM"} erasure "$EC_PROFILE" >&2
${TAG_NEW}fi
# RBD overwrites image data in place, which an erasure-coded pool allows only with this flag.
ceph osd pool set "$POOL" allow_ec_overwrites true >&2
# librbd checks a data pool on its first use by writing rbd_info to the pool's default namespace;
# a tenant's user may write only its own namespace, so the check's result is written here, once.
if ! rados -p "$POOL" stat rbd_info >/dev/null 2>&1; then
  printf 'overwrite validated' | rados -p "$POOL" put rbd_info - >&2
fi
${placement(args.pgNum)}${REPORT_ORIGIN}`);
}

/**
 * Removes the pool only when the policy says delete, this stack created it and no data is
 * left in it (an RBD image, live or in the trash; for an erasure-coded pool, any image data
 * object, since the images it holds data for are listed in their metadata pool); otherwise leaves
 * it and says why.
 */
export function poolDeleteScript(args: PoolSettings): string {
    if (args.erasureCoded !== undefined) {
        return remoteScript(poolValues(args), `${DELETE_ONLY_OWN}# rbd_info only marks the pool as RBD's: it stays after the last image goes.
objects=$(rados -p "$POOL" ls --all | grep -v 'rbd_info$' | head -5)
if [ -n "$objects" ]; then
  echo "refusing to delete pool $POOL: it still holds the data of RBD images (objects: $(printf '%s\\n' "$objects" | tr '\\n' ' '))" >&2
  echo "delete the images of the classes whose dataPool it is first, or set its deletionPolicy to retain" >&2
  exit 1
fi
${REMOVE_POOL}ceph osd erasure-code-profile rm "$EC_PROFILE" >&2 || true
echo "deleted pool $POOL" >&2
`);
    }
    return remoteScript(poolValues(args), `${DELETE_ONLY_OWN}images=$(rbd ls -p "$POOL"; rbd trash ls -p "$POOL")
if [ -n "$images" ]; then
  count=$(printf '%s\\n' "$images" | wc -l)
  echo "refusing to delete pool $POOL: it holds $count RBD image(s): $(printf '%s\\n' "$images" | head -5 | tr '\\n' ' ')" >&2
  echo "delete or move the images first, or set kube-ceph:pool.deletionPolicy to retain" >&2
  exit 1
fi
${REMOVE_POOL}echo "deleted pool $POOL" >&2
`);
}

/** A pool for RBD on the Ceph cluster, replicated or erasure-coded, created or adopted, never deleted with data in it. */
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
