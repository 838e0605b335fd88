import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "fs";
import { tmpdir } from "node:os";
import * as path from "path";
import { join } from "node:path";
import { load as parseYaml } from "js-yaml";
import { CephfsClassConfig, CONFIG_KEYS, ConfigError, configKeyKind, isPassphraseProtected, MAX_CLUSTER_ID_LENGTH, namespaceClusterId, parseConfig, PROJECT_DEFAULTS, RbdClassConfig, subvolumeGroupClusterId } from "../../../components/config";
import { baseConfig, byType, declaredBefore, FAKE_SSH_KEY, FSID, runProgram } from "../../harness";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
const RSA_HOST_KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCm+RhsKsW9UKk86elFAE4XAyqudrrr63jaBg9pQoSypEWnXg2jTexm3etza1ADdU3V1JtBsKI6E3fCimlx+q0qHM4uPMHcUNklO+pGG1n+6SBfABNas8CN54N+716Sv4roSdzKBjU53RcXY1e6UKX/dhnHzFpyRMw0cjlsdOwoAQ==";
const base = () => ({ ceph: { hosts: ["127.0.0.11"] } } as Record<string, any>);

test("defaults follow the source write-up's names", (t) => {
    const config = parseConfig(base(), FAKE_SSH_KEY);
    t.is(config.pool.name, "mypool");
    t.is(config.pool.deletionPolicy, "retain");
    t.is(config.pool.pgNum, undefined);
    t.is(config.client.name, "kube");
    t.is(config.storageClass.name, "ceph-storageclass");
    t.deepEqual(config.storageClass.imageFeatures, ["layering"]);
    t.is(config.provisioner.kind, "csi");
    t.is(config.smokeTest.claimName, "ceph-test-claim");
    t.is(config.smokeTest.size, "5Gi");
    // Unset: the pinned image of images.ts, mirrored with the provisioner's registry (program tests).
    t.is(config.smokeTest.image, undefined);
    t.false(config.smokeTest.keepPod);
    t.deepEqual(config.ceph.hosts, [{ host: "127.0.0.11", port: 22, user: "root" }]);
    t.is(config.preflight.health, "ok");
    t.is(config.preflight.kernels, "check");
});

test("an object left out and an empty one give the same config: the field defaults are the only ones config.ts applies", (t) => {
    const empty = { ...base(), preflight: {}, pool: {}, client: {}, storageClass: {}, provisioner: {}, smokeTest: {} };
    t.deepEqual(parseConfig(empty, FAKE_SSH_KEY), parseConfig(base(), FAKE_SSH_KEY));
    t.deepEqual(parseConfig({ ...base(), provisioner: { operator: {} } }, FAKE_SSH_KEY), parseConfig(base(), FAKE_SSH_KEY));
});

test("the one-class keys are shorthand for one pool and one RBD class of the many-class form", (t) => {
    const oneClass = parseConfig({ ...base(), pool: { name: "kubevols", pgNum: 64 }, storageClass: { name: "fast", imageFeatures: "layering,exclusive-lock", isDefault: true } }, FAKE_SSH_KEY);
    const listed = parseConfig({
        ...base(),
        pools: { kubevols: { pgNum: 64 } },
        storageClasses: [{ name: "fast", pool: "kubevols", imageFeatures: ["layering", "exclusive-lock"], isDefault: true }],
    }, FAKE_SSH_KEY);
    t.is(oneClass.form, "one-class");
    t.is(listed.form, "many");
    t.deepEqual(oneClass.pools, listed.pools);
    t.deepEqual(oneClass.storageClasses, listed.storageClasses);
});

test("the many-class form: pools by name, classes in order, each with the common fields' defaults", (t) => {
    const config = parseConfig({ ...base(), ...many() }, FAKE_SSH_KEY);
    t.deepEqual(config.pools, {
        rbd: { replicas: 3, deletionPolicy: "retain" },
        ec: { erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" },
    });
    t.deepEqual((config.storageClasses as RbdClassConfig[]).map((c) => [c.name, c.pool, c.dataPool, c.imageFeatures.join(","), c.mounter, c.reclaimPolicy]), [
        ["fast", "rbd", undefined, "layering", undefined, "Delete"],
        ["big", "rbd", "ec", "layering,exclusive-lock", "rbd-nbd", "Delete"],
    ]);
    // An erasure-coded pool's chunks go to different hosts unless told otherwise.
    t.is(parseConfig({ ...base(), ...many(), pools: { rbd: {}, ec: { erasureCoded: { k: 4, m: 2 } } } }, FAKE_SSH_KEY).pools.ec.erasureCoded!.failureDomain, "host");
});

test("the many-class form accepts pool and storageClass at Pulumi.yaml's defaults: Pulumi hands those to every stack", (t) => {
    const project = PROJECT_DEFAULTS;
    t.notThrows(() => parseConfig({ ...base(), ...many(), pool: project.pool, storageClass: project.storageClass }, FAKE_SSH_KEY));
    // As Pulumi hands them over: keys sorted.
    const sorted = (value: object) => Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)));
    t.notThrows(() => parseConfig({ ...base(), ...many(), pool: sorted(project.pool), storageClass: sorted(project.storageClass) }, FAKE_SSH_KEY));
    // PROJECT_DEFAULTS is what Pulumi.yaml holds, read from the file itself.
    const yaml = parseYaml(readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
    t.deepEqual(yaml.config["kube-ceph:pool"].default, project.pool);
    t.deepEqual(yaml.config["kube-ceph:storageClass"].default, project.storageClass);
});

test("every default in Pulumi.yaml is the code's own default: a stack that leaves the key unset gets what config.ts would give it", (t) => {
    const declared = (parseYaml(readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> }).config;
    const { ceph } = base();
    const parsed = parseConfig({ ceph }, FAKE_SSH_KEY) as unknown as Record<string, unknown>;
    /** Every leaf of a default, with its path, compared with the parsed config's value there. */
    const compare = (where: string, want: unknown, got: unknown) => {
        if (want !== null && typeof want === "object" && !Array.isArray(want)) {
            for (const [field, value] of Object.entries(want)) {
                compare(`${where}.${field}`, value, (got as Record<string, unknown> | undefined)?.[field]);
            }
            return;
        }
        t.deepEqual(got, want, `Pulumi.yaml's default for ${where} is not the code's`);
    };
    for (const [key, entry] of Object.entries(declared)) {
        if (entry.default !== undefined) {
            compare(key, entry.default, parsed[key.replace(/^kube-ceph:/, "")]);
        }
    }
});

