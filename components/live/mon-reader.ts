// Reads the Ceph cluster through the first mon host in kube-ceph:ceph.hosts that answers
// over SSH, and says why it passed over the others.
import type { CephHost } from "../config";
import { CephReadRequest, cephReadScript } from "./ceph-read-script";
import { CephReading, parseCephReading } from "./ceph-reading";
import { isFinalFailure, sshExec } from "../ceph";

/** Tries the hosts in order and reads from the first that answers. */
export async function readCeph(hosts: CephHost[], privateKey: string, request: CephReadRequest): Promise<CephReading> {
    const skipped: { host: CephHost; reason: string }[] = [];
    const script = cephReadScript(request);
    for (const host of hosts) {
        let stdout: string;
        try {
            stdout = await sshExec(host, privateKey, script);
        } catch (error) {
            // A wrong host key may be a man-in-the-middle: stop rather than try the next host.
            // A failing ceph command fails the same way through every mon host of one cluster.
            if (isFinalFailure(error)) {
                throw new Error(`reading the Ceph cluster through ${host.host}:${host.port} failed: ${(error as Error).message}`);
            }
            skipped.push({ host, reason: (error as Error).message });
            continue;
        }
        return parseCephReading(stdout, request, host, skipped);
    }
    throw new Error(
        "no Ceph mon host in kube-ceph:ceph.hosts could be reached over SSH:\n" +
            skipped.map((s) => `  ${s.host.user}@${s.host.host}:${s.host.port}: ${s.reason}`).join("\n"),
    );
}
