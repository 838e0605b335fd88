// ceph-csi-operator's install.yaml as one resource keyed by the manifest's digest. Declaring its
// ~50 objects one by one costs every preview a Check and a Diff of each (the CRDs are large), and
// most of a no-op preview's time; this resource's inputs are a few strings, compared in the
// program's own host. It applies the objects with server-side apply when the digest, the image or
// the rollout wait changes, and deletes them on destroy.
import type { KubeConfig } from "@kubernetes/client-node";
import * as pulumi from "@pulumi/pulumi";
import { dynamicProvider, KubeCephDynamicResource } from "../program";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { changedInputs } from "../program/provider-inputs";
import { manifestDigest, ManifestObject, OPERATOR_DEPLOYMENT, operatorObjects, parseOperatorManifest, readManifestText } from "./ceph-csi-operator-manifest";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { apiServerOf, loadKubeConfig } from "../kubernetes/kubernetes-client";

/** The field manager of kube-ceph's server-side applies. */
export const INSTALL_FIELD_MANAGER = "kube-ceph";

/** One object of install.yaml, as the install resource records it for updates and destroy. */
export interface ObjectRef {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
}

export function objectRef(object: { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }): ObjectRef {
    return {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata.name,
        ...(object.metadata.namespace !== undefined ? { namespace: object.metadata.namespace } : {}),
    };
}

/** "Kind namespace/name", for the diff and messages. */
export function refName(ref: ObjectRef): string {
    return `${ref.kind} ${ref.namespace !== undefined ? `${ref.namespace}/` : ""}${ref.name}`;
}

/**
 * The order objects are applied in: namespaces and CRDs first (everything else lives in one or
 * may be served by one), the rest as install.yaml has them. Destroy goes the other way.
 */
export function installOrder<T extends { kind: string }>(objects: T[]): T[] {
    const rank = (object: T) => (object.kind === "Namespace" ? 0 : object.kind === "CustomResourceDefinition" ? 1 : 2);
    return objects.map((object, index) => ({ object, index })).sort((a, b) => rank(a.object) - rank(b.object) || a.index - b.index).map((entry) => entry.object);
}

/** What was applied before and is no longer in the manifest: an update deletes these. */
export function droppedObjects(before: ObjectRef[], after: ObjectRef[]): ObjectRef[] {
    const kept = new Set(after.map(refName));
    return before.filter((ref) => !kept.has(refName(ref)));
}

export interface CephCsiOperatorInstallArgs {
    /** Where install.yaml comes from, as configured (`provisioner.operator.manifest`): shown in the diff. */
    source: pulumi.Input<string>;
    /** The same, resolved to where this run reads it (a local path made absolute): not compared. */
    readFrom: pulumi.Input<string>;
    /** The SHA-256 of install.yaml's text, which the apply checks the text it reads against. */
    digest: pulumi.Input<string>;
    /** The operator's image, after overrides and the registry mirror. */
    image: pulumi.Input<string>;
    /** Wait for the operator's Deployment to become ready; off only where no kubelet runs it. */
    awaitRollout: pulumi.Input<boolean>;
    /** How long the apply waits for the CRDs to be served and, with awaitRollout, for the operator. */
    timeoutSeconds: pulumi.Input<number>;
    /** Every object of install.yaml, in the manifest's order: a version that adds or drops one shows it. */
    objects: pulumi.Input<ObjectRef[]>;
    /** The cluster kube-ceph's own reads use, kept (secret) so destroy deletes from the same one. */
    kubeconfig?: pulumi.Input<string>;
}

interface InstallProps {
    source: string;
    readFrom: string;
    digest: string;
    image: string;
    awaitRollout: boolean;
    timeoutSeconds: number;
    objects: ObjectRef[];
    kubeconfig?: string;
}

/** The inputs a change of which re-applies the manifest; `readFrom` differs between machines. */
const COMPARED: (keyof InstallProps)[] = ["source", "digest", "image", "awaitRollout", "objects", "kubeconfig"];

// Runs inside the Pulumi Node.js dynamic provider host (see kubernetes-client.ts).
dynamicProvider("CephCsiOperatorInstall", {
    async diff(_id: string, olds: InstallProps, news: InstallProps) {
        const changed = changedInputs(olds, news, COMPARED);
        // Never a replacement: a new version is applied over the old one, as kubectl apply would.
        return { changes: changed.length > 0, replaces: [], deleteBeforeReplace: false };
    },
    async create(inputs: InstallProps) {
        await applyInstall(inputs, []);
        return { id: `ceph-csi-operator-${inputs.digest.slice(0, 12)}`, outs: inputs };
    },
    async update(_id: string, olds: InstallProps, news: InstallProps) {
        await applyInstall(news, olds.objects ?? []);
        return { outs: news };
    },
    async delete(_id: string, props: InstallProps) {
        await deleteObjects(apiClient(loadKubeConfig(props.kubeconfig)), props.objects, props.timeoutSeconds);
    },
});

