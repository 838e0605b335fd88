// How kube-ceph reaches one mon host: the SSH connection settings its remote commands use,
// and the lanes that bound how many of them run on the host at once.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { CephHost, DEFAULT_SESSIONS_PER_HOST } from "../config";

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
