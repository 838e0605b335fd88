// What the lab tiers need to reach the lab started by lab/lab.sh: mon hosts over SSH
// on 127.0.0.11-13 and the admin ceph CLI. Missing lab state is an error, not a skip:
// the README's test command starts the lab before these tiers run.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CephHost } from "../components/config";
import { sshExec } from "../components/live";

export const LAB_HOME = process.env.KUBE_CEPH_LAB_HOME ?? "/var/tmp/kube-ceph-lab";
export const DATA = join(LAB_HOME, "data");
export const MONS = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
export const SSH_PORT = Number(process.env.KUBE_CEPH_LAB_SSH_PORT ?? 2222);
export const CEPH_CONF = join(DATA, "ceph", "ceph.conf");

function need(path: string): string {
    if (!existsSync(path)) {
        throw new Error(`lab file ${path} is missing: start the lab with lab/lab.sh up`);
    }
    return path;
}

export function labPrivateKey(): string {
    return readFileSync(need(join(DATA, "ssh", "id_ed25519")), "utf8");
}

export function labHostKey(address: string): string {
    return readFileSync(need(join(DATA, "ssh", `hostkey-${address}.pub`)), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

export function labHost(address = MONS[0], pin = true): CephHost {
    return { host: address, port: SSH_PORT, user: "root", ...(pin ? { hostKey: labHostKey(address) } : {}) };
}

/** Runs a script on a lab mon host over real SSH, as remote.Command would. */
export function onMon(script: string, address = MONS[0]): Promise<string> {
    return sshExec(labHost(address), labPrivateKey(), script);
}

/** The admin ceph CLI on this machine, for checking what the scripts did. */
export function ceph(...args: string[]): string {
    return execFileSync("ceph", ["-c", need(CEPH_CONF), "--connect-timeout", "20", ...args], { encoding: "utf8" });
}

export function cephJson<T = any>(...args: string[]): T {
    return JSON.parse(ceph(...args, "-f", "json")) as T;
}

export function rbd(...args: string[]): string {
    return execFileSync("rbd", ["-c", need(CEPH_CONF), ...args], { encoding: "utf8" });
}

/** Removes a pool regardless of who made it (test clean-up only). */
export function dropPool(name: string): void {
    if (cephJson<string[]>("osd", "pool", "ls").includes(name)) {
        ceph("osd", "pool", "rm", name, name, "--yes-i-really-really-mean-it");
    }
}

/** A name unique to this test run, so reruns never collide with leftovers. */
export function uniqueName(prefix: string): string {
    return `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
}
