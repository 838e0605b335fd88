// The one place that turns values into shell text for the mon host, and the one place
// that describes how to reach that host. Every value is shell-quoted by shell-quote,
// even ones the config schema already restricts, so a gap in validation cannot become
// code execution.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { quote } from "shell-quote";
import type { CephHost } from "./config";

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

/** Connection settings for @pulumi/command's remote.Command to one mon host. */
export function sshConnection(host: CephHost, privateKey: pulumi.Input<string>): command.types.input.remote.ConnectionArgs {
    return {
        host: host.host,
        port: host.port,
        user: host.user,
        privateKey: pulumi.secret(privateKey),
        // Without a pin the provider accepts any host key; index.ts warns about that.
        ...(host.hostKey !== undefined ? { hostKey: host.hostKey } : {}),
        // A refused dial (sshd's MaxStartups under many parallel commands) is retried.
        dialErrorLimit: 30,
        perDialTimeout: 15,
    };
}

export interface CephCommandArgs {
    /** SSH connection to a mon host (see sshConnection). */
    connection: command.types.input.remote.ConnectionArgs;
    /** Idempotent script that creates or converges the object; runs on create and on every change. */
    ensure: string;
    /** Idempotent script that removes the object (or refuses, failing the destroy). */
    remove: string;
    /** The Ceph name of the object: a new name is a new object, so it forces a replacement. */
    identity: string;
    /** stdout carries a key: keep it out of logs, state in plain text and the next run's environment. */
    secretStdout?: boolean;
}

/** The one way kube-ceph runs a script on a mon host as a Pulumi resource. */
export function cephCommand(name: string, args: CephCommandArgs, parent: pulumi.Resource): command.remote.Command {
    return new command.remote.Command(name, {
        connection: args.connection,
        create: args.ensure,
        update: args.ensure,
        delete: args.remove,
        triggers: [args.identity],
        // Previous stdout may be a key; it must not travel back to the host as an environment variable.
        addPreviousOutputInEnv: false,
        ...(args.secretStdout ? { logging: "stderr" as const } : {}),
    }, {
        parent,
        ...(args.secretStdout ? { additionalSecretOutputs: ["stdout"] } : {}),
        // A new name is a new Ceph object: created first, then the old one goes through its own remove script.
        replaceOnChanges: ["triggers"],
    });
}
