// The shapes Kubernetes itself requires of names, labels and quantities, shared by every config
// rule that ends up in a Kubernetes object: a value refused here would be refused by the API
// server only after something had changed.

/** RFC 1123 subdomain, as Kubernetes requires for object names such as StorageClasses. */
export const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label, as Kubernetes requires for namespaces. */
export const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** A label (or taint) key: an optional DNS-subdomain prefix and "/", then a name of at most 63 characters. */
export const LABEL_KEY = /^((?=[^/]{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=[^/]{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
/** A label (or taint) value: empty, or at most 63 characters starting and ending alphanumeric. */
export const LABEL_VALUE = /^((?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
/** A CPU amount: cores (0.5, 2) or millicores (500m). */
export const CPU_QUANTITY = /^([0-9]+(\.[0-9]+)?|[0-9]+m)$/;
/** A memory amount: bytes with an optional binary (Mi) or decimal (M) suffix. */
export const MEMORY_QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;

const SUFFIXES: Record<string, number> = {
    m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** The number a CPU or memory quantity of the forms above stands for (cores, or bytes). */
export function quantityValue(quantity: string): number {
    const match = /^([0-9]+(?:\.[0-9]+)?)([A-Za-z]*)$/.exec(quantity);
    if (match === null || (match[2] !== "" && SUFFIXES[match[2]] === undefined)) {
        throw new Error(`not a quantity: ${quantity}`);
    }
    return Number(match[1]) * (match[2] === "" ? 1 : SUFFIXES[match[2]]);
}
