import test from "ava";
import type * as pulumi from "@pulumi/pulumi";
import { MonConnection } from "../../../components/ceph";

test("a mon host hands out sessionsPerHost lanes round-robin; each lane's commands wait for the one before", (t) => {
    const monHost = new MonConnection({ host: "127.0.0.11", port: 2222, user: "root" }, "unused", 4);
    const declared: { index: number; after: unknown[] }[] = [];
    for (let index = 0; index < 10; index++) {
        monHost.lane().queue((after) => {
            const entry = { index, after };
            declared.push(entry);
            return entry as unknown as pulumi.Resource;
        });
    }
    t.deepEqual(declared.map((d) => d.after.map((r) => (r as { index: number }).index)), [[], [], [], [], [0], [1], [2], [3], [4], [5]]);
    t.is(monHost.address, "127.0.0.11:2222");
});
