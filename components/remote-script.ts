// The one place that turns values into shell text for the mon host, and the one place
// that describes how to reach that host. Every value is shell-quoted by shell-quote,
// even ones the config schema already restricts, so a gap in validation cannot become
// code execution.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { quote } from "shell-quote";
import { CephHost, DEFAULT_SESSIONS_PER_HOST } from "./config";

export type ScriptValue = string | number | boolean | undefined;

/** Bounds every ceph/rbd call so a cluster without quorum fails fast instead of hanging. */
export const CEPH_TIMEOUT_SECONDS = 30;

/**
 * Builds a POSIX shell script: each value becomes a quoted variable assignment (keys
 * sorted, so the text is stable across runs), followed by `body`, which must refer to
 * the values only as "$NAME". Undefined values become empty strings.
 */
export function remoteScript(values: Record<string, ScriptValue>, body: string): string {
    const assignments = Object.keys(values)
        .sort()
        .map((name) => {
            if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
                throw new Error(`remoteScript: variable name ${JSON.stringify(name)} must be UPPER_SNAKE_CASE`);
            }
            const value = values[name];
            return `${name}=${quote([value === undefined ? "" : String(value)])}`;
        });
    return [
        "set -eu",
        // ceph and rbd both read CEPH_ARGS: without quorum every call fails after the timeout instead of hanging.
        `CEPH_ARGS="\${CEPH_ARGS:-} --client_mount_timeout=${CEPH_TIMEOUT_SECONDS} --rados_mon_op_timeout=${CEPH_TIMEOUT_SECONDS}"`,
        "export CEPH_ARGS",
        ...assignments,
        body.trim(),
        "",
    ].join("\n");
}

/**
 * One mon host as remote commands reach it: the SSH connection settings and the bound on
 * how many commands run on it at once. Create one per host and share it between every
 * component that talks to that host, or the bound does not hold.
 */
export class MonConnection {
    /** Connection settings for @pulumi/command's remote.Command. */
    public readonly args: command.types.input.remote.ConnectionArgs;
    /** The host itself, for kube-ceph's own SSH reader (CephUserKey), which reads what no command may print. */
    public readonly cephHost: CephHost;
    /** The SSH private key, always a secret: the commands and the reader log in with it. */
    public readonly privateKey: pulumi.Output<string>;
    /** host:port, for messages and outputs. */
    public readonly address: string;
    private readonly lanes: MonLane[];
    private handedOut = 0;

    /** `sessionsPerHost` comes checked from kube-ceph:ceph.sessionsPerHost (1 to MAX_SESSIONS_PER_HOST). */
    constructor(host: CephHost, privateKey: pulumi.Input<string>, sessionsPerHost = DEFAULT_SESSIONS_PER_HOST) {
        this.address = `${host.host}:${host.port}`;
        this.cephHost = host;
        this.privateKey = pulumi.secret(privateKey);
        this.args = {
            host: host.host,
            port: host.port,
            user: host.user,
            privateKey: this.privateKey,
            // Without a pin the provider accepts any host key; index.ts warns about that.
            ...(host.hostKey !== undefined ? { hostKey: host.hostKey } : {}),
            // @pulumi/command retries every failed dial alike, a host key mismatch too, after 0.1 s
            // growing 1.5x: 9 attempts give up within about 5 s. The lanes keep kube-ceph's own
            // handshakes under sshd's MaxStartups; these retries absorb another client's.
            dialErrorLimit: 8,
            perDialTimeout: 15,
        };
        this.lanes = Array.from({ length: sessionsPerHost }, () => new MonLane(this));
    }

    /**
     * A lane on this host, round-robin: commands in one lane run one after another, so the
     * host never has more sessions open than it has lanes, on create and destroy alike. Give
     * commands that depend on each other anyway (a pool and its user) the same lane.
     */
    public lane(): MonLane {
        return this.lanes[this.handedOut++ % this.lanes.length];
    }
}

/** One SSH session's worth of a mon host: the commands declared in it form a chain. */
export class MonLane {
    private last: pulumi.Resource | undefined;

    constructor(public readonly host: MonConnection) {}

    /** Declares a resource that waits for the lane's previous one (`after`) and becomes its new tail. */
    public queue<T extends pulumi.Resource>(declare: (after: pulumi.Resource[]) => T): T {
        const resource = declare(this.last === undefined ? [] : [this.last]);
        this.last = resource;
        return resource;
    }
}

export interface CephCommandArgs {
    /** The mon host lane to run in (see MonConnection.lane). */
    connection: MonLane;
    /**
     * Idempotent script that creates or converges the object; runs on create and on every change.
     * It must print no secret: the provider puts a failed command's stdout into its error text
     * whatever `logging` says (a user's key is read by CephUserKey instead).
     */
    ensure: string;
    /** Idempotent script that removes the object (or refuses, failing the destroy). */
    remove: string;
    /** The Ceph name of the object: a new name is a new object, so it forces a replacement. */
    identity: string;
}

/** The one way kube-ceph runs a script on a mon host as a Pulumi resource. */
export function cephCommand(name: string, args: CephCommandArgs, parent: pulumi.Resource): command.remote.Command {
    return args.connection.queue((after) => new command.remote.Command(name, {
        connection: args.connection.host.args,
        create: args.ensure,
        update: args.ensure,
        delete: args.remove,
        triggers: [args.identity],
        // The previous release's user command printed the key: that old stdout must not travel back to the host.
        addPreviousOutputInEnv: false,
    }, {
        parent,
        // Waiting for the lane's previous command is what bounds the sessions per host.
        dependsOn: after,
        // A new name is a new Ceph object: created first, then the old one goes through its own remove script.
        replaceOnChanges: ["triggers"],
    }));
}
