// The static tier's room check (tests/static/room-imports.ts), on a small tree of its own.
import test from "ava";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { BY_FILE_MARK, roomImportProblems } from "../../static/room-imports";

function tree(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), "kube-ceph-rooms-"));
    for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), text);
    }
    return root;
}

test("an import behind another room's face, or up into a higher room, is named with its file and line; faces, own-room files and marked provider imports are not", (t) => {
    const root = tree({
        "components/ceph/index.ts": 'export * from "./pool";\n',
        "components/ceph/pool.ts": 'import { x } from "./key";\nexport const pool = x;\n',
        "components/ceph/key.ts": "export const x = 1;\n",
        "components/rbd/class.ts": 'import { pool } from "../ceph";\nimport { x } from "../ceph/key";\n',
        "components/csi/guard.ts": `${BY_FILE_MARK}\nimport { x } from "../ceph/key";\n`,
        "components/ceph/user.ts": 'import { cls } from "../rbd";\n',
        "components/top.ts": 'import type { pool } from "./ceph/pool";\n',
        "index.ts": 'import { pool } from "./components/ceph";\nconst k = require("./components/ceph/key");\n',
        "tests/unit/pool.test.ts": `${BY_FILE_MARK}\nimport { pool } from "../../components/ceph/pool";\n`,
    });
    t.teardown(() => rmSync(root, { recursive: true, force: true }));
    t.deepEqual(roomImportProblems(root), [
        { file: join("components", "ceph", "user.ts"), line: 1, imports: "../rbd", problem: "upward" },
        { file: join("components", "rbd", "class.ts"), line: 2, imports: "../ceph/key", problem: "behind the face" },
        { file: join("components", "top.ts"), line: 1, imports: "./ceph/pool", problem: "behind the face" },
        { file: "index.ts", line: 2, imports: "./components/ceph/key", problem: "behind the face" },
        // The mark is for provider code in the rooms, not for tests.
        { file: join("tests", "unit", "pool.test.ts"), line: 2, imports: "../../components/ceph/pool", problem: "behind the face" },
    ]);
});
