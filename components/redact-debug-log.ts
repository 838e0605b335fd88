// @pulumi/pulumi's runtime logs every RegisterResource response at debug level, and the
// engine keeps debug messages in its event log (what the Automation API and Pulumi Cloud
// record). Those responses hold resource outputs with secret values in plain text, e.g. the
// Ceph key that the user command prints. This keeps the log line but drops the response.
// The module object itself (not an ES namespace view) is what the runtime calls through.
import pulumiLog = require("@pulumi/pulumi/log");

const RESPONSE = /(RPC finished: .*?; err: .*?, resp: )[\s\S]*$/;

/** Rewrites a runtime debug line so that it carries no RPC response payload. */
export function redactRpcResponse(message: string): string {
    return message.replace(RESPONSE, "$1[omitted by kube-ceph: may contain secret outputs]");
}

const original = pulumiLog.debug;
pulumiLog.debug = (message, ...rest) => original(redactRpcResponse(message), ...rest);
