import test from "ava";
import { commandFailure } from "../../components/ssh-reader";

test("a failed script's error quotes its stderr only, never its stdout", (t) => {
    t.is(commandFailure(1, "Error ENOENT: no such entity\n"), "exit code 1: Error ENOENT: no such entity");
    // stdout is not even an argument: a script that printed a key and then failed cannot leak it here.
    t.is(commandFailure(2, "  \n"), "exit code 2: (no stderr)");
    t.is(commandFailure(null, ""), "exit code null: (no stderr)");
});
