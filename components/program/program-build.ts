import { readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** The command that compiles the program into bin/ (package.json; `npm ci` runs it too). */
export const BUILD_COMMAND = "npm run build";

/**
 * The TypeScript sources edited after `entry`, the program's compiled bin/index.js, was built:
 * index.ts and components/*.ts beside bin/. Pulumi runs the compiled JavaScript (Pulumi.yaml),
 * so a source edited without a build would silently not run. Empty when `entry` is the
 * TypeScript itself (the tests load index.ts directly) or when nothing changed.
 */
export function staleSources(entry: string): string[] {
    if (!entry.endsWith(".js")) {
        return [];
    }
    const root = dirname(dirname(entry));
    const built = statSync(entry).mtimeMs;
    const components = join(root, "components");
    const sources = [join(root, "index.ts"), ...readdirSync(components, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts")).sort().map((f) => join(components, f))];
    return sources.filter((file) => statSync(file).mtimeMs > built).map((file) => relative(root, file));
}

/** The refusal for stale sources: which ones, and the command that rebuilds. */
export function staleBuildMessage(stale: string[]): string {
    const shown = stale.slice(0, 5).join(", ") + (stale.length > 5 ? ` and ${stale.length - 5} more` : "");
    return `kube-ceph runs its compiled program (bin/index.js), and ${shown} changed after it was built. Run \`${BUILD_COMMAND}\` (\`npm ci\` runs it too), then run pulumi again. Nothing was changed.`;
}

/**
 * The build's last step (`npm run build`, after tsc): loads every compiled module in `dir`,
 * so that each registers its dynamic providers, and writes their serialized code beside them
 * with the modules' digest (dynamic-resource.ts says why).
 */
export async function writeSerializedProviders(dir: string): Promise<string[]> {
    const { compiledModules, DYNAMIC_PROVIDERS, modulesDigest, SERIALIZED_PROVIDERS_FILE, serializeProvider } = require(join(dir, "program", "dynamic-resource.js"));
    const { rmSync, writeFileSync } = require("fs");
    const file = join(dir, SERIALIZED_PROVIDERS_FILE);
    rmSync(file, { force: true });
    for (const module of compiledModules(dir) as string[]) {
        require(join(dir, module));
    }
    const providers: Record<string, string> = {};
    for (const [type, provider] of [...(DYNAMIC_PROVIDERS as Map<string, unknown>).entries()].sort(([a], [b]) => a.localeCompare(b))) {
        const text: string = await serializeProvider(provider);
        // Pulumi's own modules bring the stack's whole config with them, secrets included, into
        // every state: a provider must reach only plain modules (hence provider-inputs.ts).
        if (/^var __config = /m.test(text)) {
            throw new Error(`the dynamic provider ${type} captured the stack's config, secrets included: its code may reach only plain modules, not Pulumi's runtime`);
        }
        // A room's face re-exports through getters (return m[k]), which carry the whole module
        // behind them into the state: provider code imports what it uses by file.
        if (text.includes("return m[k]")) {
            throw new Error(`the dynamic provider ${type} reaches code through a room's face (index.ts): import what its code uses by file`);
        }
        providers[type] = text;
    }
    writeFileSync(file, JSON.stringify({ modules: modulesDigest(dir), providers }, null, 1) + "\n");
    return Object.keys(providers);
}

if (require.main === module) {
    writeSerializedProviders(join(__dirname, "..")).then(
        (types) => process.stdout.write(`serialized the dynamic providers ${types.join(", ")}\n`),
        (error) => {
            process.stderr.write(`could not serialize the dynamic providers: ${(error as Error).stack ?? error}\n`);
            process.exit(1);
        },
    );
}
