// Every live read the program makes while it is being planned: the Ceph cluster over SSH,
// the Kubernetes API, and this stack's own last outputs. They run in previews too, so a pull
// request's preview shows the cluster as it is now. The program takes the reader as an
// argument: tests pass a fake one, and config overrides make it skip what it does not need.
import type { CephHost } from "../config";
import type { CephReadRequest } from "./ceph-read-script";
import type { CephReading } from "./ceph-reading";
import { KubernetesReading, KubernetesReadRequest, readKubernetes } from "./kubernetes-reader";
import { readCeph } from "./mon-reader";
import { PreviousOutputs, readPrevious } from "./stack-history";

export interface LiveReader {
    readCeph(hosts: CephHost[], privateKey: string, request: CephReadRequest): Promise<CephReading>;
    readKubernetes(request: KubernetesReadRequest): Promise<KubernetesReading>;
    /** What this stack's last update recorded, if any (a new stack has nothing). */
    readPrevious(): Promise<PreviousOutputs>;
}

/** The real reader: SSH to the mon hosts, the Kubernetes API, the stack's own outputs. */
export const liveReader: LiveReader = { readCeph, readKubernetes, readPrevious };