test("Pulumi.yaml declares every key the code reads, with the type of its schema; the many-class keys, which Pulumi would require if declared, are named in its comment", (t) => {
    const text = readFileSync(path.join(__dirname, "../../../Pulumi.yaml"), "utf8");
    const declared = (parseYaml(text) as { config: Record<string, { type?: string; description?: string }> }).config;
    const optional = ["filesystems", "pools", "storageClasses"];
    t.deepEqual(Object.keys(declared).map((key) => key.replace(/^kube-ceph:/, "")).sort(), CONFIG_KEYS.filter((key) => !optional.includes(key)));
    for (const [key, entry] of Object.entries(declared)) {
        const name = key.replace(/^kube-ceph:/, "");
        t.is(entry.type, name === "sshPrivateKey" ? "string" : configKeyKind(name), key);
        t.true((entry.description ?? "").length > 20, `${key} has a description`);
    }
    for (const key of optional) {
        t.regex(text, new RegExp(`^#\\s+kube-ceph:${key}\\s+${configKeyKind(key)}: `, "m"), `${key} is named in the comment with its type`);
    }
});

test("a host entry takes port, user and a pinned key", (t) => {
    const config = parseConfig({ ceph: { hosts: [{ host: "mon1.example", port: 2222, user: "ceph-admin", hostKey: `${HOST_KEY} root@mon1` }] } }, FAKE_SSH_KEY);
    t.deepEqual(config.ceph.hosts[0], { host: "mon1.example", port: 2222, user: "ceph-admin", hostKey: HOST_KEY });
});

