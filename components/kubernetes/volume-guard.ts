import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, KubeCephDynamicResource } from "../program";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { changedInputs, inputKeys } from "../program/provider-inputs";
import { coreApi } from "./kubernetes-client";

/** A PersistentVolume as far as the guard cares: where its RBD image lives and which class made it. */
export interface VolumeRecord {
    name: string;
    claim?: string;
    storageClassName?: string;
    /** ceph-csi: spec.csi.volumeAttributes.pool (with clusterID); in-tree/external: spec.rbd.pool. */
    pool?: string;
    clusterId?: string;
    /** Being deleted, or its claim gone under reclaimPolicy Delete: the provisioner is removing it (see volumeRecord). */
    leaving?: boolean;
}

/** The fields of a PersistentVolume that the guard reads. */
export interface VolumeObject {
    metadata?: { name?: string; deletionTimestamp?: unknown };
    spec?: {
        claimRef?: { namespace?: string; name?: string; uid?: string };
        storageClassName?: string;
        persistentVolumeReclaimPolicy?: string;
        csi?: { volumeAttributes?: Record<string, string> };
        rbd?: { pool?: string };
    };
    status?: { phase?: string };
}

/**
 * A PersistentVolume as the guard sees it. It is on its way out when it is being deleted, or
 * when under reclaimPolicy Delete its claim is gone: Released, or still Bound to a claim that
 * was deleted a moment ago (the volume controller marks it Released only at its next sync).
 * `liveClaims` holds the uids of the claims that exist and are not being deleted.
 */
export function volumeRecord(pv: VolumeObject, liveClaims: Set<string>): VolumeRecord {
    const claimRef = pv.spec?.claimRef;
    const claimGone = claimRef?.uid !== undefined && !liveClaims.has(claimRef.uid);
    return {
        name: pv.metadata?.name ?? "",
        claim: claimRef ? `${claimRef.namespace}/${claimRef.name}` : undefined,
        storageClassName: pv.spec?.storageClassName,
        pool: pv.spec?.csi?.volumeAttributes?.pool ?? pv.spec?.rbd?.pool,
        clusterId: pv.spec?.csi?.volumeAttributes?.clusterID,
        leaving: pv.metadata?.deletionTimestamp !== undefined ||
            (pv.spec?.persistentVolumeReclaimPolicy === "Delete" && (pv.status?.phase === "Released" || claimGone)),
    };
}

/** What the guard protects: one pool of one cluster, and the class that provisions into it. */
export interface GuardedVolumes {
    pool: string;
    clusterId: string;
    storageClassName: string;
}

/**
 * The PersistentVolumes that still need the pool, its user or its Secrets: every volume
 * whose image is in the pool, and every volume of the class whose pool the PV does not say.
 */
