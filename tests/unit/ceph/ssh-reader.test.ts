import test from "ava";
import { commandFailureMessage, finalFailure, isFinalFailure } from "../../../components/ceph";

test("a failed script's error quotes its stderr only, never its stdout", (t) => {
    t.is(commandFailureMessage(1, "Error ENOENT: no such entity\n"), "exit code 1: Error ENOENT: no such entity");
    // stdout is not even an argument: a script that printed a key and then failed cannot leak it here.
    t.is(commandFailureMessage(2, "  \n"), "exit code 2: (no stderr)");
    t.is(commandFailureMessage(null, ""), "exit code null: (no stderr)");
});

test("a wrong host key and a failed command are final; anything else is worth another try", (t) => {
    const mismatch = finalFailure("host key mismatch", "host key of h:22 does not match");
    t.true(mismatch instanceof Error);
    t.is(mismatch.message, "host key of h:22 does not match");
    t.true(isFinalFailure(mismatch));
    t.true(isFinalFailure(finalFailure("command failed", "exit code 1: (no stderr)")));
    t.false(isFinalFailure(new Error("connect ECONNREFUSED 127.0.0.1:22")));
    t.false(isFinalFailure(undefined));
});