/** [description, raw config change, key the error must name, fragment of what is allowed] */
const BAD: [string, (c: Record<string, any>) => void, string, RegExp][] = [
    ["ceph missing", (c) => delete c.ceph, "kube-ceph:ceph", /required/],
    ["hosts empty", (c) => (c.ceph.hosts = []), "kube-ceph:ceph.hosts", /at least one/],
    ["hosts not a list", (c) => (c.ceph.hosts = "127.0.0.11"), "kube-ceph:ceph.hosts", /list/],
    ["host empty string", (c) => (c.ceph.hosts = [""]), "kube-ceph:ceph.hosts[0]", /host name/],
    ["host with space", (c) => (c.ceph.hosts = ["mon 1"]), "kube-ceph:ceph.hosts[0]", /host name/],
    ["host with ;", (c) => (c.ceph.hosts = ["a;touch /tmp/x"]), "kube-ceph:ceph.hosts[0]", /host name/],
    ["host with $()", (c) => (c.ceph.hosts = ["$(id)"]), "kube-ceph:ceph.hosts[0]", /host name/],
    ["host with backticks", (c) => (c.ceph.hosts = ["`id`"]), "kube-ceph:ceph.hosts[0]", /host name/],
    ["host object missing host", (c) => (c.ceph.hosts = [{ port: 22 }]), "kube-ceph:ceph.hosts[0].host", /required/],
    ["host port out of range", (c) => (c.ceph.hosts = [{ host: "a", port: 70000 }]), "kube-ceph:ceph.hosts[0].port", /1-65535/],
    ["host port as string", (c) => (c.ceph.hosts = [{ host: "a", port: "22" }]), "kube-ceph:ceph.hosts[0].port", /number/],
    ["host user with quote", (c) => (c.ceph.hosts = [{ host: "a", user: "ro'ot" }]), "kube-ceph:ceph.hosts[0].user", /POSIX user/],
    ["host unknown field", (c) => (c.ceph.hosts = [{ host: "a", pasword: "x" }]), "kube-ceph:ceph.hosts[0].pasword", /not a known key/],
    ["malformed hostKey", (c) => (c.ceph.hosts = [{ host: "a", hostKey: "AAAA not a key" }]), "kube-ceph:ceph.hosts[0].hostKey", /OpenSSH public key line \('<type> <base64>', type one of ssh-ed25519, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521\)/],
    ["hostKey type does not match blob", (c) => (c.ceph.hosts = [{ host: "a", hostKey: HOST_KEY.replace("ssh-ed25519", "ssh-rsa") }]), "kube-ceph:ceph.hosts[0].hostKey", /OpenSSH public key/],
    ["ssh-rsa hostKey (SHA-1 only with @pulumi/command)", (c) => (c.ceph.hosts = [{ host: "a", hostKey: RSA_HOST_KEY }]), "kube-ceph:ceph.hosts[0].hostKey", /ssh-rsa key[\s\S]*OpenSSH 8\.8[\s\S]*pin the host's ed25519 or ECDSA key/],
    ["duplicate hosts", (c) => (c.ceph.hosts = ["127.0.0.11", { host: "127.0.0.11", port: 22 }]), "kube-ceph:ceph.hosts[1]", /duplicates/],
    ["fsid not a uuid", (c) => Object.assign(c.ceph, { fsid: "abc", monitors: ["1.2.3.4:6789"] }), "kube-ceph:ceph.fsid", /UUID/],
    ["fsid without monitors", (c) => (c.ceph.fsid = "9f2c3a5e-1111-4c4c-8888-0123456789ab"), "kube-ceph:ceph.monitors", /together/],
    ["monitor without port", (c) => Object.assign(c.ceph, { fsid: "9f2c3a5e-1111-4c4c-8888-0123456789ab", monitors: ["10.0.0.1"] }), "kube-ceph:ceph.monitors[0]", /host:port/],
    ["unknown ceph key", (c) => (c.ceph.mons = []), "kube-ceph:ceph.mons", /not a known key/],
    ["health unknown", (c) => (c.preflight = { health: "yes" }), "kube-ceph:preflight.health", /ok, warn, off/],
    ["kernels unknown", (c) => (c.preflight = { kernels: "skip" }), "kube-ceph:preflight.kernels", /check, off/],
    ["pool name with space", (c) => (c.pool = { name: "my pool" }), "kube-ceph:pool.name", /Ceph pool name/],
    ["pool name with quote", (c) => (c.pool = { name: "my'pool" }), "kube-ceph:pool.name", /Ceph pool name/],
    ["pool name with newline", (c) => (c.pool = { name: "my\npool" }), "kube-ceph:pool.name", /Ceph pool name/],
    ["pool name with $()", (c) => (c.pool = { name: "$(reboot)" }), "kube-ceph:pool.name", /Ceph pool name/],
    ["pool name non-ASCII", (c) => (c.pool = { name: "池" }), "kube-ceph:pool.name", /Ceph pool name/],
    ["pool name over-long", (c) => (c.pool = { name: "p".repeat(64) }), "kube-ceph:pool.name", /at most 63/],
    ["pool name empty", (c) => (c.pool = { name: "" }), "kube-ceph:pool.name", /Ceph pool name/],
    ["sessionsPerHost zero", (c) => ((c.ceph as Record<string, unknown>).sessionsPerHost = 0), "kube-ceph:ceph.sessionsPerHost", /between 1 and 10/],
    ["sessionsPerHost past MaxStartups", (c) => ((c.ceph as Record<string, unknown>).sessionsPerHost = 11), "kube-ceph:ceph.sessionsPerHost", /MaxStartups/],
    ["sessionsPerHost fractional", (c) => ((c.ceph as Record<string, unknown>).sessionsPerHost = 2.5), "kube-ceph:ceph.sessionsPerHost", /whole number/],
    ["pgNum not a power of two", (c) => (c.pool = { pgNum: 100 }), "kube-ceph:pool.pgNum", /power of two/],
    ["pgNum written as a string", (c) => (c.pool = { pgNum: "128" }), "kube-ceph:pool.pgNum", /^must be a number, not the string "128": set it with pulumi config set --path 'kube-ceph:pool\.pgNum' 128 /],
    ["a port written as a string", (c) => (c.ceph.hosts = [{ host: "a", port: "2222" }]), "kube-ceph:ceph.hosts[0].port", /not the string "2222": set it with pulumi config set --path 'kube-ceph:ceph\.hosts\[0\]\.port' 2222 /],
    ["a word where a number goes", (c) => (c.pool = { replicas: "three" }), "kube-ceph:pool.replicas", /^must be a number, not a string$/],
    ["a list where an object goes", (c) => (c.pool = ["x"]), "kube-ceph:pool", /^must be an object, not a list$/],
    ["a key set without --path", (c) => (c["ceph.hosts[0]"] = "10.0.0.2"), "kube-ceph:ceph.hosts[0]", /set without --path; to set that place inside kube-ceph:ceph, run pulumi config rm 'kube-ceph:ceph\.hosts\[0\]' and then pulumi config set --path 'kube-ceph:ceph\.hosts\[0\]' <value>/],
    ["a misspelt key with a path in it", (c) => (c["cpeh.hosts[0]"] = "10.0.0.2"), "kube-ceph:cpeh.hosts[0]", /is not a kube-ceph key; known keys:/],
    ["pgNum zero", (c) => (c.pool = { pgNum: 0 }), "kube-ceph:pool.pgNum", /power of two/],
    ["pgNum over the limit", (c) => (c.pool = { pgNum: 131072 }), "kube-ceph:pool.pgNum", /at most 65536/],
    ["pgNum as string", (c) => (c.pool = { pgNum: "128" }), "kube-ceph:pool.pgNum", /number/],
    ["replicas zero", (c) => (c.pool = { replicas: 0 }), "kube-ceph:pool.replicas", /between 1 and 10/],
    ["replicas fractional", (c) => (c.pool = { replicas: 2.5 }), "kube-ceph:pool.replicas", /whole number/],
    ["deletionPolicy unknown", (c) => (c.pool = { deletionPolicy: "purge" }), "kube-ceph:pool.deletionPolicy", /retain, delete/],
    ["pool not an object", (c) => (c.pool = "mypool"), "kube-ceph:pool", /object/],
    ["client admin", (c) => (c.client = { name: "admin" }), "kube-ceph:client.name", /never hands client\.admin/],
    ["client with prefix", (c) => (c.client = { name: "client.kube" }), "kube-ceph:client.name", /'client\.' prefix/],
    ["client with backticks", (c) => (c.client = { name: "`id`" }), "kube-ceph:client.name", /Ceph user name/],
    ["adoptUsers without the prefix", (c) => (c.client = { adoptUsers: ["kube"] }), "kube-ceph:client.adoptUsers[0]", /with its 'client\.' prefix, such as client\.kube/],
    ["adoptUsers client.admin", (c) => (c.client = { adoptUsers: ["client.admin"] }), "kube-ceph:client.adoptUsers[0]", /never hands client\.admin/],
    ["adoptUsers not a list", (c) => (c.client = { adoptUsers: "client.kube" }), "kube-ceph:client.adoptUsers", /list of Ceph user names/],
    ["storage class uppercase", (c) => (c.storageClass = { name: "Ceph" }), "kube-ceph:storageClass.name", /RFC 1123/],
    ["fsType unknown", (c) => (c.storageClass = { fsType: "btrfs" }), "kube-ceph:storageClass.fsType", /ext4, xfs/],
    ["image feature unknown", (c) => (c.storageClass = { imageFeatures: ["layering", "striping"] }), "kube-ceph:storageClass.imageFeatures[1]", /must list only/],
    ["object-map without exclusive-lock", (c) => (c.storageClass = { imageFeatures: ["layering", "object-map"] }), "kube-ceph:storageClass.imageFeatures", /requires exclusive-lock/],
    ["reclaimPolicy lowercase", (c) => (c.storageClass = { reclaimPolicy: "delete" }), "kube-ceph:storageClass.reclaimPolicy", /Delete, Retain/],
    ["isDefault as string", (c) => (c.storageClass = { isDefault: "true" }), "kube-ceph:storageClass.isDefault", /true or false/],
    ["mount option with ;", (c) => (c.storageClass = { mountOptions: ["discard;reboot"] }), "kube-ceph:storageClass.mountOptions[0]", /mount option/],
    ["provisioner kind unknown", (c) => (c.provisioner = { kind: "flex" }), "kube-ceph:provisioner.kind", /csi, external, in-tree/],
    ["provisioner namespace invalid", (c) => (c.provisioner = { namespace: "Ceph_CSI" }), "kube-ceph:provisioner.namespace", /namespace name/],
    ["image with space", (c) => (c.provisioner = { images: { cephcsi: "quay.io/cephcsi/cephcsi:v3 ;x" } }), "kube-ceph:provisioner.images.cephcsi", /image reference/],
    ["unknown image key", (c) => (c.provisioner = { images: { attacher: "x:1" } }), "kube-ceph:provisioner.images.attacher", /not a known key/],
    ["install unknown", (c) => (c.provisioner = { install: "helm" }), "kube-ceph:provisioner.install", /must be one of manifests, operator, existing-operator/],
    ["operator install with the external kind", (c) => (c.provisioner = { kind: "external", install: "operator" }), "kube-ceph:provisioner.install", /must be left unset with kube-ceph:provisioner.kind "external"/],
    ["operator manifest with a newline", (c) => (c.provisioner = { install: "operator", operator: { manifest: "a\nb" } }), "kube-ceph:provisioner.operator.manifest", /URL, or a path/],
    ["operator manifestSha256 in capitals", (c) => (c.provisioner = { install: "operator", operator: { manifestSha256: "BE46F9E4119B09A2FCE558942ACD4F88307F91A70E098D8354474F3165E7224E" } }), "kube-ceph:provisioner.operator.manifestSha256", /64 lowercase hex digits, as sha256sum prints them/],
    ["operator manifestSha256 with existing-operator", (c) => (c.provisioner = { install: "existing-operator", operator: { manifestSha256: "0".repeat(64) } }), "kube-ceph:provisioner.operator.manifestSha256", /installs no operator, so it reads no manifest/],
    ["operator logVerbosity 6", (c) => (c.provisioner = { install: "operator", operator: { logVerbosity: 6 } }), "kube-ceph:provisioner.operator.logVerbosity", /0 to 5/],
    ["operator timeout 5 s", (c) => (c.provisioner = { install: "operator", operator: { timeoutSeconds: 5 } }), "kube-ceph:provisioner.operator.timeoutSeconds", /between 10 and 3600/],
    ["existing operator namespace not a label", (c) => (c.provisioner = { install: "existing-operator", operator: { namespace: "Rook_Ceph" } }), "kube-ceph:provisioner.operator.namespace", /Kubernetes namespace name/],
    ["node plugin kubeletDir relative", (c) => (c.provisioner = { nodePlugin: { kubeletDir: "var/lib/kubelet" } }), "kube-ceph:provisioner.nodePlugin.kubeletDir", /absolute path/],
    ["node plugin kubeletDir with ..", (c) => (c.provisioner = { nodePlugin: { kubeletDir: "/var/lib/../kubelet" } }), "kube-ceph:provisioner.nodePlugin.kubeletDir", /without '\.', '\.\.'/],
    ["node plugin kubeletDir with //", (c) => (c.provisioner = { nodePlugin: { kubeletDir: "/var//kubelet" } }), "kube-ceph:provisioner.nodePlugin.kubeletDir", /without '\.', '\.\.' or '\/\/'/],
    ["toleration operator In", (c) => (c.provisioner = { nodePlugin: { tolerations: [{ key: "a", operator: "In" }] } }), "kube-ceph:provisioner.nodePlugin.tolerations[0].operator", /Exists or Equal/],
    ["toleration Exists with a value", (c) => (c.provisioner = { nodePlugin: { tolerations: [{ key: "a", operator: "Exists", value: "b" }] } }), "kube-ceph:provisioner.nodePlugin.tolerations[0].value", /left unset with operator "Exists"/],
    ["toleration without key, Equal", (c) => (c.provisioner = { controllerPlugin: { tolerations: [{ effect: "NoSchedule" }] } }), "kube-ceph:provisioner.controllerPlugin.tolerations[0].operator", /"Exists" when key is unset/],
    ["tolerationSeconds with NoSchedule", (c) => (c.provisioner = { controllerPlugin: { tolerations: [{ key: "a", effect: "NoSchedule", tolerationSeconds: 30 }] } }), "kube-ceph:provisioner.controllerPlugin.tolerations[0].tolerationSeconds", /unless effect is "NoExecute"/],
    ["toleration effect unknown", (c) => (c.provisioner = { controllerPlugin: { tolerations: [{ key: "a", effect: "NoRun" }] } }), "kube-ceph:provisioner.controllerPlugin.tolerations[0].effect", /NoSchedule, PreferNoSchedule or NoExecute/],
    ["resources of a container the plugin lacks", (c) => (c.provisioner = { nodePlugin: { resources: { provisioner: { limits: { cpu: "1" } } } } }), "kube-ceph:provisioner.nodePlugin.resources.provisioner", /not a known key; known keys here: addons, liveness, logRotator, plugin, registrar$/],
    ["cpu in words", (c) => (c.provisioner = { controllerPlugin: { resources: { plugin: { requests: { cpu: "1 core" } } } } }), "kube-ceph:provisioner.controllerPlugin.resources.plugin.requests.cpu", /CPU amount such as 250m/],
    ["memory request over its limit", (c) => (c.provisioner = { controllerPlugin: { resources: { plugin: { requests: { memory: "1Gi" }, limits: { memory: "512Mi" } } } } }), "kube-ceph:provisioner.controllerPlugin.resources.plugin.requests.memory", /at most the limit 512Mi/],
    ["cpu request over its limit", (c) => (c.provisioner = { nodePlugin: { resources: { plugin: { requests: { cpu: "1.5" }, limits: { cpu: "1200m" } } } } }), "kube-ceph:provisioner.nodePlugin.resources.plugin.requests.cpu", /at most the limit 1200m/],
    ["priorityClassName not a name", (c) => (c.provisioner = { nodePlugin: { priorityClassName: "System Node" } }), "kube-ceph:provisioner.nodePlugin.priorityClassName", /PriorityClass name/],
    ["nodeSelector value with a space", (c) => (c.provisioner = { controllerPlugin: { nodeSelector: { "kubernetes.io/os": "linux os" } } }), "kube-ceph:provisioner.controllerPlugin.nodeSelector.kubernetes.io/os", /node label value/],
    ["nodeSelector split at its dots by --path", (c) => (c.provisioner = { controllerPlugin: { nodeSelector: { kubernetes: { "io/os": "linux" } } } }), "kube-ceph:provisioner.controllerPlugin.nodeSelector.kubernetes", /set quoted: pulumi config set --path 'kube-ceph:provisioner\.nodePlugin\.nodeSelector\["kubernetes\.io\/os"\]' linux/],
    ["plugin settings with the in-tree kind", (c) => (c.provisioner = { kind: "in-tree", nodePlugin: { kubeletDir: "/var/lib/k0s/kubelet" } }), "kube-ceph:provisioner.nodePlugin", /unless ceph-csi runs through ceph-csi-operator/],
    ["plugin settings with the manifests install", (c) => (c.provisioner = { install: "manifests", controllerPlugin: { priorityClassName: "system-cluster-critical" } }), "kube-ceph:provisioner.controllerPlugin", /"existing-operator"\): the operator's Driver/],
    ["size 5GB", (c) => (c.smokeTest = { size: "5GB" }), "kube-ceph:smokeTest.size", /5Gi/],
    ["size without unit", (c) => (c.smokeTest = { size: "5" }), "kube-ceph:smokeTest.size", /quantity/],
    ["smoke enabled as string", (c) => (c.smokeTest = { enabled: "no" }), "kube-ceph:smokeTest.enabled", /true or false/],
    ["unknown top-level key", (c) => (c.storageclass = { name: "x" }), "kube-ceph:storageclass", /not a kube-ceph key/],
    // The many-class form.
    ["pools without storageClasses", (c) => (c.pools = { rbd: {} }), "kube-ceph:storageClasses", /is required with kube-ceph:pools/],
    ["storageClasses without pools", (c) => (c.storageClasses = [{ name: "fast", pool: "rbd" }]), "kube-ceph:pools", /is required with kube-ceph:storageClasses/],
    ["both forms: pool set with pools", (c) => Object.assign(c, many(), { pool: { name: "mypool", pgNum: 128 } }), "kube-ceph:pool", /must be left unset with kube-ceph:pools[\s\S]*pulumi config rm kube-ceph:pool/],
    ["both forms: storageClass set with storageClasses", (c) => Object.assign(c, many(), { storageClass: { name: "other" } }), "kube-ceph:storageClass", /one-class form/],
    ["pool name key with a space", (c) => Object.assign(c, many(), { pools: { "my pool": {} } }), "kube-ceph:pools.my pool", /Ceph pool name/],
    ["class names an undeclared pool", (c) => Object.assign(c, many(), { storageClasses: [{ name: "fast", pool: "nvme" }] }), "kube-ceph:storageClasses[0].pool", /declared in kube-ceph:pools \(declared: ec, rbd\)/],
    ["class names an undeclared dataPool", (c) => Object.assign(c, many(), { storageClasses: [{ name: "fast", pool: "rbd", dataPool: "ec2" }] }), "kube-ceph:storageClasses[0].dataPool", /declared in kube-ceph:pools/],
    ["erasure-coded pool as a class's pool", (c) => Object.assign(c, many(), { storageClasses: [{ name: "big", pool: "ec" }] }), "kube-ceph:storageClasses[0].pool", /erasure-coded pool cannot hold RBD metadata[\s\S]*dataPool/],
    ["dataPool the class's own pool", (c) => Object.assign(c, many(), { storageClasses: [{ name: "big", pool: "rbd", dataPool: "rbd" }] }), "kube-ceph:storageClasses[0].dataPool", /must differ/],
    ["two classes of one name", (c) => Object.assign(c, many(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "fast", pool: "rbd", dataPool: "ec" }] }), "kube-ceph:storageClasses[1].name", /duplicates kube-ceph:storageClasses\[0\]\.name/],
    ["two default classes", (c) => Object.assign(c, many(), { storageClasses: [{ name: "a", pool: "rbd", isDefault: true }, { name: "b", pool: "rbd", isDefault: true }] }), "kube-ceph:storageClasses[1].isDefault", /already the default class/],
    ["a class without a name", (c) => Object.assign(c, many(), { storageClasses: [{ pool: "rbd" }] }), "kube-ceph:storageClasses[0].name", /required/],
    ["a class of an unknown type", (c) => Object.assign(c, many(), { storageClasses: [{ name: "shared", type: "nfs", pool: "rbd" }] }), "kube-ceph:storageClasses[0].type", /rbd \(the default\) or cephfs/],
    ["a CephFS class naming an undeclared filesystem", (c) => Object.assign(c, withCephfs(), { filesystems: { other: {} } }), "kube-ceph:storageClasses[2].filesystem", /declared in kube-ceph:filesystems \(declared: other\)/],
    ["no pools with an RBD class", (c) => Object.assign(c, { filesystems: { kcfs: { deletionPolicy: "delete" } }, storageClasses: [{ name: "shared", type: "cephfs", filesystem: "kcfs" }, { name: "fast", pool: "rbd" }] }), "kube-ceph:pools", /is required with kube-ceph:storageClasses/],
    ["a CephFS class with the manifests install", (c) => Object.assign(c, withCephfs(), { provisioner: { install: "manifests" } }), "kube-ceph:storageClasses[2].type", /through ceph-csi-operator/],
    ["a CephFS class with an RBD pool", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "shared", type: "cephfs", filesystem: "kcfs", pool: "rbd" }] }), "kube-ceph:storageClasses[1].pool", /not a known key/],
    ["subvolumeGroup with an underscore", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "shared", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "team_a" }] }), "kube-ceph:storageClasses[1].subvolumeGroup", /lowercase letters, digits and '-'/],
    ["CephFS mounter krbd", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "shared", type: "cephfs", filesystem: "kcfs", mounter: "krbd" }] }), "kube-ceph:storageClasses[1].mounter", /kernel, fuse/],
    ["filesystem name with a slash", (c) => Object.assign(c, withCephfs(), { filesystems: { "a/b": {} } }), "kube-ceph:filesystems.a/b", /CephFS filesystem name/],
    ["filesystem deletionPolicy unknown", (c) => Object.assign(c, withCephfs(), { filesystems: { kcfs: { deletionPolicy: "purge" } } }), "kube-ceph:filesystems.kcfs.deletionPolicy", /retain, delete/],
    ["filesystems in the one-class form", (c) => (c.filesystems = { kcfs: {} }), "kube-ceph:filesystems", /only a class of that list \(type cephfs\)/],
    ["mounter unknown", (c) => Object.assign(c, many(), { storageClasses: [{ name: "a", pool: "rbd", mounter: "fuse" }] }), "kube-ceph:storageClasses[0].mounter", /krbd, rbd-nbd/],
    ["mapOptions with a space", (c) => Object.assign(c, many(), { storageClasses: [{ name: "a", pool: "rbd", mapOptions: "krbd:a b" }] }), "kube-ceph:storageClasses[0].mapOptions", /mapOptions/],
    ["erasure-coded pool with replicas", (c) => Object.assign(c, many(), { pools: { rbd: {}, ec: { replicas: 3, erasureCoded: { k: 2, m: 1 } } } }), "kube-ceph:pools.ec.replicas", /k \+ erasureCoded.m is its size/],
    ["erasure-coded k of 1", (c) => Object.assign(c, many(), { pools: { rbd: {}, ec: { erasureCoded: { k: 1, m: 1 } } } }), "kube-ceph:pools.ec.erasureCoded.k", /2 to 16/],
    ["erasure-coded failure domain unknown", (c) => Object.assign(c, many(), { pools: { rbd: {}, ec: { erasureCoded: { k: 2, m: 1, failureDomain: "shelf" } } } }), "kube-ceph:pools.ec.erasureCoded.failureDomain", /osd, host/],
    ["dataPool with the in-tree kind", (c) => Object.assign(c, many(), { provisioner: { kind: "in-tree" }, storageClasses: [{ name: "a", pool: "rbd", dataPool: "ec" }] }), "kube-ceph:storageClasses[0].dataPool", /only ceph-csi/],
    ["radosNamespace with an underscore", (c) => Object.assign(c, many(), { storageClasses: [{ name: "a", pool: "rbd", radosNamespace: "team_a" }] }), "kube-ceph:storageClasses[0].radosNamespace", /lowercase letters, digits and '-'/],
    // ceph-csi allows a clusterID 64 characters: 36 of the fsid, then "-<namespace>" or "-cephfs-<group>".
    ["two radosNamespaces for one subvolume group", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "a", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "g", radosNamespace: "one" }, { name: "b", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "g" }] }), "kube-ceph:storageClasses[2].radosNamespace", /must be one, as on kube-ceph:storageClasses\[1\]: the classes of subvolume group g share its ClientProfile/],
    ["CephFS radosNamespace with an underscore", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "a", type: "cephfs", filesystem: "kcfs", radosNamespace: "team_a" }] }), "kube-ceph:storageClasses[1].radosNamespace", /lowercase letters, digits and '-'/],
    ["radosNamespace too long for a clusterID", (c) => Object.assign(c, many(), { storageClasses: [{ name: "a", pool: "rbd", radosNamespace: "a".repeat(28) }] }), "kube-ceph:storageClasses[0].radosNamespace", /at most 27 characters: .*64/],
    ["subvolumeGroup too long for a clusterID", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "shared", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "g".repeat(21) }] }), "kube-ceph:storageClasses[1].subvolumeGroup", /at most 20 characters: .*64/],
    ["radosNamespace with the manifests install", (c) => Object.assign(c, many(), { provisioner: { install: "manifests" }, storageClasses: [{ name: "a", pool: "rbd", radosNamespace: "team-a" }] }), "kube-ceph:storageClasses[0].radosNamespace", /through ceph-csi-operator/],
    ["object-map with the in-tree kind, in the list", (c) => Object.assign(c, many(), { provisioner: { kind: "in-tree" }, storageClasses: [{ name: "a", pool: "rbd", imageFeatures: "layering,exclusive-lock" }] }), "kube-ceph:storageClasses[0].imageFeatures", /must be only layering[\s\S]*use the csi kind for exclusive-lock/],
    ["separateNodeUsers with the external kind", (c) => Object.assign(c, { provisioner: { kind: "external" }, client: { separateNodeUsers: true } }), "kube-ceph:client.separateNodeUsers", /only ceph-csi's node plugin/],
    ["separateNodeUsers not a boolean", (c) => Object.assign(c, { client: { separateNodeUsers: "yes" } }), "kube-ceph:client.separateNodeUsers", /true or false/],
    // Users are named <client>, <client>-rbd-node, <client>-<namespace>[-rbd-node], <client>-cephfs-<group>-provisioner|node.
    ["a rados namespace whose user is the stack's node user", (c) => Object.assign(c, many(), { storageClasses: [{ name: "a", pool: "rbd", radosNamespace: "rbd-node" }] }), "kube-ceph:storageClasses[0].radosNamespace", /must not make Ceph user client\.kube-rbd-node, which kube-ceph:client\.name makes too/],
    ["a rados namespace whose user is a subvolume group's", (c) => Object.assign(c, withCephfs(), { storageClasses: [{ name: "fast", pool: "rbd" }, { name: "shared", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "x" }, { name: "t", pool: "rbd", radosNamespace: "cephfs-x-node" }] }), "kube-ceph:storageClasses[2].radosNamespace", /client\.kube-cephfs-x-node, which kube-ceph:storageClasses\[1\]\.subvolumeGroup makes too/],
    ["snapshotClass with the external kind", (c) => Object.assign(c, many(), { provisioner: { kind: "external" }, storageClasses: [{ name: "a", pool: "rbd", snapshotClass: true }] }), "kube-ceph:storageClasses[0].snapshotClass", /only ceph-csi/],
];

