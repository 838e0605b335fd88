// The rooms of components/: each folder is one area (ceph/, rbd/, csi/, ...), and its index.ts is
// its face. Code outside a room imports the face, never a file behind it, so a room can rearrange
// its files without touching anyone else. One exception, marked on the line above the import:
// a dynamic provider's code imports what it uses by file, because Pulumi serializes everything
// that code reaches into the state, and a face (re-exports through getters) would bring its whole
// room. And a room imports only rooms below it (ROOM_LAYERS). The static tier runs this file;
// tests/unit/static/room-imports.test.ts shows it failing.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** The line above an import that may reach into another room by file. */
export const BY_FILE_MARK = "// By file, not through the room's face: provider code uses it, and Pulumi serializes a face's whole room with it.";

/**
 * The rooms from the bottom up: a room imports only rooms of a lower layer, so imports flow one
 * way (README, "Where things are") and no two rooms load each other half-way.
 */
export const ROOM_LAYERS: string[][] = [["config", "program"], ["ceph", "kubernetes"], ["csi"], ["rbd", "cephfs", "live"], ["preflight"]];

/** One import that crosses into a room behind its face, or into a room above its own. */
export interface RoomImportProblem {
    file: string;
    line: number;
    imports: string;
    /** What is wrong with it. */
    problem: "behind the face" | "upward";
}

function layerOf(room: string): number {
    return ROOM_LAYERS.findIndex((layer) => layer.includes(room));
}

/** The folders whose TypeScript is checked: the program, its rooms, the tests, the lab and the benches. */
const CHECKED = ["index.ts", "components", "tests", "lab", "bench"];

function typescriptFiles(root: string): string[] {
    const files: string[] = [];
    for (const entry of CHECKED) {
        const path = join(root, entry);
        if (entry.endsWith(".ts")) {
            files.push(path);
            continue;
        }
        let names: string[];
        try {
            names = readdirSync(path, { recursive: true, encoding: "utf8" });
        } catch {
            continue;
        }
        files.push(...names.filter((name) => name.endsWith(".ts") && !name.split(sep).includes("node_modules")).map((name) => join(path, name)));
    }
    return files.sort();
}

/** The room a path is in (components/<room>/...), or undefined outside every room. */
function roomOf(root: string, path: string): string | undefined {
    const parts = relative(join(root, "components"), path).split(sep);
    if (parts[0] === ".." || parts[0] === "") {
        return undefined;
    }
    // A room is a folder: components/ceph-storage.ts is the composition, not a room.
    return parts.length >= 2 || statSync(join(root, "components", parts[0]), { throwIfNoEntry: false })?.isDirectory() ? parts[0] : undefined;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](\.{1,2}\/[^"']*)["']/g;

/** Every import under `root` that reaches a file of a room it is not in, other than the room's face. */
export function roomImportProblems(root: string): RoomImportProblem[] {
    const problems: RoomImportProblem[] = [];
    for (const file of typescriptFiles(root)) {
        const lines = readFileSync(file, "utf8").split("\n");
        lines.forEach((text, index) => {
            for (const match of text.matchAll(IMPORT)) {
                const target = resolve(dirname(file), match[1]);
                const room = roomOf(root, target);
                const face = relative(join(root, "components", room ?? ""), target);
                const own = roomOf(root, file);
                if (room === undefined || room === own) {
                    continue;
                }
                // A room below its own, or one no layer names yet (which then has to be placed).
                if (own !== undefined && !(layerOf(room) >= 0 && layerOf(room) < layerOf(own))) {
                    problems.push({ file: relative(root, file), line: index + 1, imports: match[1], problem: "upward" });
                    continue;
                }
                if (face === "" || face === "index" || (lines[index - 1]?.trim() === BY_FILE_MARK && own !== undefined)) {
                    continue;
                }
                problems.push({ file: relative(root, file), line: index + 1, imports: match[1], problem: "behind the face" });
            }
        });
    }
    return problems;
}

if (require.main === module) {
    const root = resolve(__dirname, "..", "..");
    const problems = roomImportProblems(root);
    for (const p of problems) {
        process.stderr.write(p.problem === "upward"
            ? `${p.file}:${p.line}: imports ${p.imports}, a room that is not below its own (ROOM_LAYERS): move the code down, or the room\n`
            : `${p.file}:${p.line}: imports ${p.imports}, behind its room's face: import the room (its index.ts) instead\n`);
    }
    if (problems.length > 0) {
        process.exit(1);
    }
    process.stdout.write(`every import reaches other rooms through their faces (${typescriptFiles(root).length} files)\n`);
}
