// The one place that turns values into shell text for the mon host. Every value is
// shell-quoted by shell-quote, even ones the config schema already restricts, so a gap in
// validation cannot become code execution.
import { quote } from "shell-quote";

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
