// What this stack's last update recorded in its outputs, read back through a StackReference
// to itself: the guards against a pool rename and against going back from the operator use it,
// and so do the names a one-class stack's pool and class keep when it moves to the many-class form,
// and whether the RBD node plugin has users of its own.
import * as pulumi from "@pulumi/pulumi";

/** The stack output that records the managed pool: index.ts writes it, the rename guard reads it back. */
export const POOL_OUTPUT = "pool";
/** The stack outputs that record how ceph-csi was installed (kind csi): the switch to the operator reads them back. */
export const PROVISIONER_KIND_OUTPUT = "provisionerKind";
export const CSI_INSTALL_OUTPUT = "csiInstall";
/** The first StorageClass's name, which a one-class stack's only class is. */
export const STORAGE_CLASS_OUTPUT = "storageClassName";
/** Every pool's origin by name: only the many-class form writes it. */
export const POOLS_OUTPUT = "pools";
/** Every StorageClass's name: only the many-class form writes it, so its absence marks a one-class stack. */
export const STORAGE_CLASSES_OUTPUT = "storageClassNames";

/** Every Ceph user the stack made or adopted: the users' ownership check reads it back. */
export const CEPH_USERS_OUTPUT = "cephUsers";

/** How install.yaml's objects are declared (OperatorInstallForm): written once the install is done. */
export const OPERATOR_INSTALL_OUTPUT = "operatorInstall";

/** The RBD node plugin's own Ceph user: written only by stacks that have one, so its presence marks them. */
export const NODE_USER_OUTPUT = "cephNodeUser";

/** What the last update of this stack recorded. */
export interface PreviousOutputs {
    pool?: string;
    /** provisioner.kind; undefined for a new stack. */
    provisionerKind?: string;
    /** provisioner.install for the csi kind; undefined before releases that had the operator (they had the manifests). */
    csiInstall?: string;
    /** The first StorageClass's name; undefined for a new stack. */
    storageClass?: string;
    /** Whether the stack used the many-class form (kube-ceph:storageClasses). */
    manyClasses: boolean;
    /** Every pool the stack managed: the many-class form's `pools` output, or the one-class `pool`. */
    pools?: string[];
    /** The RBD node plugin's own user, when the stack had one. */
    nodeUser?: string;
    /** Every Ceph user the stack had; undefined for a new stack and one from a release before owner records. */
    users?: string[];
    /** How the operator's install.yaml was declared; undefined before the one-resource install. */
    operatorInstall?: string;
}

/**
 * Whether ceph-csi's RBD node plugin gets users of its own (kube-ceph:client.separateNodeUsers):
 * as set; unset, yes for a new stack, and for one that has them already, but not for a stack an
 * earlier release made, whose upgrade would otherwise replace its StorageClasses. Never for the
 * legacy kinds. Turning them off again is refused: the PersistentVolumes made since name the
 * node Secrets, which would go with the node users.
 */
export function nodeUsersFor(setting: boolean | undefined, kind: string, previous: PreviousOutputs): boolean {
    if (kind !== "csi") {
        return false;
    }
    if (setting === false && previous.nodeUser !== undefined) {
        throw new Error(
            `kube-ceph:client.separateNodeUsers is false on a stack whose RBD node plugin logs in as ${previous.nodeUser}: ` +
                "the PersistentVolumes made since name its Secret, so they could no longer be mounted. Remove the key or set it to true. Nothing was changed.",
        );
    }
    return setting ?? (previous.provisionerKind === undefined || previous.nodeUser !== undefined);
}

/** Reads the stack's own last outputs; a new stack has none. */
export async function readPrevious(): Promise<PreviousOutputs> {
    const self = new pulumi.StackReference("kube-ceph-previous", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
    const text = async (name: string) => {
        const details = await self.getOutputDetails(name);
        return typeof details.value === "string" ? details.value : undefined;
    };
    const [pool, provisionerKind, csiInstall, storageClass, classes, pools, nodeUser, users, operatorInstall] = await Promise.all([
        text(POOL_OUTPUT), text(PROVISIONER_KIND_OUTPUT), text(CSI_INSTALL_OUTPUT), text(STORAGE_CLASS_OUTPUT),
        self.getOutputDetails(STORAGE_CLASSES_OUTPUT), self.getOutputDetails(POOLS_OUTPUT), text(NODE_USER_OUTPUT), self.getOutputDetails(CEPH_USERS_OUTPUT),
        text(OPERATOR_INSTALL_OUTPUT),
    ]);
    const manyClasses = classes.value !== undefined || classes.secretValue !== undefined;
    const poolNames = manyClasses && typeof pools.value === "object" && pools.value !== null ? Object.keys(pools.value) : pool !== undefined ? [pool] : undefined;
    const userList = Array.isArray(users.value) ? users.value.filter((u): u is string => typeof u === "string") : undefined;
    return { pool, provisionerKind, csiInstall, storageClass, manyClasses, pools: poolNames, ...(nodeUser !== undefined ? { nodeUser } : {}), ...(userList !== undefined ? { users: userList } : {}), ...(operatorInstall !== undefined ? { operatorInstall } : {}) };
}
