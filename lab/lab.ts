// Where the lab that lab/lab.sh starts lives and how to reach it, for everything in
// TypeScript that drives it: the lab's stacks (pulumi/stack.ts, pulumi/load.ts), the load
// bench and the lab test tiers. The addresses, the port and the file layout are
// lab/ceph/ceph.sh's.
// Missing lab state is an error, not a skip: `lab/lab.sh up` makes it.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CephHost } from "../components/config";

const LAB_HOME = process.env.KUBE_CEPH_LAB_HOME ?? "/var/tmp/kube-ceph-lab";
const DATA = join(LAB_HOME, "data");
/** The mon hosts of mons a, b and c, in that order; each runs its own sshd. */
export const MONS = ["127.0.0.11", "127.0.0.12", "127.0.0.13"];
/**
 * The port of every mon host's sshd: lab/ceph/ceph.sh fixes it (SSH_PORT there) and no variable
 * changes it, so it is not read from the environment (`ceph.sh env` only reports it).
 */
export const SSH_PORT = 2222;
const CEPH_CONF = join(DATA, "ceph", "ceph.conf");
/** The lab's SSH files: the client key, each mon host's sshd config and host key (hosts/<address>/). */
export const SSH_DIR = join(DATA, "ssh");
/** Where each mon host's sshd logs, as sshd-<address>.log. */
export const SSHD_LOG_DIR = join(SSH_DIR, "log");

/** First on the PATH of every lab SSH session (lab/ceph/ceph.sh): fault tests put wrappers there. */
export const FAULT_BIN = join(SSH_DIR, "fault-bin");

/** The pid file of a mon host's sshd listener (lab/ceph/ceph.sh's sshd_pidf). */
export function sshdPidFile(address: string): string {
    return join(SSH_DIR, "run", `sshd-${address}.pid`);
}

function need(path: string): string {
    if (!existsSync(path)) {
        throw new Error(`lab file ${path} is missing: start the lab with lab/lab.sh up`);
    }
    return path;
}

/** The private key that root on every mon host accepts. */
export function labPrivateKey(): string {
    return readFileSync(need(join(SSH_DIR, "id_ed25519")), "utf8");
}

/** The host key of a mon host's sshd as the config pins it: "<type> <base64>", no comment. */
export function labHostKey(address: string): string {
    return readFileSync(need(join(SSH_DIR, `hostkey-${address}.pub`)), "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

export function labHost(address = MONS[0], pin = true): CephHost {
    return { host: address, port: SSH_PORT, user: "root", ...(pin ? { hostKey: labHostKey(address) } : {}) };
}

/** The admin ceph CLI on this machine, for reading and changing the lab cluster directly. */
export function ceph(...args: string[]): string {
    return cephWithin(20, ...args);
}

/** `ceph` giving up after `seconds` without an answer (its connect timeout, and a kill after twice that). */
export function cephWithin(seconds: number, ...args: string[]): string {
    return execFileSync("ceph", ["-c", need(CEPH_CONF), "--connect-timeout", String(seconds), ...args], { encoding: "utf8", stdio: "pipe", timeout: 2 * seconds * 1000 + 5000 });
}

export function cephJson<T = any>(...args: string[]): T {
    return JSON.parse(ceph(...args, "-f", "json")) as T;
}

/** The lab cluster's fsid and its mons' msgr v1 addresses, in the monmap's order: what ceph.fsid and ceph.monitors take. */
export function labCephIdentity(): { fsid: string; monitors: string[] } {
    const dump = cephJson<{ fsid: string; mons: { public_addrs: { addrvec: { type: string; addr: string }[] } }[] }>("mon", "dump");
    return { fsid: dump.fsid, monitors: dump.mons.flatMap((m) => m.public_addrs.addrvec.filter((a) => a.type === "v1").map((a) => a.addr)) };
}

export function rbd(...args: string[]): string {
    return execFileSync("rbd", ["-c", need(CEPH_CONF), ...args], { encoding: "utf8" });
}

export function rados(...args: string[]): string {
    return execFileSync("rados", ["-c", need(CEPH_CONF), ...args], { encoding: "utf8" });
}

/** ceph-fuse against the lab cluster: it returns once the mount is up, and runs on in the background. */
export function cephFuse(...args: string[]): string {
    return execFileSync("ceph-fuse", ["-c", need(CEPH_CONF), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}
