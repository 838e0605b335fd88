// A Ceph user's key, read as a Pulumi secret by kube-ceph's own SSH reader. No
// remote.Command prints a key: @pulumi/command puts a failed command's stdout and stderr
// into its error text whatever `logging` says, and that text reaches the CLI's output, CI
// logs and engine events. So the user command prints only a SHA-256 digest of the key, and
// this resource, queued right after it in the same lane, reads the key and checks it
// against that digest.
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, KubeCephDynamicResource } from "../program";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { changedInputs, inputKeys } from "../program/provider-inputs";
import type { CephHost } from "../config";
import { remoteScript } from "./shell-script";
import { isFinalFailure, sshExec } from "./ssh-reader";

/** SHA-256 hex of a key, as `printf '%s' "$KEY" | sha256sum` prints it on the mon host. */
export function keyDigest(key: string): string {
    const { createHash } = require("node:crypto") as typeof import("node:crypto");
    return createHash("sha256").update(key).digest("hex");
}

/**
 * Checks a key that was read against the digest the user command printed just before. A
 * mismatch means the key was rotated between the two reads. The messages name the entity
 * and never quote the key or the digest: they end up in logs.
 */
export function checkKeyDigest(entity: string, key: string, digest: string): void {
    if (!/^[0-9a-f]{64}$/.test(digest)) {
        throw new Error(
            `the user command of ${entity} did not print a SHA-256 digest of the key (64 hex digits): ` +
                "check that sha256sum (coreutils) is installed on the mon host, then run `pulumi up` again",
        );
    }
    if (key === "") {
        throw new Error(`the mon host printed an empty key for ${entity}: check that the user exists (ceph auth get ${entity}), then run \`pulumi up\` again`);
    }
    if (keyDigest(key) !== digest) {
        throw new Error(
            `the key of ${entity} changed while it was read (it does not match the digest the user command printed just before): ` +
                "something else rotated it; run `pulumi up` again to read the new key",
        );
    }
}

/**
 * The read-only script that prints the key on stdout, which only this module's reader sees.
 * Built in the program and handed to the provider as an input: the provider's code is
 * serialized with every function it calls, so it gets the finished script, not the builder.
 */
export function userKeyScript(entity: string): string {
    return remoteScript({ ENTITY: entity }, 'ceph auth get-key "$ENTITY"');
}

/** How many times the key is read before giving up, and the pause before the second try (doubled for the third). */
export const KEY_READ_ATTEMPTS = 3;
export const KEY_READ_BACKOFF_MS = 2000;

/**
 * Runs `read` up to `attempts` times, but tries again only after a connection-level failure
 * (refused, reset, timed out): a wrong host key may be a man-in-the-middle, and a ceph
 * command that failed on a host that answered fails the same way again.
 */
export async function retryConnectionErrors<T>(read: () => Promise<T>, attempts = KEY_READ_ATTEMPTS, backoffMs = KEY_READ_BACKOFF_MS): Promise<T> {
    for (let attempt = 1; ; attempt++) {
        try {
            return await read();
        } catch (error) {
            if (attempt >= attempts || isFinalFailure(error)) {
                throw error;
            }
            await new Promise((resolve) => setTimeout(resolve, backoffMs * 2 ** (attempt - 1)));
        }
    }
}

/** The resource's inputs as the provider gets them: plain values, the engine strips secrecy. */
interface UserKeyProps {
    host: string;
    port: number;
    user: string;
    hostKey?: string;
    privateKey: string;
    entity: string;
    keyDigest: string;
    /** userKeyScript(entity). */
    script: string;
}

/** Every input of the key: a change of any of them reads the key again (the provider's text is not one). */
const KEY_INPUTS = inputKeys<UserKeyProps>({ host: true, port: true, user: true, hostKey: true, privateKey: true, entity: true, keyDigest: true, script: true });

/** Reads the key over SSH and checks it against the digest; every error names the entity and host, never the key. */
async function readUserKey(props: UserKeyProps): Promise<string> {
    const host: CephHost = { host: props.host, port: props.port, user: props.user, ...(props.hostKey !== undefined ? { hostKey: props.hostKey } : {}) };
    let key: string;
    try {
        key = (await retryConnectionErrors(() => sshExec(host, props.privateKey, props.script))).trim();
    } catch (error) {
        throw new Error(`reading the key of ${props.entity} through ${host.host}:${host.port} failed: ${(error as Error).message}; ` +
            "once the mon host answers, run `pulumi up` again");
    }
    checkKeyDigest(props.entity, key, props.keyDigest);
    return key;
}

// Runs inside the Pulumi Node.js dynamic provider host. It reaches module code only through
// plain functions, which Pulumi serializes with it (see ssh-reader.ts). No delete: the user
// command's remove script deletes the user, and with it the key.
dynamicProvider("CephUserKey", {
    async create(inputs: UserKeyProps) {
        return { id: inputs.entity, outs: { ...inputs, key: await readUserKey(inputs) } };
    },
    // Never a replacement: the key is Ceph's, reading it again changes nothing there.
    async diff(_id: string, olds: UserKeyProps, news: UserKeyProps) {
        return { changes: changedInputs(olds, news, KEY_INPUTS).length > 0, replaces: [], deleteBeforeReplace: false };
    },
    // A new digest, entity, host or script reads the key again.
    async update(_id: string, _olds: UserKeyProps, news: UserKeyProps) {
        return { outs: { ...news, key: await readUserKey(news) } };
    },
});

export interface CephUserKeyArgs {
    /** The mon host the user command ran on: the key is read where it was just ensured. */
    host: string;
    /** Its SSH port. */
    port: number;
    /** The SSH login on it. */
    user: string;
    /** Its pinned host key (known_hosts notation); without one any key is accepted, as for the commands. */
    hostKey?: string;
    /** The SSH private key; kept a secret in the state, as the commands keep theirs. */
    privateKey: pulumi.Input<string>;
    /** The Ceph user, `client.<name>`. */
    entity: pulumi.Input<string>;
    /**
     * The user command's stdout, the SHA-256 hex of the key: when the key changes, so does
     * this, and the key is read again. Known only after the command ran, so a preview shows
     * the key as unknown.
     */
    keyDigest: pulumi.Input<string>;
}

/**
 * The cephx key of one Ceph user, a secret output. Queue it in the lane of the user command
 * (dependsOn it), so the mon host never has more sessions open than the lane allows.
 */
export class CephUserKey extends KubeCephDynamicResource {
    /** The user's cephx key; always secret. */
    // `declare`: a class field would be set to undefined after super() has filled it in.
    declare public readonly key: pulumi.Output<string>;

    constructor(name: string, args: CephUserKeyArgs, opts?: pulumi.CustomResourceOptions) {
        super("CephUserKey", name, { ...args, privateKey: pulumi.secret(args.privateKey), script: pulumi.output(args.entity).apply(userKeyScript), key: undefined },
            // The engine keeps an output secret when its input was one, but says so here too
            // for privateKey: neither may ever land in the state in plain text.
            { ...opts, additionalSecretOutputs: ["key", "privateKey"] });
    }
}
