// kube-ceph's dynamic resources, with their providers serialized once, when the program is built.
// A pulumi.dynamic.Resource serializes its provider's code on every run: that loads the
// TypeScript compiler and walks the code through the V8 inspector, about half a second of CPU
// in each preview. `npm run build` does it once (program-build.ts) and writes the text beside
// the compiled modules, with a digest of them; a run whose modules have that digest uses it.
// Anything else (the library from dist/, the tests from source, a build cut short) serializes
// as pulumi.dynamic.Resource does. Either way the engine sees the same resource: the same type
// token and the same `__provider` text.
import * as pulumi from "@pulumi/pulumi";

/** Every provider, by the type name its resources have: what the build serializes. */
export const DYNAMIC_PROVIDERS = new Map<string, pulumi.dynamic.ResourceProvider>();

/** The file the build writes, beside the compiled modules: provider text by type name. */
export const SERIALIZED_PROVIDERS_FILE = "serialized-providers.json";

/** What the build writes: the digest of the modules it serialized, and each provider's text. */
export interface SerializedProviders {
    modules: string;
    providers: Record<string, string>;
}

/** The compiled modules under `dir`, every .js in it and its rooms, by path relative to it, sorted. */
export function compiledModules(dir: string): string[] {
    const fs = require("fs");
    return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".js")).map((f) => f.split("\\").join("/")).sort();
}

/** The SHA-256 of the compiled modules under `dir` (by path and content): what a serialization was made from. */
export function modulesDigest(dir: string): string {
    const fs = require("fs");
    const path = require("path");
    const hash = require("crypto").createHash("sha256");
    for (const file of compiledModules(dir)) {
        hash.update(`${file}\0`).update(fs.readFileSync(path.join(dir, file))).update("\0");
    }
    return hash.digest("hex");
}

/** The compiled components/ folder, whose root holds the build's file: this module's room is one below it. */
const COMPILED_COMPONENTS = require("path").join(__dirname, "..");

let serialized: Record<string, string> | undefined | null = null;

/** The build's text for this provider, when these very modules were serialized. */
function prebuilt(type: string): string | undefined {
    if (serialized === null) {
        serialized = undefined;
        try {
            const file: SerializedProviders = JSON.parse(require("fs").readFileSync(require("path").join(COMPILED_COMPONENTS, SERIALIZED_PROVIDERS_FILE), "utf8"));
            if (file.modules === modulesDigest(COMPILED_COMPONENTS)) {
                serialized = file.providers;
            }
        } catch {
            // No build's serialization here: the tests and the library serialize as they run.
        }
    }
    return serialized?.[type];
}

/** The provider's code as pulumi.dynamic.Resource serializes it; kube-ceph's providers capture no secret. */
export async function serializeProvider(provider: pulumi.dynamic.ResourceProvider): Promise<string> {
    const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
    if (serialized.containsSecrets) {
        throw new Error("a kube-ceph dynamic provider captured a secret: secrets go in its inputs");
    }
    return serialized.text;
}

/** Registers a provider under the type name of its resources (KubeCephDynamicResource finds it there, and the build serializes it). */
export function dynamicProvider(type: string, provider: pulumi.dynamic.ResourceProvider): void {
    DYNAMIC_PROVIDERS.set(type, provider);
}

/** A dynamic resource of type `pulumi-nodejs:dynamic/kube-ceph:<type>`, run by the provider registered as `type`. */
export abstract class KubeCephDynamicResource extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
        const provider = DYNAMIC_PROVIDERS.get(type);
        if (provider === undefined) {
            throw new Error(`no dynamic provider is registered as ${type}`);
        }
        if (props.__provider !== undefined) {
            throw new Error("A dynamic resource must not define the __provider key");
        }
        const text = prebuilt(type) ?? serializeProvider(provider);
        super(`pulumi-nodejs:dynamic/kube-ceph:${type}`, name, { ...props, __provider: text }, opts);
    }
}