/** A many-class stack: a replicated pool and an erasure-coded one, a plain class and one with its data in the latter. */
function many(): Record<string, unknown> {
    return {
        pools: { rbd: { replicas: 3 }, ec: { erasureCoded: { k: 2, m: 1, failureDomain: "osd" }, deletionPolicy: "delete" } },
        storageClasses: [{ name: "fast", pool: "rbd" }, { name: "big", pool: "rbd", dataPool: "ec", imageFeatures: "layering,exclusive-lock", mounter: "rbd-nbd" }],
    };
}

/** The many-class stack with a filesystem and a CephFS class after its RBD ones. */
function withCephfs(): Record<string, unknown> {
    const classes = many().storageClasses as object[];
    return { ...many(), filesystems: { kcfs: { deletionPolicy: "delete" } }, storageClasses: [...classes, { name: "shared", type: "cephfs", filesystem: "kcfs" }] };
}

test("a CephFS class: its filesystem, ceph-csi's default group and the common fields' defaults", (t) => {
    const config = parseConfig({ ...base(), ...withCephfs() }, FAKE_SSH_KEY);
    t.deepEqual(config.filesystems, { kcfs: { deletionPolicy: "delete" } });
    t.deepEqual(config.storageClasses[2], {
        name: "shared", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "csi",
        reclaimPolicy: "Delete", allowVolumeExpansion: true, volumeBindingMode: "Immediate", mountOptions: [], isDefault: false, snapshotClass: false,
    });
    t.is(config.storageClasses[0].type, "rbd", "a class without a type is RBD");
    t.deepEqual(parseConfig({ ...base(), ...many() }, FAKE_SSH_KEY).filesystems, {}, "no filesystems unless declared");
});

