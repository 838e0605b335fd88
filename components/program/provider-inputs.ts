// What kube-ceph's dynamic providers compare in their diffs. A plain module, imported by the
// providers' code, which Pulumi serializes into the state with everything it reaches: it must
// import nothing (dynamic-resource.ts imports Pulumi, whose config would come along).

/**
 * The inputs among `keys` whose values differ between a resource's state (`olds`, its outputs)
 * and its new inputs: what every kube-ceph provider's diff compares. It never compares
 * `__provider`: that text changes whenever the code is rebuilt or moved between files, and a
 * new text changes nothing the resource did, so it is no reason for an update.
 */
export function changedInputs<T>(olds: Partial<T>, news: T, keys: readonly (keyof T)[]): (keyof T)[] {
    return keys.filter((key) => JSON.stringify(olds[key]) !== JSON.stringify(news[key]));
}

/** The keys of an inputs type, listed once in a record the compiler holds complete. */
export function inputKeys<T>(keys: Record<keyof T, true>): (keyof T)[] {
    return Object.keys(keys) as (keyof T)[];
}
