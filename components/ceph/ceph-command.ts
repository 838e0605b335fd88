// The one factory of kube-ceph's remote commands: a Ceph object's ensure and remove scripts
// as a @pulumi/command resource, queued in a mon host's lane.
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import type { MonLane } from "./mon-connection";

export interface CephCommandArgs {
    /** The mon host lane to run in (see MonConnection.lane). */
    connection: MonLane;
    /**
     * Idempotent script that creates or converges the object; runs on create and on every change.
     * It must print no secret: the provider puts a failed command's stdout into its error text
     * whatever `logging` says (a user's key is read by CephUserKey instead).
     */
    ensure: string;
    /**
     * The ensure script for an object already in this stack's state, when it must differ (a
     * user's claims a user made before owner records); unset, the ensure script.
     */
    update?: string;
    /** Idempotent script that removes the object (or refuses, failing the destroy). */
    remove: string;
    /** The Ceph name of the object: a new name is a new object, so it forces a replacement. */
    identity: string;
}

/** The one way kube-ceph runs a script on a mon host as a Pulumi resource. */
export function cephCommand(name: string, args: CephCommandArgs, parent: pulumi.Resource): command.remote.Command {
    return args.connection.queue((after) => new command.remote.Command(name, {
        connection: args.connection.host.args,
        create: args.ensure,
        update: args.update ?? args.ensure,
        delete: args.remove,
        triggers: [args.identity],
        // The previous release's user command printed the key: that old stdout must not travel back to the host.
        addPreviousOutputInEnv: false,
    }, {
        parent,
        // Waiting for the lane's previous command is what bounds the sessions per host.
        dependsOn: after,
        // A new name is a new Ceph object: created first, then the old one goes through its own remove script.
        replaceOnChanges: ["triggers"],
    }));
}