test("the longest rados namespace and subvolume group parse, and make clusterIDs of ceph-csi's 64 characters", (t) => {
    const config = parseConfig(Object.assign(base(), withCephfs(), {
        storageClasses: [{ name: "fast", pool: "rbd", radosNamespace: "a".repeat(27) }, { name: "shared", type: "cephfs", filesystem: "kcfs", subvolumeGroup: "g".repeat(20) }],
    }), FAKE_SSH_KEY);
    const [rbd, cephfs] = config.storageClasses as [RbdClassConfig, CephfsClassConfig];
    t.is(namespaceClusterId(FSID, rbd.radosNamespace!).length, MAX_CLUSTER_ID_LENGTH);
    t.is(subvolumeGroupClusterId(FSID, cephfs.subvolumeGroup).length, MAX_CLUSTER_ID_LENGTH);
});

for (const [description, mutate, key, allowed] of BAD) {
    test(`bad config: ${description} -> error names ${key}`, (t) => {
        const raw = base();
        mutate(raw);
        const error = t.throws(() => parseConfig(raw, FAKE_SSH_KEY), { instanceOf: ConfigError });
        const problem = error!.problems.find((p) => p.key === key);
        t.truthy(problem, `expected a problem at ${key}, got ${JSON.stringify(error!.problems.map((p) => p.key))}`);
        t.regex(problem!.allowed, allowed);
        t.true(error!.message.includes(key));
        t.regex(error!.message, /nothing was created or changed/);
        // kube-ceph's own words only, never the schema library's.
        t.notRegex(error!.message, /Invalid input|expected \w+, received/);
    });
}

