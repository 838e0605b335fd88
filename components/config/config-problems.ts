// How a bad config value is reported: one ConfigError naming every key, the value given and
// what is allowed, in kube-ceph's words rather than the schema library's.
import { z } from "zod";
import { CONFIG_NAMESPACE, splitList } from "./rules";

/** One bad config value: the full key, what was given, and what is allowed. */
export interface ConfigProblem {
    key: string;
    value: unknown;
    allowed: string;
}

/** Thrown for bad configuration; its message names every offending key, value and rule. */
export class ConfigError extends Error {
    constructor(public readonly problems: ConfigProblem[]) {
        super(
            "invalid kube-ceph configuration (nothing was created or changed):\n" +
                problems.map((p) => `  ${p.key}: got ${describe(p.value)}; ${p.allowed}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

export function describe(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function valueAt(root: unknown, path: PropertyKey[]): unknown {
    let node: unknown = root;
    for (const step of path) {
        // A comma-separated string stands for a list (imageFeatures), so its items have indexes too.
        if (typeof node === "string" && typeof step === "number") {
            node = splitList(node);
        }
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<PropertyKey, unknown>)[step];
    }
    return node;
}

export function keyName(top: string, path: PropertyKey[]): string {
    return path.reduce<string>((key, step) => (typeof step === "number" ? `${key}[${step}]` : `${key}.${String(step)}`), `${CONFIG_NAMESPACE}:${top}`);
}

/**
 * The words for a value of the wrong type: which type, and for a number or boolean written as a
 * string (`pgNum: "128"`) how to set it so that Pulumi stores it unquoted.
 */
export function wrongTypeMessage(key: string, expected: string, value: unknown): string {
    const article = /^[aeiou]/.test(expected) ? "an" : "a";
    const given = Array.isArray(value) ? "a list" : value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`;
    if (typeof value === "string" && ((expected === "number" && /^-?\d+(\.\d+)?$/.test(value.trim())) || (expected === "boolean" && /^(true|false)$/.test(value.trim())))) {
        return `must be ${article} ${expected}, not the string "${value}": set it with pulumi config set --path '${key}' ${value.trim()} (with --path, Pulumi stores whole numbers and true/false unquoted), or write it without quotes in the stack's YAML`;
    }
    return `must be ${article} ${expected}, not ${given}`;
}

/** Peels defaults, optionals and preprocessing off a schema. */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
    let node = schema as unknown as { _zod: { def: Record<string, any> } };
    for (;;) {
        const def = node._zod.def;
        if (def.type === "default" || def.type === "optional" || def.type === "prefault") {
            node = def.innerType;
        } else if (def.type === "pipe") {
            node = def.out;
        } else {
            return node as unknown as z.ZodType;
        }
    }
}

/** The keys an object in the config may have at `path` below `schema`; unions answer with their object branch. */
export function knownKeysAt(schema: z.ZodType, path: PropertyKey[]): string[] {
    const def = (unwrapSchema(schema) as unknown as { _zod: { def: Record<string, any> } })._zod.def;
    if (def.type === "union") {
        for (const option of def.options as z.ZodType[]) {
            const keys = knownKeysAt(option, path);
            if (keys.length > 0) {
                return keys;
            }
        }
        return [];
    }
    if (path.length === 0) {
        return def.type === "object" ? Object.keys(def.shape).sort() : [];
    }
    const [step, ...rest] = path;
    if (def.type === "object" && typeof step === "string" && step in def.shape) {
        return knownKeysAt(def.shape[step], rest);
    }
    if (def.type === "array" && typeof step === "number") {
        return knownKeysAt(def.element, rest);
    }
    return [];
}

export function problemFromIssue(top: string, schema: z.ZodType, raw: unknown, issue: z.core.$ZodIssue): ConfigProblem {
    // An unknown key inside an object is reported at that key, with the keys allowed in that very object.
    if (issue.code === "unrecognized_keys") {
        const known = knownKeysAt(schema, issue.path);
        const parentPath = issue.path;
        return {
            key: keyName(top, [...parentPath, issue.keys[0]]),
            value: valueAt(raw, [...parentPath, issue.keys[0]]),
            allowed: `is not a known key${known.length > 0 ? `; known keys here: ${known.join(", ")}` : ""}`,
        };
    }
    // A map key that breaks its rule (a pool name) is reported at that key, with the key's rule.
    if (issue.code === "invalid_key" && issue.issues.length > 0) {
        return { key: keyName(top, issue.path), value: issue.path[issue.path.length - 1], allowed: issue.issues[0].message };
    }
    // A union reports the object branch's error when the value was an object.
    if (issue.code === "invalid_union" && issue.errors.length > 0) {
        const value = valueAt(raw, issue.path);
        const branch = issue.errors[typeof value === "object" && value !== null ? 1 : 0] ?? issue.errors[0];
        const inner = branch[0];
        if (inner !== undefined && (typeof value === "object" && value !== null || inner.code !== "invalid_type")) {
            return problemFromIssue(top, schema, raw, { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
        }
    }
    const value = valueAt(raw, issue.path);
    const key = keyName(top, issue.path);
    if (issue.code === "invalid_type") {
        // Not the schema library's own words ("Invalid input: expected number, received string").
        const allowed = value === undefined && issue.path.length > 0 ? "is required" : /^Invalid input/.test(issue.message) ? wrongTypeMessage(key, issue.expected, value) : issue.message;
        return { key, value, allowed };
    }
    return { key, value, allowed: issue.message };
}
