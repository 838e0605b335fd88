// What this stack's last update recorded in its outputs, read back through a StackReference
// to itself: the guards against a pool rename and against going back from the operator use it.
import * as pulumi from "@pulumi/pulumi";

/** The stack output that records the managed pool: index.ts writes it, the rename guard reads it back. */
export const POOL_OUTPUT = "pool";
/** The stack outputs that record how ceph-csi was installed (kind csi): the switch to the operator reads them back. */
export const PROVISIONER_KIND_OUTPUT = "provisionerKind";
export const CSI_INSTALL_OUTPUT = "csiInstall";

/** What the last update of this stack recorded. */
export interface PreviousOutputs {
    pool?: string;
    /** provisioner.kind; undefined for a new stack. */
    provisionerKind?: string;
    /** provisioner.install for the csi kind; undefined before releases that had the operator (they had the manifests). */
    csiInstall?: string;
}

/** Reads the stack's own last outputs; a new stack has none. */
export async function readPrevious(): Promise<PreviousOutputs> {
    const self = new pulumi.StackReference("kube-ceph-previous", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
    const text = async (name: string) => {
        const details = await self.getOutputDetails(name);
        return typeof details.value === "string" ? details.value : undefined;
    };
    const [pool, provisionerKind, csiInstall] = await Promise.all([text(POOL_OUTPUT), text(PROVISIONER_KIND_OUTPUT), text(CSI_INSTALL_OUTPUT)]);
    return { pool, provisionerKind, csiInstall };
}