/** [description, raw config change, key the error must name, the known keys the hint must list exactly] */
const UNKNOWN: [string, (c: Record<string, any>) => void, string, string[]][] = [
    ["top of ceph", (c) => (c.ceph.mons = []), "kube-ceph:ceph.mons", ["fsid", "hosts", "monitors", "sessionsPerHost"]],
    ["a host entry", (c) => (c.ceph.hosts = [{ host: "a", pasword: "x" }]), "kube-ceph:ceph.hosts[0].pasword", ["host", "hostKey", "port", "user"]],
    ["a second host entry", (c) => (c.ceph.hosts = ["a", { host: "b", key: "x" }]), "kube-ceph:ceph.hosts[1].key", ["host", "hostKey", "port", "user"]],
    ["provisioner images", (c) => (c.provisioner = { images: { attacher: "x:1" } }), "kube-ceph:provisioner.images.attacher",
        ["cephCsiOperator", "cephcsi", "csiAddons", "csiAttacher", "csiNodeDriverRegistrar", "csiProvisioner", "csiResizer", "csiSnapshotMetadata", "csiSnapshotter", "rbdProvisioner"]],
    ["provisioner", (c) => (c.provisioner = { namspace: "x" }), "kube-ceph:provisioner.namspace", ["awaitRollout", "controllerPlugin", "images", "install", "kind", "namespace", "nodePlugin", "operator", "registry"]],
    ["a plugin's affinity", (c) => (c.provisioner = { nodePlugin: { affinity: { nodeAfinity: {} } } }), "kube-ceph:provisioner.nodePlugin.affinity.nodeAfinity", ["nodeAffinity", "podAffinity", "podAntiAffinity"]],
    ["provisioner.operator", (c) => (c.provisioner = { install: "operator", operator: { manifests: "x" } }), "kube-ceph:provisioner.operator.manifests", ["deployment", "logVerbosity", "manifest", "manifestSha256", "namespace", "timeoutSeconds"]],
    ["smoke test", (c) => (c.smokeTest = { pods: false }), "kube-ceph:smokeTest.pods", ["claimName", "enabled", "image", "keepPod", "namespace", "pod", "size", "timeoutSeconds"]],
];