export function volumesInTheWay(volumes: VolumeRecord[], guarded: GuardedVolumes): VolumeRecord[] {
    return volumes
        .filter((v) =>
            v.pool !== undefined
                ? v.pool === guarded.pool && (v.clusterId === undefined || v.clusterId === guarded.clusterId)
                : v.storageClassName === guarded.storageClassName,
        )
        .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * What the guard does about the volumes in the way: wait while all of them are on their way
 * out (the provisioner still needs the user and Secrets to delete their images, as for the
 * smoke test's claim), refuse as soon as one is there to stay.
 */
export function guardDecision(inTheWay: VolumeRecord[]): "proceed" | "wait" | "refuse" {
    if (inTheWay.length === 0) {
        return "proceed";
    }
    return inTheWay.every((v) => v.leaving) ? "wait" : "refuse";
}

/** How long the guard waits for volumes that are being deleted before it refuses. */
export const LEAVING_VOLUMES_TIMEOUT_SECONDS = 300;

/** The refusal destroy prints; names the volumes (at most 10) and the ways forward. */
export function volumesInTheWayMessage(inTheWay: VolumeRecord[], guarded: GuardedVolumes): string {
    const shown = inTheWay.slice(0, 10).map((v) => `${v.name}${v.claim !== undefined ? ` (claim ${v.claim})` : ""}${v.leaving ? " [still being deleted]" : ""}`);
    const more = inTheWay.length > shown.length ? ` and ${inTheWay.length - shown.length} more` : "";
    return (
        `refusing to delete the Ceph pool "${guarded.pool}", its user and its Secrets: ${inTheWay.length} PersistentVolume(s) still use them: ${shown.join(", ")}${more}. ` +
        `Delete those claims and volumes first (their data goes with them under reclaimPolicy Delete), then run destroy again. ` +
        `To tear down kube-ceph anyway and leave the volumes unmountable, remove this guard from the state first: pulumi state delete <the VolumeGuard's URN>. Nothing else was deleted by this step.`
    );
}

interface GuardProps extends GuardedVolumes {
    /** `kubernetes:kubeconfig` when the stack sets it; otherwise the runner's default kubeconfig. */
    kubeconfig?: string;
}

/** Every input of the guard: a change of any of them updates it (the provider's text is not one). */
const GUARD_INPUTS = inputKeys<GuardProps>({ pool: true, clusterId: true, storageClassName: true, kubeconfig: true });

// Runs inside the Pulumi Node.js dynamic provider host, also during `destroy`, when the
// program itself does not run: Pulumi serializes these functions into the state, so they
// require what they need at call time and reach module code only through the pure helpers.
dynamicProvider("VolumeGuard", {
    async diff(_id: string, olds: GuardProps, news: GuardProps) {
        // Never a replacement: the guard holds nothing, it only records what to check at delete.
        return { changes: changedInputs(olds, news, GUARD_INPUTS).length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: GuardProps) {
        return { id: `${inputs.clusterId}/${inputs.pool}`, outs: inputs };
    },
    async update(_id: string, _olds: GuardProps, news: GuardProps) {
        return { outs: news };
    },
    async delete(_id: string, props: GuardProps) {
        const { core, server } = coreApi(props.kubeconfig);
        const deadline = Date.now() + LEAVING_VOLUMES_TIMEOUT_SECONDS * 1000;
        for (;;) {
            let volumes: VolumeRecord[];
            try {
                const pvs = (await core.listPersistentVolume()).items;
                const claims = (await core.listPersistentVolumeClaimForAllNamespaces()).items;
                const liveClaims = new Set(claims.filter((c) => c.metadata?.deletionTimestamp === undefined).map((c) => c.metadata?.uid ?? ""));
                volumes = pvs.map((pv) => volumeRecord(pv, liveClaims));
            } catch (error) {
                throw new Error(`cannot list PersistentVolumes and their claims at ${server} (${(error as Error).message}); ` +
                    "the Ceph pool, user and Secrets are kept until it can be checked that no volume uses them");
            }
            const inTheWay = volumesInTheWay(volumes, props);
            const decision = guardDecision(inTheWay);
            if (decision === "proceed") {
                return;
            }
            if (decision === "refuse" || Date.now() > deadline) {
                throw new Error(volumesInTheWayMessage(inTheWay, props));
            }
            await new Promise((resolve) => setTimeout(resolve, 2000));
        }
    },
});

class VolumeGuardResource extends KubeCephDynamicResource {
    constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
        super("VolumeGuard", name, props, opts);
    }
}

export interface VolumeGuardArgs {
    /** The pool the class provisions into. */
    pool: pulumi.Input<string>;
    /** Cluster fsid (ceph-csi's clusterID), so a same-named pool of another cluster does not count. */
    clusterId: pulumi.Input<string>;
    /** The StorageClass whose volumes count even when their PV does not name a pool. */
    storageClassName: pulumi.Input<string>;
    /** `kubernetes:kubeconfig` if the stack sets it (kept secret); the runner's default kubeconfig otherwise. */
    kubeconfig?: pulumi.Input<string>;
}

/**
 * Stops `destroy` before the Ceph pool, its user, its Secrets or its StorageClass go while
 * a PersistentVolume still uses them. Declare it depending on all of them (with dependsOn
 * only: its inputs are plain names, so a delete-first replace of the class does not cascade
 * into it), and the smoke test depending on it: destroy deletes dependents first, so the
 * smoke test goes, then this guard, then what it guards. Its delete lists the
 * PersistentVolumes, waits (up to LEAVING_VOLUMES_TIMEOUT_SECONDS) for those on their way
 * out, such as the smoke test's, and fails if any other is in the way.
 */
export class VolumeGuard extends pulumi.ComponentResource {
    constructor(name: string, args: VolumeGuardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("kube-ceph:kubernetes:VolumeGuard", name, {}, opts);
        new VolumeGuardResource(`${name}-volume-guard`, {
            clusterId: args.clusterId,
            pool: args.pool,
            storageClassName: args.storageClassName,
            ...(args.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(args.kubeconfig) } : {}),
        }, { parent: this });
        this.registerOutputs({});
    }
}
