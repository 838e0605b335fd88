// ceph-csi-operator's install.yaml: where it comes from, what kube-ceph needs to know of it, and
// the objects as kube-ceph applies them. The operator component and its install resource (which
// re-reads the manifest when it applies it) share these.
import type * as JsYaml from "js-yaml";
import { OPERATOR_VERSION } from "./images";
// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.
import { rolloutAnnotations } from "../kubernetes/kubernetes-common";

/** Where ceph-csi-operator publishes the install manifest of the release kube-ceph pins. */
export const OPERATOR_MANIFEST_URL = `https://raw.githubusercontent.com/ceph/ceph-csi-operator/${OPERATOR_VERSION}/deploy/all-in-one/install.yaml`;

/** The operator's Deployment and container in install.yaml, and its namespace there. */
export const OPERATOR_DEPLOYMENT = "ceph-csi-operator-controller-manager";
export const OPERATOR_NAMESPACE = "ceph-csi-operator-system";
const OPERATOR_CONTAINER = "manager";

/** A Kubernetes object as install.yaml holds it. */
export interface ManifestObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [key: string]: unknown };
    [key: string]: unknown;
}

/** The SHA-256 of the install.yaml that OPERATOR_MANIFEST_URL serves: the file of the release's tag. */
export const OPERATOR_MANIFEST_SHA256 = "be46f9e4119b09a2fce558942acd4f88307f91a70e098d8354474f3165e7224e";

/** What kube-ceph needs to know about one install manifest, read once per run. */
export interface OperatorManifest {
    /** Where it was read from, for messages. */
    source: string;
    objects: ManifestObject[];
    /** The namespace the operator runs in, and where its Driver and ClientProfiles must live. */
    namespace: string;
    /** The image install.yaml runs the operator with. */
    image: string;
    /** The SHA-256 of its text. */
    digest: string;
}

/** Reads install.yaml from an http(s) URL or a local path (air-gapped sites point at a copy). */
export async function readOperatorManifest(source: string): Promise<OperatorManifest> {
    return parseOperatorManifest(source, await readManifestText(source));
}

/**
 * install.yaml's text from an http(s) URL or a local path. The operator's install resource reads
 * it again when it applies it, so its messages name the config key to fix.
 */
export async function readManifestText(source: string): Promise<string> {
    if (/^https?:\/\//.test(source)) {
        const response = await fetch(source).catch((error: Error) => {
            throw new Error(`could not fetch ${source} (${error.message}); air-gapped sites set kube-ceph:provisioner.operator.manifest to a mirror URL or a local copy`);
        });
        if (!response.ok) {
            throw new Error(`could not fetch ${source}: HTTP ${response.status}; set kube-ceph:provisioner.operator.manifest to a mirror URL or a local copy`);
        }
        return response.text();
    }
    const fs = require("fs");
    try {
        return fs.readFileSync(source, "utf8");
    } catch (error) {
        throw new Error(`could not read ${source} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}), set as kube-ceph:provisioner.operator.manifest`);
    }
}

/** The SHA-256 of install.yaml's text: what the install resource is keyed by. */
export function manifestDigest(text: string): string {
    return require("crypto").createHash("sha256").update(text).digest("hex");
}

/**
 * The objects of install.yaml, and the namespace and image of its operator Deployment. A
 * manifest without exactly one such Deployment is not one kube-ceph knows how to run.
 */
export function parseOperatorManifest(source: string, text: string): OperatorManifest {
    // Plain YAML, field names as written: a typed client model would rename some (`default`).
    // js-yaml: every preview parses the 1.09 MB install.yaml, and it does so about 6 times
    // faster than a parser that keeps the document's syntax tree (0.13 s against 0.85 s here).
    // Required here, not imported: the install resource's serialized provider then names the
    // package, where Pulumi's closure serializer cannot map js-yaml's conditional exports.
    const { loadAll } = require("js-yaml") as typeof JsYaml;
    let documents: unknown[];
    try {
        documents = loadAll(text);
    } catch (error) {
        throw new Error(`${source} is not YAML: ${(error as Error).message.split("\n")[0]}`);
    }
    const objects = documents.filter((o): o is ManifestObject => o !== null && typeof o === "object");
    const deployments = objects.filter((o) => o.kind === "Deployment" && o.metadata?.name === OPERATOR_DEPLOYMENT);
    const container = deployments.length === 1 ? operatorContainer(deployments[0]) : undefined;
    if (container === undefined || deployments[0].metadata.namespace === undefined) {
        throw new Error(`${source} is not a ceph-csi-operator install manifest: it has no Deployment ${OPERATOR_DEPLOYMENT} with a "${OPERATOR_CONTAINER}" container in a namespace`);
    }
    return { source, digest: manifestDigest(text), objects, namespace: deployments[0].metadata.namespace, image: container.image };
}

function operatorContainer(deployment: ManifestObject): { image: string } | undefined {
    const containers = (deployment.spec as { template?: { spec?: { containers?: { name: string; image: string }[] } } } | undefined)?.template?.spec?.containers ?? [];
    return containers.find((c) => c.name === OPERATOR_CONTAINER);
}

/**
 * install.yaml as kube-ceph applies it: the operator's image set to `image` (a pin or a mirror),
 * and its Deployment not awaited where no kubelet can run it. Everything else as published.
 */
export function operatorObjects(manifest: OperatorManifest, image: string, awaitRollout: boolean): ManifestObject[] {
    return manifest.objects.map((object) => {
        if (object.kind !== "Deployment" || object.metadata.name !== OPERATOR_DEPLOYMENT) {
            return object;
        }
        const copy = structuredClone(object);
        operatorContainer(copy)!.image = image;
        const annotations = { ...(copy.metadata.annotations ?? {}), ...rolloutAnnotations(awaitRollout) };
        copy.metadata = { ...copy.metadata, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
        return copy;
    });
}

