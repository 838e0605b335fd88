// What reaches the engine's debug log when the program runs: the SDK's own runtime, through
// its real logging path (log.debug -> the engine's gRPC Log call) to a real gRPC server.
// This file must not import components/redact-debug-log: only the program may install it.
import test from "ava";
import * as grpc from "@grpc/grpc-js";
import { baseConfig, FAKE_CEPH_KEY, FAKE_SSH_KEY, runProgram } from "../../harness";

/** A real Engine gRPC server on loopback that keeps every debug message it is sent. */
async function engineThatRecords(): Promise<{ address: string; debug: string[]; stop: () => void }> {
    const { EngineService } = require("@pulumi/pulumi/proto/engine_grpc_pb");
    const { LogSeverity } = require("@pulumi/pulumi/proto/engine_pb");
    const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
    const debug: string[] = [];
    const server = new grpc.Server();
    server.addService(EngineService, {
        log(call: any, callback: any) {
            if (call.request.getSeverity() === LogSeverity.DEBUG) {
                debug.push(call.request.getMessage());
            }
            callback(null, new Empty());
        },
    });
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    return { address: `127.0.0.1:${port}`, debug, stop: () => server.forceShutdown() };
}

test.serial("the program installs the redaction: no key reaches the engine's debug log, even with the runtime's excessive debug output", async (t) => {
    const engine = await engineThatRecords();
    const settings = require("@pulumi/pulumi/runtime/settings");
    const state = require("@pulumi/pulumi/runtime/state");
    // runProgram installs the mocks first; the engine address is what makes log.debug send to the engine.
    await runProgram(baseConfig()).catch(() => undefined);
    state.getStore().settings.options.engineAddr = engine.address;
    settings.excessiveDebugOutput = true;
    t.teardown(() => {
        settings.excessiveDebugOutput = false;
        engine.stop();
    });
    await runProgram(baseConfig());
    // Log calls go to the engine one after another: wait until they stop coming.
    for (let seen = -1; seen !== engine.debug.length; ) {
        seen = engine.debug.length;
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const lines = engine.debug;
    // The path was really taken: the responses and the serialized inputs were logged...
    t.true(lines.some((l) => /^RegisterResource RPC finished: .*resp: \[omitted by kube-ceph/.test(l)), `no redacted RPC response among ${lines.length} lines`);
    t.true(lines.some((l) => /primitive=\[omitted by kube-ceph/.test(l)), "no redacted serialized input");
    // ...and no form of either key reached the engine.
    const sshKeyBody = FAKE_SSH_KEY.split("\n")[1];
    for (const line of lines) {
        t.false(line.includes(FAKE_CEPH_KEY), `Ceph key in: ${line.slice(0, 200)}`);
        t.false(line.includes(sshKeyBody), `SSH key in: ${line.slice(0, 200)}`);
    }
});
