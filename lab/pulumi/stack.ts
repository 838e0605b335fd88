// The lab's Pulumi stacks, driven through the Automation API: the demo (`lab/lab.sh demo`)
// and the end-to-end tests build their stacks here, from the same config.
// Expects the environment lab/lab.sh exports: pulumi on PATH, PULUMI_HOME,
// PULUMI_BACKEND_URL (file://), PULUMI_CONFIG_PASSPHRASE, KUBECONFIG, KUBE_CEPH_LAB_HOME.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import { labHostKey, labPrivateKey, MONS, SSH_PORT } from "../lab";

// The repository root, two levels up from lab/pulumi/: the program the stacks run lives there.
export const REPO = resolve(__dirname, "..", "..");

export type LabConfig = Record<string, Record<string, unknown>>;

/**
 * The lab stack: pinned lab mons, no smoke test and no rollout wait (no kubelet runs pods here),
 * and ceph-csi-operator's install.yaml from the Go module cache (lab/operator/operator.sh env),
 * since the published URL is out of reach.
 */
export function labConfig(overrides: LabConfig = {}): LabConfig {
    const manifest = process.env.KUBE_CEPH_LAB_OPERATOR_MANIFEST;
    const base: LabConfig = {
        ceph: { hosts: MONS.map((host) => ({ host, port: SSH_PORT, hostKey: labHostKey(host) })) },
        pool: { name: "mypool", pgNum: 8, deletionPolicy: "retain" },
        client: { name: "kube" },
        storageClass: { name: "ceph-storageclass" },
        provisioner: { kind: "csi", namespace: "ceph-csi", awaitRollout: false, ...(manifest !== undefined ? { operator: { manifest } } : {}) },
        smokeTest: { enabled: false },
    };
    for (const [key, value] of Object.entries(overrides)) {
        base[key] = { ...(base[key] ?? {}), ...value };
    }
    return base;
}

/** Flattens an object into `pulumi config set --path` keys (a.b[0].c). */
export function configPaths(prefix: string, value: unknown, out: Record<string, string> = {}): Record<string, string> {
    if (Array.isArray(value)) {
        value.forEach((item, i) => configPaths(`${prefix}[${i}]`, item, out));
    } else if (value !== null && typeof value === "object") {
        for (const [key, item] of Object.entries(value)) {
            // A key with a dot (a label such as kubernetes.io/os) is quoted, or Pulumi would nest at each dot.
            configPaths(/^[A-Za-z0-9_-]+$/.test(key) ? `${prefix}.${key}` : `${prefix}[${JSON.stringify(key)}]`, item, out);
        }
    } else {
        out[prefix] = String(value);
    }
    return out;
}

/** Creates or selects a lab stack of the program in `workDir` and sets its whole config; the SSH key goes in on stdin. */
export async function labStack(stackName: string, config: LabConfig = labConfig(), workDir = REPO): Promise<Stack> {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir });
    await writeConfig(stack, config);
    execFileSync("pulumi", ["config", "set", "--secret", "kube-ceph:sshPrivateKey", "--stack", stackName, "--non-interactive"], {
        cwd: workDir,
        input: labPrivateKey(),
        stdio: ["pipe", "ignore", "inherit"],
    });
    return stack;
}

/** Replaces the stack's kube-ceph:* objects (not the secret) with `config`. */
export async function writeConfig(stack: Stack, config: LabConfig): Promise<void> {
    const existing = Object.keys(await stack.getAllConfig()).filter((k) => k.startsWith("kube-ceph:") && k !== "kube-ceph:sshPrivateKey");
    if (existing.length > 0) {
        await stack.removeAllConfig(existing);
    }
    const values: Record<string, { value: string }> = {};
    for (const [key, object] of Object.entries(config)) {
        for (const [path, value] of Object.entries(configPaths(`kube-ceph:${key}`, object))) {
            values[path] = { value };
        }
    }
    await stack.setAllConfig(values, true);
}

async function demo(): Promise<void> {
    const stack = await labStack("lab");
    const result = await stack.up({ onOutput: (line) => process.stdout.write(line), color: "never" });
    process.stdout.write("\n== stack outputs ==\n");
    for (const [key, output] of Object.entries(result.outputs)) {
        process.stdout.write(`${key}: ${output.secret ? "[secret]" : JSON.stringify(output.value)}\n`);
    }
}

if (require.main === module) {
    demo().catch((error) => {
        process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
    });
}
