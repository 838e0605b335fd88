import test from "ava";
import type { AddressInfo } from "node:net";
import * as ssh2 from "ssh2";
import { checkKeyDigest, finalFailure, keyDigest, retryConnectionErrors, userKeyScript } from "../../../components/ceph";
import { baseConfig, byType, FAKE_CEPH_KEY, FAKE_CEPH_KEY_DIGEST, runProgram, unwrap } from "../../harness";

test("the digest is sha256sum's: SHA-256 hex of the key without a newline", (t) => {
    t.is(keyDigest(FAKE_CEPH_KEY), FAKE_CEPH_KEY_DIGEST);
    // `printf '%s' "" | sha256sum`
    t.is(keyDigest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
});

test("a key that matches the digest passes; one rotated in between fails naming the entity, never the key", (t) => {
    t.notThrows(() => checkKeyDigest("client.kube", FAKE_CEPH_KEY, FAKE_CEPH_KEY_DIGEST));
    const rotated = "AQBrotatedrotatedrotatedTESTONLYKEY2==";
    const error = t.throws(() => checkKeyDigest("client.kube", rotated, FAKE_CEPH_KEY_DIGEST));
    t.regex(error!.message, /the key of client\.kube changed while it was read/);
    t.regex(error!.message, /run `pulumi up` again/);
    for (const secret of [rotated, FAKE_CEPH_KEY, FAKE_CEPH_KEY_DIGEST, keyDigest(rotated)]) {
        t.false(error!.message.includes(secret));
    }
});

test("stdout that is not a digest, or an empty key, fails saying what to check, quoting neither", (t) => {
    const notDigest = t.throws(() => checkKeyDigest("client.kube", FAKE_CEPH_KEY, FAKE_CEPH_KEY));
    t.regex(notDigest!.message, /client\.kube did not print a SHA-256 digest.*sha256sum/);
    t.false(notDigest!.message.includes(FAKE_CEPH_KEY));
    const empty = t.throws(() => checkKeyDigest("client.kube", "", keyDigest("")));
    t.regex(empty!.message, /empty key for client\.kube/);
});

test("the read script prints the key of the quoted entity and nothing else", (t) => {
    const script = userKeyScript("client.kube");
    t.regex(script, /^ENTITY='?client\.kube'?$/m);
    t.true(script.trimEnd().endsWith('ceph auth get-key "$ENTITY"'));
});

test("reads are tried again only after connection-level failures, at most three times", async (t) => {
    const failing = (make: () => Error) => {
        let calls = 0;
        return { read: async () => { calls++; throw make(); }, calls: () => calls };
    };
    const refused = failing(() => new Error("connect ECONNREFUSED"));
    await t.throwsAsync(retryConnectionErrors(refused.read, 3, 0), { message: /ECONNREFUSED/ });
    t.is(refused.calls(), 3);
    for (const make of [() => finalFailure("host key mismatch", "host key of h does not match"), () => finalFailure("command failed", "exit code 1: no quorum")]) {
        const final = failing(make);
        await t.throwsAsync(retryConnectionErrors(final.read, 3, 0));
        t.is(final.calls(), 1, make().message);
    }
    let calls = 0;
    t.is(await retryConnectionErrors(async () => (++calls < 2 ? Promise.reject(new Error("ECONNRESET")) : "key"), 3, 0), "key");
});

/** An SSH server that answers every script with `answer`, recording the scripts; nothing is run. */
async function fakeMonHost(answer: { stdout: string; stderr: string; code: number }) {
    const hostKey = ssh2.utils.generateKeyPairSync("ed25519");
    const scripts: string[] = [];
    const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
        client.on("error", () => undefined);
        client.on("authentication", (context) => context.accept());
        client.on("session", (accept) => {
            accept().on("exec", (acceptExec) => {
                const channel = acceptExec();
                let script = "";
                channel.on("data", (chunk: Buffer) => (script += chunk.toString()));
                channel.on("end", () => {
                    scripts.push(script);
                    channel.write(answer.stdout);
                    channel.stderr.write(answer.stderr);
                    channel.exit(answer.code);
                    channel.end();
                });
            });
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: (server.address() as AddressInfo).port, hostKey: hostKey.public, scripts, close: () => server.close() };
}

/** The provider as Pulumi's dynamic provider host loads it: from its serialized code in __provider. */
async function serializedProvider() {
    const run = await runProgram(baseConfig());
    const resource = byType(run, "pulumi-nodejs:dynamic/kube-ceph:CephUserKey")[0];
    const code = (await unwrap(resource.inputs.__provider)).value as string;
    // The loader the provider host uses (require-from-string, a dependency of @pulumi/pulumi).
    const requireFromString = require("require-from-string") as (code: string) => { handler: () => any };
    return { code, provider: requireFromString(code).handler() };
}

test.serial("the serialized provider reads the key over SSH, checks it, and never puts key or digest in an error", async (t) => {
    const { code, provider } = await serializedProvider();
    t.false(code.includes(FAKE_CEPH_KEY));
    const clientKey = ssh2.utils.generateKeyPairSync("ed25519");
    const props = (port: number, hostKey: string | undefined, digest: string) => ({
        host: "127.0.0.1", port, user: "root", ...(hostKey ? { hostKey } : {}), privateKey: clientKey.private,
        entity: "client.kube", keyDigest: digest, script: userKeyScript("client.kube"),
    });

    const good = await fakeMonHost({ stdout: `${FAKE_CEPH_KEY}\n`, stderr: "", code: 0 });
    t.teardown(good.close);
    const created = await provider.create(props(good.port, good.hostKey, FAKE_CEPH_KEY_DIGEST));
    t.is(created.outs.key, FAKE_CEPH_KEY);
    t.is(created.outs.entity, "client.kube");
    t.is(good.scripts[0], userKeyScript("client.kube"));
    const updated = await provider.update(created.id, created.outs, props(good.port, good.hostKey, FAKE_CEPH_KEY_DIGEST));
    t.is(updated.outs.key, FAKE_CEPH_KEY);

    const rotated = await t.throwsAsync<Error>(provider.create(props(good.port, good.hostKey, keyDigest("another key"))));
    t.regex(rotated!.message, /the key of client\.kube changed while it was read/);
    t.false(rotated!.message.includes(FAKE_CEPH_KEY));

    // A failing read that printed the key anyway: the error quotes stderr only.
    const failing = await fakeMonHost({ stdout: FAKE_CEPH_KEY, stderr: "", code: 1 });
    t.teardown(failing.close);
    const failed = await t.throwsAsync<Error>(provider.create(props(failing.port, undefined, FAKE_CEPH_KEY_DIGEST)));
    t.regex(failed!.message, /reading the key of client\.kube through 127\.0\.0\.1:\d+ failed: exit code 1: \(no stderr\)/);
    t.false(failed!.message.includes(FAKE_CEPH_KEY));
    t.false(failed!.message.includes("PRIVATE KEY"));
    t.is(failing.scripts.length, 1, "a failing ceph command is not tried again");

    // A host presenting another key than the pinned one: refused at once, the script never sent.
    const impostor = await fakeMonHost({ stdout: FAKE_CEPH_KEY, stderr: "", code: 0 });
    t.teardown(impostor.close);
    const refused = await t.throwsAsync<Error>(provider.create(props(impostor.port, good.hostKey, FAKE_CEPH_KEY_DIGEST)));
    t.regex(refused!.message, /does not match kube-ceph:ceph\.hosts\[\]\.hostKey/);
    t.is(impostor.scripts.length, 0);
});