for (const [where, mutate, key, known] of UNKNOWN) {
    test(`an unknown key in ${where} is answered with the keys of that very object`, (t) => {
        const raw = base();
        mutate(raw);
        const error = t.throws(() => parseConfig(raw, FAKE_SSH_KEY), { instanceOf: ConfigError });
        const problem = error!.problems.find((p) => p.key === key);
        t.truthy(problem, JSON.stringify(error!.problems));
        t.is(problem!.allowed, `is not a known key; known keys here: ${known.join(", ")}`);
    });
}

test("imageFeatures: ceph-csi's comma-separated string and a list are the same setting", (t) => {
    const fromString = parseConfig({ ...base(), storageClass: { imageFeatures: "layering,exclusive-lock" } }, FAKE_SSH_KEY);
    const spaced = parseConfig({ ...base(), storageClass: { imageFeatures: "layering, exclusive-lock" } }, FAKE_SSH_KEY);
    const fromList = parseConfig({ ...base(), storageClass: { imageFeatures: ["layering", "exclusive-lock"] } }, FAKE_SSH_KEY);
    t.deepEqual(fromString.storageClass.imageFeatures, ["layering", "exclusive-lock"]);
    t.deepEqual(spaced.storageClass, fromList.storageClass);
});

test("imageFeatures: a wrong string or type gets kube-ceph's own message naming the allowed features", (t) => {
    const unknown = t.throws(() => parseConfig({ ...base(), storageClass: { imageFeatures: "layering,striping" } }, FAKE_SSH_KEY), { instanceOf: ConfigError });
    t.regex(unknown!.message, /kube-ceph:storageClass\.imageFeatures\[1\]: got "striping"; must list only layering, exclusive-lock, object-map, fast-diff, deep-flatten, journaling/);
    const number = t.throws(() => parseConfig({ ...base(), storageClass: { imageFeatures: 5 } }, FAKE_SSH_KEY), { instanceOf: ConfigError });
    t.regex(number!.message, /kube-ceph:storageClass\.imageFeatures: got 5; must be a list of RBD image features, or one comma-separated string such as "layering,exclusive-lock"/);
    t.notRegex(number!.message, /expected/i);
    const order = t.throws(() => parseConfig({ ...base(), storageClass: { imageFeatures: "layering,object-map" } }, FAKE_SSH_KEY), { instanceOf: ConfigError });
    t.regex(order!.message, /object-map requires exclusive-lock/);
});

for (const kind of ["in-tree", "external"]) {
    test(`${kind} accepts only the layering image feature, refused naming the key and the kind`, (t) => {
        const error = t.throws(() => parseConfig({ ...base(), provisioner: { kind }, storageClass: { imageFeatures: "layering,exclusive-lock" } }, FAKE_SSH_KEY), { instanceOf: ConfigError });
        t.deepEqual(error!.problems.map((p) => p.key), ["kube-ceph:storageClass.imageFeatures"]);
        t.regex(error!.message, new RegExp(`must be only layering with kube-ceph:provisioner\\.kind "${kind}".*use the csi kind for exclusive-lock`));
        t.notThrows(() => parseConfig({ ...base(), provisioner: { kind }, storageClass: { imageFeatures: ["layering"] } }, FAKE_SSH_KEY));
    });
}

