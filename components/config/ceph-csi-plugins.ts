// ceph-csi's own pod settings, as users of its Helm chart and of ceph-csi-operator set them: where
// the controller plugin (a Deployment) and the node plugin (a DaemonSet) may run, what they may
// use, and where the kubelet keeps its volumes. kube-ceph hands them to the operator's Driver,
// which renders them into both workloads. Here: their schema and the rules one field cannot say;
// csi/ceph-csi-plugin-settings.ts turns them into the Driver's spec.
import { z } from "zod";
import { CPU_QUANTITY, DNS_SUBDOMAIN, LABEL_KEY, LABEL_VALUE, MEMORY_QUANTITY, quantityValue } from "./kubernetes-names";

/** The controller plugin's containers, by the names the Driver's `controllerPlugin.resources` uses. */
export const CONTROLLER_CONTAINERS = ["plugin", "provisioner", "attacher", "resizer", "snapshotter", "omapGenerator", "liveness", "addons", "logRotator"] as const;
/** The node plugin's containers, by the names the Driver's `nodePlugin.resources` uses. */
export const NODE_CONTAINERS = ["plugin", "registrar", "liveness", "addons", "logRotator"] as const;

const amountsSchema = z.strictObject({
    cpu: z.string({ error: "must be a CPU amount such as 250m or 1" }).regex(CPU_QUANTITY, { error: "must be a CPU amount such as 250m or 1" }).optional(),
    memory: z.string({ error: "must be a memory amount such as 256Mi or 1Gi" }).regex(MEMORY_QUANTITY, { error: "must be a memory amount such as 256Mi or 1Gi" }).optional(),
});

const requirementsSchema = z.strictObject({ requests: amountsSchema.optional(), limits: amountsSchema.optional() });

const tolerationSchema = z.strictObject({
    key: z.string().regex(LABEL_KEY, { error: "must be a taint key such as node-role.kubernetes.io/control-plane" }).optional(),
    operator: z.enum(["Exists", "Equal"], { error: "must be Exists or Equal" }).optional(),
    value: z.string().regex(LABEL_VALUE, { error: "must be a taint value: at most 63 letters, digits, '-', '_' or '.'" }).optional(),
    effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"], { error: "must be NoSchedule, PreferNoSchedule or NoExecute" }).optional(),
    tolerationSeconds: z.number().int({ error: "must be a whole number of seconds" }).min(0, { error: "must be a whole number of seconds" }).optional(),
});

/** Kubernetes' own Affinity: its three parts are passed through, and the API server checks them against the Driver's CRD. */
const affinitySchema = z.strictObject({
    nodeAffinity: z.record(z.string(), z.unknown(), { error: "must be a Kubernetes NodeAffinity object" }).optional(),
    podAffinity: z.record(z.string(), z.unknown(), { error: "must be a Kubernetes PodAffinity object" }).optional(),
    podAntiAffinity: z.record(z.string(), z.unknown(), { error: "must be a Kubernetes PodAntiAffinity object" }).optional(),
});

function pluginSchema<C extends readonly [string, ...string[]]>(containers: C) {
    return z.strictObject({
        tolerations: z.array(tolerationSchema, { error: "must be a list of tolerations, each {key?, operator?, value?, effect?, tolerationSeconds?}" }).optional(),
        nodeSelector: z.record(
            z.string().regex(LABEL_KEY, { error: "must be a node label key such as kubernetes.io/os" }),
            // An object here is a label key that `pulumi config set --path` split at its dots.
            z.string({ error: 'must be a node label value; a label key with dots is set quoted: pulumi config set --path \'kube-ceph:provisioner.nodePlugin.nodeSelector["kubernetes.io/os"]\' linux' })
                .regex(LABEL_VALUE, { error: "must be a node label value: at most 63 letters, digits, '-', '_' or '.'" }),
            { error: "must be a map from node label to value" },
        ).optional(),
        affinity: affinitySchema.optional(),
        priorityClassName: z.string().regex(DNS_SUBDOMAIN, { error: "must be a PriorityClass name (lowercase RFC 1123 subdomain) such as system-cluster-critical" }).optional(),
        // By container: an unknown name is answered with the names this plugin has.
        resources: z.strictObject(Object.fromEntries(containers.map((c) => [c, requirementsSchema.optional()])) as Record<C[number], z.ZodOptional<typeof requirementsSchema>>, {
            error: `must be a map from container (${containers.join(", ")}) to {requests?, limits?}`,
        }).optional(),
    });
}

export const controllerPluginSchema = pluginSchema(CONTROLLER_CONTAINERS);
export const nodePluginSchema = pluginSchema(NODE_CONTAINERS).extend({
    // Where the nodes' kubelet keeps its pods and plugins, when not /var/lib/kubelet (k0s, MicroK8s and others move it).
    kubeletDir: z.string().regex(/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/, { error: "must be an absolute path such as /var/lib/k0s/kubelet, without a trailing '/'" }).optional(),
});

export type ControllerPluginSettings = z.infer<typeof controllerPluginSchema>;
export type NodePluginSettings = z.infer<typeof nodePluginSchema>;
export type PluginSettings = ControllerPluginSettings | NodePluginSettings;
export type Toleration = NonNullable<PluginSettings["tolerations"]>[number];

/** One refused value: its key below kube-ceph's namespace, the value, and what is allowed. */
export interface PluginSettingsProblem {
    key: string;
    value: unknown;
    allowed: string;
}

/** The rules one field's schema cannot say: a toleration's parts together, requests within limits, no ".." in a path. */
export function pluginSettingsProblems(at: string, settings: PluginSettings): PluginSettingsProblem[] {
    const problems: PluginSettingsProblem[] = [];
    (settings.tolerations ?? []).forEach((toleration, index) => {
        const key = (field: string) => `${at}.tolerations[${index}].${field}`;
        const operator = toleration.operator ?? "Equal";
        if (operator === "Exists" && toleration.value !== undefined) {
            problems.push({ key: key("value"), value: toleration.value, allowed: 'must be left unset with operator "Exists", which tolerates every value of the key' });
        }
        if (toleration.key === undefined && operator !== "Exists") {
            problems.push({ key: key("operator"), value: toleration.operator, allowed: 'must be "Exists" when key is unset: a toleration without a key tolerates every taint' });
        }
        if (toleration.tolerationSeconds !== undefined && toleration.effect !== "NoExecute") {
            problems.push({ key: key("tolerationSeconds"), value: toleration.tolerationSeconds, allowed: 'must be left unset unless effect is "NoExecute": only that effect evicts' });
        }
    });
    for (const [container, requirements] of Object.entries(settings.resources ?? {})) {
        for (const amount of ["cpu", "memory"] as const) {
            const request = requirements?.requests?.[amount];
            const limit = requirements?.limits?.[amount];
            if (request !== undefined && limit !== undefined && quantityValue(request) > quantityValue(limit)) {
                problems.push({
                    key: `${at}.resources.${container}.requests.${amount}`,
                    value: request,
                    allowed: `must be at most the limit ${limit} (resources.${container}.limits.${amount}): Kubernetes refuses a pod whose request exceeds its limit`,
                });
            }
        }
    }
    const kubeletDir = (settings as NodePluginSettings).kubeletDir;
    if (kubeletDir !== undefined && kubeletDir.slice(1).split("/").some((part) => part === "" || part === "." || part === "..")) {
        problems.push({ key: `${at}.kubeletDir`, value: kubeletDir, allowed: "must be a plain absolute path, without '.', '..' or '//'" });
    }
    return problems;
}

