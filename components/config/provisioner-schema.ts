// The schema of the Kubernetes side's keys: the provisioner (ceph-csi, its operator, its
// images and pod settings) and the smoke test.
import { z } from "zod";
import { controllerPluginSchema, nodePluginSchema } from "./ceph-csi-plugins";
import { DNS_LABEL, DNS_SUBDOMAIN } from "./kubernetes-names";
import { CSI_INSTALLS, IMAGE, IMAGE_KEYS, ImageKey, MANIFEST_SOURCE, PROVISIONER_KINDS, QUANTITY, REGISTRY } from "./rules";

export const imagesSchema = z.strictObject(
    Object.fromEntries(IMAGE_KEYS.map((k) => [k, z.string().regex(IMAGE, { error: "must be a container image reference such as registry.example/org/name:tag" }).optional()])) as
        Record<ImageKey, z.ZodOptional<z.ZodString>>,
);

export const provisionerSchema = z.strictObject({
    kind: z.enum(PROVISIONER_KINDS, { error: `must be one of ${PROVISIONER_KINDS.join(", ")}` }).default("csi"),
    namespace: z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase RFC 1123 label)" }).default("ceph-csi"),
    registry: z.string().regex(REGISTRY, { error: "must be a registry prefix such as registry.example:5000/mirror" }).optional(),
    images: imagesSchema.prefault({}),
    awaitRollout: z.boolean({ error: "must be true or false" }).default(true),
    // Unset means the operator for the csi kind; set with another kind it is refused.
    install: z.enum(CSI_INSTALLS, { error: `must be one of ${CSI_INSTALLS.join(", ")}` }).optional(),
    operator: z.strictObject({
        // Where install.yaml comes from: the release's published file, a mirror URL or a local path (air-gapped sites).
        manifest: z.string().regex(MANIFEST_SOURCE, { error: "must be an https:// or http:// URL, or a path to a local copy of ceph-csi-operator's deploy/all-in-one/install.yaml" }).optional(),
        // The manifest's SHA-256, checked before anything changes; unset, only the release's own file (manifest unset) is checked, against the pinned digest.
        manifestSha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be the manifest's SHA-256: 64 lowercase hex digits, as sha256sum prints them" }).optional(),
        // existing-operator only: where the operator that someone else manages runs (install.yaml's names by default).
        namespace: z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase RFC 1123 label)" }).optional(),
        deployment: z.string().regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" }).optional(),
        // ceph-csi's log verbosity (the Driver's spec.log.verbosity).
        logVerbosity: z.number().int({ error: "must be a whole number from 0 to 5" })
            .min(0, { error: "must be a whole number from 0 to 5" }).max(5, { error: "must be a whole number from 0 to 5" }).default(1),
        // How long `up` waits for the operator to load the ClientProfile and generate the workloads,
        // and destroy for it to release the ClientProfile.
        timeoutSeconds: z.number().int({ error: "must be a whole number of seconds" })
            .min(10, { error: "must be between 10 and 3600" }).max(3600, { error: "must be between 10 and 3600" }).default(300),
    }).prefault({}),
    // ceph-csi's pod settings through the operator's Driver (ceph-csi-plugins.ts); unset, the operator's defaults.
    controllerPlugin: controllerPluginSchema.optional(),
    nodePlugin: nodePluginSchema.optional(),
});

export const smokeTestSchema = z.strictObject({
    enabled: z.boolean({ error: "must be true or false" }).default(true),
    namespace: z.string().regex(DNS_LABEL, { error: "must be a Kubernetes namespace name (lowercase RFC 1123 label)" }).default("default"),
    claimName: z.string().regex(DNS_SUBDOMAIN, { error: "must be a Kubernetes object name (lowercase RFC 1123 subdomain)" }).default("ceph-test-claim"),
    size: z.string().regex(QUANTITY, { error: "must be a Kubernetes quantity with a unit, such as 5Gi or 500Mi (5GB is not one)" }).default("5Gi"),
    // Unset, the pinned busybox of images.ts, under kube-ceph:provisioner.registry when that is set.
    image: z.string().regex(IMAGE, { error: "must be a container image reference such as docker.io/library/busybox:1.37.0" }).optional(),
    // false checks only that the claim binds to a real volume: for clusters (or a lab) where no pod can run.
    pod: z.boolean({ error: "must be true or false" }).default(true),
    // true leaves the pod that succeeded in place (until destroy), to look at; unset, it is removed.
    keepPod: z.boolean({ error: "must be true or false" }).default(false),
    timeoutSeconds: z.number().int({ error: "must be a whole number of seconds" })
        .min(10, { error: "must be between 10 and 3600" }).max(3600, { error: "must be between 10 and 3600" }).default(300),
});
