// @pulumi/pulumi's runtime logs RPC requests and responses at debug level, and the engine
// keeps debug messages in its event log (what the Automation API and Pulumi Cloud record).
// Those payloads hold resource inputs and outputs with secret values in plain text, e.g.
// the Ceph key that the user command prints or the SSH key a command connects with. One
// rule covers every such line: whatever follows a payload marker is dropped, the rest of
// the line is kept. The markers are the runtime's own: `resp: ` after an RPC finished, and
// `props=`, `obj=`, `outputs=`, `primitive=`, `function=` where it prints what it sends.
// The module object itself (not an ES namespace view) is what the runtime calls through.
import pulumiLog = require("@pulumi/pulumi/log");

const PAYLOAD = /(\bresp: |\b(?:props|obj|outputs|primitive|function)=)[\s\S]*$/;

/** Rewrites a runtime debug line so that it carries no RPC payload. */
export function redactRpcPayload(message: string): string {
    return message.replace(PAYLOAD, "$1[omitted by kube-ceph: may contain secret values]");
}

let installed = false;

/**
 * Puts the redaction between the runtime and the engine, once: the program calls it first
 * thing. A call, not an import's side effect, so that importing this room leaves the tests'
 * own runtime as it is.
 */
export function redactDebugLog(): void {
    if (!installed) {
        installed = true;
        const original = pulumiLog.debug;
        pulumiLog.debug = (message, ...rest) => original(redactRpcPayload(message), ...rest);
    }
}
