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
    const sources = [join(root, "index.ts"), ...readdirSync(components).filter((f) => f.endsWith(".ts")).map((f) => join(components, f))];
    return sources.filter((file) => statSync(file).mtimeMs > built).map((file) => relative(root, file));
}

/** The refusal for stale sources: which ones, and the command that rebuilds. */
export function staleBuildMessage(stale: string[]): string {
    const shown = stale.slice(0, 5).join(", ") + (stale.length > 5 ? ` and ${stale.length - 5} more` : "");
    return `kube-ceph runs its compiled program (bin/index.js), and ${shown} changed after it was built. Run \`${BUILD_COMMAND}\` (\`npm ci\` runs it too), then run pulumi again. Nothing was changed.`;
}