/** Applies install.yaml's objects; deletes those an earlier apply made that the manifest dropped. */
async function applyInstall(props: InstallProps, before: ObjectRef[]): Promise<void> {
    const text = await readManifestText(props.readFrom);
    if (manifestDigest(text) !== props.digest) {
        throw new Error(
            `${props.source} changed since this run read it (its SHA-256 is no longer ${props.digest}); ` +
                "run pulumi up again to apply what it holds now, or point kube-ceph:provisioner.operator.manifest at a copy that does not change.",
        );
    }
    const objects = operatorObjects(parseOperatorManifest(props.source, text), props.image, props.awaitRollout);
    const client = apiClient(loadKubeConfig(props.kubeconfig));
    const server = client.server;
    for (const object of installOrder(objects)) {
        await client.apply(object, props.source);
    }
    await deleteObjects(client, droppedObjects(before, props.objects), props.timeoutSeconds);
    const deadline = Date.now() + props.timeoutSeconds * 1000;
    const waiting = async (what: string, missing: () => Promise<string | undefined>) => {
        let last: string | undefined;
        for (;;) {
            // A read that fails (the API unreachable, access denied) fails the run at once, as the
            // kubernetes provider does: only an object that is there but not ready yet is waited for.
            last = await missing();
            if (last === undefined) {
                return;
            }
            if (Date.now() > deadline) {
                throw new Error(
                    `${what} at ${server} within ${props.timeoutSeconds} s: ${last}. kube-ceph:provisioner.operator.timeoutSeconds sets how long this waits` +
                        (props.awaitRollout ? "; kube-ceph:provisioner.awaitRollout: false skips the wait for the operator's pods." : "."),
                );
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    };
    // What the Driver and ClientProfile declared after this need: their kinds served.
    for (const crd of objects.filter((o) => o.kind === "CustomResourceDefinition")) {
        await waiting(`CRD ${crd.metadata.name} was not served`, async () => {
            const live = await client.read(objectRef(crd));
            if (live === undefined) {
                return "it does not exist";
            }
            const established = (live.status?.conditions ?? []).find((c: { type: string }) => c.type === "Established");
            return established?.status === "True" ? undefined : "it is not Established yet";
        });
    }
    if (props.awaitRollout) {
        const namespace = objects.find((o) => o.kind === "Deployment" && o.metadata.name === OPERATOR_DEPLOYMENT)!.metadata.namespace!;
        await waiting(`the operator's Deployment ${namespace}/${OPERATOR_DEPLOYMENT} did not roll out`, async () => {
            const live = await client.read({ apiVersion: "apps/v1", kind: "Deployment", name: OPERATOR_DEPLOYMENT, namespace });
            if (live === undefined) {
                return "it does not exist";
            }
            const want = live.spec?.replicas ?? 1;
            const status = live.status ?? {};
            if ((status.observedGeneration ?? 0) < (live.metadata?.generation ?? 0)) {
                return `its controller has not seen generation ${live.metadata?.generation} yet`;
            }
            return status.updatedReplicas === want && status.availableReplicas === want ? undefined : `${status.availableReplicas ?? 0} of ${want} replicas available, ${status.updatedReplicas ?? 0} updated`;
        });
    }
}

/**
 * Deletes the objects in the reverse of the install order and waits until the namespaces and
 * CRDs are gone, so that a later install can make them again. Already gone is fine.
 */
async function deleteObjects(client: ApiClient, refs: ObjectRef[], timeoutSeconds: number): Promise<void> {
    for (const ref of installOrder(refs).reverse()) {
        await client.delete(ref);
    }
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (const ref of refs.filter((r) => r.kind === "Namespace" || r.kind === "CustomResourceDefinition")) {
        while ((await client.read(ref)) !== undefined) {
            if (Date.now() > deadline) {
                throw new Error(`${refName(ref)} at ${client.server} was still being deleted after ${timeoutSeconds} s; see what holds it with kubectl get ${ref.kind.toLowerCase()} ${ref.name} -o yaml`);
            }
            await new Promise((resolve) => setTimeout(resolve, 1000));
        }
    }
}

/** The few API calls the install makes. */
interface ApiClient {
    /** The API server's address, for messages. */
    server: string;
    /** Server-side apply, taking over fields another manager holds (an earlier release's kubernetes provider). */
    apply(object: ManifestObject, source: string): Promise<void>;
    /** The live object, or undefined when there is none. */
    read(ref: ObjectRef): Promise<any>;
    /** Deletes in the background (what the object owns goes after it); already gone is fine. */
    delete(ref: ObjectRef): Promise<void>;
}

/**
 * The API calls as plain JSON over the kubeconfig's connection: the typed client's models would
 * rename or drop the CRDs' `x-kubernetes-*` schema fields on the way out. (A closure, not a class:
 * Pulumi serializes this code into the state, and its serializer drops class field initializers.)
 */
function apiClient(config: KubeConfig): ApiClient {
    const server = apiServerOf(config);
    const discovered = new Map<string, Promise<Map<string, { name: string; namespaced: boolean }>>>();
    const call = async (method: string, path: string, body?: string, contentType?: string): Promise<{ status: number; body: any }> => {
        const url = new URL(server);
        const transport = url.protocol === "http:" ? require("http") : require("https");
        const options: Record<string, any> = {
            method,
            hostname: url.hostname,
            port: url.port,
            path: `${url.pathname.replace(/\/$/, "")}${path}`,
            headers: { Accept: "application/json", ...(contentType !== undefined ? { "Content-Type": contentType } : {}) },
        };
        await config.applyToHTTPSOptions(options);
        return new Promise((resolve, reject) => {
            const request = transport.request(options, (response: any) => {
                const chunks: Buffer[] = [];
                response.on("data", (chunk: Buffer) => chunks.push(chunk));
                response.on("end", () => {
                    const text = Buffer.concat(chunks).toString("utf8");
                    let parsed: unknown = text;
                    try {
                        parsed = JSON.parse(text);
                    } catch {
                        // not JSON: kept as text for the message
                    }
                    resolve({ status: response.statusCode, body: parsed });
                });
            });
            request.on("error", (error: Error) => reject(new Error(`the API at ${server} could not be reached (${error.message})`)));
            request.setTimeout(60_000, () => request.destroy(new Error("no answer within 60 s")));
            if (body !== undefined) {
                request.write(body);
            }
            request.end();
        });
    };
    // The object's URL path, from the API's own discovery of its kind.
    const pathOf = async (ref: ObjectRef): Promise<string> => {
        const base = ref.apiVersion.includes("/") ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
        if (!discovered.has(base)) {
            discovered.set(base, call("GET", base).then((response) => {
                if (response.status >= 300) {
                    throw new Error(`the API at ${server} does not serve ${ref.apiVersion}: ${describe(response)}`);
                }
                const resources: { name: string; kind: string; namespaced: boolean }[] = response.body?.resources ?? [];
                return new Map(resources.filter((r) => !r.name.includes("/")).map((r) => [r.kind, r]));
            }));
        }
        const resource = (await discovered.get(base)!).get(ref.kind);
        if (resource === undefined) {
            throw new Error(`the API at ${server} serves no ${ref.kind} in ${ref.apiVersion}`);
        }
        return `${base}${resource.namespaced ? `/namespaces/${ref.namespace ?? "default"}` : ""}/${resource.name}/${encodeURIComponent(ref.name)}`;
    };
    return {
        server,
        async apply(object, source) {
            const ref = objectRef(object);
            const response = await call("PATCH", `${await pathOf(ref)}?fieldManager=${INSTALL_FIELD_MANAGER}&force=true`, JSON.stringify(object), "application/apply-patch+yaml");
            if (response.status >= 300) {
                throw new Error(`could not apply ${refName(ref)} of ${source} at ${server}: ${describe(response)}`);
            }
        },
        async read(ref) {
            const response = await call("GET", await pathOf(ref));
            if (response.status === 404) {
                return undefined;
            }
            if (response.status >= 300) {
                throw new Error(`could not read ${refName(ref)} at ${server}: ${describe(response)}`);
            }
            return response.body;
        },
        async delete(ref) {
            const response = await call("DELETE", await pathOf(ref), JSON.stringify({ kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" }), "application/json");
            if (response.status >= 300 && response.status !== 404) {
                throw new Error(`could not delete ${refName(ref)} at ${server}: ${describe(response)}`);
            }
        },
    };
}

/** The API server's own message, or the status. */
function describe(response: { status: number; body: any }): string {
    return typeof response.body?.message === "string" ? response.body.message : `HTTP ${response.status}`;
}

/**
 * ceph-csi-operator's install.yaml, applied as one resource: the namespace, CRDs, RBAC and
 * Deployment of the manifest, in its names. A new manifest (another version, or the same version
 * re-published) shows in the diff as a new digest, and as objects added or dropped.
 */
export class CephCsiOperatorInstall extends KubeCephDynamicResource {
    // `declare`: a class field would be set to undefined after super() has filled it in.
    /** Every object applied, in the manifest's order. */
    declare public readonly objects: pulumi.Output<ObjectRef[]>;
    /** The SHA-256 of the manifest applied. */
    declare public readonly digest: pulumi.Output<string>;

    constructor(name: string, args: CephCsiOperatorInstallArgs, opts?: pulumi.CustomResourceOptions) {
        super("CephCsiOperatorInstall", name, { ...args }, opts);
    }
}
