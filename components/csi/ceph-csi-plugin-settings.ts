// ceph-csi's pod settings (config/ceph-csi-plugins.ts) as the operator's Driver takes them, and
// what the readiness check must then find in the workloads the operator renders.
import type { NodePluginSettings, PluginSettings, Toleration } from "../config";

/**
 * The Affinity the pods get: nodeSelector becomes required node-affinity terms (the Driver has no
 * nodeSelector field), ANDed into each term the user's own affinity already requires.
 */
export function pluginAffinity(nodeSelector: Record<string, string> | undefined, affinity: PluginSettings["affinity"]): Record<string, unknown> | undefined {
    const selectors = Object.entries(nodeSelector ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (selectors.length === 0) {
        return affinity;
    }
    const expressions = selectors.map(([key, value]) => ({ key, operator: "In", values: [value] }));
    const nodeAffinity = (affinity?.nodeAffinity ?? {}) as { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: unknown[] }[] } };
    const terms = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    const joined = terms.length === 0 ? [{ matchExpressions: expressions }] : terms.map((term) => ({ ...term, matchExpressions: [...(term.matchExpressions ?? []), ...expressions] }));
    return {
        ...affinity,
        nodeAffinity: { ...nodeAffinity, requiredDuringSchedulingIgnoredDuringExecution: { ...nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution, nodeSelectorTerms: joined } },
    };
}

/** The object without its unset fields. */
export function withoutUndefined<T extends Record<string, unknown>>(object: T): Partial<T> {
    return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** A toleration as the pod spec has it: operator spelled out, so that what the operator renders compares equal. */
export function podToleration(toleration: Toleration): Record<string, unknown> {
    return withoutUndefined({ ...toleration, operator: toleration.operator ?? "Equal" });
}

/** The Driver's `controllerPlugin` or `nodePlugin` for these settings; undefined when none is set, so the Driver stays as it was. */
export function driverPluginSpec(settings: PluginSettings | undefined): Record<string, unknown> | undefined {
    if (settings === undefined) {
        return undefined;
    }
    const spec = withoutUndefined({
        tolerations: settings.tolerations?.map(podToleration),
        affinity: pluginAffinity(settings.nodeSelector, settings.affinity),
        priorityClassName: settings.priorityClassName,
        resources: settings.resources,
        kubeletDirPath: (settings as NodePluginSettings).kubeletDir,
    });
    return Object.keys(spec).length === 0 ? undefined : spec;
}

/** What the readiness check looks for in a workload the operator rendered from these settings. */
export interface PodExpectation {
    priorityClassName?: string;
    tolerations?: Record<string, unknown>[];
}

/** The settings a rendered pod template must show, or undefined when none is set. */
export function podExpectation(settings: PluginSettings | undefined): PodExpectation | undefined {
    if (settings?.priorityClassName === undefined && (settings?.tolerations ?? []).length === 0) {
        return undefined;
    }
    return withoutUndefined({ priorityClassName: settings!.priorityClassName, tolerations: settings!.tolerations?.map(podToleration) });
}
