// kube-ceph's own SSH reader: runs one script on a mon host and hands its stdout back to
// the caller, never to a log. The live reads use it while the program is planned, and the
// CephUserKey provider uses it to read a user's key as a Pulumi secret. Pulumi serializes
// that provider's functions into the state, so this module requires its libraries at call
// time instead of importing them (as kubernetes-client.ts does).
import type { Client } from "ssh2";
import type { CephHost } from "../config";

/**
 * Why a read failed for good, so that neither another try nor another mon host can help:
 * the host presented another key than the pinned one (maybe a man-in-the-middle), or it
 * answered and the script failed (no quorum, auth, ...), as it would on every mon host.
 * Any other error of sshExec is connection-level (refused, reset, timed out).
 */
export type FinalFailure = "host key mismatch" | "command failed";

/** An error of sshExec; `finalFailure` is set when trying again cannot help. */
export type SshError = Error & { finalFailure?: FinalFailure };

/**
 * A final failure. A plain Error with a tag, not a subclass of Error: the CephUserKey
 * provider's code is serialized, and Pulumi's serializer rebuilds such a subclass without
 * its message.
 */
export function finalFailure(kind: FinalFailure, message: string): SshError {
    return Object.assign(new Error(message), { finalFailure: kind });
}

/** Whether an error of sshExec is final (see FinalFailure). */
export function isFinalFailure(error: unknown): boolean {
    return (error as SshError | undefined)?.finalFailure !== undefined;
}

/** SHA256 fingerprint in OpenSSH's notation. */
export function fingerprint(keyBlob: Buffer): string {
    const { createHash } = require("node:crypto") as typeof import("node:crypto");
    return "SHA256:" + createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "");
}

/** The key blob of a pinned host key in known_hosts notation (`type base64 [comment]`). */
export function pinnedBlob(hostKey: string): Buffer {
    return Buffer.from(hostKey.trim().split(/\s+/)[1], "base64");
}

/**
 * The error text of a script that exited non-zero. It quotes stderr only: stdout is what a
 * script hands back, and a script that failed after printing a secret must not put it in
 * an error, which ends up in the CLI's output, CI logs and engine events.
 */
export function commandFailureMessage(code: number | null, stderr: string): string {
    const said = stderr.trim();
    return `exit code ${code}: ${said === "" ? "(no stderr)" : said}`;
}

/** Runs one script on one host over SSH and resolves with its stdout. */
export function sshExec(host: CephHost, privateKey: string, script: string, timeoutMs = 60_000): Promise<string> {
    const ssh2 = require("ssh2") as typeof import("ssh2");
    return new Promise((resolve, reject) => {
        const client: Client = new ssh2.Client();
        let settled = false;
        // Declared before `finish` uses it: Pulumi's closure serializer (this runs in the
        // CephUserKey provider) cannot follow a name used above its declaration.
        let timer: ReturnType<typeof setTimeout> | undefined = undefined;
        const finish = (error: Error | undefined, stdout?: string) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(timer);
            client.end();
            if (error !== undefined) {
                reject(error);
            } else {
                resolve(stdout ?? "");
            }
        };
        timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
        client.on("error", (error) => finish(error));
        client.on("ready", () => {
            // The script goes in on stdin so that nothing in it shows in the host's process list.
            client.exec("sh -s", (error, channel) => {
                if (error) {
                    finish(error);
                    return;
                }
                let stdout = "";
                let stderr = "";
                channel.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
                channel.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
                channel.on("close", (code: number | null) => {
                    if (code === 0) {
                        finish(undefined, stdout);
                    } else {
                        finish(finalFailure("command failed", commandFailureMessage(code, stderr)));
                    }
                });
                channel.end(script);
            });
        });
        client.connect({
            host: host.host,
            port: host.port,
            username: host.user,
            privateKey,
            readyTimeout: 15_000,
            hostVerifier: (key: Buffer) => {
                if (host.hostKey === undefined) {
                    return true;
                }
                const expected = pinnedBlob(host.hostKey);
                if (expected.equals(key)) {
                    return true;
                }
                // Fail with both fingerprints; ssh2 would otherwise only say the handshake failed.
                finish(
                    finalFailure(
                        "host key mismatch",
                        `host key of ${host.host}:${host.port} does not match kube-ceph:ceph.hosts[].hostKey: ` +
                            `pinned ${fingerprint(expected)}, presented ${fingerprint(key)}. ` +
                            "If the host was legitimately reinstalled, pin its new key (ssh-keyscan); otherwise do not proceed.",
                    ),
                );
                return false;
            },
        });
    });
}
