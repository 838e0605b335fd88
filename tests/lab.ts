// Helpers of the lab test tiers only. What reaching the lab takes (its addresses, keys and
// the admin ceph CLI) is lab/lab.ts, shared with the lab's own stacks and the bench.
import { sshExec } from "../components/live";
import { ceph, cephJson, labHost, labPrivateKey, MONS } from "../lab/lab";

/** Runs a script on a lab mon host over real SSH, as remote.Command would. */
export function onMon(script: string, address = MONS[0]): Promise<string> {
    return sshExec(labHost(address), labPrivateKey(), script);
}

/** Removes a pool regardless of who made it (test clean-up only). */
export function dropPool(name: string): void {
    if (cephJson<string[]>("osd", "pool", "ls").includes(name)) {
        ceph("osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it");
    }
}

/** A name unique to this test run, so reruns never collide with leftovers. */
export function uniqueName(prefix: string): string {
    return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}

/** `text` as a RegExp source that matches exactly it. */
export function escapeRegExp(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