test("snapshotClass is refused with the legacy kinds, naming the key, the value and why", (t) => {
    for (const kind of ["in-tree", "external"]) {
        const error = t.throws(() => parseConfig({ ...base(), provisioner: { kind }, storageClass: { snapshotClass: true } }, FAKE_SSH_KEY), { instanceOf: ConfigError });
        t.deepEqual(error!.problems.map((p) => p.key), ["kube-ceph:storageClass.snapshotClass"]);
        t.regex(error!.message, new RegExp(`kube-ceph:storageClass\\.snapshotClass: got true; must be false with kube-ceph:provisioner\\.kind "${kind}": only ceph-csi`));
    }
    t.is(parseConfig({ ...base(), storageClass: { snapshotClass: true } }, FAKE_SSH_KEY).storageClass.snapshotClass, true);
    t.is(parseConfig(base(), FAKE_SSH_KEY).storageClass.snapshotClass, false);
});

test("csi takes every feature combination the kernel table knows", (t) => {
    t.notThrows(() => parseConfig({ ...base(), storageClass: { imageFeatures: "layering,exclusive-lock,object-map,fast-diff,deep-flatten" } }, FAKE_SSH_KEY));
});

test("monitors may name their protocol with Ceph's v1:/v2: prefix", (t) => {
    const config = parseConfig({ ceph: { hosts: ["a"], fsid: "9f2c3a5e-1111-4c4c-8888-0123456789ab", monitors: ["v2:10.0.0.1:3300", "v1:10.0.0.2:6789", "10.0.0.3:6789"] } }, FAKE_SSH_KEY);
    t.deepEqual(config.ceph.monitors, ["v2:10.0.0.1:3300", "v1:10.0.0.2:6789", "10.0.0.3:6789"]);
    t.throws(() => parseConfig({ ceph: { hosts: ["a"], fsid: "9f2c3a5e-1111-4c4c-8888-0123456789ab", monitors: ["v3:10.0.0.1:3300"] } }, FAKE_SSH_KEY), { message: /ceph\.monitors\[0\].*host:port/ });
});

test("smokeTest: pod and timeoutSeconds default to the full check within 5 minutes", (t) => {
    const config = parseConfig(base(), FAKE_SSH_KEY);
    t.true(config.smokeTest.pod);
    t.is(config.smokeTest.timeoutSeconds, 300);
    t.throws(() => parseConfig({ ...base(), smokeTest: { timeoutSeconds: 5 } }, FAKE_SSH_KEY), { message: /smokeTest\.timeoutSeconds: got 5; must be between 10 and 3600/ });
});

test("the offending value is quoted in the message", (t) => {
    const error = t.throws(() => parseConfig({ ...base(), pool: { pgNum: 100 } }, FAKE_SSH_KEY), { instanceOf: ConfigError });
    t.regex(error!.message, /kube-ceph:pool\.pgNum: got 100; must be a power of two/);
});

test("missing sshPrivateKey says how to set it as a secret", (t) => {
    const error = t.throws(() => parseConfig(base(), undefined), { instanceOf: ConfigError });
    t.regex(error!.message, /kube-ceph:sshPrivateKey: got nothing; is required: pulumi config set --secret/);
});

test("a malformed sshPrivateKey is reported without echoing it", (t) => {
    const secretish = "not-a-key-but-still-secret-value-123";
    const error = t.throws(() => parseConfig(base(), secretish), { instanceOf: ConfigError });
    t.regex(error!.message, /kube-ceph:sshPrivateKey: got "\[secret\]"/);
    t.false(error!.message.includes(secretish));
});

test.serial("a bad value stops the program before any resource is registered", async (t) => {
    const error = await t.throwsAsync(runProgram(baseConfig({ pool: { name: "a;touch /tmp/x" } })));
    t.regex(error!.message, /kube-ceph:pool\.name/);
    t.deepEqual(declaredBefore(error), []);
    const run = await runProgram(baseConfig());
    t.is(byType(run, "kube-ceph:ceph:CephPool").length, 1);
});

test("a stack of CephFS classes only needs no pools: its filesystems make theirs", (t) => {
    const config = parseConfig({ ...base(), filesystems: { kcfs: { deletionPolicy: "delete" } }, storageClasses: [{ name: "shared", type: "cephfs", filesystem: "kcfs" }] }, FAKE_SSH_KEY);
    t.deepEqual(config.pools, {});
    t.is(config.storageClasses[0].type, "cephfs");
    t.is(config.form, "many");
});

test("a passphrase-protected SSH key is refused at validation, whatever its format, without the key in the message; a key without one passes", (t) => {
    const dir = mkdtempSync(join(tmpdir(), "kube-ceph-keys-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const key = (name: string, passphrase: string, ...args: string[]) => {
        execFileSync("ssh-keygen", ["-q", "-f", join(dir, name), "-N", passphrase, "-C", "", ...args]);
        return readFileSync(join(dir, name), "utf8");
    };
    const open = key("open", "", "-t", "ed25519");
    t.false(isPassphraseProtected(open));
    t.notThrows(() => parseConfig(base(), open));
    for (const [format, text] of [
        ["OpenSSH", key("openssh", "secret passphrase", "-t", "ed25519")],
        ["PEM", key("pem", "secret passphrase", "-t", "ecdsa", "-m", "PEM")],
        ["PKCS#8", key("pkcs8", "secret passphrase", "-t", "ecdsa", "-m", "PKCS8")],
    ]) {
        t.true(isPassphraseProtected(text), format);
        const error = t.throws(() => parseConfig(base(), text), { instanceOf: ConfigError });
        t.regex(error!.message, /kube-ceph:sshPrivateKey: got "\[secret\]"; is protected by a passphrase, which kube-ceph cannot ask for: set a key without one/, format);
        const body = text.split("\n").filter((line) => !line.startsWith("-----") && line.length > 20);
        t.false(body.some((line) => error!.message.includes(line)), `${format}: no line of the key in the message`);
    }
    // A key whose body is not what ssh-keygen writes is not called protected: the connection says what is wrong.
    t.false(isPassphraseProtected(FAKE_SSH_KEY));
});
